import numpy as np
import pytest
import scipy.sparse as sp
from scipy.sparse.linalg import LinearOperator, aslinearoperator

from lrsparse.utils.extmath import partial_svd, weighted_centered_operator, weighted_quantile


def _decaying(shape, rate, rng, dtype=np.float64):
    """A matrix with singular values ``rate**j`` and random singular vectors."""
    n, d = shape
    r = min(n, d)
    U, _ = np.linalg.qr(rng.standard_normal((n, r)))
    V, _ = np.linalg.qr(rng.standard_normal((d, r)))
    s = rate ** np.arange(r)
    return ((U * s) @ V.T).astype(dtype)


def _check_against_svd(U, s, Vt, A, k, rtol, atol_vec, ref=None):
    if ref is None:
        ref = np.linalg.svd(np.asarray(A, dtype=np.float64), full_matrices=False)
    U_ref, s_ref, Vt_ref = ref
    assert U.shape == (A.shape[0], k) and s.shape == (k,) and Vt.shape == (k, A.shape[1])
    np.testing.assert_allclose(s, s_ref[:k], rtol=rtol)
    assert np.all(np.diff(s) <= 0)
    # Same vectors up to sign, and the sign of U matches the sign of Vt.
    dots_v = np.sum(Vt * Vt_ref[:k], axis=1)
    dots_u = np.sum(U * U_ref[:, :k], axis=0)
    np.testing.assert_allclose(np.abs(dots_v), 1.0, atol=atol_vec)
    np.testing.assert_allclose(dots_u * np.sign(dots_v), 1.0, atol=atol_vec)
    # U diag(s) Vt is the best rank-k approximation.
    np.testing.assert_allclose((U * s) @ Vt, (U_ref[:, :k] * s_ref[:k]) @ Vt_ref[:k],
                               atol=atol_vec * s_ref[0] * 10)


@pytest.mark.parametrize(
    "dtype, rtol, atol_vec", [(np.float64, 1e-10, 1e-8), (np.float32, 1e-4, 1e-3)]
)
def test_partial_svd_dense_matches_svd(rng, dtype, rtol, atol_vec):
    A = _decaying((80, 50), 0.8, rng, dtype)
    U, s, Vt, n_iter = partial_svd(A, 5, max_iter=50, tol=1e-12, random_state=0)
    assert U.dtype == s.dtype == Vt.dtype == dtype
    assert 1 < n_iter <= 50
    _check_against_svd(U, s, Vt, A, 5, rtol, atol_vec)
    # Orthonormal factors.
    np.testing.assert_allclose(U.T @ U, np.eye(5), atol=10 * atol_vec)
    np.testing.assert_allclose(Vt @ Vt.T, np.eye(5), atol=10 * atol_vec)


def test_partial_svd_sparse_matches_svd(rng):
    A = sp.random_array((120, 60), density=0.1, random_state=0, format="csr")
    A = sp.csr_array(A + sp.csr_array(_decaying((120, 60), 0.7, rng)))
    U, s, Vt, _ = partial_svd(A, 4, max_iter=60, tol=1e-13, random_state=0)
    _check_against_svd(U, s, Vt, A.toarray(), 4, 1e-9, 1e-7)


def test_partial_svd_linear_operator(rng):
    A = _decaying((70, 40), 0.75, rng)
    calls = {"matmat": 0, "rmatmat": 0}

    def matmat(V):
        calls["matmat"] += 1
        return A @ V

    def rmatmat(Z):
        calls["rmatmat"] += 1
        return A.T @ Z

    op = LinearOperator(A.shape, matvec=matmat, rmatvec=rmatmat, matmat=matmat,
                        rmatmat=rmatmat, dtype=A.dtype)
    U, s, Vt, n_iter = partial_svd(op, 3, max_iter=60, tol=1e-13, random_state=0)
    _check_against_svd(U, s, Vt, A, 3, 1e-9, 1e-7)
    # One product with A and one with A.T per iteration (the last A.T Q feeds
    # the final Rayleigh-Ritz step).
    assert calls["matmat"] == n_iter
    assert calls["rmatmat"] == n_iter
    # aslinearoperator gives the same result as the dense matrix itself.
    U2, s2, Vt2, _ = partial_svd(aslinearoperator(A), 3, max_iter=60, tol=1e-13,
                                 random_state=0)
    np.testing.assert_allclose(s2, s, rtol=1e-12)
    np.testing.assert_allclose(Vt2, Vt, atol=1e-8)


def test_partial_svd_warm_start(rng):
    A = _decaying((90, 60), 0.9, rng)
    ref = np.linalg.svd(A, full_matrices=False)
    Vt_ref = ref[2]
    k = 4
    # A cold start needs many iterations on this slowly decaying spectrum.
    _, s_cold, _, n_cold = partial_svd(A, k, max_iter=100, tol=1e-10, random_state=0)
    assert n_cold > 4
    for V0 in (Vt_ref[:k].T, Vt_ref[:k + 10].T, Vt_ref[:30].T, 3.0 * Vt_ref[:k].T):
        U, s, Vt, n_iter = partial_svd(A, k, V0=V0, max_iter=100, tol=1e-10, random_state=0)
        assert n_iter <= 2, n_iter
        _check_against_svd(U, s, Vt, A, k, 1e-10, 1e-8, ref=ref)


def test_partial_svd_return_block(rng):
    A = _decaying((60, 40), 0.7, rng)
    U, s, Vt, _ = partial_svd(A, 3, n_oversamples=7, max_iter=60, random_state=0,
                              return_block=True)
    assert U.shape == (60, 10) and s.shape == (10,) and Vt.shape == (10, 40)
    assert np.all(np.diff(s) <= 0)
    np.testing.assert_allclose(Vt @ Vt.T, np.eye(10), atol=1e-10)
    np.testing.assert_allclose(U.T @ U, np.eye(10), atol=1e-10)
    # The leading triplets agree with return_block=False.
    U3, s3, Vt3, _ = partial_svd(A, 3, n_oversamples=7, max_iter=60, random_state=0)
    np.testing.assert_allclose(s[:3], s3)
    np.testing.assert_allclose(Vt[:3], Vt3)
    np.testing.assert_allclose(U[:, :3], U3)
    # The block is capped by the shape.
    U, s, Vt, _ = partial_svd(A, 3, n_oversamples=100, random_state=0, return_block=True)
    assert U.shape == (60, 40) and s.shape == (40,) and Vt.shape == (40, 40)
    _check_against_svd(U, s, Vt, A, 40, 1e-9, 1e-7)


def test_partial_svd_signs_deterministic(rng):
    A = _decaying((50, 30), 0.7, rng)
    out1 = partial_svd(A, 3, max_iter=60, tol=1e-13, random_state=0)
    out2 = partial_svd(A, 3, max_iter=60, tol=1e-13, random_state=0)
    for a, b in zip(out1, out2):
        np.testing.assert_array_equal(a, b)
    # svd_flip convention: the largest-magnitude entry of each row of Vt is positive ...
    Vt = out1[2]
    assert np.all(Vt[np.arange(3), np.argmax(np.abs(Vt), axis=1)] > 0)
    # ... so another seed (or the negated matrix's left vectors) gives the same Vt.
    _, _, Vt_other, _ = partial_svd(A, 3, max_iter=60, tol=1e-13, random_state=123)
    np.testing.assert_allclose(Vt_other, Vt, atol=1e-8)
    U_neg, _, Vt_neg, _ = partial_svd(-A, 3, max_iter=60, tol=1e-13, random_state=0)
    np.testing.assert_allclose(Vt_neg, Vt, atol=1e-8)
    np.testing.assert_allclose(U_neg, -out1[0], atol=1e-8)


def test_partial_svd_max_iter_counts(rng):
    A = _decaying((40, 30), 0.95, rng)
    *_, n_iter = partial_svd(A, 2, max_iter=1, random_state=0)
    assert n_iter == 1
    *_, n_iter = partial_svd(A, 2, max_iter=3, tol=0.0, random_state=0)
    assert n_iter == 3


@pytest.mark.parametrize("k", [0, -1, 31, 100])
def test_partial_svd_bad_n_components(rng, k):
    A = rng.standard_normal((40, 30))
    with pytest.raises(ValueError, match="n_components"):
        partial_svd(A, k)


@pytest.mark.parametrize("sparse", [False, True])
def test_weighted_centered_operator(rng, sparse):
    n, d = 30, 12
    Xd = rng.standard_normal((n, d))
    Xd[rng.random((n, d)) < 0.6] = 0.0
    X = sp.csr_array(Xd) if sparse else Xd
    X_before = Xd.copy()
    w = rng.random(n)
    mean = rng.standard_normal(d)
    op = weighted_centered_operator(X, w, mean)
    assert op.shape == (n, d)
    M = np.sqrt(w)[:, None] * (Xd - mean)
    V = rng.standard_normal((d, 4))
    Z = rng.standard_normal((n, 3))
    np.testing.assert_allclose(op @ V, M @ V, atol=1e-12)
    np.testing.assert_allclose(op.matmat(V), M @ V, atol=1e-12)
    np.testing.assert_allclose(op.T @ Z, M.T @ Z, atol=1e-12)
    np.testing.assert_allclose(op.rmatmat(Z), M.T @ Z, atol=1e-12)
    np.testing.assert_allclose(op @ V[:, 0], M @ V[:, 0], atol=1e-12)
    np.testing.assert_allclose(op.rmatvec(Z[:, 0]), M.T @ Z[:, 0], atol=1e-12)
    # Its Gram matrix is the weighted covariance about ``mean``.
    G = op.T @ (op @ np.eye(d))
    np.testing.assert_allclose(G, (w[:, None] * (Xd - mean)).T @ (Xd - mean), atol=1e-11)
    # X is neither modified nor densified.
    Xa = X.toarray() if sparse else X
    np.testing.assert_array_equal(Xa, X_before)
    assert sp.issparse(X) == sparse


def test_weighted_centered_operator_svd(rng):
    """Its right singular vectors are the weighted covariance's eigenvectors."""
    X = rng.standard_normal((200, 15)) * np.linspace(3, 1, 15)
    w = rng.random(200)
    w /= w.sum()
    mean = w @ X
    _, s, Vt, _ = partial_svd(weighted_centered_operator(X, w, mean), 3, max_iter=100,
                              tol=1e-13, random_state=0)
    C = (w[:, None] * (X - mean)).T @ (X - mean)
    evals, evecs = np.linalg.eigh(C)
    np.testing.assert_allclose(s**2, evals[::-1][:3], rtol=1e-9)
    np.testing.assert_allclose(np.abs(np.sum(Vt * evecs[:, ::-1][:, :3].T, axis=1)), 1.0,
                               atol=1e-7)


def test_weighted_centered_operator_float32(rng):
    X = rng.standard_normal((20, 5)).astype(np.float32)
    op = weighted_centered_operator(X, np.ones(20), np.zeros(5))
    assert op.dtype == np.float32
    assert (op @ np.ones((5, 2), dtype=np.float32)).dtype == np.float32


QS = [0.0, 0.01, 0.1, 0.25, 0.3, 1 / 3, 0.5, 0.7, 0.9, 0.99, 1.0]


@pytest.mark.parametrize("n", [1, 2, 7, 10, 101])
def test_weighted_quantile_unit_weights(rng, n):
    values = np.round(rng.standard_normal(n), 1)  # with ties
    for q in QS:
        expected = np.quantile(values, q, method="inverted_cdf")
        assert weighted_quantile(values, np.ones(n), q) == expected, q


def test_weighted_quantile_integer_weights(rng):
    values = rng.standard_normal(25)
    weights = rng.integers(0, 5, size=25)
    weights[0] = 3
    for q in QS[1:]:  # q > 0 (q = 0 is the smallest value, whatever its weight)
        expected = np.quantile(np.repeat(values, weights), q, method="inverted_cdf")
        assert weighted_quantile(values, weights, q) == expected, q
    # Scaling the weights (exactly, by a power of two) changes nothing.
    for q in QS:
        assert weighted_quantile(values, 0.25 * weights, q) == weighted_quantile(
            values, weights.astype(float), q)


def test_weighted_quantile_does_not_modify(rng):
    values = rng.standard_normal(10)
    weights = rng.random(10)
    v0, w0 = values.copy(), weights.copy()
    out = weighted_quantile(values, weights, 0.5)
    assert isinstance(out, float)
    np.testing.assert_array_equal(values, v0)
    np.testing.assert_array_equal(weights, w0)
    # A dominant weight pins the quantile.
    weights[3] = 1e6
    assert weighted_quantile(values, weights, 0.5) == values[3]
