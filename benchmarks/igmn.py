"""Incremental Gaussian mixture (fast IGMN): throughput, and accuracy against batch EM.

Two parts, each printing its own markdown table; the harness's summary table
and the JSON hold all rows.

The data: :func:`lrsparse.datasets.make_gmm_stream` with ``N_COMPONENTS`` =
10 full-covariance Gaussians in ``D`` dimensions (covariance eigenvalues in
``[0.1, 1]``, means at least 5 of the larger largest standard deviation
apart), equal weights, i.i.d. labels (``drift=0``: a stationary stream in
random order), seed 0: ``n`` training points and then ``N_TEST`` held-out
points of the same stream.

**Part 1, throughput** (``section="throughput"``).  D in {16, 64, 256}
(``--quick``: 16, 64).  Ours is the estimator's one pass,
``IncrementalGaussianMixture().fit(X)`` at its defaults (numba compilation
excluded by a warm-up call on a tiny stream); ``points/s`` is ``n`` over its
median time.  The peer is :func:`numpy_igmn` below: **the same equations**
in plain NumPy, one point at a time in a Python loop (the components of a
point vectorised by batched matrix-vector products): the same units (each
feature divided by a power of two from the first point), the same warm-up
(the first ``2 (D + 1)`` points only measure the running spread), the same
novelty test, the same creation from the running variance with its
per-feature floors, the same exact rank-one precision / log-determinant
update with ``prior_weight``, the same pruning.  It is slow, so it runs on
the first ``N_NUMPY`` points of the stream only, and ours (the same
``fit``) is timed on those points too (``ratio`` is on equal work; the head
of a stream holds the creations, so it is not the steady-state rate).  The
two must agree: ``mean diff`` (``max |d mean|``) and ``precision rel.
diff`` (``max_j max |d P_j| / max |P_j|``, per
component: precisions of different components can differ by orders of
magnitude) compare their components on that head, and before anything is
timed :func:`_check` runs both on a small stream (``n = 300``, ``D = 4``,
with creations and prunings) through
:func:`~lrsparse.mixture.incremental_gaussian_mixture` and stops the
benchmark unless they find the same number of components with means and
precisions equal to ``CHECK_TOL``.  The cost growth with ``D`` is the
least-squares slope of ``log(time per point)`` against ``log D`` over the
full streams (also per point and component, since ``K`` may differ by one
between the ``D``), and the slope between consecutive ``D``: the arithmetic
is ``O(K D^2)`` (2 is quadratic; plain IGMN's inversions would give 3); at
small ``D`` the fixed cost of a point (the loop over components, the
posterior) flattens the slope.  Target: at most quadratic, a slope of at
most ``TARGET_EXPONENT + 0.5``.

**Part 2, against batch EM** (``section="em"``).  D in {16, 64, 256}
(``--quick``: 16, 64), the same training and held-out points.  Peer:
``sklearn.mixture.GaussianMixture(n_components=K, covariance_type="full",
random_state=0).fit(X)`` with ``K`` our ``n_components_`` (k-means start,
its default ``tol`` and ``max_iter``).  Metric: the held-out mean
log-likelihood (``score``) of each model; ``rel. diff`` is ``(ours - EM) /
|EM|`` (positive: ours better).  Target: ``|rel. diff| <= 5%``.  EM sees
the data as often as it iterates, ours once.

Timing: the harness's :func:`~benchmarks._harness.time_interleaved`, one
untimed warm-up call each, then ours and the peer in interleaved rounds, each
getting the median of ``min(repeats, max(1, TIME_BUDGET_S // warm-up
time))`` calls; a warm-up call longer than ``SINGLE_RUN_S`` is itself the
only (timed) call.  Thread pools are pinned by ``python -m benchmarks``
(ours is single-threaded: one kernel call walks the stream in order).
"""

import numpy as np
from scipy.stats import chi2
from sklearn.mixture import GaussianMixture

from lrsparse._kernels.gmm import _VAR_FLOOR
from lrsparse.datasets import make_gmm_stream
from lrsparse.mixture import IncrementalGaussianMixture, incremental_gaussian_mixture

from ._harness import log, lrsparse_commit, markdown_table, target_mark, time_interleaved

SEED = 0
N_COMPONENTS = 10
DIMS = (16, 64, 256)
DIMS_QUICK = (16, 64)
N_TRAIN = {16: 100_000, 64: 50_000, 256: 20_000}
N_TRAIN_QUICK = {16: 20_000, 64: 10_000}
N_TEST = 5000
N_TEST_QUICK = 2000
N_NUMPY = 2000  # points of the stream given to the NumPy version
N_NUMPY_QUICK = 500
CHECK_N, CHECK_D, CHECK_K = 300, 4, 3
CHECK_TOL = 1e-8

SINGLE_RUN_S = 20.0  # a warm-up call longer than this is the only, timed, call
TIME_BUDGET_S = 20.0  # timed calls per measurement: about this many seconds in all

# Targets of the issue.
TARGET_RATE_D = 16
TARGET_RATE = 100_000  # points/s at D = 16
TARGET_EXPONENT = 2.0  # cost growth with D "close to quadratic": at most this + 0.5
TARGET_LOGLIK = 0.05  # held-out log-likelihood within 5% of batch EM

METRIC = "points/s or held-out loglik"
EXTRA_COLUMNS = (
    ("what", "metric"),
    ("n_components", "K ours/peer"),
    ("runs", "timed runs ours/peer"),
    ("note", "note"),
)


def _stream(n, d, k=N_COMPONENTS, seed=SEED):
    """``n`` points of ``k`` separated Gaussians in ``d`` dimensions, in random order."""
    return make_gmm_stream(n, d, k, random_state=seed)[0]


def numpy_igmn(X, *, delta="auto", beta=1e-3, prior_weight=None, v_min=None, sp_min=None,
               max_components=100):
    """The fast IGMN with the exact update, in NumPy, one point at a time (the reference).

    The equations of :func:`lrsparse.mixture.incremental_gaussian_mixture`
    (``covariance_update="exact"``), written independently of its numba
    kernel; returns ``weights, means, precisions, log det covariances``.
    Each feature is divided by the power of two nearest to its magnitude in
    the first point.  The first ``2 (D + 1)`` points (fewer in a shorter
    stream) only measure the running spread, then are learned with it; every
    later point adds to the spread before it is learned.  A new component's
    variances are ``delta^2`` times the running ones, each floored at
    ``1e-12`` times the larger of its feature's variance and largest square
    (or, for a feature that has been zero, of every feature's).
    """
    X = np.asarray(X, dtype=np.float64)
    n, d = X.shape
    top = np.abs(X[0])
    unit = np.where(top > 0, np.exp2(np.round(np.log2(np.where(top > 0, top, 1.0)))), 1.0)
    X = X / unit
    if delta == "auto":
        delta = min(0.5, 0.8 / np.sqrt(chi2.isf(beta, d) / d))
    nu0 = d + 1.0 if prior_weight is None else float(prior_weight)
    v_min = 20.0 * (d + 1) if v_min is None else float(v_min)
    sp_min = d + 1.0 if sp_min is None else float(sp_min)
    threshold = chi2.isf(beta, d)
    n_warm = 2 * (d + 1)
    means, P = np.zeros((0, d)), np.zeros((0, d, d))
    logdets, sp, ages = np.zeros(0), np.zeros(0), np.zeros(0)
    # running spread (Welford): count, mean, squared deviations, max |x_i| per feature
    count, run_mean, run_m2, run_max = 0, np.zeros(d), np.zeros(d), np.zeros(d)
    n_pre = min(n, n_warm)
    for t in range(-n_pre, n):  # t < 0: the warm-up, spread only
        x = X[t + n_pre] if t < 0 else X[t]
        if t >= 0:
            E = x - means  # (K, d)
            U = np.matmul(P, E[:, :, None])[:, :, 0]  # P_j e_j
            q = np.einsum("kd,kd->k", E, U)  # squared Mahalanobis distances
            novel = len(sp) == 0 or (not q.min() < threshold and len(sp) < max_components)
        if t < 0 or t >= n_warm:
            count += 1
            step = x - run_mean
            run_mean = run_mean + step / count
            run_m2 = run_m2 + step * (x - run_mean)
            run_max = np.maximum(run_max, np.abs(x))
        if t < 0:
            continue
        ages = ages + 1.0
        if novel:  # a new component at x, covariance delta^2 diag(running variance)
            var = run_m2 / max(count, 1)
            floor = _VAR_FLOOR * np.maximum(var, run_max ** 2)
            fallback = _VAR_FLOOR * max(var.max(), (run_max ** 2).max())
            floor[~(floor > 0)] = fallback if fallback > 0 else 1.0
            var = delta ** 2 * np.maximum(var, floor)
            means = np.vstack([means, x])
            P = np.concatenate([P, np.diag(1.0 / var)[None]])
            logdets = np.append(logdets, np.log(var).sum())
            sp, ages = np.append(sp, 1.0), np.append(ages, 1.0)
        else:  # soft update of every component (a zero posterior changes nothing)
            logp = np.log(sp) - 0.5 * (q + logdets)
            post = np.exp(logp - logp.max())
            post /= post.sum()
            m = sp + nu0 - 1.0  # points behind C_j, the initial covariance counted nu0 times
            sp = sp + post
            w = post / sp
            means = means + w[:, None] * E
            # (m + p) C' = m C + p (1 - w) e e^T, by Sherman-Morrison and the determinant lemma
            rank = post * (1.0 - w) / m
            c = m / (m + post)
            inv_c = 1.0 / c
            b = rank / (1.0 + rank * q) * inv_c
            P = inv_c[:, None, None] * P - b[:, None, None] * (U[:, :, None] * U[:, None, :])
            logdets = logdets + d * np.log(c) + np.log1p(rank * q)
        j = 0
        while j < len(sp):  # prune components that stayed small for too long
            if ages[j] > v_min and sp[j] < sp_min and len(sp) > 1:
                means, P = np.delete(means, j, 0), np.delete(P, j, 0)
                logdets, sp, ages = (np.delete(a, j) for a in (logdets, sp, ages))
            else:
                j += 1
    return (sp / sp.sum(), means * unit, P / np.outer(unit, unit),
            logdets + 2.0 * np.log(unit).sum())


def _differences(ours, ref):
    """``K ours, K ref, max |d mean|, max_j max |d P_j| / max |P_j|`` (inf when K differs).

    Per component: the components' precisions can differ by orders of
    magnitude (a component sized on few points).
    """
    (_, m1, p1), (_, m2, p2) = ours, ref
    if m1.shape != m2.shape:
        return len(m1), len(m2), np.inf, np.inf
    scale = np.abs(p2).max(axis=(1, 2))
    return (len(m1), len(m2), float(np.abs(m1 - m2).max()),
            float((np.abs(p1 - p2).max(axis=(1, 2)) / scale).max()))


def _ours_function(X):
    weights, means, _, precisions = incremental_gaussian_mixture(X)
    return weights, means, precisions


def _ours_estimator(X):
    model = IncrementalGaussianMixture().fit(X)
    return model.weights_, model.means_, model.precisions_


def _reference(X):
    return numpy_igmn(X)[:3]


def _check():
    """Stop unless ours and the NumPy version agree on a small stream."""
    X = _stream(CHECK_N, CHECK_D, CHECK_K)
    k1, k2, dmean, dprec = _differences(_ours_function(X), _reference(X))
    line = (f"check n={CHECK_N} D={CHECK_D}: ours {k1} components, NumPy {k2}; max |d mean| "
            f"{dmean:.1e}, max_j |d P_j| / max |P_j| {dprec:.1e} (tolerance {CHECK_TOL:g})")
    print(f"# {line}", flush=True)
    if not (k1 == k2 and dmean <= CHECK_TOL and dprec <= CHECK_TOL):
        raise AssertionError(f"the NumPy version disagrees with ours: {line}")


def _warm_up():
    """Compile the kernel on a tiny float64 stream (the dtype benchmarked)."""
    IncrementalGaussianMixture().fit(_stream(200, 3, 2, seed=1))


def _timed(fns, repeats):
    """The harness's interleaved timer with this module's budget (see the module docstring)."""
    return time_interleaved(fns, repeats, single_run_s=SINGLE_RUN_S, budget_s=TIME_BUDGET_S)


def _runs(*timings):
    return "/".join(str(len(t.times)) for t in timings)


def _bench(d, n, n_test, n_numpy, repeats):
    X_all = _stream(n + n_test, d)
    X, X_test, head = X_all[:n], X_all[n:], X_all[:n_numpy]
    log(f"D={d}: {n} training points, {n_test} held out")

    # Part 1: ours on the whole stream; ours and NumPy on its head.
    fit = lambda: IncrementalGaussianMixture().fit(X)  # noqa: E731
    timings = _timed({"ours": fit}, repeats)
    ours = timings["ours"]
    model = ours.result
    k = model.n_components_
    log(f"  ours {ours.median:.3f} s ({n / ours.median:,.0f} points/s), {k} components "
        f"({model.n_created_} created, {model.n_pruned_} pruned)")
    head_t = _timed({"ours": lambda: _ours_estimator(head), "numpy": lambda: _reference(head)},
                    repeats)
    k_head, k_ref, dmean, dprec = _differences(head_t["ours"].result, head_t["numpy"].result)
    ours_head, peer_head = head_t["ours"].median, head_t["numpy"].median
    log(f"  first {n_numpy} points: ours {ours_head * 1e3:.1f} ms, NumPy {peer_head:.2f} s "
        f"({peer_head / ours_head:.0f}x), components {k_head}/{k_ref}, max |d mean| "
        f"{dmean:.1e}, max_j |d P_j| / max |P_j| {dprec:.1e}")
    rate = n / ours.median
    base = {"n_features": d, "n_samples": n, "n_test": n_test}
    throughput = base | {
        "section": "throughput",
        "case": f"D={d} ({N_COMPONENTS} Gaussians), first {n_numpy} points",
        "n_numpy": n_numpy, "ours_s": ours_head, "ours_times": head_t["ours"].times,
        "peer": "NumPy per point (same equations)", "peer_s": peer_head,
        "peer_times": head_t["numpy"].times, "ratio": ours_head / peer_head,
        "metric": METRIC, "what": "points/s (ours: whole stream)",
        "ours_metric": rate, "peer_metric": n_numpy / peer_head,
        "ours_head_rate": n_numpy / ours_head, "ours_stream_s": ours.median,
        "ours_stream_times": ours.times, "time_per_point": ours.median / n,
        "ours_components": k, "n_created": model.n_created_, "n_pruned": model.n_pruned_,
        "n_components": f"{k_head}/{k_ref}", "max_mean_diff": dmean, "max_precision_diff": dprec,
        "runs": _runs(head_t["ours"], head_t["numpy"]),
        "note": f"whole stream: {ours.median:.3f} s; mean diff {dmean:.1e}, "
                f"precision rel. diff {dprec:.1e}",
    }

    # Part 2: batch EM with our number of components, the same training points.
    em_t = _timed({"em": lambda: GaussianMixture(n_components=k, covariance_type="full",
                                                 random_state=SEED).fit(X)}, repeats)
    em = em_t["em"]
    ours_ll, em_ll = model.score(X_test), em.result.score(X_test)
    rel = (ours_ll - em_ll) / abs(em_ll)
    log(f"  EM(K={k}) {em.median:.3f} s ({em.result.n_iter_} iterations), held-out loglik "
        f"ours {ours_ll:.4f}, EM {em_ll:.4f} (rel. diff {rel:+.2%})")
    versus_em = base | {
        "section": "em", "case": f"D={d} ({N_COMPONENTS} Gaussians), {n} points",
        "ours_s": ours.median, "ours_times": ours.times,
        "peer": "sklearn GaussianMixture (EM, full)", "peer_s": em.median, "peer_times": em.times,
        "ratio": ours.median / em.median, "metric": METRIC, "what": "held-out mean loglik",
        "ours_metric": ours_ll, "peer_metric": em_ll, "rel_loglik_diff": rel,
        "peer_n_iter": int(em.result.n_iter_), "peer_converged": bool(em.result.converged_),
        "n_components": f"{k}/{k}", "runs": _runs(ours, em),
        "note": f"EM: {em.result.n_iter_} iterations; rel. diff {rel:+.2%}",
    }
    return [throughput, versus_em]


def _exponent(rows, key):
    """Least-squares slope of ``log(key)`` against ``log D``."""
    d = np.log([r["n_features"] for r in rows])
    return float(np.polyfit(d, np.log([key(r) for r in rows]), 1)[0])


def _print_throughput(rows):
    print("\n## Part 1: throughput, ours vs the same equations in NumPy (per point)\n")
    markdown_table(
        ("D", "n", "K ours", "ours s", "ours points/s", "NumPy head", "NumPy points/s",
         "ours points/s (head)", "speed-up (head)", "K ours/NumPy (head)", "mean diff",
         "precision rel. diff"),
        [(str(r["n_features"]), str(r["n_samples"]), str(r["ours_components"]),
          f"{r['ours_stream_s']:.3f}", f"{r['ours_metric']:,.0f}", str(r["n_numpy"]),
          f"{r['peer_metric']:,.0f}", f"{r['ours_head_rate']:,.0f}",
          f"{r['peer_s'] / r['ours_s']:.0f}x", r["n_components"],
          f"{r['max_mean_diff']:.1e}", f"{r['max_precision_diff']:.1e}")
         for r in rows])
    if len(rows) >= 2:
        per_point = _exponent(rows, lambda r: r["time_per_point"])
        per_comp = _exponent(rows, lambda r: r["time_per_point"] / r["ours_components"])
        local = ", ".join(f"{a['n_features']}->{b['n_features']}: "
                          f"{_exponent([a, b], lambda r: r['time_per_point']):.2f}"
                          for a, b in zip(rows, rows[1:]))
        print(f"cost growth with D (least squares over D = "
              f"{', '.join(str(r['n_features']) for r in rows)}): time per point ~ "
              f"D^{per_point:.2f}, time per point and component ~ D^{per_comp:.2f}; "
              f"between consecutive D: {local}")


def _print_em(rows):
    print("\n## Part 2: ours (one pass) vs sklearn GaussianMixture (batch EM, same K)\n")
    markdown_table(
        ("D", "n train", "n test", "K", "ours s", "EM s", "EM iterations", "ratio ours/EM",
         "ours loglik", "EM loglik", "rel. diff"),
        [(str(r["n_features"]), str(r["n_samples"]), str(r["n_test"]),
          r["n_components"].split("/")[0], f"{r['ours_s']:.3f}", f"{r['peer_s']:.3f}",
          str(r["peer_n_iter"]), f"{r['ratio']:.3f}", f"{r['ours_metric']:.4f}",
          f"{r['peer_metric']:.4f}", f"{r['rel_loglik_diff']:+.2%}")
         for r in rows])


def _targets(throughput, versus_em):
    lines = []
    for r in throughput:
        if r["n_features"] == TARGET_RATE_D:
            lines.append(f"{target_mark(r['ours_metric'] >= TARGET_RATE)} >= {TARGET_RATE:,} "
                         f"points/s at D={TARGET_RATE_D}: {r['ours_metric']:,.0f}")
    if len(throughput) >= 2:
        slope = _exponent(throughput, lambda r: r["time_per_point"])
        lines.append(f"{target_mark(slope <= TARGET_EXPONENT + 0.5)} cost growth at most quadratic "
                     f"(exponent <= {TARGET_EXPONENT + 0.5:g}; cubic would be plain IGMN's): "
                     f"time per point ~ D^{slope:.2f}")
    for r in versus_em:
        rel = r["rel_loglik_diff"]
        lines.append(f"{target_mark(abs(rel) <= TARGET_LOGLIK)} held-out loglik within "
                     f"{TARGET_LOGLIK:.0%} of EM at D={r['n_features']}: {r['ours_metric']:.4f} "
                     f"vs {r['peer_metric']:.4f} ({rel:+.2%})")
    return lines


def run(quick, threads, repeats):
    commit = lrsparse_commit()
    print(f"# lrsparse at commit {commit}", flush=True)
    _warm_up()
    _check()
    rows = []
    for d in DIMS_QUICK if quick else DIMS:
        n = (N_TRAIN_QUICK if quick else N_TRAIN)[d]
        rows += _bench(d, n, N_TEST_QUICK if quick else N_TEST,
                       N_NUMPY_QUICK if quick else N_NUMPY, repeats)
    for row in rows:
        row["lrsparse_commit"] = commit
    throughput = [r for r in rows if r["section"] == "throughput"]
    versus_em = [r for r in rows if r["section"] == "em"]
    _print_throughput(throughput)
    _print_em(versus_em)
    print("\n## Targets (from the issue)"
          + (" -- quick sizes: the targets are meant for the full run" if quick else ""))
    for line in _targets(throughput, versus_em):
        print(line)
    return rows
