"""The per-batch kernel of the incremental Gaussian mixture, called directly.

:func:`lrsparse._kernels.gmm.igmn_pass` against a NumPy transcription of one
learning step (posterior, mean, exact or published covariance recursion,
inverted and ``slogdet``-ed directly), creation from the running spread,
the early return when the capacity is full (and resuming from it), the
counters, and pruning in creation order.
"""

import numpy as np
import pytest
from scipy.special import softmax

from lrsparse._kernels.gmm import igmn_pass

_FLOOR = 1e-12  # the relative variance floor of a new component (gmm._VAR_FLOOR)


def _empty(cap, d):
    return dict(
        means=np.zeros((cap, d)), precisions=np.zeros((cap, d, d)), logdets=np.zeros(cap),
        sp=np.zeros(cap), ages=np.zeros(cap), run_mean=np.zeros(d), run_m2=np.zeros(d),
        run=np.zeros(2), counts=np.zeros(3, dtype=np.int64),
    )


def _pass(X, state, start=0, k=0, *, delta2=0.25, nu0=3.0, chi2=6.0, v_min=1e9, sp_min=0.0,
          max_components=100, exact=True):
    s = state
    return igmn_pass(X, start, k, s["means"], s["precisions"], s["logdets"], s["sp"], s["ages"],
                     s["run_mean"], s["run_m2"], s["run"], s["counts"], delta2, nu0, chi2,
                     v_min, sp_min, max_components, exact)


def _random_cov(rng, d):
    A = rng.standard_normal((d, d))
    return A @ A.T / d + 0.5 * np.eye(d)


def _manual_state(rng, covs, means, sp, ages, cap=None, n_seen=50.0):
    """A state holding the given components and a running spread of ``n_seen`` points."""
    k, d = means.shape
    s = _empty(cap or k, d)
    s["means"][:k] = means
    for j, C in enumerate(covs):
        s["precisions"][j] = np.linalg.inv(C)
        s["precisions"][j] = (s["precisions"][j] + s["precisions"][j].T) / 2
        s["logdets"][j] = np.linalg.slogdet(C)[1]
    s["sp"][:k], s["ages"][:k] = sp, ages
    s["run_mean"][:] = rng.standard_normal(d)
    s["run_m2"][:] = n_seen * rng.uniform(0.5, 2.0, d)
    s["run"][:] = n_seen, 10.0
    return s


def _step_reference(x, means, covs, sp, nu0, exact):
    """One soft update in NumPy, straight from the equations of the docstring."""
    k = len(sp)
    logp = np.array([np.log(sp[j]) - 0.5 * ((x - means[j]) @ np.linalg.solve(covs[j], x - means[j])
                                            + np.linalg.slogdet(covs[j])[1]) for j in range(k)])
    post = softmax(logp)
    new_means, new_covs, new_sp = means.copy(), [C.copy() for C in covs], sp.copy()
    for j in range(k):
        e = x - means[j]
        m = sp[j] + nu0 - 1.0
        new_sp[j] = sp[j] + post[j]
        w = post[j] / new_sp[j]
        new_means[j] = means[j] + w * e
        if exact:
            new_covs[j] = (m * covs[j] + post[j] * (1 - w) * np.outer(e, e)) / (m + post[j])
        else:
            e_star, dmu = x - new_means[j], w * e
            new_covs[j] = (1 - w) * covs[j] + w * np.outer(e_star, e_star) - np.outer(dmu, dmu)
    return new_means, new_covs, new_sp, post


@pytest.mark.parametrize("exact", [True, False])
@pytest.mark.parametrize("d", [1, 3, 6])
def test_one_update_step_equals_numpy(rng, exact, d):
    k = 3
    covs = [_random_cov(rng, d) for _ in range(k)]
    means = rng.standard_normal((k, d))
    sp, ages = np.array([4.0, 9.0, 2.5]), np.array([10.0, 20.0, 5.0])
    s = _manual_state(rng, covs, means, sp, ages, cap=5)
    x = means.mean(axis=0) + 0.3 * rng.standard_normal(d)
    X = x[None, :]
    run_mean, run_m2, n = s["run_mean"].copy(), s["run_m2"].copy(), s["run"][0]
    nu0 = d + 1.0
    assert _pass(X, s, 0, k, nu0=nu0, chi2=np.inf, exact=exact) == (1, k)
    exp_means, exp_covs, exp_sp, post = _step_reference(x, means, covs, sp, nu0, exact)
    assert np.all(post > 1e-3)  # every component takes a real share
    np.testing.assert_allclose(s["means"][:k], exp_means, rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(s["sp"][:k], exp_sp, rtol=1e-13)
    np.testing.assert_array_equal(s["ages"][:k], ages + 1)
    for j in range(k):
        if not exact:
            # the published form is applied only where it stays positive definite
            assert np.all(np.linalg.eigvalsh(exp_covs[j]) > 0)
        np.testing.assert_allclose(s["precisions"][j], np.linalg.inv(exp_covs[j]),
                                   rtol=1e-10, atol=1e-10 * np.abs(s["precisions"][j]).max())
        assert s["logdets"][j] == pytest.approx(np.linalg.slogdet(exp_covs[j])[1], abs=1e-11)
    # Welford's running statistics now include x
    new_mean = run_mean + (x - run_mean) / (n + 1)
    np.testing.assert_allclose(s["run_mean"], new_mean, rtol=1e-14)
    np.testing.assert_allclose(s["run_m2"], run_m2 + (x - run_mean) * (x - new_mean), rtol=1e-14)
    assert s["run"][0] == n + 1 and s["run"][1] == max(10.0, np.abs(x).max())
    np.testing.assert_array_equal(s["counts"], 0)
    np.testing.assert_array_equal(s["means"][k:], 0.0)  # nothing written beyond k


def test_paper_update_skips_a_downdate_that_leaves_the_cone():
    """Second point of a component (w = 1/2): the published form has ``C' = C/2 - e e^T/8``,
    not positive definite when ``e`` is long; the downdate is skipped and
    everything stays finite."""
    d = 2
    s = _empty(2, d)
    s["precisions"][0] = np.eye(d)
    s["sp"][0], s["ages"][0] = 1.0, 1.0
    s["run"][:] = 1.0, 0.0
    X = np.array([[10.0, 0.0]])
    _pass(X, s, 0, 1, chi2=np.inf, exact=False)
    P = s["precisions"][0]
    assert np.all(np.isfinite(P)) and np.isfinite(s["logdets"][0])
    # what remains is the first (Sherman--Morrison) update: (1 - w) C + w e* e*^T, e* = e / 2
    C1 = 0.5 * np.eye(d) + 0.5 * np.outer([5.0, 0.0], [5.0, 0.0])
    np.testing.assert_allclose(P, np.linalg.inv(C1), rtol=1e-12)
    assert s["logdets"][0] == pytest.approx(np.linalg.slogdet(C1)[1], rel=1e-12)
    np.testing.assert_allclose(s["means"][0], [5.0, 0.0])


def test_creation_uses_the_running_variance(rng):
    d = 3
    covs = [np.eye(d)]
    s = _manual_state(rng, covs, np.zeros((1, d)), np.array([30.0]), np.array([40.0]), cap=2)
    x = np.array([50.0, -40.0, 60.0])  # far from the component: novel
    run_mean, run_m2, n = s["run_mean"].copy(), s["run_m2"].copy(), s["run"][0]
    delta2 = 0.3
    assert _pass(x[None, :], s, 0, 1, delta2=delta2) == (1, 2)
    new_mean = run_mean + (x - run_mean) / (n + 1)
    variance = (run_m2 + (x - run_mean) * (x - new_mean)) / (n + 1)  # biased, including x
    np.testing.assert_array_equal(s["means"][1], x)
    np.testing.assert_allclose(s["precisions"][1], np.diag(1.0 / (delta2 * variance)), rtol=1e-14)
    assert s["logdets"][1] == pytest.approx(np.log(delta2 * variance).sum(), rel=1e-14)
    assert s["sp"][1] == 1.0 and s["ages"][1] == 1.0
    # the old component is older and otherwise untouched
    assert s["ages"][0] == 41.0 and s["sp"][0] == 30.0
    np.testing.assert_array_equal(s["precisions"][0], np.eye(d))
    np.testing.assert_array_equal(s["counts"], [1, 0, 0])


@pytest.mark.parametrize("x, expected_var", [
    ([3.0, -4.0], 1e-12 * 16.0),  # no spread yet: the floor, relative to max |x|^2
    ([0.0, 0.0], 1.0),  # nothing but zeros: no scale at all, unit variance
])
def test_first_point_gets_the_floored_variance(x, expected_var):
    s = _empty(1, 2)
    assert _pass(np.array([x]), s, delta2=0.5) == (1, 1)
    np.testing.assert_allclose(s["precisions"][0], np.eye(2) / (0.5 * expected_var), rtol=1e-14)
    assert s["logdets"][0] == pytest.approx(2 * np.log(0.5 * expected_var), rel=1e-14)


def test_identical_points_stay_finite():
    X = np.full((200, 3), 7.0)
    s = _empty(2, 3)
    assert _pass(X, s) == (200, 1)
    assert np.all(np.isfinite(s["precisions"][0])) and np.isfinite(s["logdets"][0])
    np.testing.assert_array_equal(s["means"][0], 7.0)
    assert s["sp"][0] == 200.0


def _stream(rng, n=300, d=2):
    centres = np.array([[-8.0] * d, [0.0] * d, [8.0] * d])
    X = centres[rng.integers(0, 3, n)] + rng.standard_normal((n, d))
    return X


def test_full_capacity_returns_early_and_resuming_matches_one_call(rng):
    X = _stream(rng)
    params = dict(chi2=9.2, v_min=60.0, sp_min=3.0)
    big = _empty(64, 2)
    end, k_big = _pass(X, big, **params)
    assert end == len(X) and k_big > 1

    small = _empty(1, 2)
    start, k = _pass(X, small, **params)
    assert 0 < start < len(X) and k == 1
    # nothing of the point that did not fit was learned
    assert small["run"][0] == start
    while start < len(X):
        assert k == small["means"].shape[0]  # it stopped only because it was full
        grown = _empty(k + 1, 2)
        for name in ("means", "precisions", "logdets", "sp", "ages"):
            grown[name][:k] = small[name][:k]
        for name in ("run_mean", "run_m2", "run", "counts"):
            grown[name] = small[name]
        small = grown
        start, k = _pass(X, small, start, k, **params)
    assert k == k_big
    for name in ("means", "precisions", "logdets", "sp", "ages"):
        np.testing.assert_array_equal(small[name][:k], big[name][:k])
    for name in ("run_mean", "run_m2", "run", "counts"):
        np.testing.assert_array_equal(small[name], big[name])


def test_counts_novel_points_at_the_component_limit():
    X = np.array([[0.0, 0.0], [100.0, 100.0], [-100.0, 50.0]])
    s = _empty(4, 2)
    assert _pass(X, s, max_components=1) == (3, 1)
    np.testing.assert_array_equal(s["counts"], [1, 0, 2])
    assert s["sp"][0] == 3.0  # the novel points updated the only component
    np.testing.assert_allclose(s["means"][0], X.mean(axis=0), rtol=1e-14)


def test_pruning_keeps_creation_order(rng):
    d = 2
    covs = [np.eye(d), 2 * np.eye(d), 0.5 * np.eye(d), np.eye(d)]
    means = np.array([[0.0, 0.0], [0.0, 300.0], [300.0, 0.0], [-300.0, 0.0]])
    sp = np.array([50.0, 2.0, 40.0, 1.0])
    ages = np.array([100.0, 100.0, 100.0, 5.0])  # 1 is old and light; 3 light but young
    s = _manual_state(rng, covs, means, sp, ages, cap=6)
    before = {name: s[name][:4].copy() for name in ("means", "precisions", "logdets", "sp")}
    X = np.array([[0.1, -0.2]])  # near component 0 only: the others' posteriors underflow
    assert _pass(X, s, 0, 4, chi2=np.inf, v_min=50.0, sp_min=3.0) == (1, 3)
    np.testing.assert_array_equal(s["counts"], [0, 1, 0])
    np.testing.assert_array_equal(s["ages"][:3], [101.0, 101.0, 6.0])
    np.testing.assert_array_equal(s["sp"][:3], [51.0, 40.0, 1.0])
    # the survivors 0, 2, 3 in creation order; 2 and 3 unchanged (posterior 0)
    np.testing.assert_allclose(s["means"][0], means[0] + (X[0] - means[0]) / 51.0, rtol=1e-14)
    for new, old in ((1, 2), (2, 3)):
        np.testing.assert_array_equal(s["means"][new], before["means"][old])
        np.testing.assert_array_equal(s["precisions"][new], before["precisions"][old])
        assert s["logdets"][new] == before["logdets"][old]


def test_pruning_never_removes_the_last_component():
    s = _empty(2, 2)
    s["precisions"][0] = np.eye(2)
    s["sp"][0], s["ages"][0] = 0.5, 1000.0
    s["run"][:] = 10.0, 1.0
    assert _pass(np.zeros((3, 2)), s, 0, 1, chi2=np.inf, v_min=10.0, sp_min=100.0) == (3, 1)
    assert s["counts"][1] == 0


def test_float32_points_give_the_float64_state(rng):
    X32 = _stream(rng).astype(np.float32)
    s32, s64 = _empty(16, 2), _empty(16, 2)
    k32 = _pass(X32, s32, chi2=9.2)[1]
    k64 = _pass(X32.astype(np.float64), s64, chi2=9.2)[1]
    assert k32 == k64 > 1
    for name in s32:
        np.testing.assert_array_equal(s32[name], s64[name])
