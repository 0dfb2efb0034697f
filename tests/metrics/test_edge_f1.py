import numpy as np
import pytest
import scipy.sparse as sp

from lrsparse.datasets import make_mtp2_precision
from lrsparse.metrics import edge_f1


def _precision(p, edges, value=-0.2):
    """Unit diagonal, ``value`` on the given (i, j) pairs (both triangles)."""
    P = np.eye(p)
    for i, j in edges:
        P[i, j] = P[j, i] = value
    return P


def test_edge_f1_hand_computed():
    true = _precision(5, [(0, 1), (1, 2), (2, 3)])
    assert edge_f1(true, true) == 1.0
    # Disjoint supports: no true positive.
    assert edge_f1(true, _precision(5, [(0, 4), (3, 4)])) == 0.0
    # TP = 2 (01, 12), FP = 1 (04), FN = 1 (23): 4 / (4 + 1 + 1).
    assert edge_f1(true, _precision(5, [(0, 1), (1, 2), (0, 4)])) == pytest.approx(4 / 6)
    # Subset: TP = 1, FN = 2: 2 / 4.
    assert edge_f1(true, _precision(5, [(1, 2)])) == pytest.approx(0.5)
    # A prediction without edges against a true graph: 0; neither has edges: 1.
    assert edge_f1(true, np.eye(5)) == 0.0
    assert edge_f1(np.eye(5), np.eye(5)) == 1.0
    assert edge_f1(np.eye(5), true) == 0.0
    # Symmetric in its arguments (F1 swaps FP and FN).
    pred = _precision(5, [(0, 1), (1, 2), (0, 4)])
    assert edge_f1(pred, true) == edge_f1(true, pred)


def test_edge_f1_threshold_is_a_partial_correlation():
    true = _precision(4, [(0, 1), (2, 3)])
    pred = np.diag([4.0, 1.0, 100.0, 1.0])
    pred[0, 1] = pred[1, 0] = -1e-6 * 2.0  # partial correlation 1e-6: below 1e-5
    pred[2, 3] = pred[3, 2] = -1e-4 * 10.0  # partial correlation 1e-4: above
    assert edge_f1(true, pred) == pytest.approx(2 / 3)
    assert edge_f1(true, pred, threshold=1e-7) == 1.0
    assert edge_f1(true, pred, threshold=1e-3) == 0.0
    # threshold=0 counts every nonzero entry; strictly greater than threshold.
    assert edge_f1(true, pred, threshold=0.0) == 1.0
    # The threshold applies to both matrices.
    strong = _precision(4, [(0, 1), (2, 3)], value=-0.4)
    exact = np.eye(4)
    exact[0, 1] = exact[1, 0] = -0.25
    assert edge_f1(strong, exact, threshold=0.25) == 0.0
    assert edge_f1(strong, exact, threshold=0.2499) == pytest.approx(2 / 3)
    # true's 0.2 entries are not edges at threshold 0.2 (strictly greater counts);
    # the predicted 0.25 is a false positive.
    assert edge_f1(true, exact, threshold=0.2) == 0.0


def test_edge_f1_reads_the_upper_triangle():
    true = _precision(3, [(0, 1)])
    lower_only = np.eye(3)
    lower_only[1, 0] = -0.5
    assert edge_f1(true, lower_only) == 0.0
    upper_only = np.eye(3)
    upper_only[0, 1] = -0.5
    assert edge_f1(true, upper_only) == 1.0


@pytest.mark.parametrize("factor", [1e-100, 1e-6, 1.0, 1e6, 1e100])
def test_edge_f1_scale_invariant(factor):
    true, _ = make_mtp2_precision(30, graph="erdos_renyi", random_state=0)
    rng = np.random.RandomState(0)
    noise = np.triu(rng.normal(scale=0.05, size=(30, 30)) * (rng.rand(30, 30) < 0.1), 1)
    pred = true + noise + noise.T
    reference = edge_f1(true, pred)
    assert 0.0 < reference < 1.0
    assert edge_f1(true * factor, pred) == reference
    assert edge_f1(true, pred * factor) == reference
    assert edge_f1(true * factor, pred * factor) == reference
    # Even 1e-300 / 1e300 entries: sqrt(Theta_ii) * sqrt(Theta_jj) stays normal.
    assert edge_f1(true * 1e-300, pred * 1e300) == reference


@pytest.mark.parametrize("fmt", ["csr", "csc", "coo"])
@pytest.mark.parametrize("container", [sp.csr_array, sp.csr_matrix])
@pytest.mark.parametrize("index_dtype", [np.int32, np.int64])
def test_edge_f1_sparse_input(fmt, container, index_dtype):
    true, adjacency = make_mtp2_precision(25, graph="grid", random_state=0)
    pred = true.copy()
    pred[0, 1] = pred[1, 0] = 0.0  # one false negative
    pred[0, 24] = pred[24, 0] = -0.1  # one false positive
    expected = edge_f1(true, pred)
    assert expected == pytest.approx(2 * 39 / (2 * 39 + 2))  # 40 grid edges (5 x 5)
    S = container(pred).asformat(fmt)
    if fmt == "coo":
        S.row = S.row.astype(index_dtype)
        S.col = S.col.astype(index_dtype)
    else:
        S.indices = S.indices.astype(index_dtype)
        S.indptr = S.indptr.astype(index_dtype)
    T = sp.csr_array(true)
    T.indices = T.indices.astype(index_dtype)
    T.indptr = T.indptr.astype(index_dtype)
    assert edge_f1(true, S) == pytest.approx(expected)
    assert edge_f1(T, S) == pytest.approx(expected)
    assert edge_f1(T, pred) == pytest.approx(expected)
    # Inputs are not modified.
    assert S.format == fmt


def test_edge_f1_sparse_explicit_zeros_and_duplicates():
    true = _precision(3, [(0, 1)])
    # Stored zeros are not edges; duplicate COO entries are summed.
    rows = np.array([0, 1, 2, 0, 1, 1, 0])
    cols = np.array([0, 1, 2, 1, 2, 2, 2])
    vals = np.array([1.0, 1.0, 1.0, -0.3, -0.2, 0.2, 0.0])
    pred = sp.coo_array((vals, (rows, cols)), shape=(3, 3))
    assert edge_f1(true, pred) == 1.0


def test_edge_f1_inputs_not_modified():
    true = _precision(4, [(0, 1)])
    pred = _precision(4, [(0, 1), (2, 3)])
    t0, p0 = true.copy(), pred.copy()
    edge_f1(true, pred)
    np.testing.assert_array_equal(true, t0)
    np.testing.assert_array_equal(pred, p0)


@pytest.mark.parametrize("bad", [np.nan, np.inf, -np.inf])
@pytest.mark.parametrize("where", ["precision_true", "precision_pred"])
def test_edge_f1_non_finite(bad, where):
    good = _precision(3, [(0, 1)])
    broken = good.copy()
    broken[1, 2] = bad
    args = (broken, good) if where == "precision_true" else (good, broken)
    with pytest.raises(ValueError, match=where):
        edge_f1(*args)
    # Sparse too.
    args = tuple(sp.csr_array(a) for a in args)
    with pytest.raises(ValueError, match=where):
        edge_f1(*args)


def test_edge_f1_bad_shapes_and_diagonals():
    good = _precision(3, [(0, 1)])
    with pytest.raises(ValueError, match="precision_pred must be a non-empty square"):
        edge_f1(good, np.ones((3, 4)))
    with pytest.raises(ValueError, match="precision_true must be a non-empty square"):
        edge_f1(np.ones((2, 3)), good)
    with pytest.raises(ValueError, match="same shape"):
        edge_f1(good, np.eye(4))
    for bad in (np.ones(3), np.ones((3, 3, 3)), 1.0, np.ones((0, 0))):
        with pytest.raises(ValueError, match="precision_true"):
            edge_f1(bad, good)
    for diag in (0.0, -1.0):
        bad = good.copy()
        bad[2, 2] = diag
        match = r"precision_pred must have a positive diagonal.*\[2, 2\]"
        with pytest.raises(ValueError, match=match):
            edge_f1(good, bad)
        with pytest.raises(ValueError, match="precision_true must have a positive diagonal"):
            edge_f1(sp.csr_array(bad), good)
    # A sparse matrix with an unstored (zero) diagonal entry.
    with pytest.raises(ValueError, match="positive diagonal"):
        edge_f1(good, sp.csr_array(np.array([[1.0, -0.1, 0], [-0.1, 1.0, 0], [0, 0, 0]])))


@pytest.mark.parametrize("threshold", [-1e-5, 1.0, 2.0, np.inf, np.nan, "0.1"])
def test_edge_f1_bad_threshold(threshold):
    good = _precision(3, [(0, 1)])
    with pytest.raises(ValueError, match="threshold"):
        edge_f1(good, good, threshold=threshold)
