"""Robust PCA and completion quality: captured variance, trimmed variance, relative error."""

import numbers

import numpy as np
from sklearn.utils import check_array

from ..utils._sklearn import Interval, validate_params
from ..utils._solver import data_scale

__all__ = ["captured_variance_ratio", "relative_error", "trimmed_variance"]


def _orthonormal_rows(components):
    C = check_array(components, ensure_min_features=1, input_name="components")
    if C.shape[0] > C.shape[1]:
        raise ValueError(
            f"components must have linearly independent rows; got {C.shape[0]} rows in "
            f"{C.shape[1]} dimensions."
        )
    Q, R = np.linalg.qr(C.T)
    if np.any(np.abs(np.diag(R)) <= 1e-12 * max(np.abs(R).max(), 1e-300)):
        raise ValueError("components must have linearly independent rows.")
    return Q.T


@validate_params(
    {"components": ["array-like"], "covariance": ["array-like"]},
    prefer_skip_nested_validation=True,
)
def captured_variance_ratio(components, covariance):
    """Share of the best possible variance captured by the span of ``components``.

    ``trace(Q^T Sigma Q) / (lambda_1 + ... + lambda_k)`` where ``Q`` is an
    orthonormal basis of the ``k`` rows of ``components`` and ``lambda_j``
    are the top eigenvalues of ``covariance``.  For one direction ``u`` this
    is ``u^T Sigma u / ||Sigma||_2``, the accuracy measure of outlier-robust
    PCA (Diakonikolas et al., ICML 2023): 1 for the top eigenvector, and
    ``1 - gamma`` for a ``gamma``-approximate solution.

    Parameters
    ----------
    components : array-like of shape (n_components, n_features)
        Directions as rows (e.g. ``pca.components_``); orthonormalised here.
    covariance : array-like of shape (n_features, n_features)
        The true covariance (symmetric positive semi-definite).

    Returns
    -------
    ratio : float in [0, 1]
        The share; 0 when ``covariance`` is zero.

    Examples
    --------
    >>> import numpy as np
    >>> from lrsparse.metrics import captured_variance_ratio
    >>> cov = np.diag([4.0, 1.0, 1.0])
    >>> captured_variance_ratio([[1.0, 0.0, 0.0]], cov), captured_variance_ratio([[0, 1, 0]], cov)
    (1.0, 0.25)
    """
    Q = _orthonormal_rows(components)
    S = check_array(covariance, input_name="covariance")
    if S.shape != (Q.shape[1], Q.shape[1]):
        raise ValueError(
            f"covariance must have shape (n_features, n_features) = {(Q.shape[1],) * 2}; "
            f"got {S.shape}."
        )
    S = 0.5 * (S + S.T)
    k = Q.shape[0]
    top = np.linalg.eigvalsh(S)[::-1][:k].sum()
    captured = float(np.einsum("ij,jk,ik->", Q, S, Q))
    return float(np.clip(captured / top, 0.0, 1.0)) if top > 0 else 0.0


@validate_params(
    {
        "X": ["array-like"],
        "components": ["array-like"],
        "trim": [Interval(numbers.Real, 0, 1, closed="left")],
        "center": [None, "array-like"],
    },
    prefer_skip_nested_validation=True,
)
def trimmed_variance(X, components, *, trim=0.1, center=None):
    """Variance of ``X`` along each direction after dropping the largest ``trim`` share.

    For each row ``u`` of ``components`` (normalised to unit length), the
    squared projections ``(u^T (x_i - center))^2`` are sorted and the top
    ``ceil(trim * n_samples)`` are dropped before averaging: a robust
    variance for real data, where the covariance is unknown and a few
    outliers would dominate the plain variance.  Compare directions found by
    different methods on the same data: a larger trimmed variance means a
    direction that explains more of the bulk (Jambulapati, Li & Tian 2020
    use it as their variance estimate).

    Parameters
    ----------
    X : array-like of shape (n_samples, n_features)
        The data (finite values).
    components : array-like of shape (n_components, n_features)
        Directions as rows.
    trim : float in [0, 1), default=0.1
        Share of the samples dropped per direction (use about twice the
        outlier fraction).
    center : array-like of shape (n_features,), default=None
        Point the projections are measured from; ``None`` is the
        coordinate-wise median of ``X``.

    Returns
    -------
    variances : ndarray of shape (n_components,)
        Trimmed mean of the squared projections along each direction.

    Examples
    --------
    >>> import numpy as np
    >>> from lrsparse.metrics import trimmed_variance
    >>> X = np.random.default_rng(0).normal(size=(1000, 2)) * [3.0, 1.0]
    >>> X[:50] = [0.0, 100.0]  # outliers along the second axis
    >>> v = trimmed_variance(X, np.eye(2), trim=0.1)
    >>> bool(v[0] > v[1])
    True
    """
    X = check_array(X, input_name="X")
    C = check_array(components, input_name="components")
    if C.shape[1] != X.shape[1]:
        raise ValueError(
            f"components must have n_features={X.shape[1]} columns; got {C.shape[1]}."
        )
    norms = np.linalg.norm(C, axis=1, keepdims=True)
    if np.any(norms == 0):
        raise ValueError("components must not contain a zero row.")
    c = np.median(X, axis=0) if center is None else check_array(
        np.reshape(center, (1, -1)), input_name="center").ravel()
    if c.shape[0] != X.shape[1]:
        raise ValueError(f"center must have n_features={X.shape[1]} entries; got {c.shape[0]}.")
    P = (X @ (C / norms).T - c @ (C / norms).T) ** 2
    # round() first: 0.07 * 100 is 7.000000000000001 in floating point.
    n_keep = X.shape[0] - int(np.ceil(round(trim * X.shape[0], 9)))
    if n_keep < 1:
        raise ValueError(f"trim={trim} leaves no sample of the {X.shape[0]}.")
    P.sort(axis=0)
    return P[:n_keep].mean(axis=0)


@validate_params(
    {"X_true": ["array-like"], "X_pred": ["array-like"], "mask": [None, "array-like"]},
    prefer_skip_nested_validation=True,
)
def relative_error(X_true, X_pred, *, mask=None):
    """Relative Frobenius error ``||X_pred - X_true|| / ||X_true||`` on chosen entries.

    The accuracy measure of matrix completion (Cai, Candes & Shen): with
    ``mask = np.isnan(X_observed)`` it is the error on the missing entries
    only, the ones an imputer had to guess.

    Scale-invariant: the norms are taken in units of the largest magnitude
    of the two arrays, so ``relative_error(c * X_true, c * X_pred)`` is the
    same for any ``c`` whose products are normal float64 numbers (``1e-300``
    to ``1e300`` for data of order 1); subnormal data raise a ``ValueError``.

    Parameters
    ----------
    X_true : array-like of shape (n_samples, n_features)
        The reference matrix (finite values).
    X_pred : array-like of shape (n_samples, n_features)
        The estimate (finite values).
    mask : array-like of bool, same shape, default=None
        Entries to compare; ``None`` compares all.

    Returns
    -------
    error : float
        0 when ``X_true`` is 0 on the mask and the prediction too; ``inf``
        when only ``X_true`` is 0 there.

    Examples
    --------
    >>> import numpy as np
    >>> from lrsparse.metrics import relative_error
    >>> X = np.array([[1.0, 2.0], [3.0, 4.0]])
    >>> relative_error(X, X + [[0, 0], [0, 0.5]], mask=[[False, False], [True, True]])
    0.1
    >>> relative_error(1e-200 * X, 1e-200 * (X + [[0, 0], [0, 0.5]]),
    ...                mask=[[False, False], [True, True]])
    0.1
    """
    T = check_array(X_true, input_name="X_true")
    P = check_array(X_pred, input_name="X_pred")
    if T.shape != P.shape:
        raise ValueError(f"X_true and X_pred must have the same shape; got {T.shape} and "
                         f"{P.shape}.")
    if mask is not None:
        M = np.asarray(mask, dtype=bool)
        if M.shape != T.shape:
            raise ValueError(f"mask must have shape {T.shape}; got {M.shape}.")
        T, P = T[M], P[M]
    # In units of (the power of two above) the largest magnitude: the squares
    # summed by the norms neither overflow (1e200 data) nor underflow (1e-200
    # data), and dividing by a power of two is exact.
    scale = max(data_scale(T, input_name="X_true"), data_scale(P, input_name="X_pred"))
    scale = float(np.ldexp(1.0, np.frexp(scale)[1]))
    num = float(np.linalg.norm(P / scale - T / scale))
    den = float(np.linalg.norm(T / scale))
    if den == 0.0:
        return 0.0 if num == 0.0 else float("inf")
    return num / den
