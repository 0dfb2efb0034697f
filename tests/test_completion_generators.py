"""Completion generators that scale: the O(nnz) sparse path of
make_low_rank_matrix_with_missing (return_factors, n_observed,
condition_number) and make_ratings."""

import tracemalloc

import numpy as np
import pytest
import scipy.sparse as sp
from scipy.special import ndtr
from scipy.stats import spearmanr

from lrsparse.datasets import _robust, make_low_rank_matrix_with_missing, make_ratings


def _positions(X):
    """Row-major linear indices of the stored entries of a CSR array."""
    rows = np.repeat(np.arange(X.shape[0]), np.diff(X.indptr))
    return rows * X.shape[1] + X.indices


def _check_csr(X):
    """Canonical CSR with int32 indices and no duplicate position."""
    assert isinstance(X, sp.csr_array)
    assert X.indices.dtype == np.int32 and X.indptr.dtype == np.int32
    assert X.has_canonical_format
    flat = _positions(X)
    assert np.all(np.diff(flat) > 0)  # sorted row-major, distinct


def _entries(A, B, X):
    rows = np.repeat(np.arange(X.shape[0]), np.diff(X.indptr))
    return np.einsum("ij,ij->i", A[rows], B[X.indices])


# ------------------------------------------------------------- the O(nnz) sparse path


def test_large_sparse_path_unique_positions_and_values():
    # 5000 x 4000 = 2e7 entries: above the cell-by-cell limit (1e7).
    n1, n2, p = 5000, 4000, 1e-3
    assert n1 * n2 > _robust._EXACT_MASK_ENTRIES
    X, A, B = make_low_rank_matrix_with_missing(n1, n2, rank=4, observed_fraction=p,
                                                sparse_output=True, return_factors=True,
                                                random_state=0)
    _check_csr(X)
    assert A.shape == (n1, 4) and B.shape == (n2, 4)
    # Binomial(2e7, 1e-3): mean 20000, standard deviation ~141.
    assert abs(X.nnz - n1 * n2 * p) < 5 * np.sqrt(n1 * n2 * p)
    np.testing.assert_allclose(X.data, _entries(A, B, X), rtol=1e-12, atol=1e-12)
    # Positions spread over the whole matrix, not a corner.
    rows = np.repeat(np.arange(n1), np.diff(X.indptr))
    assert np.unique(rows).size > 0.98 * (1 - np.exp(-n2 * p)) * n1
    assert X.indices.max() > 0.99 * n2 and rows.max() > 0.99 * n1


def test_sparse_path_memory_is_linear_in_nnz():
    # 20000 x 20000 at 0.1%: a dense float64 intermediate would be 3.2 GB,
    # the CSR result is ~4.9 MB; the factors (1.6 MB) are counted too.
    tracemalloc.start()
    try:
        X, A, B = make_low_rank_matrix_with_missing(
            20000, 20000, rank=5, observed_fraction=1e-3, noise=0.1, sparse_output=True,
            return_factors=True, random_state=0)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    csr_bytes = X.data.nbytes + X.indices.nbytes + X.indptr.nbytes
    assert peak < 4 * csr_bytes, (peak, csr_bytes)
    _check_csr(X)


@pytest.mark.parametrize("n_draw", [1, 7, 300, 600, 999, 1000])
def test_distinct_uniform_exact_count_and_uniform(n_draw):
    # Both branches: top-up of the deficit, and the complement above half.
    rng = np.random.RandomState(0)
    counts = np.zeros(1000)
    for _ in range(200):
        idx = _robust._distinct_uniform(rng, 1000, n_draw)
        assert idx.shape == (n_draw,) and idx.dtype == np.int64
        assert np.all(np.diff(idx) > 0) and idx[0] >= 0 and idx[-1] < 1000
        counts[idx] += 1
    # Every element is chosen with probability n_draw / 1000.
    expected = 200 * n_draw / 1000
    sd = np.sqrt(200 * n_draw / 1000 * (1 - n_draw / 1000))
    assert abs(counts.mean() - expected) < 1e-9
    if 0 < sd:
        assert np.abs(counts - expected).max() < 5 * sd + 1


def test_sparse_path_law_matches_the_bernoulli_mask(monkeypatch):
    # Force the O(nnz) path on a small matrix: the number of observations is
    # Binomial(n1 n2, p) and every cell is equally likely, as for the mask.
    monkeypatch.setattr(_robust, "_EXACT_MASK_ENTRIES", 0)
    n1, n2, p, reps = 30, 20, 0.1, 400
    nnz = np.empty(reps)
    freq = np.zeros(n1 * n2)
    for seed in range(reps):
        X, _ = make_low_rank_matrix_with_missing(n1, n2, rank=2, observed_fraction=p,
                                                 sparse_output=True, random_state=seed)
        _check_csr(X)
        nnz[seed] = X.nnz
        freq[_positions(X)] += 1
    mean, var = n1 * n2 * p, n1 * n2 * p * (1 - p)
    assert abs(nnz.mean() - mean) < 4 * np.sqrt(var / reps)
    assert 0.7 * var < nnz.var() < 1.3 * var
    # Cell frequencies ~ Binomial(400, 0.1): mean 40, sd 6.
    assert abs(freq.mean() - reps * p) < 1.0
    assert np.abs(freq - reps * p).max() < 5 * np.sqrt(reps * p * (1 - p))


def test_sparse_and_dense_same_draw_below_the_limit():
    kwargs = dict(rank=3, observed_fraction=0.15, noise=0.2, random_state=5)
    D, X_true = make_low_rank_matrix_with_missing(70, 50, **kwargs)
    S, S_true = make_low_rank_matrix_with_missing(70, 50, sparse_output=True, **kwargs)
    F, A, B = make_low_rank_matrix_with_missing(70, 50, sparse_output=True,
                                                return_factors=True, **kwargs)
    Fd, Ad, Bd = make_low_rank_matrix_with_missing(70, 50, return_factors=True, **kwargs)
    np.testing.assert_array_equal(S_true, X_true)
    np.testing.assert_array_equal(S.toarray()[~np.isnan(D)], D[~np.isnan(D)])
    np.testing.assert_array_equal(np.isnan(D), np.isnan(Fd))
    # Factored form: the same observations, entries of A @ B.T up to rounding.
    np.testing.assert_array_equal(A, Ad)
    np.testing.assert_allclose(A @ B.T, X_true, rtol=1e-13, atol=1e-13)
    np.testing.assert_array_equal(F.indices, S.indices)
    np.testing.assert_array_equal(F.indptr, S.indptr)
    np.testing.assert_allclose(F.data, S.data, rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(Fd[~np.isnan(Fd)], F.data, rtol=0, atol=0)


def test_two_per_row_with_factors():
    X, A, B = make_low_rank_matrix_with_missing(300, 9, rank=2, pattern="two_per_row",
                                                sparse_output=True, return_factors=True,
                                                random_state=0)
    _check_csr(X)
    np.testing.assert_array_equal(np.diff(X.indptr), 2)
    np.testing.assert_allclose(X.data, _entries(A, B, X), rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("sparse_output", [False, True])
@pytest.mark.parametrize("shape", [(40, 30), (4000, 3000)])
def test_n_observed_is_exact(sparse_output, shape):
    n1, n2 = shape
    r = 3
    m = 5 * r * (n1 + n2 - r) if n1 > 100 else 1000  # 1000 of 1200 cells: the complement
    out = make_low_rank_matrix_with_missing(n1, n2, rank=r, n_observed=m,
                                            observed_fraction=0.5,  # overridden
                                            sparse_output=sparse_output,
                                            return_factors=True, random_state=0)
    X = out[0]
    if sparse_output:
        _check_csr(X)
        assert X.nnz == m
    else:
        assert int((~np.isnan(X)).sum()) == m


def test_n_observed_all_entries():
    X, X_true = make_low_rank_matrix_with_missing(12, 10, rank=2, n_observed=120,
                                                  random_state=0)
    np.testing.assert_array_equal(X, X_true)


# --------------------------------------------------------------------- condition number


@pytest.mark.parametrize("kappa", [1.0, 10.0, 1000.0])
@pytest.mark.parametrize("rank", [1, 4])
def test_condition_number(kappa, rank):
    n1, n2 = 120, 80
    X, X_true = make_low_rank_matrix_with_missing(n1, n2, rank=rank, condition_number=kappa,
                                                  random_state=0)
    s = np.linalg.svd(X_true, compute_uv=False)
    expected = 1.0 if rank == 1 else kappa
    assert s[0] / s[rank - 1] == pytest.approx(expected, rel=1e-8)
    assert s[rank] < 1e-10 * s[0]
    # Geometric spacing, and the overall scale of the Gaussian model.
    if rank > 2:
        ratios = s[1:rank] / s[:rank - 1]
        np.testing.assert_allclose(ratios, ratios[0], rtol=1e-8)
    assert np.sum(X_true**2) == pytest.approx(n1 * n2 * rank, rel=1e-10)
    observed = ~np.isnan(X)
    np.testing.assert_array_equal(X[observed], X_true[observed])


def test_condition_number_factors():
    kwargs = dict(rank=3, condition_number=100.0, observed_fraction=0.2, random_state=4)
    _, X_true = make_low_rank_matrix_with_missing(60, 50, **kwargs)
    _, A, B = make_low_rank_matrix_with_missing(60, 50, return_factors=True, **kwargs)
    np.testing.assert_allclose(A @ B.T, X_true, rtol=1e-12, atol=1e-12)
    # A = U diag(sqrt(s)), B = V diag(sqrt(s)) with orthonormal U, V.
    ga, gb = A.T @ A, B.T @ B
    np.testing.assert_allclose(ga, np.diag(np.diag(ga)), atol=1e-9 * ga.max())
    np.testing.assert_allclose(ga, gb, rtol=1e-10, atol=1e-9 * ga.max())
    s = np.diag(ga)
    assert s[0] / s[-1] == pytest.approx(100.0, rel=1e-10)


def test_condition_number_large_without_dense():
    n, r = 30000, 4
    X, A, B = make_low_rank_matrix_with_missing(n, n, rank=r, n_observed=5 * r * (2 * n - r),
                                                condition_number=100.0, sparse_output=True,
                                                return_factors=True, random_state=0)
    assert X.nnz == 5 * r * (2 * n - r)
    s = np.linalg.svd(A, compute_uv=False) * np.linalg.svd(B, compute_uv=False)
    assert s[0] / s[-1] == pytest.approx(100.0, rel=1e-10)
    # Entries of variance `rank`: on the sampled entries too.
    assert 0.9 * r < np.mean(X.data**2) < 1.1 * r


# ------------------------------------------------------------------ reproducibility


@pytest.mark.parametrize("large", [False, True])
def test_reproducible_with_new_options(large):
    n = 5000 if large else 50
    kwargs = dict(rank=2, n_observed=3000 if large else 400, condition_number=10.0, noise=0.1,
                  sparse_output=True, return_factors=True)
    a = make_low_rank_matrix_with_missing(n, n, random_state=3, **kwargs)
    b = make_low_rank_matrix_with_missing(n, n, random_state=3, **kwargs)
    c = make_low_rank_matrix_with_missing(n, n, random_state=4, **kwargs)
    for name in ("data", "indices", "indptr"):
        np.testing.assert_array_equal(getattr(a[0], name), getattr(b[0], name))
    np.testing.assert_array_equal(a[1], b[1])
    np.testing.assert_array_equal(a[2], b[2])
    assert not np.array_equal(a[0].indices, c[0].indices)


# ------------------------------------------------------------------------ bad input


def test_bad_input_low_rank_matrix_with_missing():
    with pytest.raises(ValueError, match="return_factors=True"):
        make_low_rank_matrix_with_missing(20000, 10000, rank=2, observed_fraction=1e-4,
                                          sparse_output=True)
    with pytest.raises(ValueError, match="n_observed"):
        make_low_rank_matrix_with_missing(10, 5, n_observed=51)
    with pytest.raises(ValueError, match="n_observed.*pattern"):
        make_low_rank_matrix_with_missing(10, 5, n_observed=5, pattern="two_per_row")
    for bad in (0.5, np.inf, np.nan, "large"):
        with pytest.raises(ValueError, match="condition_number"):
            make_low_rank_matrix_with_missing(10, 5, rank=2, condition_number=bad)
    for bad in (0, -3, 2.5):
        with pytest.raises(ValueError, match="n_observed"):
            make_low_rank_matrix_with_missing(10, 5, n_observed=bad)
    with pytest.raises(ValueError, match="noise"):
        make_low_rank_matrix_with_missing(10, 5, noise=np.inf)
    with pytest.raises(ValueError, match="return_factors"):
        make_low_rank_matrix_with_missing(10, 5, return_factors="yes")


# ------------------------------------------------------------------------ make_ratings


def test_make_ratings_shape_range_and_positions():
    X, truth = make_ratings(300, 500, n_ratings=12000, rank=5, min_ratings=15, random_state=0)
    _check_csr(X)
    assert X.shape == (300, 500) and X.nnz == 12000
    assert X.dtype == np.float64
    np.testing.assert_array_equal(X.data, np.rint(X.data))
    assert X.data.min() == 1.0 and X.data.max() == 5.0
    assert np.diff(X.indptr).min() >= 15
    assert truth.user_factors.shape == (300, 5) and truth.item_factors.shape == (500, 5)
    assert truth.taste.shape == truth.expected_stars.shape == (12000,)
    # The truth is aligned with the stored ratings.
    rows = np.repeat(np.arange(300), np.diff(X.indptr))
    taste = (truth.mean + truth.user_bias[rows] + truth.item_bias[X.indices]
             + np.einsum("ij,ij->i", truth.user_factors[rows], truth.item_factors[X.indices]))
    np.testing.assert_allclose(truth.taste, taste, rtol=1e-12)
    # Stars are the rounded, clipped taste plus noise: mostly within a star or two.
    assert np.mean(np.abs(X.data - np.clip(truth.taste, 1, 5)) <= 1.5) > 0.85


def test_make_ratings_dense_matches_sparse():
    kwargs = dict(n_ratings=3000, rank=3, min_ratings=10, random_state=2)
    S, ts = make_ratings(200, 150, **kwargs)
    D, td = make_ratings(200, 150, sparse_output=False, **kwargs)
    assert isinstance(D, np.ndarray) and D.shape == (200, 150)
    observed = ~np.isnan(D)
    assert observed.sum() == 3000
    np.testing.assert_array_equal(S.toarray()[observed], D[observed])
    np.testing.assert_array_equal(D[observed], S.data)  # row-major: the same order
    np.testing.assert_array_equal(ts.taste, td.taste)


def test_make_ratings_reproducible():
    a, ta = make_ratings(100, 80, n_ratings=2500, min_ratings=5, random_state=7)
    b, tb = make_ratings(100, 80, n_ratings=2500, min_ratings=5, random_state=7)
    c, _ = make_ratings(100, 80, n_ratings=2500, min_ratings=5, random_state=8)
    np.testing.assert_array_equal(a.toarray(), b.toarray())
    np.testing.assert_array_equal(ta.item_factors, tb.item_factors)
    assert not np.array_equal(a.toarray(), c.toarray())


def test_make_ratings_non_uniform_positions():
    X, truth = make_ratings(random_state=0)
    item_counts = np.bincount(X.indices, minlength=X.shape[1])
    user_counts = np.diff(X.indptr)
    # Popular items are rated more, active users rate more.
    assert spearmanr(item_counts, truth.item_popularity).statistic > 0.9
    assert spearmanr(user_counts, truth.user_activity).statistic > 0.9
    # Heavy tails, as in a real log (MovieLens-100k: items 1-583, users 20-737).
    assert item_counts.max() > 10 * np.median(item_counts)
    assert user_counts.max() > 5 * np.median(user_counts)
    assert user_counts.min() >= 20


def test_make_ratings_calibration():
    # A MovieLens-100k-like level of difficulty (real data: ~1.13 and ~0.94).
    X, truth = make_ratings(random_state=1)
    y = X.data
    assert 3.35 < y.mean() < 3.7
    assert 1.0 < y.std() < 1.25
    rmse_truth = np.sqrt(np.mean((truth.expected_stars - y) ** 2))
    rmse_clipped = np.sqrt(np.mean((np.clip(truth.taste, 1, 5) - y) ** 2))
    assert 0.75 < rmse_truth < 0.9
    assert rmse_truth < rmse_clipped  # the conditional mean is the best prediction


def test_make_ratings_expected_stars_is_the_conditional_mean():
    # Fixed taste, many noise draws: the mean of the stars is expected_stars.
    X, truth = make_ratings(1, 50, n_ratings=50, rank=2, min_ratings=50, noise=0.7,
                            random_state=0)
    t = truth.taste
    rng = np.random.RandomState(0)
    draws = np.clip(np.rint(t + 0.7 * rng.standard_normal((20000, t.size))), 1, 5)
    np.testing.assert_allclose(truth.expected_stars, draws.mean(axis=0), atol=0.03)
    manual = 1 + sum(ndtr((t - k - 0.5) / 0.7) for k in range(1, 5))
    np.testing.assert_allclose(truth.expected_stars, manual, rtol=1e-12)
    X0, t0 = make_ratings(1, 50, n_ratings=50, min_ratings=50, noise=0.0, random_state=0)
    np.testing.assert_array_equal(X0.data, t0.expected_stars)


def test_make_ratings_every_item_for_a_user():
    # A user may rate every item: sampling without replacement must finish.
    X, _ = make_ratings(5, 30, n_ratings=150, rank=2, min_ratings=30, random_state=0)
    np.testing.assert_array_equal(np.diff(X.indptr), 30)
    _check_csr(X)


def test_make_ratings_bad_input():
    with pytest.raises(ValueError, match="n_ratings"):
        make_ratings(10, 50, n_ratings=100, min_ratings=20)
    with pytest.raises(ValueError, match="n_ratings"):
        make_ratings(10, 50, n_ratings=501, min_ratings=5)
    with pytest.raises(ValueError, match="min_ratings"):
        make_ratings(10, 50, n_ratings=400, min_ratings=51)
    with pytest.raises(ValueError, match="noise"):
        make_ratings(noise=np.inf)
    with pytest.raises(ValueError, match="taste_scale"):
        make_ratings(taste_scale=-1.0)
    with pytest.raises(ValueError, match="n_users"):
        make_ratings(0)
    with pytest.raises(ValueError, match="sparse_output"):
        make_ratings(sparse_output="csr")
