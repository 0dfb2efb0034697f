"""What the greedy and the convex weighted sparse-recovery solvers share: validation and scale."""

import numbers

import numpy as np
import scipy.sparse as sp
from sklearn.utils.validation import check_array, check_consistent_length, check_is_fitted

from ..utils._sklearn import validate_data
from ..utils._solver import data_scale, power_of_two

__all__ = []


class LinearPredictMixin:
    """``predict`` of a fitted linear model (``coef_``, ``intercept_``)."""

    def predict(self, X):
        """Predict with the linear model.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            Samples.

        Returns
        -------
        y_pred : ndarray of shape (n_samples,)
            ``X @ coef_ + intercept_``.
        """
        check_is_fitted(self)
        X = validate_data(self, X, accept_sparse=["csr", "csc"], dtype=np.float64, reset=False)
        return np.asarray(X @ self.coef_).ravel() + self.intercept_


LOSSES = ("lasso", "sqrt_lasso", "lad")


def check_loss(loss, allowed=LOSSES):
    """``loss`` as given, or a ``ValueError`` listing the allowed names."""
    if not isinstance(loss, str) or loss not in allowed:
        raise ValueError(f"loss must be one of {list(allowed)}; got {loss!r}.")
    return loss


def check_weights(weights, n_features):
    """Per-feature weights as a new float64 array: ones for ``None``, else positive and finite."""
    if weights is None:
        return np.ones(n_features)
    w = np.asarray(weights)
    if w.dtype.kind not in "iuf":
        raise ValueError(f"weights must be an array of positive numbers; got dtype {w.dtype}.")
    w = np.array(w, dtype=np.float64).reshape(-1) if w.ndim <= 1 else w
    if w.ndim != 1 or w.shape[0] != n_features:
        raise ValueError(
            f"weights must have shape (n_features,) = ({n_features},); got shape "
            f"{np.shape(weights)}."
        )
    if not np.all(np.isfinite(w)) or np.any(w <= 0):
        raise ValueError("weights must be positive and finite (one per feature).")
    return w


def check_nonnegative(value, name):
    """A finite float >= 0, or a ``ValueError`` naming ``name``."""
    if (not isinstance(value, numbers.Real) or isinstance(value, bool)
            or not np.isfinite(value) or value < 0):
        raise ValueError(f"{name} must be a finite number >= 0; got {value!r}.")
    return float(value)


def check_Xy(X, y, *, accept_sparse=False):
    """``X`` (float64, finite; sparse as CSC with int32/int64 indices) and a 1-D float64 ``y``."""
    X = check_array(X, accept_sparse=["csc"] if accept_sparse else False,
                    dtype=np.float64, input_name="X")
    y = check_array(y, ensure_2d=False, dtype=np.float64, input_name="y")
    if y.ndim != 1:
        raise ValueError(f"y must be 1-D (n_samples,); got shape {y.shape}.")
    check_consistent_length(X, y)
    return X, y


def scales(X, y):
    """Power-of-two scales of ``X`` and ``y`` (``ValueError`` for data float64 cannot carry)."""
    return (power_of_two(data_scale(X, input_name="X")),
            power_of_two(data_scale(y, input_name="y")))


def column_stats(X, center, sx):
    """Means (0 unless ``center``) and l2 norms of the (centred) columns of ``X / sx``.

    Works in row blocks (dense) or on the stored entries (sparse) so that no
    copy of ``X`` is made and nothing overflows at any data scale.
    """
    n, p = X.shape
    if sp.issparse(X):
        mean = np.asarray(X.mean(axis=0)).ravel() / sx if center else np.zeros(p)
        Xs = X.tocsc(copy=False)
        sq = np.asarray(Xs.multiply(1.0 / sx).power(2).sum(axis=0)).ravel()
        # centred: sum (x - m)^2 = sum_stored (x - m)^2 + (n - nnz_j) m^2
        if center:
            s1 = np.asarray(Xs.sum(axis=0)).ravel() / sx
            sq = np.maximum(sq - 2.0 * mean * s1 + n * mean ** 2, 0.0)
        return mean, np.sqrt(sq)
    mean = X.mean(axis=0) / sx if center else np.zeros(p)
    if not center and 2.0 ** -200 <= sx <= 2.0 ** 200 and n < 2 ** 40:
        # squares of such values neither overflow nor underflow: no blocks
        return mean, np.sqrt(np.einsum("ij,ij->j", X, X)) / sx
    sq = np.zeros(p)
    step = max(1, 2 ** 20 // max(p, 1))
    for start in range(0, n, step):
        block = X[start:start + step] / sx - mean
        sq += np.einsum("ij,ij->j", block, block)
    return mean, np.sqrt(sq)
