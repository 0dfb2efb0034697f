"""Generators for robust PCA and matrix completion: contaminated Gaussians,
low-rank + sparse matrices, low-rank matrices with missing entries."""

import numbers

import numpy as np
from sklearn.utils import check_random_state

from ..utils._sklearn import Interval, StrOptions, validate_params

__all__ = [
    "make_contaminated_gaussian",
    "make_low_rank_matrix_with_missing",
    "make_low_rank_plus_sparse",
]


@validate_params(
    {
        "n_samples": [Interval(numbers.Integral, 1, None, closed="left")],
        "n_features": [Interval(numbers.Integral, 2, None, closed="left")],
        "contamination": [Interval(numbers.Real, 0, 0.5, closed="left")],
        "outlier_kind": [StrOptions({"far", "low_variance", "clustered"})],
        "n_components": [Interval(numbers.Integral, 1, None, closed="left")],
        "top_variance": [Interval(numbers.Real, 1, None, closed="neither")],
        "random_state": ["random_state"],
    },
    prefer_skip_nested_validation=True,
)
def make_contaminated_gaussian(
    n_samples=1000,
    n_features=50,
    *,
    contamination=0.1,
    outlier_kind="low_variance",
    n_components=1,
    top_variance=4.0,
    random_state=None,
):
    """Gaussian samples with a known spiked covariance, a fraction replaced by outliers.

    Inliers are drawn from ``N(0, Sigma)`` with
    ``Sigma = I + sum_j (lambda_j - 1) u_j u_j^T``: ``n_components`` spiked
    directions ``u_j`` (random orthonormal) with variances
    ``lambda_j = max(top_variance / (1 + j / 2), 1)`` and unit variance
    elsewhere.
    Then ``round(contamination * n_samples)`` rows, at random positions, are
    replaced by outliers (the strong-contamination model of robust PCA):

    * ``"far"``: Gaussian points in random directions at distance
      ``10 sqrt(n_features)``: plain PCA is pulled anywhere, but their norm
      gives them away.
    * ``"low_variance"``: ``+- sqrt(n_features) w`` along a unit-variance
      direction ``w`` orthogonal to the spikes (random signs).  Their norm is
      that of a typical inlier; only their concentration along ``w`` shows.
    * ``"clustered"``: a tight cluster (spread 0.1) at ``sqrt(n_features) w``:
      it also drags the mean.

    With the default ``top_variance=4`` and ``contamination * n_features``
    above about 5, the outliers' variance along ``w`` exceeds the top
    inlier variance, so plain PCA's first component points along ``w``.

    Parameters
    ----------
    n_samples : int, default=1000
        Number of rows (inliers and outliers).
    n_features : int, default=50
        Dimension (``> n_components``).
    contamination : float in [0, 0.5), default=0.1
        Fraction of rows replaced by outliers.
    outlier_kind : {"far", "low_variance", "clustered"}, default="low_variance"
        How the outliers are placed (see above).
    n_components : int, default=1
        Number of spiked directions.
    top_variance : float > 1, default=4.0
        Variance along the first spiked direction.
    random_state : int, RandomState instance or None, default=None
        Seed; the same seed gives the same data.

    Returns
    -------
    X : ndarray of shape (n_samples, n_features)
        The data, inliers and outliers mixed.
    is_outlier : ndarray of shape (n_samples,), dtype=bool
        True for the replaced rows.
    covariance : ndarray of shape (n_features, n_features)
        ``Sigma``, the inliers' covariance.
    components : ndarray of shape (n_components, n_features)
        The spiked directions ``u_j`` (the top eigenvectors of ``Sigma``), by
        decreasing variance.

    Examples
    --------
    >>> from lrsparse.datasets import make_contaminated_gaussian
    >>> X, is_outlier, cov, U = make_contaminated_gaussian(
    ...     500, 20, contamination=0.1, random_state=0)
    >>> X.shape, int(is_outlier.sum()), cov.shape, U.shape
    ((500, 20), 50, (20, 20), (1, 20))
    """
    d, k = n_features, n_components
    if k >= d:
        raise ValueError(f"n_components={k} must be smaller than n_features={d}.")
    rng = check_random_state(random_state)
    Q, _ = np.linalg.qr(rng.standard_normal((d, k + 1)))
    U, w = Q[:, :k].T, Q[:, k]
    variances = top_variance / (1.0 + 0.5 * np.arange(k))
    scales = np.sqrt(np.maximum(variances, 1.0)) - 1.0
    Z = rng.standard_normal((n_samples, d))
    X = Z + (Z @ U.T * scales) @ U  # Sigma^(1/2) z, exactly
    covariance = np.eye(d) + (U.T * (np.maximum(variances, 1.0) - 1.0)) @ U
    n_out = int(round(contamination * n_samples))
    is_outlier = np.zeros(n_samples, dtype=bool)
    idx = rng.choice(n_samples, n_out, replace=False)
    is_outlier[idx] = True
    if n_out:
        if outlier_kind == "far":
            G = rng.standard_normal((n_out, d))
            X[idx] = 10.0 * np.sqrt(d) * G / np.linalg.norm(G, axis=1, keepdims=True)
        elif outlier_kind == "low_variance":
            signs = rng.choice([-1.0, 1.0], size=n_out)
            X[idx] = np.sqrt(d) * signs[:, None] * w
        else:  # clustered
            X[idx] = np.sqrt(d) * w + 0.1 * rng.standard_normal((n_out, d))
    return X, is_outlier, covariance, U


@validate_params(
    {
        "n_samples": [Interval(numbers.Integral, 1, None, closed="left")],
        "n_features": [Interval(numbers.Integral, 1, None, closed="left")],
        "rank": [Interval(numbers.Integral, 1, None, closed="left")],
        "sparsity": [Interval(numbers.Real, 0, 1, closed="both")],
        "magnitude": [None, Interval(numbers.Real, 0, None, closed="left")],
        "random_state": ["random_state"],
    },
    prefer_skip_nested_validation=True,
)
def make_low_rank_plus_sparse(
    n_samples=200, n_features=200, *, rank=5, sparsity=0.05, magnitude=None, random_state=None
):
    """A low-rank matrix plus sparse gross corruption, ``D = L + S``.

    In the spirit of Candes, Li, Ma & Wright's experiments:
    ``L = A B^T / sqrt(rank)`` with i.i.d. standard normal factors (so the
    entries of ``L`` have unit variance); ``S`` has
    ``round(sparsity * n_samples * n_features)`` nonzero entries at uniformly
    random positions with independent random signs and magnitude
    ``magnitude`` (default: the largest absolute entry of ``L``, so corrupted
    entries are as large as the largest clean ones).

    Parameters
    ----------
    n_samples : int, default=200
        Number of rows.
    n_features : int, default=200
        Number of columns.
    rank : int, default=5
        Rank of ``L`` (``<= min(n_samples, n_features)``).
    sparsity : float in [0, 1], default=0.05
        Fraction of corrupted entries.
    magnitude : float >= 0, default=None
        Absolute value of the corruptions; ``None`` is ``max |L_ij|``.
    random_state : int, RandomState instance or None, default=None
        Seed; the same seed gives the same data.

    Returns
    -------
    D : ndarray of shape (n_samples, n_features)
        The observed matrix ``L + S``.
    L : ndarray of shape (n_samples, n_features)
        The low-rank part, rank ``rank``.
    S : ndarray of shape (n_samples, n_features)
        The sparse part.

    Examples
    --------
    >>> import numpy as np
    >>> from lrsparse.datasets import make_low_rank_plus_sparse
    >>> D, L, S = make_low_rank_plus_sparse(50, 40, rank=3, sparsity=0.1, random_state=0)
    >>> np.linalg.matrix_rank(L), int((S != 0).sum()), bool(np.allclose(D, L + S))
    (np.int64(3), 200, True)
    """
    if rank > min(n_samples, n_features):
        raise ValueError(
            f"rank={rank} must be <= min(n_samples, n_features) = {min(n_samples, n_features)}."
        )
    rng = check_random_state(random_state)
    A = rng.standard_normal((n_samples, rank))
    B = rng.standard_normal((n_features, rank))
    L = A @ B.T / np.sqrt(rank)
    n_bad = int(round(sparsity * n_samples * n_features))
    S = np.zeros_like(L)
    if n_bad:
        flat = rng.choice(n_samples * n_features, n_bad, replace=False)
        mag = float(np.abs(L).max()) if magnitude is None else float(magnitude)
        S.flat[flat] = mag * rng.choice([-1.0, 1.0], size=n_bad)
    return L + S, L, S


@validate_params(
    {
        "n_rows": [Interval(numbers.Integral, 1, None, closed="left")],
        "n_cols": [Interval(numbers.Integral, 2, None, closed="left")],
        "rank": [Interval(numbers.Integral, 1, None, closed="left")],
        "observed_fraction": [Interval(numbers.Real, 0, 1, closed="right")],
        "noise": [Interval(numbers.Real, 0, None, closed="left")],
        "pattern": [StrOptions({"uniform", "two_per_row"})],
        "sparse_output": ["boolean"],
        "random_state": ["random_state"],
    },
    prefer_skip_nested_validation=True,
)
def make_low_rank_matrix_with_missing(
    n_rows=200,
    n_cols=200,
    *,
    rank=5,
    observed_fraction=0.3,
    noise=0.0,
    pattern="uniform",
    sparse_output=False,
    random_state=None,
):
    """A low-rank matrix with most entries hidden: the matrix-completion setting.

    ``X_true = A B^T`` with i.i.d. standard normal factors (entries of
    variance ``rank``), exactly the setting of Cai, Candes & Shen's
    experiments, for which SVT's default ``tau = 5 sqrt(n1 n2)`` was tuned.
    Observed entries get i.i.d. ``N(0, noise^2)`` noise.

    * ``pattern="uniform"``: each entry is observed independently with
      probability ``observed_fraction`` (rows and columns without any
      observation are possible at very low fractions).
    * ``pattern="two_per_row"``: every row reveals exactly two distinct
      entries chosen uniformly at random (one-sided completion, Cao, Liang &
      Valiant); ``observed_fraction`` is ignored.

    Parameters
    ----------
    n_rows : int, default=200
        Number of rows.
    n_cols : int, default=200
        Number of columns.
    rank : int, default=5
        Rank of ``X_true`` (``<= min(n_rows, n_cols)``).
    observed_fraction : float in (0, 1], default=0.3
        Probability that an entry is observed (``pattern="uniform"``).
    noise : float >= 0, default=0.0
        Standard deviation of the noise on the observed entries.
    pattern : {"uniform", "two_per_row"}, default="uniform"
        Which entries are observed.
    sparse_output : bool, default=False
        Return the observations as a ``scipy.sparse.csr_array`` whose stored
        entries are the observations, instead of a dense array with NaN.
    random_state : int, RandomState instance or None, default=None
        Seed; the same seed gives the same data.

    Returns
    -------
    X : ndarray of shape (n_rows, n_cols) or scipy.sparse.csr_array
        The observations; NaN marks a missing entry (dense output).
    X_true : ndarray of shape (n_rows, n_cols)
        The full noiseless low-rank matrix.

    Examples
    --------
    >>> import numpy as np
    >>> from lrsparse.datasets import make_low_rank_matrix_with_missing
    >>> X, X_true = make_low_rank_matrix_with_missing(100, 50, rank=3, random_state=0)
    >>> X.shape, np.linalg.matrix_rank(X_true), bool(0.25 < np.isnan(X).mean() < 0.75)
    ((100, 50), np.int64(3), True)
    >>> X, _ = make_low_rank_matrix_with_missing(100, 50, pattern="two_per_row", random_state=0)
    >>> set((~np.isnan(X)).sum(axis=1).tolist())
    {2}
    """
    import scipy.sparse as sp

    if rank > min(n_rows, n_cols):
        raise ValueError(
            f"rank={rank} must be <= min(n_rows, n_cols) = {min(n_rows, n_cols)}."
        )
    rng = check_random_state(random_state)
    A = rng.standard_normal((n_rows, rank))
    B = rng.standard_normal((n_cols, rank))
    X_true = A @ B.T
    if pattern == "uniform":
        rows, cols = np.nonzero(rng.uniform(size=(n_rows, n_cols)) < observed_fraction)
    else:
        first = rng.randint(0, n_cols, size=n_rows)
        second = (first + rng.randint(1, n_cols, size=n_rows)) % n_cols  # distinct
        rows = np.repeat(np.arange(n_rows), 2)
        cols = np.stack([np.minimum(first, second), np.maximum(first, second)], axis=1).ravel()
    values = X_true[rows, cols] + noise * rng.standard_normal(rows.size)
    if sparse_output:
        X = sp.csr_array((values, (rows.astype(np.int32), cols.astype(np.int32))),
                         shape=(n_rows, n_cols))
        X.indices = X.indices.astype(np.int32, copy=False)
        X.indptr = X.indptr.astype(np.int32, copy=False)
        return X, X_true
    X = np.full((n_rows, n_cols), np.nan)
    X[rows, cols] = values
    return X, X_true
