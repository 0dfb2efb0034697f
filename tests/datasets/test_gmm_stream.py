import numpy as np
import pytest

from lrsparse.datasets import make_gmm_stream


def _largest_std(covariances):
    return np.sqrt(np.linalg.eigvalsh(covariances)[:, -1])


@pytest.mark.parametrize("n_features, n_components", [(1, 1), (1, 6), (2, 4), (7, 3), (20, 5)])
def test_shapes_and_types(n_features, n_components):
    X, y, means, covariances = make_gmm_stream(300, n_features, n_components, random_state=0)
    assert X.shape == (300, n_features) and X.dtype == np.float64
    assert y.shape == (300,) and y.dtype == np.int64
    assert means.shape == (n_components, n_features)
    assert covariances.shape == (n_components, n_features, n_features)
    assert set(np.unique(y)) <= set(range(n_components))
    assert np.all(np.isfinite(X))


def test_defaults():
    X, y, means, covariances = make_gmm_stream(random_state=0)
    assert X.shape == (1000, 2) and means.shape == (3, 2) and covariances.shape == (3, 2, 2)


def test_reproducible():
    a = make_gmm_stream(200, 3, 4, drift=0.5, random_state=7)
    b = make_gmm_stream(200, 3, 4, drift=0.5, random_state=np.random.RandomState(7))
    c = make_gmm_stream(200, 3, 4, drift=0.5, random_state=8)
    for u, v in zip(a, b):
        np.testing.assert_array_equal(u, v)
    assert not np.array_equal(a[0], c[0]) and not np.array_equal(a[2], c[2])


def test_components_depend_only_on_the_mixture_arguments():
    _, _, means, covariances = make_gmm_stream(100, 3, 4, random_state=0)
    for kwargs in ({"n_samples": 37}, {"drift": 1.0}, {"weights": [4, 3, 2, 1]}):
        _, _, m, c = make_gmm_stream(**{"n_samples": 100, "n_features": 3, "n_components": 4,
                                        "random_state": 0, **kwargs})
        np.testing.assert_array_equal(m, means)
        np.testing.assert_array_equal(c, covariances)


@pytest.mark.parametrize("n_features", [1, 2, 5, 30])
def test_covariances_spd_condition_number(n_features):
    _, _, _, covariances = make_gmm_stream(10, n_features, 8, random_state=1)
    for c in covariances:
        np.testing.assert_array_equal(c, c.T)
        eig = np.linalg.eigvalsh(c)
        # eigenvalues uniform in [0.1, 1] (up to rounding of the rotation)
        assert eig[0] >= 0.1 * (1 - 1e-12) and eig[-1] <= 1 + 1e-12
        assert eig[-1] / eig[0] <= 10 * (1 + 1e-10)
    if n_features == 30:
        # the eigenvalues spread over the interval, not all at one end
        eig = np.linalg.eigvalsh(covariances).ravel()
        assert eig.min() < 0.15 and eig.max() > 0.95 and 0.45 < np.median(eig) < 0.65
        # random rotations: not diagonal
        off = ~np.eye(30, dtype=bool)
        assert np.abs(covariances[0][off]).max() > 0.05


@pytest.mark.parametrize("n_features, n_components, separation",
                         [(1, 30, 5.0), (2, 25, 5.0), (2, 4, 20.0), (3, 10, 8.0),
                          (16, 10, 5.0), (2, 6, 0.0), (2, 3, 1e100), (1, 5, 1e-3)])
@pytest.mark.parametrize("seed", [0, 1])
def test_separation_guarantee(n_features, n_components, separation, seed):
    X, y, means, covariances = make_gmm_stream(50, n_features, n_components,
                                               separation=separation, random_state=seed)
    assert np.all(np.isfinite(means)) and np.all(np.isfinite(X))
    s = _largest_std(covariances)
    side = 2 * max(separation, 1) * n_components ** (1 / n_features)
    assert np.all(np.abs(means) <= side / 2 * 1.5 ** 8)  # in the cube (or a few times larger)
    for i in range(n_components):
        for j in range(i):
            # divide first: no overflow at separation = 1e100
            gap = np.linalg.norm(means[i] / separation - means[j] / separation) if separation \
                else np.inf
            assert gap >= max(s[i], s[j]) * (1 - 1e-12)


def test_tight_packing_grows_the_cube(monkeypatch):
    # At the default sizes a draw almost never jams; with one candidate per
    # try and one try per component it does, and the cube must grow (by half
    # each time) until all means fit, still separated.
    from lrsparse.datasets import _gmm

    monkeypatch.setattr(_gmm, "_BLOCK", 1)
    monkeypatch.setattr(_gmm, "_MAX_BLOCKS", 1)
    _, _, means, covariances = make_gmm_stream(40, 1, 30, separation=5.0, random_state=3)
    side = 2 * 5.0 * 30
    assert np.abs(means).max() > side / 2  # the cube grew
    s = _largest_std(covariances)
    order = np.argsort(means[:, 0])
    gaps = np.diff(means[order, 0])
    need = 5 * np.maximum(s[order][1:], s[order][:-1])
    assert np.all(gaps >= need * (1 - 1e-12))


def test_points_follow_their_component():
    X, y, means, covariances = make_gmm_stream(20000, 3, 3, random_state=2)
    for k in range(3):
        rows = X[y == k]
        # mean error ~ 1/sqrt(6700); covariance error ~ sqrt(2/6700)
        np.testing.assert_allclose(rows.mean(axis=0), means[k], atol=0.05)
        np.testing.assert_allclose(np.cov(rows.T), covariances[k], atol=0.06)


def test_iid_label_proportions():
    weights = np.array([1.0, 2.0, 3.0, 4.0])
    _, y, _, _ = make_gmm_stream(20000, 2, 4, weights=weights, random_state=0)
    freq = np.bincount(y, minlength=4) / y.size
    # binomial sd <= sqrt(0.25 / 20000) = 0.0035
    np.testing.assert_allclose(freq, weights / weights.sum(), atol=0.015)
    # i.i.d.: every component present in the first and the last tenth
    assert set(y[:2000]) == set(y[-2000:]) == set(range(4))
    # equal weights by default
    _, y, _, _ = make_gmm_stream(20000, 2, 5, random_state=1)
    np.testing.assert_allclose(np.bincount(y) / y.size, 0.2, atol=0.015)


@pytest.mark.parametrize("n_samples, n_components, drift",
                         [(1000, 4, 1.0), (999, 3, 0.5), (100, 5, 0.05), (10, 10, 1.0),
                          (7, 3, 1.0), (50, 1, 0.3)])
def test_drift_first_appearances(n_samples, n_components, drift):
    _, y, _, _ = make_gmm_stream(n_samples, 2, n_components, drift=drift, random_state=0)
    first = [int(np.flatnonzero(y == k)[0]) for k in range(n_components)]
    expected = [int(round(drift * n_samples * k / n_components)) for k in range(n_components)]
    assert first == expected
    # in between, only the components already present
    for k in range(n_components):
        end = expected[k + 1] if k + 1 < n_components else n_samples
        assert y[expected[k]:end].max() == k


def test_drift_one_last_component_at_the_end_fraction():
    _, y, _, _ = make_gmm_stream(1000, 2, 4, drift=1.0, random_state=5)
    assert [int(np.argmax(y == k)) for k in range(4)] == [0, 250, 500, 750]


def test_drift_segment_proportions():
    # Between t_k and t_{k+1} labels are drawn among 0..k proportionally to weights.
    weights = np.array([3.0, 1.0, 2.0])
    n = 30000
    _, y, _, _ = make_gmm_stream(n, 2, 3, drift=1.0, weights=weights, random_state=4)
    starts = [0, 10000, 20000, n]
    for k in range(3):
        seg = y[starts[k] + 1:starts[k + 1]]
        freq = np.bincount(seg, minlength=3) / seg.size
        expected = np.zeros(3)
        expected[:k + 1] = weights[:k + 1] / weights[:k + 1].sum()
        np.testing.assert_allclose(freq, expected, atol=0.02)  # sd <= 0.005


def test_small_drift_is_iid_after_the_appearances():
    _, y, _, _ = make_gmm_stream(20000, 2, 4, drift=0.01, random_state=0)
    assert [int(np.argmax(y == k)) for k in range(4)] == [0, 50, 100, 150]
    np.testing.assert_allclose(np.bincount(y[150:]) / y[150:].size, 0.25, atol=0.015)


def test_weights_normalised_and_not_modified():
    weights = np.array([1e300, 1e300, 2e300])  # sum overflows unless normalised with care
    before = weights.copy()
    _, y, _, _ = make_gmm_stream(8000, 1, 3, weights=weights, random_state=0)
    np.testing.assert_array_equal(weights, before)
    np.testing.assert_allclose(np.bincount(y) / y.size, [0.25, 0.25, 0.5], atol=0.03)
    # scaled weights: the same stream
    a = make_gmm_stream(100, 2, 3, weights=[1, 2, 3], random_state=0)
    b = make_gmm_stream(100, 2, 3, weights=[10, 20, 30], random_state=0)
    np.testing.assert_array_equal(a[1], b[1])


@pytest.mark.parametrize(
    "kwargs, match",
    [
        ({"n_samples": 0}, "n_samples"),
        ({"n_samples": 10.0}, "n_samples"),
        ({"n_features": 0}, "n_features"),
        ({"n_features": "2"}, "n_features"),
        ({"n_components": 0}, "n_components"),
        ({"drift": -0.1}, "drift"),
        ({"drift": 1.5}, "drift"),
        ({"drift": np.nan}, "drift"),
        ({"separation": -1.0}, "separation"),
        ({"separation": np.inf}, "separation"),
        ({"separation": 1e101}, "separation"),
        ({"separation": np.nan}, "separation"),
        ({"weights": [1.0, 2.0]}, "weights"),
        ({"weights": [[1.0, 2.0, 3.0]]}, "weights"),
        ({"weights": [1.0, 0.0, 3.0]}, "weights"),
        ({"weights": [1.0, -1.0, 3.0]}, "weights"),
        ({"weights": [1.0, np.nan, 3.0]}, "weights"),
        ({"weights": [1.0, np.inf, 3.0]}, "weights"),
        ({"weights": "equal"}, "weights"),
        ({"random_state": "seed"}, "random_state"),
        # drift > 0: the first positions round(drift n k / K) must be distinct
        ({"n_samples": 5, "n_components": 6, "drift": 1.0}, "drift"),
        ({"n_samples": 100, "n_components": 3, "drift": 0.01}, "drift"),
    ],
)
def test_bad_arguments(kwargs, match):
    with pytest.raises(ValueError, match=match):
        make_gmm_stream(**kwargs)


def test_more_components_than_samples_iid():
    # drift=0 has no constraint: some components may not be drawn at all
    X, y, means, _ = make_gmm_stream(3, 2, 10, random_state=0)
    assert X.shape == (3, 2) and means.shape == (10, 2)
