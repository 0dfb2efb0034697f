"""One-sided matrix completion: the row space from two observations per row."""

import numbers
import time
import warnings

import numpy as np
import scipy.sparse as sp
from sklearn.base import BaseEstimator, ClassNamePrefixFeaturesOutMixin, TransformerMixin
from sklearn.utils import check_array, check_random_state
from sklearn.utils.extmath import svd_flip
from sklearn.utils.validation import check_is_fitted

from ..utils._sklearn import Interval, _fit_context
from ..utils._solver import warn_not_converged
from ..utils.extmath import partial_svd
from ..utils.validation import check_component_scores
from ..utils._dask import compute, is_dask_collection
from ..utils._solver import data_scale
from ._base import _MissingValuesMixin, check_finite_result, observed_entries, scaled
from ._dask import BlockObserved

__all__ = ["OneSidedCompletion"]

# ScaledGD: initial step, backtracking factor, and the preconditioner's ridge
# relative to the largest eigenvalue of V^T V.
_STEP = 0.5
_BACKTRACK = 0.5
_PRECOND_RIDGE = 1e-8
# Above this many pairwise products (sum over rows of k (k + 1) / 2 for k
# observations), the fit warns that it is outside the method's regime.
_MANY_PRODUCTS = 2e7


def pair_statistics(X, missing_values=np.nan):
    """Pair counts ``C`` and product sums ``S`` of the observed entries of ``X``, one pass.

    ``C[a, b]`` is the number of rows observing both columns ``a`` and ``b``
    (``C[a, a]``: rows observing ``a``) and ``S[a, b]`` the sum of
    ``x_a x_b`` over those rows: ``C = M^T M`` and ``S = X_0^T X_0`` for the
    observation mask ``M`` and the zero-filled data ``X_0``, as sparse
    products.  They are all :class:`OneSidedCompletion` needs from the data
    (``S / C`` estimates ``X^T X / n_samples`` entrywise).

    Parameters
    ----------
    X : {array-like, sparse matrix} of shape (n_samples, n_features)
        Data with missing entries: entries equal to ``missing_values``
        (dense) or unstored entries (sparse).
    missing_values : float or np.nan, default=np.nan
        Marker of the missing entries in dense input.

    Returns
    -------
    rows, cols : ndarray of int, shape (n_pairs,)
        Column pairs ``a <= b`` with ``C[a, b] > 0`` (upper triangle and
        diagonal), sorted.
    counts : ndarray of shape (n_pairs,)
        ``C`` at those pairs.
    sums : ndarray of shape (n_pairs,)
        ``S`` at those pairs.

    Examples
    --------
    >>> import numpy as np
    >>> from lrsparse.impute import pair_statistics
    >>> X = np.array([[1.0, 2.0, np.nan], [3.0, np.nan, 4.0]])
    >>> a, b, C, S = pair_statistics(X)
    >>> [(int(i), int(j), float(c), float(s)) for i, j, c, s in zip(a, b, C, S)]
    [(0, 0, 2.0, 10.0), (0, 1, 1.0, 2.0), (0, 2, 1.0, 12.0), (1, 1, 1.0, 4.0), (2, 2, 1.0, 16.0)]
    """
    if not sp.issparse(X):
        X = check_array(X, dtype=[np.float64, np.float32], ensure_all_finite=False,
                        input_name="X")
    obs, scale = scaled(observed_entries(X, missing_values))
    a, b, c, s = _pair_statistics(obs)
    with np.errstate(over="ignore"):  # checked just below
        s = s * scale * scale
    check_finite_result("pair_statistics", s)
    return a, b, c, s


def _pair_products(obs, scale=1.0):
    """``C = M^T M`` and ``S = X_0^T X_0`` (values divided by ``scale``), sparse."""
    X0 = obs.csr(obs.values / scale if scale != 1.0 else None)
    M = obs.csr(np.ones_like(obs.values))
    return M.T @ M, X0.T @ X0


def _pair_statistics(obs):
    return _upper_pairs(*_pair_products(obs), obs.shape[1])


def _upper_pairs(C, S, d):
    """The pairs ``a <= b`` of ``C``'s pattern with ``C`` and ``S`` there, sorted."""
    C, S = C.tocoo(), S.tocoo()
    keep = C.row <= C.col
    a, b, c = C.row[keep], C.col[keep], C.data[keep]
    key = a.astype(np.int64) * d + b
    order = np.argsort(key)
    a, b, c, key = a[order], b[order], c[order], key[order]
    # S may lack entries of C's pattern (products that are exactly 0): align.
    s_key = S.row.astype(np.int64) * d + S.col
    s_order = np.argsort(s_key)
    s_key, s_val = s_key[s_order], S.data[s_order]
    if s_key.size:
        pos = np.minimum(np.searchsorted(s_key, key), s_key.size - 1)
        s = np.where(s_key[pos] == key, s_val[pos], 0.0)
    else:
        s = np.zeros(key.size)
    return a.astype(np.intp), b.astype(np.intp), c.astype(np.float64), s.astype(np.float64)


def _one_sided_scaled_gd(a, b, c, s, d, n_components, *, max_iter=500, tol=1e-8,
                         random_state=None, verbose=0):
    """Weighted symmetric completion ``min sum_ab C_ab (<V_a, V_b> - S_ab / C_ab)^2``.

    Preconditioned gradient descent (ScaledGD) with backtracking on the loss,
    from the top eigenvectors of ``S / C`` (see :class:`OneSidedCompletion`).
    A pure function of the pair statistics (:func:`pair_statistics`).

    Parameters
    ----------
    a, b : ndarray of int, shape (n_pairs,)
        Column pairs ``a <= b``.
    c : ndarray of shape (n_pairs,)
        Pair counts ``C_ab > 0``.
    s : ndarray of shape (n_pairs,)
        Product sums ``S_ab``.
    d : int
        Number of columns.
    n_components : int
        Rank ``r`` of ``V V^T``.
    max_iter : int, default=500
        Maximum number of gradient steps.
    tol : float, default=1e-8
        Stop when the loss decreases by at most ``tol`` relative to it.
    random_state : int, RandomState instance or None, default=None
        Seed of the spectral start's partial SVD.
    verbose : int, default=0
        Print the loss every 50 iterations.

    Returns
    -------
    V : ndarray of shape (d, n_components)
        Factor of the second-moment estimate ``V V^T``.
    loss : float
        Final weighted loss relative to the weighted sum of squared targets.
    n_iter : int
        Gradient steps run.
    change : float
        Last relative decrease of the loss (converged when ``<= tol``).
    """
    from .._kernels.sampled import sampled_gradient

    r = n_components
    target = s / c
    # Weights averaging 1 over all d^2 entries (off-diagonal pairs count twice).
    off = a != b
    total = float(c.sum() + c[off].sum())
    w = c * (d * d) / total
    # Both triangles as one CSR pattern: the loss and its gradient E V (E the
    # weighted residual, symmetric) are one pass of the kernel the factored
    # completion solvers use.
    coords = (np.concatenate([a, b[off]]), np.concatenate([b, a[off]]))
    full, full_w = (sp.coo_array((np.concatenate([v, v[off]]), coords), shape=(d, d)).tocsr()
                    for v in (target, w))
    full.sort_indices()
    full_w.sort_indices()
    # the index dtypes of ScaledGDImputer's panels: one compiled signature
    pattern = (full.indptr.astype(np.int64), full.indices.astype(np.int32), full.data,
               full_w.data)
    norm = max(0.5 * float(np.sum(full_w.data * full.data * full.data)) / (d * d), 1e-300)

    def loss_and_gradient(V):
        EV, loss = sampled_gradient(*pattern, V, V)
        return 0.5 * loss / (d * d), EV

    # Spectral start: top eigenvectors of the (symmetric) target S / C.
    U, sv, _, _ = partial_svd(full, r, n_oversamples=5, max_iter=50, tol=1e-6,
                              random_state=random_state)
    V = np.ascontiguousarray(U * np.sqrt(sv))
    f, EV = loss_and_gradient(V)
    step = _STEP
    start = time.perf_counter()
    change = np.inf
    it = 0
    for it in range(1, max_iter + 1):
        G = 2.0 * EV / (d * d)
        P = V.T @ V
        P += _PRECOND_RIDGE * max(float(np.linalg.eigvalsh(P)[-1]), 1e-300) * np.eye(r)
        D = np.linalg.solve(P, G.T).T * (d * d) / 2.0  # ScaledGD direction
        while True:
            V_new = np.ascontiguousarray(V - step * D)
            f_new, EV_new = loss_and_gradient(V_new)
            if f_new <= f or step < 1e-10:
                break
            step *= _BACKTRACK
        change = (f - f_new) / max(f_new, 1e-300)
        V, f, EV = V_new, f_new, EV_new
        step = min(step / _BACKTRACK, _STEP)  # try a longer step next time
        if verbose and it % 50 == 0:
            print(f"OneSidedCompletion: iteration {it:4d}, loss {f / norm:.6g}, "
                  f"{time.perf_counter() - start:.2f} s")
        if change <= tol:
            break
    return V, f / norm, it, change


class OneSidedCompletion(_MissingValuesMixin, ClassNamePrefixFeaturesOutMixin, TransformerMixin,
                         BaseEstimator):
    """Second moment and top right singular vectors of a matrix seen two entries per row.

    When each of ``m`` rows of a rank-``r`` matrix ``X`` reveals only a few
    entries (as few as two), the rows themselves cannot be recovered, but
    ``X^T X / m`` and its top eigenvectors (the right singular vectors of
    ``X``) can, once ``m`` is of order ``r^2 d log d`` (Cao, Liang & Valiant).
    For a row observing columns ``a, b``, ``x_a x_b`` is unbiased for
    ``(X^T X / m)_ab`` and ``x_a^2`` for the diagonal, so the estimator fits
    ``Theta = V V^T`` (``V`` of shape ``(d, n_components)``) to those products:

        minimise  sum_rows sum_{a, b observed} (<V_a, V_b> - x_a x_b)^2.

    **Fast form.**  The loss only depends on the pair counts ``C_ab`` and
    product sums ``S_ab`` (sparse ``d x d``, built in one pass,
    :func:`pair_statistics`):
    ``sum_ab C_ab (<V_a, V_b> - S_ab / C_ab)^2 + const``, a weighted symmetric
    completion problem.  Its gradient ``(C o (V V^T) - S) V`` is evaluated
    on the nonzeros of ``C`` only, so an iteration costs O(nnz(C)
    n_components) whatever the number of rows.  The optimiser is
    preconditioned gradient descent (ScaledGD, Tong, Ma & Chi; Xu et al.),
    ``V <- V - eta grad (V^T V + lambda I)^-1``, with backtracking on the
    loss, started from the top eigenvectors of ``S / C``.

    Cost of ``fit``: one pass over the observations plus O(nnz(C) r) per
    iteration; memory O(nnz(C) + d r) (plus the dense ``gram_``, ``d x d``).

    **Reconstructed details.**  The paper's own optimiser and step sizes were
    not available; the aggregation into ``(C, S)``, ScaledGD with
    backtracking and the spectral start are our choices (the third-party
    reimplementation we read uses Adam on the per-row loss).

    **Scale.**  The problem is solved on ``X / max|X|`` (so its targets are
    at most 1) and the results multiplied back: for data ``c X``, the same
    ``components_`` and iterations, ``gram_`` and ``explained_variance_``
    times ``c**2``, for any ``c`` whose ``c**2`` float64 can carry (a
    ``ValueError`` otherwise).  No parameter depends on the scale.

    Read more in the :ref:`User Guide <one_sided>`.

    Parameters
    ----------
    n_components : int >= 1, default=2
        Rank ``r`` of the second-moment model (``k`` in [1]_).
    max_iter : int >= 1, default=500
        Maximum number of gradient steps.
    tol : float >= 0, default=1e-8
        Stop when the loss decreases by less than ``tol`` relative to it.
    missing_values : float or np.nan, default=np.nan
        Marker of the missing entries in dense input (sparse input: unstored
        entries are missing).
    random_state : int, RandomState instance or None, default=None
        Seed of the spectral start's partial SVD.
    verbose : int, default=0
        Print the loss every 50 iterations.
    n_jobs : int, default=None
        Threads of the numba kernel evaluating ``V V^T`` on the pairs.

    Attributes
    ----------
    gram_ : ndarray of shape (n_features, n_features)
        Estimate of ``X^T X / n_samples`` (rank ``n_components``).
    components_ : ndarray of shape (n_components, n_features)
        Its top eigenvectors (orthonormal rows), the right singular vectors
        of ``X``.
    explained_variance_ : ndarray of shape (n_components,)
        Eigenvalues of ``gram_`` (second moments along ``components_``).
    factors_ : ndarray of shape (n_features, n_components)
        ``V`` with ``gram_ = V V^T``.
    n_pairs_ : int
        Number of distinct observed column pairs (diagonal included).
    loss_ : float
        Final weighted loss relative to the weighted sum of squared targets
        ``S_ab / C_ab`` (scale-free; 0 for an exact fit).
    n_iter_ : int
        Gradient steps run (a ``ConvergenceWarning`` is issued when it
        reaches ``max_iter`` before ``tol``).
    n_features_in_ : int
        Number of features seen during fit.
    feature_names_in_ : ndarray of shape (`n_features_in_`,)
        Names of features seen during fit, when ``X`` has string column names.

    See Also
    --------
    SVTImputer : Full matrix completion (needs many observations per row).

    References
    ----------
    .. [1] S. Cao, P. Liang and G. Valiant, "One-sided Matrix Completion from
       Two Observations Per Row", ICML 2023.
    .. [2] T. Tong, C. Ma and Y. Chi, "Accelerating Ill-Conditioned Low-Rank
       Matrix Estimation via Scaled Gradient Descent", JMLR 22, 2021.

    Examples
    --------
    >>> from lrsparse.datasets import make_low_rank_matrix_with_missing
    >>> from lrsparse.impute import OneSidedCompletion
    >>> from lrsparse.metrics import subspace_distance
    >>> X, X_true = make_low_rank_matrix_with_missing(
    ...     20000, 30, rank=2, pattern="two_per_row", random_state=0)
    >>> est = OneSidedCompletion(n_components=2, random_state=0).fit(X)
    >>> import numpy as np
    >>> _, _, Vt = np.linalg.svd(X_true, full_matrices=False)
    >>> bool(subspace_distance(est.components_.T, Vt[:2].T) < 0.2)
    True
    """

    _parameter_constraints = {
        **_MissingValuesMixin._parameter_constraints,
        "n_components": [Interval(numbers.Integral, 1, None, closed="left")],
        "max_iter": [Interval(numbers.Integral, 1, None, closed="left")],
        "tol": [Interval(numbers.Real, 0, np.inf, closed="left")],
    }

    def __init__(self, n_components=2, *, max_iter=500, tol=1e-8, missing_values=np.nan,
                 random_state=None, verbose=0, n_jobs=None):
        self.n_components = n_components
        self.max_iter = max_iter
        self.tol = tol
        self.missing_values = missing_values
        self.random_state = random_state
        self.verbose = verbose
        self.n_jobs = n_jobs

    @_fit_context(prefer_skip_nested_validation=True)
    def fit(self, X, y=None):
        """Estimate ``X^T X / n_samples`` and its top eigenvectors.

        Parameters
        ----------
        X : {array-like, sparse matrix, dask array} of shape (n_samples, n_features)
            Rows with missing entries (NaN-marked dense, or sparse with the
            stored entries as observations).  A Dask array chunked by rows
            only is aggregated block by block where the blocks are: the pair
            counts and sums of each block, then their total on the client
            (equal to the in-memory fit; see :ref:`scaling_out`).
        y : Ignored
            Not used, present for API consistency.

        Returns
        -------
        self : object
            Fitted estimator.
        """
        from ..utils._numba import numba_threads

        if is_dask_collection(X):  # the pair sums, block by block where the blocks are
            obs = BlockObserved(X, self.missing_values)
            n, d = obs.shape
            self.n_features_in_ = d
            if hasattr(self, "feature_names_in_"):
                del self.feature_names_in_
            per_row = obs.row_counts
        else:
            X, obs = self._observed(X, reset=True)
            n, d = X.shape
            per_row = np.bincount(obs.rows, minlength=n)
        r = self.n_components
        if r > d:
            raise ValueError(f"n_components={r} must be <= n_features; got n_features = {d}.")
        per_row = per_row.astype(np.float64)
        n_products = float(np.sum(per_row * (per_row + 1.0) / 2.0))
        if n_products > _MANY_PRODUCTS:
            warnings.warn(
                f"OneSidedCompletion: X has {per_row.mean():.3g} observed entries per row on "
                f"average, {n_products:.3g} pairwise products to aggregate: the method is "
                f"meant for a few observations per row and this fit will be slow (20000 x "
                f"20000 at 0.5% observed: 5 minutes). To complete such a matrix use "
                f"ScaledGDImputer or SoftImputer.",
                UserWarning,
            )
        # solve on X / max|X|: S / C is then at most 1
        if isinstance(obs, BlockObserved):
            scale = data_scale(np.array([obs.max_abs]), input_name="X")
            parts = compute(*obs.map(_pair_products, scale))
            C, S = parts[0]
            for C_b, S_b in parts[1:]:
                C, S = C + C_b, S + S_b
            a, b, c, s = _upper_pairs(C, S, d)
        else:
            obs, scale = scaled(obs)
            a, b, c, s = _pair_statistics(obs)
        # A rank-r symmetric d x d matrix has d r - r (r - 1) / 2 degrees of freedom.
        dof = d * r - r * (r - 1) // 2
        if a.size < dof:
            raise ValueError(
                f"n_components={r} needs at least {dof} distinct observed column pairs "
                f"(diagonal included) to be determined; the data have {a.size}. Use fewer "
                f"components or more rows."
            )
        with numba_threads(self.n_jobs):
            V, loss, n_iter, change = _one_sided_scaled_gd(
                a, b, c, s, d, r, max_iter=self.max_iter, tol=self.tol,
                random_state=check_random_state(self.random_state), verbose=self.verbose)
        if change > self.tol:
            warn_not_converged("OneSidedCompletion", n_iter, change, self.tol,
                               what="relative decrease of the loss")
        Q, sig, Wt = np.linalg.svd(V, full_matrices=False)
        Q, _ = svd_flip(Q, Wt, u_based_decision=True)
        # Prior of the fold-in: coordinates ~ N(0, explained variance) and
        # per-entry noise = the mean second moment outside the components
        # (diagonal targets S_aa / C_aa are the columns' second moments), in
        # units of the data scale squared.
        diag = a == b
        second_moment = float(np.sum(s[diag] / c[diag])) / d
        ev = sig**2
        noise = max(second_moment - float(ev.sum()) / d, 1e-6 * float(ev.max()) / d, 1e-300)
        with np.errstate(over="ignore", invalid="ignore"):  # checked just below
            factors = V * scale
            gram = factors @ factors.T
            explained_variance = ev * scale * scale
        check_finite_result("OneSidedCompletion", gram, explained_variance)
        self.factors_ = factors
        self.gram_ = gram
        self.components_ = np.ascontiguousarray(Q.T)
        self.explained_variance_ = explained_variance
        self.n_pairs_ = int(a.size)
        self.loss_ = loss
        self.n_iter_ = n_iter
        self._ridge = noise / np.maximum(ev, 1e-300)
        return self

    def transform(self, X):
        """Compute the coordinates of rows on ``components_`` from their observed entries.

        Each row's coordinates ``z`` solve a ridge least-squares problem on
        its observed entries, ``min ||x_J - z^T components_[:, J]||^2 +
        noise * sum_k z_k^2 / explained_variance_[k]`` (a Gaussian prior with
        the fitted second moments): rows with at least ``n_components``
        well-spread observations get essentially their least-squares
        coordinates; rows with fewer (two per row, say) get the posterior
        mean, which is shrunk towards 0; rows without observations get 0.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            Rows with missing entries, same columns as in :meth:`fit`
            (NaN-marked dense, or sparse with the stored entries as
            observations).

        Returns
        -------
        X_new : ndarray of shape (n_samples, n_components)
            Posterior-mean coordinates, in the dtype of ``X``.
        """
        from .._kernels.sampled import ridge_fold_in
        from ..utils._numba import numba_threads

        check_is_fitted(self)
        X, obs = self._observed(X, reset=False)
        A = obs.csr()
        with numba_threads(self.n_jobs):
            Z = ridge_fold_in(A.indptr, A.indices, A.data,
                              np.ascontiguousarray(self.components_.T), self._ridge,
                              np.empty(0, dtype=A.data.dtype))
        return Z.astype(X.dtype, copy=False)

    def inverse_transform(self, X):
        """Map coordinates back to completed rows: ``X @ components_``.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_components)
            Coordinates on ``components_``, e.g. from :meth:`transform`.

        Returns
        -------
        X_original : ndarray of shape (n_samples, n_features)
            Completed rows in the span of ``components_``.
        """
        check_is_fitted(self)
        X = check_component_scores(X, self.components_.shape[0])
        return X @ self.components_

    @property
    def _n_features_out(self):
        return self.components_.shape[0]
