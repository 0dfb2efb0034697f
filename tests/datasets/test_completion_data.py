"""make_low_rank_matrix_with_missing and relative_error: the matrix-completion setting."""

import numpy as np
import pytest
import scipy.sparse as sp
from threadpoolctl import threadpool_limits

from lrsparse.datasets import make_low_rank_matrix_with_missing
from lrsparse.metrics import relative_error


@pytest.fixture(scope="module", autouse=True)
def single_blas_thread():
    with threadpool_limits(limits=1, user_api="blas"):
        yield

# ------------------------------------------------------- make_low_rank_matrix_with_missing


def test_shapes_rank_and_observed_fraction():
    X, X_true = make_low_rank_matrix_with_missing(200, 150, rank=4, observed_fraction=0.3,
                                                  random_state=0)
    assert X.shape == X_true.shape == (200, 150)
    assert X.dtype == X_true.dtype == np.float64
    assert np.linalg.matrix_rank(X_true) == 4
    observed = ~np.isnan(X)
    # 30000 Bernoulli(0.3) draws: standard deviation of the fraction ~ 0.0026.
    assert abs(observed.mean() - 0.3) < 0.015
    # No noise: the observed entries are those of X_true, exactly.
    np.testing.assert_array_equal(X[observed], X_true[observed])
    assert np.all(np.isfinite(X_true))


def test_unscaled_standard_normal_factors():
    # X_true = A B^T with standard normal factors: entries of variance `rank`
    # (the Cai-Candes-Shen setting, for which tau = 5 sqrt(n1 n2) was tuned).
    for rank in (5, 20):
        _, X_true = make_low_rank_matrix_with_missing(400, 400, rank=rank, random_state=0)
        assert 0.85 * rank < X_true.var() < 1.15 * rank
        assert abs(X_true.mean()) < 0.1 * rank


def test_noise_only_on_observed_entries():
    X0, X_true0 = make_low_rank_matrix_with_missing(60, 40, rank=2, random_state=3)
    X1, X_true1 = make_low_rank_matrix_with_missing(60, 40, rank=2, noise=0.5, random_state=3)
    np.testing.assert_array_equal(X_true0, X_true1)  # noise does not touch X_true
    np.testing.assert_array_equal(np.isnan(X0), np.isnan(X1))  # nor the pattern
    obs = ~np.isnan(X1)
    resid = X1[obs] - X_true1[obs]
    assert 0.4 < resid.std() < 0.6


@pytest.mark.parametrize("sparse_output", [False, True])
def test_two_per_row_gives_two_distinct_entries(sparse_output):
    X, X_true = make_low_rank_matrix_with_missing(500, 7, rank=2, pattern="two_per_row",
                                                  observed_fraction=0.9,  # ignored
                                                  sparse_output=sparse_output, random_state=0)
    if sparse_output:
        assert X.nnz == 1000
        counts = np.diff(X.indptr)
        X.sum_duplicates()
        assert X.nnz == 1000  # no duplicate coordinates
        np.testing.assert_array_equal(counts, 2)
        rows = np.repeat(np.arange(500), 2)
        np.testing.assert_array_equal(X.data, X_true[rows, X.indices])
    else:
        observed = ~np.isnan(X)
        np.testing.assert_array_equal(observed.sum(axis=1), 2)
        np.testing.assert_array_equal(X[observed], X_true[observed])
    # Every column is used (the pair is uniform over the columns).
    cols = X.indices if sparse_output else np.nonzero(~np.isnan(X))[1]
    assert np.unique(cols).size == 7


def test_two_per_row_pairs_are_uniform():
    X, _ = make_low_rank_matrix_with_missing(20000, 4, rank=1, pattern="two_per_row",
                                             random_state=0)
    pairs = [tuple(np.flatnonzero(~np.isnan(row))) for row in X[:6000]]
    _, counts = np.unique(np.array(pairs), axis=0, return_counts=True)
    assert counts.size == 6  # all C(4, 2) pairs occur
    assert counts.min() > 0.8 * 1000 and counts.max() < 1.2 * 1000


@pytest.mark.parametrize("pattern", ["uniform", "two_per_row"])
def test_sparse_output_stores_exactly_the_observations(pattern):
    kwargs = dict(rank=3, observed_fraction=0.2, noise=0.1, pattern=pattern, random_state=7)
    X, X_true = make_low_rank_matrix_with_missing(90, 60, **kwargs)
    S, S_true = make_low_rank_matrix_with_missing(90, 60, sparse_output=True, **kwargs)
    assert isinstance(S, sp.csr_array)
    assert S.shape == (90, 60)
    np.testing.assert_array_equal(S_true, X_true)
    observed = ~np.isnan(X)
    # nnz counts every stored entry (an explicit 0.0 would be counted as well).
    assert S.nnz == int(observed.sum())
    dense = S.toarray()
    np.testing.assert_array_equal(dense[observed], X[observed])
    M = sp.csr_array((np.ones(S.nnz), S.indices, S.indptr), shape=S.shape).toarray()
    np.testing.assert_array_equal(M.astype(bool), observed)
    assert S.indices.dtype == np.int32 and S.indptr.dtype == np.int32
    assert S.has_canonical_format


@pytest.mark.parametrize("sparse_output", [False, True])
def test_reproducible(sparse_output):
    a = make_low_rank_matrix_with_missing(40, 30, noise=0.2, sparse_output=sparse_output,
                                          random_state=11)
    b = make_low_rank_matrix_with_missing(40, 30, noise=0.2, sparse_output=sparse_output,
                                          random_state=11)
    c = make_low_rank_matrix_with_missing(40, 30, noise=0.2, sparse_output=sparse_output,
                                          random_state=12)
    A, B, C = (x[0].toarray() if sparse_output else x[0] for x in (a, b, c))
    np.testing.assert_array_equal(A, B)
    np.testing.assert_array_equal(a[1], b[1])
    assert not np.array_equal(a[1], c[1])


def test_invalid_parameters():
    with pytest.raises(ValueError, match="rank"):
        make_low_rank_matrix_with_missing(10, 5, rank=6)
    with pytest.raises(ValueError):
        make_low_rank_matrix_with_missing(10, 5, pattern="three_per_row")
    with pytest.raises(ValueError):
        make_low_rank_matrix_with_missing(10, 5, observed_fraction=0.0)
    with pytest.raises(ValueError):
        make_low_rank_matrix_with_missing(10, 5, noise=-1.0)


# ------------------------------------------------------------------- relative_error


def test_relative_error_hand_computed():
    X = np.array([[1.0, 2.0], [3.0, 4.0]])
    P = np.array([[1.0, 2.0], [3.0, 7.0]])
    # ||P - X|| = 3, ||X|| = sqrt(30).
    assert relative_error(X, P) == pytest.approx(3.0 / np.sqrt(30.0), rel=1e-14)
    assert relative_error(X, X) == 0.0


def test_relative_error_mask():
    X = np.array([[1.0, 2.0], [3.0, 4.0]])
    P = X + np.array([[10.0, 0.0], [0.0, 0.4]])
    mask = np.array([[False, False], [True, True]])
    # Only the second row: ||[0, 0.4]|| / ||[3, 4]|| = 0.08; the error at [0, 0] is ignored.
    assert relative_error(X, P, mask=mask) == pytest.approx(0.08, rel=1e-12)
    assert relative_error(X, P, mask=mask.tolist()) == pytest.approx(0.08, rel=1e-12)
    assert relative_error(X, P, mask=~mask) == pytest.approx(10.0 / np.sqrt(5.0), rel=1e-12)
    with pytest.raises(ValueError, match="mask"):
        relative_error(X, P, mask=np.ones((2, 3), dtype=bool))


def test_relative_error_zero_denominator():
    Z = np.zeros((2, 3))
    assert relative_error(Z, Z) == 0.0
    assert relative_error(Z, Z + 1e-3) == np.inf
    X = np.array([[0.0, 1.0]])
    assert relative_error(X, np.array([[0.0, 5.0]]), mask=[[True, False]]) == 0.0
    assert relative_error(X, np.array([[2.0, 1.0]]), mask=[[True, False]]) == np.inf
    # An empty mask compares nothing: no error.
    assert relative_error(X, X + 1.0, mask=[[False, False]]) == 0.0


def test_relative_error_shape_mismatch():
    with pytest.raises(ValueError, match="same shape"):
        relative_error(np.ones((2, 3)), np.ones((3, 2)))
