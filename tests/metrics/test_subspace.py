import numpy as np
import pytest

from lrsparse.metrics import principal_angles, subspace_distance


def test_known_angles():
    A = np.array([[1.0, 0.0], [0.0, 1.0], [0.0, 0.0]])
    theta = 0.3
    B = np.array([[1.0, 0.0], [0.0, np.cos(theta)], [0.0, np.sin(theta)]])
    np.testing.assert_allclose(principal_angles(A, B), [0.0, theta], atol=1e-12)
    assert np.isclose(subspace_distance(A, B), np.sin(theta))


def test_equals_projector_distance(rng):
    A = rng.standard_normal((10, 3))
    B = rng.standard_normal((10, 3))
    Pa = A @ np.linalg.pinv(A)
    Pb = B @ np.linalg.pinv(B)
    assert np.isclose(subspace_distance(A, B), np.linalg.norm(Pa - Pb, 2))


def test_basis_invariance(rng):
    A = rng.standard_normal((8, 2))
    M = rng.standard_normal((2, 2)) + 3 * np.eye(2)
    assert subspace_distance(A, A @ M) < 1e-10
    assert subspace_distance(A, A[:, :1]) == 1.0  # different dimensions


def test_shape_mismatch():
    with pytest.raises(ValueError, match="same number of rows"):
        subspace_distance(np.ones((3, 1)), np.ones((4, 1)))


@pytest.mark.parametrize("factor", [1e-300, 1e-100, 1e-6, 1.0, 1e6, 1e100, 1e300])
def test_scale_invariant(rng, factor):
    A = rng.standard_normal((8, 3))
    B = A + 0.05 * rng.standard_normal((8, 3))
    d = subspace_distance(A, B)
    assert 0 < d < 0.5
    assert subspace_distance(A * factor, B * factor) == pytest.approx(d, rel=1e-10)
    np.testing.assert_allclose(principal_angles(A * factor, B), principal_angles(A, B),
                               rtol=1e-10, atol=1e-15)
