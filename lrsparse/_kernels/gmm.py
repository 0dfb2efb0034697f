"""One pass of the incremental Gaussian mixture (fast IGMN) over a batch of points.

* :func:`running_stats` -- the running per-feature spread of a stream
  (Welford), which sizes new components.

* :func:`igmn_pass` -- for each point: the Mahalanobis distances to every
  component (``u_j = P_j (x - mu_j)``, kept for the update), the novelty test,
  and either a new component or the soft update of every component's
  posterior mass, mean, precision and log-determinant, each by one
  (``"exact"``) or two (``"paper"``) rank-one updates of
  :mod:`lrsparse._kernels.rankone`, then pruning.  ``O(K D^2)`` per point.
  The incremental Gaussian mixtures of :mod:`lrsparse.mixture`.

The state lives in arrays the caller owns (capacity ``cap`` components); the
kernel returns early when a new component does not fit, so that the caller
can grow the arrays and call again from that point: a stream cut into any
batches gives the same state as one call on the whole stream.

:func:`_warm_up` compiles it once for float64 and float32 points.
"""

import numpy as np

from ..utils._numba import jit
from .rankone import precision_matvec, precision_rank_one

__all__ = ["igmn_pass", "running_stats"]

# Relative floor of the initial variances: a stream of identical points (zero
# spread) still gets components of a defined, nonzero size.
_VAR_FLOOR = 1e-12


@jit
def _welford(x, run_mean, run_m2, run):
    """Add ``x`` to the running mean, squared deviations and ``[count, max |x_i|...]``."""
    run[0] += 1.0
    for i in range(x.shape[0]):
        delta = x[i] - run_mean[i]
        run_mean[i] += delta / run[0]
        run_m2[i] += delta * (x[i] - run_mean[i])
        run[1 + i] = max(run[1 + i], abs(x[i]))


@jit
def running_stats(X, run_mean, run_m2, run):
    """Add the rows of ``X``, in order, to the running spread (Welford); no component changes.

    The warm-up of :func:`igmn_pass`: the first points of a stream only
    measure its spread, so that the first components are sized on more than
    one or two points.
    """
    x = np.empty(X.shape[1])
    for t in range(X.shape[0]):
        for i in range(X.shape[1]):
            x[i] = X[t, i]
        _welford(x, run_mean, run_m2, run)


@jit
def _create(x, k, means, precisions, logdets, sp, ages, run_mean, run_m2, run, delta2):
    """Component ``k`` at ``x`` with covariance ``delta^2 diag(running variance)``.

    Each variance is floored at ``1e-12 max(variance, max |x_i|^2)`` of its
    own feature (a constant feature still gets a size in its own units), or of
    all features for a feature that has been zero so far (or 1 if all have).
    """
    d = x.shape[0]
    n = max(run[0], 1.0)  # no point counted yet: no spread, the floors below
    fallback = 0.0
    for i in range(d):
        fallback = max(fallback, run_m2[i] / n, run[1 + i] * run[1 + i])
    fallback *= _VAR_FLOOR
    if not fallback > 0.0:  # every value seen so far is zero: no scale to take
        fallback = 1.0
    logdet = 0.0
    for i in range(d):
        means[k, i] = x[i]
        var = run_m2[i] / n
        floor = _VAR_FLOOR * max(var, run[1 + i] * run[1 + i])
        if not floor > 0.0:
            floor = fallback
        var = delta2[i] * max(var, floor)
        for j in range(d):
            precisions[k, i, j] = 0.0
        precisions[k, i, i] = 1.0 / var
        logdet += np.log(var)
    logdets[k] = logdet
    sp[k] = 1.0
    ages[k] = 1.0


@jit
def _remove(k, j, means, precisions, logdets, sp, ages, groups):
    """Drop component ``j`` of ``k``, keeping the others in creation order."""
    for m in range(j, k - 1):
        groups[m] = groups[m + 1]
        means[m] = means[m + 1]
        precisions[m] = precisions[m + 1]
        logdets[m] = logdets[m + 1]
        sp[m] = sp[m + 1]
        ages[m] = ages[m + 1]


@jit
def igmn_pass(X, G, start, k, means, precisions, logdets, sp, ages, groups, run_mean, run_m2,
              run, counts, delta2, nu0, chi2, v_min, sp_min, max_components, exact,
              update_stats):
    """Learn from the points ``X[start:]`` in order; return ``(next_point, k)``.

    Parameters (state arrays are updated in place)
    ----------
    X : (n, D) points.  G : (n,) int64, the group of each point (one group:
    a density; the classes of a classifier: a point is compared with, and
    updates and ages, only the components of its group, so that every
    component belongs to one class).  start : first point to learn.
    k : components in use.
    means (cap, D), precisions (cap, D, D), logdets (cap,) -- ``log det C_j``,
    sp (cap,) -- accumulated posteriors, ages (cap,) -- points of its group
    seen since creation: the components, float64; groups (cap,) int64.
    run_mean, run_m2 (D,), run (D + 1,) -- Welford's running mean, sum of
    squared deviations, and ``[count, max |x_1|, ..., max |x_D|]`` of every
    point seen: the spread that
    sizes new components, independent of how the stream is cut into batches.
    With ``update_stats=False`` the points are already counted in it (the
    warm-up points, see :func:`running_stats`).
    counts (3,) int64 -- components created, pruned, and points that were
    novel while ``max_components`` were in use (so they updated instead).
    delta2 (D,) -- ``delta^2`` per feature; nu0 -- the weight, in points, of a component's
    initial covariance in its covariance estimate (exact update only);
    chi2 -- the novelty threshold on ``d^2``;
    v_min, sp_min -- prune a component older than ``v_min`` points whose
    posterior mass is below ``sp_min``; exact -- the exact weighted covariance
    recursion (one rank-one update) or the published one (two).

    Returns ``next_point < n`` when a new component needs capacity
    ``cap + 1`` (the caller grows the arrays and calls again from there);
    ``n`` when the batch is done.
    """
    n, d = X.shape
    cap = means.shape[0]
    x = np.empty(d)
    e = np.empty(d)
    U = np.empty((max(cap, 1), d))
    q = np.empty(max(cap, 1))
    logp = np.empty(max(cap, 1))
    ubar = np.empty(d)
    for t in range(start, n):
        g = G[t]
        for i in range(d):
            x[i] = X[t, i]
        qmin = np.inf
        for j in range(k):
            if groups[j] == g:
                for i in range(d):
                    e[i] = x[i] - means[j, i]
                q[j] = precision_matvec(precisions[j], e, U[j])
                qmin = min(qmin, q[j])
                logp[j] = np.log(sp[j]) - 0.5 * (q[j] + logdets[j])
        novel = not qmin < chi2  # also when the group has no component yet
        if novel and k >= max_components and qmin < np.inf:
            novel = False
            counts[2] += 1
        if novel and k >= cap:
            return t, k
        if update_stats:
            _welford(x, run_mean, run_m2, run)
        for j in range(k):
            if groups[j] == g:
                ages[j] += 1.0
        if novel:
            _create(x, k, means, precisions, logdets, sp, ages, run_mean, run_m2, run, delta2)
            groups[k] = g
            k += 1
            counts[0] += 1
        else:
            top = -np.inf
            for j in range(k):
                if groups[j] == g:
                    top = max(top, logp[j])
            total = 0.0
            for j in range(k):
                if groups[j] == g:
                    logp[j] = np.exp(logp[j] - top)
                    total += logp[j]
            for j in range(k):
                if groups[j] != g:
                    continue
                post = logp[j] / total
                if post == 0.0:  # underflow: the update would change nothing
                    continue
                m = sp[j] + nu0 - 1.0  # points behind C_j, the initial one counted nu0 times
                sp[j] += post
                w = post / sp[j]
                for i in range(d):
                    e[i] = x[i] - means[j, i]
                    means[j, i] += w * e[i]
                if exact:
                    # (m + post) C' = m C + post (1 - w) e e^T: the weighted
                    # scatter update, exactly (for nu0 = 1, C' = (1 - w)(C + w e e^T))
                    logdets[j] += precision_rank_one(precisions[j], U[j], q[j],
                                                     post * (1.0 - w) / m, m / (m + post))
                else:
                    # published: C' = (1 - w) C + w e* e*^T - dmu dmu^T, with
                    # e* = (1 - w) e and dmu = w e; the downdate is skipped when
                    # it would leave the positive definite cone (as the
                    # reference codes do).
                    for i in range(d):
                        U[j, i] *= 1.0 - w
                    wp = w / (1.0 - w)
                    logdets[j] += precision_rank_one(precisions[j], U[j], q[j] * (1.0 - w) ** 2,
                                                     wp, 1.0 - w)
                    for i in range(d):
                        e[i] *= w
                    qb = precision_matvec(precisions[j], e, ubar)
                    change = precision_rank_one(precisions[j], ubar, qb, -1.0, 1.0)
                    if change == change:
                        logdets[j] += change
        # prune components of this group that stayed small for too long,
        # keeping at least one
        members = 0
        for j in range(k):
            if groups[j] == g:
                members += 1
        j = 0
        while j < k:
            if groups[j] == g and ages[j] > v_min and sp[j] < sp_min and members > 1:
                _remove(k, j, means, precisions, logdets, sp, ages, groups)
                k -= 1
                members -= 1
                counts[1] += 1
            else:
                j += 1
    return n, k


def _warm_up():
    """Compile :func:`igmn_pass` once for float64 and float32 points (both update rules)."""
    for dtype in (np.float64, np.float32):
        for exact in (True, False):
            X = np.array([[0.0, 0.0], [0.1, 0.0], [5.0, 5.0], [0.0, 0.2]], dtype=dtype)
            cap, d = 4, 2
            igmn_pass(X, np.zeros(4, dtype=np.int64), 0, 0, np.zeros((cap, d)),
                      np.zeros((cap, d, d)), np.zeros(cap), np.zeros(cap), np.zeros(cap),
                      np.zeros(cap, dtype=np.int64), np.zeros(d), np.zeros(d), np.zeros(d + 1),
                      np.zeros(3, dtype=np.int64), np.ones(d), 3.0, 5.99, 10.0, 3.0, 10, exact,
                      True)
            running_stats(X, np.zeros(d), np.zeros(d), np.zeros(d + 1))
