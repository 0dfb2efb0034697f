"""ScaledGD(lambda): preconditioned factored gradient descent for matrix completion."""

import numbers
import time

import numpy as np
import scipy.sparse as sp
from sklearn.utils import check_random_state

from ..utils._sklearn import Interval, StrOptions
from ..utils._solver import warn_not_converged
from ..utils.extmath import partial_svd
from ._base import _BaseLowRankImputer, balanced_svd, factor_change, svd_form

__all__ = ["ScaledGDImputer", "scaled_gd_completion"]

# Backtracking: halve the step while the loss goes up; the step grows back by
# the same factor after each accepted step, up to learning_rate.
_BACKTRACK = 0.5
_MIN_STEP = 1e-8
# Rank selection on the held-out share: once the damping has dropped and the
# estimate moves by less than _PRUNE_CHANGE, every _PRUNE_EVERY iterations
# the factors are cut to the rank whose truncation predicts the held-out
# entries best, when that error is below _PRUNE_RATIO times the full
# factors' (any improvement at the end).  Near the information limit the
# extra directions fit the sampling pattern instead of decaying (measured at
# m = 5 d_r, 2000^2, rank 10, n_components 20: the held-out error stalls at
# 2.6e-2); a weak true direction still growing changes the error too little
# to be cut.
_PRUNE_EVERY = 5
_PRUNE_CHANGE = 1e-3
_PRUNE_RATIO = 0.9
# Column panels whose slice of the other factor stays in a 256 KB cache.
_PANEL_BYTES = 2**18
# damping="auto": the final damping relative to ||M||_2, and the relative
# change below which the growth phase is over.
_AUTO_DAMPING = 1e-4
_SETTLED = 1e-2


def _panel_width(n_components):
    """Columns per panel: the panel's slice of the column factors (width x k doubles)
    stays in a 256 KB cache; the passes are latency-bound otherwise."""
    return max(_PANEL_BYTES // (8 * n_components), 64)


def _panels(obs, width, keep, scale):
    """``obs`` (values divided by ``scale``) in column panels: :func:`csr_panels`."""
    from .._kernels.sampled import csr_panels

    panels = csr_panels(obs.indptr, obs.cols, obs.values, obs.shape[1], width, keep)
    if scale != 1.0:
        panels[2][:] /= scale  # the panels' own copy of the values
    return panels


def _gradients(panels, L, R, n_panels):
    """``(E R, E^T L, sum r^2)`` for the residual ``E = P(L R^T - X)`` on ``panels``."""
    from .._kernels.sampled import sampled_gradient, sampled_gradient_columns

    weights = np.empty(0)
    G_L, loss = sampled_gradient(*panels, weights, L, R)
    G_R = sampled_gradient_columns(*panels, weights, L, R, n_panels)
    return G_L, G_R, loss


def _held_out(obs, seed, threshold, entry_offset):
    """The training mask of ``obs``'s entries (counter-based draws: see :func:`hashed_keep`)."""
    from .._kernels.sampled import hashed_keep

    if threshold == 0:
        return np.empty(0, dtype=bool)
    return hashed_keep(seed, entry_offset, obs.values.size, threshold)


class _Pattern:
    """The observed set in column panels, built once per fit.

    Both gradients are passes over this one layout
    (:func:`lrsparse._kernels.sampled.sampled_gradient`, parallel over rows,
    and :func:`~lrsparse._kernels.sampled.sampled_gradient_columns`,
    parallel over panels): no residual array and no transposed copy of the
    observed set is ever formed.  ``threshold / 2**16`` of the entries
    (drawn by ``seed``) are held out as the validation set.
    """

    def __init__(self, obs, n_components, seed, threshold, scale=1.0):
        width = _panel_width(n_components)
        self.n_panels = max(-(-obs.shape[1] // width), 1)
        keep = _held_out(obs, seed, threshold, 0)
        if keep.size and (keep.all() or not keep.any()):
            keep = np.empty(0, dtype=bool)
        self.n_kept = int(keep.sum()) if keep.size else obs.values.size
        self.validation = None
        if keep.size:
            held = ~keep
            self.validation = (obs.rows[held], obs.cols[held], obs.values[held] / scale)
        self.panels = _panels(obs, width, keep, scale)

    def gradients(self, L, R):
        """``(E R, E^T L, sum r^2)`` for the residual ``E = P(L R^T - X)``."""
        return _gradients(self.panels, L, R, self.n_panels)


def _block_panels(obs, entry_offset, width, seed, threshold, scale):
    return _panels(obs, width, _held_out(obs, seed, threshold, entry_offset), scale)


def _block_validation(obs, entry_offset, row_offset, seed, threshold, scale):
    held = ~_held_out(obs, seed, threshold, entry_offset)
    return obs.rows[held] + row_offset, obs.cols[held], obs.values[held] / scale


def _block_gradients(panels, L, R, n_panels, n_threads):
    from ..utils._numba import numba_threads

    with numba_threads(n_threads):
        return _gradients(panels, L, R, n_panels)


class _BlockPattern:
    """:class:`_Pattern` of a :class:`~lrsparse.impute._dask.BlockObserved`: one per row block.

    Each block's panels are built and kept where the block is; a gradient
    call is one task per block (the block's rows of ``L`` and all of ``R``
    in, its rows of ``E R`` and its share of ``E^T L`` out), and the client
    sums the shares.  The held-out draws are those of the whole matrix
    (:func:`hashed_keep` at each block's entry offset), so the fit equals the
    in-memory one up to the order of the sums.
    """

    def __init__(self, obs, n_components, seed, threshold, scale=1.0):
        from ..utils._dask import compute, persist

        width = _panel_width(n_components)
        self.n_panels = max(-(-obs.shape[1] // width), 1)
        self._source = obs
        starts = obs.entry_offsets[:-1]
        held = compute(*obs.map(_block_validation, seed, threshold, scale,
                                per_block=list(zip(starts, obs.offsets[:-1])))) if threshold else []
        n_held = sum(h[0].size for h in held)
        self.validation = None
        if 0 < n_held < obs.n_observed:
            self.validation = tuple(np.concatenate(parts) for parts in zip(*held))
        else:  # every entry or none held out: no rank selection (as in memory)
            threshold = 0
        self.n_kept = obs.n_observed - (n_held if threshold else 0)
        self.panels = persist(*obs.map(_block_panels, width, seed, threshold, scale,
                                       per_block=[(s,) for s in starts]))

    def gradients(self, L, R):
        """``(E R, E^T L, sum r^2)`` summed over the blocks."""
        from ..utils._dask import compute
        from ._dask import _ordered_sum, map_tasks

        src = self._source
        parts = compute(*map_tasks(_block_gradients, self.panels, self.n_panels, src.n_threads,
                                   per_block=src.row_slices(L), shared=(R,)))
        return (np.vstack([part[0] for part in parts]), _ordered_sum([part[1] for part in parts]),
                float(sum(part[2] for part in parts)))


def _objective(loss, p, ridge, L, R):
    """``f`` of :func:`scaled_gd_completion` from the summed squared residual ``loss``."""
    return loss / (2.0 * p) + 0.5 * ridge * (np.sum(L * L) + np.sum(R * R))


def _validation_error(L, R, validation):
    """RMSE of ``L R^T`` on the held-out entries."""
    from .._kernels.sampled import sampled_product

    rows, cols, values = validation
    return float(np.sqrt(np.mean((sampled_product(L, R, rows, cols) - values) ** 2)))


def _prune(L, R, validation, ratio):
    """The factors cut to the rank that predicts the validation entries best (None: keep all).

    Every prefix of the balanced SVD of ``L R^T`` is scored at once (cumulative
    sums of the per-direction contributions); the best wins if its error is
    below ``ratio`` times that of all directions.
    """
    rows, cols, values = validation
    L2, R2, s = balanced_svd(L, R)
    contrib = np.cumsum(L2[rows] * R2[cols], axis=1)
    errors = np.sqrt(np.mean((contrib - values[:, None]) ** 2, axis=0))
    r = int(np.argmin(errors)) + 1
    if r >= L.shape[1] or errors[r - 1] > ratio * errors[-1]:
        return None
    return np.ascontiguousarray(L2[:, :r]), np.ascontiguousarray(R2[:, :r])


def scaled_gd_completion(obs, n_components, **kwargs):
    """Matrix completion by ScaledGD(lambda) from a small random start.

    See :func:`_scaled_gd` for the parameters: this wrapper runs it with
    single-threaded BLAS (its dense products are thin, n x rank, and a
    threaded BLAS fights the numba pool for the cores: a 1000 x 10 QR took
    16 ms with 2 BLAS threads under load, 0.13 ms with one).
    """
    from threadpoolctl import threadpool_limits

    with threadpool_limits(limits=1, user_api="blas"):
        return _scaled_gd(obs, n_components, **kwargs)


def _scaled_gd(obs, n_components, *, damping="auto", alpha=0.0, learning_rate=0.7,
               init_scale=1e-6, precondition=True, tol=1e-5, max_iter=500,
               validation_fraction=0.02, scale=1.0, random_state=None, verbose=0,
               callback=None, return_norm=False):
    """Matrix completion by ScaledGD(lambda) from a small random start.

    Minimises the factored least squares

        f(L, R) = 1/(2p) sum_observed (L_i . R_j - X_ij)^2 + alpha/2 (||L||_F^2 + ||R||_F^2)

    (``p`` the observed fraction) by the preconditioned steps of Xu, Shen,
    Chi & Ma [1]_::

        L <- L - eta grad_L f (R^T R + lambda I)^-1
        R <- R - eta grad_R f (L^T L + lambda I)^-1

    with both factors updated from the same iterate.  ``n_components`` is an
    upper bound on the rank: the factors start at ``init_scale`` times the
    balanced scale of the data (Gaussian entries), the damped preconditioner
    lets the signal directions grow at a rate that does not depend on their
    singular values (so the iteration count depends only logarithmically on
    the condition number), while the directions the data do not support stay
    near their small start.  The step backtracks (halves) when the loss goes
    up and grows back after each accepted step.

    Parameters
    ----------
    obs : Observed
        The observed entries (:func:`lrsparse.impute._base.observed_entries`),
        values of order 1 (the estimator divides by the data scale).
    n_components : int
        Number of columns ``k`` of the factors (an upper bound on the rank).
    damping : "auto" or float > 0, default="auto"
        ``lambda`` relative to the largest singular value of ``P(X) / p``
        (the estimate of ``||M||_2``).  A number: fixed, as in [1]_; it
        must lie below the smallest singular value of the truth for the
        iteration count not to depend on the condition number.  "auto": the
        level of the sampling noise (the ``(k+1)``-th singular value of
        ``P(X) / p``) while the factors grow from the small start, so that
        the directions the noise drives grow slowly and the data's fast,
        then 1e-4 once the estimate changes by less than 1% per iteration.
    alpha : float >= 0, default=0.0
        Ridge weight on the factors (in units of ``||M||_2``: ``alpha``
        times the estimate of ``||M||_2``); 0 is the paper's loss.
    learning_rate : float > 0, default=0.7
        Step ``eta`` (the largest one tried; backtracking may shorten it).
    init_scale : float > 0, default=1e-6
        Size of the random start relative to the balanced scale
        ``sqrt(||M||_2)`` of the factors.
    validation_fraction : float in (0, 0.5) or None, default=0.02
        Share of the observed entries left out of the loss to choose the
        rank: once the fit settles (relative change below 1e-2), every 5
        iterations the factors are cut to the smallest rank whose
        truncation predicts these entries as well (within 0.1%) as any.
        None: all entries in the loss, no cut.
    precondition : bool, default=True
        False gives plain gradient descent on the same loss with the step
        ``eta / ||M||_2`` (for comparison).
    tol : float > 0, default=1e-5
        Stop when ``||Z_new - Z||_F <= tol ||Z||_F`` for the estimate
        ``Z = L R^T``.
    max_iter : int, default=500
        Maximum number of iterations.
    random_state : int, RandomState instance or None, default=None
        Seed of the random start and of the spectral-norm estimate.
    verbose : int, default=0
        Print progress every 10 iterations.
    callback : callable, default=None
        ``callback(n_iter, L, R)`` after every iteration (for example to
        record a held-out error).
    scale : float > 0, default=1.0
        The solver works on ``obs.values / scale`` (divided in its own copy
        of the values, so the caller needs none).
    return_norm : bool, default=False
        Also return the estimate of ``||M||_2``.

    Returns
    -------
    L : ndarray of shape (n_rows, k)
    R : ndarray of shape (n_cols, k)
        The completion is ``L @ R.T``.
    n_iter : int
        Iterations run.
    change : float
        Last relative change ``||Z_new - Z||_F / ||Z||_F``.
    loss : float
        Mean squared residual on the observed entries.
    sigma : float
        The estimate of ``||M||_2`` (only with ``return_norm=True``).

    References
    ----------
    .. [1] X. Xu, Y. Shen, Y. Chi and C. Ma, "The Power of Preconditioning in
       Overparameterized Low-Rank Matrix Sensing", ICML 2023 (ScaledGD(lambda)).
    """
    from ._dask import BlockObserved

    rng = check_random_state(random_state)
    n, d = obs.shape
    blocks = isinstance(obs, BlockObserved)
    m = obs.n_observed if blocks else obs.values.size
    k = int(n_components)
    p = m / (float(n) * float(d))
    # ||M||_2 estimate: the top singular value of P(X) / p; with
    # damping="auto" also the (k+1)-th, the level of the sampling noise.
    n_sv = k + 1 if damping == "auto" and k < min(n, d) else 1
    # (a transient scaled copy: freed before the panels exist)
    A = obs.operator(scale) if blocks else sp.csr_array(
        (obs.values / scale, obs.cols, obs.indptr), shape=obs.shape)
    sv = partial_svd(A, n_sv, n_oversamples=5, max_iter=10, tol=1e-3, random_state=rng)[1] / p
    del A
    sigma = float(sv[0])
    noise_level = float(sv[-1]) / sigma if n_sv > 1 and sigma > 0.0 else 0.0
    seed, threshold = 0, 0
    if validation_fraction is not None and k > 1:
        # counter-based draws: the same held-out entries however X is split in blocks
        seed = int(rng.randint(0, 2**62, dtype=np.int64))
        threshold = int(validation_fraction * 2**16)
    pattern = (_BlockPattern if blocks else _Pattern)(obs, k, seed, threshold, scale)
    validation = pattern.validation
    m = pattern.n_kept
    p = m / (float(n) * float(d))
    if sigma == 0.0:
        out = (np.zeros((n, k)), np.zeros((d, k)), 0, 0.0, 0.0)
        return (*out, sigma) if return_norm else out
    # damping="auto": lambda at the noise level while the factors grow from
    # the small start (directions the sampling noise drives grow slowly, the
    # data's fast), then _AUTO_DAMPING once the fit settles (every direction
    # converges at one rate, whatever the condition number).
    growing = damping == "auto"
    lam = (max(noise_level, _AUTO_DAMPING) if growing else damping) * sigma
    ridge = alpha * sigma
    scale0 = init_scale * np.sqrt(sigma)
    L = scale0 * rng.standard_normal((n, k)) / np.sqrt(k)
    R = scale0 * rng.standard_normal((d, k)) / np.sqrt(k)
    eye = np.eye(k)
    step = learning_rate
    G_L, G_R, loss = pattern.gradients(L, R)
    f = _objective(loss, p, ridge, L, R)
    change = np.inf
    start = time.perf_counter()
    it = 0
    for it in range(1, max_iter + 1):
        D_L = G_L / p + ridge * L
        D_R = G_R / p + ridge * R
        if precondition:
            D_L = np.linalg.solve(R.T @ R + lam * eye, D_L.T).T
            D_R = np.linalg.solve(L.T @ L + lam * eye, D_R.T).T
        else:
            D_L, D_R = D_L / sigma, D_R / sigma
        while True:
            L_new = L - step * D_L
            R_new = R - step * D_R
            G_Ln, G_Rn, loss_new = pattern.gradients(L_new, R_new)
            f_new = _objective(loss_new, p, ridge, L_new, R_new)
            if f_new <= f or step < _MIN_STEP:
                break
            step *= _BACKTRACK
        diff, norm = factor_change(L, R, L_new, R_new)
        change = np.sqrt(diff / norm) if norm > 0.0 else 0.0
        L, R, G_L, G_R, f, loss = L_new, R_new, G_Ln, G_Rn, f_new, loss_new
        step = min(step / _BACKTRACK, learning_rate)
        if callback is not None:
            callback(it, L, R)
        if growing and change < _SETTLED:
            growing = False
            lam = _AUTO_DAMPING * sigma
        if verbose and it % 10 == 0:
            print(f"ScaledGD: iteration {it:4d}, relative change {change:.3e}, "
                  f"RMSE {np.sqrt(loss / m):.4g}, {time.perf_counter() - start:.2f} s")
        # Rank selection (see ScaledGDImputer): a cut must predict the held-out
        # entries clearly better than the full factors, which a weak direction
        # still growing from the small start never makes it do.
        final = change <= tol or it == max_iter
        if (validation is not None and not growing and change < _PRUNE_CHANGE
                and (it % _PRUNE_EVERY == 0 or final) and L.shape[1] > 1):
            # at the end any improvement counts: every direction had its chance
            cut = _prune(L, R, validation, 1.0 if final else _PRUNE_RATIO)
            if cut is not None:
                L, R = cut
                eye = np.eye(L.shape[1])
                G_L, G_R, loss = pattern.gradients(L, R)
                f = _objective(loss, p, ridge, L, R)
                change = np.inf
                if verbose:
                    print(f"ScaledGD: iteration {it:4d}, rank cut to {L.shape[1]}")
                continue
        if change <= tol:
            break
    out = (L, R, it, change, loss / m)
    return (*out, sigma) if return_norm else out


class ScaledGDImputer(_BaseLowRankImputer):
    """Matrix completion by ScaledGD(lambda): preconditioned factored gradient descent.

    Fits ``X ~ L R^T`` on the observed entries by the damped, preconditioned
    gradient steps of Xu, Shen, Chi & Ma [1]_ (ScaledGD(lambda)), from a
    small random start, with ``n_components`` an upper bound on the rank::

        L <- L - eta grad_L f (R^T R + lambda I)^-1,   R <- R - eta grad_R f (L^T L + lambda I)^-1,

    for ``f = 1/(2p) sum_observed (L_i . R_j - X_ij)^2`` (``p`` the observed
    fraction).  The preconditioner makes every signal direction converge at
    the same rate whatever its singular value, so the iteration count
    depends only logarithmically on the condition number of the truth,
    where plain gradient descent slows down in proportion to it.  Each
    iteration costs two passes over the observed entries
    (:func:`lrsparse._kernels.sampled.sampled_gradient`, the kernel of
    :class:`OneSidedCompletion`'s steps too, on a column-panel layout that
    keeps the other factor in cache) plus O((n_samples + n_features)
    n_components^2): no partial SVD and no residual array, so memory stays
    O(n_observed + (n_samples + n_features) n_components).  Unlike the
    fixed-point iterations of :class:`SoftImputer` and :class:`SVTImputer`,
    whose refill of the unobserved entries slows down in proportion to the
    observed fraction, its convergence does not degrade at 0.1% observed
    entries: it is the solver for large, very sparse, (nearly) low-rank
    matrices.

    **Damping.**  With ``damping="auto"`` (this library's schedule; the
    paper fixes ``lambda`` using the smallest singular value of the truth,
    which is unknown) ``lambda`` starts at the level of the sampling noise,
    the ``(k+1)``-th singular value of ``P(X) / p``: from the small start the
    data's directions then grow fast and the directions the noise drives
    slowly.  Once the estimate changes by less than 1% per iteration,
    ``lambda`` drops to 1e-4 ``||X||_2`` and every direction converges at
    one rate (measured: 300 x 200, rank 3, condition numbers 1 to 100,
    ``n_components=3``: 30-130 iterations to 1e-5 on every seed tried;
    with a fixed 1e-3 the ill-conditioned cases failed on most seeds).

    **Rank.**  ``n_components`` is an upper bound.  The random start is
    small, so the data's directions grow first; at generous sampling the
    extra directions stay small, but near the information limit (a few
    times ``r (n1 + n2 - r)`` observations) they fit the sampling pattern
    instead of decaying (measured: 2000 x 2000, rank 10, 5 ``r (n1 + n2 -
    r)`` observations, ``n_components=20``: held-out error stalls at 2.6e-2).
    So ``validation_fraction`` (2%) of the observed entries are left out of
    the loss; once ``lambda`` has dropped and the estimate changes by less
    than 0.1% per iteration, every 5 iterations the factors are cut to the
    rank whose truncation predicts those entries best, if that beats all
    the directions by 10% (at convergence or ``max_iter``, by any margin),
    and the fit goes on: directions that do not generalise go.  Measured
    (``n_components`` twice the rank, condition number 1 or 100): 2000 x
    2000, rank 10, 5 ``r (n1 + n2 - r)`` observations: rank 10 and
    held-out error 1e-5 to 5e-5; 1000 x 1000, rank 5, 5 or 8 ``r (n1 + n2 -
    r)``: at condition number 1 rank 5 (5e-6) or one extra direction kept
    (9e-4), at 100 the weakest true direction cut (1e-2); on 300 x 200,
    rank 3, 9 of 10 recovered: 2% of a few thousand entries is a noisy
    judge.  With ``n_components`` at the rank every one of these cases
    reaches 6e-5 or better.  This rank selection
    is this library's addition: the paper analyses Gaussian sensing, where
    overparameterisation is harmless, not sampling.
    ``rank_`` is the rank after the cut.

    **Noise.**  The loss is unregularised (``alpha=0``) as in the paper: with
    noisy data and ``n_components`` near the true rank the error settles at
    the noise level; ``alpha > 0`` adds a ridge on the factors (a
    nuclear-norm penalty on ``L R^T`` at the balanced optimum).

    **Scale.**  The solver works on ``X / max|X|``; ``damping``, ``alpha``
    and ``init_scale`` are relative to the estimated ``||X||_2``, so the
    completion of ``c X`` is ``c`` times that of ``X`` for any ``c``
    float64 can carry.

    Read more in the :ref:`User Guide <completion>`.

    Parameters
    ----------
    n_components : int >= 1, default=10
        Columns of the factors: an upper bound on the rank (``k`` in [1]_).
    damping : "auto" or float > 0, default="auto"
        ``lambda`` of [1]_ relative to the estimate ``||P(X)||_2 / p`` of
        ``||X||_2``.  A number: fixed, as in the paper (it should lie below
        the smallest singular value of the truth relative to the largest).
        "auto": at the level of the sampling noise while the factors grow
        from the small start, 1e-4 once the fit settles (above).
    alpha : float >= 0, default=0.0
        Ridge weight on the factors, relative to the estimate of
        ``||X||_2``; 0 is the paper's loss.
    learning_rate : float > 0, default=0.7
        Step ``eta`` of [1]_; halved while the loss goes up, grown back after
        each accepted step.
    init_scale : float > 0, default=1e-6
        Size of the random start (``alpha`` of [1]_'s initialisation)
        relative to the balanced factor scale ``sqrt(||X||_2)``.
    validation_fraction : float in (0, 0.5) or None, default=0.02
        Share of the observed entries held out of the loss to choose the
        rank (above); None: every entry in the loss and no cut.
    tol : float > 0, default=1e-5
        Stop when the estimate changes by at most ``tol`` relative to its
        Frobenius norm in one iteration.
    max_iter : int >= 1, default=500
        Maximum number of iterations.
    missing_values : float or np.nan, default=np.nan
        Marker of the missing entries in dense input (sparse input: unstored
        entries are missing).
    random_state : int, RandomState instance or None, default=None
        Seed of the random start and of the norm estimate.
    verbose : int, default=0
        Print progress every 10 iterations.
    n_jobs : int, default=None
        Threads of the numba kernels.  ``None`` means 1 unless in a
        :func:`joblib.parallel_config` context; ``-1`` means all CPUs.

    Attributes
    ----------
    row_factors_ : ndarray of shape (n_samples, `rank_`)
        Left factors ``U diag(s)``: the completion is ``row_factors_ @
        components_``.
    components_ : ndarray of shape (`rank_`, n_features)
        Orthonormal right singular vectors of the completion.
    singular_values_ : ndarray of shape (`rank_`,)
        Its singular values.
    rank_ : int
        Rank of the completion (``n_components`` unless the gap rule cut it).
    damping_ : float
        Final ``lambda``, in units of ``X`` (``damping``, or 1e-4 for
        "auto", times the estimated ``||X||_2``).
    n_iter_ : int
        Iterations run (a ``ConvergenceWarning`` is issued when ``max_iter``
        stops the fit before ``tol``).
    residual_ : float
        Root mean squared residual on the observed entries, in units of ``X``.
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
    SoftImputer : Nuclear-norm regularised completion (noisy data, ratings).
    SVTImputer : Singular value thresholding (exact low rank, moderate sizes).

    References
    ----------
    .. [1] X. Xu, Y. Shen, Y. Chi and C. Ma, "The Power of Preconditioning in
       Overparameterized Low-Rank Matrix Sensing", ICML 2023.
    .. [2] T. Tong, C. Ma and Y. Chi, "Accelerating Ill-Conditioned Low-Rank
       Matrix Estimation via Scaled Gradient Descent", JMLR 22, 2021.

    Examples
    --------
    >>> import numpy as np
    >>> from lrsparse.datasets import make_low_rank_matrix_with_missing
    >>> from lrsparse.impute import ScaledGDImputer
    >>> from lrsparse.metrics import relative_error
    >>> X, X_true = make_low_rank_matrix_with_missing(
    ...     300, 300, rank=5, observed_fraction=0.2, random_state=0)
    >>> est = ScaledGDImputer(n_components=10, random_state=0).fit(X)
    >>> est.rank_
    5
    >>> X_hat = est.fit_transform(X)
    >>> bool(relative_error(X_true, X_hat, mask=np.isnan(X)) < 1e-3)
    True
    """

    _parameter_constraints = {
        **_BaseLowRankImputer._parameter_constraints,
        "n_components": [Interval(numbers.Integral, 1, None, closed="left")],
        "damping": [StrOptions({"auto"}), Interval(numbers.Real, 0, np.inf, closed="neither")],
        "alpha": [Interval(numbers.Real, 0, np.inf, closed="left")],
        "learning_rate": [Interval(numbers.Real, 0, np.inf, closed="neither")],
        "init_scale": [Interval(numbers.Real, 0, np.inf, closed="neither")],
        "validation_fraction": [Interval(numbers.Real, 0, 0.5, closed="neither"), None],
        "tol": [Interval(numbers.Real, 0, np.inf, closed="neither")],
        "max_iter": [Interval(numbers.Integral, 1, None, closed="left")],
    }

    def __init__(self, n_components=10, *, damping="auto", alpha=0.0, learning_rate=0.7,
                 init_scale=1e-6, validation_fraction=0.02, tol=1e-5, max_iter=500,
                 missing_values=np.nan, random_state=None, verbose=0, n_jobs=None):
        self.n_components = n_components
        self.damping = damping
        self.alpha = alpha
        self.learning_rate = learning_rate
        self.init_scale = init_scale
        self.validation_fraction = validation_fraction
        self.tol = tol
        self.max_iter = max_iter
        self.missing_values = missing_values
        self.random_state = random_state
        self.verbose = verbose
        self.n_jobs = n_jobs

    _scales_itself = True
    _takes_dask_blocks = True

    def _fit(self, obs, sobs):
        scale = self._scale
        k = min(self.n_components, *obs.shape)
        L, R, n_iter, change, mse, sigma = scaled_gd_completion(
            obs, k, damping=self.damping, alpha=self.alpha, scale=scale,
            learning_rate=self.learning_rate, init_scale=self.init_scale,
            validation_fraction=self.validation_fraction, tol=self.tol, max_iter=self.max_iter,
            random_state=self.random_state, verbose=self.verbose, return_norm=True)
        if change > self.tol:
            warn_not_converged("ScaledGDImputer", n_iter, change, self.tol,
                               what="relative change of the estimate")
        F, Vt, s = svd_form(L, R)
        with np.errstate(over="ignore", invalid="ignore"):  # the base checks the factors
            self.row_factors_ = np.ascontiguousarray(F * scale)
            self.singular_values_ = s * scale
        self.components_ = np.ascontiguousarray(Vt)
        self.rank_ = int(s.size)
        self.damping_ = (_AUTO_DAMPING if self.damping == "auto" else self.damping) * sigma * scale
        self.n_iter_ = n_iter
        self.residual_ = float(np.sqrt(mse)) * scale
        self._residual_variance = float(mse)
