"""Hyperspectral unmixing: lrsparse's three NMF variants vs scikit-learn's NMF.

Two parts; every row has the mean spectral angle (SAD, radians, after
Hungarian matching of the endmembers) as its metric and the abundance RMSE
(matched columns, each pixel rescaled to sum to one, Zhu's protocol) in an
extra column.

**Speed (whole fit).**  ``StructuredSparseNMF`` (graph term on:
``image_shape`` given, default graph), ``CorrentropyNMF`` and
``RobustGuidedNMF`` against ``sklearn.decomposition.NMF`` with
``solver="mu"`` and ``solver="cd"``, all forced to the same number of
iterations (``tol=0, max_iter=N``; N = 200, 50 with ``--quick``), on three
scenes:

- synthetic, Samson-sized (95 x 95 pixels, 156 bands, r = 3, 30 dB);
- the same pixels shuffled: abundances without spatial structure, so the
  graph couples unrelated pixels (the case that made the old Jacobi abundance
  solves take 97% of the fit);
- semi-real Urban (307 x 307 pixels, 162 bands, r = 6):
  ``load_urban_semireal(snr_db=30, illumination=0.2, random_state=0)``
  (skipped when the file is absent; with ``--quick`` one timed round).

``ours s`` / ``peer s`` are whole ``fit`` times (validation, VCA start, graph,
the abundance solves, the loop); ``ratio`` is their quotient at the same
number of iterations.  The stage columns come from the solver function
itself (``_unmixing_nmf(..., stages=...)`` on the estimator's own inputs,
``_solver_inputs``): ``loop ms/it`` is the update loop alone per iteration,
``abund. solves s`` the exact abundance solves (start and end), ``graph s``
the default ``spatial_affinity_graph``.  Every timed call of a scene runs in
interleaved rounds (``_harness.time_interleaved``), so that drift of the
machine hits ours and the peers alike.

**Accuracy.**  Our estimators at their default parameters (``max_iter=200,
tol=1e-4``, "vca" start; ``StructuredSparseNMF`` with ``image_shape``), plus
plain l1-NMF (``StructuredSparseNMF(graph_strength=0)``), against
``NMF(solver="mu", init="nndsvda", max_iter=500)`` (default ``tol``), on
synthetic 95 x 95 x 156 scenes at 30 and 20 dB, each with 0% and 10% noisy
bands, averaged over 3 seeds (1 with ``--quick``), and on the real Samson
scene when ``samson.mat`` is found.

**Dev scenes (issue 14).**  One table per scene (Samson, semi-real Urban at
30 dB with illumination 0.2, the rare-material scene at 30 dB, all from
``lrsparse.datasets``): our three estimators at their defaults, sklearn's
``mu`` NMF, and the classic pipeline, VCA (Orfeo ToolBox) or N-FINDR
(pysptools) endmembers with FCLS (pysptools) abundances, each over
``random_state`` 0..4: mean and per-material SAD, SAD spread over the
seeds, abundance RMSE as estimated and at the reference spectra's scale,
whole-fit time.  pysptools' N-FINDR runs with one compatibility shim
(``_pysptools``).  See ``benchmarks/README.md``.
"""

import os
import random
import shutil
import subprocess
import tempfile
import time
import types
import warnings
from pathlib import Path

import numpy as np
from sklearn.base import clone
from sklearn.decomposition import NMF
from sklearn.exceptions import ConvergenceWarning

from lrsparse.datasets import (
    load_samson,
    load_urban_semireal,
    make_hyperspectral,
    make_rare_material_scene,
)
from lrsparse.decomposition import (
    CorrentropyNMF,
    RobustGuidedNMF,
    StructuredSparseNMF,
    spatial_affinity_graph,
)
from lrsparse.decomposition._unmixing import _unmixing_nmf
from lrsparse.metrics import (
    abundance_rmse,
    match_components,
    rescale_abundances,
    spectral_angle_distance,
)
from lrsparse.utils._numba import numba_threads
from lrsparse.utils._sklearn import _initialize_nmf

from ._harness import log, lrsparse_commit, markdown_table, target_mark, time_interleaved

N_COMPONENTS = 3
N_BANDS = 156
SNR_DB = 30.0
SPEED_SHAPE = (95, 95)
N_ITER = 200
N_ITER_QUICK = 50
ACCURACY_SHAPE = (95, 95)
ACCURACY_CONDITIONS = ((30.0, 0.0), (30.0, 0.1), (20.0, 0.0), (20.0, 0.1))  # (snr_db, outliers)
SEEDS = (0, 1, 2)
PEER_MAX_ITER = 500  # sklearn's mu needs more than its default 200 to converge here
ROBUST_TARGET = 0.5  # robust variants' SAD / sklearn mu's on noisy-band scenes, at most

# Per-scene accuracy tables (issue 14): the dev scenes, every method over SCENE_SEEDS.
DATA_HOME = Path(__file__).resolve().parent.parent.parent / "shared" / "data"
SCENE_SEEDS = (0, 1, 2, 3, 4)
SCENE_OURS = ("StructuredSparseNMF", "CorrentropyNMF", "RobustGuidedNMF")
URBAN_SNR_DB, URBAN_ILLUMINATION = 30.0, 0.2
RARE_SNR_DB = 30.0
# pysptools' FCLS is one cvxopt QP per pixel (~1 ms): on scenes with more pixels than
# this it runs for the first seed only (not at all with --quick); SAD is for every seed.
FCLS_MAX_PIXELS = 20000
SAMSON_TARGET = 0.06  # best of ours, mean SAD (rad)
URBAN_TARGET_BEST, URBAN_TARGET_EACH = 0.08, 0.12
RARE_TARGET = 0.10  # SAD of the rare material
STABILITY_TARGET = 0.03  # max - min over the seeds of the mean SAD
OTB_VCA = "otbcli_VertexComponentAnalysis"

SAD = "SAD (rad)"
EXTRA_COLUMNS = (
    ("n_iter", "iters ours/peer"),
    ("ours_ms_per_iter", "ours ms/it"),
    ("peer_ms_per_iter", "peer ms/it"),
    ("loop_ms_per_iter", "loop ms/it"),
    ("peer_loop_ms_per_iter", "peer loop ms/it"),
    ("loop_ratio", "loop ratio"),
    ("start_solve_s", "start solve s"),
    ("graph_s", "graph s"),
    ("solves_s", "abund. solves s"),
    ("ours_rmse", "our RMSE"),
    ("peer_rmse", "peer RMSE"),
)


# ----------------------------------------------------------------- estimators
def _ours(name, image_shape, threads, n_components=N_COMPONENTS, **params):
    """One of our estimators at its defaults plus ``params``."""
    common = dict(n_components=n_components, n_jobs=threads, **params)
    if name == "StructuredSparseNMF":
        return StructuredSparseNMF(image_shape=image_shape, **common)
    if name == "l1-NMF":  # StructuredSparseNMF without its graph term
        return StructuredSparseNMF(graph_strength=0.0, **common)
    if name == "CorrentropyNMF":
        return CorrentropyNMF(**common)
    if name == "RobustGuidedNMF":
        return RobustGuidedNMF(**common)
    raise ValueError(name)


SPEED_OURS = ("StructuredSparseNMF", "CorrentropyNMF", "RobustGuidedNMF")
ACCURACY_OURS = ("StructuredSparseNMF", "l1-NMF", "CorrentropyNMF", "RobustGuidedNMF")


def _peer(solver, n_components=N_COMPONENTS, **params):
    return NMF(n_components=n_components, solver=solver, init="nndsvda", **params)


def _fit(est, X, **fit_params):
    """``(est, abundances, endmembers)``; sklearn's W and H are abundances and endmembers."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        A = est.fit_transform(X, **fit_params)
    return est, A, est.components_


def _score(E_true, A_true, E_est, A_est, clean_bands=None):
    """Mean SAD after Hungarian matching, and RMSE of the matched, pixel-renormalised abundances.

    With ``clean_bands`` (indices), also the SAD over those bands only
    (same matching), else None.
    """
    perm = match_components(E_true, E_est)
    sad = spectral_angle_distance(E_true, E_est[perm])
    A = np.asarray(A_est, dtype=np.float64)[:, perm]
    A = A / np.maximum(A.sum(axis=1, keepdims=True), 1e-20)
    sad_clean = None
    if clean_bands is not None:
        sad_clean = spectral_angle_distance(E_true[:, clean_bands], E_est[perm][:, clean_bands])
    return sad, abundance_rmse(A_true, A), sad_clean


def _oracle_sad(X, E_true, A_true, clean_bands):
    """SAD (all bands, clean bands) of the least-squares endmembers given the TRUE abundances.

    A floor for any method that fits endmembers to ``X`` band by band: the
    noisy bands of ``make_hyperspectral`` are clipped at 0 after the noise is
    added, which biases them upwards, and no per-band fit can undo that.
    """
    M = np.linalg.lstsq(A_true, X, rcond=None)[0]
    return (spectral_angle_distance(E_true, M),
            spectral_angle_distance(E_true[:, clean_bands], M[:, clean_bands]))


# ----------------------------------------------------------------------- scenes
def _speed_scenes(quick):
    """``(label, X, E_true, A_true, image_shape, rounds)`` for the speed section."""
    X, E, A = make_hyperspectral(SPEED_SHAPE, N_COMPONENTS, N_BANDS, snr_db=SNR_DB,
                                 random_state=0)
    size = f"{SPEED_SHAPE[0]}x{SPEED_SHAPE[1]} ({X.shape[0]} px) x {N_BANDS}, r={N_COMPONENTS}"
    scenes = [(f"synthetic {size}", X, E, A, SPEED_SHAPE, None)]
    perm = np.random.default_rng(0).permutation(X.shape[0])
    scenes.append((f"shuffled (no spatial structure) {size}", X[perm], E, A[perm],
                   SPEED_SHAPE, None))
    try:
        urban = load_urban_semireal(data_home=_data_home(), snr_db=URBAN_SNR_DB,
                                    illumination=URBAN_ILLUMINATION, random_state=0)
    except FileNotFoundError as exc:
        log(f"note: skipping the semi-real Urban speed scene: {exc}")
        return scenes
    X, E, A, shape = urban.X, urban.endmembers, urban.abundances, urban.image_shape
    low, high = 1 - URBAN_ILLUMINATION, 1 + URBAN_ILLUMINATION
    scenes.append((f"semi-real Urban {shape[0]}x{shape[1]} ({X.shape[0]} px) x "
                   f"{X.shape[1]}, r={E.shape[0]}, illum. U({low:g},{high:g}), "
                   f"{URBAN_SNR_DB:g} dB", X, E, A, shape, 1 if quick else None))
    return scenes


# ----------------------------------------------------------------------- speed
def _solver_stages(est, X):
    """Stage times of ``est``'s fit: the solver function on the estimator's own inputs."""
    est = clone(est)
    stages = {}
    start = time.perf_counter()
    _, _, kwargs = est._solver_inputs(X)
    stages["setup"] = time.perf_counter() - start
    with numba_threads(est.n_jobs), warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        _unmixing_nmf(**kwargs, stages=stages)
    return stages


def _bench_speed(label, X, E_true, A_true, image_shape, n_iter, threads, repeats):
    K = E_true.shape[0]
    log(f"speed: {label}, tol=0, max_iter={n_iter}; {repeats} interleaved rounds after "
        "1 warm-up round")
    # sklearn's loop alone: the same fit from its own nndsvda start passed as "custom".
    W0, H0 = _initialize_nmf(X, K, init="nndsvda", random_state=0)
    fns = {"graph": lambda: spatial_affinity_graph(X, image_shape)}
    for solver in ("mu", "cd"):
        est = _peer(solver, K, tol=0.0, max_iter=n_iter, random_state=0)
        custom = NMF(K, solver=solver, init="custom", tol=0.0, max_iter=n_iter, random_state=0)
        fns[solver] = lambda est=est: _fit(est, X)
        fns[solver + " loop"] = lambda est=custom: _fit(est, X, W=W0.copy(), H=H0.copy())
    for name in SPEED_OURS:
        est = _ours(name, image_shape, threads, K, tol=0.0, max_iter=n_iter, random_state=0)
        fns[name] = lambda est=est: _fit(est, X)
        fns[name + " stages"] = lambda est=est: _solver_stages(est, X)
    timings = time_interleaved(fns, repeats)
    graph = timings["graph"]
    log(f"  graph (spatial_affinity_graph defaults) {graph.median * 1e3:.1f} ms, "
        f"{graph.result.nnz} stored edges")

    peers = {}
    for solver in ("mu", "cd"):
        timing, loop = timings[solver], timings[solver + " loop"]
        fitted, A, M = timing.result
        sad, rmse, _ = _score(E_true, A_true, M, A)
        n_it = int(fitted.n_iter_)
        peers[solver] = dict(timing=timing, loop=loop, n_iter=n_it, sad=sad, rmse=rmse)
        log(f"  sklearn {solver}: {timing.median:.3f} s, n_iter_={n_it}, "
            f"{timing.median / n_it * 1e3:.2f} ms/it; loop alone (init='custom') "
            f"{loop.median / n_it * 1e3:.2f} ms/it; SAD {sad:.4f}")

    rows = []
    for name in SPEED_OURS:
        timing = timings[name]
        fitted, A, M = timing.result
        n_it = int(fitted.n_iter_)
        sad, rmse, _ = _score(E_true, A_true, M, A)
        stages = timings[name + " stages"].result  # the last timed round
        solves = stages["start_solve"] + stages["end_solve"]
        ms_it = timing.median / n_it * 1e3
        loop_ms_it = stages["loop"] / n_it * 1e3
        log(f"  {name}: {timing.median:.3f} s, n_iter_={n_it}, {ms_it:.2f} ms/it; stages: "
            + ", ".join(f"{k} {v:.3f} s" for k, v in stages.items())
            + f"; loop {loop_ms_it:.2f} ms/it; SAD {sad:.4f}")
        for solver, peer in peers.items():
            peer_ms_it = peer["timing"].median / peer["n_iter"] * 1e3
            peer_loop_ms_it = peer["loop"].median / peer["n_iter"] * 1e3
            rows.append({
                "section": "speed", "case": f"{label}, N={n_iter}: {name}"
                + (" (graph on)" if name == "StructuredSparseNMF" else ""),
                "scene": label, "estimator": name, "image_shape": image_shape,
                "max_iter": n_iter,
                "ours_s": timing.median, "ours_times": timing.times,
                "peer": f"sklearn NMF {solver}", "peer_s": peer["timing"].median,
                "peer_times": peer["timing"].times,
                "ratio": timing.median / peer["timing"].median,  # whole fit, same N
                "metric": SAD, "ours_metric": sad, "peer_metric": peer["sad"],
                "ours_rmse": rmse, "peer_rmse": peer["rmse"],
                "n_iter": f"{n_it}/{peer['n_iter']}",
                "ours_n_iter": n_it, "peer_n_iter": peer["n_iter"],
                "ours_ms_per_iter": ms_it, "peer_ms_per_iter": peer_ms_it,
                "loop_ms_per_iter": loop_ms_it, "peer_loop_ms_per_iter": peer_loop_ms_it,
                "peer_loop_times": peer["loop"].times, "loop_ratio": loop_ms_it / peer_loop_ms_it,
                "graph_s": graph.median if name == "StructuredSparseNMF" else None,
                "graph_times": graph.times if name == "StructuredSparseNMF" else None,
                "solves_s": solves, "start_solve_s": stages["start_solve"], "stages_s": stages,
            })
    return rows


# -------------------------------------------------------------------- accuracy
def _accuracy_case(label, scenes, image_shape, threads, flag=""):
    """Rows for one condition.

    ``scenes`` is a list of (seed, X, E_true, A_true, clean_bands); ``clean_bands``
    (indices of the bands without extra noise) is None for real data.
    """
    log(f"accuracy: {label}")
    keys = ("s", "n_iter", "sad", "rmse", "sad_clean")

    def mean(runs):
        return {k: (float(np.mean([r[k] for r in runs])) if runs[0][k] is not None else None)
                for k in keys}

    peer_runs = []
    for seed, X, E_true, A_true, clean in scenes:
        start = time.perf_counter()
        est, A, M = _fit(_peer("mu", max_iter=PEER_MAX_ITER, random_state=seed), X)
        elapsed = time.perf_counter() - start
        sad, rmse, sad_clean = _score(E_true, A_true, M, A, clean)
        peer_runs.append(dict(seed=seed, s=elapsed, n_iter=int(est.n_iter_), sad=sad, rmse=rmse,
                              sad_clean=sad_clean))
    peer = mean(peer_runs)
    log(f"  sklearn mu: SAD {peer['sad']:.4f}, RMSE {peer['rmse']:.4f}, "
        f"{peer['n_iter']:.0f} it, {peer['s']:.2f} s")
    rows = []
    for name in ACCURACY_OURS:
        runs = []
        for seed, X, E_true, A_true, clean in scenes:
            start = time.perf_counter()
            est, A, M = _fit(_ours(name, image_shape, threads, random_state=seed), X)
            elapsed = time.perf_counter() - start
            sad, rmse, sad_clean = _score(E_true, A_true, M, A, clean)
            runs.append(dict(seed=seed, s=elapsed, n_iter=int(est.n_iter_), sad=sad, rmse=rmse,
                             sad_clean=sad_clean))
        ours = mean(runs)
        log(f"  {name}: SAD {ours['sad']:.4f}, RMSE {ours['rmse']:.4f}, "
            f"{ours['n_iter']:.0f} it, {ours['s']:.2f} s")
        rows.append({
            "section": "accuracy", "case": f"{label}: {name}{flag}", "estimator": name,
            "ours_s": ours["s"], "peer": "sklearn NMF mu", "peer_s": peer["s"],
            "ratio": ours["s"] / peer["s"],
            "metric": SAD, "ours_metric": ours["sad"], "peer_metric": peer["sad"],
            "ours_rmse": ours["rmse"], "peer_rmse": peer["rmse"],
            "ours_sad_clean_bands": ours["sad_clean"], "peer_sad_clean_bands": peer["sad_clean"],
            "n_iter": f"{ours['n_iter']:.0f}/{peer['n_iter']:.0f}",
            "ours_ms_per_iter": ours["s"] / ours["n_iter"] * 1e3,
            "peer_ms_per_iter": peer["s"] / peer["n_iter"] * 1e3,
            "ours_runs": runs, "peer_runs": peer_runs,
        })
    return rows


def _bench_accuracy(seeds, threads):
    rows = []
    for snr, outliers in ACCURACY_CONDITIONS:
        scenes, oracle = [], []
        for seed in seeds:
            X, E, A, bad = make_hyperspectral(
                ACCURACY_SHAPE, N_COMPONENTS, N_BANDS, snr_db=snr,
                outlier_band_fraction=outliers, return_outlier_bands=True, random_state=seed)
            clean = np.setdiff1d(np.arange(N_BANDS), bad) if bad.size else None
            scenes.append((seed, X, E, A, clean))
            if clean is not None:
                oracle.append(_oracle_sad(X, E, A, clean))
        label = (f"acc {ACCURACY_SHAPE[0]}x{ACCURACY_SHAPE[1]}x{N_BANDS} {snr:g} dB, "
                 f"{outliers:.0%} noisy bands, {len(seeds)} seed{'s' * (len(seeds) > 1)}")
        for row in _accuracy_case(label, scenes, ACCURACY_SHAPE, threads):
            row.update(snr_db=snr, outlier_band_fraction=outliers)
            if oracle:
                row.update(oracle_sad=float(np.mean([o[0] for o in oracle])),
                           oracle_sad_clean_bands=float(np.mean([o[1] for o in oracle])))
            rows.append(row)

    try:
        data = load_samson(data_home=_data_home())
    except FileNotFoundError:
        log("note: samson.mat not found (set LRSPARSE_DATA); skipping the real scene")
        return rows
    scenes = [(seed, data.X, data.endmembers, data.abundances, None) for seed in seeds]
    label = (f"acc Samson (real) {data.image_shape[0]}x{data.image_shape[1]}x"
             f"{data.X.shape[1]}, {len(seeds)} seed{'s' * (len(seeds) > 1)}")
    for row in _accuracy_case(label, scenes, data.image_shape, threads, flag=" [RMSE: see note]"):
        row.update(real="samson.mat", rmse_note=(
            "GT endmembers are max-normalised and Y globally scaled: only SAD is "
            "comparable to the literature; RMSE uses S_GT with pixel-renormalised estimates"))
        rows.append(row)
    return rows


# ------------------------------------------------------- the classic pipeline
def _pysptools():
    """``(NFINDR, FCLS)`` from pysptools 0.15, or None when pysptools or cvxopt is absent.

    COMPATIBILITY SHIM (the only one): pysptools' N-FINDR computes each
    simplex volume with ``scipy.linalg._flinalg.sdet_c(M)[0]``, a private
    SciPy routine removed in SciPy 1.13.  When it is missing, it is replaced
    by ``numpy.linalg.det`` of the same matrix (hylite 1.41 patches pysptools
    the same way); pysptools' algorithm itself is untouched.
    """
    try:
        import cvxopt  # noqa: F401  (pysptools' FCLS solves its QPs with cvxopt)
        import scipy.linalg
        from pysptools.abundance_maps.amaps import FCLS
        from pysptools.eea import NFINDR
    except ImportError:
        return None
    if not hasattr(scipy.linalg, "_flinalg"):
        scipy.linalg._flinalg = types.SimpleNamespace(
            sdet_c=lambda a: (np.linalg.det(a), 0))
    return NFINDR, FCLS


def _write_envi(X, image_shape, path):
    """``X`` as an ENVI float64 band-sequential image (GDAL reads it; OTB reads through GDAL)."""
    n_rows, n_cols = image_shape
    n_bands = X.shape[1]
    np.ascontiguousarray(X.reshape(n_rows, n_cols, n_bands).transpose(2, 0, 1),
                         dtype="<f8").tofile(path)
    Path(path).with_suffix(".hdr").write_text(
        f"ENVI\nsamples = {n_cols}\nlines = {n_rows}\nbands = {n_bands}\nheader offset = 0\n"
        "file type = ENVI Standard\ndata type = 5\ninterleave = bsq\nbyte order = 0\n")


def _read_envi_endmembers(path):
    """OTB's endmember image (``samples`` = n_components, one line) as (n_components, n_bands)."""
    header = {}
    for line in Path(str(path) + ".hdr").read_text().splitlines():
        if "=" in line:
            key, value = line.split("=", 1)
            header[key.strip()] = value.strip()
    if header.get("interleave") != "bsq" or header.get("data type") != "5":
        raise RuntimeError(f"unexpected OTB output header {header}")
    bands, samples = int(header["bands"]), int(header["samples"]) * int(header["lines"])
    return np.fromfile(path, dtype="<f8").reshape(bands, samples).T.copy()


def _otb_vca(X, image_shape, n_components, seed, threads):
    """VCA endmembers from Orfeo ToolBox's ``VertexComponentAnalysis`` (command line).

    The image goes through a temporary ENVI file (its writing is part of the
    timed call, as for any user of the tool from Python).
    """
    with tempfile.TemporaryDirectory(prefix="lrsparse_otb_") as tmp:
        image, out = Path(tmp) / "image.img", Path(tmp) / "endmembers"
        _write_envi(X, image_shape, image)
        env = dict(os.environ, ITK_GLOBAL_DEFAULT_NUMBER_OF_THREADS=str(threads))
        subprocess.run([OTB_VCA, "-in", str(image), "-ne", str(n_components),
                        "-rand", str(seed), "-outendm", str(out) + ".hdr", "double"],
                       check=True, capture_output=True, env=env)
        return _read_envi_endmembers(out)


def _classic_peers(threads):
    """``{name: endmember extractor(X, image_shape, K, seed)}`` of the peers that run here."""
    peers = {}
    pysp = _pysptools()
    if pysp is None:
        log("note: pysptools or cvxopt not installed (pip install 'lrsparse[bench]'); "
            "no VCA/N-FINDR + FCLS rows")
        return peers, None
    NFINDR, FCLS = pysp
    if shutil.which(OTB_VCA):
        peers["VCA (OTB) + FCLS (pysptools)"] = (
            lambda X, shape, K, seed: _otb_vca(X, shape, K, seed, threads))
    else:
        log(f"note: {OTB_VCA} not found (Debian/Ubuntu: apt-get install otb-bin); no VCA row")

    def nfindr(X, shape, K, seed):
        random.seed(seed)  # pysptools draws N-FINDR's start with Python's random module
        return np.asarray(NFINDR().extract(X.reshape(*shape, -1), K), dtype=np.float64)

    peers["N-FINDR (pysptools) + FCLS (pysptools)"] = nfindr
    return peers, FCLS


# ----------------------------------------------------------------- dev scenes
def _data_home():
    """``$LRSPARSE_DATA``, else ``shared/data`` beside the repository, else None."""
    if os.environ.get("LRSPARSE_DATA"):
        return os.environ["LRSPARSE_DATA"]
    return DATA_HOME if DATA_HOME.is_dir() else None


def _dev_scenes():
    """``[(label, Bunch)]``: Samson, semi-real Urban, the rare-material scene (those found)."""
    home = _data_home()
    makers = (
        ("Samson", lambda: load_samson(data_home=home)),
        (f"semi-real Urban ({URBAN_SNR_DB:g} dB, illumination {URBAN_ILLUMINATION:g})",
         lambda: load_urban_semireal(data_home=home, snr_db=URBAN_SNR_DB,
                                     illumination=URBAN_ILLUMINATION, random_state=0)),
        (f"rare material ({RARE_SNR_DB:g} dB)",
         lambda: make_rare_material_scene(snr_db=RARE_SNR_DB, data_home=home, random_state=0)),
    )
    scenes = []
    for label, make in makers:
        try:
            scenes.append((label, make()))
        except FileNotFoundError as exc:
            log(f"note: skipping the {label} scene: {exc}")
    return scenes


def _scene_score(E_true, A_true, E_est, A_est):
    """Per-material SAD and the abundance RMSE in two conventions (None without abundances).

    Both match the endmembers (Hungarian, on SAD).  ``rmse``: the abundances
    as estimated, each pixel renormalised to sum to one (Zhu's protocol).
    ``rmse_scaled``: the abundances in the reference spectra's own scale,
    ``lrsparse.metrics.rescale_abundances`` (Samson's reference spectra are
    each max-normalised, the image is not).
    """
    perm = match_components(E_true, E_est)
    E = np.asarray(E_est, dtype=np.float64)[perm]
    sad = spectral_angle_distance(E_true, E, average=False)
    if A_est is None:
        return sad, None, None
    # FCLS (float32 QPs) can leave entries of -1e-8; rescale_abundances wants A >= 0.
    A = np.maximum(np.asarray(A_est, dtype=np.float64)[:, perm], 0.0)
    rmse = abundance_rmse(A_true, A / np.maximum(A.sum(axis=1, keepdims=True), 1e-20))
    try:
        rmse_scaled = abundance_rmse(A_true, rescale_abundances(A, E, E_true))
    except ValueError as exc:  # an estimate at 90 degrees or more from its reference
        log(f"  note: no rescaled RMSE: {exc}")
        rmse_scaled = None
    return sad, rmse, rmse_scaled


def _scene_methods(data, seeds, threads, quick, peers, fcls):
    """``{(method, seed): callable() -> (E_est, A_est or None, n_iter or None, extra_s)}``.

    ``extra_s``: seconds to add to the call's time, the FCLS time of an
    endmember set already unmixed by an earlier seed (N-FINDR often returns
    the same pixels for every start): FCLS runs once per distinct set.
    """
    X, K, shape = data.X, data.endmembers.shape[0], data.image_shape
    big = X.shape[0] > FCLS_MAX_PIXELS
    fns = {}
    for name in SCENE_OURS:
        for seed in seeds:
            def ours(name=name, seed=seed):
                est, A, M = _fit(_ours(name, shape, threads, n_components=K,
                                       random_state=seed), X)
                return M, A, int(est.n_iter_), 0.0
            fns[name, seed] = ours

    def sklearn_mu():  # nndsvda is deterministic: random_state changes nothing, run once
        est, A, M = _fit(_peer("mu", K, max_iter=PEER_MAX_ITER, random_state=0), X)
        return M, A, int(est.n_iter_), 0.0
    if not (quick and big):
        fns["sklearn NMF mu", seeds[0]] = sklearn_mu

    unmixed = {}  # endmember bytes -> (abundances, FCLS seconds)
    for name, extract in peers.items():
        if quick and big and not name.startswith("VCA"):
            continue
        for seed in seeds[:1] if quick else seeds:
            with_fcls = not big or (not quick and seed == seeds[0])

            def classic(extract=extract, seed=seed, with_fcls=with_fcls):
                E = extract(X, shape, K, seed)
                if not with_fcls:
                    return E, None, None, 0.0
                key = np.ascontiguousarray(E).tobytes()
                if key in unmixed:
                    A, seconds = unmixed[key]
                    return E, A, None, seconds
                start = time.perf_counter()
                A = np.asarray(fcls(X, E))
                unmixed[key] = A, time.perf_counter() - start
                return E, A, None, 0.0
            fns[name, seed] = classic
    return fns


def _mean_of(runs, key):
    """Mean of ``run[key]`` over the runs where it is not None (None if there are none)."""
    values = [r[key] for r in runs if r[key] is not None]
    return float(np.mean(values)) if values else None


def _scene_rows(label, data, seeds, threads, quick, peers, fcls):
    n_px, n_bands = data.X.shape
    K = data.endmembers.shape[0]
    names = tuple(getattr(data, "endmember_names", None) or (f"m{k}" for k in range(K)))
    log(f"scene: {label}, {data.image_shape[0]}x{data.image_shape[1]} ({n_px} px) x "
        f"{n_bands}, r={K}; seeds {list(seeds)}")
    fns = _scene_methods(data, seeds, threads, quick, peers, fcls)
    # One call each, in rounds (no warm-up: the kernels were compiled at the start).
    timings = time_interleaved(fns, 1, warmup=0)
    methods = list(dict.fromkeys(method for method, _ in fns))
    rows = []
    for method in methods:
        runs = []
        for (m, seed), timing in timings.items():
            if m != method:
                continue
            E_est, A_est, n_iter, extra_s = timing.result
            sad, rmse, rmse_scaled = _scene_score(data.endmembers, data.abundances,
                                                  E_est, A_est)
            runs.append(dict(seed=seed, s=timing.median + extra_s, n_iter=n_iter,
                             sad=float(sad.mean()),
                             sad_per_material=sad.tolist(), rmse=rmse,
                             rmse_scaled=rmse_scaled))
        means = np.array([r["sad"] for r in runs])
        per = np.mean([r["sad_per_material"] for r in runs], axis=0)
        with_a = [r for r in runs if r["rmse"] is not None]
        row = {
            "section": "scene", "scene": label, "estimator": method,
            "case": f"{label}: {method}", "metric": SAD,
            "ours_metric": float(means.mean()), "sad_std": float(means.std()),
            "sad_range": float(means.max() - means.min()),
            "sad_per_material": dict(zip(names, per.tolist())),
            "rmse": _mean_of(with_a, "rmse"),
            "rmse_scaled": _mean_of(with_a, "rmse_scaled"),
            # whole-fit time: median over the runs that produced abundances
            "ours_s": float(np.median([r["s"] for r in with_a])) if with_a else None,
            "n_iter": (f"{np.mean([r['n_iter'] for r in runs]):.0f}"
                       if runs[0]["n_iter"] is not None else None),
            "n_seeds": len(runs), "n_with_abundances": len(with_a), "runs": runs,
            "rare_material": names[data.rare_index] if "rare_index" in data else None,
            "rare_sad": float(per[data.rare_index]) if "rare_index" in data else None,
        }
        rows.append(row)
        log(f"  {method}: mean SAD {row['ours_metric']:.4f} (range {row['sad_range']:.4f}), "
            + ", ".join(f"{n} {v:.3f}" for n, v in row["sad_per_material"].items())
            + (f"; RMSE {row['rmse']:.4f} / scaled {row['rmse_scaled'] or float('nan'):.4f}"
               if row["rmse"] is not None else "; no abundances")
            + (f"; {row['ours_s']:.2f} s" if row["ours_s"] is not None else ""))
    return rows


def _print_scene_table(label, rows):
    names = list(rows[0]["sad_per_material"])
    print(f"\n### {label}\n")
    header = (["method", "seeds", "mean SAD"] + [f"SAD {n}" for n in names]
              + ["SAD std", "SAD max-min", "RMSE", "RMSE (ref. scale)", "fit s", "iters"])

    def cell(value, fmt="{:.4f}"):
        return "-" if value is None else fmt.format(value)

    markdown_table(header, [
        [r["estimator"], f"{r['n_seeds']}" + (f" ({r['n_with_abundances']} with A)"
                                              if r["n_with_abundances"] != r["n_seeds"] else ""),
         cell(r["ours_metric"])] + [cell(v, "{:.3f}") for v in r["sad_per_material"].values()]
        + [cell(r["sad_std"]), cell(r["sad_range"]), cell(r["rmse"]), cell(r["rmse_scaled"]),
           cell(r["ours_s"], "{:.2f}"), r["n_iter"] or "-"]
        for r in rows])


def _bench_scenes(quick, threads):
    peers, fcls = _classic_peers(threads)
    rows = []
    for label, data in _dev_scenes():
        big = data.X.shape[0] > FCLS_MAX_PIXELS
        seeds = SCENE_SEEDS[:1] if quick and big else SCENE_SEEDS
        rows += _scene_rows(label, data, seeds, threads, quick, peers, fcls)
    return rows


def _scene_targets(rows):
    """The issue's accuracy and stability targets on the dev scenes."""
    lines = []
    scenes = list(dict.fromkeys(r["scene"] for r in rows))
    for scene in scenes:
        mine = [r for r in rows if r["scene"] == scene and r["estimator"] in SCENE_OURS]
        others = [r for r in rows if r["scene"] == scene and r["estimator"] not in SCENE_OURS]
        if not mine:
            continue
        best = min(mine, key=lambda r: r["ours_metric"])
        peer = (", best peer " + min(others, key=lambda r: r["ours_metric"])["estimator"]
                + f" {min(r['ours_metric'] for r in others):.4f}") if others else ""
        if scene == "Samson":
            lines.append(f"{target_mark(best['ours_metric'] <= SAMSON_TARGET)} Samson mean SAD "
                         f"<= {SAMSON_TARGET} (best of ours): {best['estimator']} "
                         f"{best['ours_metric']:.4f}{peer}")
        elif scene.startswith("semi-real Urban"):
            lines.append(f"{target_mark(best['ours_metric'] <= URBAN_TARGET_BEST)} semi-real "
                         f"Urban mean SAD <= {URBAN_TARGET_BEST} (best of ours): "
                         f"{best['estimator']} {best['ours_metric']:.4f}{peer}")
            for r in mine:
                lines.append(f"{target_mark(r['ours_metric'] <= URBAN_TARGET_EACH)} semi-real "
                             f"Urban mean SAD <= {URBAN_TARGET_EACH} (each): {r['estimator']} "
                             f"{r['ours_metric']:.4f}")
        elif mine[0]["rare_sad"] is not None:
            for r in mine + others:
                lines.append(f"{target_mark(r['rare_sad'] <= RARE_TARGET)} rare material "
                             f"({r['rare_material']}) SAD <= {RARE_TARGET} at {RARE_SNR_DB:g} "
                             f"dB: {r['estimator']} {r['rare_sad']:.4f} ("
                             + (f"mean over {r['n_seeds']} seeds)" if r["n_seeds"] > 1
                                else "1 run)") + ("" if r in mine else " [peer]"))
        for r in mine:
            if r["n_seeds"] > 1:
                lines.append(f"{target_mark(r['sad_range'] <= STABILITY_TARGET)} stability: max-"
                             f"min of mean SAD over {r['n_seeds']} seeds <= {STABILITY_TARGET} "
                             f"on {scene}: {r['estimator']} {r['sad_range']:.4f}")
    return lines


# --------------------------------------------------------------------- targets
def _targets(rows):
    """Lines saying which of the issue's targets are met, with the numbers."""
    lines = []
    speed = [r for r in rows if r["section"] == "speed" and r["peer"].endswith("mu")]
    for r in speed:
        ok = r["ratio"] <= 1.0 and r["ours_metric"] <= r["peer_metric"]
        lines.append(
            f"{'MET   ' if ok else 'MISSED'} whole fit <= sklearn mu at the same N, SAD no "
            f"worse: {r['estimator']} on {r['scene']}: {r['ratio']:.2f}x "
            f"({r['ours_s']:.2f} vs {r['peer_s']:.2f} s; SAD {r['ours_metric']:.4f} vs "
            f"{r['peer_metric']:.4f}); loop alone {r['loop_ratio']:.2f}x "
            f"({r['loop_ms_per_iter']:.2f} vs {r['peer_loop_ms_per_iter']:.2f} ms/it); "
            f"abundance solves {r['solves_s']:.3f} s"
        )
    acc = [r for r in rows if r["section"] == "accuracy" and "snr_db" in r]
    for r in acc:
        if r["outlier_band_fraction"] > 0 and r["estimator"] in ("CorrentropyNMF",
                                                                 "RobustGuidedNMF"):
            q = r["ours_metric"] / r["peer_metric"]
            qc = r["ours_sad_clean_bands"] / r["peer_sad_clean_bands"]
            lines.append(
                f"{'MET   ' if q <= ROBUST_TARGET else 'MISSED'} robust SAD <= "
                f"{ROBUST_TARGET}x mu on noisy bands: {r['estimator']} {r['snr_db']:g} dB: "
                f"{r['ours_metric']:.4f} vs {r['peer_metric']:.4f} rad = {q:.2f}x "
                f"(oracle floor {r['oracle_sad']:.4f} = {r['oracle_sad'] / r['peer_metric']:.2f}x; "
                f"clean bands only: {r['ours_sad_clean_bands']:.4f} vs "
                f"{r['peer_sad_clean_bands']:.4f} = {qc:.2f}x)"
            )
    by_key = {(r["snr_db"], r["outlier_band_fraction"], r["estimator"]): r for r in acc}
    for snr, outliers in ACCURACY_CONDITIONS:
        ss = by_key.get((snr, outliers, "StructuredSparseNMF"))
        l1 = by_key.get((snr, outliers, "l1-NMF"))
        if snr != 20.0 or ss is None or l1 is None:
            continue
        for what, key in (("SAD", "ours_metric"), ("RMSE", "ours_rmse")):
            ok = ss[key] < l1[key]
            lines.append(
                f"{'MET   ' if ok else 'MISSED'} SS-NMF better than l1-NMF at 20 dB "
                f"({outliers:.0%} noisy bands), {what}: {ss[key]:.4f} vs {l1[key]:.4f} "
                f"({(ss[key] / l1[key] - 1) * 100:+.1f}%)"
            )
    noisy = [r for r in acc if r["outlier_band_fraction"] > 0]
    if noisy:
        lines += [
            "",
            "SAD on the noisy-band scenes, over all bands and over the clean bands only; "
            "oracle = least-squares endmembers from the TRUE abundances (a floor for "
            "band-wise endmember fits: the clipped noisy bands are biased upwards):",
            "| scene | estimator | SAD all | SAD clean bands | sklearn mu all | "
            "sklearn mu clean | oracle all | oracle clean |",
            "|---|---|---|---|---|---|---|---|",
        ]
        for r in noisy:
            lines.append(
                f"| {r['snr_db']:g} dB, {r['outlier_band_fraction']:.0%} | {r['estimator']} | "
                f"{r['ours_metric']:.4f} | {r['ours_sad_clean_bands']:.4f} | "
                f"{r['peer_metric']:.4f} | {r['peer_sad_clean_bands']:.4f} | "
                f"{r['oracle_sad']:.4f} | {r['oracle_sad_clean_bands']:.4f} |"
            )
    return lines


def run(quick, threads, repeats):
    commit = lrsparse_commit()
    print(f"# lrsparse at commit {commit}", flush=True)
    # Compile every kernel variant on a tiny scene first (the disk cache may be cold).
    X, _, _ = make_hyperspectral((12, 12), N_COMPONENTS, 20, random_state=0)
    for name in ("StructuredSparseNMF", "l1-NMF", "CorrentropyNMF", "RobustGuidedNMF"):
        _fit(_ours(name, (12, 12), threads, max_iter=5, random_state=0), X)

    rows = []
    n_iter = N_ITER_QUICK if quick else N_ITER
    for label, X, E, A, shape, rounds in _speed_scenes(quick):
        rows += _bench_speed(label, X, E, A, shape, n_iter, threads, rounds or repeats)
    rows += _bench_accuracy(SEEDS[:1] if quick else SEEDS, threads)
    scene_rows = _bench_scenes(quick, threads)
    rows += scene_rows
    for row in rows:
        row["lrsparse_commit"] = commit

    print(f"\n## Dev scenes (issue 14), lrsparse {commit}")
    for scene in dict.fromkeys(r["scene"] for r in scene_rows):
        _print_scene_table(scene, [r for r in scene_rows if r["scene"] == scene])
    print("\n## Targets (from the issues)")
    for line in _targets(rows) + [""] + _scene_targets(scene_rows):
        print(line)
    if any(r.get("rmse_note") for r in rows):
        print("note (Samson rows): " + next(r["rmse_note"] for r in rows if r.get("rmse_note")))
    return rows
