"""What every low-rank imputer shares: observed entries, fold-in of new rows, entry evaluation.

A fitted imputer holds the completed training matrix in factored form,
``Z = row_factors_ @ components_``, plus an entrywise map ``post`` (offsets,
or USVT's clip and rescale), so the n_rows x n_cols estimate is never stored.
"""

import numbers
import warnings
from typing import NamedTuple

import numpy as np
import scipy.sparse as sp
from sklearn.base import BaseEstimator, OneToOneFeatureMixin, TransformerMixin
from sklearn.utils.validation import check_is_fitted

from ..utils._sklearn import _fit_context, is_scalar_nan, validate_data
from ..utils.validation import missing_mask

__all__ = ["Observed", "observed_entries"]


class Observed(NamedTuple):
    """The observed entries of a matrix, in CSR (row-major) order."""

    rows: np.ndarray  # int32
    cols: np.ndarray  # int32
    values: np.ndarray  # float64
    shape: tuple
    indptr: np.ndarray = None  # CSR row pointers, computed once on first use

    def csr(self, values=None):
        """CSR matrix with these entries (explicit zeros kept), ``values`` by default.

        Iterative solvers call this every iteration with new values on the
        same pattern: the row pointers are computed once and shared.
        """
        v = self.values if values is None else values
        return sp.csr_array((v, self.cols, _row_pointers(self)), shape=self.shape)


def _row_pointers(obs):
    if obs.indptr is None or obs.indptr.shape[0] != obs.shape[0] + 1:
        indptr = np.zeros(obs.shape[0] + 1, dtype=np.int64)
        np.cumsum(np.bincount(obs.rows, minlength=obs.shape[0]), out=indptr[1:])
        if indptr[-1] <= np.iinfo(np.int32).max:
            indptr = indptr.astype(np.int32)
        return indptr
    return obs.indptr


def observed_entries(X, missing_values, input_name="X"):
    """Coordinates and values of the observed entries of ``X``.

    Dense ``X``: every entry not equal to ``missing_values``.  Sparse ``X``:
    the stored entries (explicit zeros included) not equal to
    ``missing_values``; unstored entries are missing.  Raises ``ValueError``
    if an observed value is not finite.
    """
    n, d = X.shape
    if sp.issparse(X):
        A = sp.csr_array(X)
        A.sort_indices()
        keep = ~missing_mask(A, missing_values).data
        rows = np.repeat(np.arange(n, dtype=np.int32), np.diff(A.indptr))[keep]
        cols = A.indices[keep].astype(np.int32)
        vals = A.data[keep].astype(np.float64)
    else:
        miss = missing_mask(X, missing_values)
        rows, cols = np.nonzero(~miss)
        rows, cols = rows.astype(np.int32), cols.astype(np.int32)
        vals = np.asarray(X[rows, cols], dtype=np.float64)
    if not np.all(np.isfinite(vals)):
        raise ValueError(
            f"{input_name} contains non-finite observed values (NaN or infinity) other than "
            f"the missing-value marker missing_values={missing_values!r}."
        )
    obs = Observed(rows, cols, vals, (n, d))
    return obs._replace(indptr=_row_pointers(obs))


class _BaseLowRankImputer(OneToOneFeatureMixin, TransformerMixin, BaseEstimator):
    """Validation, completion of the training matrix, fold-in of new rows."""

    _parameter_constraints = {
        "missing_values": [numbers.Real, None],
        "random_state": ["random_state"],
        "verbose": ["verbose"],
        "n_jobs": [None, numbers.Integral],
    }

    # ------------------------------------------------------------- hooks
    def _fit(self, obs):
        """Set ``row_factors_``, ``components_`` and the hooks' state from ``obs``."""
        raise NotImplementedError

    def _pre(self, values, rows, cols, row_offset):
        """Observed values -> the space the factors model (centring, scaling)."""
        return values

    def _post(self, Z, rows, cols, row_offset):
        """Factor-space values -> estimates (offsets, clipping).  ``Z`` is flat or 2-D."""
        return Z

    def _new_row_offset(self, obs):
        """Per-row offset of new rows (e.g. a user bias), from their observations."""
        return np.zeros(obs.shape[0])

    # ------------------------------------------------------------ public
    def _validate(self, X, reset):
        allow_nan = is_scalar_nan(self.missing_values)
        X = validate_data(
            self, X, accept_sparse=["csr", "csc", "coo"], dtype=[np.float64, np.float32],
            ensure_all_finite="allow-nan" if allow_nan else True, reset=reset,
        )
        return X

    @_fit_context(prefer_skip_nested_validation=True)
    def fit(self, X, y=None):
        """Learn the low-rank completion of ``X``.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            Data with missing entries: entries equal to ``missing_values``
            (dense), or the unstored entries (sparse; stored entries are the
            observations, explicit zeros included).
        y : Ignored
            Not used, present for API consistency.

        Returns
        -------
        self : object
            Fitted estimator.
        """
        self._fit_validated(X)
        return self

    def _fit_validated(self, X):
        """Validate ``X``, fit, and return ``(X, observed entries)`` for reuse."""
        X = self._validate(X, reset=True)
        obs = observed_entries(X, self.missing_values)
        if obs.values.size == 0:
            raise ValueError("X has no observed entry; there is nothing to learn from.")
        counts_r = np.bincount(obs.rows, minlength=X.shape[0])
        counts_c = np.bincount(obs.cols, minlength=X.shape[1])
        self._empty_rows = np.flatnonzero(counts_r == 0)
        self._empty_cols = np.flatnonzero(counts_c == 0)
        n, d = X.shape
        if obs.values.size < n + d - 1:
            warnings.warn(
                f"Only {obs.values.size} observed entries for a {n} x {d} matrix: fewer than "
                f"the {n + d - 1} degrees of freedom of a rank-1 matrix; the completion is "
                f"not determined by the data.",
                UserWarning,
            )
        self.fill_value_ = float(obs.values.mean())
        from ..utils._numba import numba_threads

        with numba_threads(self.n_jobs):
            self._fit(obs)
        self.n_observed_ = int(obs.values.size)
        return X, obs

    @_fit_context(prefer_skip_nested_validation=True)
    def fit_transform(self, X, y=None):
        """Fit and return the completed ``X`` (observed entries unchanged).

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            Data with missing entries (see :meth:`fit`).
        y : Ignored
            Not used, present for API consistency.

        Returns
        -------
        X_completed : ndarray of shape (n_samples, n_features)
            Dense, in the dtype of ``X``.  For a very large sparse ``X`` use
            :meth:`fit` and :meth:`predict_entries` instead.
        """
        X, obs = self._fit_validated(X)
        Z = self.row_factors_ @ self.components_
        out = self._post(Z, None, None, self._row_offset_train())
        self._fill_empty(out, self._empty_rows, self._empty_cols)
        out[obs.rows, obs.cols] = obs.values
        return out.astype(X.dtype, copy=False)

    def transform(self, X):
        """Complete new rows by folding them into the learned column factors.

        Each row's coordinates solve a ridge least-squares problem on its
        observed entries against ``components_``
        (:func:`lrsparse._kernels.sampled.ridge_fold_in`); the ridge is the
        fit's residual variance over each component's variance (a Gaussian
        prior), so rows with fewer observations than components still get a
        stable answer and exact factors reproduce exact rows.  Observed
        entries are returned unchanged; rows without any observation get the
        offsets alone (or ``fill_value_``).

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            New rows with missing entries, same columns as in :meth:`fit`.

        Returns
        -------
        X_completed : ndarray of shape (n_samples, n_features)
        """
        from .._kernels.sampled import ridge_fold_in

        check_is_fitted(self)
        X = self._validate(X, reset=False)
        obs = observed_entries(X, self.missing_values)
        offset = self._new_row_offset(obs)
        resid = self._pre(obs.values, obs.rows, obs.cols, offset[obs.rows])
        A = obs.csr(resid)
        V = np.ascontiguousarray(self.components_.T, dtype=np.float64)
        from ..utils._numba import numba_threads

        with numba_threads(self.n_jobs):
            coef = ridge_fold_in(A.indptr, A.indices, A.data, V, self._fold_in_ridge())
        out = self._post(coef @ self.components_, None, None, offset)
        empty = np.flatnonzero(np.diff(A.indptr) == 0)
        self._fill_empty(out, empty, self._empty_cols)
        out[obs.rows, obs.cols] = obs.values
        return out.astype(X.dtype, copy=False)

    def predict_entries(self, rows, cols):
        """Estimates of chosen entries of the training matrix.

        Evaluates the factored completion only where asked, in
        O(len(rows) * rank): the way to read a completion too large to form
        (for example 100k x 100k from a sparse input).

        Parameters
        ----------
        rows, cols : array-like of int, shape (n_entries,)
            Row and column indices into the training matrix.

        Returns
        -------
        values : ndarray of shape (n_entries,)
        """
        from .._kernels.sampled import sampled_product

        check_is_fitted(self)
        rows = np.asarray(rows)
        cols = np.asarray(cols)
        n, d = self.row_factors_.shape[0], self.components_.shape[1]
        if rows.shape != cols.shape or rows.ndim != 1:
            raise ValueError("rows and cols must be 1-d arrays of the same length.")
        if rows.size and (rows.min() < 0 or rows.max() >= n or cols.min() < 0
                          or cols.max() >= d):
            raise ValueError(f"rows must be in [0, {n}) and cols in [0, {d}).")
        rows = rows.astype(np.intp)
        cols = cols.astype(np.intp)
        from ..utils._numba import numba_threads

        with numba_threads(self.n_jobs):
            Z = sampled_product(self.row_factors_, np.ascontiguousarray(self.components_.T),
                                rows, cols)
        out = self._post(Z, rows, cols, self._row_offset_train()[rows])
        empty = np.isin(rows, self._empty_rows) | np.isin(cols, self._empty_cols)
        out[empty] = self._empty_value(rows[empty], cols[empty])
        return out

    # ---------------------------------------------------------- internals
    def _row_offset_train(self):
        return np.zeros(self.row_factors_.shape[0])

    def _empty_value(self, rows, cols):
        return self.fill_value_

    def _fill_empty(self, out, empty_rows, empty_cols):
        # Rows / columns without observations carry no information: their
        # low-rank part is 0, so the map of 0 would be arbitrary (0 for SVT).
        if len(empty_rows):
            out[empty_rows] = self.fill_value_
        if len(empty_cols):
            out[:, empty_cols] = self.fill_value_

    def _fold_in_ridge(self):
        var = np.mean(self.row_factors_**2, axis=0) if self.row_factors_.size else np.ones(0)
        scale = max(float(var.max()) if var.size else 1.0, 1e-300)
        noise = max(getattr(self, "_residual_variance", 0.0), 1e-12 * scale)
        return noise / np.maximum(var, 1e-12 * scale)

    def _set_residual_variance(self, obs, model_values):
        self._residual_variance = float(np.mean((obs.values - model_values) ** 2))

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.sparse = True
        tags.input_tags.allow_nan = is_scalar_nan(self.missing_values)
        tags.transformer_tags.preserves_dtype = ["float64", "float32"]
        return tags
