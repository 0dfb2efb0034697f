"""Principal component pursuit: low-rank + sparse decomposition by the inexact ALM."""

import numbers
import time

import numpy as np
from sklearn.base import BaseEstimator, OneToOneFeatureMixin, TransformerMixin
from sklearn.utils import check_random_state
from sklearn.utils.validation import check_is_fitted

from ..utils._sklearn import Interval, StrOptions, _fit_context, validate_data
from ..utils._solver import data_scale, warn_not_converged
from ..utils.extmath import partial_svd, svd_above_threshold

__all__ = ["PrincipalComponentPursuit"]

# Lin, Chen & Ma's inexact ALM constants: mu grows by RHO per iteration up to
# MU_MAX_FACTOR times its start.
_RHO = 1.5
_MU_MAX_FACTOR = 1e7
# Above this share of min(n, d) components a full LAPACK SVD is cheaper than
# the block iteration.
_FULL_SVD_SHARE = 0.3
# The dual residual stop is this much looser than the primal one: off the
# exact-recovery regime the dual residual decays slowly, and 100 tol still
# gives the optimum to about tol (checked against cvxpy).
_DUAL_TOL_FACTOR = 100.0


def _ialm(D, lam, low_rank_step, *, mu, tol, max_iter, verbose=0, name="PrincipalComponentPursuit"):
    """Inexact augmented Lagrangian for ``min ||L||_* + lam ||S||_1, L + S = D``.

    ``low_rank_step(M, tau)`` returns the low-rank update for the matrix
    ``M = D - S + Y / mu`` and threshold ``tau = 1 / mu`` (singular value
    thresholding in fit, a projection on the fitted row space in transform).
    ``mu=None`` is Lin et al.'s start ``1.25 / ||D||_2``.  The stopping test
    is relative (``||D - L - S||_F <= tol ||D||_F``, ``mu ||S_k - S_{k-1}||_F
    <= 100 tol ||D||_F``); callers pass ``D`` divided by its largest
    magnitude, so that the dual test (whose ``mu`` has the units of
    ``1 / D``) and the iteration count do not depend on the data's units.

    Returns ``(L, S, n_iter, converged, change)`` where ``change`` is the
    last ``max(primal residual, dual residual / 100)`` relative to ``||D||_F``.
    No state is kept between calls.
    """
    from .._kernels.prox import alm_sparse_step

    norm_D = float(np.linalg.norm(D))
    S = np.zeros_like(D)
    if norm_D == 0.0:
        return np.zeros_like(D), S, 0, True, 0.0
    # Dual start Y = D / J(D), J(D) = max(||D||_2, ||D||_inf / lam) (Lin et al.).
    norm_two = float(partial_svd(D, 1, n_oversamples=5, max_iter=30, tol=1e-6,
                                 random_state=0)[1][0])
    Y = D / max(norm_two, float(np.abs(D).max()) / lam)
    mu = 1.25 / norm_two if mu is None else float(mu)
    mu_max = mu * _MU_MAX_FACTOR
    start = time.perf_counter()
    converged = False
    L = np.zeros_like(D)
    change = np.inf
    for it in range(1, max_iter + 1):
        L = low_rank_step(D - S + Y / mu, 1.0 / mu)
        S_old = S
        S, Y, z2 = alm_sparse_step(D, L, Y, D.dtype.type(mu), lam)
        err = np.sqrt(z2) / norm_D
        # Dual residual (Boyd et al.'s ADMM criterion): a feasible point is
        # not yet optimal while the sparse part still moves.
        dual = mu * float(np.linalg.norm(S - S_old)) / norm_D
        change = max(err, dual / _DUAL_TOL_FACTOR)
        if verbose and (it % 10 == 0 or change < tol):
            print(f"{name}: iteration {it:4d}, residual {err:.3e}, dual {dual:.3e}, "
                  f"{time.perf_counter() - start:.2f} s")
        if err < tol and dual < _DUAL_TOL_FACTOR * tol:
            converged = True
            break
        # Lin et al. grow mu every iteration; once the dual residual dominates,
        # a larger mu only stalls the iterates at a feasible, suboptimal point,
        # so mu is held (and lowered when the dual residual dominates 10-fold),
        # the residual balancing of Boyd et al. (2011, sec. 3.4.1).
        if err >= dual:
            mu = min(mu * _RHO, mu_max)
        elif dual > 10.0 * err:
            mu /= _RHO
    return L, S, it, converged, float(change)


class _SingularValueThresholding:
    """``D_tau(M)`` by warm-started partial SVDs with Lin et al.'s rank prediction.

    :func:`~lrsparse.utils.extmath.svd_above_threshold` starts from ``sv``
    triplets and grows the block by 5% of ``min(n, d)`` while all exceed
    ``tau``; the shrinkage itself is the shared kernel
    :func:`lrsparse._kernels.prox.svd_shrink`.  The next call predicts
    ``rank + 1`` triplets, or ``rank + 5%`` when all were kept (Lin, Chen &
    Ma).  The object only carries arrays (the warm start and the last
    factors) from one call to the next.
    """

    def __init__(self, shape, n_oversamples, rng):
        self.min_dim = min(shape)
        self.step = max(1, int(round(0.05 * self.min_dim)))
        self.sv = min(10, self.min_dim)
        self.n_oversamples = n_oversamples
        self.rng = rng
        self.V = None
        self.rank = 0
        self.U = self.s = self.Vt = None

    def __call__(self, M, tau):
        from .._kernels.prox import svd_shrink

        U, s, Vt, self.V = svd_above_threshold(
            M, tau, n_start=self.sv, increment=self.step, V0=self.V,
            n_oversamples=self.n_oversamples, random_state=self.rng, dense_share=_FULL_SVD_SHARE,
        )
        U, s, Vt = svd_shrink(np.ascontiguousarray(U), np.ascontiguousarray(s),
                              np.ascontiguousarray(Vt), float(tau))
        r = s.shape[0]
        self.sv = min(r + 1 if r < self.sv else r + self.step, self.min_dim)
        self.rank, self.U, self.s, self.Vt = r, U, s, Vt
        return (U * s) @ Vt


def _polish_lad(D, L, S, V):
    """Exact LAD fits from the augmented Lagrangian's support.

    A least-absolute-deviations fit on ``r`` directions passes exactly through
    the entries it does not treat as errors; refitting each row by least
    squares on the entries with ``S == 0`` makes the result exact and
    independent of the other rows (the Lagrangian's stopping rule is global).
    Rows with fewer than ``r`` such entries keep the Lagrangian's answer.
    """
    r = V.shape[0]
    out = L.copy()
    for i in range(D.shape[0]):
        keep = S[i] == 0
        if keep.sum() >= r:
            c, *_ = np.linalg.lstsq(V[:, keep].T, D[i, keep], rcond=None)
            out[i] = c @ V
    return out


class PrincipalComponentPursuit(OneToOneFeatureMixin, TransformerMixin, BaseEstimator):
    """Principal component pursuit: split a matrix into low-rank and sparse parts.

    Solves the convex program of Candes, Li, Ma & Wright,

        minimise ||L||_* + lam ||S||_1  subject to  L + S = X,

    which recovers a low-rank ``L`` and a sparse ``S`` of gross errors (any
    magnitude, unknown positions) exactly under incoherence conditions: what
    many users mean by "robust PCA" (background/foreground separation in
    video, corrupted measurements).  The solver is the inexact augmented
    Lagrangian method of Lin, Chen & Ma (``mu`` grows by 1.5 per iteration
    while the primal residual dominates; residual balancing then holds or
    lowers it, and the stop requires small primal and dual residuals, so the
    answer is the convex optimum, checked against cvxpy), with the singular
    value thresholding done by warm-started block subspace
    iteration (:func:`lrsparse.utils.extmath.partial_svd`) and Lin et al.'s
    rank prediction instead of a full SVD per iteration, and the sparse step
    and dual update fused in one numba pass.

    ``fit`` decomposes ``X``: ``low_rank_ + sparse_ = X`` (to ``tol``).
    ``transform(X_new)`` returns the low-rank part of new rows on the fitted
    row space ``components_``: the same augmented Lagrangian with the
    nuclear-norm step replaced by the projection on that space, i.e. each
    row's least-absolute-deviations fit, then refitted exactly by least
    squares on the entries the fit does not treat as errors (so each row's
    answer is independent of the other rows); new rows with their own
    sparse corruption are cleaned too.  On the training matrix ``transform`` (and
    so ``fit_transform``) equals ``low_rank_`` when the decomposition is exact
    (the regime PCP is meant for).

    The problem is scale-equivariant: ``X`` is divided by its largest
    magnitude before solving (:func:`lrsparse.utils._solver.data_scale`) and
    the parts are multiplied back, so data in any units (``1e-100 * X`` to
    ``1e100 * X``) give the same iterations, rank and relative accuracy, and
    ``lam`` and ``tol`` need no change with the units.

    Read more in the :ref:`User Guide <robust_pca>`.

    Parameters
    ----------
    lam : "auto" or float > 0, default="auto"
        Weight ``lambda`` of the l1 norm in Candes et al.'s objective
        ``||L||_* + lambda ||S||_1`` (unitless: both norms scale with ``X``);
        "auto" is ``1 / sqrt(max(n_samples, n_features))``, their universal
        choice.  Larger values put less in ``sparse_``.
    mu : "auto" or float > 0, default="auto"
        Initial penalty ``mu_0`` of the augmented Lagrangian (Lin et al.'s
        ``mu``); "auto" is ``1.25 / ||X||_2`` (Lin et al.).  It only affects
        the path, not the optimum, and has the units of ``1 / X``: to keep
        the same iterates for ``c * X``, pass ``mu / c``.  It grows by
        ``rho = 1.5`` per iteration (Lin et al.'s ``rho``) up to ``1e7 mu_0``.
    tol : float in (0, inf), default=1e-7
        Stop when ``||X - L - S||_F <= tol ||X||_F`` (primal residual,
        Lin et al.'s stopping criterion with ``epsilon = tol``) and
        ``mu ||S_k - S_{k-1}||_F <= 100 tol ||X||_F`` on ``X`` divided by
        its largest magnitude (dual residual).
    max_iter : int >= 1, default=500
        Maximum number of iterations; reaching it emits a
        :class:`~sklearn.exceptions.ConvergenceWarning`.
    n_oversamples : int >= 0, default=5
        Extra vectors in the block of the partial SVD.
    random_state : int, RandomState instance or None, default=None
        Seed of the partial SVD's start vectors.
    verbose : int, default=0
        Print the residual every 10 iterations.

    Attributes
    ----------
    low_rank_ : ndarray of shape (n_samples, n_features)
        ``L``.
    sparse_ : ndarray of shape (n_samples, n_features)
        ``S``.
    components_ : ndarray of shape (`rank_`, n_features)
        Right singular vectors of ``L`` (its row space), by decreasing
        singular value.
    singular_values_ : ndarray of shape (`rank_`,)
        Singular values of ``L``.
    rank_ : int
        Rank of ``L``.
    n_iter_ : int
        Iterations run by ``fit``.
    n_features_in_ : int
        Number of features seen during fit.
    feature_names_in_ : ndarray of shape (`n_features_in_`,)
        Names of features seen during fit, when ``X`` has string column names.

    See Also
    --------
    RobustPCA : Robust principal directions when whole rows are outliers.

    References
    ----------
    .. [1] E. J. Candes, X. Li, Y. Ma and J. Wright, "Robust Principal
       Component Analysis?", Journal of the ACM 58(3), 2011.
    .. [2] Z. Lin, M. Chen and Y. Ma, "The Augmented Lagrange Multiplier Method
       for Exact Recovery of Corrupted Low-Rank Matrices", arXiv:1009.5055, 2010.

    Examples
    --------
    >>> import numpy as np
    >>> from lrsparse.datasets import make_low_rank_plus_sparse
    >>> from lrsparse.decomposition import PrincipalComponentPursuit
    >>> D, L, S = make_low_rank_plus_sparse(100, 80, rank=3, sparsity=0.05, random_state=0)
    >>> pcp = PrincipalComponentPursuit(random_state=0).fit(D)
    >>> pcp.rank_, bool(np.linalg.norm(pcp.low_rank_ - L) < 1e-4 * np.linalg.norm(L))
    (3, True)
    """

    _parameter_constraints = {
        "lam": [StrOptions({"auto"}), Interval(numbers.Real, 0, np.inf, closed="neither")],
        "mu": [StrOptions({"auto"}), Interval(numbers.Real, 0, np.inf, closed="neither")],
        "tol": [Interval(numbers.Real, 0, np.inf, closed="neither")],
        "max_iter": [Interval(numbers.Integral, 1, None, closed="left")],
        "n_oversamples": [Interval(numbers.Integral, 0, None, closed="left")],
        "random_state": ["random_state"],
        "verbose": ["verbose"],
    }

    def __init__(self, *, lam="auto", mu="auto", tol=1e-7, max_iter=500, n_oversamples=5,
                 random_state=None, verbose=0):
        self.lam = lam
        self.mu = mu
        self.tol = tol
        self.max_iter = max_iter
        self.n_oversamples = n_oversamples
        self.random_state = random_state
        self.verbose = verbose

    def _lam(self, shape):
        return 1.0 / np.sqrt(max(shape)) if self.lam == "auto" else float(self.lam)

    def _validate_X(self, X, reset):
        """Validated ``X``, and the same divided by its largest magnitude (``D``, ``scale``)."""
        X = validate_data(self, X, dtype=[np.float64, np.float32], reset=reset,
                          ensure_min_samples=1)
        scale = data_scale(X)
        # Divided in float64 (float32 data of a tiny scale would lose digits).
        D = np.ascontiguousarray((X / np.float64(scale)).astype(X.dtype, copy=False))
        return D, scale

    @_fit_context(prefer_skip_nested_validation=True)
    def fit(self, X, y=None):
        """Decompose ``X`` into ``low_rank_ + sparse_``.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            The matrix to decompose (finite values, dense).
        y : Ignored
            Not used, present for API consistency.

        Returns
        -------
        self : object
            Fitted estimator.
        """
        D, scale = self._validate_X(X, reset=True)
        svt = _SingularValueThresholding(D.shape, self.n_oversamples,
                                         check_random_state(self.random_state))
        name = type(self).__name__
        mu = None
        if self.mu != "auto":
            # mu has the units of 1 / X: on X / scale it is mu * scale.
            mu = float(self.mu) * scale
            if not 0.0 < mu < np.inf:
                raise ValueError(
                    f"mu={self.mu!r} times the largest magnitude of X ({scale:.3g}) is "
                    f"{mu!r}, outside float64's range; mu has the units of 1 / X "
                    f"(the default, 'auto', is 1.25 / ||X||_2)."
                )
        L, S, n_iter, converged, change = _ialm(
            D, self._lam(D.shape), svt, mu=mu,
            tol=self.tol, max_iter=self.max_iter, verbose=self.verbose, name=name,
        )
        if not converged:
            warn_not_converged(name, n_iter, change, self.tol,
                               what="relative residual max(primal, dual / 100)")
        dtype = D.dtype.type
        self.low_rank_, self.sparse_ = L * dtype(scale), S * dtype(scale)
        self.n_iter_ = n_iter
        if svt.Vt is None:  # X == 0
            self.components_ = np.zeros((0, D.shape[1]), dtype=D.dtype)
            self.singular_values_ = np.zeros(0, dtype=D.dtype)
        else:
            self.components_ = np.ascontiguousarray(svt.Vt)
            self.singular_values_ = svt.s * dtype(scale)
        self.rank_ = int(self.components_.shape[0])
        return self

    def transform(self, X):
        """Low-rank part of (new) rows on the fitted row space, robust to sparse errors.

        Solves ``min ||S||_1`` subject to ``X = C components_ + S`` row by row
        (least absolute deviations on ``components_``) with the same
        augmented Lagrangian as :meth:`fit` (on ``X`` divided by its largest
        magnitude, so the result scales with ``X``), refits each row by
        least squares on its entries with ``S == 0`` (an LAD fit passes
        exactly through them), and returns ``C components_``.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Rows to clean (finite values, dense), in the features seen in
            :meth:`fit`.

        Returns
        -------
        X_low_rank : ndarray of shape (n_samples, n_features)
            Low-rank part of each row, in the row space ``components_``;
            the dtype of ``X`` (float32 or float64).
        """
        check_is_fitted(self)
        D, scale = self._validate_X(X, reset=False)
        V = self.components_.astype(D.dtype)
        if V.shape[0] == 0:
            return np.zeros_like(D)

        def project(M, tau):
            return (M @ V.T) @ V

        name = type(self).__name__
        L, S, n_iter, converged, change = _ialm(D, 1.0, project, mu=None, tol=self.tol,
                                                max_iter=self.max_iter, name=name)
        if not converged:
            warn_not_converged(f"{name}.transform", n_iter, change, self.tol,
                               what="relative residual max(primal, dual / 100)")
        return _polish_lad(D, L, S, V) * D.dtype.type(scale)

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.transformer_tags.preserves_dtype = ["float64", "float32"]
        return tags
