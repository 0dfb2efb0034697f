import numpy as np
import pytest

from lrsparse.metrics import abundance_rmse, match_components, spectral_angle_distance
from lrsparse.utils._sklearn import InvalidParameterError


def _unit_angles(*degrees):
    """2-D spectra at the given angles (degrees) from the first axis."""
    t = np.radians(degrees)
    return np.column_stack([np.cos(t), np.sin(t)])


# ----------------------------------------------------------------- spectral angle


def test_sad_known_angles():
    E = np.array([[1.0, 0.0, 0.0], [1.0, 2.0, 3.0], [1.0, 1.0, 0.0]])
    F = np.array([[0.0, 5.0, 0.0], [3.0, 6.0, 9.0], [1.0, 0.0, 0.0]])
    sad = spectral_angle_distance(E, F, average=False)
    np.testing.assert_allclose(sad, [np.pi / 2, 0.0, np.pi / 4], atol=1e-14)
    deg = spectral_angle_distance(E, F, average=False, degrees=True)
    np.testing.assert_allclose(deg, [90.0, 0.0, 45.0], atol=1e-12)
    assert isinstance(spectral_angle_distance(E, F), float)
    assert np.isclose(spectral_angle_distance(E, F), (np.pi / 2 + np.pi / 4) / 3)
    assert np.isclose(spectral_angle_distance(E, F, degrees=True), 45.0)


def test_sad_matches_arccos(rng):
    E = rng.standard_normal((6, 20))
    F = rng.standard_normal((6, 20))
    cos = np.sum(E * F, axis=1) / np.linalg.norm(E, axis=1) / np.linalg.norm(F, axis=1)
    np.testing.assert_allclose(
        spectral_angle_distance(E, F, average=False), np.arccos(cos), rtol=1e-12
    )
    # Opposite directions give pi; small angles are accurate.
    assert np.isclose(spectral_angle_distance(E[0], -E[0]), np.pi)
    theta = 1e-9
    a, b = _unit_angles(0.0, np.degrees(theta))
    assert np.isclose(spectral_angle_distance(a, b), theta, rtol=1e-6)


def test_sad_scale_invariant_and_symmetric(rng):
    E = rng.random((4, 30))
    F = rng.random((4, 30))
    d = spectral_angle_distance(E, F, average=False)
    np.testing.assert_allclose(spectral_angle_distance(3.0 * E, 0.5 * F, average=False), d)
    np.testing.assert_allclose(spectral_angle_distance(F, E, average=False), d)
    assert spectral_angle_distance(E, 7.0 * E) < 1e-7


def test_sad_one_dimensional():
    sad = spectral_angle_distance([1.0, 0.0], [1.0, 1.0])
    assert isinstance(sad, float) and np.isclose(sad, np.pi / 4)
    per_row = spectral_angle_distance([1.0, 0.0], [1.0, 1.0], average=False)
    assert per_row.shape == (1,)


def test_sad_errors():
    with pytest.raises(ValueError, match="E_true.*E_est"):
        spectral_angle_distance(np.ones((2, 3)), np.ones((3, 3)))
    with pytest.raises(ValueError, match="E_true.*E_est"):
        spectral_angle_distance(np.ones(3), np.ones(4))
    with pytest.raises(ValueError, match="E_est.*zero.*undefined"):
        spectral_angle_distance(np.ones((2, 3)), np.array([[1.0, 0, 0], [0, 0, 0]]))
    with pytest.raises(ValueError, match="E_true.*zero"):
        spectral_angle_distance(np.zeros(3), np.ones(3))
    with pytest.raises(ValueError, match="NaN"):
        spectral_angle_distance([1.0, np.nan], [1.0, 1.0])
    with pytest.raises(InvalidParameterError, match="degrees"):
        spectral_angle_distance([1.0, 0.0], [1.0, 1.0], degrees="yes")


# ------------------------------------------------------------------ abundance RMSE


def test_abundance_rmse_against_numpy(rng):
    A = rng.dirichlet(np.ones(4), size=50)
    B = rng.dirichlet(np.ones(4), size=50)
    expected = np.sqrt(((A - B) ** 2).mean(axis=0))
    np.testing.assert_allclose(abundance_rmse(A, B, average=False), expected)
    assert np.isclose(abundance_rmse(A, B), expected.mean())
    assert isinstance(abundance_rmse(A, B), float)
    assert abundance_rmse(A, A) == 0.0


def test_abundance_rmse_errors():
    with pytest.raises(ValueError, match="A_true.*A_est"):
        abundance_rmse(np.ones((5, 2)), np.ones((5, 3)))
    with pytest.raises(ValueError, match="2D array"):
        abundance_rmse(np.ones(5), np.ones(5))


# ---------------------------------------------------------------------- matching


@pytest.mark.parametrize("method", ["hungarian", "greedy"])
@pytest.mark.parametrize("metric", ["sad", "euclidean"])
def test_match_recovers_permutation(rng, method, metric):
    E = rng.random((6, 40)) + 0.1 * np.eye(6, 40) * 5
    perm_true = rng.permutation(6)
    scale = rng.uniform(0.5, 2.0, size=(6, 1))
    E_est = scale * E[perm_true] + 0.01 * rng.standard_normal((6, 40))
    perm = match_components(E, E_est, method=method, metric=metric)
    assert perm.dtype == np.intp and perm.shape == (6,)
    np.testing.assert_array_equal(E_est[perm], E_est[np.argsort(perm_true)])
    np.testing.assert_array_equal(perm_true[perm], np.arange(6))
    assert spectral_angle_distance(E, E_est[perm]) < spectral_angle_distance(E, E_est)


@pytest.mark.parametrize("method", ["hungarian", "greedy"])
def test_match_extra_estimates(rng, method):
    E = rng.random((3, 20))
    decoys = rng.random((2, 20))
    E_est = np.vstack([decoys[:1], E[2], E[0], decoys[1:], E[1]])
    perm = match_components(E, E_est, method=method)
    np.testing.assert_array_equal(perm, [2, 4, 1])


@pytest.mark.parametrize("metric", ["sad", "euclidean"])
def test_greedy_and_hungarian_differ(metric):
    # Angles (degrees): true 0 and 30, estimated 10 and -40.  Pair costs:
    # t0-e0 10, t0-e1 40, t1-e0 20, t1-e1 70.  Greedy takes the cheapest pair
    # (t0, e0) first and is left with (t1, e1): 80 in total; the optimum is
    # (t0, e1) + (t1, e0) = 60.
    E_true = _unit_angles(0.0, 30.0)
    E_est = _unit_angles(10.0, -40.0)
    greedy = match_components(E_true, E_est, method="greedy", metric=metric)
    hungarian = match_components(E_true, E_est, method="hungarian", metric=metric)
    np.testing.assert_array_equal(greedy, [0, 1])
    np.testing.assert_array_equal(hungarian, [1, 0])

    def total(perm):
        return spectral_angle_distance(E_true, E_est[perm], degrees=True) * 2

    assert np.isclose(total(greedy), 80.0) and np.isclose(total(hungarian), 60.0)


def test_match_errors():
    with pytest.raises(ValueError, match="n_est=2 and n_true=3"):
        match_components(np.eye(3) + 0.1, np.eye(3)[:2] + 0.1)
    with pytest.raises(ValueError, match="E_true.*E_est.*bands"):
        match_components(np.ones((2, 3)), np.ones((2, 4)))
    with pytest.raises(ValueError, match="E_est.*zero"):
        match_components(np.eye(2), np.array([[1.0, 0.0], [0.0, 0.0]]))
    with pytest.raises(InvalidParameterError, match="method"):
        match_components(np.eye(2), np.eye(2), method="munkres")
    with pytest.raises(InvalidParameterError, match="metric"):
        match_components(np.eye(2), np.eye(2), metric="cosine")


# ------------------------------------------------------------------------- scale

SCALES = [1e-300, 1e-100, 1e-6, 1.0, 1e6, 1e100, 1e300]


@pytest.fixture
def endmembers():
    from lrsparse.datasets import make_hyperspectral

    _, E, A = make_hyperspectral((6, 6), 3, 20, random_state=0)
    rng = np.random.default_rng(1)
    E_est = E * (1 + 0.1 * rng.random(E.shape))
    A_est = A + 0.05 * rng.random(A.shape)
    return E, E_est[[2, 0, 1]], A, A_est


@pytest.mark.parametrize("factor", SCALES)
def test_metrics_at_any_scale(endmembers, factor):
    E, E_est, A, A_est = endmembers
    # Spectra of magnitude 1e-300 are not "all-zero": only zero rows are.
    sad = spectral_angle_distance(E[[1, 2, 0]], E_est, average=False)
    assert sad.min() > 0
    np.testing.assert_allclose(
        spectral_angle_distance(E[[1, 2, 0]] * factor, E_est * factor, average=False),
        sad, rtol=1e-12)
    np.testing.assert_allclose(
        spectral_angle_distance(E[[1, 2, 0]], E_est * factor, average=False), sad, rtol=1e-12)
    for method in ("hungarian", "greedy"):
        for metric in ("sad", "euclidean"):
            perm = match_components(E * factor, E_est * factor, method=method, metric=metric)
            np.testing.assert_array_equal(perm, [1, 2, 0])
    rmse = abundance_rmse(A, A_est, average=False)
    np.testing.assert_allclose(abundance_rmse(A * factor, A_est * factor, average=False),
                               rmse * factor, rtol=1e-12)


def test_subnormal_spectra_are_a_clear_error():
    tiny = np.array([[1e-310, 2e-310, 0.0], [1.0, 1.0, 1.0]])
    with pytest.raises(ValueError, match=r"E_est\[0\] are too small for float64"):
        spectral_angle_distance(np.ones((2, 3)), tiny)
    with pytest.raises(ValueError, match="A_true are too small for float64"):
        abundance_rmse(tiny[:1], tiny[:1])
