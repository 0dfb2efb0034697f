"""Hyperspectral unmixing NMF: SS-NMF, correntropy NMF and l2,1-robust NMF with a guidance map.

All three share :class:`_BaseUnmixingNMF` (scikit-learn's ``_BaseNMF``
pattern) and one numba kernel, :mod:`lrsparse._kernels.nmf`; they differ only
in how the bands are weighted, whether a spatial graph is used and which
sparsity penalty the abundances get.
"""

import numbers
import time
from abc import ABC

import numpy as np
import scipy.sparse as sp
from sklearn.base import BaseEstimator, ClassNamePrefixFeaturesOutMixin, TransformerMixin
from sklearn.utils import check_array, check_random_state
from sklearn.utils.validation import check_is_fitted, check_non_negative

from ..utils._sklearn import Interval, StrOptions, _fit_context, _initialize_nmf, validate_data
from ..utils._solver import data_scale, warn_not_converged
from ..utils.validation import check_component_scores

__all__ = ["CorrentropyNMF", "RobustGuidedNMF", "StructuredSparseNMF"]

# Floor of the multiplicative updates' denominators (as scikit-learn's NMF).
_EPS = float(np.finfo(np.float32).eps)
# Majorise-minimise steps for a non-convex (p < 1) abundance penalty: the
# reweighting settles in a few steps, and the 1e-3 floor of the lp gradient
# can make single entries flip back and forth for ever.
_LP_MM_STEPS = 10
# Pixels per parallel work item in the kernel; fixed so that results do not
# depend on the number of threads.
_CHUNK = 256
# Robust variants recompute band weights (and guidance) every this many
# iterations: each recomputation costs one extra sweep over X.
_REWEIGHT_EVERY = 5
# The abundance solves may take at least _MIN_SWEEPS accelerated sweeps,
# whatever max_iter is.
_MIN_SWEEPS = 100
# graph_strength="auto" with graph_term="abundances": the default of that
# (the paper's) formulation before the graph moved to the data.
_ABUNDANCE_GRAPH_STRENGTH = 0.3
# Largest sum_to_one_weight / its 'auto' value: delta^2 beyond ~1e12 times
# the data term leaves the data term below float64's resolution.
_MAX_ASC_RATIO = 1e6


def _solve_tol(tol):
    # The estimator's tol within [1e-6, 1e-4]: tol=0 (run max_iter) still
    # stops the abundance solves, and loose tols still give exact abundances.
    return min(max(tol, 1e-6), 1e-4)


# ------------------------------------------------------------------ solvers
def _band_weights(loss, band_residual, n_pixels, kernel_width):
    """Band weights ``b`` of the data term from the per-band residual energies.

    ``loss``: "squared" (ones), "correntropy" (half-quadratic weights
    ``exp(-r_l / (2 sigma^2))``, ``r_l`` the mean squared residual of band
    ``l``, ``sigma^2 = mean_l r_l`` for ``kernel_width=None``) or "l21"
    (IRLS weights ``1 / (2 ||e_l||)``).  Normalised to mean 1.
    """
    if loss == "squared":
        return np.ones_like(band_residual)
    if loss == "correntropy":
        r = band_residual / n_pixels
        sigma2 = float(np.mean(r)) if kernel_width is None else kernel_width * kernel_width
        if kernel_width is None and not sigma2 > 0:
            return np.ones_like(r)
        # Shifted by the best band: the normalised weights are the same and a
        # small width cannot underflow them all to zero (nor 0/0 at the best).
        excess = r - r.min()
        with np.errstate(over="ignore", divide="ignore", invalid="ignore"):
            z = np.where(excess > 0, excess / (2.0 * sigma2), 0.0)
        b = np.exp(-z)
        return b / b.mean()
    norms = np.sqrt(band_residual)
    b = 1.0 / (2.0 * norms + 1e-6 * max(norms.mean(), 1e-300))
    return b / b.mean()


def _band_residual(x_sq, M, AtX, AtA):
    """``||X[:, l] - A M[:, l]||^2`` per band from ``x_sq``, ``A^T X`` and ``A^T A``.

    No sweep over ``X``: ``x_sq - 2 sum_k M_kl (A^T X)_kl + sum_kj M_kl M_jl
    (A^T A)_kj``, clipped at 0 (round-off of about ``eps * x_sq``).
    """
    M = M.astype(np.float64)
    r = x_sq - 2.0 * np.einsum("kl,kl->l", M, AtX) + np.einsum("kl,kj,jl->l", M, AtA, M)
    return np.maximum(r, 0.0)


def _sparsity(A, alpha, p_min):
    """Per-pixel sparsity weights ``w_i`` and exponents ``p_i``.

    ``p_min = 1``: l1 everywhere.  ``p_min < 1``: the guidance map ``h``
    (:func:`_purity`) sets ``p_i = 1 - (1 - p_min) h_i``.
    """
    n = A.shape[0]
    w = np.full(n, float(alpha))
    if p_min >= 1.0:
        return w, np.ones(n)
    return w, 1.0 - (1.0 - p_min) * _purity(A)


def _sparsity_gradient(A, w, p):
    """Linear term ``S`` of the abundance QP: ``w_i`` for l1, the lp gradient at ``A`` else."""
    from .._kernels.nmf import _LP_FLOOR

    S = np.broadcast_to(w[:, None], A.shape).astype(np.float64)
    lp = p < 1.0
    if np.any(lp):
        Al = A[lp]
        with np.errstate(divide="ignore"):
            g = w[lp, None] * p[lp, None] * np.where(Al >= _LP_FLOOR, Al, 1.0) ** (p[lp, None] - 1)
        S[lp] = np.where(Al >= _LP_FLOOR, g, 0.0)
    return S


def _abundance_qp(C, Q, A, S, graph, tol, max_sweeps):
    """The convex abundance problem for a fixed linear term ``S``, solved to ``tol``.

    Without a graph one call of :func:`~lrsparse._kernels.nmf.abundance_qp`
    is exact.  With one, FISTA (Beck & Teboulle) over the kernel's majorised
    block steps, with O'Donoghue & Candes' gradient restart: the number of
    sweeps grows with the square root of the graph coupling, not linearly as
    Jacobi sweeps do.  Stops when no abundance moves by more than ``tol``
    times the largest one.  Returns ``(A, sweeps)``.
    """
    from .._kernels.nmf import abundance_qp

    if graph[4] == 0.0:
        return abundance_qp(C, Q, A, S, *graph, _CHUNK), 1
    Y, t = A, 1.0
    for sweep in range(1, max_sweeps + 1):
        A_new = abundance_qp(C, Q, Y, S, *graph, _CHUNK)
        D = A_new - A
        change = float(np.abs(D).max()) if D.size else 0.0
        if change <= tol * max(float(A_new.max()), 1e-300):
            return A_new, sweep
        if np.vdot(Y - A_new, D) > 0.0:
            Y, t = A_new, 1.0  # the momentum points uphill: restart
        else:
            t_new = 0.5 * (1.0 + np.sqrt(1.0 + 4.0 * t * t))
            Y, t = A_new + ((t - 1.0) / t_new) * D, t_new
        A = A_new
    return A, max_sweeps


def _solve_abundances(X, M, A, band_weights, graph, *, alpha, p_min, delta, tol,
                      max_sweeps):
    """Abundances for fixed endmembers and band weights, warm-started at ``A``.

    The convex (l1) problem first, solved to ``tol`` by :func:`_abundance_qp`;
    then, where the guidance gives some ``p_i < 1``, up to ``_LP_MM_STEPS``
    majorise-minimise steps of the lp penalty from that solution, so the
    start does not decide which local minimum the non-convex penalty ends in.

    Returns
    -------
    A : ndarray of shape (n_pixels, n_components), dtype of ``X``
    sweeps : int
        Kernel sweeps used.
    """
    M = M.astype(np.float64)
    delta2 = delta * delta
    MB = M * band_weights
    C = np.asarray(X @ MB.T.astype(X.dtype), dtype=np.float64) + delta2
    Q = MB @ M.T + delta2
    A = np.ascontiguousarray(A, dtype=np.float64)
    w, p = _sparsity(A, alpha, 1.0)
    A, sweeps = _abundance_qp(C, Q, A, _sparsity_gradient(A, w, p), graph, tol, max_sweeps)
    if p_min < 1.0 and alpha > 0:
        for _ in range(_LP_MM_STEPS):
            w, p = _sparsity(A, alpha, p_min)
            A_new, n = _abundance_qp(C, Q, A, _sparsity_gradient(A, w, p), graph, tol,
                                     max_sweeps)
            sweeps += n
            change = float(np.abs(A_new - A).max()) if A.size else 0.0
            A = A_new
            if change <= tol * max(float(A.max()), 1e-300):
                break
    return A.astype(X.dtype, copy=False), sweeps


def _unmixing_nmf(X, A, M, graph, *, loss="squared", alpha=0.1, p_min=1.0,
                  kernel_width=None, delta=0.0, max_iter=200, tol=1e-4,
                  reweight_every=5, solve_start=True, verbose=0, name="unmixing NMF",
                  stages=None, X_final=None):
    """The unmixing NMF solver shared by the three estimators (arrays in, arrays out).

    Minimises ``1/2 sum_l b_l ||X[:, l] - A M[:, l]||^2 + delta^2/2 ||1 - A 1||^2
    + lambda/2 Tr(A^T L A) + sum_i w_i sum_k A_ik^p_i`` over ``A, M >= 0`` by
    the fused multiplicative updates of :mod:`lrsparse._kernels.nmf`, the
    band weights ``b`` (``loss``) and the guidance exponents ``p_i`` (``p_min``)
    re-estimated every ``reweight_every`` iterations for the robust losses.
    The abundances are solved for the starting endmembers (``solve_start``:
    each pixel's own problem, exactly, without the graph) and, exactly, for
    the final ones.

    Parameters
    ----------
    X : ndarray of shape (n_pixels, n_bands)
        Nonnegative data, preferably scaled to ``max |X| = 1`` (penalty weights
        are in the units of ``X``).
    A, M : ndarrays of shape (n_pixels, n_components), (n_components, n_bands)
        Strictly positive starting abundances and endmembers.
    graph : tuple
        ``(indptr, indices, data, degree, graph_strength)`` of the pixel graph
        (CSR arrays with int32 indices); ``graph_strength=0`` for none.
    loss : {"squared", "correntropy", "l21"}
        Data term (see :func:`_band_weights`).
    alpha, p_min, kernel_width, delta
        Sparsity weight, smallest lp exponent (1: l1), correntropy width
        (None: adaptive) and sum-to-one weight (0: off).
    max_iter, tol : int, float
        Iteration cap; stop when the objective's relative decrease is <= tol.
    reweight_every : int
        Period of the band-weight / guidance re-estimation (robust losses).
    solve_start : bool
        Solve the abundances for ``M`` before the loop (a given ``M``).
    verbose : int
        Print progress every 10 iterations.
    name : str
        Name in messages and in the ``ConvergenceWarning``.
    stages : dict, default=None
        If given, receives the seconds spent in the start solve
        (``"start_solve"``), the update loop (``"loop"``) and the final solve
        (``"end_solve"``), for benchmarks.
    X_final : ndarray of shape (n_pixels, n_bands), default=None
        Data whose abundances the final solve returns (the original pixels
        when ``X`` is a graph-denoised copy); None: ``X``.

    Returns
    -------
    A : ndarray of shape (n_pixels, n_components)
    M : ndarray of shape (n_components, n_bands)
    band_weights : ndarray of shape (n_bands,)
    n_iter : int
    history : ndarray of shape (n_iter,)
        Objective at the start of each iteration.
    """
    from .._kernels.nmf import abundance_pass, endmember_update

    n, L = X.shape
    x_sq = np.einsum("ij,ij->j", X, X, dtype=np.float64)  # the data term's constant
    robust = loss != "squared"
    b = np.ones(L)
    history = []
    start = time.perf_counter()
    solve = dict(alpha=alpha, p_min=p_min, delta=delta, tol=_solve_tol(tol),
                 max_sweeps=max(max_iter, _MIN_SWEEPS))
    clock = time.perf_counter()
    if solve_start:
        # Endmembers given: start from their abundances, not from a uniform
        # mix that would first drag the endmembers inwards.  Each pixel's own
        # problem (exact, no graph) is the start: the loop brings in the graph
        # at once.  Measured: as accurate or more than starting from the
        # graph-coupled solve (semi-real Urban SAD 0.089 vs 0.119), at a
        # fraction of its sweeps.  The lp steps stay: without them
        # RobustGuidedNMF ends worse (20 dB synthetic SAD 0.028 vs 0.024).
        A = _solve_abundances(X, M, A, b, _no_graph(n), **solve)[0]
        A = np.maximum(A, _EPS)  # a zero stays zero under multiplicative updates
    if stages is not None:
        stages["start_solve"], clock = time.perf_counter() - clock, time.perf_counter()
    w, p = _sparsity(A, alpha, p_min)
    if robust:  # the statistics of the current A, for the first residuals
        A64 = A.astype(np.float64)
        AtX, AtA = A64.T @ X, A64.T @ A64
    change = np.inf
    for it in range(max_iter):
        reweight = robust and it % reweight_every == 0
        if reweight:  # residuals of the current iterate, from its statistics
            band_res = _band_residual(x_sq, M, AtX, AtA)
        A_new, AtX, AtA, obj = abundance_pass(
            X, x_sq, A, M, b, delta, *graph, w, p, _EPS, _CHUNK
        )
        history.append(float(obj.sum()))
        M = endmember_update(M, AtX, AtA, _EPS)
        A = A_new
        if reweight:
            # HQ / IRLS step: weights from the residuals of the iterate just
            # evaluated, used from the next sweep on.
            b = _band_weights(loss, band_res, n, kernel_width)
            w, p = _sparsity(A, alpha, p_min)
        if verbose and it % 10 == 0:
            print(f"{name}: iteration {it:4d}, objective {history[-1]:.6g}, "
                  f"{time.perf_counter() - start:.2f} s")
        if it > 0:
            change = abs(history[-2] - history[-1]) / max(abs(history[-2]), 1e-300)
            if change <= tol:
                break
    n_iter = it + 1
    if n_iter == max_iter and not change <= tol:
        warn_not_converged(name, n_iter, change, tol, what="relative objective change")
    if stages is not None:
        stages["loop"], clock = time.perf_counter() - clock, time.perf_counter()
    A = _solve_abundances(X if X_final is None else X_final, M, A, b, graph, **solve)[0]
    if stages is not None:
        stages["end_solve"] = time.perf_counter() - clock
    return A, M, b, n_iter, np.asarray(history)


class _BaseUnmixingNMF(ClassNamePrefixFeaturesOutMixin, TransformerMixin, BaseEstimator, ABC):
    """Shared machinery: parameters, validation, initialisation, transform.

    Subclasses set ``_loss`` and may override :meth:`_graph`, :meth:`_p_min`
    and :meth:`_kernel_width`; the fit itself is :func:`_unmixing_nmf`.
    """

    _parameter_constraints = {
        "n_components": [Interval(numbers.Integral, 1, None, closed="left"), StrOptions({"auto"})],
        "alpha": [Interval(numbers.Real, 0, None, closed="left")],
        "init": [StrOptions({"random", "nndsvda", "vca", "nfindr"}), "array-like"],
        "sum_to_one": ["boolean"],
        "sum_to_one_weight": [
            StrOptions({"auto"}),
            Interval(numbers.Real, 0, None, closed="neither"),
        ],
        "max_iter": [Interval(numbers.Integral, 1, None, closed="left")],
        "tol": [Interval(numbers.Real, 0, None, closed="left")],
        "random_state": ["random_state"],
        "verbose": ["verbose"],
        "n_jobs": [None, numbers.Integral],
    }

    _loss = "squared"

    def __init__(self, n_components=3, *, alpha=0.1, init="nfindr", sum_to_one=True,
                 sum_to_one_weight="auto", max_iter=200, tol=1e-4, random_state=None,
                 verbose=0, n_jobs=None):
        self.n_components = n_components
        self.alpha = alpha
        self.init = init
        self.sum_to_one = sum_to_one
        self.sum_to_one_weight = sum_to_one_weight
        self.max_iter = max_iter
        self.tol = tol
        self.random_state = random_state
        self.verbose = verbose
        self.n_jobs = n_jobs

    # ------------------------------------------------------------- hooks
    def _graph(self, n_pixels, X, *, fitting):
        """``(indptr, indices, data, degree, strength)`` of the graph term (none here)."""
        return _no_graph(n_pixels)

    def _p_min(self):
        return 1.0

    def _fit_data(self, Xs, X):
        """The data the endmembers are fitted on (start and loop): ``Xs`` itself here."""
        return Xs

    def _kernel_width(self, scale):
        return None

    # --------------------------------------------------------------- fit
    @_fit_context(prefer_skip_nested_validation=True)
    def fit(self, X, y=None):
        """Learn endmembers and abundances of ``X``.

        Parameters
        ----------
        X : array-like of shape (n_pixels, n_bands)
            Nonnegative spectra, one pixel per row.
        y : Ignored
            Not used, present for API consistency.

        Returns
        -------
        self : object
            Fitted estimator.
        """
        self._fit_transform(X)
        return self

    @_fit_context(prefer_skip_nested_validation=True)
    def fit_transform(self, X, y=None):
        """Learn endmembers and return the abundances of ``X``.

        Parameters
        ----------
        X : array-like of shape (n_pixels, n_bands)
            Nonnegative spectra, one pixel per row.
        y : Ignored
            Not used, present for API consistency.

        Returns
        -------
        abundances : ndarray of shape (n_pixels, n_components)
            Nonnegative; rows sum to one when ``sum_to_one``.
        """
        return self._fit_transform(X)

    def _validate_X(self, X, *, reset):
        X = validate_data(self, X, dtype=[np.float64, np.float32], reset=reset)
        check_non_negative(X, f"{type(self).__name__} (input X)")
        return X

    def _solver_inputs(self, X):
        """Validate ``X``; return ``(X, scale, kwargs)`` such that the fit is
        ``_unmixing_nmf(**kwargs)`` on ``kwargs["X"] = X / scale``."""
        X = self._validate_X(X, reset=True)
        n, L = X.shape
        K = self._n_endmembers(X)
        if K > min(n, L):
            raise ValueError(
                f"n_components={K} must be <= min(n_pixels, n_bands); got X with "
                f"n_samples = {n}, n_features = {L}."
            )
        scale = _data_unit(X)
        Xs = X / X.dtype.type(scale)
        Xfit = self._fit_data(Xs, X)
        A, M = self._initialize(Xfit, check_random_state(self.random_state), scale)
        kwargs = dict(
            X=Xfit, X_final=None if Xfit is Xs else Xs, A=A, M=M,
            graph=self._graph(n, X, fitting=True), loss=self._loss,
            alpha=float(self.alpha), p_min=self._p_min(),
            kernel_width=self._kernel_width(scale), delta=self._asc_delta(Xs, scale),
            max_iter=self.max_iter, tol=self.tol, reweight_every=_REWEIGHT_EVERY,
            solve_start=not isinstance(self.init, str) or self.init in ("vca", "nfindr"),
            verbose=self.verbose, name=type(self).__name__,
        )
        return X, scale, kwargs

    def _fit_transform(self, X):
        from ..utils._numba import numba_threads

        with numba_threads(self.n_jobs):  # the graph smoothing's kernel too
            X, scale, kwargs = self._solver_inputs(X)
            A, M, b, self.n_iter_, history = _unmixing_nmf(**kwargs)
        Xs = kwargs["X"] if kwargs["X_final"] is None else kwargs["X_final"]
        self._scale = scale
        # The sum-to-one weight of the fit, in units of X / scale: transform
        # reuses it, so that each pixel's abundances depend on that pixel only
        # (any batch or Dask block of pixels unmixes to the same rows).
        self._delta = kwargs["delta"]
        self.components_ = (M * M.dtype.type(scale)).astype(X.dtype, copy=False)
        self.band_weights_ = b
        self.objective_history_ = history * scale * scale
        self.reconstruction_err_ = float(np.linalg.norm(Xs - A @ M)) * scale
        self._after_fit(A)
        return self._finish(A)

    def transform(self, X):
        """Unmix (new) pixels against the fitted endmembers.

        The endmembers and band weights stay fixed; the abundances are solved
        from a uniform start as exact per-pixel nonnegative QPs (active set),
        the same solver that finishes :meth:`fit`.  The spatial graph
        (StructuredSparseNMF) is used when ``X`` has as many pixels as the
        image it was built for; otherwise pixels are unmixed one by one.

        Parameters
        ----------
        X : array-like of shape (n_pixels, n_bands)
            Nonnegative spectra with the fitted number of bands.

        Returns
        -------
        abundances : ndarray of shape (n_pixels, n_components)
            Nonnegative; rows sum to one when ``sum_to_one``.
        """
        from ..utils._numba import numba_threads

        check_is_fitted(self)
        X = self._validate_X(X, reset=False)
        n = X.shape[0]
        Xs = X / X.dtype.type(self._scale)
        K = self.n_components_
        A = np.full((n, K), 1.0 / K)
        graph = self._graph(n, X, fitting=False)
        with numba_threads(self.n_jobs):
            A = _solve_abundances(
                Xs, self.components_ / self._scale, A, self.band_weights_, graph,
                alpha=float(self.alpha), p_min=self._p_min(),
                delta=self._delta, tol=_solve_tol(self.tol),
                max_sweeps=max(self.max_iter, _MIN_SWEEPS),
            )[0]
        return self._finish(A)

    def inverse_transform(self, X):
        """Reconstruct spectra from abundances: ``X @ components_``.

        Parameters
        ----------
        X : array-like of shape (n_pixels, n_components)
            Abundances.

        Returns
        -------
        X_original : ndarray of shape (n_pixels, n_bands)
            Reconstructed spectra.
        """
        check_is_fitted(self)
        X = check_component_scores(X, self.n_components_)
        return X @ self.components_

    def _finish(self, A):
        if self.sum_to_one:
            s = A.sum(axis=1, keepdims=True)
            A = np.where(s > 0, A / np.where(s > 0, s, 1), 1.0 / A.shape[1]).astype(A.dtype)
        return A

    def _after_fit(self, A):
        """Hook for fitted attributes derived from the final abundances."""

    # ---------------------------------------------------------- helpers
    def _asc_delta(self, Xs, scale):
        """``delta`` in the units of ``Xs = X / scale``."""
        if not self.sum_to_one:
            return 0.0
        # "auto": the constraint row counts like one more pixel spectrum.
        auto = float(np.sqrt(np.mean(np.einsum("ij,ij->i", Xs, Xs, dtype=np.float64))))
        if self.sum_to_one_weight == "auto":
            return auto
        delta = float(self.sum_to_one_weight) / scale
        if delta > _MAX_ASC_RATIO * max(auto, 1e-300):
            raise ValueError(
                f"sum_to_one_weight={self.sum_to_one_weight!r} is more than "
                f"{_MAX_ASC_RATIO:g} times its 'auto' value for this X "
                f"({auto * scale:.3g}): in float64 the data term would vanish next to the "
                f"sum-to-one term. Use a smaller value or 'auto'."
            )
        return delta

    def _n_endmembers(self, X):
        """``n_components``, or its HySime estimate for "auto" (sets ``n_components_``)."""
        if self.n_components == "auto":
            from ._hysime import estimate_n_endmembers

            self.n_components_ = estimate_n_endmembers(X)
        else:
            self.n_components_ = int(self.n_components)
        return self.n_components_

    def _initialize(self, Xs, rng, scale):
        n, L = Xs.shape
        K = self.n_components_
        dtype = Xs.dtype
        init = self.init
        if not isinstance(init, str):
            # A copy in the units of Xs: never share the user's array.
            M = check_array(init, dtype=np.float64, input_name="init") / scale
            if M.shape != (K, L):
                raise ValueError(
                    f"init must be 'nfindr', 'vca', 'random', 'nndsvda' or an array of initial "
                    f"endmembers of shape (n_components, n_bands) = {(K, L)}; got shape "
                    f"{M.shape}."
                )
            check_non_negative(M, f"{type(self).__name__} (init)")
            M = M.astype(dtype)
            A = np.full((n, K), 1.0 / K, dtype=dtype)
        elif init == "random":
            s = np.sqrt(Xs.mean() / K)
            A = (s * rng.uniform(size=(n, K))).astype(dtype)
            M = (s * rng.uniform(size=(K, L))).astype(dtype)
        elif init == "nndsvda":
            A, M = _initialize_nmf(Xs, K, init="nndsvda", random_state=rng)
            A, M = A.astype(dtype), M.astype(dtype)
        else:  # "nfindr" or "vca": pixels of the image, projected on its signal subspace
            from ._endmembers import _find_endmembers

            M = _find_endmembers(Xs, K, init, None, rng)[0].astype(dtype)
            A = np.full((n, K), 1.0 / K, dtype=dtype)
        # Strictly positive starts: a zero stays zero under multiplicative updates.
        A = np.maximum(A, _EPS).astype(dtype)
        M = np.maximum(M, _EPS).astype(dtype)
        return np.ascontiguousarray(A), np.ascontiguousarray(M)

    @property
    def _n_features_out(self):
        return self.components_.shape[0]

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.positive_only = True
        tags.transformer_tags.preserves_dtype = ["float64", "float32"]
        return tags


def _data_unit(X):
    """The unit the solvers work in: the upper quartile of the bands' maxima.

    The fit runs on ``X / unit``, so iterations, abundances and the meaning of
    ``alpha`` and ``graph_strength`` do not depend on the units of ``X``
    (results scale with the data).  For reflectances (the papers' setting) it
    is close to ``max X`` (Samson 0.90 for a maximum of 1.0, the clean
    synthetic scenes 0.95 for 1.05), so the papers' penalty weights keep
    their meaning; unlike the maximum, corrupted bands (fewer than a quarter
    of them) cannot inflate it, and unlike the median of the band maxima it
    does not shrink on spectra that are dark in many bands (Samson: 0.38).
    :func:`~lrsparse.utils._solver.data_scale` rejects subnormal data.
    """
    data_scale(X)
    unit = float(np.quantile(X.max(axis=0), 0.75)) if X.size else 1.0
    return unit if unit > 0 else data_scale(X)


def _no_graph(n_pixels):
    return (
        np.zeros(n_pixels + 1, dtype=np.int32),
        np.zeros(0, dtype=np.int32),
        np.zeros(0),
        np.zeros(n_pixels),
        0.0,
    )


_COMMON_PARAMS = """
    init : {"nfindr", "vca", "nndsvda", "random"} or array-like of shape \
(n_components, n_bands), default="nfindr"
        Initial endmembers.  "nfindr": pixels picked by
        :func:`find_endmembers` (N-FINDR's volume maximisation in a subspace
        of ``2 * n_components`` noise-whitened directions, the pixels
        projected on that subspace), which keeps rare
        materials that VCA can miss and hardly depends on ``random_state``;
        "vca": Vertex Component Analysis (Nascimento & Dias), the usual start
        in the literature; "nndsvda": scikit-learn's NNDSVD with zeros filled
        by the mean; "random": uniform, scaled like scikit-learn's; an array:
        these endmembers (e.g. from :func:`find_endmembers` or a spectral
        library).  Abundances start as the exact solution for the starting
        endmembers, except for "random"/"nndsvda".
    sum_to_one : bool, default=True
        Abundance sum-to-one constraint (ASC) by the augmented-row method: a
        constant band ``delta`` is appended to the data and to every
        endmember, so ``delta^2 (1 - sum_k a_k)^2`` is penalised.  The
        returned abundances are then renormalised to sum exactly to one.
    sum_to_one_weight : "auto" or float > 0, default="auto"
        ``delta``, in the units of ``X``.  "auto" is the root-mean-square norm
        of the pixel spectra, so the constraint weighs like one more band-full
        of data; more than 1e6 times that is refused (``ValueError``): the
        data term would vanish next to it in float64.
    max_iter : int, default=200
        Maximum number of iterations (200 as in Zhu et al.'s experiments); a
        ``ConvergenceWarning`` says when it stops the fit before ``tol``.
    tol : float, default=1e-4
        Stop when the relative decrease of the objective over one iteration
        is below ``tol``.  The exact abundance solves (start and end) stop
        when no abundance moves by more than ``tol`` clipped to
        ``[1e-6, 1e-4]`` (relative to the largest).
    random_state : int, RandomState instance or None, default=None
        Seed of the initialisation.
    verbose : int, default=0
        Print the objective and elapsed time every 10 iterations.
    n_jobs : int, default=None
        Numba threads for the update kernel.  ``None`` means 1 unless in a
        :func:`joblib.parallel_config` context; ``-1`` means all CPUs.  The
        result does not depend on it.
"""

_UNITS_NOTE = """\
    **Units.**  The fit runs on ``X / u`` with ``u`` the upper quartile of the
    bands' maxima (close to ``max X`` for reflectances, the papers' setting,
    and not inflated by corrupted bands, if fewer than a quarter), and
    ``components_`` are scaled back.  So ``alpha`` and ``graph_strength`` are
    relative to data of unit ``u = 1``: the same values give the same
    abundances, iterations and (scaled) endmembers whatever the units of ``X``.
"""

_COMMON_ATTRIBUTES = """
    components_ : ndarray of shape (n_components, n_bands)
        Endmember spectra.
    n_components_ : int
        Number of endmembers: ``n_components``, or its estimate for "auto".
    band_weights_ : ndarray of shape (n_bands,)
        Weights of the bands in the data term at the end of the fit (mean 1;
        all ones for StructuredSparseNMF).
    n_iter_ : int
        Number of iterations run.
    objective_history_ : ndarray of shape (`n_iter_`,)
        Objective at the start of each iteration (with the band weights of
        that iteration).
    reconstruction_err_ : float
        Frobenius norm of ``X - fit_transform(X) @ components_`` before the
        final renormalisation.
    n_features_in_ : int
        Number of bands seen during fit.
    feature_names_in_ : ndarray of shape (`n_features_in_`,)
        Names of features seen during fit, when ``X`` has string column names.
"""


class StructuredSparseNMF(_BaseUnmixingNMF):
    __doc__ = """Structured sparse NMF (SS-NMF) for hyperspectral unmixing.

    Factorises nonnegative pixels ``X ~ A M`` (abundances ``A``, endmembers
    ``M``) with a spatial graph that makes spectrally similar neighbouring
    pixels agree and an l1 term that makes the abundances sparse (after Zhu
    et al.).  The endmembers are fitted to the graph-denoised data ``Z``::

        Z = argmin_Z 1/2 ||X - Z||_F^2 + lambda/2 Tr(Z^T (D - G) Z)
        min_{A, M >= 0} 1/2 ||Z - A M||_F^2 + alpha ||A||_1

    (plus the sum-to-one term; multiplicative updates from a
    :func:`find_endmembers` start on ``Z``), and the returned abundances are
    those of ``X`` itself for these endmembers (exact per-pixel solves, no
    graph).  Zhu et al. put the Laplacian on the abundances,
    ``Tr(A^T L A)``; with the sum-to-one constraint that term is smallest
    when the abundances contract towards their mean and the endmembers
    spread outside the data (``A T``, ``T^-1 M`` leaves ``A M`` unchanged),
    so it biases the endmembers (a 100 x 100 crop of semi-real Urban, 30 dB:
    simplex volume 3 x the reference's and mean SAD 0.092 rad at strength
    0.3, against 0.052 without the graph); smoothing ``Z = A M`` has no such
    gauge (full semi-real Urban, 30 dB: 0.012 rad, against 0.054 without the
    graph).  The
    affinity graph ``G`` over pixels is built by
    :func:`spatial_affinity_graph` from ``image_shape`` (with
    ``graph_params``), or given precomputed as ``graph``.  Both are
    constructor parameters, so ``GridSearchCV`` can tune ``graph_strength``
    and ``graph_params`` like any other parameter (use a single split over
    the whole image, ``cv=[(idx, idx)]``: the graph belongs to the image).

    Read more in the :ref:`User Guide <unmixing>`.

    Parameters
    ----------
    n_components : int or "auto", default=3
        Number of endmembers.  "auto" estimates it from the data by HySime's
        signal-subspace identification (:func:`estimate_n_endmembers`); the
        number used is ``n_components_``.
    graph_strength : "auto" or float >= 0, default="auto"
        ``lambda``, the weight of the graph term, dimensionless (both terms
        of ``Z`` are in the units of ``X`` squared); 0 gives plain l1-NMF (no
        graph is built).  "auto" is ``s * min(1, 10 sigma / rms(X))`` with
        ``sigma`` the per-band noise of HySime's regression estimate: 0.3 at
        30 dB, 1 at 20 dB and below, the measured optimum of the default
        8-neighbour heat-kernel graph (mean degree about 4) on semi-real
        Urban and synthetic scenes.  ``s = clip(2 (1 - r), 0, 1)`` switches
        the graph off where the image has no spatial structure: ``r`` is the
        mean squared spectral difference of graph neighbours over that of
        independent pixels, both less the noise's share (0.03 on the
        synthetic scenes, 0.26-0.38 on semi-real Urban: ``s = 1``; 1 on a
        shuffled image: ``s = 0``).  For a graph with a larger mean degree
        (e.g. ``window=5``) divide by the ratio of degrees.  The value used is
        ``graph_strength_``.  With ``graph_term="abundances"``, "auto" is 0.3.
    graph_term : {"data", "abundances"}, default="data"
        Where the graph acts.  "data": on the reconstruction, by fitting the
        endmembers to the graph-denoised ``Z`` above (the default: it helps
        wherever the image has spatial structure).  "abundances": Zhu et
        al.'s ``Tr(A^T L A)`` inside the abundance updates, the paper's
        model, kept to reproduce it; with the sum-to-one term it biases the
        endmembers outwards (see above), and ``transform`` then uses the
        graph on an image of the fitted size.
    alpha : float >= 0, default=0.1
        Weight of the l1 penalty on the abundances.
    image_shape : tuple (n_rows, n_cols), default=None
        Layout of the pixels (rows of ``X`` in row-major order) used to build
        the spatial graph.  Required when ``graph_strength > 0`` and
        ``graph`` is None.
    graph : {array-like, sparse matrix} of shape (n_pixels, n_pixels), default=None
        Precomputed symmetric nonnegative affinity graph (overrides
        ``image_shape``).
    graph_params : dict, default=None
        Keyword arguments of :func:`spatial_affinity_graph`
        (``window``, ``weight``, ``n_clusters``, ``top_fraction``, ...).
""" + _COMMON_PARAMS + """
    Attributes
    ----------
""" + _COMMON_ATTRIBUTES + """
    graph_strength_ : float
        The graph strength used (``graph_strength``, or its "auto" value).

    See Also
    --------
    CorrentropyNMF : Robust to noisy bands (band-reweighted).
    RobustGuidedNMF : An l2,1 loss and a learned per-pixel lp sparsity.
    sklearn.decomposition.NMF : Plain NMF.

    Notes
    -----
""" + _UNITS_NOTE + """
    Zhu et al.'s code normalises the endmembers periodically and has no
    sum-to-one term; here the scale is fixed by the sum-to-one term instead
    (``sum_to_one=False`` leaves it free).  ``transform`` solves each pixel
    for the fitted endmembers, without the graph, as ``fit_transform`` does.

    The graph helps when the abundances are spatially smoother than the
    per-pixel perturbations (sensor noise, illumination, spectral
    variability): it then denoises the pixels the endmembers are fitted
    to.  It cannot help where neighbouring pixels are independent (a
    shuffled image), and a strength above the rule's smooths thin, rare
    structures into their surroundings (metal on a 100 x 100 crop of
    semi-real Urban at strength 3: SAD 0.17 rad against 0.033 without the
    graph).

    References
    ----------
    .. [1] F. Zhu, Y. Wang, S. Xiang, B. Fan and C. Pan, "Structured Sparse
       Method for Hyperspectral Unmixing", ISPRS J. Photogramm. Remote Sens.
       88 (2014), arXiv:1403.4682.
    .. [2] D. Cai, X. He, J. Han and T. S. Huang, "Graph Regularized
       Nonnegative Matrix Factorization for Data Representation", IEEE TPAMI
       33 (2011).

    Examples
    --------
    >>> from lrsparse.datasets import make_hyperspectral
    >>> from lrsparse.decomposition import StructuredSparseNMF
    >>> X, E, A = make_hyperspectral((20, 20), 3, 50, snr_db=30, random_state=0)
    >>> est = StructuredSparseNMF(3, image_shape=(20, 20), random_state=0)
    >>> abundances = est.fit_transform(X)
    >>> abundances.shape, est.components_.shape
    ((400, 3), (3, 50))
    """

    _parameter_constraints = {
        **_BaseUnmixingNMF._parameter_constraints,
        "graph_strength": [StrOptions({"auto"}), Interval(numbers.Real, 0, None, closed="left")],
        "graph_term": [StrOptions({"data", "abundances"})],
        "image_shape": [None, tuple, list],
        "graph": [None, "array-like", "sparse matrix"],
        "graph_params": [None, dict],
    }

    def __init__(
        self,
        n_components=3,
        *,
        graph_strength="auto",
        graph_term="data",
        alpha=0.1,
        image_shape=None,
        graph=None,
        graph_params=None,
        init="nfindr",
        sum_to_one=True,
        sum_to_one_weight="auto",
        max_iter=200,
        tol=1e-4,
        random_state=None,
        verbose=0,
        n_jobs=None,
    ):
        super().__init__(
            n_components, alpha=alpha, init=init, sum_to_one=sum_to_one,
            sum_to_one_weight=sum_to_one_weight, max_iter=max_iter, tol=tol,
            random_state=random_state, verbose=verbose, n_jobs=n_jobs,
        )
        self.graph_strength = graph_strength
        self.graph_term = graph_term
        self.image_shape = image_shape
        self.graph = graph
        self.graph_params = graph_params

    def _fit_data(self, Xs, X):
        # The graph denoises the data the endmembers are fitted on:
        # Z = argmin 1/2 ||Xs - Z||^2 + lambda/2 Tr(Z^T L Z), a penalty on the
        # reconstruction A M that, unlike Tr(A^T L A), does not reward
        # endmembers spread outside the data (see the user guide).
        from ._graph import _graph_smooth

        if self.graph_term == "abundances":  # the paper's term: see _graph
            self.graph_strength_ = self._abundance_graph_strength()
            return Xs
        G = self._affinity(X.shape[0], X)
        if G is None:
            self.graph_strength_ = 0.0
            return Xs
        self.graph_strength_ = self._smoothing_strength(Xs, G)
        if self.graph_strength_ == 0:
            return Xs
        # Z to the fit's own tolerance (Urban: 17 CG iterations instead of 32
        # at 1e-8, Z within 5e-5): the endmembers are fitted to tol anyway.
        Z = _graph_smooth(Xs, G, self.graph_strength_, tol=_solve_tol(self.tol))[0]
        return Z.astype(Xs.dtype, copy=False)

    def _graph(self, n_pixels, X, *, fitting):
        # Zhu et al.'s Tr(A^T L A) in the abundance updates (graph_term=
        # "abundances"); transform uses it only on an image of the fitted size.
        if self.graph_term != "abundances" or self.graph_strength == 0:
            return _no_graph(n_pixels)
        if not fitting and n_pixels != self._graph_pixels:
            return _no_graph(n_pixels)
        G = self._affinity(n_pixels, X)
        self._graph_pixels = n_pixels
        degree = np.asarray(G.sum(axis=1)).ravel()
        return G.indptr, G.indices, G.data, degree, self._abundance_graph_strength()

    def _abundance_graph_strength(self):
        """``graph_strength`` of ``graph_term="abundances"``, "auto" resolved."""
        if self.graph_strength == "auto":
            return _ABUNDANCE_GRAPH_STRENGTH
        return float(self.graph_strength)

    def _smoothing_strength(self, Xs, G):
        if self.graph_strength != "auto":
            return float(self.graph_strength)
        from ._hysime import _estimate_noise

        X64 = np.asarray(Xs, dtype=np.float64)
        noise = np.sum(_estimate_noise(X64))  # sum over bands of the noise variance
        # Spatial structure: the mean squared difference of graph neighbours
        # against that of independent pixels (twice the total variance), both
        # less the noise's share 2 * noise.  About 0.03 on the synthetic
        # scenes, 0.26-0.38 on semi-real Urban, 1 on a shuffled image.
        B = sp.csr_array((np.ones_like(G.data), G.indices, G.indptr), shape=G.shape)
        deg = np.asarray(B.sum(axis=1)).ravel()
        neighbour = 2.0 * (np.einsum("i,ij,ij->", deg, X64, X64)
                           - np.einsum("ij,ij->", X64, B @ X64)) / max(deg.sum(), 1.0)
        independent = 2.0 * float(np.sum(X64.var(axis=0)))
        ratio = (neighbour - 2.0 * noise) / max(independent - 2.0 * noise, 1e-300)
        structure = min(1.0, max(0.0, 2.0 * (1.0 - ratio)))
        # min(1, 10 * noise / signal rms): 0.3 at 30 dB, 1 at 20 dB and below
        # (the measured optimum on semi-real Urban and synthetic scenes).
        rms = float(np.sqrt(np.mean(np.square(X64))))
        level = min(1.0, 10.0 * float(np.sqrt(noise / X64.shape[1])) / max(rms, 1e-300))
        return structure * level

    def _affinity(self, n_pixels, X):
        """The affinity graph (CSR) of the fitted image, or None for no graph."""
        if self.graph_strength == 0:
            return None
        if self.graph is not None:
            from ..utils.validation import check_adjacency

            G = check_adjacency(self.graph, input_name="graph", dtype=np.float64)
            if G.shape[0] != n_pixels:
                raise ValueError(
                    f"graph must have shape (n_pixels, n_pixels) = ({n_pixels}, {n_pixels}); "
                    f"got {G.shape}."
                )
            if abs(G - G.T).max() > 1e-12 * max(abs(G).max(), 1.0):
                raise ValueError("graph must be symmetric (an undirected affinity graph).")
        elif self.image_shape is not None:
            shape = tuple(self.image_shape)
            if len(shape) != 2 or int(np.prod(shape)) != n_pixels:
                raise ValueError(
                    f"image_shape={self.image_shape!r} does not match X: n_rows * n_cols "
                    f"must equal n_pixels = {n_pixels}."
                )
            from ._graph import spatial_affinity_graph

            G = spatial_affinity_graph(X, shape, **(self.graph_params or {}))
        else:
            raise ValueError(
                "StructuredSparseNMF needs the pixels' spatial layout for its graph term: "
                "pass image_shape=(n_rows, n_cols) or a precomputed graph, or set "
                "graph_strength=0."
            )
        return sp.csr_array(G, dtype=np.float64)


class CorrentropyNMF(_BaseUnmixingNMF):
    __doc__ = """Correntropy NMF (CENMF): unmixing robust to noisy bands.

    Replaces the squared loss by the correntropy-induced loss of each band's
    residual ``e_l = X[:, l] - A M[:, l]`` with an l1 penalty on the
    abundances (Wang et al.)::

        sum_l (1 - exp(-||e_l||^2 / (2 n sigma^2))) + alpha ||A||_1

    Half-quadratic optimisation turns it into iteratively band-reweighted
    NMF: every few iterations each band gets the weight
    ``b_l = exp(-r_l / (2 sigma^2))`` with ``r_l = ||e_l||^2 / n_pixels``,
    and the weighted problem ``1/2 sum_l b_l ||e_l||^2 + alpha ||A||_1`` takes
    multiplicative steps.  Bands with large residuals (water absorption,
    dead channels) get weights near zero.

    Read more in the :ref:`User Guide <unmixing>`.

    Parameters
    ----------
    n_components : int or "auto", default=3
        Number of endmembers.  "auto" estimates it from the data by HySime's
        signal-subspace identification (:func:`estimate_n_endmembers`); the
        number used is ``n_components_``.
    alpha : float >= 0, default=0.1
        Weight of the l1 penalty on the abundances.
    kernel_width : "auto" or float > 0, default="auto"
        Correntropy kernel width ``sigma`` in the units of the data.  "auto"
        re-estimates it at each reweighting as ``sigma^2 = mean_l r_l``, the
        mean per-band residual energy, so a band whose residual is ``c``
        times the average gets weight ``exp(-c / 2)``.  The paper's exact
        rule was not available; this adaptive rule is a reconstruction.
""" + _COMMON_PARAMS + """
    Attributes
    ----------
""" + _COMMON_ATTRIBUTES + """
    See Also
    --------
    RobustGuidedNMF : An l2,1 loss and a learned per-pixel lp sparsity.
    StructuredSparseNMF : Graph-regularised and sparse.

    Notes
    -----
""" + _UNITS_NOTE + """
    Weights are rescaled to mean 1 so that ``alpha`` keeps the meaning it has
    in :class:`StructuredSparseNMF`.  The band weights cancel in the
    endmember update (each band is its own least-squares problem), so they
    act through the abundances; ``band_weights_`` shows which bands were
    trusted.  Reconstructed from the abstract and standard half-quadratic
    derivations; no reference code was available.

    References
    ----------
    .. [1] Y. Wang, C. Pan, S. Xiang and F. Zhu, "Robust Hyperspectral
       Unmixing with Correntropy-Based Metric", IEEE TIP 24 (2015),
       arXiv:1305.7311.
    .. [2] R. He, W.-S. Zheng and B.-G. Hu, "Maximum Correntropy Criterion for
       Robust Face Recognition", IEEE TPAMI 33 (2011).

    Examples
    --------
    >>> from lrsparse.datasets import make_hyperspectral
    >>> from lrsparse.decomposition import CorrentropyNMF
    >>> X, E, A = make_hyperspectral((20, 20), 3, 50, outlier_band_fraction=0.1,
    ...                              random_state=0)
    >>> est = CorrentropyNMF(3, random_state=0).fit(X)
    >>> est.band_weights_.shape
    (50,)
    """

    _parameter_constraints = {
        **_BaseUnmixingNMF._parameter_constraints,
        "kernel_width": [StrOptions({"auto"}), Interval(numbers.Real, 0, None, closed="neither")],
    }

    def __init__(
        self,
        n_components=3,
        *,
        alpha=0.1,
        kernel_width="auto",
        init="nfindr",
        sum_to_one=True,
        sum_to_one_weight="auto",
        max_iter=200,
        tol=1e-4,
        random_state=None,
        verbose=0,
        n_jobs=None,
    ):
        super().__init__(
            n_components, alpha=alpha, init=init, sum_to_one=sum_to_one,
            sum_to_one_weight=sum_to_one_weight, max_iter=max_iter, tol=tol,
            random_state=random_state, verbose=verbose, n_jobs=n_jobs,
        )
        self.kernel_width = kernel_width

    _loss = "correntropy"

    def _kernel_width(self, scale):
        # In the units of X / unit; may over- or underflow to the limits
        # (every band weighted 1, or only the best band).
        return None if self.kernel_width == "auto" else float(self.kernel_width) / scale


class RobustGuidedNMF(_BaseUnmixingNMF):
    __doc__ = """Robust NMF (l2,1 loss) with a learned per-pixel lp sparsity (guidance map).

    The representation error is measured by the l2,1 norm over bands,
    ``sum_l ||X[:, l] - A M[:, l]||_2``, so outlier channels cannot dominate,
    and each pixel ``i`` gets an lp penalty ``alpha sum_k A_ik^(p_i)`` whose
    exponent follows a guidance map ``h`` learned with the abundances (Zhu et
    al.): nearly pure pixels (``h_i`` near 1) get strong sparsity
    (``p_i`` near ``p_min``), highly mixed ones (``h_i`` near 0) get l1.

    The l2,1 term is minimised by iteratively reweighted least squares:
    every few iterations band ``l`` gets ``b_l = 1 / (2 ||e_l|| + eps)``.
    The guidance map is re-learned at the same time from the current
    abundances as their normalised purity,
    ``h_i = 1 - H(a_i / sum a_i) / log K`` (``H`` the entropy), and
    ``p_i = 1 - (1 - p_min) h_i``.

    Read more in the :ref:`User Guide <unmixing>`.

    Parameters
    ----------
    n_components : int or "auto", default=3
        Number of endmembers.  "auto" estimates it from the data by HySime's
        signal-subspace identification (:func:`estimate_n_endmembers`); the
        number used is ``n_components_``.
    alpha : float >= 0, default=0.1
        Weight of the lp sparsity penalty.
    p_min : float in (0, 1], default=0.5
        Exponent given to perfectly pure pixels (0.5 is the l1/2 of
        L1/2-NMF); 1 makes the penalty l1 everywhere.
""" + _COMMON_PARAMS + """
    Attributes
    ----------
""" + _COMMON_ATTRIBUTES + """
    guidance_map_ : ndarray of shape (n_pixels,)
        Learned guidance (purity) ``h`` of each fitted pixel, in [0, 1].

    See Also
    --------
    CorrentropyNMF : Band-reweighted by correntropy.
    StructuredSparseNMF : Graph-regularised and sparse.

    Notes
    -----
""" + _UNITS_NOTE + """
    The paper's exact update of the guidance map was not available (only its
    abstract): the purity rule above is our reconstruction, in the spirit of
    its predecessor, data-guided sparse NMF, and the lp gradient is set to 0
    below abundances of 1e-3, as in Zhu et al.'s L1/2-NMF code, so that it
    does not pin small entries at zero.  Band weights are rescaled to mean 1
    so that ``alpha`` keeps the same meaning across the three estimators.

    References
    ----------
    .. [1] F. Zhu, Y. Wang, B. Fan, G. Meng and C. Pan, "Effective Spectral
       Unmixing via Robust Representation and Learning-based Sparsity",
       arXiv:1409.0685 (2014).
    .. [2] F. Zhu, Y. Wang, B. Fan, G. Meng, S. Xiang and C. Pan, "Spectral
       Unmixing via Data-guided Sparsity", IEEE TIP 23 (2014).

    Examples
    --------
    >>> from lrsparse.datasets import make_hyperspectral
    >>> from lrsparse.decomposition import RobustGuidedNMF
    >>> X, E, A = make_hyperspectral((20, 20), 3, 50, outlier_band_fraction=0.1,
    ...                              random_state=0)
    >>> est = RobustGuidedNMF(3, random_state=0).fit(X)
    >>> est.guidance_map_.shape
    (400,)
    """

    _parameter_constraints = {
        **_BaseUnmixingNMF._parameter_constraints,
        "p_min": [Interval(numbers.Real, 0, 1, closed="right")],
    }

    def __init__(
        self,
        n_components=3,
        *,
        alpha=0.1,
        p_min=0.5,
        init="nfindr",
        sum_to_one=True,
        sum_to_one_weight="auto",
        max_iter=200,
        tol=1e-4,
        random_state=None,
        verbose=0,
        n_jobs=None,
    ):
        super().__init__(
            n_components, alpha=alpha, init=init, sum_to_one=sum_to_one,
            sum_to_one_weight=sum_to_one_weight, max_iter=max_iter, tol=tol,
            random_state=random_state, verbose=verbose, n_jobs=n_jobs,
        )
        self.p_min = p_min

    _loss = "l21"

    def _p_min(self):
        return float(self.p_min)

    def _after_fit(self, A):
        self.guidance_map_ = _purity(A)


def _purity(A):
    """``1 - H(a / sum a) / log K`` per row: 1 for a pure pixel, 0 for a uniform mix."""
    K = A.shape[1]
    if K == 1:
        return np.ones(A.shape[0])
    s = A.sum(axis=1, keepdims=True)
    P = np.divide(A, s, out=np.full(A.shape, 1.0 / K), where=s > 0).astype(np.float64)
    H = -np.sum(P * np.log(np.where(P > 0, P, 1.0)), axis=1)
    return np.clip(1.0 - H / np.log(K), 0.0, 1.0)
