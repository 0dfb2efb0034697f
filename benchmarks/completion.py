"""Matrix completion: SVT, soft-impute and one-sided completion against references.

Three parts, all on ``make_low_rank_matrix_with_missing`` data (``X_true = A
B^T`` with standard normal factors, Cai, Candes & Shen's setting):

* **SVT**: ``SVTImputer`` (defaults but the authors' ``tau = 5 sqrt(n1 n2)``,
  which ``tau="auto"`` makes scale-free) against a reference SVT written here
  with ``scipy.sparse.linalg.svds``, following the authors' ``SVT.m``
  (same ``tau``, step, tolerance, kicking start and rank rule).
* **soft-impute**: ``SoftImputer(center=None)`` against fancyimpute's
  algorithm written here (dense fill, ``sklearn.utils.extmath.randomized_svd``
  with ``n_components = max_rank``), same ``alpha``, ``tol``, ``max_rank``.
* **one-sided**: ``OneSidedCompletion`` from two observations per row against
  PCA of the zero-filled matrix and against ``SVTImputer`` on the same data.

The implementations under comparison run in **interleaved rounds**
(:func:`benchmarks._harness.time_interleaved`: one untimed warm-up round,
then ``repeats`` rounds each calling every function once; each gets the
median of its times), so drift of a shared machine hits both alike.  Ours is
the estimators' ``fit`` (validation, the solver functions ``_svt``,
``soft_impute_iterations``, ``_one_sided_scaled_gd``, attributes): what a
user pays.
"""

import time
import warnings

import numpy as np
import scipy.sparse as sp
from scipy.sparse.linalg import svds
from sklearn.decomposition import PCA
from sklearn.utils.extmath import randomized_svd

from lrsparse.datasets import make_low_rank_matrix_with_missing
from lrsparse.impute import OneSidedCompletion, SoftImputer, SVTImputer
from lrsparse.metrics import principal_angles, relative_error, subspace_distance

from ._harness import log, time_interleaved

# SVT: (n, rank, observed fraction, label).  The 1000 x 1000 case uses the
# authors' oversampling m / d_r = 6, d_r = r (2n - r) the degrees of freedom.
SVT_TOL = 1e-4
SVT_MAX_ITER = 500
SVT_INCREMENT = 5
SVT_TARGET_RATIO = 0.25  # ours at least 4x faster
SVT_TARGET_ERROR = 2e-4


def _authors_tau(n1, n2):
    """``tau = 5 sqrt(n1 n2)`` of ``SVT.m`` (for data with unit-variance factors)."""
    return 5.0 * np.sqrt(n1 * n2)


def _oversampled(n, rank, ratio=6):
    return ratio * rank * (2 * n - rank) / (n * n)


SVT_CASES = (
    (1000, 10, _oversampled(1000, 10), "m/d_r = 6"),
    (2000, 10, 0.10, None),
)
SVT_QUICK = ((300, 5, _oversampled(300, 5), "m/d_r = 6"),)

# Soft-impute: (n, rank, observed fraction, noise, alpha).  alpha is chosen
# so that the solution has rank = the true rank with a margin (a smaller alpha
# fits noise until max_rank binds, and then the two solvers no longer solve
# the same problem).
SOFT_TOL = 1e-5
SOFT_MAX_RANK = 20
SOFT_MAX_ITER = 100
SOFT_POWER_ITERATIONS = 1  # fancyimpute's default n_power_iterations
SOFT_TARGET_RATIO = 0.5  # ours at least 2x faster
SOFT_CASES = (
    (1000, 10, 0.3, 0.5, 30.0),
    (2000, 10, 0.1, 0.5, 30.0),
)
SOFT_QUICK = ((300, 5, 0.3, 0.5, 15.0),)

# One-sided: (rows, columns, rank), two observations per row.
ONE_SIDED = (100_000, 200, 5)
ONE_SIDED_QUICK = (10_000, 50, 3)
ONE_SIDED_SVT_MAX_ITER = 100  # cap: SVT is not expected to work here

EXTRA_COLUMNS = (
    ("measure", "error measure"),
    ("ours_iter", "iters ours"),
    ("peer_iter", "iters peer"),
    ("ours_rank", "rank ours"),
    ("peer_rank", "rank peer"),
    ("diff", "ours vs peer rel. diff"),
    ("note", "note"),
)


def _recording(fn):
    """``fn`` returning ``(result, warning messages)``."""

    def wrapped():
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            result = fn()
        return result, [f"{w.category.__name__}: {w.message}" for w in caught]

    return wrapped


# --------------------------------------------------------------------- SVT
def _propack_works():
    """``svds(solver="propack")`` exists in this scipy (and is not switched off)."""
    A = sp.csr_array(np.random.default_rng(0).standard_normal((30, 20)))
    try:
        svds(A, k=3, solver="propack", random_state=0)
    except (ValueError, TypeError):
        return False
    return True


SVDS_SOLVER = "propack" if _propack_works() else "arpack"


def _svds(A, k, rng):
    # PROPACK fails for k = 1 ("did not converge within kmax=10 iterations"):
    # the norm estimate and the first iteration (rank 0 + 1) use ARPACK.
    solver = "arpack" if k == 1 else SVDS_SOLVER
    return svds(A, k=k, solver=solver, random_state=rng)


def reference_svt(M, *, tol=SVT_TOL, max_iter=SVT_MAX_ITER, increment=SVT_INCREMENT,
                  random_state=0):
    """SVT of Cai, Candes & Shen (``SVT.m``) with ``scipy.sparse.linalg.svds``.

    ``M``: CSR with canonical indices, the stored entries being the
    observations.  ``tau = 5 sqrt(n1 n2)``, ``delta = 1.2 / p``, kicking start
    ``Y = k0 delta P(M)`` with ``k0 = ceil(tau / (delta ||P(M)||_2))``; each
    iteration asks for ``s = r + 1`` triplets (``r`` the previous rank) and
    recomputes with ``s + increment`` while the smallest one exceeds
    ``tau``; ``X = U (sigma - tau) V^T`` is evaluated on the observed set by
    a vectorised gather; ``Y`` is a CSR on the observed pattern updated in
    place.  Stops when ``||P(X - M)||_F <= tol ||P(M)||_F``.

    Returns ``(L, Vt, n_iter, rank, residual)`` with ``X = L @ Vt``.
    """
    rng = np.random.default_rng(random_state)
    n1, n2 = M.shape
    b = M.data
    m = b.size
    rows = np.repeat(np.arange(n1), np.diff(M.indptr))
    cols = M.indices
    tau = _authors_tau(n1, n2)
    delta = 1.2 * n1 * n2 / m
    norm_b = float(np.linalg.norm(b))
    norm_pm = float(_svds(M, 1, rng)[1][0])
    k0 = int(np.ceil(tau / (delta * norm_pm)))
    Y = sp.csr_array((k0 * delta * b, M.indices.copy(), M.indptr.copy()), shape=M.shape)
    s_max = min(n1, n2) - 1  # ARPACK needs k < min(n1, n2)
    rank = 0
    for it in range(1, max_iter + 1):
        s = min(rank + 1, s_max)
        while True:
            U, sigma, Vt = _svds(Y, s, rng)
            if sigma.min() <= tau or s == s_max:
                break
            s = min(s + increment, s_max)
        keep = sigma > tau
        rank = int(keep.sum())
        L = U[:, keep] * (sigma[keep] - tau)
        Vt = Vt[keep]
        x = np.einsum("ij,ij->i", L[rows], Vt.T[cols])
        residual = float(np.linalg.norm(x - b)) / norm_b
        if residual <= tol:
            break
        Y.data += delta * (b - x)
    return L, Vt, it, rank, residual


def _bench_svt(n, rank, p, label, threads, repeats):
    X, X_true = make_low_rank_matrix_with_missing(
        n, n, rank=rank, observed_fraction=p, sparse_output=True, random_state=0)
    M = sp.csr_array(X)
    M.sort_indices()
    case = (f"SVT {n}x{n} rank {rank}, p={p:.4g}" + (f" ({label})" if label else "")
            + f", m={M.nnz}")
    log(case)

    def ours():
        # The authors' tau (SVTImputer's "auto" is 5 ||P(M)||_2 / p, the same
        # relation made scale-free): both solve the same problem.
        return SVTImputer(tau=_authors_tau(n, n), random_state=0, n_jobs=threads).fit(M)

    def ref():
        return reference_svt(M)

    timed = time_interleaved({"ours": _recording(ours), "ref": _recording(ref)}, repeats)
    t_ours, t_ref = timed["ours"], timed["ref"]
    est, w_ours = t_ours.result
    (L, Vt, n_iter, ref_rank, ref_res), w_ref = t_ref.result
    Z_ours = est.row_factors_ @ est.components_
    Z_ref = L @ Vt
    err_ours = relative_error(X_true, Z_ours)
    err_ref = relative_error(X_true, Z_ref)
    log(f"  ours {t_ours.median:.2f} s ({est.n_iter_} it, rank {est.rank_}, error "
        f"{err_ours:.3g}); reference {t_ref.median:.2f} s ({n_iter} it, rank {ref_rank}, "
        f"error {err_ref:.3g})")
    note = [f"svds {SVDS_SOLVER}"]
    if ref_res > SVT_TOL:
        note.append(f"reference stopped at max_iter (residual {ref_res:.3g})")
    if w_ours:
        note.append(f"ours warned: {'; '.join(w_ours)}")
    return {
        "case": case, "part": "svt", "n": n, "rank": rank, "observed_fraction": p,
        "n_observed": M.nnz, "ours_s": t_ours.median, "ours_times": t_ours.times,
        "peer": f"scipy svds ({SVDS_SOLVER}) SVT", "peer_s": t_ref.median,
        "peer_times": t_ref.times, "ratio": t_ours.median / t_ref.median,
        "metric": "error", "measure": "rel. error, all entries",
        "ours_metric": err_ours, "peer_metric": err_ref,
        "ours_iter": est.n_iter_, "peer_iter": n_iter, "ours_rank": est.rank_,
        "peer_rank": ref_rank, "ours_residual": est.residual_, "peer_residual": ref_res,
        "diff": relative_error(Z_ref, Z_ours), "note": "; ".join(note),
        "ours_warnings": w_ours, "peer_warnings": w_ref,
    }


# ------------------------------------------------------------- soft-impute
def reference_soft_impute(X, alpha, *, max_rank=SOFT_MAX_RANK, tol=SOFT_TOL,
                          max_iter=SOFT_MAX_ITER, n_power_iterations=SOFT_POWER_ITERATIONS,
                          random_state=0):
    """fancyimpute's ``SoftImpute.solve`` with Mazumder et al.'s stopping rule.

    Missing entries (NaN) start at 0; each iteration takes a randomized SVD
    of the filled matrix with ``max_rank`` components, soft-thresholds the
    singular values by ``alpha``, and refills the missing entries from the
    reconstruction ``Z``.  Stops when ``||Z_old - Z||_F^2 < tol ||Z_old||_F^2``
    (fancyimpute compares the missing entries only; this is the rule
    ``SoftImputer`` uses, so both solve to the same criterion).

    Returns ``(X_filled, n_iter, rank)``.
    """
    rng = np.random.RandomState(random_state)
    missing = np.isnan(X)
    X_filled = np.where(missing, 0.0, X)
    Z_old = None
    rank = 0
    for it in range(1, max_iter + 1):
        U, s, Vt = randomized_svd(X_filled, max_rank, n_iter=n_power_iterations,
                                  random_state=rng)
        s = np.maximum(s - alpha, 0.0)
        rank = int(np.count_nonzero(s))
        Z = (U[:, :rank] * s[:rank]) @ Vt[:rank]
        X_filled[missing] = Z[missing]
        if Z_old is not None:
            norm = float(np.sum(Z_old * Z_old))
            if float(np.sum((Z_old - Z) ** 2)) < tol * norm:
                break
        Z_old = Z
    return X_filled, it, rank


def _bench_soft(n, rank, p, noise, alpha, threads, repeats):
    X, X_true = make_low_rank_matrix_with_missing(
        n, n, rank=rank, observed_fraction=p, noise=noise, random_state=0)
    missing = np.isnan(X)
    case = (f"soft-impute {n}x{n} rank {rank}, p={p:g}, noise {noise:g}, alpha={alpha:g}, "
            f"max_rank={SOFT_MAX_RANK}, tol={SOFT_TOL:g}")
    log(case)

    def ours():
        est = SoftImputer(alpha=alpha, center=None, tol=SOFT_TOL, max_iter=SOFT_MAX_ITER,
                          n_components=SOFT_MAX_RANK, random_state=0, n_jobs=threads)
        return est, est.fit_transform(X)

    def ref():
        return reference_soft_impute(X, alpha)

    timed = time_interleaved({"ours": _recording(ours), "ref": _recording(ref)}, repeats)
    t_ours, t_ref = timed["ours"], timed["ref"]
    (est, X_ours), w_ours = t_ours.result
    (X_ref, n_iter, ref_rank), w_ref = t_ref.result
    err_ours = relative_error(X_true, X_ours, mask=missing)
    err_ref = relative_error(X_true, X_ref, mask=missing)
    log(f"  ours {t_ours.median:.2f} s ({est.n_iter_} it, rank {est.rank_}, error "
        f"{err_ours:.4g}); reference {t_ref.median:.2f} s ({n_iter} it, rank {ref_rank}, "
        f"error {err_ref:.4g})")
    note = []
    if n_iter == SOFT_MAX_ITER:
        note.append("reference stopped at max_iter")
    if w_ours:
        note.append(f"ours warned: {'; '.join(w_ours)}")
    return {
        "case": case, "part": "soft", "n": n, "rank": rank, "observed_fraction": p,
        "noise": noise, "alpha": alpha, "ours_s": t_ours.median, "ours_times": t_ours.times,
        "peer": f"fancyimpute algorithm (randomized_svd, n_iter={SOFT_POWER_ITERATIONS})",
        "peer_s": t_ref.median, "peer_times": t_ref.times,
        "ratio": t_ours.median / t_ref.median, "metric": "error",
        "measure": "rel. error, missing entries", "ours_metric": err_ours,
        "peer_metric": err_ref, "ours_iter": est.n_iter_, "peer_iter": n_iter,
        "ours_rank": est.rank_, "peer_rank": ref_rank,
        "diff": relative_error(X_ref, X_ours, mask=missing), "note": "; ".join(note) or None,
        "ours_warnings": w_ours, "peer_warnings": w_ref,
    }


# --------------------------------------------------------------- one-sided
def _bench_one_sided(m, d, rank, threads, repeats):
    start = time.perf_counter()
    X, X_true = make_low_rank_matrix_with_missing(
        m, d, rank=rank, pattern="two_per_row", sparse_output=True, random_state=0)
    # The true top right singular vectors: eigenvectors of X_true^T X_true.
    _, V = np.linalg.eigh(X_true.T @ X_true)
    V_true = V[:, ::-1][:, :rank]
    del X_true
    log(f"one-sided data {m} x {d} in {time.perf_counter() - start:.1f} s")
    case = f"one-sided {m // 1000}k x {d}, rank {rank}, 2 obs/row"

    def ours():
        return OneSidedCompletion(n_components=rank, random_state=0, n_jobs=threads).fit(X)

    def pca():
        return PCA(n_components=rank, svd_solver="arpack", random_state=0).fit(X)

    def svt():
        return SVTImputer(max_iter=ONE_SIDED_SVT_MAX_ITER, random_state=0,
                          n_jobs=threads).fit(X)

    timed = time_interleaved(
        {"ours": _recording(ours), "pca": _recording(pca), "svt": _recording(svt)}, repeats)
    t_ours, t_pca, t_svt = timed["ours"], timed["pca"], timed["svt"]
    est, w_ours = t_ours.result
    d_ours = subspace_distance(est.components_.T, V_true)
    base = {
        "case": case, "part": "one-sided", "n_rows": m, "n_cols": d, "rank": rank,
        "ours_s": t_ours.median, "ours_times": t_ours.times, "metric": "error",
        "measure": "subspace dist. (sin max angle)", "ours_metric": d_ours,
        "ours_iter": est.n_iter_, "ours_rank": est.components_.shape[0],
        "ours_warnings": w_ours,
    }
    rows = []

    pca_est, w_pca = t_pca.result
    d_pca = subspace_distance(pca_est.components_.T, V_true)
    log(f"  ours {t_ours.median:.2f} s, distance {d_ours:.3g}; zero-filled PCA "
        f"{t_pca.median:.3f} s, distance {d_pca:.3g}")
    rows.append(base | {
        "peer": "zero-filled PCA (sklearn, arpack, sparse input)", "peer_s": t_pca.median,
        "peer_times": t_pca.times, "ratio": t_ours.median / t_pca.median,
        "peer_metric": d_pca, "peer_rank": pca_est.components_.shape[0],
        "peer_warnings": w_pca,
    })

    svt_est, w_svt = t_svt.result
    C = svt_est.components_.T
    d_svt = subspace_distance(C, V_true) if C.shape[1] else 1.0
    # With fewer components than rank, the distance is 1 by definition; also
    # say whether the components it has lie in the true subspace.
    inside = float(np.sin(principal_angles(C, V_true).max())) if C.shape[1] else None
    note = (f"max_iter={ONE_SIDED_SVT_MAX_ITER} cap; residual {svt_est.residual_:.3g}; "
            f"diverged_={svt_est.diverged_}; {len(w_svt)} warnings")
    if inside is not None:
        note += f"; its {C.shape[1]} components vs true span: sin max angle {inside:.3g}"
    log(f"  SVTImputer {t_svt.median:.2f} s, {svt_est.n_iter_} it, rank {svt_est.rank_}, "
        f"distance {d_svt:.3g}; {note}")
    for w in w_svt:
        log(f"    {w}")
    rows.append(base | {
        "peer": "SVTImputer (same data)", "peer_s": t_svt.median, "peer_times": t_svt.times,
        "ratio": t_ours.median / t_svt.median, "peer_metric": d_svt,
        "peer_iter": svt_est.n_iter_, "peer_rank": svt_est.rank_,
        "peer_residual": svt_est.residual_, "peer_diverged": svt_est.diverged_,
        "peer_inside_true_span": inside, "note": note, "peer_warnings": w_svt,
    })
    return rows


# ----------------------------------------------------------------- targets
def _targets(rows):
    lines = []
    for r in rows:
        if r["part"] == "svt":
            equal = max(r["ours_metric"], r["peer_metric"]) <= SVT_TARGET_ERROR
            met = equal and r["ratio"] <= SVT_TARGET_RATIO
            lines.append(
                f"* {r['case']}: ours {1 / r['ratio']:.2f}x faster (target >= "
                f"{1 / SVT_TARGET_RATIO:g}x), errors {r['ours_metric']:.3g} / "
                f"{r['peer_metric']:.3g} (target <= {SVT_TARGET_ERROR:g}): "
                f"{'MET' if met else 'MISSED'}")
        elif r["part"] == "soft":
            close = abs(r["ours_metric"] - r["peer_metric"]) <= 0.01 * r["peer_metric"]
            met = close and r["ratio"] <= SOFT_TARGET_RATIO
            lines.append(
                f"* {r['case']}: ours {1 / r['ratio']:.2f}x faster (target >= "
                f"{1 / SOFT_TARGET_RATIO:g}x), errors {r['ours_metric']:.4g} / "
                f"{r['peer_metric']:.4g} (equal within 1%: {'yes' if close else 'no'}): "
                f"{'MET' if met else 'MISSED'}")
    return lines


def run(quick, threads, repeats):
    log(f"reference SVT uses svds solver={SVDS_SOLVER!r} (ARPACK for k=1)")
    rows = []
    for n, rank, p, label in SVT_QUICK if quick else SVT_CASES:
        rows.append(_bench_svt(n, rank, p, label, threads, repeats))
    for n, rank, p, noise, alpha in SOFT_QUICK if quick else SOFT_CASES:
        rows.append(_bench_soft(n, rank, p, noise, alpha, threads, repeats))
    rows += _bench_one_sided(*(ONE_SIDED_QUICK if quick else ONE_SIDED), threads, repeats)
    print("\n## Targets")
    for line in _targets(rows):
        print(line)
    return rows
