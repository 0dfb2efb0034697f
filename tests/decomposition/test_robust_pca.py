import tracemalloc
import warnings

import numpy as np
import pytest
import scipy.sparse as sp
from sklearn.decomposition import PCA
from sklearn.exceptions import ConvergenceWarning
from threadpoolctl import threadpool_limits

from lrsparse.datasets import make_contaminated_gaussian
from lrsparse.decomposition import RobustPCA, StreamingRobustPCA
from lrsparse.metrics import captured_variance_ratio

KINDS = ["far", "low_variance", "clustered"]


@pytest.fixture(scope="module", autouse=True)
def single_blas_thread():
    """The products here are thin (n x 11 blocks): threaded BLAS only adds overhead, and
    on a busy 2-core machine its spinning threads made this module 5-10x slower."""
    with threadpool_limits(limits=1, user_api="blas"):
        yield


def _data(kind, eps, n=2000, d=100, k=1, seed=0):
    return make_contaminated_gaussian(n, d, contamination=eps, outlier_kind=kind,
                                      n_components=k, random_state=seed)


@pytest.fixture(scope="module")
def contaminated():
    """2000 x 100, 10% "low_variance" outliers, one spike."""
    return _data("low_variance", 0.1)


@pytest.fixture(scope="module")
def clean():
    """2000 x 50, no outliers, three spikes (well separated from the noise)."""
    return _data("far", 0.0, d=50, k=3)


@pytest.fixture(scope="module")
def stream_data():
    cache = {}

    def get(kind):
        if kind not in cache:
            cache[kind] = _data(kind, 0.1, n=40000, d=50)
        return cache[kind]

    return get


def _cvr(est, cov):
    return captured_variance_ratio(est.components_, cov)


def _assert_small_state(est, n, d):
    """No array of n_samples or n_features^2 entries is kept; all are O(n_features * b)."""
    arrays = {name: v for name, v in vars(est).items() if isinstance(v, np.ndarray)}
    assert "components_" in arrays and "mean_" in arrays
    b = est.n_components + est.n_oversamples
    for name, v in arrays.items():
        assert v.size not in (d * d, n), (name, v.shape)
        assert v.size <= d * b, (name, v.shape)


# ---------------------------------------------------------------- RobustPCA accuracy
@pytest.mark.parametrize("eps", [0.05, 0.1, 0.2])
@pytest.mark.parametrize("kind", KINDS)
def test_robust_pca_recovers_top_direction(kind, eps):
    X, is_outlier, cov, _ = _data(kind, eps)
    robust = RobustPCA(n_components=1, contamination=eps, random_state=0).fit(X)
    plain = PCA(1).fit(X)
    r_robust, r_plain = _cvr(robust, cov), _cvr(plain, cov)
    assert r_robust >= 0.9, (kind, eps, r_robust)
    assert r_plain < 0.5, (kind, eps, r_plain)
    # The outliers were down-weighted, the inliers mostly kept.
    w = robust.sample_weight_
    assert w.shape == (X.shape[0],)
    assert np.all((w > 0) & (w <= 1))
    assert w[is_outlier].mean() < 0.1 < 0.8 < w[~is_outlier].mean()


@pytest.mark.parametrize("kind", KINDS)
def test_robust_pca_multi_component(kind):
    X, _, cov, U = _data(kind, 0.1, n=3000, k=3)
    est = RobustPCA(n_components=3, contamination=0.1, random_state=0).fit(X)
    assert est.components_.shape == (3, 100)
    np.testing.assert_allclose(est.components_ @ est.components_.T, np.eye(3), atol=1e-10)
    assert _cvr(est, cov) >= 0.9
    assert _cvr(est, cov) > captured_variance_ratio(PCA(3).fit(X).components_, cov)
    # Each robust component is close to the corresponding spike, in order.
    assert np.all(np.abs(np.sum(est.components_ * U, axis=1)) > 0.85)
    assert np.all(np.diff(est.explained_variance_) < 0)


def test_robust_pca_matches_pca_without_outliers(clean):
    X = clean[0]
    est = RobustPCA(n_components=3, random_state=0).fit(X)
    pca = PCA(3).fit(X)
    assert est.n_iter_ == 1
    np.testing.assert_array_equal(est.sample_weight_, np.ones(X.shape[0]))
    dots = np.sum(est.components_ * pca.components_, axis=1)
    assert abs(dots[0]) > 1 - 1e-6
    assert np.all(np.abs(dots) > 1 - 1e-6)
    np.testing.assert_allclose(est.explained_variance_, pca.explained_variance_, rtol=1e-4)
    np.testing.assert_allclose(est.explained_variance_ratio_, pca.explained_variance_ratio_,
                               rtol=1e-4)
    np.testing.assert_allclose(est.singular_values_, pca.singular_values_, rtol=1e-4)
    np.testing.assert_allclose(est.noise_variance_, pca.noise_variance_, rtol=1e-6)
    np.testing.assert_allclose(est.mean_, pca.mean_, atol=1e-12)
    T, T_pca = est.transform(X), pca.transform(X) * np.sign(dots)
    # The first (best separated) component to near machine precision, all within the
    # accuracy that tol=1e-7 on the singular values gives the vectors (about sqrt(tol)).
    np.testing.assert_allclose(T[:, 0], T_pca[:, 0], atol=1e-6)
    np.testing.assert_allclose(T, T_pca, atol=5e-3 * np.abs(T_pca).max())
    assert est.score(X) == pytest.approx(pca.score(X), rel=1e-6)


def test_robust_pca_score_samples_matches_pca(clean):
    X = clean[0]
    est = RobustPCA(n_components=3, tol=1e-12, random_state=0).fit(X)
    pca = PCA(3).fit(X)
    dots = np.sum(est.components_ * pca.components_, axis=1)
    assert np.all(np.abs(dots) > 1 - 1e-10)  # the same components
    rng = np.random.default_rng(1)
    X_new = np.vstack([X[:200], rng.standard_normal((50, 50)) * 3.0])
    np.testing.assert_allclose(est.score_samples(X_new), pca.score_samples(X_new), rtol=1e-5)
    np.testing.assert_allclose(est.score_samples(sp.csr_array(X_new)),
                               est.score_samples(X_new), rtol=1e-12)
    assert est.score(X_new) == pytest.approx(pca.score(X_new), rel=1e-6)


def test_robust_pca_outliers_have_low_weight_and_likelihood():
    X, is_outlier, cov, _ = _data("far", 0.1)
    est = RobustPCA(n_components=1, contamination=0.1, random_state=0).fit(X)
    assert est.sample_weight_[is_outlier].mean() < est.sample_weight_[~is_outlier].mean()
    ll = est.score_samples(X)
    assert ll.shape == (X.shape[0],)
    assert ll[is_outlier].mean() < ll[~is_outlier].mean() - 100
    assert ll[is_outlier].max() < ll[~is_outlier].min()
    assert est.score(X[~is_outlier]) > est.score(X)


def test_robust_pca_sample_weight_low_variance(contaminated):
    X, is_outlier, _, _ = contaminated
    w = RobustPCA(n_components=1, contamination=0.1, random_state=0).fit(X).sample_weight_
    assert w[is_outlier].mean() < 0.5 * w[~is_outlier].mean()


# ---------------------------------------------------------------- RobustPCA API
def test_robust_pca_transform_inverse_transform(contaminated):
    X = contaminated[0]
    est = RobustPCA(n_components=2, contamination=0.1, random_state=0).fit(X)
    Z = est.transform(X[:20])
    assert Z.shape == (20, 2)
    np.testing.assert_allclose(Z, (X[:20] - est.mean_) @ est.components_.T, atol=1e-10)
    X_back = est.inverse_transform(Z)
    assert X_back.shape == (20, 100)
    # Points of the span (through the mean) are reproduced exactly.
    np.testing.assert_allclose(est.transform(X_back), Z, atol=1e-10)
    P = est.mean_ + np.array([[1.0, -2.0], [0.5, 3.0]]) @ est.components_
    np.testing.assert_allclose(est.inverse_transform(est.transform(P)), P, atol=1e-10)
    # fit_transform == fit + transform.
    Z_all = RobustPCA(n_components=2, contamination=0.1, random_state=0).fit_transform(X)
    np.testing.assert_allclose(Z_all[:20], Z, atol=1e-10)
    with pytest.raises(ValueError, match="n_components"):
        est.inverse_transform(np.ones((3, 5)))
    with pytest.raises(ValueError, match="features"):
        est.transform(X[:, :10])
    assert list(est.get_feature_names_out()) == ["robustpca0", "robustpca1"]


def test_robust_pca_float32(contaminated):
    X, _, cov, _ = contaminated
    X32 = X.astype(np.float32)
    est32 = RobustPCA(n_components=1, contamination=0.1, random_state=0).fit(X32)
    est64 = RobustPCA(n_components=1, contamination=0.1, random_state=0).fit(X)
    Z = est32.transform(X32)
    assert Z.dtype == np.float32
    assert est32.inverse_transform(Z).dtype == np.float32
    assert _cvr(est32, cov) >= 0.9
    assert abs(np.sum(est32.components_ * est64.components_)) > 1 - 1e-6
    np.testing.assert_allclose(Z, est64.transform(X), rtol=1e-3, atol=1e-3)


@pytest.mark.parametrize("fmt", ["csr_array", "csr_matrix", "csc_array"])
def test_robust_pca_sparse_equals_dense(contaminated, fmt):
    X = contaminated[0].copy()
    X[np.abs(X) < 0.5] = 0.0  # a real sparsity pattern (about 40% zeros)
    Xs = getattr(sp, fmt)(X)
    dense = RobustPCA(n_components=2, contamination=0.1, random_state=0).fit(X)
    sparse = RobustPCA(n_components=2, contamination=0.1, random_state=0).fit(Xs)
    assert sp.issparse(Xs)
    np.testing.assert_allclose(sparse.components_, dense.components_, atol=1e-6)
    np.testing.assert_allclose(sparse.mean_, dense.mean_, atol=1e-10)
    np.testing.assert_allclose(sparse.explained_variance_, dense.explained_variance_,
                               rtol=1e-6)
    np.testing.assert_allclose(sparse.noise_variance_, dense.noise_variance_, rtol=1e-6)
    np.testing.assert_allclose(sparse.sample_weight_, dense.sample_weight_, atol=1e-6)
    np.testing.assert_allclose(sparse.transform(Xs), dense.transform(X), atol=1e-6)


def test_robust_pca_does_not_modify_input(contaminated):
    X = contaminated[0].copy()
    X0 = X.copy()
    Xs = sp.csr_array(X)
    Xs0 = Xs.copy()
    est = RobustPCA(n_components=2, contamination=0.1, random_state=0)
    est.fit(X)
    est.transform(X)
    est.score_samples(X)
    np.testing.assert_array_equal(X, X0)
    est.fit(Xs)
    np.testing.assert_array_equal(Xs.toarray(), Xs0.toarray())


def test_robust_pca_reproducible(contaminated):
    X = contaminated[0]
    a = RobustPCA(n_components=2, contamination=0.1, random_state=0).fit(X)
    b = RobustPCA(n_components=2, contamination=0.1, random_state=0).fit(X)
    for attr in ("components_", "explained_variance_", "mean_", "sample_weight_",
                 "singular_values_", "noise_variance_", "n_iter_"):
        np.testing.assert_array_equal(getattr(a, attr), getattr(b, attr))
    # Another seed: the same answer up to the iteration tolerance (signs are fixed).
    c = RobustPCA(n_components=2, contamination=0.1, random_state=1).fit(X)
    assert abs(np.sum(a.components_[0] * c.components_[0])) > 1 - 1e-6
    np.testing.assert_allclose(a.components_[0], c.components_[0], atol=1e-2)


# ---------------------------------------------------------------- StreamingRobustPCA
@pytest.mark.parametrize("kind", KINDS)
def test_streaming_matches_batch(stream_data, kind):
    X, _, cov, _ = stream_data(kind)
    est = StreamingRobustPCA(n_components=1, contamination=0.1, random_state=0)
    for start in range(0, X.shape[0], 2000):
        assert est.partial_fit(X[start:start + 2000]) is est
    batch = RobustPCA(n_components=1, contamination=0.1, random_state=0).fit(X)
    r_stream, r_batch = _cvr(est, cov), _cvr(batch, cov)
    assert r_stream >= 0.9
    assert abs(r_stream - r_batch) <= 0.02
    assert est.n_samples_seen_ == X.shape[0]
    assert est.n_rounds_ >= 1
    _assert_small_state(est, *X.shape)
    if kind != "far":  # far points in random directions barely turn PCA at d = 50
        assert captured_variance_ratio(PCA(1).fit(X).components_, cov) < 0.5
    # fit: one pass, same accuracy.
    fitted = StreamingRobustPCA(n_components=1, contamination=0.1, batch_size=2000,
                                random_state=0).fit(X)
    assert _cvr(fitted, cov) >= 0.9
    assert abs(_cvr(fitted, cov) - r_batch) <= 0.02
    assert fitted.n_samples_seen_ == X.shape[0]
    _assert_small_state(fitted, *X.shape)
    # Spectrum close to the batch estimator's and to the truth (top variance 4, noise 1).
    np.testing.assert_allclose(fitted.explained_variance_, batch.explained_variance_, rtol=0.02)
    for e in (est, fitted, batch):
        np.testing.assert_allclose(e.explained_variance_, [4.0], rtol=0.05)
        np.testing.assert_allclose(e.noise_variance_, 1.0, rtol=0.05)
    np.testing.assert_allclose(fitted.mean_, batch.mean_, atol=0.05)
    Z = fitted.transform(X[:5])
    assert Z.shape == (5, 1)


def test_streaming_n_samples_seen(stream_data):
    X = stream_data("far")[0][:3000]
    est = StreamingRobustPCA(n_components=2, random_state=0)
    seen = 0
    for size in (5, 300, 3, 692, 2000):  # batches need more than n_components rows
        est.partial_fit(X[seen:seen + size])
        seen += size
        assert est.n_samples_seen_ == seen
    assert seen == 3000
    est = StreamingRobustPCA(n_components=2, batch_size=700, random_state=0).fit(X)
    assert est.n_samples_seen_ == 3000
    est.partial_fit(X[:10])
    assert est.n_samples_seen_ == 3010


def test_streaming_refit_resets_state(stream_data):
    """fit forgets an earlier fit, also when the new data is too short to close a round."""
    X_old = stream_data("far")[0][:3000]
    X_new, _, cov_new, _ = _data("low_variance", 0.1, n=300, d=20, seed=3)
    est = StreamingRobustPCA(n_components=1, random_state=0).fit(X_old)
    est.fit(X_new)
    fresh = StreamingRobustPCA(n_components=1, random_state=0).fit(X_new)
    assert est.n_samples_seen_ == 300 and est.n_features_in_ == 20
    assert est.components_.shape == (1, 20)
    np.testing.assert_allclose(est.components_, fresh.components_)
    np.testing.assert_allclose(est.mean_, fresh.mean_)
    assert est.transform(X_new).shape == (300, 1)


def test_streaming_partial_fit_wrong_n_features(stream_data):
    X = stream_data("far")[0]
    est = StreamingRobustPCA(n_components=1, random_state=0).partial_fit(X[:500])
    with pytest.raises(ValueError, match="features"):
        est.partial_fit(X[500:1000, :40])
    with pytest.raises(ValueError, match="features"):
        est.transform(X[:5, :40])


def test_streaming_fit_memory():
    """Peak memory of fit is O(batch_size * b + n_features * b), far below n_features^2."""
    n, d = 6000, 1000
    X, _, _, _ = make_contaminated_gaussian(n, d, contamination=0.1, random_state=0)
    est = StreamingRobustPCA(n_components=1, batch_size=200, random_state=0)
    tracemalloc.start()
    try:
        est.fit(X)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    dd_bytes = d * d * 8  # one n_features x n_features float64 matrix: 8 MB
    batch_bytes = 200 * d * 8  # one copy of a batch: 1.6 MB
    # Measured: about 0.9 MB (about ten d x b blocks, b = 11).
    assert peak > d * 11 * 8, peak  # tracemalloc does see NumPy's buffers
    assert peak < 0.2 * dd_bytes, peak
    assert peak < batch_bytes, peak
    assert est.n_samples_seen_ == n


# ---------------------------------------------------------------- bad input
@pytest.mark.parametrize("cls", [RobustPCA, StreamingRobustPCA])
@pytest.mark.parametrize("contamination", [0, 0.0, 0.5, 0.7, -0.1])
def test_bad_contamination(cls, contamination, contaminated):
    with pytest.raises(ValueError, match="contamination"):
        cls(n_components=1, contamination=contamination).fit(contaminated[0][:100])


@pytest.mark.parametrize("cls", [RobustPCA, StreamingRobustPCA])
def test_too_many_components(cls, contaminated):
    X = contaminated[0]
    with pytest.raises(ValueError, match="n_components=5 needs more than 5 inliers"):
        cls(n_components=5, contamination=0.4).fit(X[:8])
    with pytest.raises(ValueError, match="n_components=101 must be <= n_features"):
        cls(n_components=101).fit(X[:500])
    with pytest.raises(ValueError, match="n_components"):
        cls(n_components=0).fit(X[:500])


@pytest.mark.parametrize("cls", [RobustPCA, StreamingRobustPCA])
@pytest.mark.parametrize("bad", [np.nan, np.inf, -np.inf])
def test_non_finite_input(cls, bad, contaminated):
    X = contaminated[0][:200].copy()
    X[3, 4] = bad
    with pytest.raises(ValueError):
        cls(n_components=1).fit(X)
    if cls is StreamingRobustPCA:
        with pytest.raises(ValueError):
            cls(n_components=1).partial_fit(X)
        est = cls(n_components=1).partial_fit(contaminated[0][:200])
        with pytest.raises(ValueError):
            est.partial_fit(X)


def test_streaming_first_batch_too_small(contaminated):
    X = contaminated[0]
    with pytest.raises(ValueError, match="at least 2 samples"):
        StreamingRobustPCA(n_components=1).partial_fit(X[:1])
    with pytest.raises(ValueError, match="inliers"):
        StreamingRobustPCA(n_components=3, contamination=0.1).partial_fit(X[:3])
    # After a valid first batch, a batch of 1 row is still refused ...
    est = StreamingRobustPCA(n_components=1).partial_fit(X[:100])
    with pytest.raises(ValueError, match="more than n_components=1 samples"):
        est.partial_fit(X[100:101])
    assert est.n_samples_seen_ == 100
    # ... and so is a later batch with no more rows than n_components.
    est = StreamingRobustPCA(n_components=3).partial_fit(X[:100])
    with pytest.raises(ValueError, match="more than n_components=3 samples"):
        est.partial_fit(X[100:103])


def test_robust_pca_too_few_samples(contaminated):
    with pytest.raises(ValueError, match="at least 2 samples"):
        RobustPCA(n_components=1).fit(contaminated[0][:1])


# ---------------------------------------------------------------- convergence
@pytest.mark.parametrize("cls", [RobustPCA, StreamingRobustPCA])
def test_convergence_warning(cls, contaminated):
    # One filter round cannot remove the low-variance outliers.
    X = contaminated[0]
    with pytest.warns(ConvergenceWarning, match=f"{cls.__name__} did not converge: stopped "
                                                f"at max_iter=1 .*tol=1.25"):
        est = cls(n_components=1, contamination=0.1, max_iter=1, random_state=0).fit(X)
    assert est.n_iter_ == 1


@pytest.mark.parametrize("cls", [RobustPCA, StreamingRobustPCA])
def test_no_warning_when_converged(cls, contaminated):
    with warnings.catch_warnings():
        warnings.simplefilter("error", ConvergenceWarning)
        est = cls(n_components=1, contamination=0.1, random_state=0).fit(contaminated[0])
    assert 1 <= est.n_iter_ < est.max_iter


# ---------------------------------------------------------------- scale
@pytest.fixture(scope="module")
def scale_reference(contaminated):
    X = contaminated[0][:1500]
    return {cls: cls(n_components=2, contamination=0.1, random_state=0,
                     **({"batch_size": 500} if cls is StreamingRobustPCA else {})).fit(X)
            for cls in (RobustPCA, StreamingRobustPCA)}


@pytest.mark.parametrize("factor", [1e-100, 1e-6, 1.0, 1e6, 1e100])
@pytest.mark.parametrize("cls", [RobustPCA, StreamingRobustPCA])
def test_scale_equivariance(cls, factor, contaminated, scale_reference):
    # Components and weights do not depend on the units; the mean scales with
    # the data, the variances with its square.
    X, _, cov, _ = contaminated
    X = X[:1500]
    ref = scale_reference[cls]
    params = {"batch_size": 500} if cls is StreamingRobustPCA else {}
    with warnings.catch_warnings():
        warnings.simplefilter("error", ConvergenceWarning)
        est = cls(n_components=2, contamination=0.1, random_state=0, **params).fit(X * factor)
    assert ref.n_iter_ / 2 <= est.n_iter_ <= 2 * ref.n_iter_
    if cls is RobustPCA:
        np.testing.assert_allclose(est.sample_weight_, ref.sample_weight_, atol=1e-8)
    else:
        assert est.n_rounds_ == ref.n_rounds_
    assert _cvr(est, cov) == pytest.approx(_cvr(ref, cov), abs=1e-8)
    assert _cvr(est, cov) > 0.95
    np.testing.assert_allclose(est.components_, ref.components_, atol=1e-8)
    np.testing.assert_allclose(est.mean_ / factor, ref.mean_, rtol=1e-8, atol=1e-12)
    np.testing.assert_allclose(est.explained_variance_ / factor**2, ref.explained_variance_,
                               rtol=1e-8)
    np.testing.assert_allclose(est.singular_values_ / factor, ref.singular_values_, rtol=1e-8)
    assert est.noise_variance_ / factor**2 == pytest.approx(ref.noise_variance_, rel=1e-8)
    np.testing.assert_allclose(est.explained_variance_ratio_, ref.explained_variance_ratio_,
                               rtol=1e-8)
    np.testing.assert_allclose(est.transform(X[:50] * factor) / factor, ref.transform(X[:50]),
                               rtol=1e-6, atol=1e-8)


@pytest.mark.parametrize("factor, match", [(1e-160, "must lie in"), (1e160, "must lie in"),
                                           (1e-320, "too small for float64")])
@pytest.mark.parametrize("cls", [RobustPCA, StreamingRobustPCA])
def test_scale_outside_float64_rejected(cls, factor, match, contaminated):
    with pytest.raises(ValueError, match=match):
        cls(n_components=1).fit(contaminated[0][:200] * factor)


# ---------------------------------------------------------------- sparse inputs, parameters
def _int64_sparse(X, fmt):
    """``X`` as the scipy sparse ``fmt`` with int64 index arrays."""
    rows, cols = np.nonzero(X)
    coo = sp.coo_array((X[rows, cols], (rows.astype(np.int64), cols.astype(np.int64))),
                       shape=X.shape)
    if fmt.startswith("coo"):
        A = coo if fmt == "coo_array" else sp.coo_matrix(coo)
        A.row, A.col = A.row.astype(np.int64), A.col.astype(np.int64)
        return A
    A = getattr(sp, fmt)(coo)
    A.indices, A.indptr = A.indices.astype(np.int64), A.indptr.astype(np.int64)
    return A


@pytest.mark.parametrize("fmt", ["csr_array", "csr_matrix", "csc_array", "csc_matrix",
                                 "coo_array", "coo_matrix"])
@pytest.mark.parametrize("cls", [RobustPCA, StreamingRobustPCA])
def test_int64_indexed_sparse_input(cls, fmt, contaminated):
    X = contaminated[0][:1000].copy()
    X[np.abs(X) < 0.5] = 0.0
    Xs = _int64_sparse(X, fmt)
    assert Xs.format == fmt[:3]
    index_arrays = (Xs.row, Xs.col) if fmt.startswith("coo") else (Xs.indices, Xs.indptr)
    assert all(a.dtype == np.int64 for a in index_arrays)
    params = dict(n_components=2, contamination=0.1, random_state=0)
    if cls is StreamingRobustPCA:
        params["batch_size"] = 500
    dense = cls(**params).fit(X)
    sparse = cls(**params).fit(Xs)
    np.testing.assert_allclose(sparse.components_, dense.components_, atol=1e-6)
    np.testing.assert_allclose(sparse.explained_variance_, dense.explained_variance_, rtol=1e-6)
    np.testing.assert_allclose(sparse.transform(Xs), dense.transform(X), atol=1e-6)
    np.testing.assert_allclose(sparse.score_samples(Xs), dense.score_samples(X), rtol=1e-6)
    assert all(a.dtype == np.int64 for a in index_arrays)  # input untouched


@pytest.mark.parametrize("params", [
    dict(n_components=0), dict(n_components=1.5), dict(contamination=np.nan),
    dict(contamination=np.inf), dict(n_oversamples=-1), dict(max_iter=0),
    dict(max_iter=np.inf),
])
@pytest.mark.parametrize("cls", [RobustPCA, StreamingRobustPCA])
def test_bad_params(cls, params, contaminated):
    with pytest.raises(ValueError, match=f"parameter of {cls.__name__} must be"):
        cls(**params).fit(contaminated[0][:200])


@pytest.mark.parametrize("tol", [-1.0, np.inf, np.nan])
def test_bad_tol(tol, contaminated):
    with pytest.raises(ValueError, match="'tol' parameter of RobustPCA must be"):
        RobustPCA(tol=tol).fit(contaminated[0][:200])


def test_streaming_bad_batch_size(contaminated):
    with pytest.raises(ValueError, match="'batch_size' parameter of StreamingRobustPCA"):
        StreamingRobustPCA(batch_size=0).fit(contaminated[0][:200])
