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

Three parts for issue 15 ("Completion at scale"), each with its own table:

* **at scale**: n x n, n = 10k, 30k, 100k, rank 10, m = 5 d_r observed
  entries, noiseless and with noise: whole-``fit`` time and relative error
  on 100k unobserved entries (``predict_entries``) of ``ScaledGDImputer``,
  ``SoftImputer(solver="als")``, ``SoftImputer(solver="svd")`` and
  ``SVTImputer`` at their defaults, each fit in a spawned process with a
  time budget (:func:`_run_guarded`), SVT capped by ``max_iter``; ScaledGD's
  peak traced memory against the CSR input.
* **ratings**: ``make_ratings`` (MovieLens-100k-like), 80/20 split, 3 seeds:
  Surprise's ``BaselineOnly``, ``SVD``, ``SVDpp``, ``KNNBaseline`` at their
  defaults against ours, held-out RMSE and fit time.
* **condition number**: iterations of ``scaled_gd_completion`` to a held-out
  relative error of 1e-3 (its ``callback``) for condition numbers 1 to
  1000, ScaledGD(lambda) against plain gradient descent
  (``precondition=False``).

See ``benchmarks/README.md`` for the settings and targets.

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

from lrsparse.datasets import make_low_rank_matrix_with_missing, make_ratings
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
SCALE_QUICK = (500,)
SCALE_RANK = 10
SCALE_OVERSAMPLING = 5
SCALE_NOISE = 0.1  # noise std as a fraction of the entry std (sqrt(rank))
SCALE_NOISY_SOLVERS = ("ScaledGD", "soft-impute ALS")  # the noisy rows (the others do not scale)
HELD_OUT = 100_000  # unobserved entries the error is measured on
HELD_OUT_QUICK = 20_000
SCALE_SINGLE_RUN_S = 5.0  # a fit longer than this is timed once
# Each fit runs in its own process and is stopped past this budget (a default
# that does not finish); the solver is then not run at the larger sizes.
SCALE_BUDGET_S = 180.0
SCALE_BUDGET_QUICK_S = 5.0
SCALE_SETUP_S = 300.0  # data generation and kernel loading in the fit's process
# max_iter caps {solver: {n: max_iter}} for fits that would run for many minutes
# (measured at --threads 1 on 2 cores); the table marks them.
SCALE_CAPS = {"SVT": {10_000: 150, 30_000: 40, 100_000: 10}}
SCALE_TARGET_ERROR = 1e-3
SCALE_TARGET_S = 60.0
MEMORY_TARGET = 3.0  # ScaledGD's peak traced memory / CSR input size

# Ratings: Surprise's models against ours, 80/20 split of the observed stars.
RATINGS = {"seeds": (0, 1, 2), "n_users": 943, "n_items": 1682, "n_ratings": 100_000}
RATINGS_QUICK = {"seeds": (0,), "n_users": 300, "n_items": 500, "n_ratings": 15_000}
RATINGS_TARGET_S = 5.0

# Condition number: iterations to a held-out relative error COND_TARGET.
COND_SIZE = (2000, 5)
COND_QUICK = (500, 5)
COND_OVERSAMPLING = 5
COND_NUMBERS = (1.0, 10.0, 100.0, 1000.0)
COND_TARGET = 1e-3
COND_MAX_ITER = 1000
COND_MAX_ITER_QUICK = 300
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
        est = SoftImputer(alpha=alpha, solver="svd", center=None, tol=SOFT_TOL,
                          max_iter=SOFT_MAX_ITER, n_components=SOFT_MAX_RANK, random_state=0,
                          n_jobs=threads)
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


def _factored_problem(n1, n2, rank, n_observed, *, noise=0.0, condition_number=None, seed=0):
    """``(X, A, B)``: CSR observations of ``X_true = A @ B.T`` at ``n_observed`` distinct places."""
    return make_low_rank_matrix_with_missing(
        n1, n2, rank=rank, n_observed=n_observed, noise=noise,
        condition_number=condition_number, sparse_output=True, return_factors=True,
        random_state=seed)


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


SCALE_SOLVERS = ("ScaledGD", "soft-impute ALS", "soft-impute SVD", "SVT")


def _scale_estimator(name, cap, threads):
    """The estimator ``name`` at its defaults, ``max_iter=cap`` when a cap is given."""
    from lrsparse.impute import ScaledGDImputer

    kw = {"random_state": 0, "n_jobs": threads} | ({"max_iter": cap} if cap else {})
    if name == "ScaledGD":
        return ScaledGDImputer(**kw)
    if name == "SVT":
        return SVTImputer(**kw)
    return SoftImputer(solver={"soft-impute ALS": "als", "soft-impute SVD": "svd"}[name], **kw)


def _scale_problem(n, noise_fraction, held_size):
    """``(X, held)``: rank 10, m = 5 d_r, noise a fraction of the entry std ``sqrt(rank)``."""
    rank = SCALE_RANK
    m = SCALE_OVERSAMPLING * _degrees_of_freedom(n, n, rank)
    X, A, B = _factored_problem(n, n, rank, m, noise=noise_fraction * np.sqrt(rank), seed=0)
    return X, _held_out(X, A, B, held_size, seed=0)


def _traced_peak(est, X):
    """Peak bytes traced by ``tracemalloc`` during ``est.fit(X)`` (X allocated before).

    Arrays allocated by numba kernels are not traced (NumPy's are).
    """
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


def _scale_worker(conn, names, n, noise_fraction, caps, threads, repeats, held_size):
    """Solvers ``names`` at one size, in a process of their own, one after the other.

    Sends ``("ready", name)`` (data made, kernels loaded), ``("first", name,
    seconds)`` after the first timed fit, then ``("done", name, results)``; the
    parent stops the process when a fit runs past its budget.
    """
    from ._harness import pinned_threads

    try:
        with pinned_threads(threads):
            X, held = _scale_problem(n, noise_fraction, held_size)
            tiny, _, _ = _factored_problem(200, 200, 3, 6000, seed=1)
            for name in names:
                est0 = _scale_estimator(name, caps.get(name), threads)
                with warnings.catch_warnings():  # compile / load the kernels, untimed
                    warnings.simplefilter("ignore")
                    clone(est0).set_params(max_iter=2).fit(tiny)
                conn.send(("ready", name))
                fit = _recording(lambda: clone(est0).fit(X))
                start = time.perf_counter()
                est, w = fit()
                times = [time.perf_counter() - start]
                conn.send(("first", name, times[0]))
                if times[0] <= SCALE_SINGLE_RUN_S and repeats > 1:
                    t = time_interleaved({name: fit}, repeats - 1, warmup=0)[name]
                    times += t.times
                out = {"median": float(np.median(times)), "times": times,
                       "n_iter": est.n_iter_, "max_iter": est.max_iter,
                       "error": _held_out_error(est, held),
                       "rank": getattr(est, "rank_", None), "warnings": w}
                if name == "ScaledGD":
                    out["peak_traced_bytes"] = _traced_peak(clone(est0), X)
                    out["csr_bytes"] = _csr_bytes(X)
                conn.send(("done", name, out))
    except BaseException as exc:  # reported in the table, the run goes on
        conn.send(("failed", None, f"{type(exc).__name__}: {exc}"))


def _run_guarded(names, n, noise_fraction, caps, threads, repeats, held_size, budget):
    """``{name: (status, payload)}`` from :func:`_scale_worker` processes.

    ``status`` is "done", "timeout" (the first fit ran past ``budget``: the
    process is stopped and a new one takes the remaining solvers) or "failed".
    """
    import multiprocessing

    ctx = multiprocessing.get_context("spawn")  # a fresh process: no forked thread pools
    results, remaining = {}, list(names)
    while remaining:
        receive, send = ctx.Pipe(duplex=False)
        proc = ctx.Process(target=_scale_worker, daemon=True, args=(
            send, remaining, n, noise_fraction, caps, threads, repeats, held_size))
        proc.start()
        try:
            while remaining:
                name = remaining[0]
                wait = {"ready": SCALE_SETUP_S, "first": budget,
                        "done": 6 * SCALE_SINGLE_RUN_S + budget}
                for stage in ("ready", "first", "done"):
                    if not receive.poll(wait[stage]):
                        results[name] = (("timeout", budget) if stage == "first"
                                         else ("failed", f"no {stage!r} after {wait[stage]} s"))
                        break
                    status, _, *payload = receive.recv()
                    if status == "failed":
                        results[name] = ("failed", payload[0])
                        break
                else:
                    results[name] = ("done", payload[0])
                remaining.pop(0)
                if results[name][0] != "done":
                    break  # a new process for the others
        except EOFError:
            results[remaining.pop(0)] = ("failed", f"worker exited with code {proc.exitcode}")
        finally:
            if proc.is_alive():
                proc.terminate()
            proc.join()
    return results


def _size(n):
    return f"{n // 1000}k" if n % 1000 == 0 else str(n)


def _scale_row(name, n, noise_fraction, cap, held_size, budget):
    return {
        "case": f"{_size(n)} x {_size(n)} rank {SCALE_RANK}, m=5 d_r, noise {noise_fraction:g}",
        "part": "scale", "solver": name, "n": n, "rank": SCALE_RANK,
        "n_observed": SCALE_OVERSAMPLING * _degrees_of_freedom(n, n, SCALE_RANK),
        "noise_fraction": noise_fraction, "held_out": held_size, "capped": cap is not None,
        "max_iter": cap, "metric": "error", "measure": "held-out rel. error (unobserved entries)",
        "ours_s": None, "ours_metric": None, "ours_iter": None, "ours_warnings": [],
        "budget_s": budget, "note": None,
    }


def _bench_scale(sizes, threads, repeats, quick):
    """Every solver at every size, noiseless and noisy, each fit with a time budget
    (in a process of its own); a solver past its budget at one size is not run at
    the larger ones."""
    held_size = HELD_OUT_QUICK if quick else HELD_OUT
    budget = SCALE_BUDGET_QUICK_S if quick else SCALE_BUDGET_S
    rows, gave_up = [], {}
    for n in sizes:
        caps = {name: c[n] for name, c in SCALE_CAPS.items() if n in c}
        for noise_fraction in (0.0, SCALE_NOISE):
            m = SCALE_OVERSAMPLING * _degrees_of_freedom(n, n, SCALE_RANK)
            log(f"scale {n}x{n}, rank {SCALE_RANK}, m = {m} ({m / n / n:.3%}), noise "
                f"{noise_fraction:g} x entry std")
            names = SCALE_SOLVERS if noise_fraction == 0 else SCALE_NOISY_SOLVERS
            run = [name for name in names if (name, noise_fraction) not in gave_up]
            results = _run_guarded(run, n, noise_fraction, caps, threads, repeats, held_size,
                                   budget)
            for name in names:
                cap = caps.get(name)
                row = _scale_row(name, n, noise_fraction, cap, held_size, budget)
                rows.append(row)
                status, out = results.get(name, ("skipped", gave_up.get((name, noise_fraction))))
                if status == "skipped":
                    row["note"] = f"not run: {out}"
                elif status == "timeout":
                    row["note"] = f"did not finish in {budget:g} s (stopped)"
                    gave_up[name, noise_fraction] = f"did not finish in {budget:g} s at {n}²"
                elif status == "failed":
                    row["note"] = f"failed: {out}"
                    gave_up[name, noise_fraction] = f"failed at {n}²"
                else:
                    row |= {"ours_s": out["median"], "ours_times": out["times"],
                            "ours_metric": out["error"], "ours_iter": out["n_iter"],
                            "max_iter": out["max_iter"], "ours_rank": out["rank"],
                            "ours_warnings": out["warnings"]}
                    row["note"] = "; ".join(([f"max_iter={cap} (time cap)"] if cap else [])
                                            + out["warnings"]) or None
                    if "peak_traced_bytes" in out:
                        row |= {k: out[k] for k in ("peak_traced_bytes", "csr_bytes")}
                        row["memory_ratio"] = out["peak_traced_bytes"] / out["csr_bytes"]
                    log(f"  {name}: {row['ours_s']:.2f} s, {row['ours_iter']} it, held-out "
                        f"error {row['ours_metric']:.3g}"
                        + (f", traced peak {row['memory_ratio']:.2f} x the CSR input"
                           if "memory_ratio" in row else ""))
                if row["note"]:
                    log(f"  {name}: {row['note']}")
    return rows


def _print_scale_table(rows):
    print(f"\n## Completion at scale (rank {SCALE_RANK}, m = {SCALE_OVERSAMPLING} d_r, held-out "
          f"relative error on {rows[0]['held_out']:,} unobserved entries; noise std as a fraction "
          "of the entry std)\n")
    markdown_table(
        ["size", "noise", "solver", "fit s", "n_iter_", "max_iter", "held-out rel. error",
         "peak traced / CSR", "note"],
        [[f"{_size(r['n'])}²", f"{r['noise_fraction']:g}", r["solver"],
          _fmt(r["ours_s"], ".2f"), _fmt(r["ours_iter"]),
          _fmt(r["max_iter"]) + (" (cap)" if r["capped"] else ""), _fmt(r["ours_metric"], ".3g"),
          _fmt(r.get("memory_ratio"), ".2f"), (r["note"] or "-").replace("|", "/")]
         for r in rows])


def _fmt(value, spec=""):
    return "-" if value is None else format(value, spec)


# ================================================================= ratings
def _ratings(seed, n_users, n_items, n_ratings):
    """``(rows, cols, stars, shape, expected_stars)`` from ``make_ratings``.

    ``expected_stars`` is the Bayes-optimal prediction of each rating from
    the generator's noiseless taste: the floor of any model's RMSE.
    """
    X, truth = make_ratings(n_users, n_items, n_ratings=n_ratings, random_state=seed)
    X = sp.coo_array(X)  # row-major, the order of truth's arrays
    return X.row, X.col, X.data, X.shape, truth.expected_stars


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


def _bench_ratings_seed(seed, sizes, threads, ours):
    import pandas as pd
    from surprise import Dataset, Reader

    rows, cols, stars, shape, oracle = _ratings(seed, **sizes)
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
    log(f"ratings seed {seed}: {shape[0]} x {shape[1]}, {stars.size} ratings, "
        f"{train.sum()} train / {test.sum()} test")
    results = [{"model": "noiseless truth (expected_stars; the floor)", "family": "truth",
                "fit_s": 0.0, "predict_s": 0.0, "rmse": _rmse(oracle[test], truth),
                "rmse_raw": None, "warnings": []}]
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
    return [r | {"seed": seed} for r in results]


def _timed(fn):
    start = time.perf_counter()
    result = fn()
    return result, time.perf_counter() - start


def _bench_ratings(settings, threads):
    ours = _our_rating_models(threads)
    # Compile our kernels before timing (the numba disk cache may be cold).
    X, _ = make_ratings(60, 80, n_ratings=1500, random_state=0)
    for make in ours.values():
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            make(0).fit(X)
    seeds = settings["seeds"]
    sizes = {k: v for k, v in settings.items() if k != "seeds"}
    per_seed = [row for seed in seeds for row in _bench_ratings_seed(seed, sizes, threads, ours)]
    rows = []
    for model in dict.fromkeys(r["model"] for r in per_seed):
        runs = [r for r in per_seed if r["model"] == model]
        rows.append({
            "case": f"ratings {sizes['n_users']} x {sizes['n_items']}, {sizes['n_ratings']} "
                    f"stars, 80/20 split, {len(seeds)} seeds",
            "part": "ratings", "model": model, "family": runs[0]["family"],
            "ours_s": float(np.median([r["fit_s"] for r in runs])),
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
    print(f"\n## Ratings ({rows[0]['case']}, make_ratings; median over seeds; RMSE of ours "
          "clipped to 1..5 as Surprise does, unclipped in brackets)\n")
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


def _iterations_to(obs, scale, held, n_components, precondition, max_iter, target,
                   validation_fraction):
    """``(first iteration with held-out relative error <= target or None, errors, seconds)``.

    The solver's ``callback`` records the held-out error after every
    iteration (its cost is in the seconds) and stops the solver at the target.
    """
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
                             max_iter=max_iter, validation_fraction=validation_fraction,
                             random_state=0, callback=callback)
    except _Reached:
        pass
    elapsed = time.perf_counter() - start
    reached = bool(history) and history[-1] <= target
    return (len(history) if reached else None), history, elapsed


def _bench_condition(quick):
    from lrsparse.impute._base import observed_entries, scaled

    n, rank = COND_QUICK if quick else COND_SIZE
    max_iter = COND_MAX_ITER_QUICK if quick else COND_MAX_ITER
    m = COND_OVERSAMPLING * _degrees_of_freedom(n, n, rank)
    rows = []
    for kappa in COND_NUMBERS:
        X, A, B = _factored_problem(n, n, rank, m, condition_number=kappa, seed=0)
        held = _held_out(X, A, B, COND_HELD_OUT, seed=0)
        sobs, scale = scaled(observed_entries(X, np.nan))
        for label, k, precondition, validation in (
            ("ScaledGD(lambda), k = r", rank, True, None),
            ("ScaledGD(lambda), k = 2r", 2 * rank, True, None),
            ("ScaledGD(lambda), k = 2r, rank cut", 2 * rank, True, 0.02),
            ("gradient descent, k = r", rank, False, None),
        ):
            it, history, elapsed = _iterations_to(
                sobs, scale, held, k, precondition, max_iter, COND_TARGET, validation)
            log(f"condition {kappa:g}, {label}: "
                + (f"{it} iterations" if it else f"not reached; solver stopped after "
                   f"{len(history)} iterations at error {history[-1]:.3g}") + f", {elapsed:.2f} s")
            rows.append({
                "case": f"{n}x{n} rank {rank}, m={COND_OVERSAMPLING} d_r, condition {kappa:g}",
                "part": "condition", "solver": label, "condition_number": kappa,
                "n_components": k, "precondition": precondition, "ours_s": elapsed,
                "validation_fraction": validation,
                "max_iter": max_iter,
                "metric": "error", "measure": f"iterations to held-out rel. error {COND_TARGET:g}",
                "ours_iter": it, "iterations_run": len(history),
                "ours_metric": history[-1] if history else None,
                "history": history[::COND_HISTORY_STRIDE] + history[-1:],
            })
    return rows


def _print_condition_table(rows):
    print(f"\n## Iterations to held-out relative error {COND_TARGET:g} against the condition "
          f"number ({rows[0]['case'].rsplit(',', 1)[0]}; at most {rows[0]['max_iter']} "
          "iterations)\n")
    solvers = list(dict.fromkeys(r["solver"] for r in rows))
    kappas = list(dict.fromkeys(r["condition_number"] for r in rows))
    cell = {(r["solver"], r["condition_number"]): r for r in rows}
    markdown_table(
        ["solver"] + [f"kappa = {k:g}" for k in kappas],
        [[s] + [(str(cell[s, k]["ours_iter"]) if cell[s, k]["ours_iter"]
                 else f"not reached: {cell[s, k]['ours_metric']:.2g} after "
                      f"{cell[s, k]['iterations_run']}")
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
        done = r["ours_metric"] is not None
        if r["solver"] == "ScaledGD" and r["n"] == largest:
            if r["noise_fraction"] == 0:
                ok = done and (r["ours_metric"] <= SCALE_TARGET_ERROR
                               and r["ours_s"] <= SCALE_TARGET_S)
                lines.append(
                    f"{target_mark(ok)} {r['case']}: ScaledGD held-out error "
                    f"{_fmt(r['ours_metric'], '.3g')} (<= {SCALE_TARGET_ERROR:g}) in "
                    f"{_fmt(r['ours_s'], '.1f')} s (<= {SCALE_TARGET_S:g} s)")
            else:
                ok = done and r["ours_metric"] <= r["noise_fraction"]
                lines.append(
                    f"{target_mark(ok)} {r['case']}: ScaledGD held-out error "
                    f"{_fmt(r['ours_metric'], '.3g')}, noise level {r['noise_fraction']:g} "
                    f"(oracle rank-r least squares ~ noise x sqrt(d_r / m) = "
                    f"{r['noise_fraction'] / np.sqrt(SCALE_OVERSAMPLING):.3g})")
        if "memory_ratio" in r:
            lines.append(
                f"{target_mark(r['memory_ratio'] <= MEMORY_TARGET)} {r['case']}: ScaledGD "
                f"peak traced memory {r['memory_ratio']:.2f} x the CSR input (<= "
                f"{MEMORY_TARGET:g})")
        if not r["capped"]:
            ok = done and (r["ours_s"] <= SCALE_TARGET_S or bool(r["ours_warnings"]))
            lines.append(
                f"{target_mark(ok)} {r['case']}: {r['solver']} default fit "
                + (f"{r['ours_s']:.1f} s" if done else r["note"])
                + f" (<= {SCALE_TARGET_S:g} s, or warns and stops)")
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
    scale_rows = _bench_scale(SCALE_QUICK if quick else SCALE_SIZES, threads, repeats, quick)
    ratings_rows = _bench_ratings(RATINGS_QUICK if quick else RATINGS, threads)
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
