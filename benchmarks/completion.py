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
from sklearn.base import clone
from sklearn.decomposition import PCA
from sklearn.utils.extmath import randomized_svd

from lrsparse.datasets import make_low_rank_matrix_with_missing
from lrsparse.impute import OneSidedCompletion, SoftImputer, SVTImputer
from lrsparse.metrics import principal_angles, relative_error, subspace_distance

from ._harness import log, lrsparse_commit, markdown_table, target_mark, time_interleaved

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

# At scale: square n x n, rank 10, m = 5 d_r unique observed entries (d_r = r (2n - r)).
SCALE_SIZES = (10_000, 30_000, 100_000)
SCALE_QUICK = (2_000,)
SCALE_RANK = 10
SCALE_OVERSAMPLING = 5
SCALE_NOISE = 0.1  # noise std as a fraction of the entry std (sqrt(rank))
SCALE_NOISY_SOLVERS = ("ScaledGD", "soft-impute ALS")  # the noisy rows (the others do not scale)
HELD_OUT = 100_000  # unobserved entries the error is measured on
HELD_OUT_QUICK = 20_000
SCALE_SINGLE_RUN_S = 5.0  # a fit longer than this is timed once
# max_iter caps {solver: {n: max_iter}} for fits that would run for many minutes
# (measured at --threads 1 on 2 cores); the table marks them.
SCALE_CAPS = {}
SCALE_TARGET_ERROR = 1e-3
SCALE_TARGET_S = 60.0
MEMORY_TARGET = 3.0  # ScaledGD's peak traced memory / CSR input size

# Ratings: Surprise's models against ours, 80/20 split of the observed stars.
RATINGS_SEEDS = (0, 1, 2)
RATINGS_QUICK_SEEDS = (0,)
RATINGS_TARGET_S = 5.0

# Condition number: iterations to a held-out relative error COND_TARGET.
COND_SIZE = (2000, 5)
COND_QUICK = (500, 5)
COND_OVERSAMPLING = 5
COND_NUMBERS = (1.0, 10.0, 100.0, 1000.0)
COND_TARGET = 1e-3
COND_MAX_ITER = 1000
COND_HELD_OUT = 20_000
COND_HISTORY_STRIDE = 10  # every 10th error of the history goes into the JSON

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


# ================================================================ at scale
def _degrees_of_freedom(n1, n2, rank):
    """``d_r = r (n1 + n2 - r)``, the dimension of the rank-r matrices."""
    return rank * (n1 + n2 - rank)


def _has_scalable_generator():
    import inspect

    params = inspect.signature(make_low_rank_matrix_with_missing).parameters
    return {"return_factors", "n_observed", "condition_number"} <= set(params)


def _factored_problem(n1, n2, rank, n_observed, *, noise=0.0, condition_number=None, seed=0):
    """``(X, A, B)``: CSR observations of ``X_true = A @ B.T`` at ``n_observed`` unique places.

    ``make_low_rank_matrix_with_missing(..., sparse_output=True,
    return_factors=True)`` when this lrsparse has it (no n1 x n2
    intermediate); otherwise the same model written here: standard normal
    factors, or ``U diag(s) V^T`` with geometric singular values of ratio
    ``condition_number`` and entries of variance ``rank``; unique positions
    drawn uniformly; ``noise`` the standard deviation on the observations.
    """
    if _has_scalable_generator():
        return make_low_rank_matrix_with_missing(
            n1, n2, rank=rank, n_observed=n_observed, noise=noise,
            condition_number=condition_number, sparse_output=True, return_factors=True,
            random_state=seed)
    rng = np.random.default_rng(seed)
    if condition_number is None:
        A = rng.standard_normal((n1, rank))
        B = rng.standard_normal((n2, rank))
    else:
        U = np.linalg.qr(rng.standard_normal((n1, rank)))[0]
        V = np.linalg.qr(rng.standard_normal((n2, rank)))[0]
        g = np.geomspace(1.0, 1.0 / condition_number, rank)
        s = g * np.sqrt(n1 * n2 * rank / np.sum(g * g))
        A, B = U * np.sqrt(s), V * np.sqrt(s)
    total = n1 * n2
    linear = np.unique(rng.integers(0, total, size=n_observed))
    while linear.size < n_observed:
        extra = rng.integers(0, total, size=n_observed - linear.size)
        linear = np.unique(np.concatenate([linear, extra]))
    rows, cols = np.divmod(linear, n2)
    values = _entries(A, B, rows, cols) + noise * rng.standard_normal(n_observed)
    indptr = np.zeros(n1 + 1, dtype=np.int64)
    np.cumsum(np.bincount(rows, minlength=n1), out=indptr[1:])
    X = sp.csr_array((values, cols.astype(np.int32), indptr.astype(np.int32)), shape=(n1, n2))
    return X, A, B


def _entries(A, B, rows, cols, chunk=1_000_000):
    """``(A @ B.T)[rows, cols]`` without the matrix, in chunks."""
    out = np.empty(rows.size)
    for s in range(0, rows.size, chunk):
        e = slice(s, s + chunk)
        out[e] = np.einsum("ij,ij->i", A[rows[e]], B[cols[e]])
    return out


def _held_out(X, A, B, size, seed):
    """``(rows, cols, truth)`` of ``size`` distinct unobserved places, drawn uniformly."""
    rng = np.random.default_rng(seed + 1000)
    n1, n2 = X.shape
    observed = (np.repeat(np.arange(n1, dtype=np.int64), np.diff(X.indptr)) * n2
                + X.indices)  # sorted: CSR with canonical indices
    draw = np.unique(rng.integers(0, n1 * n2, size=2 * size + 100))
    pos = np.minimum(np.searchsorted(observed, draw), observed.size - 1)
    draw = rng.permutation(draw[observed[pos] != draw])[:size]
    rows, cols = np.divmod(draw, n2)
    return rows, cols, _entries(A, B, rows, cols)


def _held_out_error(est, held):
    rows, cols, truth = held
    return float(np.linalg.norm(est.predict_entries(rows, cols) - truth)
                 / np.linalg.norm(truth))


def _csr_bytes(X):
    return X.data.nbytes + X.indices.nbytes + X.indptr.nbytes


def _scale_solvers(n, threads):
    """``{name: (estimator, cap note)}`` for one size, caps from SCALE_CAPS."""
    from lrsparse.impute import ScaledGDImputer

    solvers = {}
    for name, make in (
        ("ScaledGD", lambda **kw: ScaledGDImputer(**kw)),
        ("soft-impute ALS", lambda **kw: SoftImputer(solver="als", **kw)),
        ("soft-impute SVD", lambda **kw: SoftImputer(solver="svd", **kw)),
        ("SVT", lambda **kw: SVTImputer(**kw)),
    ):
        cap = SCALE_CAPS.get(name, {}).get(n)
        extra = {"max_iter": cap} if cap is not None else {}
        solvers[name] = (make(random_state=0, n_jobs=threads, **extra), cap)
    return solvers


def _warm_up(threads):
    """Compile every solver's kernels on a tiny problem (the numba disk cache may be cold)."""
    X, _, _ = _factored_problem(200, 200, 3, 6000, seed=1)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for est, _ in _scale_solvers(None, threads).values():
            est.set_params(max_iter=3).fit(X)


def _traced_peak(est, X):
    """Peak bytes traced by ``tracemalloc`` during ``est.fit(X)`` (X allocated before)."""
    import gc
    import tracemalloc

    gc.collect()
    tracemalloc.start()
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            est.fit(X)
        return tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


def _bench_scale(n, noise_fraction, threads, repeats, quick):
    rank = SCALE_RANK
    m = SCALE_OVERSAMPLING * _degrees_of_freedom(n, n, rank)
    noise = noise_fraction * np.sqrt(rank)  # the entries of A B^T have std sqrt(rank)
    start = time.perf_counter()
    X, A, B = _factored_problem(n, n, rank, m, noise=noise, seed=0)
    held = _held_out(X, A, B, HELD_OUT_QUICK if quick else HELD_OUT, seed=0)
    log(f"scale {n}x{n}, rank {rank}, m = {m} ({m / n / n:.3%}), noise {noise_fraction:g} x "
        f"entry std: data in {time.perf_counter() - start:.1f} s")
    solvers = _scale_solvers(n, threads)
    if noise_fraction:
        solvers = {k: v for k, v in solvers.items() if k in SCALE_NOISY_SOLVERS}
    fns = {name: _recording(lambda est=est: clone(est).fit(X))
           for name, (est, _) in solvers.items()}
    timed = time_interleaved(fns, repeats, single_run_s=SCALE_SINGLE_RUN_S)
    rows = []
    for name, (est0, cap) in solvers.items():
        t = timed[name]
        est, w = t.result
        err = _held_out_error(est, held)
        capped = cap is not None
        note = [f"max_iter={cap} (time cap)"] if capped else []
        if w:
            note.append("; ".join(w))
        row = {
            "case": f"{n // 1000}k x {n // 1000}k rank {rank}, m=5 d_r, noise {noise_fraction:g}",
            "part": "scale", "solver": name, "n": n, "rank": rank, "n_observed": m,
            "held_out": held[0].size,
            "noise_fraction": noise_fraction, "ours_s": t.median, "ours_times": t.times,
            "metric": "error", "measure": "held-out rel. error (unobserved entries)",
            "ours_metric": err, "ours_iter": est.n_iter_, "max_iter": est.max_iter,
            "capped": capped, "ours_rank": getattr(est, "rank_", None),
            "ours_warnings": w, "note": "; ".join(note) or None,
        }
        log(f"  {name}: {t.median:.2f} s, {est.n_iter_} it, held-out error {err:.3g}"
            + (f"; {row['note']}" if row["note"] else ""))
        if name == "ScaledGD":
            peak = _traced_peak(clone(est0), X)
            row["peak_traced_bytes"] = peak
            row["csr_bytes"] = _csr_bytes(X)
            row["memory_ratio"] = peak / _csr_bytes(X)
            log(f"    traced peak {peak / 2**20:.0f} MiB = {row['memory_ratio']:.2f} x the CSR "
                f"input ({_csr_bytes(X) / 2**20:.0f} MiB)")
        rows.append(row)
    return rows


def _print_scale_table(rows):
    print(f"\n## Completion at scale (rank {SCALE_RANK}, m = {SCALE_OVERSAMPLING} d_r, held-out "
          f"relative error on {rows[0]['held_out']:,} unobserved entries; noise std as a fraction "
          "of the entry std)\n")
    markdown_table(
        ["size", "noise", "solver", "fit s", "n_iter_", "max_iter", "held-out rel. error",
         "peak traced / CSR", "note"],
        [[f"{r['n'] // 1000}k²", f"{r['noise_fraction']:g}", r["solver"], f"{r['ours_s']:.2f}",
          str(r["ours_iter"]), f"{r['max_iter']}" + (" (cap)" if r["capped"] else ""),
          f"{r['ours_metric']:.3g}",
          f"{r['memory_ratio']:.2f}" if "memory_ratio" in r else "-",
          (r["note"] or "-").replace("|", "/")] for r in rows])


# ================================================================= ratings
def _local_ratings(seed, n_users=943, n_items=1682, n_ratings=100_000, rank=10):
    """MovieLens-100k-like synthetic stars: ``(rows, cols, stars, shape)``.

    Global mean 3.5, user and item biases, a rank-10 taste term, noise,
    rounded and clipped to 1..5; each user has at least 20 ratings, user
    activity log-normal, item popularity a power law; unique positions.
    """
    rng = np.random.default_rng(seed)
    activity = rng.lognormal(0.0, 1.0, n_users)
    counts = 20 + np.floor(activity / activity.sum() * (n_ratings - 20 * n_users)).astype(int)
    counts[: n_ratings - counts.sum()] += 1
    counts = np.minimum(counts, n_items)
    popularity = rng.permutation(1.0 / np.arange(1, n_items + 1) ** 0.9)
    popularity /= popularity.sum()
    rows = np.repeat(np.arange(n_users), counts)
    cols = np.concatenate([rng.choice(n_items, c, replace=False, p=popularity) for c in counts])
    taste = (3.5 + rng.normal(0, 0.4, n_users)[rows] + rng.normal(0, 0.5, n_items)[cols]
             + np.einsum("ij,ij->i", 0.2 * rng.standard_normal((n_users, rank))[rows],
                         0.2 * rng.standard_normal((n_items, rank))[cols]))
    stars = np.clip(np.rint(taste + rng.normal(0.0, 0.8, taste.size)), 1, 5)
    return rows, cols, stars, (n_users, n_items)


def _ratings(seed):
    """``(rows, cols, stars, shape, source)``: ``make_ratings`` when this lrsparse has it."""
    try:
        from lrsparse.datasets import make_ratings
    except ImportError:
        return *_local_ratings(seed), "local generator (benchmarks/completion.py)"
    X = sp.coo_array(make_ratings(sparse_output=True, random_state=seed)[0])
    return X.row, X.col, X.data, X.shape, "lrsparse.datasets.make_ratings"


def _surprise_models():
    from surprise import SVD, BaselineOnly, KNNBaseline, SVDpp

    return {  # default parameters (verbose off), as the issue measured them
        "Surprise BaselineOnly": lambda seed: BaselineOnly(verbose=False),
        "Surprise SVD": lambda seed: SVD(random_state=seed),
        "Surprise SVDpp": lambda seed: SVDpp(random_state=seed),
        "Surprise KNNBaseline": lambda seed: KNNBaseline(verbose=False),
    }


def _our_rating_models(threads):
    from lrsparse.impute import ScaledGDImputer

    scaled_gd = {"center": "biases"} if "center" in ScaledGDImputer().get_params() else {}
    common = {"n_jobs": threads}
    scaled_gd_name = ", ".join(f"{k}={v!r}" for k, v in scaled_gd.items())
    return {
        "SoftImputer()": lambda seed: SoftImputer(random_state=seed, **common),
        'SoftImputer(solver="als")':
            lambda seed: SoftImputer(solver="als", random_state=seed, **common),
        f"ScaledGDImputer({scaled_gd_name})":
            lambda seed: ScaledGDImputer(random_state=seed, **common, **scaled_gd),
    }


def _rmse(pred, truth):
    return float(np.sqrt(np.mean((pred - truth) ** 2)))


def _bench_ratings_seed(seed, threads, ours):
    import pandas as pd
    from surprise import Dataset, Reader

    rows, cols, stars, shape, source = _ratings(seed)
    rng = np.random.default_rng(seed)
    test = np.zeros(stars.size, dtype=bool)
    test[rng.permutation(stars.size)[: stars.size // 5]] = True
    train = ~test
    X_train = sp.csr_array((stars[train], (rows[train], cols[train])), shape=shape)
    trainset = Dataset.load_from_df(
        pd.DataFrame({"user": rows[train], "item": cols[train], "rating": stars[train]}),
        Reader(rating_scale=(1, 5))).build_full_trainset()
    testset = list(zip(rows[test].tolist(), cols[test].tolist(), stars[test].tolist()))
    truth = stars[test]
    log(f"ratings seed {seed}: {shape[0]} x {shape[1]}, {stars.size} ratings ({source}), "
        f"{train.sum()} train / {test.sum()} test")
    results = []
    for name, make in _surprise_models().items():
        algo = make(seed)
        start = time.perf_counter()
        algo.fit(trainset)
        fit_s = time.perf_counter() - start
        start = time.perf_counter()
        pred = np.array([p.est for p in algo.test(testset)])  # clipped to 1..5 by Surprise
        results.append({"model": name, "family": "Surprise", "fit_s": fit_s,
                        "predict_s": time.perf_counter() - start, "rmse": _rmse(pred, truth),
                        "rmse_raw": None, "warnings": []})
    for name, make in ours.items():
        est = make(seed)
        (est, w), fit_s = _timed(_recording(lambda est=est: est.fit(X_train)))
        start = time.perf_counter()
        raw = est.predict_entries(rows[test], cols[test])
        results.append({"model": name, "family": "lrsparse", "fit_s": fit_s,
                        "predict_s": time.perf_counter() - start,
                        "rmse": _rmse(np.clip(raw, 1, 5), truth), "rmse_raw": _rmse(raw, truth),
                        "n_iter": est.n_iter_, "warnings": w})
    for r in results:
        log(f"  {r['model']}: fit {r['fit_s']:.2f} s, RMSE {r['rmse']:.4f}"
            + (f" (unclipped {r['rmse_raw']:.4f}, {r['n_iter']} it)" if r["rmse_raw"] else "")
            + (f"; {'; '.join(r['warnings'])}" if r["warnings"] else ""))
    return [r | {"seed": seed, "source": source} for r in results]


def _timed(fn):
    start = time.perf_counter()
    result = fn()
    return result, time.perf_counter() - start


def _bench_ratings(seeds, threads):
    ours = _our_rating_models(threads)
    # Compile our kernels before timing (the numba disk cache may be cold).
    r, c, s, shape = _local_ratings(0, n_users=60, n_items=80, n_ratings=1500)
    X = sp.csr_array((s, (r, c)), shape=shape)
    for make in ours.values():
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            make(0).fit(X)
    per_seed = [row for seed in seeds for row in _bench_ratings_seed(seed, threads, ours)]
    rows = []
    for model in dict.fromkeys(r["model"] for r in per_seed):
        runs = [r for r in per_seed if r["model"] == model]
        rows.append({
            "case": f"ratings 943 x 1682, 100k stars, 80/20 split, {len(seeds)} seeds",
            "part": "ratings", "model": model, "family": runs[0]["family"],
            "source": runs[0]["source"], "ours_s": float(np.median([r["fit_s"] for r in runs])),
            "fit_times": [r["fit_s"] for r in runs],
            "predict_s": float(np.median([r["predict_s"] for r in runs])),
            "metric": "error", "measure": "held-out RMSE (clipped to 1..5)",
            "ours_metric": float(np.median([r["rmse"] for r in runs])),
            "rmse_per_seed": [r["rmse"] for r in runs],
            "rmse_raw_per_seed": [r["rmse_raw"] for r in runs],
            "ours_iter": runs[-1].get("n_iter"),
            "warnings": [w for r in runs for w in r["warnings"]],
        })
    return rows


def _print_ratings_table(rows):
    print(f"\n## Ratings ({rows[0]['source']}; median over seeds; RMSE clipped to 1..5 as "
          "Surprise does, unclipped in brackets)\n")
    markdown_table(
        ["model", "fit s (median)", "predict s", "RMSE (median)", "RMSE per seed", "warnings"],
        [[r["model"], f"{r['ours_s']:.2f}", f"{r['predict_s']:.2f}", f"{r['ours_metric']:.4f}",
          " / ".join(f"{x:.4f}" for x in r["rmse_per_seed"])
          + (" (" + " / ".join(f"{x:.4f}" for x in r["rmse_raw_per_seed"]) + ")"
             if r["family"] == "lrsparse" else ""),
          str(len(r["warnings"]))] for r in rows])


# ====================================================== condition number
class _Reached(Exception):
    """Raised by the callback to stop the solver at the target error."""


def _iterations_to(obs, scale, held, n_components, precondition, max_iter, target):
    """First iteration whose held-out relative error is <= ``target`` (None: not in max_iter)."""
    from lrsparse.impute._scaled_gd import scaled_gd_completion

    rows, cols, truth = held
    norm = np.linalg.norm(truth)
    history = []

    def callback(n_iter, L, R):
        err = float(np.linalg.norm(scale * _entries(L, R, rows, cols) - truth) / norm)
        history.append(err)
        if err <= target:
            raise _Reached

    start = time.perf_counter()
    try:
        scaled_gd_completion(obs, n_components, precondition=precondition, tol=0.0,
                             max_iter=max_iter, random_state=0, callback=callback)
    except _Reached:
        pass
    elapsed = time.perf_counter() - start
    reached = bool(history) and history[-1] <= target
    return (len(history) if reached else None), history, elapsed


def _bench_condition(quick):
    from lrsparse.impute._base import observed_entries, scaled

    n, rank = COND_QUICK if quick else COND_SIZE
    m = COND_OVERSAMPLING * _degrees_of_freedom(n, n, rank)
    rows = []
    for kappa in COND_NUMBERS:
        X, A, B = _factored_problem(n, n, rank, m, condition_number=kappa, seed=0)
        held = _held_out(X, A, B, COND_HELD_OUT, seed=0)
        sobs, scale = scaled(observed_entries(X, np.nan))
        for label, k, precondition in (
            ("ScaledGD(lambda), k = r", rank, True),
            ("ScaledGD(lambda), k = 2r", 2 * rank, True),
            ("gradient descent, k = r", rank, False),
        ):
            it, history, elapsed = _iterations_to(
                sobs, scale, held, k, precondition, COND_MAX_ITER, COND_TARGET)
            log(f"condition {kappa:g}, {label}: "
                + (f"{it} iterations" if it else f"not reached in {COND_MAX_ITER} "
                   f"(error {history[-1]:.3g})") + f", {elapsed:.2f} s")
            rows.append({
                "case": f"{n}x{n} rank {rank}, m={COND_OVERSAMPLING} d_r, condition {kappa:g}",
                "part": "condition", "solver": label, "condition_number": kappa,
                "n_components": k, "precondition": precondition, "ours_s": elapsed,
                "metric": "error", "measure": f"iterations to held-out rel. error {COND_TARGET:g}",
                "ours_iter": it, "ours_metric": history[-1] if history else None,
                "history": history[::COND_HISTORY_STRIDE] + history[-1:],
            })
    return rows


def _print_condition_table(rows):
    print(f"\n## Iterations to held-out relative error {COND_TARGET:g} against the condition "
          f"number ({rows[0]['case'].rsplit(',', 1)[0]}; cap {COND_MAX_ITER})\n")
    solvers = list(dict.fromkeys(r["solver"] for r in rows))
    kappas = list(dict.fromkeys(r["condition_number"] for r in rows))
    cell = {(r["solver"], r["condition_number"]): r for r in rows}
    markdown_table(
        ["solver"] + [f"kappa = {k:g}" for k in kappas],
        [[s] + [(str(cell[s, k]["ours_iter"]) if cell[s, k]["ours_iter"]
                 else f"> {COND_MAX_ITER} ({cell[s, k]['ours_metric']:.2g})")
                + f", {cell[s, k]['ours_s']:.1f} s" for k in kappas] for s in solvers])


# ----------------------------------------------------------------- targets
def _targets(rows):
    lines = []
    for r in rows:
        if r["part"] == "svt":
            equal = max(r["ours_metric"], r["peer_metric"]) <= SVT_TARGET_ERROR
            lines.append(
                f"{target_mark(equal and r['ratio'] <= SVT_TARGET_RATIO)} {r['case']}: ours "
                f"{1 / r['ratio']:.2f}x faster (target >= {1 / SVT_TARGET_RATIO:g}x), errors "
                f"{r['ours_metric']:.3g} / {r['peer_metric']:.3g} (target <= "
                f"{SVT_TARGET_ERROR:g})")
        elif r["part"] == "soft":
            close = abs(r["ours_metric"] - r["peer_metric"]) <= 0.01 * r["peer_metric"]
            lines.append(
                f"{target_mark(close and r['ratio'] <= SOFT_TARGET_RATIO)} {r['case']}: ours "
                f"{1 / r['ratio']:.2f}x faster (target >= {1 / SOFT_TARGET_RATIO:g}x), errors "
                f"{r['ours_metric']:.4g} / {r['peer_metric']:.4g} (equal within 1%: "
                f"{'yes' if close else 'no'})")
    return lines + _scale_targets(rows) + _ratings_targets(rows) + _condition_targets(rows)


def _scale_targets(rows):
    scale = [r for r in rows if r["part"] == "scale"]
    if not scale:
        return []
    lines = []
    largest = max(r["n"] for r in scale)
    for r in scale:
        if r["solver"] == "ScaledGD" and r["n"] == largest:
            if r["noise_fraction"] == 0:
                ok = r["ours_metric"] <= SCALE_TARGET_ERROR and r["ours_s"] <= SCALE_TARGET_S
                lines.append(
                    f"{target_mark(ok)} {r['case']}: ScaledGD held-out error "
                    f"{r['ours_metric']:.3g} (<= {SCALE_TARGET_ERROR:g}) in {r['ours_s']:.1f} s "
                    f"(<= {SCALE_TARGET_S:g} s)")
            else:
                lines.append(
                    f"{target_mark(r['ours_metric'] <= r['noise_fraction'])} {r['case']}: "
                    f"ScaledGD held-out error {r['ours_metric']:.3g}, noise level "
                    f"{r['noise_fraction']:g} (oracle rank-r least squares ~ noise x "
                    f"sqrt(d_r / m) = {r['noise_fraction'] / np.sqrt(SCALE_OVERSAMPLING):.3g})")
        if "memory_ratio" in r:
            lines.append(
                f"{target_mark(r['memory_ratio'] <= MEMORY_TARGET)} {r['case']}: ScaledGD "
                f"peak traced memory {r['memory_ratio']:.2f} x the CSR input (<= "
                f"{MEMORY_TARGET:g})")
        if not r["capped"]:
            ok = r["ours_s"] <= SCALE_TARGET_S or bool(r["ours_warnings"])
            lines.append(
                f"{target_mark(ok)} {r['case']}: {r['solver']} default fit {r['ours_s']:.1f} s "
                f"(<= {SCALE_TARGET_S:g} s, or warns and stops)")
    return lines


def _ratings_targets(rows):
    ratings = [r for r in rows if r["part"] == "ratings"]
    peers = [r for r in ratings if r["family"] == "Surprise"]
    if not peers:
        return []
    best = min(peers, key=lambda r: r["ours_metric"])
    lines = []
    for r in ratings:
        if r["family"] != "lrsparse":
            continue
        seeds_won = sum(
            x < min(p["rmse_per_seed"][i] for p in peers) for i, x in enumerate(r["rmse_per_seed"]))
        ok = (r["ours_metric"] < best["ours_metric"] and seeds_won == len(r["rmse_per_seed"])
              and r["ours_s"] <= RATINGS_TARGET_S)
        lines.append(
            f"{target_mark(ok)} ratings: {r['model']} RMSE {r['ours_metric']:.4f} vs best "
            f"Surprise ({best['model']}) {best['ours_metric']:.4f}, better on {seeds_won}/"
            f"{len(r['rmse_per_seed'])} seeds, fit {r['ours_s']:.2f} s (<= "
            f"{RATINGS_TARGET_S:g} s)")
    return lines


def _condition_targets(rows):
    cond = [r for r in rows if r["part"] == "condition" and r["precondition"]]
    lines = []
    for solver in dict.fromkeys(r["solver"] for r in cond):
        runs = {r["condition_number"]: r["ours_iter"] for r in cond if r["solver"] == solver}
        base, worst = runs.get(1.0), [runs.get(k) for k in runs if k <= 100]
        ok = base is not None and None not in worst and max(worst) <= 2 * base
        lines.append(
            f"{target_mark(ok)} condition number: {solver} iterations to {COND_TARGET:g} at "
            f"kappa = 1 / 10 / 100: {' / '.join(str(runs.get(k)) for k in (1.0, 10.0, 100.0))} "
            "(kappa <= 100 within 2x of kappa = 1)")
    return lines


def run(quick, threads, repeats):
    commit = lrsparse_commit()
    print(f"# lrsparse at commit {commit}", flush=True)
    log(f"reference SVT uses svds solver={SVDS_SOLVER!r} (ARPACK for k=1)")
    rows = []
    for n, rank, p, label in SVT_QUICK if quick else SVT_CASES:
        rows.append(_bench_svt(n, rank, p, label, threads, repeats))
    for n, rank, p, noise, alpha in SOFT_QUICK if quick else SOFT_CASES:
        rows.append(_bench_soft(n, rank, p, noise, alpha, threads, repeats))
    rows += _bench_one_sided(*(ONE_SIDED_QUICK if quick else ONE_SIDED), threads, repeats)
    _warm_up(threads)
    scale_rows = []
    for n in SCALE_QUICK if quick else SCALE_SIZES:
        for noise in (0.0, SCALE_NOISE):
            scale_rows += _bench_scale(n, noise, threads, repeats, quick)
    ratings_rows = _bench_ratings(RATINGS_QUICK_SEEDS if quick else RATINGS_SEEDS, threads)
    condition_rows = _bench_condition(quick)
    rows += scale_rows + ratings_rows + condition_rows
    for row in rows:
        row["lrsparse_commit"] = commit

    _print_scale_table(scale_rows)
    _print_ratings_table(ratings_rows)
    _print_condition_table(condition_rows)
    print(f"\n## Targets (from the issues), lrsparse {commit}")
    for line in _targets(rows):
        print(line)
    return rows
