import numpy as np
import pytest
import scipy.sparse as sp
from scipy.sparse.csgraph import connected_components

from lrsparse.datasets import make_mtp2_precision

GRAPHS = ["grid", "erdos_renyi", "barabasi_albert"]


@pytest.mark.parametrize("diagonally_dominant", [False, True])
@pytest.mark.parametrize("graph", GRAPHS)
def test_mtp2_precision_is_m_matrix_on_graph(graph, diagonally_dominant):
    P, A = make_mtp2_precision(60, graph=graph, diagonally_dominant=diagonally_dominant,
                               random_state=0)
    assert P.dtype == np.float64 and P.shape == (60, 60)
    np.testing.assert_array_equal(P, P.T)
    assert np.linalg.eigvalsh(P)[0] > 0
    # Adjacency: csr_array, 0/1, symmetric, no self-loops, int32 indices.
    assert isinstance(A, sp.csr_array) and A.shape == (60, 60)
    assert A.indices.dtype == np.int32 and A.indptr.dtype == np.int32
    assert set(np.unique(A.data)) == {1.0}
    assert (A != A.T).nnz == 0 and A.diagonal().sum() == 0
    # Sign pattern: negative exactly on the edges, zero elsewhere off the diagonal.
    off = ~np.eye(60, dtype=bool)
    np.testing.assert_array_equal(P[off] < 0, A.toarray()[off] == 1)
    assert np.all(P[off] <= 0)
    assert np.all(np.diag(P) > 0)
    if diagonally_dominant:
        assert np.all(P.sum(axis=1) > 0)
        # One scalar rescaling: the covariance's mean variance is 1.
        assert np.mean(np.diag(np.linalg.inv(P))) == pytest.approx(1.0, rel=1e-10)
    else:
        np.testing.assert_allclose(np.diag(np.linalg.inv(P)), 1.0, rtol=1e-10)


@pytest.mark.parametrize("graph", GRAPHS)
def test_mtp2_partial_correlations_recoverable(graph):
    # The docstring promises median edge partial correlations of about 0.2-0.3
    # (several standard errors 1/sqrt(n) at n = 3p) and a moderate condition number.
    P, A = make_mtp2_precision(200, graph=graph, random_state=1)
    d = np.sqrt(np.diag(P))
    rho = -(P / d[:, None] / d[None, :])[A.toarray() == 1]
    assert 0.15 < np.median(rho) < 0.4
    assert np.max(rho) < 1
    eig = np.linalg.eigvalsh(P)
    assert eig[-1] / eig[0] < 100


def test_mtp2_seeded():
    for graph in GRAPHS:
        P1, A1 = make_mtp2_precision(30, graph=graph, random_state=3)
        P2, A2 = make_mtp2_precision(30, graph=graph, random_state=3)
        P3, _ = make_mtp2_precision(30, graph=graph, random_state=4)
        np.testing.assert_array_equal(P1, P2)
        assert (A1 != A2).nnz == 0
        assert not np.array_equal(P1, P3)


@pytest.mark.parametrize("n_features", [2, 3, 5, 7, 10, 12, 17])
def test_grid_structure(n_features):
    _, A = make_mtp2_precision(n_features, graph="grid", random_state=0)
    n_rows = int(np.floor(np.sqrt(n_features)))
    n_cols = -(-n_features // n_rows)
    degrees = np.asarray(A.sum(axis=1)).ravel()
    assert degrees.max() <= 4
    assert connected_components(A, directed=False)[0] == 1
    # Edges join lattice neighbours only: |row diff| + |col diff| == 1.
    i, j = A.nonzero()
    dist = np.abs(i // n_cols - j // n_cols) + np.abs(i % n_cols - j % n_cols)
    np.testing.assert_array_equal(dist, 1)
    # Every pair of lattice neighbours is an edge (brute force over all pairs).
    pos = np.array([divmod(k, n_cols) for k in range(n_features)])
    manhattan = np.abs(pos[:, None, :] - pos[None, :, :]).sum(axis=2)
    np.testing.assert_array_equal(A.toarray(), (manhattan == 1).astype(float))
    assert n_rows <= n_cols <= n_rows + 2  # as square as possible


def test_grid_square():
    _, A = make_mtp2_precision(16, graph="grid", random_state=0)
    degrees = np.asarray(A.sum(axis=1)).ravel()
    # A 4 x 4 lattice: 4 corners of degree 2, 8 sides of degree 3, 4 inner of degree 4.
    np.testing.assert_array_equal(np.bincount(degrees.astype(int)), [0, 0, 4, 8, 4])
    assert A.nnz // 2 == 24


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_barabasi_albert_is_tree_with_hubs(seed):
    _, A = make_mtp2_precision(300, graph="barabasi_albert", random_state=seed)
    assert A.nnz // 2 == 299
    assert connected_components(A, directed=False)[0] == 1
    degrees = np.asarray(A.sum(axis=1)).ravel()
    # Preferential attachment: heavy tail (a uniform random tree would rarely
    # exceed degree 8 at p = 300), and about half the nodes are leaves.
    assert degrees.max() >= 10
    assert 0.5 < np.mean(degrees == 1) < 0.8


def test_barabasi_albert_two_nodes():
    P, A = make_mtp2_precision(2, graph="barabasi_albert", random_state=0)
    np.testing.assert_array_equal(A.toarray(), [[0, 1], [1, 0]])
    assert P[0, 1] < 0


def test_erdos_renyi_mean_degree():
    degrees = []
    for seed in range(5):
        _, A = make_mtp2_precision(200, graph="erdos_renyi", random_state=seed)
        degrees.append(A.nnz / 200)
    # Expected mean degree 3; each graph's edge count is Binomial(19900, 3/199),
    # sd about 17 edges = 0.17 in mean degree.
    assert all(abs(d - 3.0) < 0.6 for d in degrees)
    assert abs(np.mean(degrees) - 3.0) < 0.3
    assert len(set(degrees)) > 1  # random


def test_erdos_renyi_small():
    # p = 2 and 3: each pair joined with probability min(1, 3 / (p - 1)) = 1.
    for p in (2, 3):
        _, A = make_mtp2_precision(p, graph="erdos_renyi", random_state=0)
        np.testing.assert_array_equal(A.toarray(), 1 - np.eye(p))


@pytest.mark.parametrize("diagonally_dominant", [False, True])
def test_graph_without_edges(monkeypatch, diagonally_dominant):
    # An Erdos-Renyi draw may have no edge (rare); the precision is then diagonal.
    from lrsparse.datasets import _mtp2

    empty = np.empty(0, dtype=np.int64)
    monkeypatch.setitem(_mtp2._GRAPHS, "erdos_renyi", lambda n, rng: (empty, empty))
    P, A = make_mtp2_precision(5, graph="erdos_renyi",
                               diagonally_dominant=diagonally_dominant, random_state=0)
    assert A.nnz == 0 and A.shape == (5, 5)
    np.testing.assert_array_equal(P, np.diag(np.diag(P)))
    assert np.all(np.isfinite(P)) and np.all(np.diag(P) > 0)


def test_grid_graph_does_not_depend_on_seed():
    _, A1 = make_mtp2_precision(20, graph="grid", random_state=0)
    _, A2 = make_mtp2_precision(20, graph="grid", random_state=1)
    assert (A1 != A2).nnz == 0


@pytest.mark.parametrize(
    "kwargs, match",
    [
        ({"n_features": 1}, "n_features"),
        ({"n_features": 0}, "n_features"),
        ({"n_features": 3.0}, "n_features"),
        ({"n_features": "10"}, "n_features"),
        ({"n_features": 10, "graph": "ring"}, "graph"),
        ({"n_features": 10, "graph": None}, "graph"),
        ({"n_features": 10, "diagonally_dominant": "yes"}, "diagonally_dominant"),
        ({"n_features": 10, "random_state": "seed"}, "random_state"),
    ],
)
def test_mtp2_bad_arguments(kwargs, match):
    with pytest.raises(ValueError, match=match):
        make_mtp2_precision(**kwargs)
