"""Reference and property tests of the incremental Gaussian mixture.

Checked against what is not the estimator's own code:

1. one component (``max_components=1``): the exact update is the closed form
   ``mean = sample mean``, ``C = (nu0 C0 + n S) / (nu0 + n - 1)`` (``S`` the
   biased sample covariance, ``C0`` the floored initial covariance of the
   first point), and the log-determinants it carries are ``slogdet``'s;
2. the published ("paper") recursion deviates from the weighted covariance
   where the exact one does not (the finding of the notes), and stays finite;
3. the stream cut into random batches gives the state of one ``fit``;
4. separated mixtures from :func:`lrsparse.datasets.make_gmm_stream`: the
   means match the truth after Hungarian matching, and the held-out
   log-likelihood is within 5% of batch EM (scikit-learn's GaussianMixture)
   with the same number of components;
5. equivariance: data times ``c`` in ``[1e-100, 1e100]`` and shifted data;
   degenerate streams (identical points, one sample, one feature, float32);
6. :func:`~lrsparse.mixture.gaussian_conditional` against the conditional
   of a Gaussian written with covariance blocks and ``scipy.stats``, and the
   supervised estimators on simple problems.

(Named ``test_igmn_reference.py``: ``tests/linear_model/test_reference.py``
exists and the test folders are not packages, so the basename must be unique.)
"""

import warnings

import numpy as np
import pytest
from scipy.optimize import linear_sum_assignment
from scipy.special import logsumexp
from scipy.stats import multivariate_normal
from sklearn.datasets import make_blobs
from sklearn.mixture import GaussianMixture

from lrsparse.datasets import make_gmm_stream
from lrsparse.mixture import (
    IncrementalGaussianMixture,
    IncrementalGMMClassifier,
    IncrementalGMMRegressor,
    gaussian_conditional,
)

_FLOOR = 1e-12  # relative variance floor of a component created with no spread (_kernels.gmm)
FITTED = ("weights_", "means_", "precisions_", "_log_det_covariances", "component_masses_",
          "n_components_", "n_created_", "n_pruned_", "n_samples_seen_")


@pytest.fixture(scope="module")
def mixture():
    """A separated 4-component stream in 4 dimensions, with its truth and a held-out part."""
    X, y, means, covariances = make_gmm_stream(4000, 4, 4, separation=8.0, random_state=0)
    return X[:3000], X[3000:], means


@pytest.fixture(scope="module")
def fitted(mixture):
    return IncrementalGaussianMixture().fit(mixture[0])


def _initial_covariance(X, delta):
    """``C0`` of the first component: ``delta^2`` times the (biased) variance of the
    warm-up points (the first ``2 (D + 1)``, which only measure the spread
    before they are learned), each floored at ``1e-12 max(variance, max |x_i|^2)``
    (the largest over the features for a feature that has been zero)."""
    d = X.shape[1]
    W = X[:2 * (d + 1)]
    var, big = W.var(axis=0), np.abs(W).max(axis=0) ** 2
    floor = _FLOOR * np.maximum(var, big)
    fallback = _FLOOR * max(var.max(), big.max()) or 1.0
    floor[floor == 0] = fallback
    return delta**2 * np.diag(np.maximum(var, floor))


def _one_component_closed_form(X, delta, nu0):
    """Mean and covariance of the exact update for one component, in closed form."""
    n, d = X.shape
    S = np.cov(X, rowvar=False, bias=True).reshape(d, d)
    return X.mean(axis=0), (nu0 * _initial_covariance(X, delta) + n * S) / (nu0 + n - 1)


# ------------------------------------------------------- 1. one component
@pytest.mark.parametrize("d", [1, 3, 6])
@pytest.mark.parametrize("prior_weight", [1.0, None, 300.0])
def test_one_component_is_the_closed_form(rng, d, prior_weight):
    A = rng.standard_normal((d, d))
    X = rng.standard_normal((200, d)) @ A + 3.0
    delta = 0.7
    est = IncrementalGaussianMixture(delta=delta, max_components=1,
                                     prior_weight=prior_weight).fit(X)
    nu0 = d + 1.0 if prior_weight is None else prior_weight
    mean, cov = _one_component_closed_form(X, delta, nu0)
    assert est.n_components_ == 1 and est.weights_[0] == 1.0
    assert est.component_masses_[0] == pytest.approx(200.0, rel=1e-14)
    np.testing.assert_allclose(est.means_[0], mean, rtol=1e-10, atol=1e-10 * np.abs(mean).max())
    # prior_weight=300 makes nu0 C0 as large as n S: both terms are checked
    np.testing.assert_allclose(est.covariances_[0], cov, rtol=1e-10,
                               atol=1e-10 * np.abs(cov).max())
    np.testing.assert_allclose(est.precisions_[0], np.linalg.inv(cov), rtol=1e-10,
                               atol=1e-10 * np.abs(est.precisions_[0]).max())
    sign, logdet = np.linalg.slogdet(cov)
    assert sign == 1.0
    assert est._log_det_covariances[0] == pytest.approx(logdet, rel=1e-10, abs=1e-10)


@pytest.mark.parametrize("n", [1, 5, 8])
def test_one_component_during_the_warm_up(rng, n):
    """Fewer points than the warm-up (2 (D + 1) = 8 here): the model learns the
    points kept so far, with their spread, and the stream goes on warming up."""
    X = rng.standard_normal((12, 3)) * [1.0, 5.0, 0.2] + 1.0
    est = IncrementalGaussianMixture(delta=0.5, max_components=1).fit(X[:n])
    mean, cov = _one_component_closed_form(X[:n], 0.5, 4.0)
    np.testing.assert_allclose(est.means_[0], mean, rtol=1e-12)
    np.testing.assert_allclose(est.covariances_[0], cov, rtol=1e-10)
    # learning the rest later is the same as learning everything at once
    est.partial_fit(X[n:])
    whole = IncrementalGaussianMixture(delta=0.5, max_components=1).fit(X)
    for name in FITTED:
        np.testing.assert_array_equal(getattr(est, name), getattr(whole, name), err_msg=name)


def test_log_determinants_and_symmetry_after_a_stream(fitted):
    """What the rank-one updates carry equals what direct computation gives."""
    sign, logdet = np.linalg.slogdet(fitted.covariances_)
    assert np.all(sign == 1.0)
    np.testing.assert_allclose(fitted._log_det_covariances, logdet, rtol=1e-10, atol=1e-9)
    P = fitted.precisions_
    np.testing.assert_array_equal(P, np.transpose(P, (0, 2, 1)))
    assert np.all(np.linalg.eigvalsh(P) > 0)


# ------------------------------------------------- 2. the published update
@pytest.mark.parametrize("d", [1, 3, 6])
def test_paper_update_underestimates_the_weighted_covariance(rng, d):
    """The notes' finding (D=3, N=200): the published recursion is not the weighted
    covariance -- it under-estimates it (by w^2 (2 - w) e e^T per point), and
    loses definiteness at the second point, where its downdate is skipped --
    while the exact one is the weighted covariance to rounding."""
    A = rng.standard_normal((d, d))
    X = rng.standard_normal((200, d)) @ A
    S = np.cov(X, rowvar=False, bias=True).reshape(d, d)
    common = dict(delta=0.5, max_components=1, prior_weight=1.0)
    exact = IncrementalGaussianMixture(covariance_update="exact", **common).fit(X)
    paper = IncrementalGaussianMixture(covariance_update="paper", **common).fit(X)
    np.testing.assert_allclose(exact.means_[0], X.mean(axis=0), atol=1e-12)
    np.testing.assert_allclose(paper.means_[0], X.mean(axis=0), atol=1e-12)  # the means agree
    # exact: (C0 + n S) / n, the weighted covariance with the initial one as one point
    _, weighted = _one_component_closed_form(X, 0.5, 1.0)
    scale = np.abs(S).max()
    assert np.abs(exact.covariances_[0] - weighted).max() < 1e-10 * scale
    assert np.abs(exact.covariances_[0] - S).max() < 0.01 * scale
    # paper: below the weighted covariance (a positive semidefinite gap), by a few %
    gap = np.linalg.eigvalsh(weighted - paper.covariances_[0])
    assert gap.min() > -1e-10 * scale
    assert gap.max() > 0.02 * scale
    assert np.all(np.isfinite(paper.precisions_)) and np.isfinite(paper.score(X))


def test_paper_update_on_a_mixture_stays_finite(mixture):
    X_train, X_test, _ = mixture
    est = IncrementalGaussianMixture(covariance_update="paper").fit(X_train)
    assert np.all(np.isfinite(est.precisions_))
    assert np.all(np.isfinite(est._log_det_covariances))
    assert np.all(np.isfinite(est.score_samples(X_test)))


# --------------------------------------------------------- 3. batches
@pytest.mark.parametrize("covariance_update", ["exact", "paper"])
def test_partial_fit_in_random_chunks_equals_fit(rng, mixture, covariance_update):
    X = mixture[0][:1500]
    params = dict(covariance_update=covariance_update)
    whole = IncrementalGaussianMixture(**params).fit(X)
    cuts = np.sort(rng.choice(np.arange(12, len(X)), size=40, replace=False))
    # batches within, ending at and just after the warm-up (the first 2 (D + 1) = 10 points)
    cuts = np.concatenate([[1, 2, 7, 10, 11], cuts])
    chunked = IncrementalGaussianMixture(**params)
    for i, batch in enumerate(np.split(X, cuts)):
        chunked.partial_fit(batch)
        if i < 8:  # the model between batches is the model of the points so far
            prefix = IncrementalGaussianMixture(**params).fit(X[:chunked.n_samples_seen_])
            for name in FITTED:
                np.testing.assert_array_equal(getattr(chunked, name), getattr(prefix, name),
                                              err_msg=name)
    assert whole.n_created_ >= 4  # several components created
    for name in FITTED:
        np.testing.assert_array_equal(getattr(chunked, name), getattr(whole, name), err_msg=name)


def test_sample_follows_the_fitted_mixture(mixture, fitted):
    est = IncrementalGaussianMixture(random_state=0).fit(mixture[0])  # `fitted`, seeded
    X, y = est.sample(20000)
    assert X.shape == (20000, fitted.n_features_in_)
    np.testing.assert_allclose(np.bincount(y, minlength=fitted.n_components_) / 20000,
                               fitted.weights_, atol=0.015)
    for j in np.flatnonzero(fitted.weights_ > 0.1):
        np.testing.assert_allclose(X[y == j].mean(axis=0), fitted.means_[j], atol=0.1)
        np.testing.assert_allclose(np.cov(X[y == j], rowvar=False), fitted.covariances_[j],
                                   atol=0.15)


# -------------------------------------------------- 4. synthetic mixtures
def _matched_mean_error(found, truth):
    """Largest distance from a true mean to its found one, after Hungarian matching."""
    cost = np.sqrt(((truth[:, None, :] - found[None, :, :]) ** 2).sum(axis=2))
    rows, cols = linear_sum_assignment(cost)
    assert len(rows) == len(truth)  # every true component has a partner
    return cost[rows, cols].max()


def _grouped_mean_error(est, truth):
    """Each found component goes to its nearest true mean; the largest distance
    from a true mean to the weighted mean of its components, and the least
    weight a true component gets (in units of 1 / K)."""
    k = len(truth)
    nearest = ((est.means_[:, None, :] - truth[None, :, :]) ** 2).sum(axis=2).argmin(axis=1)
    mass = np.bincount(nearest, weights=est.weights_, minlength=k)
    assert np.all(mass > 0)
    pooled = np.array([est.weights_[nearest == j] @ est.means_[nearest == j] / mass[j]
                       for j in range(k)])
    return np.sqrt(((pooled - truth) ** 2).sum(axis=1)).max(), mass.min() * k


# Every standard deviation of make_gmm_stream's components is at most 1.  A
# true component may be split in two (a single pass cannot merge them
# afterwards), each part about half a standard deviation off; the parts'
# weighted mean is on the truth.  (A new component's standard deviations are
# delta times the data's, and a point is novel beyond sqrt(chi2.isf(beta, D))
# of them: two true components closer than about that many data standard
# deviations can also start as one, which no later point splits.)
@pytest.mark.parametrize("d, k", [(2, 3), (4, 4), (8, 4)])
def test_means_match_the_truth(d, k):
    X, _, means, _ = make_gmm_stream(2500, d, k, separation=8.0, random_state=1)
    est = IncrementalGaussianMixture().fit(X)
    assert k <= est.n_components_ <= 2 * k
    assert _matched_mean_error(est.means_, means) < 1.0
    error, least_mass = _grouped_mean_error(est, means)
    assert error < 0.25
    assert least_mass > 0.8  # equal true weights: each about 1 / K


def test_components_appearing_over_time_are_found():
    X, _, means, _ = make_gmm_stream(3000, 3, 4, drift=1.0, separation=8.0, random_state=0)
    est = IncrementalGaussianMixture().fit(X)
    assert est.n_components_ >= 4
    assert _matched_mean_error(est.means_, means) < 1.0
    error, least_mass = _grouped_mean_error(est, means)
    assert error < 0.25
    assert least_mass > 0.15  # the last one appears at 3/4 and has about 1/16 of the stream


def test_held_out_likelihood_close_to_batch_em(mixture, fitted):
    X_train, X_test, _ = mixture
    em = GaussianMixture(n_components=fitted.n_components_, covariance_type="full",
                         random_state=0).fit(X_train)
    ours, theirs = fitted.score(X_test), em.score(X_test)
    assert abs(ours - theirs) <= 0.05 * abs(theirs)


def test_score_samples_is_the_mixture_density(mixture, fitted):
    """score_samples / predict_proba against scipy's multivariate normal."""
    X = mixture[1][:50]
    log_dens = np.column_stack([
        np.log(w) + multivariate_normal(m, c).logpdf(X)
        for w, m, c in zip(fitted.weights_, fitted.means_, fitted.covariances_)])
    np.testing.assert_allclose(fitted.score_samples(X), logsumexp(log_dens, axis=1), rtol=1e-10)
    np.testing.assert_allclose(fitted.predict_proba(X),
                               np.exp(log_dens - logsumexp(log_dens, axis=1, keepdims=True)),
                               atol=1e-10)


# ----------------------------------------------------------- 5. scale
@pytest.mark.parametrize("factor", [1e-100, 1e-6, 1.0, 1e6, 1e100])
def test_scale_equivariance(mixture, fitted, factor):
    X_train, X_test, truth = mixture
    est = IncrementalGaussianMixture().fit(X_train * factor)
    assert est.n_components_ == fitted.n_components_
    assert est.n_created_ == fitted.n_created_ and est.n_pruned_ == fitted.n_pruned_
    np.testing.assert_allclose(est.weights_, fitted.weights_, rtol=1e-9)
    np.testing.assert_allclose(est.means_ / factor, fitted.means_, rtol=1e-9, atol=1e-9)
    np.testing.assert_allclose(est.covariances_ / factor**2, fitted.covariances_, rtol=1e-8,
                               atol=1e-9)
    d = X_train.shape[1]
    assert est.score(X_test * factor) == pytest.approx(
        fitted.score(X_test) - d * np.log(factor), rel=1e-9, abs=1e-8)
    np.testing.assert_array_equal(est.predict(X_test * factor), fitted.predict(X_test))
    # the same relative error against the truth
    assert (_matched_mean_error(est.means_, truth * factor) / factor
            == pytest.approx(_matched_mean_error(fitted.means_, truth), rel=1e-6))


def test_shift_invariance(mixture, fitted):
    X_train, X_test, _ = mixture
    shift = np.array([100.0, -50.0, 0.0, 20.0])
    est = IncrementalGaussianMixture().fit(X_train + shift)
    assert est.n_components_ == fitted.n_components_
    np.testing.assert_allclose(est.weights_, fitted.weights_, rtol=1e-6)
    np.testing.assert_allclose(est.means_ - shift, fitted.means_, atol=1e-8)
    np.testing.assert_allclose(est.covariances_, fitted.covariances_, rtol=1e-6, atol=1e-8)
    assert est.score(X_test + shift) == pytest.approx(fitted.score(X_test), rel=1e-7)
    np.testing.assert_array_equal(est.predict(X_test + shift), fitted.predict(X_test))


def test_per_feature_units_and_feature_order(mixture, fitted):
    """New components are diagonal in the data's own per-feature spread, and the
    distances are Mahalanobis: features in other units (a diagonal rescaling)
    or in another order give the same model in those units / that order."""
    X_train, X_test, _ = mixture
    units = np.array([1e-3, 1.0, 3e5, 7.0])
    est = IncrementalGaussianMixture().fit(X_train * units)
    assert est.n_components_ == fitted.n_components_
    np.testing.assert_allclose(est.weights_, fitted.weights_, rtol=1e-9)
    np.testing.assert_allclose(est.means_ / units, fitted.means_, rtol=1e-9, atol=1e-9)
    np.testing.assert_allclose(est.covariances_ / np.outer(units, units), fitted.covariances_,
                               rtol=1e-8, atol=1e-9)
    np.testing.assert_array_equal(est.predict(X_test * units), fitted.predict(X_test))

    order = np.array([2, 0, 3, 1])
    est = IncrementalGaussianMixture().fit(X_train[:, order])
    assert est.n_components_ == fitted.n_components_
    np.testing.assert_allclose(est.means_, fitted.means_[:, order], rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(est.covariances_, fitted.covariances_[:, order][:, :, order],
                               rtol=1e-9, atol=1e-12)
    np.testing.assert_allclose(est.score_samples(X_test[:, order]),
                               fitted.score_samples(X_test), rtol=1e-10)


# ------------------------------------------------- degenerate streams
@pytest.mark.parametrize("value", [1e-100, -5.0, 1e100])
def test_identical_points_at_any_scale(value):
    X = np.full((300, 2), value)
    est = IncrementalGaussianMixture().fit(X)
    assert est.n_components_ == 1
    np.testing.assert_array_equal(est.means_[0], X[0])
    assert np.all(np.isfinite(est.precisions_)) and np.isfinite(est._log_det_covariances[0])
    assert np.isfinite(est.score(X))
    assert np.isfinite(est.score(X + abs(value)))  # a point off the spike: finite, not -inf


def test_one_feature(rng):
    X = np.concatenate([rng.normal(-5.0, 1.0, 600), rng.normal(5.0, 0.5, 600)])
    X = X[rng.permutation(len(X))][:, None]
    est = IncrementalGaussianMixture().fit(X)
    assert est.means_.shape[1] == 1 and est.covariances_.shape[1:] == (1, 1)
    heavy = np.argsort(est.weights_)[-2:]
    np.testing.assert_allclose(np.sort(est.means_[heavy, 0]), [-5.0, 5.0], atol=0.2)
    np.testing.assert_allclose(np.sort(est.covariances_[heavy, 0, 0])[::-1], [1.0, 0.25],
                               rtol=0.3)
    assert est.weights_[heavy].sum() > 0.95


def test_a_single_sample():
    x = np.array([[3.0, -4.0, 1.0]])
    est = IncrementalGaussianMixture(delta=0.5).fit(x)
    assert est.n_components_ == 1 and est.n_samples_seen_ == 1
    np.testing.assert_array_equal(est.means_, x)
    # no spread yet: delta^2 times each feature's floor, relative to its x_i^2
    np.testing.assert_allclose(est.covariances_[0], 0.25 * _FLOOR * np.diag([9.0, 16.0, 1.0]),
                               rtol=1e-12)
    assert np.isfinite(est.score(x)) and np.isfinite(est.score(x + 1.0))
    assert est.predict(x + 1.0).tolist() == [0]


def test_float32_input_is_learned_as_its_float64_values(mixture):
    X32 = mixture[0][:1000].astype(np.float32)
    est32 = IncrementalGaussianMixture().fit(X32)
    est64 = IncrementalGaussianMixture().fit(X32.astype(np.float64))
    for name in FITTED:
        np.testing.assert_array_equal(getattr(est32, name), getattr(est64, name), err_msg=name)
    assert est32.means_.dtype == np.float64
    assert est32.predict(X32).tolist() == est64.predict(X32.astype(np.float64)).tolist()


# ------------------------------------------------ 6. supervised reference
def _conditional_reference(A, weights, means, covariances):
    """E[b | a] from the covariance blocks and scipy's densities of the marginal of a."""
    d = A.shape[1]
    log_r = np.column_stack([
        np.log(w) + multivariate_normal(m[:d], C[:d, :d]).logpdf(A)
        for w, m, C in zip(weights, means, covariances)]).reshape(len(A), -1)
    resp = np.exp(log_r - logsumexp(log_r, axis=1, keepdims=True))
    B = sum(resp[:, [j]] * (m[d:] + (A - m[:d]) @ np.linalg.solve(C[:d, :d], C[:d, d:]))
            for j, (m, C) in enumerate(zip(means, covariances)))
    return B, resp


def _random_joint(rng, k, dim):
    means = 2.0 * rng.standard_normal((k, dim))
    covariances = np.empty((k, dim, dim))
    for j in range(k):
        L = rng.standard_normal((dim, dim))
        covariances[j] = L @ L.T / dim + 0.3 * np.eye(dim)
    precisions = np.linalg.inv(covariances)
    return means, covariances, precisions, np.linalg.slogdet(covariances)[1]


@pytest.mark.parametrize("k", [1, 2])
@pytest.mark.parametrize("d, o", [(1, 1), (3, 1), (3, 2)])
def test_gaussian_conditional_equals_the_block_formula(rng, k, d, o):
    means, covariances, precisions, logdets = _random_joint(rng, k, d + o)
    weights = np.array([1.0]) if k == 1 else np.array([0.3, 0.7])
    A = means[0, :d] + 1.5 * rng.standard_normal((40, d))
    B, resp = gaussian_conditional(A, weights, means, precisions, logdets)
    B_ref, resp_ref = _conditional_reference(A, weights, means, covariances)
    assert B.shape == (40, o) and resp.shape == (40, k)
    np.testing.assert_allclose(resp, resp_ref, rtol=1e-9, atol=1e-12)
    np.testing.assert_allclose(B, B_ref, rtol=1e-9, atol=1e-10)
    if k == 1:  # a single Gaussian: the linear regression of b on a
        C = covariances[0]
        expected = means[0, d:] + (A - means[0, :d]) @ np.linalg.inv(C[:d, :d]) @ C[:d, d:]
        np.testing.assert_allclose(B, expected, rtol=1e-9, atol=1e-10)
        np.testing.assert_array_equal(resp, 1.0)


def test_regressor_on_a_sine(rng):
    X = rng.uniform(-3.0, 3.0, (3000, 1))
    y = np.sin(X[:, 0]) + 0.05 * rng.standard_normal(3000)
    X_test = rng.uniform(-2.8, 2.8, (500, 1))
    reg = IncrementalGMMRegressor().fit(X, y)
    assert reg.score(X_test, np.sin(X_test[:, 0])) > 0.9


def test_regressor_on_a_piecewise_linear_function_of_two_inputs(rng):
    def f(X):
        return np.where(X[:, 0] > 0, 2.0 * X[:, 0] - X[:, 1], -X[:, 0] + 0.5 * X[:, 1])

    X = rng.uniform(-2.0, 2.0, (4000, 2))
    reg = IncrementalGMMRegressor()
    for batch in np.array_split(np.arange(4000), 8):
        reg.partial_fit(X[batch], f(X[batch]) + 0.05 * rng.standard_normal(len(batch)))
    X_test = rng.uniform(-1.9, 1.9, (500, 2))
    assert reg.score(X_test, f(X_test)) > 0.9


def test_classifier_on_blobs():
    X, y = make_blobs(1500, n_features=4, centers=4, cluster_std=1.5, random_state=0)
    clf = IncrementalGMMClassifier()
    for batch in np.array_split(np.arange(1000), 5):
        clf.partial_fit(X[batch], y[batch], classes=np.arange(4))
    assert clf.score(X[1000:], y[1000:]) > 0.95


# Regressions found while writing these tests (fixed in f0996d1).
def test_float32_input_raises_no_overflow_warning():
    """``_igmn._check_range`` compares the float32 column maxima with the Python
    float ``1e140``: NumPy casts it to float32 (inf) and emits ``RuntimeWarning:
    overflow encountered in cast`` on every fit/partial_fit of float32 data.
    The check itself still passes, so the fix is only the dtype:
    ``top = np.abs(X).max(axis=0).astype(np.float64)``.
    """
    X = np.random.default_rng(0).normal(size=(100, 2)).astype(np.float32)
    with warnings.catch_warnings():
        warnings.simplefilter("error", RuntimeWarning)
        IncrementalGaussianMixture().fit(X)


def test_a_tiny_first_value_does_not_spoil_the_feature_units():
    """The units of each feature are the power of two nearest to the *first*
    point's ``|x_i|`` (``_Stream.learn``: ``self.scale = _powers_of_two(X[0])``),
    and ``_check_range`` only looks at each feature's largest magnitude.  A first
    value of 1e-200 in a feature whose other values are about 1 (all within the
    accepted range) makes those values about 1e200 in the kernel's units: their
    squares overflow and the model is NaN (165 components, NaN means and
    precisions, NaN score), silently.  Taking the units from the largest
    magnitude seen during the warm-up (the buffer is kept until then), or from
    ``_check_range``'s ``top`` of the first batch, would avoid it.
    """
    rng = np.random.default_rng(0)
    X = rng.normal(size=(300, 2))
    reference = IncrementalGaussianMixture().fit(np.vstack([[0.0, X[0, 1]], X[1:]]))
    X[0, 0] = 1e-200
    est = IncrementalGaussianMixture().fit(X)
    assert np.all(np.isfinite(est.means_)) and np.all(np.isfinite(est.precisions_))
    assert np.isfinite(est.score(X))
    assert est.n_components_ == reference.n_components_
