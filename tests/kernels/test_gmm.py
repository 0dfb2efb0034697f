"""The per-batch kernels of the incremental Gaussian mixture, called directly.

:func:`lrsparse._kernels.gmm.igmn_pass` against a NumPy transcription of one
learning step (posterior, mean, exact or published covariance recursion,
inverted and ``slogdet``-ed directly), creation from the running spread
(per-feature ``delta`` and floors), groups (a point meets only its group's
components), the early return when the capacity is full (and resuming from
it), the counters, pruning in creation order; :func:`running_stats`.
"""

import numpy as np
import pytest
from scipy.special import softmax

from lrsparse._kernels.gmm import igmn_pass, running_stats

_FLOOR = 1e-12  # the relative variance floor of a new component (gmm._VAR_FLOOR)
STATE = ("means", "precisions", "logdets", "sp", "ages", "groups")
RUNNING = ("run_mean", "run_m2", "run", "counts")


def _empty(cap, d):
    return dict(
        means=np.zeros((cap, d)), precisions=np.zeros((cap, d, d)), logdets=np.zeros(cap),
        sp=np.zeros(cap), ages=np.zeros(cap), groups=np.zeros(cap, dtype=np.int64),
        run_mean=np.zeros(d), run_m2=np.zeros(d), run=np.zeros(d + 1),
        counts=np.zeros(3, dtype=np.int64),
    )


def _pass(X, state, start=0, k=0, *, G=None, delta2=0.25, nu0=3.0, chi2=6.0, v_min=1e9,
          sp_min=0.0, max_components=100, exact=True, update_stats=True):
    s = state
    n, d = X.shape
    G = np.zeros(n, dtype=np.int64) if G is None else np.asarray(G, dtype=np.int64)
    delta2 = np.broadcast_to(np.asarray(delta2, dtype=np.float64), (d,)).copy()
    return igmn_pass(X, G, start, k, s["means"], s["precisions"], s["logdets"], s["sp"],
                     s["ages"], s["groups"], s["run_mean"], s["run_m2"], s["run"], s["counts"],
                     delta2, nu0, chi2, v_min, sp_min, max_components, exact, update_stats)


def _random_cov(rng, d):
    A = rng.standard_normal((d, d))
    return A @ A.T / d + 0.5 * np.eye(d)


def _manual_state(rng, covs, means, sp, ages, cap=None, n_seen=50.0, groups=None):
    """A state holding the given components and a running spread of ``n_seen`` points."""
    k, d = means.shape
    s = _empty(cap or k, d)
    s["means"][:k] = means
    for j, C in enumerate(covs):
        P = np.linalg.inv(C)
        s["precisions"][j] = (P + P.T) / 2
        s["logdets"][j] = np.linalg.slogdet(C)[1]
    s["sp"][:k], s["ages"][:k] = sp, ages
    if groups is not None:
        s["groups"][:k] = groups
    s["run_mean"][:] = rng.standard_normal(d)
    s["run_m2"][:] = n_seen * rng.uniform(0.5, 2.0, d)
    s["run"][0], s["run"][1:] = n_seen, 10.0
    return s


def _copy(s):
    return {name: value.copy() for name, value in s.items()}


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


def _welford_reference(x, run_mean, run_m2, n):
    new_mean = run_mean + (x - run_mean) / (n + 1)
    return new_mean, run_m2 + (x - run_mean) * (x - new_mean)


# ------------------------------------------------------------ one update
@pytest.mark.parametrize("exact", [True, False])
@pytest.mark.parametrize("d", [1, 3, 6])
def test_one_update_step_equals_numpy(rng, exact, d):
    k = 3
    covs = [_random_cov(rng, d) for _ in range(k)]
    means = rng.standard_normal((k, d))
    sp, ages = np.array([4.0, 9.0, 2.5]), np.array([10.0, 20.0, 5.0])
    s = _manual_state(rng, covs, means, sp, ages, cap=5)
    x = means.mean(axis=0) + 0.3 * rng.standard_normal(d)
    run_mean, run_m2, n = s["run_mean"].copy(), s["run_m2"].copy(), s["run"][0]
    nu0 = d + 1.0
    assert _pass(x[None, :], s, 0, k, nu0=nu0, chi2=np.inf, exact=exact) == (1, k)
    exp_means, exp_covs, exp_sp, post = _step_reference(x, means, covs, sp, nu0, exact)
    assert np.all(post > 1e-3)  # every component takes a real share
    np.testing.assert_allclose(s["means"][:k], exp_means, rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(s["sp"][:k], exp_sp, rtol=1e-13)
    np.testing.assert_array_equal(s["ages"][:k], ages + 1)
    for j in range(k):
        if not exact:
            # the published form is applied only where it stays positive definite
            assert np.all(np.linalg.eigvalsh(exp_covs[j]) > 0)
        P = s["precisions"][j]
        np.testing.assert_allclose(P, np.linalg.inv(exp_covs[j]), rtol=1e-10,
                                   atol=1e-10 * np.abs(P).max())
        np.testing.assert_array_equal(P, P.T)
        assert s["logdets"][j] == pytest.approx(np.linalg.slogdet(exp_covs[j])[1], abs=1e-11)
    # Welford's running statistics now include x
    new_mean, new_m2 = _welford_reference(x, run_mean, run_m2, n)
    np.testing.assert_allclose(s["run_mean"], new_mean, rtol=1e-14)
    np.testing.assert_allclose(s["run_m2"], new_m2, rtol=1e-14)
    assert s["run"][0] == n + 1
    np.testing.assert_array_equal(s["run"][1:], np.maximum(10.0, np.abs(x)))
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
    s["run"][0] = 1.0
    _pass(np.array([[10.0, 0.0]]), s, 0, 1, chi2=np.inf, exact=False)
    P = s["precisions"][0]
    assert np.all(np.isfinite(P)) and np.isfinite(s["logdets"][0])
    # what remains is the first (Sherman--Morrison) update: (1 - w) C + w e* e*^T, e* = e / 2
    C1 = 0.5 * np.eye(d) + 0.5 * np.outer([5.0, 0.0], [5.0, 0.0])
    np.testing.assert_allclose(P, np.linalg.inv(C1), rtol=1e-12)
    assert s["logdets"][0] == pytest.approx(np.linalg.slogdet(C1)[1], rel=1e-12)
    np.testing.assert_allclose(s["means"][0], [5.0, 0.0])


# -------------------------------------------------------------- creation
def test_creation_uses_the_running_variance_and_per_feature_delta(rng):
    d = 3
    s = _manual_state(rng, [np.eye(d)], np.zeros((1, d)), np.array([30.0]), np.array([40.0]),
                      cap=2)
    x = np.array([50.0, -40.0, 60.0])  # far from the component: novel
    run_mean, run_m2, n = s["run_mean"].copy(), s["run_m2"].copy(), s["run"][0]
    delta2 = np.array([0.3, 1.0, 0.05])
    assert _pass(x[None, :], s, 0, 1, delta2=delta2) == (1, 2)
    _, new_m2 = _welford_reference(x, run_mean, run_m2, n)
    variance = new_m2 / (n + 1)  # biased, including x
    np.testing.assert_array_equal(s["means"][1], x)
    np.testing.assert_allclose(s["precisions"][1], np.diag(1.0 / (delta2 * variance)), rtol=1e-14)
    assert s["logdets"][1] == pytest.approx(np.log(delta2 * variance).sum(), rel=1e-14)
    assert s["sp"][1] == 1.0 and s["ages"][1] == 1.0
    # the old component is older and otherwise untouched
    assert s["ages"][0] == 41.0 and s["sp"][0] == 30.0
    np.testing.assert_array_equal(s["precisions"][0], np.eye(d))
    np.testing.assert_array_equal(s["counts"], [1, 0, 0])


@pytest.mark.parametrize("x, expected_var", [
    # no spread yet: each feature's floor, relative to its own max |x_i|^2 ...
    ([3.0, -4.0], [9e-12, 16e-12]),
    # ... or, for a feature that has only been zero, to the largest of the others
    ([3.0, 0.0], [9e-12, 9e-12]),
    ([0.0, 0.0], [1.0, 1.0]),  # nothing but zeros: no scale at all, unit variances
])
def test_first_point_gets_the_floored_variance(x, expected_var):
    s = _empty(1, 2)
    assert _pass(np.array([x]), s, delta2=0.5) == (1, 1)
    var = 0.5 * np.array(expected_var)
    np.testing.assert_allclose(s["precisions"][0], np.diag(1.0 / var), rtol=1e-14)
    assert s["logdets"][0] == pytest.approx(np.log(var).sum(), rel=1e-14)


def test_a_constant_feature_gets_a_size_in_its_own_units(rng):
    X = np.column_stack([rng.standard_normal(30), np.full(30, 1e-3)])
    s = _empty(4, 2)
    running_stats(X, s["run_mean"], s["run_m2"], s["run"])
    _pass(X[:1], s, delta2=1.0, update_stats=False)
    var = 1.0 / np.diag(s["precisions"][0])
    assert var[0] == pytest.approx(X[:, 0].var(), rel=1e-12)
    assert var[1] == pytest.approx(_FLOOR * 1e-6, rel=1e-6)


def test_identical_points_stay_finite():
    X = np.full((200, 3), 7.0)
    s = _empty(2, 3)
    assert _pass(X, s) == (200, 1)
    assert np.all(np.isfinite(s["precisions"][0])) and np.isfinite(s["logdets"][0])
    np.testing.assert_array_equal(s["means"][0], 7.0)
    assert s["sp"][0] == 200.0


# --------------------------------------------------------- running_stats
def test_running_stats_is_welford_and_igmn_pass_can_skip_it(rng):
    X = 5.0 + 3.0 * rng.standard_normal((40, 3))
    s = _empty(1, 3)
    running_stats(X, s["run_mean"], s["run_m2"], s["run"])
    np.testing.assert_allclose(s["run_mean"], X.mean(axis=0), rtol=1e-13)
    np.testing.assert_allclose(s["run_m2"] / 40, X.var(axis=0), rtol=1e-12)
    assert s["run"][0] == 40
    np.testing.assert_array_equal(s["run"][1:], np.abs(X).max(axis=0))
    # points already counted (update_stats=False): the spread is not touched,
    # and the first component is sized on all of it
    before = _copy(s)
    assert _pass(X[:1], s, delta2=0.5, update_stats=False) == (1, 1)
    for name in ("run_mean", "run_m2", "run"):
        np.testing.assert_array_equal(s[name], before[name])
    np.testing.assert_allclose(s["precisions"][0], np.diag(1.0 / (0.5 * X.var(axis=0))),
                               rtol=1e-12)
    # ... while update_stats=True counts the point once more
    _pass(X[:1], before, delta2=0.5)
    assert before["run"][0] == 41


# --------------------------------------------------- capacity and counters
def _stream(rng, n=300, d=2):
    centres = np.array([[-8.0] * d, [0.0] * d, [8.0] * d])
    return centres[rng.integers(0, 3, n)] + rng.standard_normal((n, d))


def _grow(s, k):
    grown = _empty(k + 1, s["means"].shape[1])
    for name in STATE:
        grown[name][:k] = s[name][:k]
    for name in RUNNING:
        grown[name] = s[name]
    return grown


def test_full_capacity_returns_early_and_resuming_matches_one_call(rng):
    X = _stream(rng)
    G = rng.integers(0, 2, len(X))  # two groups, to carry them across the growth too
    params = dict(G=G, chi2=9.2, v_min=60.0, sp_min=3.0)
    big = _empty(64, 2)
    end, k_big = _pass(X, big, **params)
    assert end == len(X) and k_big > 2

    small = _empty(1, 2)
    start, k = _pass(X, small, **params)
    assert 0 < start < len(X) and k == 1
    assert small["run"][0] == start  # nothing of the point that did not fit was learned
    resumed = 0
    while start < len(X):
        assert k == small["means"].shape[0]  # it stopped only because it was full
        small = _grow(small, k)
        start, k = _pass(X, small, start, k, **params)
        resumed += 1
    assert resumed >= k_big - 1 and k == k_big
    for name in STATE:
        np.testing.assert_array_equal(small[name][:k], big[name][:k], err_msg=name)
    for name in RUNNING:
        np.testing.assert_array_equal(small[name], big[name], err_msg=name)


def test_counts_novel_points_at_the_component_limit():
    X = np.array([[0.0, 0.0], [100.0, 100.0], [-100.0, 50.0]])
    s = _empty(4, 2)
    assert _pass(X, s, max_components=1) == (3, 1)
    np.testing.assert_array_equal(s["counts"], [1, 0, 2])
    assert s["sp"][0] == 3.0  # the novel points updated the only component
    np.testing.assert_allclose(s["means"][0], X.mean(axis=0), rtol=1e-14)


# ---------------------------------------------------------------- groups
def test_a_point_meets_only_its_groups_components(rng):
    d = 2
    covs = [np.eye(d), np.eye(d)]
    means = np.array([[0.0, 0.0], [0.5, 0.0]])  # close: both would share a point
    s = _manual_state(rng, covs, means, np.array([5.0, 5.0]), np.array([5.0, 5.0]), cap=4,
                      groups=[0, 1])
    before = _copy(s)
    x = np.array([[0.2, 0.1]])
    assert _pass(x, s, 0, 2, G=[1], chi2=np.inf) == (1, 2)
    # component 0 (group 0) is not updated nor aged; component 1 took the whole point
    for name in ("means", "precisions", "logdets", "sp", "ages"):
        np.testing.assert_array_equal(s[name][0], before[name][0], err_msg=name)
    assert s["sp"][1] == 6.0 and s["ages"][1] == 6.0
    np.testing.assert_allclose(s["means"][1], means[1] + (x[0] - means[1]) / 6.0, rtol=1e-14)


def test_a_new_group_gets_a_component_even_at_the_limit():
    X = np.array([[0.0, 0.0], [0.1, 0.0], [0.0, 0.1]])
    s = _empty(4, 2)
    assert _pass(X, s, G=[0, 1, 2], max_components=1) == (3, 3)
    np.testing.assert_array_equal(s["groups"][:3], [0, 1, 2])
    np.testing.assert_array_equal(s["counts"], [3, 0, 0])
    np.testing.assert_array_equal(s["means"][:3], X)


# --------------------------------------------------------------- pruning
def test_pruning_keeps_creation_order(rng):
    d = 2
    covs = [np.eye(d), 2 * np.eye(d), 0.5 * np.eye(d), np.eye(d)]
    means = np.array([[0.0, 0.0], [0.0, 300.0], [300.0, 0.0], [-300.0, 0.0]])
    sp = np.array([50.0, 2.0, 40.0, 1.0])
    ages = np.array([100.0, 100.0, 100.0, 5.0])  # 1 is old and light; 3 light but young
    s = _manual_state(rng, covs, means, sp, ages, cap=6, groups=[0, 0, 0, 0])
    before = _copy(s)
    X = np.array([[0.1, -0.2]])  # near component 0 only: the others' posteriors underflow
    assert _pass(X, s, 0, 4, chi2=np.inf, v_min=50.0, sp_min=3.0) == (1, 3)
    np.testing.assert_array_equal(s["counts"], [0, 1, 0])
    np.testing.assert_array_equal(s["ages"][:3], [101.0, 101.0, 6.0])
    np.testing.assert_array_equal(s["sp"][:3], [51.0, 40.0, 1.0])
    # the survivors 0, 2, 3 in creation order; 2 and 3 unchanged (posterior 0)
    np.testing.assert_allclose(s["means"][0], means[0] + (X[0] - means[0]) / 51.0, rtol=1e-14)
    for new, old in ((1, 2), (2, 3)):
        for name in ("means", "precisions", "logdets", "groups"):
            np.testing.assert_array_equal(s[name][new], before[name][old], err_msg=name)


def test_pruning_keeps_one_component_per_group(rng):
    d = 2
    covs = [np.eye(d)] * 3
    means = np.array([[0.0, 0.0], [50.0, 0.0], [0.0, 50.0]])
    sp, ages = np.array([0.5, 0.5, 0.5]), np.array([1000.0, 1000.0, 1000.0])
    s = _manual_state(rng, covs, means, sp, ages, cap=4, groups=[0, 1, 1])
    # a point of group 1 near component 1: component 2 (group 1) is pruned;
    # component 0, alone in group 0 and not met by the point, stays
    assert _pass(np.array([[50.0, 0.1]]), s, 0, 3, G=[1], chi2=np.inf, v_min=10.0,
                 sp_min=100.0) == (1, 2)
    np.testing.assert_array_equal(s["groups"][:2], [0, 1])
    np.testing.assert_array_equal(s["means"][0], means[0])
    assert s["counts"][1] == 1
    # the last one of a group is never pruned
    assert _pass(np.zeros((3, 2)), s, 0, 2, G=[0, 0, 0], chi2=np.inf, v_min=10.0,
                 sp_min=100.0) == (3, 2)
    assert s["counts"][1] == 1


# ----------------------------------------------------------------- dtypes
def test_float32_points_give_the_float64_state(rng):
    X32 = _stream(rng).astype(np.float32)
    s32, s64 = _empty(16, 2), _empty(16, 2)
    k32 = _pass(X32, s32, chi2=9.2)[1]
    k64 = _pass(X32.astype(np.float64), s64, chi2=9.2)[1]
    assert k32 == k64 > 1
    for name in s32:
        np.testing.assert_array_equal(s32[name], s64[name])
