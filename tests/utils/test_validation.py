import networkx as nx
import numpy as np
import pytest
import scipy.sparse as sp

from lrsparse.utils import check_adjacency, check_node_indices, missing_mask


@pytest.mark.parametrize(
    "container",
    [np.asarray, sp.csr_matrix, sp.csr_array, sp.csc_matrix, sp.csc_array, sp.coo_array],
)
def test_check_adjacency_formats(container):
    dense = np.array([[0, 2, 0], [1, 0, 0], [0, 0, 0]], dtype=float)
    A = check_adjacency(container(dense))
    assert isinstance(A, sp.csr_array)
    assert A.indices.dtype == np.int32 and A.indptr.dtype == np.int32
    np.testing.assert_array_equal(A.toarray(), dense)


def test_check_adjacency_does_not_modify_or_copy_needlessly():
    A0 = sp.csr_array(np.array([[0.0, 1.0], [1.0, 0.0]]))
    data = A0.data.copy()
    A = check_adjacency(A0)
    np.testing.assert_array_equal(A0.data, data)
    assert np.shares_memory(A.data, A0.data)


def test_check_adjacency_int_and_float32():
    assert check_adjacency(np.eye(3, dtype=int)).dtype == np.float64
    assert check_adjacency(np.eye(3, dtype=np.float32)).dtype == np.float32


@pytest.mark.parametrize(
    "bad, match",
    [
        (np.ones((2, 3)), "square adjacency matrix"),
        (np.array([[0.0, -1.0], [1.0, 0.0]]), "Negative values in data passed to G"),
        (np.array([[0.0, np.nan], [1.0, 0.0]]), "NaN"),
        (np.array([[0.0, np.inf], [1.0, 0.0]]), "infinity"),
        (sp.csr_array(np.array([[0.0, -1.0], [1.0, 0.0]])), "Negative values"),
    ],
)
def test_check_adjacency_errors_name_the_input(bad, match):
    with pytest.raises(ValueError, match=match):
        check_adjacency(bad, input_name="G")


def test_check_adjacency_rectangular_rows_allowed():
    assert check_adjacency(np.ones((2, 3)), square=False).shape == (2, 3)


def test_check_node_indices():
    np.testing.assert_array_equal(check_node_indices([[0], [3], [1]], 4), [0, 3, 1])
    np.testing.assert_array_equal(check_node_indices(np.array([2.0, 0.0]), 4), [2, 0])
    with pytest.raises(ValueError, match="outside"):
        check_node_indices([[4]], 4)
    with pytest.raises(ValueError, match="outside"):
        check_node_indices([[-1]], 4)
    with pytest.raises(ValueError, match="integer node indices"):
        check_node_indices([[0.5]], 4)
    with pytest.raises(ValueError, match="one node index per row"):
        check_node_indices(np.zeros((3, 2)), 4)


def test_missing_mask_dense_and_sparse():
    X = np.array([[1.0, np.nan], [0.0, 3.0]])
    np.testing.assert_array_equal(missing_mask(X), [[False, True], [False, False]])
    np.testing.assert_array_equal(
        missing_mask(X, missing_values=0), [[False, False], [True, False]]
    )
    assert not missing_mask(np.ones((2, 2), dtype=int)).any()
    S = sp.csr_array(np.array([[1.0, 0.0], [-1.0, 2.0]]))
    M = missing_mask(S, missing_values=-1)
    assert sp.issparse(M) and M.dtype == bool
    np.testing.assert_array_equal(M.toarray(), [[False, False], [True, False]])
    with pytest.raises(ValueError, match="missing_values"):
        missing_mask(X, missing_values="NA")


def _int64(A):
    """``A`` (csr/csc/coo, matrix or array) with int64 index arrays."""
    A = A.copy()
    if A.format == "coo":
        A.coords = tuple(c.astype(np.int64) for c in A.coords)
    else:
        A.indices, A.indptr = A.indices.astype(np.int64), A.indptr.astype(np.int64)
    return A


@pytest.mark.parametrize(
    "container",
    [sp.csr_matrix, sp.csr_array, sp.csc_matrix, sp.csc_array, sp.coo_matrix, sp.coo_array],
)
def test_check_adjacency_int64_indices(container):
    dense = np.array([[0, 2, 0], [1, 0, 3], [0, 0, 0]], dtype=float)
    S = _int64(container(dense))
    before = S.copy()
    A = check_adjacency(S, input_name="graph")
    assert isinstance(A, sp.csr_array)
    assert A.indices.dtype == np.int32 and A.indptr.dtype == np.int32
    np.testing.assert_array_equal(A.toarray(), dense)
    assert (S != before).nnz == 0


def test_check_adjacency_networkx_and_nonzero_coo():
    G = nx.karate_club_graph()
    S = nx.to_scipy_sparse_array(G)
    assert S.indices.dtype == np.int64  # the input this test is about
    A = check_adjacency(S)
    assert A.indices.dtype == np.int32 and (A != S).nnz == 0
    M = nx.to_numpy_array(G)
    C = sp.coo_array((M[np.nonzero(M)], np.nonzero(M)), shape=M.shape)
    np.testing.assert_array_equal(check_adjacency(C).toarray(), M)


def test_check_adjacency_too_large_for_int32():
    # Two stored entries, but 2**31 nodes: int32 cannot index them.
    S = sp.coo_array(([1.0, 1.0], ([0, 2**31 - 1], [1, 2**31 - 1])), shape=(2**31, 2**31))
    with pytest.raises(ValueError, match="graph is too large for int32 sparse indices"):
        check_adjacency(S, input_name="graph")
    with pytest.raises(ValueError, match="too large for int32"):
        check_adjacency(sp.coo_array(([1.0], ([0], [0])), shape=(2, 2**31)), square=False)
