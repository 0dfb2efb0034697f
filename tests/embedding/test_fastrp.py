import tracemalloc

import networkx as nx
import numpy as np
import pytest
import scipy.sparse as sp
from sklearn.base import clone
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import GridSearchCV, cross_val_score
from sklearn.pipeline import make_pipeline

from lrsparse.datasets import make_sbm_graph
from lrsparse.embedding import FastRP, fastrp_embedding
from lrsparse.metrics import node_classification_score


@pytest.fixture(scope="module")
def sbm():
    return make_sbm_graph(600, 3, p_in=0.06, p_out=0.01, random_state=0)


def reference_fastrp(S, R, weights, beta, normalize=True, standardize=True, self_influence=0.0):
    """Plain scipy.sparse FastRP: the formula of the paper and the authors' code."""
    S = sp.csr_array(S, dtype=np.float64)
    # Degrees in units of the largest weight (the paper's degrees when unweighted).
    d = np.asarray(S.sum(axis=1)).ravel() / max(S.max(), np.finfo(float).tiny)
    inv = np.divide(1.0, d, out=np.zeros_like(d), where=d > 0)
    A = sp.diags_array(inv) @ S
    L = np.ones_like(d)
    L[d > 0] = d[d > 0] ** beta
    N = sp.diags_array(L) @ R.toarray()

    def rownorm(M):
        if not normalize:
            return M
        n = np.linalg.norm(M, axis=1, keepdims=True)
        return np.divide(M, n, out=np.zeros_like(M), where=n > 0)

    E = self_influence * rownorm(N)
    for w in weights:
        N = A @ N
        E = E + w * rownorm(N)
    if standardize:
        std = E.std(axis=0)
        E = (E - E.mean(axis=0)) / np.where(std > 0, std, 1.0)
    return E


@pytest.mark.parametrize(
    "params",
    [
        {},
        dict(normalize_iterations=False, standardize=False, normalization_strength=0.0),
        dict(iteration_weights=(1.0, 0.5), self_influence=0.7, normalization_strength=-1.0),
    ],
)
def test_equals_scipy_reference_given_same_projection(sbm, params):
    A, _ = sbm
    est = FastRP(n_components=24, random_state=0, **params)
    E = est.fit_transform(A)
    p = est.get_params()
    ref = reference_fastrp(
        A, est.random_projection_, p["iteration_weights"], p["normalization_strength"],
        p["normalize_iterations"], p["standardize"], p["self_influence"],
    )
    np.testing.assert_allclose(E, ref, rtol=1e-9, atol=1e-9)


def test_weighted_directed_graph_and_zero_degree_nodes(rng):
    n = 60
    S = sp.random_array((n, n), density=0.1, rng=rng, format="csr")  # weighted, directed
    S = sp.csr_array(S.toarray() * (np.arange(n) >= 5)[:, None])  # nodes 0-4: no out-edges
    S = sp.csr_array(S.toarray() * (np.arange(n) != 7)[None, :])  # node 7: no in-edges
    S = sp.csr_array(S.toarray() * (np.arange(n) != 7)[:, None])  # node 7 isolated
    est = FastRP(n_components=8, iteration_weights=(1.0, 1.0), random_state=1)
    E = est.fit_transform(S)
    assert np.isfinite(E).all()
    ref = reference_fastrp(S, est.random_projection_, (1.0, 1.0), -0.64)
    np.testing.assert_allclose(E, ref, atol=1e-9)
    # Without standardisation nodes with no out-edges have the zero embedding.
    E0 = FastRP(n_components=8, standardize=False, random_state=1).fit_transform(S)
    np.testing.assert_array_equal(E0[:5], 0.0)
    # With self-influence an isolated node keeps its own (normalised) random row.
    est1 = FastRP(n_components=8, standardize=False, self_influence=1.0, random_state=1)
    E1 = est1.fit_transform(S)
    r7 = est1.random_projection_.toarray()[7]
    norm = np.linalg.norm(r7)
    np.testing.assert_allclose(E1[7], r7 / norm if norm > 0 else r7)


def test_empty_graph_is_finite():
    E = FastRP(n_components=4, random_state=0).fit_transform(sp.csr_array((5, 5)))
    assert np.isfinite(E).all()
    np.testing.assert_array_equal(E, 0.0)


def test_separates_communities(sbm):
    A, y = sbm
    E = FastRP(n_components=32, random_state=0).fit_transform(A)
    assert node_classification_score(E, y, random_state=0)["micro_f1"] > 0.9
    # A random embedding of the same size is near chance: the graph is what helps.
    noise = np.random.default_rng(0).standard_normal(E.shape)
    assert node_classification_score(noise, y, random_state=0)["micro_f1"] < 0.5


def test_seed_reproducible_and_thread_independent(sbm):
    A, _ = sbm
    E1 = FastRP(n_components=16, random_state=3, n_jobs=1).fit_transform(A)
    E2 = FastRP(n_components=16, random_state=3, n_jobs=2).fit_transform(A)
    E3 = FastRP(n_components=16, random_state=4).fit_transform(A)
    np.testing.assert_array_equal(E1, E2)
    assert not np.allclose(E1, E3)


@pytest.mark.parametrize(
    "container",
    [np.asarray, sp.csr_matrix, sp.csr_array, sp.csc_matrix, sp.csc_array, sp.coo_matrix],
)
def test_input_formats_agree_and_are_not_modified(sbm, container):
    A, _ = sbm
    A_small = A[:80][:, :80]
    expected = FastRP(n_components=8, random_state=0).fit_transform(A_small)
    X = container(A_small.toarray() if container is np.asarray else A_small)
    before = X.copy()
    E = FastRP(n_components=8, random_state=0).fit_transform(X)
    np.testing.assert_allclose(E, expected, atol=1e-12)
    diff = X - before
    assert (np.abs(diff).max() if not sp.issparse(diff) else abs(diff).max()) == 0


def test_float32_preserved(sbm):
    A, _ = sbm
    E64 = FastRP(n_components=8, random_state=0).fit_transform(A)
    E32 = FastRP(n_components=8, random_state=0).fit_transform(A.astype(np.float32))
    assert E32.dtype == np.float32
    np.testing.assert_allclose(E32, E64, atol=1e-3)


def test_transform_folds_in_held_out_nodes(sbm):
    A, y = sbm
    est = FastRP(n_components=16, random_state=0).fit(A)
    # transform of the training adjacency reproduces the embedding exactly.
    np.testing.assert_allclose(est.transform(A), est.embedding_, atol=1e-10)
    # Row independence: a subset of rows gives the same rows.
    np.testing.assert_allclose(est.transform(A[:50]), est.embedding_[:50], atol=1e-10)
    # Held-out nodes: fit on a subgraph, fold the rest in, classify well.
    train = np.arange(A.shape[0]) % 3 != 0
    test = ~train
    sub = FastRP(n_components=16, random_state=0).fit(A[train][:, train])
    E_test = sub.transform(A[test][:, train])
    clf = LogisticRegression(max_iter=1000).fit(sub.embedding_, y[train])
    assert clf.score(E_test, y[test]) > 0.85


def test_pairwise_cross_validation_in_pipeline(sbm):
    A, y = sbm
    pipe = make_pipeline(FastRP(n_components=16, random_state=0), LogisticRegression(max_iter=500))
    scores = cross_val_score(pipe, A, y, cv=3)
    assert scores.mean() > 0.85


def test_transductive_mode_grid_search(sbm):
    A, y = sbm
    nodes = np.arange(A.shape[0])[:, None]
    pipe = make_pipeline(FastRP(n_components=16, graph=A, random_state=0),
                         LogisticRegression(max_iter=500))
    search = GridSearchCV(
        pipe,
        {"fastrp__iteration_weights": [(1.0,), (0.0, 0.0, 1.0, 6.67)]},
        cv=3,
    ).fit(nodes, y)
    # Two-hop-and-beyond propagation beats one hop on this sparse SBM.
    assert search.best_params_["fastrp__iteration_weights"] == (0.0, 0.0, 1.0, 6.67)
    assert search.best_score_ > 0.9
    # transform returns rows of the full-graph embedding.
    est = FastRP(n_components=8, graph=A, random_state=0).fit(nodes[:10])
    np.testing.assert_array_equal(est.transform([[5], [2]]), est.embedding_[[5, 2]])
    assert est.embedding_.shape == (A.shape[0], 8)
    assert not FastRP(graph=A).__sklearn_tags__().input_tags.pairwise


def test_graph_parameter_is_not_modified_and_cloned(sbm):
    A, _ = sbm
    A_copy = A.copy()
    est = FastRP(n_components=4, graph=A, random_state=0)
    clone(est).fit([[0], [1]])
    assert (A != A_copy).nnz == 0


@pytest.mark.parametrize(
    "X, match",
    [
        (np.ones((3, 4)), "square adjacency matrix"),
        (np.array([[0.0, -1.0], [1.0, 0.0]]), "Negative values in data passed to X"),
        (np.array([[0.0, np.nan], [1.0, 0.0]]), "NaN"),
        (np.array([[0.0, np.inf], [1.0, 0.0]]), "infinity"),
        (sp.csr_array(np.array([[0.0, -2.0], [1.0, 0.0]])), "Negative values"),
    ],
)
def test_bad_adjacency(X, match):
    with pytest.raises(ValueError, match=match):
        FastRP(n_components=2).fit(X)


def test_bad_graph_parameter_and_node_ids(sbm):
    A, _ = sbm
    with pytest.raises(ValueError, match="graph must be a square"):
        FastRP(graph=np.ones((2, 3))).fit([[0]])
    with pytest.raises(ValueError, match="Negative values in data passed to graph"):
        FastRP(graph=-np.eye(3)).fit([[0]])
    with pytest.raises(ValueError, match="outside"):
        FastRP(graph=A).fit([[A.shape[0]]])


@pytest.mark.parametrize("weights", [(), [[1.0, 2.0]], (1.0, np.nan)])
def test_bad_iteration_weights(weights):
    with pytest.raises(ValueError, match="iteration_weights"):
        FastRP(iteration_weights=weights).fit(np.eye(3))


def test_transform_shape_mismatch(sbm):
    A, _ = sbm
    est = FastRP(n_components=4, random_state=0).fit(A)
    with pytest.raises(ValueError, match="features"):
        est.transform(A[:, :10])
    with pytest.raises(ValueError, match="Negative values"):
        est.transform(-A[:3])


def test_memory_never_forms_dense_n_by_n():
    n = 20_000
    A, _ = make_sbm_graph(n, 4, p_in=0.001, p_out=0.0001, random_state=0)
    est = FastRP(n_components=16, random_state=0)
    est.fit(A[:100][:, :100])  # warm up
    tracemalloc.start()
    est.fit(A)
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    dense_bytes = n * n * 8
    # O(nnz + n d): a few n x d buffers plus the CSR copies, far below n^2.
    assert peak < 0.01 * dense_bytes, peak


# ---------------------------------------------------------------- real-world inputs
# Every container with int64 indices, as X and as graph: tests/test_sparse_inputs.py.
def test_networkx_graph_both_modes():
    G = nx.karate_club_graph()  # weighted edges
    S = nx.to_scipy_sparse_array(G)
    assert S.indices.dtype == np.int64
    expected = FastRP(n_components=8, random_state=0).fit_transform(nx.to_numpy_array(G))
    np.testing.assert_allclose(FastRP(n_components=8, random_state=0).fit_transform(S),
                               expected, atol=1e-12)
    nodes = np.arange(S.shape[0])[:, None]
    est = FastRP(n_components=8, graph=S, random_state=0).fit(nodes)
    np.testing.assert_allclose(est.embedding_, expected, atol=1e-12)
    np.testing.assert_allclose(FastRP(n_components=8, random_state=0).fit(S).transform(S),
                               expected, atol=1e-10)


def test_graph_too_large_for_int32():
    S = sp.coo_array(([1.0], ([0], [1])), shape=(2**31, 2**31))
    with pytest.raises(ValueError, match="graph is too large for int32"):
        FastRP(graph=S).fit([[0]])
    with pytest.raises(ValueError, match="adjacency is too large for int32"):
        fastrp_embedding(S)


# ----------------------------------------------------------------------- solver
@pytest.mark.parametrize(
    "params",
    [{}, dict(standardize=False, normalize_iterations=False, self_influence=0.5, density=0.3)],
)
def test_function_equals_estimator(sbm, params):
    A, _ = sbm
    est = FastRP(n_components=12, random_state=5, **params)
    E, R = fastrp_embedding(A, n_components=12, random_state=5, return_projection=True,
                            **params)
    np.testing.assert_array_equal(E, est.fit_transform(A))
    assert (R != est.random_projection_).nnz == 0
    assert isinstance(fastrp_embedding(A, n_components=2, random_state=0), np.ndarray)


# ------------------------------------------------------------------------ scale
SCALES = [1e-300, 1e-250, 1e-100, 1e-6, 1.0, 1e6, 1e100, 1e250]


@pytest.mark.parametrize("factor", SCALES)
@pytest.mark.parametrize(
    "params",
    [{}, dict(normalize_iterations=False, standardize=False, self_influence=1.0)],
)
def test_embedding_invariant_to_edge_weight_scale(rng, factor, params):
    # Weighted, directed, with nodes without out-edges (their L_jj is 1).
    n = 80
    S = sp.random_array((n, n), density=0.08, rng=rng, format="csr")
    S = sp.csr_array(S.toarray() * (np.arange(n) >= 3)[:, None])
    est = FastRP(n_components=8, random_state=0, **params)
    E = est.fit_transform(S)
    scaled = FastRP(n_components=8, random_state=0, **params)
    E_scaled = scaled.fit_transform(S * factor)
    assert np.abs(E).max() > 0.1
    np.testing.assert_allclose(E_scaled, E, rtol=1e-9, atol=1e-9 * np.abs(E).max())
    np.testing.assert_allclose(scaled.transform(S[:5] * factor), est.transform(S[:5]),
                               rtol=1e-9, atol=1e-9 * np.abs(E).max())
    # A query row's embedding does not depend on the other rows of its batch,
    # not even in rounding (sklearn's check_methods_subset_invariance at d=1).
    rows = (S * factor)[[4, 9, 30]]
    np.testing.assert_array_equal(scaled.transform(rows)[1], scaled.transform(rows[[1]])[0])


def test_subnormal_weights_are_a_clear_error():
    with pytest.raises(ValueError, match="too small for float64"):
        FastRP(n_components=2).fit(np.array([[0.0, 1e-310], [1e-310, 0.0]]))


def test_normalization_strength_overflow_is_a_clear_error():
    # Node 1's degree is 1e-300 edge-weight units: 1e-300 ** -5 overflows.
    S = np.array([[0.0, 1.0, 1.0], [1e-300, 0.0, 0.0], [1.0, 1.0, 0.0]])
    with pytest.raises(ValueError, match="normalization_strength=-5.0 is too large"):
        FastRP(n_components=2, normalization_strength=-5.0).fit(S)


@pytest.mark.parametrize(
    "param, value",
    [
        ("n_components", 0),
        ("n_components", 2.5),
        ("normalization_strength", np.inf),
        ("normalization_strength", np.nan),
        ("self_influence", -np.inf),
        ("density", 0.0),
        ("density", 1.5),
        ("density", np.nan),
        ("n_jobs", 1.5),
    ],
)
def test_bad_numeric_parameters(param, value):
    with pytest.raises(ValueError, match=f"'{param}' parameter"):
        FastRP(**{param: value}).fit(np.eye(3))
    with pytest.raises(ValueError, match=f"'{param}' parameter"):
        fastrp_embedding(np.eye(3), **{param: value})
