"""Scaling out: grid searches on Dask, and the numba-parallel kernels' thread scaling.

Two parts (issue 16), each printed as a markdown table and saved with the
results JSON:

* **grid** -- a grid search of 48 fits (16 candidates x 3 folds) over one
  estimator of each of the nine families, on small realistic data from
  :mod:`lrsparse.datasets`, timed three ways in the same process on the
  same data: ``GridSearchCV(n_jobs=1)`` (the default backend),
  ``GridSearchCV(n_jobs=2)`` (joblib's loky processes) and
  ``GridSearchCV(n_jobs=-1)`` under ``joblib.parallel_config(backend="dask")``
  on a ``distributed.LocalCluster(n_workers=2, threads_per_worker=1)`` bound
  to 127.0.0.1 (worker processes; thread workers, ``processes=False``, when
  processes cannot start: the table says which).  Before the timings, every
  worker imports the estimators and loads the numba kernels (from numba's disk
  cache) once, and each search follows an untimed one-candidate search on the
  same backend, so no timing contains a compilation.  The estimators get
  ``n_jobs=1`` (``INNER_N_JOBS``, ``--inner-n-jobs``), which ``None`` now
  also means inside a dask-backend task (before that fix joblib's answer
  there, the cluster's thread count, oversubscribed the cores).  The columns give the wall
  times, the overhead ratio dask / default, and whether ``best_params_`` and
  ``cv_results_["mean_test_score"]`` of the Dask search equal (exactly) those
  of the default one.  On 2 cores no speed-up is expected: the point is equal
  results, and the overhead.
* **threads** -- whole ``fit`` of FastRP, SVTImputer, StructuredSparseNMF and
  Swivel at 1, 2, ... threads (``n_jobs=t``, which sets numba's thread count;
  Swivel runs its nogil block kernels in ``t`` Python threads), BLAS pinned
  to one thread, one untimed warm-up fit per thread count (compilation), then
  the median of ``repeats`` fits timed in interleaved rounds (fewer when the
  fits are slow: ``THREAD_BUDGET_S`` of timed calls, at least one).  Speed-up =
  time at 1 thread / time at ``t`` threads; the fitted result at ``t``
  threads is compared with the one at 1 thread.

``python -m benchmarks scaleout [--quick] [--repeats K]`` runs both parts at
1 and 2 threads.  On a larger machine, ``python -m benchmarks.scaleout
--threads-list 1,2,4,8,16 [--part threads]`` runs the thread part at the
listed counts (capped by ``NUMBA_NUM_THREADS``).
"""

import argparse
import time
import warnings

import numpy as np
import scipy.sparse as sp

from ._harness import log, lrsparse_commit, markdown_table, time_interleaved

GRID_FOLDS = 3
GRID_CANDIDATES = 16  # x 3 folds = 48 fits per estimator
DEFAULT_THREADS = (1, 2)
INNER_N_JOBS = 1  # n_jobs of the estimators inside the searches
THREAD_BUDGET_S = 20.0  # timed seconds per estimator and thread count (at least one call)

EXTRA_COLUMNS = (
    ("loky_s", "loky n_jobs=2 s"),
    ("equal", "dask == default"),
    ("note", "note"),
)


# ------------------------------------------------------------ grid search
def _sbm():
    from lrsparse.datasets import make_sbm_graph

    # 300 nodes, 3 blocks, average degree ~ 12 (a third of the edges inside).
    return make_sbm_graph(300, 3, p_in=0.04, p_out=0.02, random_state=0)


def _grid_cases():
    """``{family: () -> dict(estimator, X, y, grid, scoring, cv)}``; 16 candidates each."""
    from sklearn.linear_model import LogisticRegression
    from sklearn.model_selection import KFold, StratifiedKFold
    from sklearn.pipeline import Pipeline

    kfold = KFold(GRID_FOLDS, shuffle=True, random_state=0)
    stratified = StratifiedKFold(GRID_FOLDS, shuffle=True, random_state=0)

    def unmixing():
        from lrsparse.datasets import make_hyperspectral
        from lrsparse.decomposition import StructuredSparseNMF
        from lrsparse.metrics import abundance_scorer

        X, _, A = make_hyperspectral((16, 16), 3, 40, snr_db=30, random_state=0)
        return dict(
            estimator=StructuredSparseNMF(3, graph_strength=0.0, max_iter=100,
                                          random_state=0),
            X=X, y=A, scoring=abundance_scorer, cv=kfold,
            grid={"alpha": [0.0, 0.01, 0.03, 0.1], "init": ["nfindr", "vca"],
                  "sum_to_one": [True, False]})

    def robust_pca():
        from lrsparse.datasets import make_contaminated_gaussian
        from lrsparse.decomposition import RobustPCA

        X, _, _, _ = make_contaminated_gaussian(600, 20, contamination=0.1, random_state=0)
        return dict(
            estimator=RobustPCA(random_state=0), X=X, y=None, scoring=None, cv=kfold,
            grid={"n_components": [1, 2],
                  "contamination": [0.02, 0.05, 0.08, 0.1, 0.12, 0.15, 0.2, 0.25]})

    def completion():
        from lrsparse.datasets import make_low_rank_matrix_with_missing
        from lrsparse.impute import SVTImputer
        from lrsparse.metrics import make_completion_scorer

        # SVT's regime: exactly low-rank data, half of the entries observed.
        X, _ = make_low_rank_matrix_with_missing(240, 100, rank=3, observed_fraction=0.5,
                                                 random_state=0)
        return dict(
            estimator=SVTImputer(random_state=0), X=X, y=None,
            scoring=make_completion_scorer(random_state=0), cv=kfold,
            grid={"tol": [1e-2, 1e-3, 1e-4, 1e-5], "step": ["auto", 1.5],
                  "rank_increment": [1, 5]})

    def one_sided():
        from sklearn.linear_model import Ridge

        from lrsparse.datasets import make_low_rank_matrix_with_missing
        from lrsparse.impute import OneSidedCompletion

        # transform gives a row's coordinates in the learned row space: a ridge
        # regression predicts a fully known quantity (the first column's true values).
        X, X_true = make_low_rank_matrix_with_missing(600, 20, rank=3, observed_fraction=0.3,
                                                      noise=0.1, random_state=0)
        pipe = Pipeline([("onesided", OneSidedCompletion(random_state=0)), ("ridge", Ridge())])
        return dict(
            estimator=pipe, X=X, y=X_true[:, 0], scoring=None, cv=kfold,
            grid={"onesided__n_components": [1, 2, 3, 4, 5, 6, 7, 8],
                  "ridge__alpha": [0.1, 10.0]})

    def mtp2():
        from lrsparse.covariance import MTP2GraphicalModel
        from lrsparse.datasets import make_mtp2_precision

        precision, _ = make_mtp2_precision(25, graph="grid", random_state=0)
        rng = np.random.default_rng(0)
        X = rng.multivariate_normal(np.zeros(25), np.linalg.inv(precision), size=150)
        return dict(
            estimator=MTP2GraphicalModel(), X=X, y=None, scoring=None, cv=kfold,
            grid={"alpha": list(np.geomspace(1e-3, 0.3, 8)), "penalty": ["l1", "mcp"]})

    def sparse_recovery():
        from lrsparse.datasets import make_sparse_recovery
        from lrsparse.linear_model import WeightedOMP

        X, y, _ = make_sparse_recovery(150, 200, 8, noise=0.05, random_state=0)
        return dict(
            estimator=WeightedOMP(), X=X, y=y, scoring=None, cv=kfold,
            grid={"n_nonzero_coefs": [2, 4, 6, 8, 10, 12, 14, 16],
                  "loss": ["lasso", "lad"]})

    def mixture():
        from lrsparse.datasets import make_gmm_stream
        from lrsparse.mixture import IncrementalGaussianMixture

        X, _, _, _ = make_gmm_stream(600, 3, 4, random_state=0)
        return dict(
            estimator=IncrementalGaussianMixture(random_state=0), X=X, y=None,
            scoring=None, cv=kfold,
            grid={"delta": [0.25, 0.5, 1.0, 2.0], "beta": [1e-4, 1e-3, 1e-2, 1e-1]})

    def fastrp():
        from lrsparse.embedding import FastRP

        A, y = _sbm()
        pipe = Pipeline([("fastrp", FastRP(32, graph=A, random_state=0)),
                         ("logreg", LogisticRegression(max_iter=1000))])
        return dict(
            estimator=pipe, X=np.arange(A.shape[0])[:, None], y=y, scoring=None,
            cv=stratified,
            grid={"fastrp__iteration_weights": [(0, 0, 1, 6.67), (0, 1, 1), (1, 0, 0),
                                                (0, 0, 1)],
                  "fastrp__normalization_strength": [-0.64, -0.3, 0.0, 0.3]})

    def swivel():
        from lrsparse.embedding import Swivel

        A, y = _sbm()
        pipe = Pipeline([("swivel", Swivel(8, n_epochs=10, random_state=0)),
                         ("logreg", LogisticRegression(max_iter=1000))])
        return dict(
            estimator=pipe, X=A, y=y, scoring=None, cv=stratified,
            grid={"swivel__n_components": [4, 8, 16, 32],
                  "swivel__learning_rate": [0.1, 0.3, 1.0, 3.0]})

    return {
        "unmixing (StructuredSparseNMF)": unmixing,
        "robust PCA (RobustPCA)": robust_pca,
        "SVT completion (SVTImputer)": completion,
        "one-sided completion (OneSidedCompletion + Ridge)": one_sided,
        "MTP2 graphical model (MTP2GraphicalModel)": mtp2,
        "weighted OMP (WeightedOMP)": sparse_recovery,
        "incremental GMM (IncrementalGaussianMixture)": mixture,
        "FastRP (FastRP + LogisticRegression)": fastrp,
        "Swivel (Swivel + LogisticRegression)": swivel,
    }


def _quick_grid(grid):
    """The first two values of each parameter (4 candidates)."""
    return {name: values[:2] for name, values in grid.items()}


def _warm_worker():
    """Import every estimator and load every numba kernel (run once in each worker)."""
    from lrsparse._kernels import warm_up_kernels
    from lrsparse.utils import all_estimators

    all_estimators()
    warm_up_kernels()
    time.sleep(0.5)  # keep this worker busy so that the next task goes to another one
    import os

    return os.getpid()


def start_local_cluster(n_workers=2):
    """``(client, cluster, kind)``: a LocalCluster on 127.0.0.1, processes first, then threads.

    ``kind`` is ``"processes"`` or ``"threads (processes=False: <why>)"``.
    """
    from distributed import Client, LocalCluster

    why = None
    for processes in (True, False):
        try:
            # thread workers talk in-process by default, where host is invalid:
            # TCP on the loopback interface for both kinds
            cluster = LocalCluster(n_workers=n_workers, threads_per_worker=1,
                                   processes=processes, protocol="tcp", host="127.0.0.1",
                                   dashboard_address=None)
            client = Client(cluster)
        except Exception as exc:  # worker processes cannot start in some sandboxes
            why = f"{type(exc).__name__}: {exc}"
            log(f"LocalCluster(processes={processes}) failed: {why}")
            continue
        kind = "processes" if processes else f"threads (processes=False: {why})"
        return client, cluster, kind
    raise RuntimeError(f"no LocalCluster could start: {why}")


def _search_results(search):
    return search.best_params_, np.asarray(search.cv_results_["mean_test_score"])


def _compare(a, b):
    """``(equal, max abs difference of the mean test scores)`` of two searches' results."""
    (params_a, scores_a), (params_b, scores_b) = a, b
    same_nan = np.array_equal(np.isnan(scores_a), np.isnan(scores_b))
    finite = ~np.isnan(scores_a)
    diff = float(np.max(np.abs(scores_a[finite] - scores_b[finite]), initial=0.0))
    equal = (params_a == params_b and same_nan
             and np.array_equal(scores_a[finite], scores_b[finite]))
    return equal, diff


def _bench_grid(quick):
    import joblib
    from sklearn.model_selection import GridSearchCV, ParameterGrid

    client, cluster, kind = start_local_cluster(2)
    rows = []
    try:
        log(f"LocalCluster: 2 workers x 1 thread, {kind}")
        tic = time.perf_counter()
        pids = client.run(_warm_worker)
        log(f"  workers {sorted(pids.values())} warmed in {time.perf_counter() - tic:.1f} s")
        tic = time.perf_counter()
        _warm_worker()
        with joblib.parallel_config(n_jobs=2):
            pids = joblib.Parallel()(joblib.delayed(_warm_worker)() for _ in range(4))
        log(f"  this process and loky workers {sorted(set(pids))} warmed in "
            f"{time.perf_counter() - tic:.1f} s")
        for family, make_case in _grid_cases().items():
            case = make_case()
            # One numba thread per fit, stated: the parallelism is over the fits.
            # (With n_jobs=None, lrsparse asks joblib, which answers the cluster's
            # total threads inside a dask-backend task: oversubscription.)
            est = case["estimator"]
            if INNER_N_JOBS is not None:
                est.set_params(**{name: INNER_N_JOBS for name, value in est.get_params().items()
                                  if name.split("__")[-1] == "n_jobs" and value is None})
            grid = _quick_grid(case["grid"]) if quick else case["grid"]
            n_candidates = len(ParameterGrid(grid))
            n_fits = n_candidates * case["cv"].get_n_splits()
            log(f"{family}: {n_candidates} candidates x {case['cv'].get_n_splits()} folds")

            def search(n_jobs, case=case, grid=grid):
                # untimed: one candidate on every fold loads what this estimator
                # needs in each process (modules, numba specializations)
                first = {name: values[:1] for name, values in grid.items()}
                with warnings.catch_warnings():
                    warnings.simplefilter("ignore")
                    GridSearchCV(case["estimator"], first, cv=case["cv"],
                                 scoring=case["scoring"], n_jobs=n_jobs).fit(case["X"],
                                                                             case["y"])
                est = GridSearchCV(case["estimator"], grid, cv=case["cv"],
                                   scoring=case["scoring"], n_jobs=n_jobs)
                with warnings.catch_warnings():
                    # the same warnings in every backend (e.g. max_iter in a corner of
                    # the grid); the dask workers' copies would interleave with the log
                    warnings.simplefilter("ignore")
                    tic = time.perf_counter()
                    est.fit(case["X"], case["y"])
                return time.perf_counter() - tic, _search_results(est)

            t_default, default = search(1)
            with joblib.parallel_config(backend="loky"):
                t_loky, loky = search(2)
            with joblib.parallel_config(backend="dask"):
                t_dask, dask_result = search(-1)
            equal, diff = _compare(default, dask_result)
            loky_equal, loky_diff = _compare(default, loky)
            best = ", ".join(f"{k.split('__')[-1]}={v!r}" for k, v in default[0].items())
            log(f"  default {t_default:.2f} s, loky {t_loky:.2f} s, dask {t_dask:.2f} s; "
                f"dask == default: {equal} (max |score diff| {diff:.3g}); best {best}")
            rows.append({
                "case": f"{family}: {n_fits} fits", "part": "grid", "family": family,
                "n_candidates": n_candidates, "n_fits": n_fits,
                "ours_s": t_dask, "peer": "default backend, n_jobs=1", "peer_s": t_default,
                "loky_s": t_loky, "ratio": t_dask / t_default,
                "metric": "best score", "ours_metric": float(np.nanmax(dask_result[1])),
                "peer_metric": float(np.nanmax(default[1])),
                "equal": "yes" if equal else "NO", "max_score_diff": diff,
                "loky_equal": "yes" if loky_equal else "NO", "loky_max_score_diff": loky_diff,
                "best_params": repr(default[0]), "cluster": kind,
                "note": f"dask workers: {kind}",
            })
    finally:
        client.close()
        cluster.close()
    return rows, kind


def _print_grid_table(rows, kind):
    print(f"\n## Grid search, default backend vs Dask (LocalCluster 2 workers x 1 thread, "
          f"{kind})")
    markdown_table(
        ("family (estimator)", "fits", "n_jobs=1 s", "loky n_jobs=2 s", "dask s",
         "dask / n_jobs=1", "dask / loky", "best_params_ & mean_test_score equal",
         "max |score diff|"),
        [(r["family"], str(r["n_fits"]), f"{r['peer_s']:.2f}", f"{r['loky_s']:.2f}",
          f"{r['ours_s']:.2f}", f"{r['ratio']:.2f}", f"{r['ours_s'] / r['loky_s']:.2f}",
          r["equal"], f"{r['max_score_diff']:.2g}") for r in rows]
        + [("**total**", str(sum(r["n_fits"] for r in rows)),
            f"{sum(r['peer_s'] for r in rows):.1f}", f"{sum(r['loky_s'] for r in rows):.1f}",
            f"{sum(r['ours_s'] for r in rows):.1f}",
            f"{sum(r['ours_s'] for r in rows) / sum(r['peer_s'] for r in rows):.2f}",
            f"{sum(r['ours_s'] for r in rows) / sum(r['loky_s'] for r in rows):.2f}",
            "all" if all(r["equal"] == "yes" for r in rows) else "NOT all", "")])


# ------------------------------------------------------------ thread scaling
def _thread_cases(quick):
    """``{name: (kernels, () -> data, (data, n_jobs) -> fitted result array)}``."""

    def fastrp_data():
        from lrsparse.datasets import make_sbm_graph

        n = 3_000 if quick else 30_000
        degree, blocks = 60.0, 10
        block = n / blocks
        A, _ = make_sbm_graph(n, blocks, p_in=0.3 * degree / (block - 1),
                              p_out=0.7 * degree / (n - block), random_state=0)
        return A, f"SBM {n} nodes, degree ~{degree:g}, d=128"

    def fastrp_fit(A, n_jobs):
        from lrsparse.embedding import FastRP

        return FastRP(128, random_state=0, n_jobs=n_jobs).fit(A).embedding_

    def svt_data():
        from lrsparse.datasets import make_low_rank_matrix_with_missing

        n, rank = (300, 5) if quick else (1000, 10)
        p = 6 * rank * (2 * n - rank) / n ** 2
        X, _ = make_low_rank_matrix_with_missing(n, n, rank=rank, observed_fraction=p,
                                                 sparse_output=True, random_state=0)
        return sp.csr_array(X), f"{n}x{n}, rank {rank}, m/d_r = 6"

    def svt_fit(X, n_jobs):
        from lrsparse.impute import SVTImputer

        est = SVTImputer(random_state=0, n_jobs=n_jobs).fit(X)
        return est.row_factors_ @ est.components_

    def nmf_data():
        from lrsparse.datasets import make_hyperspectral

        shape = (32, 32) if quick else (64, 64)
        X, _, _ = make_hyperspectral(shape, 4, 156, snr_db=30, random_state=0)
        return (X, shape), f"{shape[0]}x{shape[1]} px x 156 bands, r=4, 100 iterations"

    def nmf_fit(data, n_jobs):
        from lrsparse.decomposition import StructuredSparseNMF

        X, shape = data
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # a fixed number of iterations (tol=0)
            est = StructuredSparseNMF(4, image_shape=shape, max_iter=100, tol=0.0,
                                      random_state=0, n_jobs=n_jobs).fit(X)
        return est.components_

    def swivel_data():
        from lrsparse.datasets import make_planted_cooccurrence

        n = 2_000 if quick else 8_000
        C, _, _ = make_planted_cooccurrence(n, 16, random_state=0)
        return sp.csr_array(C), f"planted co-occurrences, {n} words, d=64, 5 epochs"

    def swivel_fit(C, n_jobs):
        from lrsparse.embedding import Swivel

        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # a fixed number of epochs
            return Swivel(64, n_epochs=5, random_state=0, n_jobs=n_jobs).fit(C).embedding_

    return {
        "FastRP": ("sampled.csr_dense_matmul, csr_csr_matmul_dense, rows.add_weighted_rows "
                   "(parallel=True)",
                   fastrp_data, fastrp_fit),
        "SVTImputer": ("sampled.sampled_product (parallel=True); the partial SVD's sparse "
                       "and BLAS products stay single-threaded", svt_data, svt_fit),
        "StructuredSparseNMF": ("nmf.abundance_pass, nmf.endmember_update, graph "
                                "smoothing (parallel=True)", nmf_data, nmf_fit),
        "Swivel": ("swivel.block_loss_gradient, adagrad_step (nogil) in n_jobs Python "
                   "threads, one block each", swivel_data, swivel_fit),
    }


def _bench_threads(quick, repeats, threads_list):
    import numba
    from threadpoolctl import threadpool_limits

    from lrsparse.metrics import relative_error

    threads_list = [t for t in threads_list if t <= numba.config.NUMBA_NUM_THREADS]
    rows = []
    for name, (kernels, make_data, fit) in _thread_cases(quick).items():
        data, description = make_data()
        log(f"{name}: {description}")
        fns = {t: (lambda t=t: fit(data, t)) for t in threads_list}
        with threadpool_limits(limits=1):  # BLAS single-threaded: numba's threads only
            # a slow thread count (a busy core) gets fewer timed calls, at least one
            timed = time_interleaved(fns, repeats, budget_s=THREAD_BUDGET_S)
        base = timed[threads_list[0]]
        for t in threads_list:
            diff = relative_error(base.result, timed[t].result)
            log(f"  {t} threads: {timed[t].median:.3f} s (times "
                f"{', '.join(f'{x:.3f}' for x in timed[t].times)}), speed-up "
                f"{base.median / timed[t].median:.2f}, rel. diff to 1 thread {diff:.2g}")
            rows.append({
                "case": f"{name} fit, {description}", "part": "threads", "estimator": name,
                "kernels": kernels, "threads": t, "ours_s": timed[t].median,
                "ours_times": timed[t].times, "peer": f"{threads_list[0]} thread",
                "peer_s": base.median, "ratio": timed[t].median / base.median,
                "speedup": base.median / timed[t].median, "metric": "rel. diff to 1 thread",
                "ours_metric": diff, "note": kernels,
            })
    for row in rows:
        row["threading_layer"] = numba.threading_layer()  # known once a parallel kernel ran
    return rows


def _print_thread_table(rows):
    threads_list = sorted({r["threads"] for r in rows})
    layer = rows[0]["threading_layer"] if rows else "?"
    print(f"\n## numba-parallel kernels: whole fit at 1.. threads (BLAS pinned to 1; numba "
          f"threading layer {layer})")
    header = (["estimator (data)"] + [f"{t} thr s" for t in threads_list]
              + [f"speed-up {threads_list[0]}->{t}" for t in threads_list[1:]]
              + ["result vs 1 thread (rel. diff)", "parallel kernels"])
    lines = []
    for name in dict.fromkeys(r["estimator"] for r in rows):
        mine = {r["threads"]: r for r in rows if r["estimator"] == name}
        first = mine[threads_list[0]]
        lines.append(
            [first["case"]] + [f"{mine[t]['ours_s']:.3f}" for t in threads_list]
            + [f"{mine[t]['speedup']:.2f}" for t in threads_list[1:]]
            + [f"{max(mine[t]['ours_metric'] for t in threads_list):.2g}", first["kernels"]])
    markdown_table(header, lines)


# ------------------------------------------------------------------ entry
def run(quick, threads, repeats, threads_list=None, parts=("grid", "threads")):
    """Both parts; ``threads`` (the CLI's pin) is not used: each part sets its own pools."""
    commit = lrsparse_commit()
    print(f"# lrsparse at commit {commit}", flush=True)
    threads_list = list(threads_list or DEFAULT_THREADS)
    rows = []
    tic = time.perf_counter()
    if "grid" in parts:
        grid_rows, kind = _bench_grid(quick)
        log(f"grid part: {time.perf_counter() - tic:.0f} s")
        _print_grid_table(grid_rows, kind)
        rows += grid_rows
    if "threads" in parts:
        tic = time.perf_counter()
        thread_rows = _bench_threads(quick, repeats, threads_list)
        log(f"thread part: {time.perf_counter() - tic:.0f} s")
        _print_thread_table(thread_rows)
        rows += thread_rows
    for row in rows:
        row["lrsparse_commit"] = commit
    return rows


def main(argv=None):
    """``python -m benchmarks.scaleout [--quick] [--repeats K] [--threads-list L] [--part P]``."""
    import numba

    from ._harness import environment, format_environment, format_table, write_json

    parser = argparse.ArgumentParser(prog="python -m benchmarks.scaleout",
                                     description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="small cases, 3 repeats")
    parser.add_argument("--repeats", type=int, default=None,
                        help="timed fits per thread count (default 5, 3 with --quick)")
    parser.add_argument("--threads-list", default="1,2",
                        help="thread counts of the thread part, comma-separated "
                             "(default 1,2; capped by NUMBA_NUM_THREADS)")
    parser.add_argument("--part", choices=("all", "grid", "threads"), default="all")
    parser.add_argument("--inner-n-jobs", default="1",
                        help="n_jobs given to the estimators inside the searches (default 1; "
                             "'none' leaves their default None)")
    args = parser.parse_args(argv)
    global INNER_N_JOBS
    INNER_N_JOBS = None if args.inner_n_jobs.lower() == "none" else int(args.inner_n_jobs)
    threads_list = sorted({int(t) for t in args.threads_list.split(",")})
    if threads_list[0] < 1:
        parser.error("--threads-list: thread counts must be >= 1")
    too_many = [t for t in threads_list if t > numba.config.NUMBA_NUM_THREADS]
    if too_many:
        log(f"skipping {too_many}: above NUMBA_NUM_THREADS={numba.config.NUMBA_NUM_THREADS}")
    repeats = args.repeats or (3 if args.quick else 5)
    parts = ("grid", "threads") if args.part == "all" else (args.part,)
    env = environment(1)
    print(format_environment(env), flush=True)
    rows = run(args.quick, 1, repeats, threads_list=threads_list, parts=parts)
    print()
    print(format_table(rows, extra_columns=EXTRA_COLUMNS))
    settings = {"quick": args.quick, "repeats": repeats, "threads_list": threads_list,
                "parts": list(parts), "inner_n_jobs": INNER_N_JOBS}
    print(f"\nresults written to {write_json('scaleout', rows, env, settings)}")


if __name__ == "__main__":
    main()
