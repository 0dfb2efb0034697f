"""FastRP: lrsparse vs a plain scipy.sparse reference and the ``fastrp`` package.

Ours is :func:`lrsparse.embedding.fastrp_embedding`, the solver that
``FastRP.fit`` runs; every contender is timed in the same interleaved rounds
(``_harness.time_interleaved``), the first round untimed (numba compilation).

SBM graphs with 10 blocks and average degree ~60; only 30% of a node's edges
stay inside its block (10% would be chance), so that node-classification F1
tells methods apart instead of saturating at 1.  d=128, four propagation
steps with the authors' weights.  Every case runs in float64 and in float32
(FastRP computes in the adjacency's dtype); the scipy reference runs in the
same dtype, reuses our ``R`` and must reproduce our embedding (1e-6 in
float64, 1e-3 in float32).  The ``fastrp`` package computes in float32, so it
is compared in the float32 rows only.
"""

import time

import numpy as np
import scipy.sparse as sp

from lrsparse.datasets import make_sbm_graph
from lrsparse.embedding import fastrp_embedding
from lrsparse.metrics import node_classification_score

from ._harness import log, time_interleaved

try:  # optional peer: pip install fastrp (Rust, rayon-parallel)
    import fastrp as fastrp_rs
except ImportError:
    fastrp_rs = None

N_COMPONENTS = 128
WEIGHTS = (0.0, 0.0, 1.0, 6.67)
BETA = -0.64
N_BLOCKS = 10
DEGREE = 60.0
WITHIN = 0.3  # fraction of edges inside blocks
TOLERANCE = {np.dtype(np.float64): 1e-6, np.dtype(np.float32): 1e-3}

EXTRA_COLUMNS = (("max_abs_diff", "max abs diff"),)


def _graph(n_nodes):
    """SBM with expected average degree DEGREE, WITHIN of it inside blocks."""
    block = n_nodes / N_BLOCKS
    p_in = WITHIN * DEGREE / (block - 1)
    p_out = (1 - WITHIN) * DEGREE / (n_nodes - block)
    return make_sbm_graph(n_nodes, N_BLOCKS, p_in=p_in, p_out=p_out, random_state=0)


def _ours(A, threads, return_projection=False):
    """The library's solver function (what ``FastRP.fit`` runs)."""
    return fastrp_embedding(
        A,
        n_components=N_COMPONENTS,
        iteration_weights=WEIGHTS,
        normalization_strength=BETA,
        random_state=0,
        n_jobs=threads,
        return_projection=return_projection,
    )


def _reference_setup(A, R):
    """Transition matrix T = D^-1 A and N0 = L R (not timed)."""
    degree = np.asarray(A.sum(axis=1)).ravel()
    inv = np.divide(1.0, degree, out=np.zeros_like(degree), where=degree > 0)
    T = sp.csr_array(sp.diags_array(inv) @ A)
    scaling = np.ones_like(degree)
    scaling[degree > 0] = degree[degree > 0] ** BETA
    return T, R.toarray() * scaling[:, None]


def _reference(T, N0):
    """Propagate, merge row-normalised iterates, standardise columns."""
    acc = np.zeros_like(N0)
    N = N0
    for w in WEIGHTS:
        N = T @ N
        if w != 0:  # zero weights add nothing; lrsparse skips them too
            norms = np.linalg.norm(N, axis=1, keepdims=True)
            acc += w * np.divide(N, norms, out=np.zeros_like(N), where=norms > 0)
    std = acc.std(axis=0)
    std[std == 0] = 1.0
    return (acc - acc.mean(axis=0)) / std


def _f1(embedding, labels):
    return node_classification_score(embedding, labels, train_size=0.5, random_state=0)


def _bench_graph(A, labels, threads, repeats):
    n_nodes, n_edges = A.shape[0], A.nnz // 2
    case = (f"sbm {n_nodes // 1000}k nodes / {n_edges / 1e6:.1f}M edges, "
            f"d={N_COMPONENTS}, k={len(WEIGHTS)}, {A.dtype}")

    # Untimed: our R (the same seed gives the same R in every timed call) and
    # the reference's setup from it.
    _, R = _ours(A, threads, return_projection=True)
    start = time.perf_counter()
    T, N0 = _reference_setup(A, R)
    setup_s = time.perf_counter() - start

    fns = {"ours": lambda: _ours(A, threads), "reference": lambda: _reference(T, N0)}
    peer_rs = fastrp_rs is not None and A.dtype == np.float32
    if peer_rs:
        # Our graph is already symmetric, so skip fastrp's A + A^T; it has no beta.
        fns["fastrp"] = lambda: fastrp_rs.FastRP(
            dim=N_COMPONENTS, weights=list(WEIGHTS), seed=0, undirected=False
        ).fit_transform(A)
    timings = time_interleaved(fns, repeats)  # the warm-up round excludes compilation
    ours, ref = timings["ours"], timings["reference"]

    f1_ours = _f1(ours.result, labels)
    log(f"  ours {ours.median:.3f} s, micro-F1 {f1_ours['micro_f1']:.4f}")
    base = {
        "case": case, "n_nodes": n_nodes, "n_edges": n_edges, "ours_s": ours.median,
        "ours_times": ours.times, "metric": "micro-F1", "ours_metric": f1_ours["micro_f1"],
        "ours_macro_f1": f1_ours["macro_f1"],
    }

    diff = float(np.abs(ref.result - ours.result).max())
    if not diff < TOLERANCE[A.dtype]:  # not `assert`: must survive python -O
        raise AssertionError(f"{case}: scipy reference differs from lrsparse by {diff:.3g}")
    f1_ref = _f1(ref.result, labels)
    log(f"  scipy reference {ref.median:.3f} s (+{setup_s:.3f} s untimed setup), diff {diff:.2g}")
    rows = [base | {
        "peer": "scipy.sparse reference", "peer_s": ref.median, "peer_times": ref.times,
        "ratio": ours.median / ref.median, "peer_metric": f1_ref["micro_f1"],
        "peer_macro_f1": f1_ref["macro_f1"], "max_abs_diff": diff,
        "peer_setup_s": setup_s,
    }]

    if peer_rs:
        peer = timings["fastrp"]
        f1_peer = _f1(peer.result, labels)
        log(f"  fastrp {peer.median:.3f} s, micro-F1 {f1_peer['micro_f1']:.4f}")
        rows.append(base | {
            "peer": f"fastrp {_version('fastrp')} (Rust)", "peer_s": peer.median,
            "peer_times": peer.times, "ratio": ours.median / peer.median,
            "peer_metric": f1_peer["micro_f1"], "peer_macro_f1": f1_peer["macro_f1"],
            "max_abs_diff": None,  # different R: only time and F1 are comparable
        })
    return rows


def _version(dist):
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version(dist)
    except PackageNotFoundError:
        return "?"


def run(quick, threads, repeats):
    if fastrp_rs is None:
        log("note: package 'fastrp' not installed; skipping that peer (pip install fastrp)")
    # Compile every kernel on a tiny graph first.
    tiny, _ = make_sbm_graph(200, 2, p_in=0.1, p_out=0.01, random_state=0)
    for dtype in (np.float64, np.float32):
        _ours(tiny.astype(dtype), threads)
    rows = []
    for n_nodes in (10_000,) if quick else (10_000, 100_000):
        start = time.perf_counter()
        A, labels = _graph(n_nodes)
        log(f"graph {n_nodes} nodes / {A.nnz // 2} edges in {time.perf_counter() - start:.1f} s")
        for dtype in (np.float64, np.float32):
            rows += _bench_graph(A.astype(dtype), labels, threads, repeats)
    return rows
