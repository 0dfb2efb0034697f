import numpy as np
import pytest

from lrsparse._kernels.rankone import logdet_rank_one_update, sherman_morrison_update


def _spd(rng, n):
    M = rng.standard_normal((n, n))
    return M @ M.T + n * np.eye(n)


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_sherman_morrison_matches_inverse(rng, dtype):
    A = _spd(rng, 5)
    u, v = rng.standard_normal(5), rng.standard_normal(5)
    Ainv = np.linalg.inv(A).astype(dtype)
    Ainv_copy = Ainv.copy()
    out = sherman_morrison_update(Ainv, u.astype(dtype), v.astype(dtype))
    assert out.dtype == dtype
    rtol = 1e-10 if dtype == np.float64 else 1e-4
    np.testing.assert_allclose(out, np.linalg.inv(A + np.outer(u, v)), rtol=rtol, atol=rtol)
    np.testing.assert_array_equal(Ainv, Ainv_copy)


def test_sherman_morrison_downdate(rng):
    A = _spd(rng, 4)
    u = 0.3 * rng.standard_normal(4)
    out = sherman_morrison_update(np.linalg.inv(A), -u, u)
    np.testing.assert_allclose(out, np.linalg.inv(A - np.outer(u, u)), rtol=1e-10)


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_logdet_update_matches_slogdet(rng, dtype):
    A = _spd(rng, 6)
    u, v = rng.standard_normal(6), rng.standard_normal(6)
    logdet = np.linalg.slogdet(A)[1]
    new, sign = logdet_rank_one_update(logdet, np.linalg.inv(A).astype(dtype), u.astype(dtype),
                                       v.astype(dtype))
    s_ref, l_ref = np.linalg.slogdet(A + np.outer(u, v))
    assert sign == s_ref
    np.testing.assert_allclose(new, l_ref, rtol=1e-5 if dtype == np.float32 else 1e-12)


def test_logdet_update_sign_flip_and_singular():
    A = np.eye(2)
    # factor 1 + v^T u = 1 - 2 < 0: the determinant changes sign.
    new, sign = logdet_rank_one_update(0.0, A, np.array([1.0, 0.0]), np.array([-2.0, 0.0]))
    assert sign == -1.0 and np.isclose(new, 0.0)
    new, sign = logdet_rank_one_update(0.0, A, np.array([1.0, 0.0]), np.array([-1.0, 0.0]))
    assert sign == 0.0 and new == -np.inf
