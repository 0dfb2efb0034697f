import numpy as np
import pytest

from lrsparse._kernels.prox import group_soft_threshold, soft_threshold, svd_shrink

DTYPES = [np.float64, np.float32]


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("shape", [(7,), (5, 4), (2, 3, 4), (0,), (0, 3)])
def test_soft_threshold_matches_numpy(rng, dtype, shape):
    x = rng.standard_normal(shape).astype(dtype)
    x_copy = x.copy()
    out = soft_threshold(x, 0.4)
    expected = np.sign(x) * np.maximum(np.abs(x) - 0.4, 0)
    assert out.dtype == dtype and out.shape == x.shape
    np.testing.assert_allclose(out, expected, rtol=1e-6, atol=1e-7)
    np.testing.assert_array_equal(x, x_copy)  # input untouched


def test_soft_threshold_non_contiguous(rng):
    x = rng.standard_normal((6, 5))[:, ::2]
    np.testing.assert_allclose(soft_threshold(x, 0.3), np.sign(x) * np.maximum(np.abs(x) - 0.3, 0))


def test_soft_threshold_is_prox_of_l1(rng):
    # prox minimises 0.5 ||z - x||^2 + t ||z||_1: no perturbation does better.
    x = rng.standard_normal(20)
    t = 0.5
    z = soft_threshold(x, t)
    f = lambda v: 0.5 * np.sum((v - x) ** 2) + t * np.abs(v).sum()  # noqa: E731
    for _ in range(50):
        assert f(z) <= f(z + 1e-3 * rng.standard_normal(20)) + 1e-12


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("axis", [0, 1])
def test_group_soft_threshold_matches_numpy(rng, dtype, axis):
    X = rng.standard_normal((6, 4)).astype(dtype)
    X[2] = 0.0  # a zero row must stay zero, with no division by zero
    X_copy = X.copy()
    norms = np.linalg.norm(X.astype(np.float64), axis=axis, keepdims=True)
    t = float(np.median(norms[norms > 0]))
    with np.errstate(divide="ignore", invalid="ignore"):
        expected = np.where(norms > t, 1 - t / norms, 0.0) * X
    out = group_soft_threshold(X, t, axis)
    assert out.dtype == dtype
    np.testing.assert_allclose(out, expected, rtol=1e-5, atol=1e-6)
    assert np.isfinite(out).all()
    np.testing.assert_array_equal(X, X_copy)
    # Some groups must be zeroed and some kept for this test to mean anything.
    kept = np.linalg.norm(out, axis=axis) > 0
    assert kept.any() and not kept.all()


@pytest.mark.parametrize("dtype", DTYPES)
def test_svd_shrink_matches_dense(rng, dtype):
    M = rng.standard_normal((8, 6)).astype(dtype)
    U, s, Vt = np.linalg.svd(M, full_matrices=False)
    tau = float(np.median(s))
    U2, s2, Vt2 = svd_shrink(U, s, Vt, tau)
    assert s2.dtype == dtype and U2.shape[1] == s2.size == Vt2.shape[0] == np.sum(s > tau)
    expected = (U * np.maximum(s - tau, 0)) @ Vt
    np.testing.assert_allclose((U2 * s2) @ Vt2, expected, rtol=1e-4, atol=1e-5)


def test_svd_shrink_all_removed(rng):
    U, s, Vt = np.linalg.svd(rng.standard_normal((4, 3)), full_matrices=False)
    U2, s2, Vt2 = svd_shrink(U, s, Vt, s.max() + 1)
    assert U2.shape == (4, 0) and s2.shape == (0,) and Vt2.shape == (0, 3)


@pytest.mark.parametrize("dtype", DTYPES)
def test_alm_sparse_step_matches_numpy(rng, dtype):
    from lrsparse._kernels.prox import alm_sparse_step

    D, L, Y = (rng.standard_normal((7, 5)).astype(dtype) for _ in range(3))
    copies = [a.copy() for a in (D, L, Y)]
    mu, lam = 2.0, 0.3
    S, Y_new, z2 = alm_sparse_step(D, L, Y, dtype(mu), lam)
    R = D.astype(np.float64) - L + Y / mu
    S_ref = np.sign(R) * np.maximum(np.abs(R) - lam / mu, 0)
    Z = D - L - S_ref
    tol = dict(rtol=1e-5, atol=1e-5) if dtype == np.float32 else dict(rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(S, S_ref, **tol)
    np.testing.assert_allclose(Y_new, Y + mu * Z, **tol)
    assert z2 == pytest.approx(float((Z**2).sum()), rel=1e-5)
    assert S.dtype == dtype and Y_new.dtype == dtype
    assert (S == 0).any() and (S != 0).any()
    for a, c in zip((D, L, Y), copies):
        np.testing.assert_array_equal(a, c)


def test_alm_sparse_step_empty():
    from lrsparse._kernels.prox import alm_sparse_step

    E = np.zeros((0, 3))
    S, Y, z2 = alm_sparse_step(E, E, E, 1.0, 0.5)
    assert S.shape == (0, 3) and Y.shape == (0, 3) and z2 == 0.0
