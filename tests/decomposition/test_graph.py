import doctest
import math
import warnings
from fractions import Fraction

import numpy as np
import pytest
import scipy.sparse as sp
from sklearn.cluster import KMeans
from sklearn.exceptions import ConvergenceWarning

from lrsparse.decomposition._graph import (
    _graph_smooth,
    _keep_top_fraction,
    spatial_affinity_graph,
)
from lrsparse.utils._sklearn import InvalidParameterError


def _mixtures(n_pixels, n_bands=12, seed=0):
    """Noisy mixtures of 3 signed spectra: correlations spread over (-1, 1)."""
    rng = np.random.default_rng(seed)
    M = rng.normal(size=(3, n_bands))
    A = rng.dirichlet(np.full(3, 0.5), size=n_pixels)
    return A @ M + 0.05 * rng.normal(size=(n_pixels, n_bands))


def _candidates(shape, window):
    """All ordered pixel pairs within the window, by a double loop (O(n^2))."""
    n_rows, n_cols = shape
    n = n_rows * n_cols
    out = []
    for i in range(n):
        for j in range(n):
            cheb = max(abs(i // n_cols - j // n_cols), abs(i % n_cols - j % n_cols))
            if i != j and 1 <= cheb <= window:
                out.append((i, j))
    return out


def _brute_force(
    X, shape, window, weight, sigma=None, labels=None, top_fraction=None, min_weight=None
):
    """Independent dense construction with the documented rules."""
    n = shape[0] * shape[1]
    cand = _candidates(shape, window)
    if weight == "heat" and sigma is None:
        sigma = np.mean([np.sum((X[i] - X[j]) ** 2) for i, j in cand])
    W = np.zeros((n, n))
    for i, j in cand:
        if labels is not None and labels[i] != labels[j]:
            continue
        if weight == "heat":
            w = math.exp(-np.sum((X[i] - X[j]) ** 2) / sigma)
        elif weight == "correlation":
            w = np.corrcoef(X[i], X[j])[0, 1]
        else:
            w = 1.0
        if w <= 0 or (min_weight is not None and w < min_weight):
            continue
        W[i, j] = w
    if top_fraction is not None:
        for i in range(n):
            nbrs = np.flatnonzero(W[i])
            # Exact arithmetic on the decimal the user wrote (0.3, not the
            # binary float just below it).
            k = math.ceil(Fraction(repr(top_fraction)) * len(nbrs))
            ranked = sorted(nbrs, key=lambda j: (-W[i, j], j))
            W[i, ranked[k:]] = 0
    return np.maximum(W, W.T)


def _check_format(W, n):
    assert isinstance(W, sp.csr_array)
    assert W.shape == (n, n) and W.dtype == np.float64
    assert W.indices.dtype == np.int32 and W.indptr.dtype == np.int32
    assert W.has_sorted_indices
    assert (W != W.T).nnz == 0
    assert np.all(W.diagonal() == 0)
    assert np.all(W.data > 0)  # no stored zeros, no negative weights


def _assert_same_graph(W, ref):
    D = W.toarray()
    np.testing.assert_array_equal(D != 0, ref != 0)
    np.testing.assert_allclose(D, ref, rtol=1e-10, atol=0)


MIN_WEIGHT = {"heat": 0.4, "correlation": 0.5, "binary": 0.5}


@pytest.mark.parametrize("shape", [(5, 6), (4, 4)])
@pytest.mark.parametrize("window", [1, 2])
@pytest.mark.parametrize("weight", ["heat", "correlation", "binary"])
@pytest.mark.parametrize("variant", ["plain", "labels", "min_weight", "top_fraction", "all"])
def test_matches_brute_force(shape, window, weight, variant):
    n = shape[0] * shape[1]
    X = _mixtures(n)
    labels = np.random.default_rng(1).integers(0, 2, size=n)
    kw = {}
    if variant in ("labels", "all"):
        kw["labels"] = labels
    if variant in ("min_weight", "all"):
        kw["min_weight"] = MIN_WEIGHT[weight]
    if variant in ("top_fraction", "all"):
        kw["top_fraction"] = 0.3
    W = spatial_affinity_graph(X, shape, window=window, weight=weight, **kw)
    _check_format(W, n)
    ref = _brute_force(X, shape, window, weight, **kw)
    assert np.count_nonzero(ref) > 0
    _assert_same_graph(W, ref)


@pytest.mark.parametrize(
    "shape, window, top_fraction",
    [((1, 20), 5, 0.7), ((1, 7), 1, None), ((9, 1), 2, None), ((6, 5), 3, 0.45), ((6, 5), 2, 0.1)],
)
@pytest.mark.parametrize("weight", ["heat", "correlation", "binary"])
def test_lines_and_rounding_match_brute_force(shape, window, top_fraction, weight):
    # Line and column images, and fractions whose products with the degrees
    # hit integers (0.7 * 10, 0.45 * 20).
    n = shape[0] * shape[1]
    X = _mixtures(n, seed=3)
    W = spatial_affinity_graph(X, shape, window=window, weight=weight, top_fraction=top_fraction)
    _check_format(W, n)
    _assert_same_graph(W, _brute_force(X, shape, window, weight, top_fraction=top_fraction))


def test_line_image_is_a_path():
    X = _mixtures(7)
    W = spatial_affinity_graph(X, (1, 7), weight="binary")
    np.testing.assert_array_equal(W.toarray(), np.eye(7, k=1) + np.eye(7, k=-1))
    W = spatial_affinity_graph(X, (7, 1), weight="binary")
    np.testing.assert_array_equal(W.toarray(), np.eye(7, k=1) + np.eye(7, k=-1))


def test_single_pixel_has_no_edges():
    W = spatial_affinity_graph(np.ones((1, 3)), (1, 1), window=3)
    _check_format(W, 1)
    assert W.nnz == 0


@pytest.mark.parametrize("window", [1, 2, 7])
def test_border_pixels_have_clipped_windows(window):
    n_rows, n_cols = 5, 6
    X = _mixtures(n_rows * n_cols)
    W = spatial_affinity_graph(X, (n_rows, n_cols), window=window, weight="binary")
    r, c = np.divmod(np.arange(n_rows * n_cols), n_cols)
    height = np.minimum(r + window, n_rows - 1) - np.maximum(r - window, 0) + 1
    width = np.minimum(c + window, n_cols - 1) - np.maximum(c - window, 0) + 1
    np.testing.assert_array_equal(W.sum(axis=1), height * width - 1)
    assert W[0].nnz > 0 and W[n_rows * n_cols - 1].nnz > 0


def test_heat_default_sigma_is_mean_candidate_distance():
    shape = (5, 6)
    X = _mixtures(30)
    cand = _candidates(shape, 2)
    sigma = np.mean([np.sum((X[i] - X[j]) ** 2) for i, j in cand])
    W = spatial_affinity_graph(X, shape, window=2)
    _assert_same_graph(W, spatial_affinity_graph(X, shape, window=2, sigma=sigma).toarray())
    i, j = cand[0]
    assert W[i, j] == pytest.approx(np.exp(-np.sum((X[i] - X[j]) ** 2) / sigma), rel=1e-12)
    # The default is computed over all candidate edges, before the label filter.
    labels = np.arange(30) % 2
    W_lab = spatial_affinity_graph(X, shape, window=2, labels=labels)
    ref = _brute_force(X, shape, 2, "heat", sigma=sigma, labels=labels)
    _assert_same_graph(W_lab, ref)
    # ... so the graph does not depend on the scale of X.
    _assert_same_graph(spatial_affinity_graph(10.0 * X, shape, window=2), W.toarray())
    # A different sigma gives different weights.
    W2 = spatial_affinity_graph(X, shape, window=2, sigma=sigma / 4)
    assert np.all(W2.data < W.data)


def test_heat_constant_image():
    W = spatial_affinity_graph(np.ones((12, 3)), (3, 4))
    _check_format(W, 12)
    np.testing.assert_array_equal(W.data, 1.0)
    assert W.nnz == spatial_affinity_graph(np.ones((12, 3)), (3, 4), weight="binary").nnz


def test_correlation_drops_negative_and_constant_spectra():
    shape = (5, 6)
    X = _mixtures(30)
    W = spatial_affinity_graph(X, shape, window=2, weight="correlation").toarray()
    cand = _candidates(shape, 2)
    corr = {(i, j): np.corrcoef(X[i], X[j])[0, 1] for i, j in cand}
    negative = [p for p, v in corr.items() if v < 0]
    positive = [p for p, v in corr.items() if v > 0]
    assert negative and positive
    assert all(W[p] == 0 for p in negative)
    assert all(W[p] == pytest.approx(corr[p], rel=1e-10) for p in positive)
    # A constant spectrum has no defined correlation: no edges.
    X[7] = 2.0
    W = spatial_affinity_graph(X, shape, window=2, weight="correlation")
    assert W[[7]].nnz == 0 and W[:, [7]].nnz == 0
    assert W.nnz > 0


def test_min_weight_and_top_fraction_extremes():
    shape = (5, 6)
    X = _mixtures(30)
    full = spatial_affinity_graph(X, shape, window=2, weight="correlation")
    same = spatial_affinity_graph(
        X, shape, window=2, weight="correlation", top_fraction=1.0, min_weight=0.0
    )
    _assert_same_graph(same, full.toarray())
    assert spatial_affinity_graph(X, shape, weight="binary", min_weight=1.5).nnz == 0
    # Tiny fractions keep at least one edge per pixel that has one.
    tiny = spatial_affinity_graph(X, shape, window=2, weight="heat", top_fraction=1e-12)
    assert np.all(np.diff(tiny.indptr) >= 1)
    assert tiny.nnz < full.nnz
    # min_weight removes exactly the light edges.
    cut = spatial_affinity_graph(X, shape, window=2, weight="correlation", min_weight=0.5)
    D = full.toarray()
    np.testing.assert_array_equal(cut.toarray(), np.where(D >= 0.5, D, 0))


@pytest.mark.parametrize(
    "degree, top_fraction, n_kept",
    [
        (100, 0.55, 55),  # 0.55 * 100 == 55.00000000000001 in floating point
        (100, 0.07, 7),  # 0.07 * 100 == 7.000000000000001
        (10, 0.1, 1),
        (10, 0.3, 3),
        (10, 0.31, 4),
        (10, 0.05, 1),
        (10, 1e-12, 1),  # at least one edge
        (10, 1.0, 10),
    ],
)
def test_top_fraction_count_per_pixel(degree, top_fraction, n_kept):
    # Pixel 0 has `degree` edges to pixels 1..degree, all of weight 1 except
    # the one to pixel `degree` (the strongest); ties go to the smaller
    # neighbour index.  Pixel 1 has no edges, pixel 2 one.
    n = degree + 1
    weights = np.ones(degree)
    weights[-1] = 2.0
    W = sp.csr_array(
        (np.r_[weights, 0.5], (np.r_[np.zeros(degree, int), 2], np.r_[np.arange(1, n), 0])),
        shape=(n, n),
    )
    W.sort_indices()
    keep = _keep_top_fraction(W.indptr, W.data, top_fraction)
    rows = np.repeat(np.arange(n), np.diff(W.indptr))
    kept = W.indices[keep & (rows == 0)]
    expected = np.unique(np.concatenate([[degree], np.arange(1, n_kept)]))
    np.testing.assert_array_equal(np.sort(kept), expected)
    assert keep[rows == 2].all()


def test_top_fraction_keeps_edges_chosen_by_either_end():
    # On the line 0 - 1 - 2 with top_fraction 0.5, pixel 1 keeps only its
    # stronger edge (1, 2), but pixel 0 keeps (0, 1), its only edge: the
    # maximum with the transpose keeps both (a minimum would drop (0, 1)).
    X = np.array([[0.0, 0.0], [1.0, 0.0], [1.5, 0.0]])
    W = spatial_affinity_graph(X, (1, 3), weight="heat", sigma=1.0, top_fraction=0.5)
    # Pixel 1 keeps only (1, 2) (distance 0.5 < 1); pixel 0 keeps (0, 1):
    # both edges survive through the maximum with the transpose.
    assert W[0, 1] == pytest.approx(np.exp(-1.0))
    assert W[1, 2] == pytest.approx(np.exp(-0.25))
    assert W.nnz == 4


def test_n_clusters_joins_only_same_cluster_pixels():
    shape = (6, 8)
    X = _mixtures(48, n_bands=10, seed=5)
    kw = dict(window=2, weight="correlation", top_fraction=0.3, min_weight=0.5)
    W = spatial_affinity_graph(X, shape, n_clusters=3, random_state=0, **kw)
    _check_format(W, 48)
    Z = X - X.mean(axis=1, keepdims=True)
    Z /= np.linalg.norm(Z, axis=1, keepdims=True)
    labels = KMeans(3, n_init=3, random_state=0).fit(Z).labels_
    rows, cols = W.nonzero()
    assert rows.size > 0 and np.all(labels[rows] == labels[cols])
    _assert_same_graph(W, _brute_force(X, shape, labels=labels, **kw))
    # The label filter really removed edges.
    no_labels = spatial_affinity_graph(X, shape, window=2, weight="binary")
    clustered = spatial_affinity_graph(X, shape, window=2, weight="binary", n_clusters=3,
                                       random_state=0)
    assert clustered.nnz < no_labels.nnz
    # One cluster is the same as no clustering; a seed reproduces the graph.
    one = spatial_affinity_graph(X, shape, n_clusters=1, random_state=0, **kw)
    _assert_same_graph(one, spatial_affinity_graph(X, shape, **kw).toarray())
    again = spatial_affinity_graph(X, shape, n_clusters=3, random_state=0, **kw)
    assert (again != W).nnz == 0


def test_labels_accept_integral_floats_and_lists():
    X = _mixtures(12)
    labels = [0, 0, 1, 1] * 3
    W = spatial_affinity_graph(X, (3, 4), labels=labels)
    W_f = spatial_affinity_graph(X, (3, 4), labels=np.array(labels, dtype=float))
    assert (W != W_f).nnz == 0
    assert W[1, 2] == 0 and W[1, 5] > 0


@pytest.mark.parametrize("dtype, order", [(np.float64, "C"), (np.float32, "F"), (np.int64, "C")])
def test_input_not_modified(dtype, order):
    X = np.asarray(np.abs(_mixtures(30)) * 10, dtype=dtype, order=order)
    X_before = X.copy()
    for weight in ("heat", "correlation", "binary"):
        spatial_affinity_graph(X, (5, 6), window=2, weight=weight, n_clusters=2,
                               random_state=0, top_fraction=0.5, min_weight=0.1)
    np.testing.assert_array_equal(X, X_before)
    labels = np.arange(30) % 3
    labels_before = labels.copy()
    spatial_affinity_graph(X, (5, 6), labels=labels)
    np.testing.assert_array_equal(labels, labels_before)


def test_list_input_and_shape_types():
    X = _mixtures(12)
    W = spatial_affinity_graph(X, (3, 4))
    for shape in ([3, 4], np.array([3, 4]), (np.int32(3), np.int64(4))):
        assert (spatial_affinity_graph(X.tolist(), shape) != W).nnz == 0


def test_bad_X():
    with pytest.raises(ValueError, match="X must be a 2-D"):
        spatial_affinity_graph(np.ones(12), (3, 4))
    with pytest.raises(ValueError, match="X must be a 2-D"):
        spatial_affinity_graph(np.ones((3, 4, 2)), (3, 4))
    X = np.ones((12, 2))
    X[3, 1] = np.nan
    with pytest.raises(ValueError, match="Input X contains NaN"):
        spatial_affinity_graph(X, (3, 4))
    X[3, 1] = np.inf
    with pytest.raises(ValueError, match="Input X contains infinity"):
        spatial_affinity_graph(X, (3, 4))


@pytest.mark.parametrize("shape", [(3,), (3, 4, 1), (0, 12), (-3, -4), (2.5, 4.8), (3, True),
                                   "ab", 12])
def test_bad_image_shape(shape):
    with pytest.raises(ValueError, match="image_shape"):
        spatial_affinity_graph(np.ones((12, 2)), shape)


def test_image_shape_pixel_count_mismatch():
    with pytest.raises(ValueError, match=r"image_shape=\(3, 5\).*15.*n_pixels = 12"):
        spatial_affinity_graph(np.ones((12, 2)), (3, 5))


@pytest.mark.parametrize("labels", [np.zeros(11), np.zeros((12, 1)), np.zeros((3, 4))])
def test_bad_labels_shape(labels):
    with pytest.raises(ValueError, match=r"labels must hold one label per pixel.*\(12,\)"):
        spatial_affinity_graph(np.ones((12, 2)), (3, 4), labels=labels)


@pytest.mark.parametrize("labels", [np.full(12, 0.5), np.array(["a"] * 12), np.full(12, np.nan)])
def test_bad_labels_dtype(labels):
    with pytest.raises(ValueError, match="labels must contain integer labels"):
        spatial_affinity_graph(np.ones((12, 2)), (3, 4), labels=labels)


def test_labels_and_n_clusters_exclusive():
    with pytest.raises(ValueError, match="labels and n_clusters"):
        spatial_affinity_graph(np.ones((12, 2)), (3, 4), labels=np.zeros(12), n_clusters=2)


def test_too_many_clusters():
    with pytest.raises(ValueError, match="n_clusters=13 must not exceed n_pixels=12"):
        spatial_affinity_graph(_mixtures(12), (3, 4), n_clusters=13)


@pytest.mark.parametrize(
    "param, value",
    [
        ("window", 0),
        ("window", 1.5),
        ("weight", "cosine"),
        ("sigma", 0.0),
        ("sigma", -1.0),
        ("top_fraction", 0.0),
        ("top_fraction", 1.5),
        ("min_weight", -0.1),
        ("n_clusters", 0),
        ("random_state", "seed"),
    ],
)
def test_bad_parameters(param, value):
    with pytest.raises(InvalidParameterError, match=param):
        spatial_affinity_graph(np.ones((12, 2)), (3, 4), **{param: value})
    assert issubclass(InvalidParameterError, ValueError)


def test_docstring_example(monkeypatch):
    # The example imports the public name; make it resolve even before the
    # re-export from lrsparse.decomposition is wired.
    import lrsparse.decomposition

    monkeypatch.setattr(
        lrsparse.decomposition, "spatial_affinity_graph", spatial_affinity_graph, raising=False
    )
    finder = doctest.DocTestFinder()
    runner = doctest.DocTestRunner()
    for test in finder.find(spatial_affinity_graph, "spatial_affinity_graph", globs={}):
        runner.run(test)
    assert runner.failures == 0 and runner.tries > 0


def test_no_quadratic_step():
    # 10k pixels with an 11 x 11 window: a dense n^2 step would need 800 MB.
    n_rows, n_cols = 100, 100
    X = np.random.default_rng(0).random((n_rows * n_cols, 4))
    W = spatial_affinity_graph(X, (n_rows, n_cols), window=5, weight="correlation",
                               top_fraction=0.3, min_weight=0.5)
    _check_format(W, n_rows * n_cols)
    assert W.nnz < 120 * n_rows * n_cols


SCALES = [1e-300, 1e-100, 1e-6, 1.0, 1e6, 1e100, 1e300]


@pytest.mark.parametrize("factor", SCALES)
@pytest.mark.parametrize(
    "params",
    [
        dict(weight="heat"),
        dict(weight="heat", top_fraction=0.5, min_weight=0.2),
        dict(weight="correlation", window=2, min_weight=0.3),
        dict(weight="correlation", n_clusters=3, random_state=0),
    ],
)
def test_graph_does_not_depend_on_the_scale_of_X(factor, params):
    # At 1e-300 squared distances underflow and at 1e300 they overflow: the
    # spectra are measured in units of their largest magnitude first.
    X = np.abs(_mixtures(30))
    W = spatial_affinity_graph(X, (5, 6), **params)
    assert W.nnz > 0 and np.ptp(W.data) > 0.1  # not a constant (all-1) graph
    W_scaled = spatial_affinity_graph(X * factor, (5, 6), **params)
    _check_format(W_scaled, 30)
    _assert_same_graph(W_scaled, W.toarray())


@pytest.mark.parametrize("factor", [1e-100, 1e-6, 1.0, 1e6, 1e100])
def test_explicit_sigma_moves_with_the_square_of_the_scale(factor):
    X = _mixtures(30)
    W = spatial_affinity_graph(X, (5, 6), sigma=0.3)
    W_scaled = spatial_affinity_graph(X * factor, (5, 6), sigma=0.3 * factor**2)
    _assert_same_graph(W_scaled, W.toarray())


def test_subnormal_X_is_a_clear_error():
    with pytest.raises(ValueError, match="X are too small for float64"):
        spatial_affinity_graph(np.full((4, 2), 1e-310) * np.arange(1, 5)[:, None], (2, 2))


# ------------------------------------------------------------ _graph_smooth


def _smooth_dense(X, W, strength):
    W = W.toarray()
    L = np.diag(W.sum(axis=1)) - W
    return np.linalg.solve(np.eye(len(W)) + strength * L, X)


@pytest.mark.parametrize("strength", [0.1, 1.0, 30.0])
@pytest.mark.parametrize("params", [dict(weight="heat"), dict(weight="binary", window=2)])
def test_graph_smooth_solves_the_linear_system(strength, params):
    X = np.abs(_mixtures(42))
    W = spatial_affinity_graph(X, (6, 7), **params)
    Z, n_iter = _graph_smooth(X, W, strength)
    expected = _smooth_dense(X, W, strength)
    np.testing.assert_allclose(Z, expected, rtol=1e-6, atol=1e-7 * np.abs(expected).max())
    assert 1 <= n_iter < 100
    # It is the minimiser of 1/2 ||X - Z||^2 + strength/2 Tr(Z^T L Z): zero gradient.
    L = np.diag(W.toarray().sum(axis=1)) - W.toarray()
    grad = Z - X + strength * L @ Z
    assert np.abs(grad).max() < 1e-6 * np.abs(X).max() * (1 + strength)
    # Smoothing: the graph energy goes down, the mean spectrum is kept (L 1 = 0).
    assert np.trace(Z.T @ L @ Z) < np.trace(X.T @ L @ X)
    np.testing.assert_allclose(Z.mean(axis=0), X.mean(axis=0), rtol=1e-7)


def test_graph_smooth_zero_strength_empty_graph_and_inputs_untouched():
    X = np.abs(_mixtures(12)).astype(np.float32)
    W = spatial_affinity_graph(X, (3, 4))
    X0, data0 = X.copy(), W.data.copy()
    Z, n_iter = _graph_smooth(X, W, 0.0)
    assert n_iter == 0 and Z.dtype == np.float64 and not np.shares_memory(Z, X)
    np.testing.assert_array_equal(Z, X)
    Z, _ = _graph_smooth(X, W, 2.0)
    np.testing.assert_allclose(Z, _smooth_dense(X.astype(np.float64), W, 2.0), rtol=1e-5)
    np.testing.assert_array_equal(X, X0)
    np.testing.assert_array_equal(W.data, data0)
    empty = spatial_affinity_graph(X[:1], (1, 1))
    np.testing.assert_allclose(_graph_smooth(X[:1], empty, 5.0)[0], X[:1])
    zeros = np.zeros((12, 3))
    np.testing.assert_array_equal(_graph_smooth(zeros, W, 1.0)[0], zeros)


@pytest.mark.parametrize("factor", [1e-100, 1e-6, 1.0, 1e6, 1e100])
def test_graph_smooth_scales_with_the_data(factor):
    X = np.abs(_mixtures(42))
    W = spatial_affinity_graph(X, (6, 7))
    Z, n_iter = _graph_smooth(X, W, 3.0)
    Z_scaled, n_scaled = _graph_smooth(X * factor, W, 3.0)
    assert n_iter / 2 <= n_scaled <= 2 * n_iter
    np.testing.assert_allclose(Z_scaled / factor, Z, rtol=1e-9, atol=1e-12 * np.abs(Z).max())
    assert np.all(np.isfinite(Z_scaled))


def test_graph_smooth_convergence_warning():
    X = np.abs(_mixtures(42))
    W = spatial_affinity_graph(X, (6, 7))
    with pytest.warns(ConvergenceWarning, match="_graph_smooth did not converge.*max_iter=2"):
        _graph_smooth(X, W, 10.0, max_iter=2)
    with warnings.catch_warnings():
        warnings.simplefilter("error", ConvergenceWarning)
        _graph_smooth(X, W, 10.0)
