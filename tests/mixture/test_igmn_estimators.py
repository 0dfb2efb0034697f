"""IncrementalGaussianMixture: API, bad input, and the attributes shared with GaussianMixture."""

import numpy as np
import pytest
from sklearn.mixture import GaussianMixture
from sklearn.utils._param_validation import InvalidParameterError

from lrsparse.mixture import IncrementalGaussianMixture, incremental_gaussian_mixture


@pytest.fixture(scope="module")
def two_blobs():
    rng = np.random.default_rng(0)
    X = np.vstack([rng.normal(-4, 1, (400, 3)), rng.normal(4, 0.5, (400, 3))])
    return X[rng.permutation(len(X))]


@pytest.fixture(scope="module")
def fitted(two_blobs):
    return IncrementalGaussianMixture(random_state=0).fit(two_blobs)


def test_fit_returns_self_and_finds_the_two_components(two_blobs):
    est = IncrementalGaussianMixture()
    assert est.fit(two_blobs) is est
    # a single pass may keep a small duplicate that gathered more than sp_min
    # early on (IGMN's pruning only removes components that stayed small)
    assert 2 <= est.n_components_ <= 3
    heavy = np.argsort(est.weights_)[-2:]
    assert np.allclose(np.sort(est.means_[heavy, 0]), [-4, 4], atol=0.3)
    assert est.weights_[heavy].sum() > 0.95
    assert est.n_samples_seen_ == len(two_blobs)
    assert est.n_created_ - est.n_pruned_ == est.n_components_


def test_function_equals_estimator(two_blobs, fitted):
    weights, means, covariances, precisions = incremental_gaussian_mixture(two_blobs)
    assert np.array_equal(weights, fitted.weights_)
    assert np.array_equal(means, fitted.means_)
    assert np.array_equal(precisions, fitted.precisions_)
    assert np.allclose(covariances, fitted.covariances_)


def test_gaussian_mixture_attributes_agree(two_blobs, fitted):
    # the derived attributes follow sklearn's conventions
    P = fitted.precisions_
    assert np.allclose(np.einsum("kij,kjl->kil", fitted.covariances_, P),
                       np.eye(3)[None], atol=1e-10)
    U = fitted.precisions_cholesky_
    assert np.allclose(np.triu(U), U)
    assert np.allclose(U @ np.transpose(U, (0, 2, 1)), P)
    # the same parameters plugged into sklearn's GaussianMixture give the same densities
    gm = GaussianMixture(fitted.n_components_)
    gm.weights_, gm.means_ = fitted.weights_, fitted.means_
    gm.covariances_, gm.precisions_cholesky_ = fitted.covariances_, U
    gm.precisions_ = P
    assert np.allclose(gm.score_samples(two_blobs), fitted.score_samples(two_blobs))
    assert np.allclose(gm.predict_proba(two_blobs), fitted.predict_proba(two_blobs), atol=1e-10)
    assert np.isclose(gm.bic(two_blobs), fitted.bic(two_blobs))
    assert np.isclose(gm.aic(two_blobs), fitted.aic(two_blobs))


def test_predict_and_proba(two_blobs, fitted):
    proba = fitted.predict_proba(two_blobs)
    assert proba.shape == (len(two_blobs), fitted.n_components_)
    assert np.allclose(proba.sum(axis=1), 1.0)
    assert np.array_equal(fitted.predict(two_blobs), proba.argmax(axis=1))
    assert np.isclose(fitted.score(two_blobs), fitted.score_samples(two_blobs).mean())


def test_sample_is_reproducible(fitted):
    X1, y1 = fitted.sample(500)
    X2, y2 = fitted.sample(500)
    assert X1.shape == (500, 3) and y1.shape == (500,)
    assert np.array_equal(X1, X2) and np.array_equal(y1, y2)
    # samples follow the mixture: their component means are near the fitted ones
    for j in range(fitted.n_components_):
        assert np.allclose(X1[y1 == j].mean(axis=0), fitted.means_[j], atol=0.3)
    with pytest.raises(ValueError, match="n_samples"):
        fitted.sample(0)


def test_partial_fit_continues_after_fit(two_blobs):
    a = IncrementalGaussianMixture().fit(two_blobs[:300])
    a.partial_fit(two_blobs[300:])
    b = IncrementalGaussianMixture().fit(two_blobs)
    assert np.array_equal(a.means_, b.means_)
    assert a.n_samples_seen_ == b.n_samples_seen_
    # fit forgets: refitting on half gives the half-stream model
    c = IncrementalGaussianMixture().fit(two_blobs[:300])
    a.fit(two_blobs[:300])
    assert np.array_equal(a.means_, c.means_) and a.n_samples_seen_ == 300


def test_max_components_is_respected(two_blobs):
    est = IncrementalGaussianMixture(max_components=1).fit(two_blobs)
    assert est.n_components_ == 1
    assert np.allclose(est.means_[0], two_blobs.mean(axis=0))


def test_pruning_switch(two_blobs):
    rng = np.random.default_rng(1)
    X = np.vstack([two_blobs, rng.uniform(-30, 30, (20, 3))])[rng.permutation(820)]
    pruned = IncrementalGaussianMixture().fit(X)
    kept = IncrementalGaussianMixture(sp_min=0).fit(X)
    assert pruned.n_pruned_ > 0 and kept.n_pruned_ == 0
    assert kept.n_components_ > pruned.n_components_


def test_verbose_reports_each_batch(two_blobs, capsys):
    est = IncrementalGaussianMixture(verbose=1)
    est.partial_fit(two_blobs[:400]).partial_fit(two_blobs[400:])
    out = capsys.readouterr().out
    assert out.count("[IncrementalGaussianMixture]") == 2
    assert "800 points" in out


def test_inputs_are_not_modified(two_blobs):
    X = two_blobs.copy()
    est = IncrementalGaussianMixture().fit(X)
    est.partial_fit(X)
    est.score_samples(X)
    assert np.array_equal(X, two_blobs)


@pytest.mark.parametrize("bad", [np.nan, np.inf, -np.inf])
def test_non_finite_input_raises(two_blobs, bad):
    X = two_blobs[:50].copy()
    X[3, 1] = bad
    with pytest.raises(ValueError, match="NaN|infinity"):
        IncrementalGaussianMixture().fit(X)
    est = IncrementalGaussianMixture().fit(two_blobs)
    with pytest.raises(ValueError, match="NaN|infinity"):
        est.partial_fit(X)


def test_partial_fit_with_other_n_features_raises(two_blobs):
    est = IncrementalGaussianMixture().partial_fit(two_blobs)
    with pytest.raises(ValueError, match="features"):
        est.partial_fit(two_blobs[:, :2])
    with pytest.raises(ValueError, match="features"):
        est.predict(two_blobs[:, :2])


@pytest.mark.parametrize("params, match", [
    (dict(delta=0.0), "delta"), (dict(delta=-1.0), "delta"), (dict(delta=np.inf), "delta"),
    (dict(beta=0.0), "beta"), (dict(beta=1.0), "beta"), (dict(beta=1.5), "beta"),
    (dict(prior_weight=0.0), "prior_weight"), (dict(v_min=0.5), "v_min"),
    (dict(sp_min=-1.0), "sp_min"), (dict(max_components=0), "max_components"),
    (dict(covariance_update="fast"), "covariance_update"),
])
def test_bad_parameters_raise(two_blobs, params, match):
    with pytest.raises(InvalidParameterError, match=match):
        IncrementalGaussianMixture(**params).fit(two_blobs)
    with pytest.raises(InvalidParameterError, match=match):
        incremental_gaussian_mixture(two_blobs, **params)


@pytest.mark.parametrize("value", [0.0, 3.5, -1e-100])
def test_identical_points_give_a_finite_model(value):
    X = np.full((200, 4), value)
    est = IncrementalGaussianMixture().fit(X)
    assert est.n_components_ == 1
    assert np.all(np.isfinite(est.precisions_)) and np.all(np.isfinite(est.covariances_))
    assert np.array_equal(est.means_[0], X[0])
    assert np.all(np.isfinite(est.score_samples(X)))
    # and a different point afterwards is novel, not a crash
    est.partial_fit(np.full((1, 4), value + 1.0))
    assert est.n_components_ == 2 and np.all(np.isfinite(est.score_samples(X)))


def test_sparse_input_is_refused_clearly(two_blobs):
    import scipy.sparse as sp

    with pytest.raises(TypeError, match="dense"):
        IncrementalGaussianMixture().fit(sp.csr_matrix(two_blobs))


def test_dataframe_input_sets_feature_names(two_blobs):
    pd = pytest.importorskip("pandas")
    df = pd.DataFrame(two_blobs, columns=["a", "b", "c"])
    est = IncrementalGaussianMixture().fit(df)
    assert list(est.feature_names_in_) == ["a", "b", "c"]
    plain = IncrementalGaussianMixture().fit(two_blobs)
    assert np.array_equal(est.predict(df), plain.predict(two_blobs))


@pytest.mark.parametrize("factor", [1e-300, 1e150, 1e300])
def test_values_outside_the_supported_range_raise(two_blobs, factor):
    with pytest.raises(ValueError, match="Feature 0 of X .* Rescale X"):
        IncrementalGaussianMixture().fit(two_blobs * factor)
