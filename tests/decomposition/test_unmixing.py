from pathlib import Path

import warnings

import numpy as np
import pytest
import scipy.sparse as sp
from scipy.optimize import nnls
from sklearn.exceptions import ConvergenceWarning

from lrsparse.datasets import load_hyperspectral_mat, make_hyperspectral
from lrsparse.decomposition import (
    CorrentropyNMF,
    RobustGuidedNMF,
    StructuredSparseNMF,
    spatial_affinity_graph,
)
from lrsparse.metrics import abundance_rmse, match_components, spectral_angle_distance

ESTIMATORS = [StructuredSparseNMF, CorrentropyNMF, RobustGuidedNMF]
SAMSON = Path(__file__).resolve().parents[2].parent / "shared/data/hyperspectral/samson.mat"


@pytest.fixture(scope="module")
def clean_scene():
    return make_hyperspectral((24, 24), 3, 60, snr_db=None, random_state=0)


@pytest.fixture(scope="module")
def noisy_band_scene():
    return make_hyperspectral((24, 24), 3, 60, snr_db=30, outlier_band_fraction=0.15,
                              return_outlier_bands=True, random_state=1)


def _make(cls, **kw):
    if cls is StructuredSparseNMF:
        kw.setdefault("image_shape", (24, 24))
    return cls(3, random_state=0, **kw)


def _sad_rmse(est, A_est, E, A):
    perm = match_components(E, est.components_)
    return (spectral_angle_distance(E, est.components_[perm]),
            abundance_rmse(A, A_est[:, perm]))


@pytest.mark.parametrize("cls", ESTIMATORS)
def test_noiseless_recovery(cls, clean_scene):
    X, E, A = clean_scene
    est = _make(cls)
    A_est = est.fit_transform(X)
    sad, rmse = _sad_rmse(est, A_est, E, A)
    assert sad < 0.05 and rmse < 0.05, (sad, rmse)
    assert A_est.shape == A.shape and np.all(A_est >= 0)
    np.testing.assert_allclose(A_est.sum(axis=1), 1.0, atol=1e-12)
    assert est.n_iter_ == est.objective_history_.size


def test_ssnmf_objective_non_increasing(clean_scene):
    X, _, _ = make_hyperspectral((24, 24), 3, 60, snr_db=25, random_state=2)
    est = StructuredSparseNMF(3, image_shape=(24, 24), alpha=0.05, init="random", tol=0,
                              max_iter=150, random_state=0).fit(X)
    h = est.objective_history_
    assert h.size == 150
    assert np.all(np.diff(h) <= 1e-9 * h[:-1]), np.diff(h).max()
    assert h[-1] < 0.5 * h[0]


def test_cenmf_reweighted_subproblem_non_increasing(noisy_band_scene):
    """With the band weights frozen, the multiplicative steps never increase the objective."""
    from lrsparse._kernels.nmf import abundance_pass, endmember_update

    X, _, _, _ = noisy_band_scene
    est = CorrentropyNMF(3, random_state=0).fit(X)
    n = X.shape[0]
    A = np.full((n, 3), 1 / 3)
    M = est.components_ * 1.3  # start away from the optimum
    no_graph = (np.zeros(n + 1, np.int32), np.zeros(0, np.int32), np.zeros(0), np.zeros(n), 0.0)
    values = []
    for _ in range(60):
        A, AtX, AtA, obj = abundance_pass(X, (X**2).sum(axis=0), A, M, est.band_weights_,
                                          2.0, *no_graph, np.full(n, 0.1), np.ones(n),
                                          1e-12, 64)
        M = endmember_update(M, AtX, AtA, 1e-12)
        values.append(obj.sum())
    values = np.array(values)
    assert np.all(np.diff(values) <= 1e-9 * values[:-1])


@pytest.mark.parametrize("cls", [CorrentropyNMF, RobustGuidedNMF])
def test_robust_variants_down_weight_noisy_bands(cls, noisy_band_scene):
    X, E, A, bad = noisy_band_scene
    est = _make(cls).fit(X)
    good = np.setdiff1d(np.arange(X.shape[1]), bad)
    assert est.band_weights_[bad].mean() < 0.5 * est.band_weights_[good].mean()
    np.testing.assert_allclose(est.band_weights_.mean(), 1.0)
    _, rmse_robust = _sad_rmse(est, est.transform(X), E, A)
    plain = StructuredSparseNMF(3, graph_strength=0, random_state=0).fit(X)
    _, rmse_plain = _sad_rmse(plain, plain.transform(X), E, A)
    # The band weights act through the abundances (they cancel in the
    # endmember update): there the robust fit must be far better.  The
    # all-band SAD is floored by the clipping bias of the noisy bands for
    # both (see benchmarks/README.md, "oracle"); on the clean bands the
    # robust endmembers must be no worse.
    assert rmse_robust < 0.5 * rmse_plain

    def clean_sad(e):
        perm = match_components(E, e.components_)
        return spectral_angle_distance(E[:, good], e.components_[perm][:, good])

    assert clean_sad(est) <= clean_sad(plain) + 0.005


def test_ssnmf_band_weights_are_ones(clean_scene):
    X, _, _ = clean_scene
    est = _make(StructuredSparseNMF).fit(X)
    np.testing.assert_array_equal(est.band_weights_, 1.0)


def test_guidance_map_tracks_purity(clean_scene):
    X, _, A = clean_scene
    est = _make(RobustGuidedNMF).fit(X)
    h = est.guidance_map_
    assert h.shape == (X.shape[0],) and h.min() >= 0 and h.max() <= 1
    assert np.corrcoef(h, A.max(axis=1))[0, 1] > 0.8


def test_precomputed_graph_equals_image_shape(clean_scene):
    X, _, _ = clean_scene
    G = spatial_affinity_graph(X, (24, 24))
    # "auto" switches the graph off on the noise-free scene: give a strength.
    a = StructuredSparseNMF(3, image_shape=(24, 24), graph_strength=1.0, random_state=0).fit(X)
    b = StructuredSparseNMF(3, graph=G, graph_strength=1.0, random_state=0).fit(X)
    np.testing.assert_allclose(a.components_, b.components_)
    c = StructuredSparseNMF(3, graph_strength=0, random_state=0).fit(X)
    assert not np.allclose(a.components_, c.components_)


def test_abundances_match_cvxpy_for_fixed_endmembers():
    """transform solves a convex problem in A: compare its objective with cvxpy's."""
    from lrsparse.decomposition._unmixing import _data_unit

    cp = pytest.importorskip("cvxpy")
    X, _, _ = make_hyperspectral((5, 6), 2, 8, snr_db=20, random_state=3)
    lam, alpha = 0.5, 0.05
    est = StructuredSparseNMF(2, image_shape=(5, 6), graph_strength=lam, alpha=alpha,
                              sum_to_one=False, max_iter=3000, tol=1e-12,
                              random_state=0).fit(X)
    M = est.components_
    # The fit works on X / u: in the units of X the penalties weigh u^2 as much.
    u2 = _data_unit(X) ** 2
    lam, alpha = lam * u2, alpha * u2
    G = spatial_affinity_graph(X, (5, 6)).toarray()
    Lap = np.diag(G.sum(axis=1)) - G

    def objective(A):
        return (0.5 * np.sum((X - A @ M) ** 2) + 0.5 * lam * np.trace(A.T @ Lap @ A)
                + alpha * A.sum())

    A_var = cp.Variable((30, 2), nonneg=True)
    Lroot = np.linalg.cholesky(Lap + 1e-12 * np.eye(30))
    problem = cp.Problem(cp.Minimize(
        0.5 * cp.sum_squares(X - A_var @ M) + 0.5 * lam * cp.sum_squares(Lroot.T @ A_var)
        + alpha * cp.sum(A_var)))
    problem.solve()
    A_ours = est.transform(X)
    ours = objective(A_ours)
    assert ours <= problem.value * (1 + 1e-6) + 1e-10, (ours, problem.value)
    np.testing.assert_allclose(A_ours, A_var.value, atol=1e-3 * np.abs(A_var.value).max())


def test_transform_held_out_pixels():
    X, E, A = make_hyperspectral((30, 20), 3, 50, snr_db=30, random_state=4)
    train, test = slice(0, 400), slice(400, 600)
    est = CorrentropyNMF(3, random_state=0).fit(X[train])
    A_test = est.transform(X[test])
    perm = match_components(E, est.components_)
    assert abundance_rmse(A[test], A_test[:, perm]) < 0.05
    np.testing.assert_allclose(A_test.sum(axis=1), 1.0)
    X_rec = est.inverse_transform(A_test)
    assert X_rec.shape == X[test].shape
    assert np.sqrt(np.mean((X_rec - X[test]) ** 2)) < 0.05 * X.max()


@pytest.mark.parametrize("cls", ESTIMATORS)
def test_fit_transform_matches_transform_and_threads(cls, clean_scene):
    X, _, _ = clean_scene
    a = _make(cls, n_jobs=1)
    A1 = a.fit_transform(X)
    A2 = _make(cls, n_jobs=2).fit_transform(X)
    np.testing.assert_array_equal(A1, A2)
    np.testing.assert_allclose(a.transform(X), A1, atol=1e-2)


@pytest.mark.parametrize("cls", ESTIMATORS)
def test_transform_is_row_independent(cls, clean_scene):
    # Each pixel's abundances depend on that pixel only (the sum-to-one
    # weight is the fit's, not the batch's): batches and Dask blocks agree.
    X, _, _ = clean_scene
    est = _make(cls).fit(X)
    A = est.transform(X)
    parts = np.vstack([est.transform(X[i:i + 37]) for i in range(0, X.shape[0], 37)])
    np.testing.assert_allclose(parts, A, rtol=1e-12, atol=1e-14)


@pytest.mark.parametrize("cls", ESTIMATORS)
def test_float32_preserved_and_input_untouched(cls, clean_scene):
    X, _, _ = clean_scene
    X32 = X.astype(np.float32)
    X32_copy = X32.copy()
    est = _make(cls)
    A32 = est.fit_transform(X32)
    assert A32.dtype == np.float32 and est.components_.dtype == np.float32
    np.testing.assert_array_equal(X32, X32_copy)


@pytest.mark.parametrize("init", ["random", "nndsvda", "vca", "nfindr"])
def test_inits(init, clean_scene):
    X, E, A = clean_scene
    est = StructuredSparseNMF(3, graph_strength=0, init=init, random_state=0, max_iter=400)
    A_est = est.fit_transform(X)
    assert np.isfinite(A_est).all() and np.isfinite(est.components_).all()


def test_init_array_used_and_not_modified(clean_scene):
    X, E, A = clean_scene
    E0 = E.copy()
    est = StructuredSparseNMF(3, graph_strength=0, init=E, max_iter=1, random_state=0).fit(X)
    np.testing.assert_array_equal(E, E0)
    assert spectral_angle_distance(E, est.components_) < 0.01
    with pytest.raises(ValueError, match="init must be"):
        StructuredSparseNMF(3, graph_strength=0, init=E[:2]).fit(X)


def test_sum_to_one_off(clean_scene):
    X, _, _ = clean_scene
    A = StructuredSparseNMF(3, graph_strength=0, sum_to_one=False, random_state=0).fit_transform(X)
    assert not np.allclose(A.sum(axis=1), 1.0, atol=1e-6)


@pytest.mark.parametrize("cls", ESTIMATORS)
def test_bad_input(cls, clean_scene):
    X, _, _ = clean_scene
    with pytest.raises(ValueError, match="Negative values in data passed to .*X"):
        _make(cls).fit(-X)
    X_nan = X.copy()
    X_nan[0, 0] = np.nan
    with pytest.raises(ValueError, match="NaN"):
        _make(cls).fit(X_nan)
    with pytest.raises(ValueError, match="n_components=61 must be <= min"):
        cls(61).fit(X)
    est = _make(cls).fit(X)
    with pytest.raises(ValueError, match="features"):
        est.transform(X[:, :10])
    with pytest.raises(ValueError, match="n_components=3 columns"):
        est.inverse_transform(np.ones((2, 4)))


def test_ssnmf_graph_errors(clean_scene):
    X, _, _ = clean_scene
    with pytest.raises(ValueError, match="image_shape"):
        StructuredSparseNMF(3).fit(X)
    with pytest.raises(ValueError, match="image_shape=.* does not match"):
        StructuredSparseNMF(3, image_shape=(20, 20)).fit(X)
    with pytest.raises(ValueError, match="graph must have shape"):
        StructuredSparseNMF(3, graph=sp.eye_array(10)).fit(X)
    G = sp.random_array((576, 576), density=0.01, random_state=0, format="csr")
    with pytest.raises(ValueError, match="graph must be symmetric"):
        StructuredSparseNMF(3, graph=G).fit(X)
    with pytest.raises(ValueError, match="Negative values in data passed to graph"):
        StructuredSparseNMF(3, graph=-sp.eye_array(576)).fit(X)
    # No graph needed without the graph term.
    StructuredSparseNMF(3, graph_strength=0, max_iter=5).fit(X)


@pytest.mark.skipif(not SAMSON.exists(), reason="shared/data/hyperspectral/samson.mat is absent")
def test_samson_real_cube():
    data = load_hyperspectral_mat(SAMSON)
    est = CorrentropyNMF(3, random_state=0, max_iter=100).fit(data.X)
    perm = match_components(data.endmembers, est.components_)
    assert spectral_angle_distance(data.endmembers, est.components_[perm]) < 0.2


# ------------------------------------------------------------ the solvers
def test_abundance_solve_is_exact_per_pixel_without_graph(clean_scene):
    """Without a graph the abundance solve is one exact NNLS per pixel (scipy's nnls)."""
    from lrsparse.decomposition._unmixing import _no_graph, _solve_abundances

    X, _, _ = clean_scene
    rng = np.random.default_rng(0)
    M = rng.uniform(0.1, 1.0, size=(4, X.shape[1]))
    A0 = np.full((X.shape[0], 4), 0.25)
    A, sweeps = _solve_abundances(X, M, A0, np.ones(X.shape[1]), _no_graph(X.shape[0]),
                                  alpha=0.0, p_min=1.0, delta=0.0, tol=1e-6, max_sweeps=100)
    assert sweeps == 1
    ref = np.array([nnls(M.T, x)[0] for x in X[:50]])
    np.testing.assert_allclose(A[:50], ref, atol=1e-8)


def test_graph_solve_sweeps_grow_slower_than_coupling(clean_scene):
    """FISTA over the majorised block steps: 100x the graph coupling costs far
    fewer than 100x the sweeps (Jacobi sweeps grow linearly with it)."""
    from lrsparse.decomposition._unmixing import _solve_abundances

    X, E, _ = clean_scene
    est = StructuredSparseNMF(3, image_shape=(24, 24), graph_term="abundances")
    g = est._graph(X.shape[0], X, fitting=True)
    assert g[4] == 0.3 and len(g[2]) > 0
    sweeps = {}
    for lam in (0.3, 30.0):
        graph = g[:4] + (lam,)
        A0 = np.full((X.shape[0], 3), 1 / 3)
        A, sweeps[lam] = _solve_abundances(X, E, A0, np.ones(X.shape[1]), graph, alpha=0.1,
                                           p_min=1.0, delta=1.0, tol=1e-6, max_sweeps=2000)
        assert np.all(A >= 0)
    assert sweeps[30.0] < 2000
    assert sweeps[30.0] <= 20 * sweeps[0.3], sweeps


# ------------------------------------------------- scale, convergence, params
@pytest.fixture(scope="module")
def small_scene():
    return make_hyperspectral((12, 12), 3, 30, snr_db=30, random_state=2)


@pytest.mark.parametrize("cls", ESTIMATORS)
def test_results_scale_with_the_data(cls, small_scene):
    X, E, _ = small_scene
    kw = {"image_shape": (12, 12)} if cls is StructuredSparseNMF else {}
    base = cls(3, random_state=0, **kw)
    A_ref = base.fit_transform(X)
    sad_ref = spectral_angle_distance(E, base.components_[match_components(E, base.components_)])
    for factor in (1e-100, 1e-6, 1e6, 1e100):
        est = cls(3, random_state=0, **kw)
        A = est.fit_transform(X * factor)
        assert 0.5 * base.n_iter_ <= est.n_iter_ <= 2 * base.n_iter_, (factor, est.n_iter_)
        np.testing.assert_allclose(A, A_ref, atol=1e-6)
        np.testing.assert_allclose(est.components_ / factor, base.components_, rtol=1e-6,
                                   atol=1e-9 * base.components_.max())
        sad = spectral_angle_distance(E, est.components_[match_components(E, est.components_)])
        assert sad == pytest.approx(sad_ref, abs=1e-6)
        assert est.reconstruction_err_ / factor == pytest.approx(base.reconstruction_err_,
                                                                 rel=1e-6)
        np.testing.assert_allclose(est.transform(X[:5] * factor), base.transform(X[:5]),
                                   atol=1e-6)


@pytest.mark.parametrize("cls", ESTIMATORS)
def test_subnormal_data_is_refused(cls, small_scene):
    X, _, _ = small_scene
    with pytest.raises(ValueError, match="too small for float64"):
        cls(3, random_state=0).fit(X * 1e-310)


@pytest.mark.parametrize("cls", ESTIMATORS)
def test_convergence_warning(cls, small_scene):
    X, _, _ = small_scene
    kw = {"image_shape": (12, 12)} if cls is StructuredSparseNMF else {}
    message = f"{cls.__name__} did not converge: stopped at max_iter=2 iterations"
    with pytest.warns(ConvergenceWarning, match=message):
        est = cls(3, max_iter=2, tol=1e-12, random_state=0, **kw).fit(X)
    assert est.n_iter_ == 2
    with warnings.catch_warnings():
        warnings.simplefilter("error", ConvergenceWarning)
        est = cls(3, max_iter=500, tol=1e-2, random_state=0, **kw).fit(X)
    assert est.n_iter_ < 500


@pytest.mark.parametrize("bad", [np.nan, np.inf])
def test_init_must_be_finite(bad, small_scene):
    X, _, _ = small_scene
    init = np.full((3, X.shape[1]), 0.5)
    init[1, 2] = bad
    with pytest.raises(ValueError, match="init"):
        StructuredSparseNMF(3, graph_strength=0, init=init).fit(X)


def test_extreme_parameters(small_scene):
    X, E, _ = small_scene
    with pytest.raises(ValueError, match="sum_to_one_weight=1e\\+300 is more than"):
        StructuredSparseNMF(3, graph_strength=0, sum_to_one_weight=1e300).fit(X)
    # A huge or tiny correntropy width is a limit, not an overflow: all bands
    # weighted alike, or the best band only.
    for width in (1e300, 1e-300):
        est = CorrentropyNMF(3, kernel_width=width, random_state=0).fit(X)
        assert np.all(np.isfinite(est.components_)) and np.all(np.isfinite(est.band_weights_))
        assert est.band_weights_.mean() == pytest.approx(1.0)
    wide = CorrentropyNMF(3, kernel_width=1e300, random_state=0).fit(X)
    np.testing.assert_allclose(wide.band_weights_, 1.0)
    for name, value in [("alpha", np.inf), ("graph_strength", np.nan), ("tol", -1.0)]:
        with pytest.raises(ValueError, match=name):
            StructuredSparseNMF(3, image_shape=(12, 12), **{name: value}).fit(X)


@pytest.mark.parametrize("snr_db", [30.0, 20.0, 10.0])
def test_graph_helps_where_the_image_has_spatial_structure(snr_db):
    # The graph denoises the data the endmembers are fitted on: better
    # endmembers than l1-NMF at every SNR on a spatially smooth scene, and
    # switched off ("auto") on the same pixels shuffled.
    X, E, _ = make_hyperspectral((32, 32), 3, 50, snr_db=snr_db, random_state=0)
    plain = StructuredSparseNMF(3, graph_strength=0, random_state=0).fit(X)
    ss = StructuredSparseNMF(3, image_shape=(32, 32), random_state=0).fit(X)
    sad = {}
    for name, est in (("plain", plain), ("ss", ss)):
        perm = match_components(E, est.components_)
        sad[name] = spectral_angle_distance(E, est.components_[perm])
    assert sad["ss"] < sad["plain"], sad
    assert 0.2 < ss.graph_strength_ <= 1.0
    perm = np.random.default_rng(0).permutation(X.shape[0])
    shuffled = StructuredSparseNMF(3, image_shape=(32, 32), random_state=0).fit(X[perm])
    assert shuffled.graph_strength_ < 0.1 * ss.graph_strength_


def test_graph_on_the_abundances_is_the_papers_model(clean_scene):
    # graph_term="abundances": Zhu et al.'s Tr(A^T L A) inside the abundance
    # updates; the data are not smoothed, and transform uses the graph on an
    # image of the fitted size (so it differs from a per-pixel solve).
    X, E, _ = clean_scene
    est = StructuredSparseNMF(3, image_shape=(24, 24), graph_term="abundances",
                              random_state=0, max_iter=400)
    A = est.fit_transform(X)
    assert est.graph_strength_ == 0.3
    assert spectral_angle_distance(E, est.components_[match_components(E, est.components_)]) < 0.1
    np.testing.assert_allclose(est.transform(X), A, atol=1e-3)
    per_pixel = est.transform(X[:100])  # another size: no graph
    assert per_pixel.shape == (100, 3)
    data = StructuredSparseNMF(3, image_shape=(24, 24), graph_strength=1.0, random_state=0)
    data.fit(X)
    assert data.graph_strength_ == 1.0
