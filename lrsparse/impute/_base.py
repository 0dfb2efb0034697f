"""What every estimator of the completion family shares.

* :func:`observed_entries` (from ``_observed``): the observed entries of a
  dense (marker) or sparse (stored entries) matrix, as int32 coordinates and
  float64 values.
* :class:`_MissingValuesMixin`: the parameters, validation and tags of an
  estimator that reads data with missing entries (the imputers and
  :class:`~lrsparse.impute.OneSidedCompletion`).
* :class:`_BaseLowRankImputer`: completion of the training matrix and
  fold-in of new rows.  A fitted imputer holds the completed training matrix
  in factored form, ``Z = row_factors_ @ components_``, plus an entrywise map
  ``post`` (offsets, or USVT's clip and rescale), so the n_rows x n_cols
  estimate is never stored.

Every solver works on the observed values divided by their scale
(:func:`lrsparse.utils._solver.data_scale`) and the estimators multiply the
results back, so results scale with the data.
"""

import numbers
import warnings

import numpy as np
from sklearn.base import BaseEstimator, OneToOneFeatureMixin, TransformerMixin
from sklearn.utils.validation import check_is_fitted

from ..utils._sklearn import _fit_context, is_scalar_nan, validate_data
from ..utils._dask import is_dask_collection
from ..utils._solver import data_scale
from ._observed import Observed, observed_entries

__all__ = ["Observed", "observed_entries"]


def scaled(obs, input_name="X"):
    """``(obs with values / scale, scale)``, ``scale`` the largest observed magnitude.

    Raises ``ValueError`` for subnormal data (see
    :func:`lrsparse.utils._solver.data_scale`).
    """
    scale = data_scale(obs.values, input_name=input_name)
    return obs._replace(values=obs.values / scale), scale


def check_finite_result(name, *arrays):
    """``ValueError`` if a result multiplied back to the data's scale overflowed."""
    for a in arrays:
        if not np.all(np.isfinite(a)):
            raise ValueError(
                f"{name}: the result does not fit in float64 at the scale of X (it "
                f"overflows); rescale X, e.g. divide it by a power of ten."
            )


def factor_change(L1, R1, L2, R2):
    """``||L1 R1^T - L2 R2^T||_F^2`` and ``||L2 R2^T||_F^2``, never forming either product.

    The difference is ``[L1, L2] [R1, -R2]^T``: its norm is that of the
    product of the two small triangular QR factors, O((n + d) k^2) and free
    of the cancellation of expanding the square (which floors the relative
    change at 1e-8 and stops tight tolerances early).
    """
    bb = float(np.sum((L2.T @ L2) * (R2.T @ R2))) if L2.shape[1] else 0.0
    if L1.shape[1] + L2.shape[1] == 0:
        return 0.0, 0.0
    Tl = np.linalg.qr(np.hstack([L1, L2]), mode="r")
    Tr = np.linalg.qr(np.hstack([R1, -R2]), mode="r")
    return float(np.sum((Tl @ Tr.T) ** 2)), bb


def balanced_svd(L, R):
    """``(U sqrt(s), V sqrt(s), s)`` with ``L R^T = U diag(s) V^T``, from two thin QRs."""
    Ql, Tl = np.linalg.qr(L)
    Qr, Tr = np.linalg.qr(R)
    u, s, vt = np.linalg.svd(Tl @ Tr.T)
    root = np.sqrt(s)
    return (Ql @ u) * root, (Qr @ vt.T) * root, s


def svd_form(L, R, rel_threshold=0.0):
    """``(U diag(s), Vt, s)`` of ``L R^T``, directions with ``s <= rel_threshold * s_1`` dropped.

    The imputers' fitted form: ``row_factors_ = U diag(s)`` and orthonormal
    ``components_ = Vt``, from any factors (:func:`balanced_svd`).
    """
    A, B, s = balanced_svd(L, R)
    keep = s > rel_threshold * s[0] if s.size else np.zeros(0, dtype=bool)
    root = np.sqrt(s[keep])
    return A[:, keep] * root, (B[:, keep] / root).T, s[keep]


def shrink_factors(U, s, Vt, tau):
    """``(L, s_k, Vt_k)`` with ``L = U_k diag(s_k)`` for the shrinkage ``D_tau(U diag(s) Vt)``.

    The singular values are soft-thresholded by the one shared kernel,
    :func:`lrsparse._kernels.prox.svd_shrink` (``s - tau``, the components
    with ``s > tau`` kept); SVT, soft-impute and principal component pursuit
    all shrink through it.
    """
    from .._kernels.prox import svd_shrink

    U_k, s_k, Vt_k = svd_shrink(np.ascontiguousarray(U, dtype=np.float64),
                                np.ascontiguousarray(s, dtype=np.float64),
                                np.ascontiguousarray(Vt, dtype=np.float64), float(tau))
    return U_k * s_k, s_k, Vt_k


class _MissingValuesMixin:
    """Parameters, validation and tags of an estimator reading data with missing entries.

    Dense input marks missing entries with ``missing_values`` (NaN allowed
    when it is the marker); sparse input (CSR, CSC, COO, int32 or int64
    indices) has its unstored entries missing.
    """

    _parameter_constraints = {
        "missing_values": [numbers.Real, None],
        "random_state": ["random_state"],
        "verbose": ["verbose"],
        "n_jobs": [None, numbers.Integral],
    }

    def _validate(self, X, reset):
        allow_nan = is_scalar_nan(self.missing_values)
        return validate_data(
            self, X, accept_sparse=["csr", "csc", "coo"], dtype=[np.float64, np.float32],
            ensure_all_finite="allow-nan" if allow_nan else True, reset=reset,
            accept_large_sparse=True,
        )

    def _observed(self, X, reset):
        """Validated ``X`` and its observed entries."""
        X = self._validate(X, reset=reset)
        return X, observed_entries(X, self.missing_values)

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.sparse = True
        tags.input_tags.allow_nan = is_scalar_nan(self.missing_values)
        tags.transformer_tags.preserves_dtype = ["float64", "float32"]
        return tags


class _BaseLowRankImputer(_MissingValuesMixin, OneToOneFeatureMixin, TransformerMixin,
                          BaseEstimator):
    """Completion of the training matrix, fold-in of new rows, entry evaluation."""

    _parameter_constraints = {**_MissingValuesMixin._parameter_constraints}
    # True: ``_fit`` gets ``sobs=None`` and divides by ``self._scale`` itself
    # (saves a copy of the observed values: 80 MB at 10^7 entries).
    _scales_itself = False
    # True: ``fit`` takes a row-chunked Dask array block by block (the solver
    # accepts a :class:`~lrsparse.impute._dask.BlockObserved`); other Dask
    # input is converted by scikit-learn's validation, in memory.
    _takes_dask_blocks = False

    # ------------------------------------------------------------- hooks
    def _fit(self, obs, sobs):
        """Set ``row_factors_``, ``components_`` and the hooks' state from ``obs``.

        ``obs`` is in the units of ``X``; ``sobs`` holds the same entries
        divided by ``self._scale``, their largest magnitude: solvers work on
        ``sobs`` and the results are multiplied back.
        """
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

    def _fold_in_bias_ridge(self):
        """Ridge of a row bias fitted jointly with the fold-in coordinates (None: no bias)."""
        return None

    # ------------------------------------------------------------ public
    @_fit_context(prefer_skip_nested_validation=True)
    def fit(self, X, y=None):
        """Learn the low-rank completion of ``X``.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            Data with missing entries: entries equal to ``missing_values``
            (dense), or the unstored entries (sparse; stored entries are the
            observations, explicit zeros included).  :class:`ScaledGDImputer`
            also takes a Dask array chunked by rows only (blocks dense or
            sparse): each step's sampled products run on the blocks where
            they are, only the factors come to the client, and the result
            equals the in-memory fit (see :ref:`scaling_out`).  The other
            imputers read a Dask array into memory, as scikit-learn does.
        y : Ignored
            Not used, present for API consistency.

        Returns
        -------
        self : object
            Fitted estimator.
        """
        if self._takes_dask_blocks and is_dask_collection(X):
            self._fit_blocks(X)
        else:
            self._fit_validated(X)
        return self

    def _fit_blocks(self, X):
        """Fit on a row-chunked Dask array, the entries staying in their blocks."""
        from ..utils._numba import resolve_n_jobs
        from ._dask import BlockObserved

        obs = BlockObserved(X, self.missing_values, resolve_n_jobs(self.n_jobs))
        if obs.n_observed == 0:
            raise ValueError("X has no observed entry; there is nothing to learn from.")
        n, d = obs.shape
        self.n_features_in_ = d
        if hasattr(self, "feature_names_in_"):
            del self.feature_names_in_
        self._empty_rows = np.flatnonzero(obs.row_counts == 0)
        self._empty_cols = np.flatnonzero(obs.col_counts == 0)
        self._warn_underdetermined(obs.n_observed, n, d)
        self._scale = data_scale(np.array([obs.max_abs]), input_name="X")
        self.fill_value_ = obs.total / obs.n_observed
        self._fit_solver(obs, None)
        self.n_observed_ = obs.n_observed

    def _warn_underdetermined(self, m, n, d):
        if m < n + d - 1:
            warnings.warn(
                f"Only {m} observed entries for a {n} x {d} matrix: fewer than "
                f"the {n + d - 1} degrees of freedom of a rank-1 matrix; the completion is "
                f"not determined by the data.",
                UserWarning,
            )

    def _fit_solver(self, obs, sobs):
        from threadpoolctl import threadpool_limits

        from ..utils._numba import numba_threads

        # The solvers' dense products are thin (n x rank): threaded BLAS gains
        # nothing there and fights the numba pool for the cores (ScaledGD at
        # 20k x 20k on 2 cores: 22 s with both pools, 5.8 s with one).
        with numba_threads(self.n_jobs), threadpool_limits(limits=1, user_api="blas"):
            self._fit(obs, sobs)
        check_finite_result(type(self).__name__, self.row_factors_, self.components_)

    def _fit_validated(self, X):
        """Validate ``X``, fit, and return ``(X, observed entries)`` for reuse."""
        X, obs = self._observed(X, reset=True)
        if obs.values.size == 0:
            raise ValueError("X has no observed entry; there is nothing to learn from.")
        counts_r = np.bincount(obs.rows, minlength=X.shape[0])
        counts_c = np.bincount(obs.cols, minlength=X.shape[1])
        self._empty_rows = np.flatnonzero(counts_r == 0)
        self._empty_cols = np.flatnonzero(counts_c == 0)
        self._warn_underdetermined(obs.values.size, *X.shape)
        if self._scales_itself:  # the solver divides as it copies: no scaled copy
            self._scale = data_scale(obs.values, input_name="X")
            sobs = None
            self.fill_value_ = float(np.mean(obs.values / self._scale)) * self._scale
        else:
            sobs, self._scale = scaled(obs)
            self.fill_value_ = float(np.mean(sobs.values)) * self._scale
        self._fit_solver(obs, sobs)
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
            :meth:`fit` and :meth:`predict_entries` instead.  For a Dask array
            (estimators that fit on row blocks), a Dask array of the same
            row chunks, computed block by block when asked.
        """
        if self._takes_dask_blocks and is_dask_collection(X):
            self._fit_blocks(X)
            return X.map_blocks(self._completed_block, dtype=np.result_type(X.dtype, np.float32),
                                meta=np.empty((0, 0), dtype=np.result_type(X.dtype, np.float32)))
        X, obs = self._fit_validated(X)
        return self._completed_rows(X, obs, 0)

    def _completed_rows(self, X, obs, start):
        """Training rows ``start:start + len(X)`` completed, their observed entries kept."""
        rows = slice(start, start + X.shape[0])
        Z = self.row_factors_[rows] @ self.components_
        out = self._post(Z, None, None, self._row_offset_train()[rows])
        empty = self._empty_rows[(self._empty_rows >= rows.start) & (self._empty_rows < rows.stop)]
        self._fill_empty(out, empty - start, self._empty_cols)
        out[obs.rows, obs.cols] = obs.values
        return out.astype(X.dtype if X.dtype.kind == "f" else np.float64, copy=False)

    def _completed_block(self, block, block_info=None):
        """One row block of :meth:`fit_transform` on a Dask array (``map_blocks``)."""
        start = block_info[0]["array-location"][0][0] if block_info else 0
        return self._completed_rows(block, observed_entries(block, self.missing_values), start)

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
            The rows completed, observed entries unchanged, in the dtype of ``X``.
        """
        from .._kernels.sampled import ridge_fold_in

        check_is_fitted(self)
        X, obs = self._observed(X, reset=False)
        offset = self._new_row_offset(obs)
        resid = self._pre(obs.values, obs.rows, obs.cols, offset[obs.rows])
        A = obs.csr(resid)
        V = np.ascontiguousarray(self.components_.T, dtype=np.float64)
        ridge = self._fold_in_ridge()
        bias_ridge = self._fold_in_bias_ridge()
        if bias_ridge is not None:  # the row's bias solved with its coordinates
            V = np.hstack([V, np.ones((V.shape[0], 1))])
            ridge = np.append(ridge, bias_ridge)
        from ..utils._numba import numba_threads

        with numba_threads(self.n_jobs):
            coef = ridge_fold_in(A.indptr, A.indices, A.data, V, ridge, np.empty(0))
        if bias_ridge is not None:
            offset = offset + coef[:, -1]
            coef = coef[:, :-1]
        out = self._post(coef @ self.components_, None, None, offset)
        empty = np.flatnonzero(np.diff(A.indptr) == 0)
        self._fill_empty(out, empty, self._empty_cols)
        out[obs.rows, obs.cols] = obs.values
        return out.astype(X.dtype, copy=False)

    def predict_entries(self, rows, cols):
        """Estimate chosen entries of the training matrix.

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
            The completion at ``(rows[k], cols[k])`` (observed entries
            included: their fitted, not their observed, value).
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
        # Variances in units of the data scale squared (no overflow at 1e150).
        F = self.row_factors_ / self._scale
        var = np.mean(F**2, axis=0) if F.size else np.ones(0)
        scale = max(float(var.max()) if var.size else 1.0, 1e-300)
        noise = max(getattr(self, "_residual_variance", 0.0), 1e-12 * scale)
        return noise / np.maximum(var, 1e-12 * scale)

    def _set_residual_variance(self, obs, model_values):
        """Mean squared residual on the observed entries, in units of ``self._scale**2``."""
        self._residual_variance = float(
            np.mean(((obs.values - model_values) / self._scale) ** 2))
