"""Real-world sparse inputs for every estimator that takes them.

Users hand over what their tools produce: ``networkx.to_scipy_sparse_array``
(int64 indices), ``coo_array((v, np.nonzero(M)))`` (int64 coordinates), scipy
sparse *matrices* as well as arrays, in CSR, CSC or COO.  Every estimator
whose ``input_tags.sparse`` is set, and every estimator with a ``graph``
parameter, must accept all of them and give the result of the canonical
int32 CSR array and of the dense equivalent (NaN-marked for imputers, where
the stored entries are the observations).

The estimators are discovered with :func:`lrsparse.utils.all_estimators`; the
tables below hold only their test-time data and parameters, and
``test_tables_cover_every_discovered_estimator`` fails when a new estimator
accepts sparse input or a graph without being listed here.
"""

import warnings

import networkx as nx
import numpy as np
import pytest
import scipy.sparse as sp
from sklearn.base import clone, is_regressor
from sklearn.exceptions import ConvergenceWarning

from lrsparse.utils import all_estimators

CONTAINERS = [sp.csr_matrix, sp.csr_array, sp.csc_matrix, sp.csc_array, sp.coo_matrix,
              sp.coo_array]


def _int64(A):
    """``A`` with int64 index arrays, as networkx and ``np.nonzero`` give them."""
    A = A.copy()
    if A.format == "coo":
        A.coords = tuple(c.astype(np.int64) for c in A.coords)
        assert A.row.dtype == A.col.dtype == np.int64
    else:
        A.indices, A.indptr = A.indices.astype(np.int64), A.indptr.astype(np.int64)
        assert A.indices.dtype == A.indptr.dtype == np.int64
    return A


def _int32_csr(S):
    S = sp.csr_array(S)
    return sp.csr_array((S.data, S.indices.astype(np.int32), S.indptr.astype(np.int32)),
                        shape=S.shape)


# ------------------------------------------------------------------ test data
def _ratings():
    """Sparse observed entries of a rank-2 matrix (stored entries = observations)."""
    from lrsparse.datasets import make_low_rank_matrix_with_missing

    X, _ = make_low_rank_matrix_with_missing(30, 20, rank=2, observed_fraction=0.6,
                                             random_state=0)
    mask = ~np.isnan(X)
    S = sp.coo_array((X[mask], np.nonzero(mask)), shape=X.shape)  # int64 coordinates
    return S, X  # sparse input, NaN-marked dense equivalent


def _design():
    """A sparse data matrix (zeros are values) with a few outlying rows."""
    from lrsparse.datasets import make_contaminated_gaussian

    X, _, _, _ = make_contaminated_gaussian(60, 8, contamination=0.1, random_state=0)
    X = np.where(np.random.default_rng(0).random(X.shape) < 0.3, 0.0, X)
    return sp.coo_array(X), X


def _graph():
    """A small weighted networkx graph, as scipy sparse (int64 indices) and dense."""
    from lrsparse.datasets import make_sbm_graph

    A, _ = make_sbm_graph(60, 2, p_in=0.2, p_out=0.02, random_state=0)
    G = nx.from_scipy_sparse_array(A)
    for k, (u, v) in enumerate(G.edges()):
        G[u][v]["weight"] = 1.0 + (k % 5)
    return nx.to_scipy_sparse_array(G), nx.to_numpy_array(G)


def _regression_design():
    """A sparse regression design (zeros are values); the response is in ``_fit_transform``."""
    from lrsparse.datasets import make_sparse_recovery

    X, _, _ = make_sparse_recovery(50, 30, 4, random_state=0)
    X = np.where(np.random.default_rng(0).random(X.shape) < 0.6, 0.0, X)
    return sp.coo_array(X), X


# Estimators whose X may be sparse: data builder and test-time parameters.
SPARSE_X = {
    "WeightedLasso": (_regression_design, dict(alpha=0.01, tol=1e-12)),
    "SqrtLasso": (_regression_design, dict(alpha=0.05, tol=1e-12)),
    "LADLasso": (_regression_design, dict(alpha=0.01, tol=1e-12)),
    "WeightedLassoCV": (_regression_design, dict(n_alphas=4, cv=3, tol=1e-12)),
    "FastRP": (_graph, dict(n_components=4, random_state=0)),
    "Swivel": (_graph, dict(n_components=4, n_epochs=3, random_state=0)),
    "OneSidedCompletion": (_ratings, dict(n_components=2, random_state=0)),
    "RobustPCA": (_design, dict(n_components=2, random_state=0)),
    "StreamingRobustPCA": (_design, dict(n_components=2, random_state=0)),
    "SVTImputer": (_ratings, dict(random_state=0, max_iter=50)),
    "SoftImputer": (_ratings, dict(alpha=0.5, random_state=0, max_iter=30)),
    "ScaledGDImputer": (_ratings, dict(n_components=3, random_state=0, max_iter=50)),
}


def _image_graph():
    """A 6 x 6 hyperspectral scene and its 4-neighbour pixel grid from networkx."""
    from lrsparse.datasets import make_hyperspectral

    X, _, _ = make_hyperspectral((6, 6), 3, 12, random_state=0)
    G = nx.convert_node_labels_to_integers(nx.grid_2d_graph(6, 6), ordering="sorted")
    return X, nx.to_scipy_sparse_array(G), nx.to_numpy_array(G)


# Estimators with a ``graph`` parameter: data builder (X, sparse graph, dense
# graph) and test-time parameters.
GRAPH_PARAM = {
    "FastRP": (
        lambda: (np.arange(60)[:, None], *_graph()),
        dict(n_components=4, random_state=0),
    ),
    "StructuredSparseNMF": (
        _image_graph,
        dict(n_components=3, max_iter=5, random_state=0),
    ),
}


def _discovered():
    found = dict(all_estimators())
    sparse = {name for name, cls in found.items() if cls().__sklearn_tags__().input_tags.sparse}
    graph = {name for name, cls in found.items() if "graph" in cls().get_params()}
    return found, sparse, graph


ESTIMATORS, _SPARSE_NAMES, _GRAPH_NAMES = _discovered()


def test_tables_cover_every_discovered_estimator():
    assert set(SPARSE_X) == _SPARSE_NAMES
    assert set(GRAPH_PARAM) == _GRAPH_NAMES


def _fit_transform(est, X):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)  # short runs on purpose
        if is_regressor(est):  # the fitted linear model on a fixed response
            y = np.sin(np.arange(X.shape[0]))
            fitted = clone(est).fit(X, y)
            return np.append(fitted.coef_, fitted.intercept_)
        return clone(est).fit_transform(X)


def _assert_same(a, b):
    np.testing.assert_allclose(a, b, rtol=1e-9, atol=1e-9 * max(np.abs(b).max(), 1.0))


# ---------------------------------------------------------------- sparse X
@pytest.mark.parametrize("container", CONTAINERS, ids=lambda c: c.__name__)
@pytest.mark.parametrize("name", sorted(SPARSE_X))
def test_int64_indexed_sparse_X(name, container):
    make, params = SPARSE_X[name]
    S, _ = make()
    est = ESTIMATORS[name](**params)
    expected = _fit_transform(est, _int32_csr(S))
    X = _int64(container(S))
    before = X.copy()
    _assert_same(_fit_transform(est, X), expected)
    assert (X != before).nnz == 0  # input not modified


@pytest.mark.parametrize("name", sorted(SPARSE_X))
def test_sparse_X_equals_dense_equivalent(name):
    make, params = SPARSE_X[name]
    S, dense = make()
    est = ESTIMATORS[name](**params)
    _assert_same(_fit_transform(est, S), _fit_transform(est, dense))


def test_networkx_adjacency_as_X():
    S, dense = _graph()
    assert S.indices.dtype == np.int64  # what networkx returns
    est = ESTIMATORS["FastRP"](**SPARSE_X["FastRP"][1])
    _assert_same(_fit_transform(est, S), _fit_transform(est, dense))


# ------------------------------------------------------------ graph parameter
def _fit_with_graph(name, graph, X):
    est = ESTIMATORS[name](graph=graph, **GRAPH_PARAM[name][1])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        out = est.fit_transform(X)
    return out, getattr(est, "components_", out)


@pytest.mark.parametrize("name", sorted(GRAPH_PARAM))
def test_networkx_graph_parameter(name):
    X, S, dense = GRAPH_PARAM[name][0]()
    assert S.indices.dtype == np.int64
    out, comp = _fit_with_graph(name, S, X)
    for graph in (dense, _int32_csr(S)):
        out_ref, comp_ref = _fit_with_graph(name, graph, X)
        _assert_same(out, out_ref)
        _assert_same(comp, comp_ref)


@pytest.mark.parametrize("container", CONTAINERS, ids=lambda c: c.__name__)
@pytest.mark.parametrize("name", sorted(GRAPH_PARAM))
def test_int64_indexed_graph_parameter(name, container):
    X, S, _ = GRAPH_PARAM[name][0]()
    expected, _ = _fit_with_graph(name, _int32_csr(S), X)
    graph = _int64(container(S))
    before = graph.copy()
    out, _ = _fit_with_graph(name, graph, X)
    _assert_same(out, expected)
    assert (graph != before).nnz == 0
