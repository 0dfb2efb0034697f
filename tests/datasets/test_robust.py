import numpy as np
import pytest
from sklearn.decomposition import PCA
from threadpoolctl import threadpool_limits

from lrsparse.datasets import make_contaminated_gaussian, make_low_rank_plus_sparse
from lrsparse.metrics import captured_variance_ratio

KINDS = ["far", "low_variance", "clustered"]


@pytest.fixture(scope="module", autouse=True)
def single_blas_thread():
    """Small problems: threaded BLAS only adds overhead (and spins on a busy machine)."""
    with threadpool_limits(limits=1, user_api="blas"):
        yield


# ------------------------------------------------------- make_contaminated_gaussian
@pytest.mark.parametrize("kind", KINDS)
def test_contaminated_gaussian_shapes_and_dtypes(kind):
    X, is_outlier, cov, U = make_contaminated_gaussian(
        300, 20, contamination=0.1, outlier_kind=kind, n_components=2, random_state=0)
    assert X.shape == (300, 20) and X.dtype == np.float64
    assert is_outlier.shape == (300,) and is_outlier.dtype == bool
    assert cov.shape == (20, 20) and cov.dtype == np.float64
    assert U.shape == (2, 20) and U.dtype == np.float64
    assert np.all(np.isfinite(X))


@pytest.mark.parametrize("kind", KINDS)
def test_contaminated_gaussian_reproducible(kind):
    kw = dict(contamination=0.2, outlier_kind=kind, n_components=2)
    a = make_contaminated_gaussian(200, 10, random_state=0, **kw)
    b = make_contaminated_gaussian(200, 10, random_state=0, **kw)
    c = make_contaminated_gaussian(200, 10, random_state=1, **kw)
    for x, y in zip(a, b):
        np.testing.assert_array_equal(x, y)
    assert not np.allclose(a[0], c[0])
    assert not np.allclose(a[3], c[3])
    rs = np.random.RandomState(5)
    d = make_contaminated_gaussian(200, 10, random_state=rs, **kw)
    e = make_contaminated_gaussian(200, 10, random_state=np.random.RandomState(5), **kw)
    np.testing.assert_array_equal(d[0], e[0])


@pytest.mark.parametrize("n, eps", [(1000, 0.1), (333, 0.05), (101, 0.2), (50, 0.0),
                                    (7, 0.49)])
def test_contaminated_gaussian_outlier_count(n, eps):
    _, is_outlier, _, _ = make_contaminated_gaussian(n, 5, contamination=eps, random_state=0)
    assert is_outlier.sum() == int(round(eps * n))


@pytest.mark.parametrize("k, top", [(1, 4.0), (3, 4.0), (2, 9.0)])
def test_contaminated_gaussian_covariance(k, top):
    d = 15
    _, _, cov, U = make_contaminated_gaussian(50, d, n_components=k, top_variance=top,
                                              random_state=0)
    np.testing.assert_allclose(cov, cov.T, rtol=0, atol=1e-14)
    np.testing.assert_allclose(U @ U.T, np.eye(k), atol=1e-12)
    evals, evecs = np.linalg.eigh(cov)
    evals, evecs = evals[::-1], evecs[:, ::-1]
    expected = top / (1.0 + 0.5 * np.arange(k))
    np.testing.assert_allclose(evals[:k], expected, rtol=1e-12)
    np.testing.assert_allclose(evals[k:], 1.0, rtol=1e-12)
    np.testing.assert_allclose(evals[0], top)
    # The top eigenvectors are the returned components, in order.
    np.testing.assert_allclose(np.abs(np.sum(evecs[:, :k].T * U, axis=1)), 1.0, atol=1e-10)
    np.testing.assert_allclose(cov @ U.T, U.T * expected, atol=1e-12)
    assert captured_variance_ratio(U, cov) == pytest.approx(1.0)


def test_contaminated_gaussian_inliers_follow_covariance():
    X, is_outlier, cov, _ = make_contaminated_gaussian(
        40000, 6, contamination=0.1, n_components=2, top_variance=5.0, random_state=0)
    Xi = X[~is_outlier]
    np.testing.assert_allclose(Xi.mean(axis=0), 0.0, atol=0.05)
    np.testing.assert_allclose(np.cov(Xi.T), cov, atol=0.1)


def test_contaminated_gaussian_outlier_geometry_low_variance():
    d = 40
    X, is_outlier, _, U = make_contaminated_gaussian(
        500, d, contamination=0.1, outlier_kind="low_variance", n_components=2, random_state=0)
    Xo = X[is_outlier]
    np.testing.assert_allclose(np.linalg.norm(Xo, axis=1), np.sqrt(d), rtol=1e-12)
    np.testing.assert_allclose(Xo @ U.T, 0.0, atol=1e-10)
    # All along one direction w, with both signs.
    w = Xo[0] / np.linalg.norm(Xo[0])
    np.testing.assert_allclose(np.abs(Xo @ w), np.sqrt(d), rtol=1e-12)
    assert 0 < np.sum(Xo @ w > 0) < len(Xo)


def test_contaminated_gaussian_outlier_geometry_far():
    d = 40
    X, is_outlier, _, _ = make_contaminated_gaussian(
        500, d, contamination=0.1, outlier_kind="far", random_state=0)
    Xo = X[is_outlier]
    np.testing.assert_allclose(np.linalg.norm(Xo, axis=1), 10 * np.sqrt(d), rtol=1e-12)
    # Random directions: not all along one line.
    cos = (Xo / np.linalg.norm(Xo, axis=1, keepdims=True)) @ (Xo[0] / np.linalg.norm(Xo[0]))
    assert np.median(np.abs(cos[1:])) < 0.5
    # Inliers keep a typical norm.
    assert np.linalg.norm(X[~is_outlier], axis=1).max() < 3 * np.sqrt(d)


def test_contaminated_gaussian_outlier_geometry_clustered():
    d = 40
    X, is_outlier, _, U = make_contaminated_gaussian(
        500, d, contamination=0.1, outlier_kind="clustered", n_components=2, random_state=0)
    Xo = X[is_outlier]
    center = Xo.mean(axis=0)
    spread = np.linalg.norm(Xo - center, axis=1)
    inlier_spread = np.linalg.norm(X[~is_outlier] - X[~is_outlier].mean(axis=0), axis=1)
    assert spread.max() < 0.2 * np.sqrt(d)  # 0.1 * sqrt(d) on average
    assert spread.max() < 0.2 * np.median(inlier_spread)
    # The cluster sits at distance sqrt(d), orthogonally to the spikes.
    assert np.linalg.norm(center) == pytest.approx(np.sqrt(d), rel=0.02)
    np.testing.assert_allclose(U @ center / np.linalg.norm(center), 0.0, atol=0.05)


@pytest.mark.parametrize("kind", KINDS)
def test_contaminated_gaussian_breaks_plain_pca(kind):
    X, _, cov, _ = make_contaminated_gaussian(2000, 100, contamination=0.1, outlier_kind=kind,
                                              random_state=0)
    ratio = captured_variance_ratio(PCA(1).fit(X).components_, cov)
    assert ratio < 0.5, ratio
    # Without the outliers PCA is fine.
    X0, _, cov0, _ = make_contaminated_gaussian(2000, 100, contamination=0.0, outlier_kind=kind,
                                                random_state=0)
    assert captured_variance_ratio(PCA(1).fit(X0).components_, cov0) > 0.9


@pytest.mark.parametrize(
    "kwargs",
    [
        dict(n_features=3, n_components=3),
        dict(n_features=3, n_components=5),
        dict(contamination=0.6),
        dict(contamination=0.5),
        dict(contamination=-0.1),
        dict(outlier_kind="nowhere"),
        dict(top_variance=1.0),
        dict(n_features=1, n_components=1),
        dict(n_samples=0),
        dict(n_components=0),
    ],
)
def test_contaminated_gaussian_bad_params(kwargs):
    kwargs = {"n_samples": 20, "n_features": 5, **kwargs}
    with pytest.raises(ValueError):
        make_contaminated_gaussian(**kwargs)


# ------------------------------------------------------- make_low_rank_plus_sparse
@pytest.mark.parametrize("n, d, rank, sparsity", [(50, 40, 3, 0.1), (30, 60, 1, 0.05),
                                                  (20, 20, 20, 0.3), (40, 10, 2, 0.0)])
def test_low_rank_plus_sparse(n, d, rank, sparsity):
    D, L, S = make_low_rank_plus_sparse(n, d, rank=rank, sparsity=sparsity, random_state=0)
    for M in (D, L, S):
        assert M.shape == (n, d) and M.dtype == np.float64
    np.testing.assert_array_equal(D, L + S)
    assert np.linalg.matrix_rank(L) == rank
    assert np.count_nonzero(S) == int(round(sparsity * n * d))
    if sparsity:
        vals = S[S != 0]
        np.testing.assert_allclose(np.abs(vals), np.abs(L).max(), rtol=1e-15)
        assert np.any(vals > 0) and np.any(vals < 0)


def test_low_rank_plus_sparse_magnitude_and_scale():
    D, L, S = make_low_rank_plus_sparse(200, 150, rank=5, sparsity=0.02, magnitude=7.5,
                                        random_state=0)
    assert np.count_nonzero(S) == 600
    np.testing.assert_array_equal(np.abs(S[S != 0]), 7.5)
    np.testing.assert_array_equal(D, L + S)
    # Entries of L have unit variance.
    assert np.mean(L**2) == pytest.approx(1.0, abs=0.2)


def test_low_rank_plus_sparse_reproducible():
    a = make_low_rank_plus_sparse(30, 20, rank=2, random_state=0)
    b = make_low_rank_plus_sparse(30, 20, rank=2, random_state=0)
    c = make_low_rank_plus_sparse(30, 20, rank=2, random_state=1)
    for x, y in zip(a, b):
        np.testing.assert_array_equal(x, y)
    assert not np.allclose(a[0], c[0])
    assert not np.array_equal(a[2] != 0, c[2] != 0)


@pytest.mark.parametrize(
    "kwargs",
    [
        dict(rank=31),
        dict(n_samples=5, rank=6),
        dict(rank=0),
        dict(sparsity=1.5),
        dict(sparsity=-0.1),
        dict(magnitude=-1.0),
    ],
)
def test_low_rank_plus_sparse_bad_params(kwargs):
    kwargs = {"n_samples": 40, "n_features": 30, **kwargs}
    with pytest.raises(ValueError):
        make_low_rank_plus_sparse(**kwargs)
