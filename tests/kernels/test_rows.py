import numpy as np
import pytest

from lrsparse._kernels.rows import _warm_up, add_weighted_rows, normalize_rows, row_norms

FACTORS = [1e-300, 1e-200, 1e-100, 1e-6, 1.0, 1e6, 1e100, 1e200, 1e300]


@pytest.fixture
def X(rng):
    X = rng.standard_normal((7, 5))
    X[3] = 0.0
    return X


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_row_norms_and_normalize_match_numpy(X, dtype):
    X = X.astype(dtype)
    expected = np.linalg.norm(X.astype(np.float64), axis=1)
    norms = row_norms(X)
    assert norms.dtype == np.float64
    np.testing.assert_allclose(norms, expected, rtol=1e-6 if dtype == np.float32 else 1e-14)
    before = X.copy()
    U, norms2 = normalize_rows(X)
    np.testing.assert_array_equal(X, before)  # input not modified
    assert U.dtype == dtype
    np.testing.assert_array_equal(norms2, norms)
    keep = expected > 0
    np.testing.assert_allclose(U[keep], X[keep] / expected[keep, None], rtol=1e-6)
    np.testing.assert_array_equal(U[3], 0.0)  # a zero row stays zero


@pytest.mark.parametrize("factor", FACTORS)
def test_norms_scale_with_the_rows(X, factor):
    # Squares of 1e-200 underflow and of 1e200 overflow: the kernel rescales.
    np.testing.assert_allclose(row_norms(X * factor) / factor, row_norms(X), rtol=1e-14)
    np.testing.assert_allclose(normalize_rows(X * factor)[0], normalize_rows(X)[0],
                               rtol=1e-14, atol=1e-15)
    acc = np.ones_like(X)
    np.testing.assert_allclose(add_weighted_rows(acc, X * factor, 2.5, True),
                               add_weighted_rows(acc, X, 2.5, True), rtol=1e-14)


def test_subnormal_row_still_gets_a_direction():
    U, norms = normalize_rows(np.full((1, 4), 1e-310))
    assert 0 < norms[0] < 1e-300
    np.testing.assert_allclose(U, 0.5, rtol=1e-3)  # subnormal: few digits left


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("normalize", [True, False])
def test_add_weighted_rows(X, dtype, normalize):
    X = X.astype(dtype)
    acc = np.arange(X.size, dtype=dtype).reshape(X.shape)
    out = add_weighted_rows(acc, X, -1.5, normalize)
    assert out.dtype == dtype
    n = np.linalg.norm(X, axis=1, keepdims=True)
    Y = np.divide(X, n, out=np.zeros_like(X), where=n > 0) if normalize else X
    np.testing.assert_allclose(out, acc - 1.5 * Y, rtol=1e-5, atol=1e-5)
    assert not np.shares_memory(out, acc)


def test_warm_up_compiles_every_kernel():
    _warm_up()
    for kernel in (row_norms, normalize_rows, add_weighted_rows):
        assert {sig[0].dtype.name for sig in kernel.signatures} >= {"float64", "float32"}


@pytest.mark.parametrize("shape", [(0, 3), (1, 4), (7, 5), (8, 3), (9, 6), (33, 17)])
def test_weighted_row_sum_is_xt_w(rng, shape):
    from lrsparse._kernels.rows import weighted_row_sum

    X = rng.standard_normal(shape)
    w = rng.standard_normal(shape[0])
    out = np.full(shape[1], np.nan)  # every entry must be written
    X_copy = X.copy()
    result = weighted_row_sum(X, w, out)
    assert result is out
    np.testing.assert_allclose(out, X.T @ w, rtol=1e-12, atol=1e-12)
    np.testing.assert_array_equal(X, X_copy)
