import numpy as np
import pytest
import scipy.sparse as sp

from lrsparse.datasets import make_sbm_graph
from lrsparse.utils._sklearn import InvalidParameterError


def test_sbm_structure():
    A, y = make_sbm_graph(400, 4, p_in=0.2, p_out=0.01, random_state=0)
    assert isinstance(A, sp.csr_array) and A.shape == (400, 400)
    assert A.indices.dtype == np.int32
    assert (A != A.T).nnz == 0 and A.diagonal().sum() == 0
    assert set(np.unique(A.data)) == {1.0}
    np.testing.assert_array_equal(np.bincount(y), [100] * 4)
    assert not np.all(np.diff(y) >= 0)  # nodes shuffled
    # Edge counts inside and between blocks match p_in and p_out.
    rows, cols = A.nonzero()
    same = y[rows] == y[cols]
    n_in = same.sum() / 2
    n_out = (~same).sum() / 2
    e_in = 4 * 100 * 99 / 2 * 0.2
    e_out = 6 * 100 * 100 * 0.01
    assert abs(n_in - e_in) < 5 * np.sqrt(e_in)
    assert abs(n_out - e_out) < 5 * np.sqrt(e_out)


def test_sbm_seeded():
    A1, y1 = make_sbm_graph(200, 3, random_state=5)
    A2, y2 = make_sbm_graph(200, 3, random_state=5)
    A3, _ = make_sbm_graph(200, 3, random_state=6)
    assert (A1 != A2).nnz == 0 and np.array_equal(y1, y2)
    assert (A1 != A3).nnz > 0


def test_sbm_extremes():
    A, _ = make_sbm_graph(7, 2, p_in=1.0, p_out=1.0, random_state=0)
    np.testing.assert_array_equal(A.toarray(), 1 - np.eye(7))
    A, _ = make_sbm_graph(5, 1, p_in=0.0, random_state=0)
    assert A.nnz == 0


def test_sbm_bad_input():
    with pytest.raises(ValueError, match="n_blocks"):
        make_sbm_graph(3, 4)
    with pytest.raises(InvalidParameterError, match="p_in"):
        make_sbm_graph(10, 2, p_in=1.5)
