"""Singular value thresholding (Cai, Candes & Shen) and universal SVT (Chatterjee)."""

import numbers
import time
import warnings

import numpy as np
from sklearn.exceptions import ConvergenceWarning
from sklearn.utils import check_random_state

from ..utils._sklearn import Interval, StrOptions
from ..utils._solver import warn_not_converged
from ..utils.extmath import partial_svd, svd_above_threshold
from ._base import _BaseLowRankImputer, shrink_factors

__all__ = ["SVTImputer"]

# The authors' divergence test (SVT.m): relative residual above this.
_DIVERGED_RESIDUAL = 1e5
# A step below 2 always converges (Cai et al., Theorem 4.1): the recovery step.
_SAFE_STEP = 1.9
# Partial SVD per iteration, warm-started, converged to 1e-5 on the values
# above tau (one or two fixed block iterations give the same result on exactly
# low-rank data, but on noisy data the underestimated singular values change
# SVT itself: it no longer diverges as the authors' exact-SVD algorithm does
# and creeps for max_iter iterations instead).  One extra block vector: Y's
# leading values are well separated from the bulk, and a narrow block is
# cheaper per product and converges as fast (measured, 1000^2 and 2000^2).
_SVD_TOL = 1e-5
_SVD_MAX_ITER = 30
_SVD_OVERSAMPLES = 1
# tau="auto": this many times the estimate ||P(M)||_2 / p of ||M||_2.
_AUTO_TAU_FACTOR = 5.0
_REGIME_HINT = (
    "SVT needs exactly low-rank data and a few percent of the entries or more (the "
    "authors' regime: m / d_r of 3-6 on matrices up to a few thousand rows); for large, "
    "very sparse matrices use ScaledGDImputer, for noisy data SoftImputer."
)


class SVTImputer(_BaseLowRankImputer):
    """Matrix completion by singular value thresholding (SVT) or universal SVT (USVT).

    ``method="svt"`` runs the SVT algorithm of Cai, Candes & Shen, the
    linearised Bregman / Uzawa iteration for

        minimise tau ||X||_* + 1/2 ||X||_F^2  subject to  X_ij = M_ij on the observed set,

    with the defaults of the authors' ``SVT.m`` made relative to the data:
    ``tau = 5 ||P(M)||_2 / p`` (the authors' ``5 sqrt(n1 n2)`` is five times
    ``||M||_2 ~ sqrt(n1 n2)`` of their unit-variance factors; ``||P(M)||_2 /
    p`` estimates ``||M||_2`` on any scale), step ``delta = 1.2 / p`` (``p``
    the observed fraction), the "kicking"
    start ``Y = k0 delta P(M)`` with ``k0 = ceil(tau / (delta ||P(M)||_2))``,
    stop when ``||P(X - M)||_F <= tol ||P(M)||_F``.  Each iteration computes
    the singular values of ``Y`` above ``tau``: the block starts at ``rank + 1``
    and grows by ``rank_increment`` until its last value is at most ``tau``.
    ``Y`` lives on the observed pattern (a CSR matrix whose values are
    updated in place), ``X`` only in factored form, and the partial SVD is a
    block subspace iteration warm-started from the previous vectors
    (:func:`lrsparse.utils.extmath.svd_above_threshold`): memory is
    O(n_observed + (n1 + n2) rank).

    **Divergence guard.**  On noisy data that is not exactly low-rank (for
    example ratings) the default step diverges: the rank explodes and the
    residual grows.  The iteration is declared divergent when the residual
    is not finite, exceeds 1e5 (the authors' test) or ten times the best
    residual since the (re)start, or when the rank exceeds what the
    observations can determine (``rank (n1 + n2 - rank) > n_observed``).  Then a
    ``ConvergenceWarning`` is issued and SVT restarts from the kicking start
    with the step 1.9, below 2, where it provably converges (Cai et al.,
    Theorem 4.1); if that diverges too (or ``max_iter`` runs out) the
    iterate with the smallest residual is returned.  The answer is always
    finite and the work bounded by ``max_iter`` iterations in total.  For
    noisy data prefer :class:`SoftImputer`.

    **Regime.**  SVT is the authors' algorithm for exactly low-rank matrices
    of moderate size with a comfortable sample: their experiments use m /
    d_r of 3 to 6 (``d_r = r (n1 + n2 - r)``) on matrices up to a few
    thousand rows, where it reaches 1e-4 in 60-130 iterations.  Its step
    refills the unobserved entries at a rate that falls with the observed
    fraction, so at 0.1-1% observed entries it needs thousands of
    partial-SVD iterations (measured: 20000 x 20000, rank 10, 0.5%
    observed: 500 iterations, held-out relative error 0.3).  There use
    :class:`ScaledGDImputer` (factored, the same data converge in tens of
    iterations), and for noisy data or ratings :class:`SoftImputer`.  The
    convergence warning says so.

    **Scale.**  The solver works on ``X / max|X|`` and multiplies the
    factors back: with ``tau="auto"`` the completion of ``c X`` is ``c``
    times the completion of ``X`` (same iterations, same relative error) for
    any ``c`` float64 can carry.  A numeric ``tau`` is in the units of ``X``:
    multiply it by ``c`` when the data are multiplied by ``c``.

    ``method="usvt"`` is Chatterjee's one-shot universal singular value
    thresholding: observed values are mapped from ``[min, max]`` to
    ``[-1, 1]``, missing entries set to 0, the singular triplets of that
    matrix above ``(2 + eta) sqrt(max(n1, n2) p)`` kept, scaled by ``1 / p``,
    clipped to ``[-1, 1]`` and mapped back.  It is the pre-processing of
    Zhang, Cen & Shah for individual fairness.

    Read more in the :ref:`User Guide <completion>`.

    Parameters
    ----------
    method : {"svt", "usvt"}, default="svt"
        Iterative SVT or one-shot USVT.
    tau : "auto" or float > 0, default="auto"
        SVT threshold (``tau`` in [1]_), in the units of ``X``; "auto" is
        ``5 ||P(M)||_2 / p``, relative to the data (see above).
    step : "auto" or float > 0, default="auto"
        SVT step (``delta`` in [1]_), scale-free; "auto" is ``1.2 / p``.
    tol : float > 0, default=1e-4
        SVT stops when the relative residual on the observed entries,
        ``||P(X - M)||_F / ||P(M)||_F`` (``epsilon`` in [1]_), is below it.
    max_iter : int >= 1, default=500
        Maximum number of SVT iterations (``k_max`` in [1]_, restarts included).
    rank_increment : int >= 1, default=5
        Growth of the SVD block while all its values exceed ``tau``
        (``l`` in [1]_).
    eta : float in (0, 1), default=0.01
        USVT threshold constant (``eta`` in [2]_).
    missing_values : float or np.nan, default=np.nan
        Marker of the missing entries in dense input (sparse input: unstored
        entries are missing).
    random_state : int, RandomState instance or None, default=None
        Seed of the partial SVDs' start vectors.
    verbose : int, default=0
        Print the residual and rank every 10 iterations.
    n_jobs : int, default=None
        Threads of the numba kernels (the entries of the factored iterate on
        the observed set, the fold-in).  ``None`` means 1 unless in a
        :func:`joblib.parallel_config` context; ``-1`` means all CPUs.

    Attributes
    ----------
    row_factors_ : ndarray of shape (n_samples, `rank_`)
        Left factors: the completion is ``row_factors_ @ components_`` (for
        USVT, then clipped and rescaled).
    components_ : ndarray of shape (`rank_`, n_features)
        Orthonormal right singular vectors of the completion.
    singular_values_ : ndarray of shape (`rank_`,)
        Its singular values (SVT: thresholded values ``sigma - tau``).
    rank_ : int
        Rank of the completion.
    tau_ : float or None
        The SVT threshold used, in the units of ``X`` (None for USVT).
    n_iter_ : int
        SVT iterations run (0 for USVT); a ``ConvergenceWarning`` is issued
        when ``max_iter`` stops SVT before ``tol``.
    residual_ : float
        Final relative residual on the observed entries.
    diverged_ : bool
        Whether the divergence guard fired.
    fill_value_ : float
        Mean of the observed values; fills rows and columns without any
        observation.
    n_observed_ : int
        Number of observed entries in ``fit``.
    n_features_in_ : int
        Number of features seen during fit.
    feature_names_in_ : ndarray of shape (`n_features_in_`,)
        Names of features seen during fit, when ``X`` has string column names.

    See Also
    --------
    ScaledGDImputer : Factored completion for large, very sparse matrices.
    SoftImputer : Soft-impute (nuclear-norm regularised least squares), for noisy data.
    OneSidedCompletion : Right singular vectors from two observations per row.

    References
    ----------
    .. [1] J.-F. Cai, E. J. Candes and Z. Shen, "A Singular Value Thresholding
       Algorithm for Matrix Completion", SIAM J. Optim. 20(4), 2010.
    .. [2] S. Chatterjee, "Matrix Estimation by Universal Singular Value
       Thresholding", Annals of Statistics 43(1), 2015.
    .. [3] C. Y. Zhang, S. H. Cen and D. Shah, "Matrix Estimation for
       Individual Fairness", ICML 2023.

    Examples
    --------
    >>> import numpy as np
    >>> from lrsparse.datasets import make_low_rank_matrix_with_missing
    >>> from lrsparse.impute import SVTImputer
    >>> from lrsparse.metrics import relative_error
    >>> X, X_true = make_low_rank_matrix_with_missing(
    ...     300, 300, rank=5, observed_fraction=0.3, random_state=0)
    >>> X_hat = SVTImputer(random_state=0).fit_transform(X)
    >>> bool(relative_error(X_true, X_hat, mask=np.isnan(X)) < 1e-3)
    True
    """

    _parameter_constraints = {
        **_BaseLowRankImputer._parameter_constraints,
        "method": [StrOptions({"svt", "usvt"})],
        "tau": [StrOptions({"auto"}), Interval(numbers.Real, 0, np.inf, closed="neither")],
        "step": [StrOptions({"auto"}), Interval(numbers.Real, 0, np.inf, closed="neither")],
        "tol": [Interval(numbers.Real, 0, np.inf, closed="neither")],
        "max_iter": [Interval(numbers.Integral, 1, None, closed="left")],
        "rank_increment": [Interval(numbers.Integral, 1, None, closed="left")],
        "eta": [Interval(numbers.Real, 0, 1, closed="neither")],
    }

    def __init__(self, method="svt", *, tau="auto", step="auto", tol=1e-4, max_iter=500,
                 rank_increment=5, eta=0.01, missing_values=np.nan, random_state=None,
                 verbose=0, n_jobs=None):
        self.method = method
        self.tau = tau
        self.step = step
        self.tol = tol
        self.max_iter = max_iter
        self.rank_increment = rank_increment
        self.eta = eta
        self.missing_values = missing_values
        self.random_state = random_state
        self.verbose = verbose
        self.n_jobs = n_jobs

    # ------------------------------------------------------------------ fit
    def _fit(self, obs, sobs):
        rng = check_random_state(self.random_state)
        scale = self._scale
        self.diverged_ = False
        if self.method == "usvt":
            lo, hi = float(obs.values.min()), float(obs.values.max())
            self._usvt_range = (lo, hi)
            Y = sobs._replace(values=self._pre(obs.values, None, None, None))
            L, s, Vt = _usvt(Y, eta=self.eta, random_state=rng)
            self.n_iter_ = 0
            self.tau_ = None
        else:
            tau = None if self.tau == "auto" else float(self.tau) / scale
            step = None if self.step == "auto" else float(self.step)
            L, s, Vt, n_iter, res, diverged, tau = _svt(
                sobs, tau=tau, step=step, tol=self.tol, max_iter=self.max_iter,
                rank_increment=self.rank_increment, random_state=rng, verbose=self.verbose,
                explicit_tau=self.tau != "auto",
            )
            if res >= self.tol and n_iter >= self.max_iter:  # after a restart too
                warn_not_converged("SVTImputer", n_iter, res, self.tol,
                                   what="relative residual on the observed entries",
                                   hint=_REGIME_HINT)
            with np.errstate(over="ignore"):  # the base checks the factors
                L, s = L * scale, s * scale
            self.n_iter_, self.residual_, self.diverged_ = n_iter, res, diverged
            self.tau_ = tau * scale
        self.row_factors_ = np.ascontiguousarray(L, dtype=np.float64)
        self.components_ = np.ascontiguousarray(Vt, dtype=np.float64)
        self.singular_values_ = np.asarray(s, dtype=np.float64)
        self.rank_ = int(self.components_.shape[0])
        model = self.predict_entries(obs.rows, obs.cols)
        self._set_residual_variance(obs, model)
        if self.method == "usvt":
            r = (obs.values - model) / scale
            norm_b = float(np.linalg.norm(sobs.values))
            self.residual_ = float(np.linalg.norm(r)) / norm_b if norm_b else 0.0

    # ---------------------------------------------------------------- maps
    def _pre(self, values, rows, cols, row_offset):
        if self.method != "usvt":
            return values
        lo, hi = self._usvt_range
        half = 0.5 * hi - 0.5 * lo  # no overflow near the float64 limit
        if half == 0.0:
            return np.zeros_like(values)
        return (values - (0.5 * lo + 0.5 * hi)) / half

    def _post(self, Z, rows, cols, row_offset):
        if self.method != "usvt":
            return Z
        lo, hi = self._usvt_range
        return np.clip(Z, -1.0, 1.0) * (0.5 * hi - 0.5 * lo) + (0.5 * lo + 0.5 * hi)


def _max_determined_rank(n1, n2, m):
    """Largest rank ``r`` with ``r (n1 + n2 - r) <= m`` (at least 1)."""
    s = n1 + n2
    disc = s * s - 4.0 * m
    r = (s - np.sqrt(disc)) / 2.0 if disc >= 0 else min(n1, n2)
    return max(1, int(np.floor(r)))


def _usvt(obs, *, eta, random_state=None):
    """Chatterjee's universal singular value thresholding on entries mapped to ``[-1, 1]``.

    Parameters
    ----------
    obs : Observed
        Observed entries, values in ``[-1, 1]``; missing entries count as 0.
    eta : float in (0, 1)
        Threshold constant: triplets above ``(2 + eta) sqrt(max(n1, n2) p)``
        are kept (``p`` the observed fraction).
    random_state : int, RandomState instance or None, default=None
        Seed of the partial SVD.

    Returns
    -------
    L : ndarray of shape (n1, r)
        ``U diag(s)``: the estimate (before clipping) is ``L @ Vt``.
    s : ndarray of shape (r,)
        Kept singular values divided by ``p``.
    Vt : ndarray of shape (r, n2)
    """
    n1, n2 = obs.shape
    p = obs.values.size / (n1 * n2)
    threshold = (2.0 + eta) * np.sqrt(max(n1, n2) * p)
    U, s, Vt, _ = svd_above_threshold(obs.csr(), threshold, n_start=10, increment=10,
                                      random_state=random_state)
    return U * (s / p), s / p, Vt


def _svt(obs, *, tau=None, step=None, tol=1e-4, max_iter=500, rank_increment=5,
         random_state=None, verbose=0, explicit_tau=True):
    """Singular value thresholding (Cai, Candes & Shen) with a divergence guard.

    The linearised Bregman iteration ``X = D_tau(Y)``, ``Y <- Y + step P(M -
    X)`` from the kicking start, with the guard and the safe-step restart
    described in :class:`SVTImputer`.  A pure function of the observed
    entries: scale-equivariant when ``tau`` scales with the data (``None``
    does).

    Parameters
    ----------
    obs : Observed
        The observed entries ``P(M)`` (see :func:`observed_entries`).
    tau : float > 0 or None, default=None
        Threshold, in the units of ``obs.values``; ``None``:
        ``5 ||P(M)||_2 / p``.
    step : float > 0 or None, default=None
        Step ``delta``; ``None``: ``1.2 / p``.
    tol : float, default=1e-4
        Stop when ``||P(X - M)||_F <= tol ||P(M)||_F``.
    max_iter : int, default=500
        Iterations in total (restart included).
    rank_increment : int, default=5
        Growth of the SVD block while all its values exceed ``tau``.
    random_state : int, RandomState instance or None, default=None
        Seed of the partial SVDs.
    verbose : int, default=0
        Print the residual and rank every 10 iterations.
    explicit_tau : bool, default=True
        Whether ``tau`` was given by the user (for the divergence warning).

    Returns
    -------
    L : ndarray of shape (n1, r)
        Left factors ``U diag(s)`` of the completion ``L @ Vt``.
    s : ndarray of shape (r,)
        Its singular values (``sigma - tau``).
    Vt : ndarray of shape (r, n2)
        Orthonormal right singular vectors.
    n_iter : int
        Iterations run.
    residual : float
        Relative residual ``||P(X - M)||_F / ||P(M)||_F`` of the returned iterate.
    diverged : bool
        Whether the divergence guard fired (the returned iterate is then the
        one with the smallest residual).
    tau : float
        The threshold used.
    """
    from .._kernels.sampled import sampled_product

    rng = check_random_state(random_state)
    n1, n2 = obs.shape
    b = obs.values
    m = b.size
    norm_b = float(np.linalg.norm(b))
    rows, cols = obs.rows.astype(np.intp), obs.cols.astype(np.intp)
    empty = (np.zeros((n1, 0)), np.zeros(0), np.zeros((0, n2)))
    if norm_b == 0.0:
        return (*empty, 0, 0.0, False, 0.0 if tau is None else float(tau))
    p = m / (n1 * n2)
    step = 1.2 / p if step is None else float(step)
    max_rank = _max_determined_rank(n1, n2, m)
    norm_pm = float(partial_svd(obs.csr(), 1, n_oversamples=5, max_iter=30, tol=1e-6,
                                random_state=rng)[1][0])
    # The authors' 5 sqrt(n1 n2) is five times ||M||_2 ~ sqrt(n1 n2) of their
    # data (standard normal factors); ||P(M)||_2 / p estimates ||M||_2 on any scale.
    tau = _AUTO_TAU_FACTOR * norm_pm / p if tau is None else float(tau)
    Y = obs.csr(np.zeros(m))
    best = None
    it_total = 0
    diverged_any = False
    start = time.perf_counter()
    while True:  # one pass per step size (the default, then the safe one)
        k0 = int(np.ceil(tau / (step * norm_pm)))
        Y.data[:] = k0 * step * b
        V = None
        rank = 0
        diverged = False
        pass_best = np.inf  # divergence is judged within a pass
        while it_total < max_iter:
            it_total += 1
            # Never more than max_rank + 1 triplets: a rank above max_rank
            # is divergence anyway, and the block would otherwise grow to
            # min(n1, n2) on data that cannot determine it.
            U, s, Vt, V = svd_above_threshold(
                Y, tau, n_start=min(rank + 1, max_rank + 1), increment=rank_increment,
                V0=V, max_rank=max_rank + 1,
                random_state=rng, tol=_SVD_TOL, max_iter=_SVD_MAX_ITER,
                n_oversamples=_SVD_OVERSAMPLES,
            )
            L, s, Vt = shrink_factors(U, s, Vt, tau)
            rank = s.size
            x = sampled_product(L, np.ascontiguousarray(Vt.T), rows, cols)
            res = float(np.linalg.norm(x - b)) / norm_b
            if verbose and (it_total % 10 == 0 or res < tol):
                print(f"SVTImputer: iteration {it_total:4d}, residual {res:.3e}, rank "
                      f"{rank}, {time.perf_counter() - start:.2f} s")
            if (not np.isfinite(res) or res > _DIVERGED_RESIDUAL or res > 10.0 * pass_best
                    or rank > max_rank):
                diverged = True  # this iterate is not a candidate answer
                break
            if best is None or res < best[0]:
                best = (res, L, s, Vt)
            pass_best = min(pass_best, res)
            if res < tol:
                break
            Y.data += step * (b - x)
        if not diverged:
            break
        diverged_any = True
        if step > _SAFE_STEP and it_total < max_iter:
            advice = (f" (a numeric tau is in the units of X: scale it with the data; "
                      f"tau={tau:.4g} on X / max|X|)" if explicit_tau else "")
            warnings.warn(
                f"SVT diverged at iteration {it_total} with step={step:.4g} (residual "
                f"{res:.3g}, rank {rank}); restarting with the safe step "
                f"{_SAFE_STEP}. The data may be noisy or not low-rank (consider "
                f"SoftImputer){advice}.",
                ConvergenceWarning,
            )
            step = _SAFE_STEP
            continue
        warnings.warn(
            f"SVT diverged at iteration {it_total} (residual {res:.3g}, rank {rank}); "
            f"returning the iterate with the smallest residual "
            f"({best[0] if best is not None else 1.0:.3g}).",
            ConvergenceWarning,
        )
        break
    if diverged_any:
        if best is None:  # no iterate passed the guard: the zero completion
            best = (1.0, *empty)
        res, L, s, Vt = best
    return L, s, Vt, it_total, res, diverged_any, tau
