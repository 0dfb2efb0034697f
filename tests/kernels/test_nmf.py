import numba
import numpy as np
import pytest
import scipy.sparse as sp
from sklearn.decomposition import non_negative_factorization

from lrsparse._kernels import nmf
from lrsparse._kernels.nmf import abundance_pass, endmember_update

EPS = 1e-12


def _problem(rng, n=40, L=7, K=3, dtype=np.float64):
    X = rng.random((n, L)).astype(dtype)
    A = (rng.random((n, K)) + 0.01).astype(dtype)
    M = (rng.random((K, L)) + 0.01).astype(dtype)
    G = sp.random_array((n, n), density=0.1, rng=rng, format="csr")
    G = sp.csr_array(G + G.T)
    G.setdiag(0)
    G.eliminate_zeros()
    return X, A, M, G


def _reference(X, A, M, b, delta, G, lam, w, p):
    """Plain NumPy: the update of A, the statistics and the objective terms."""
    X, A, M = (np.asarray(Z, dtype=np.float64) for Z in (X, A, M))
    deg = np.asarray(G.sum(axis=1)).ravel()
    MB = M * b
    num = X @ MB.T + delta**2 + lam * (G @ A)
    Ap = np.maximum(A, 1e-300) ** (p[:, None] - 1)
    grad = np.where(p[:, None] >= 1, w[:, None], np.where(A >= 1e-3, (w * p)[:, None] * Ap, 0))
    den = np.maximum(A @ (MB @ M.T + delta**2) + lam * deg[:, None] * A + grad, EPS)
    A_new = A * num / den
    R = X - A @ M
    L = sp.diags_array(deg) - G
    obj = [
        0.5 * np.sum(b * R**2),
        0.5 * delta**2 * np.sum((1 - A.sum(axis=1)) ** 2),
        0.5 * lam * np.trace(A.T @ (L @ A)),
        np.sum(w * np.where(p >= 1, A.sum(axis=1), (A ** p[:, None]).sum(axis=1))),
    ]
    return A_new, A_new.T @ X, A_new.T @ A_new, np.array(obj)


def _call(X, A, M, b, delta, G, lam, w, p, chunk=16):
    deg = np.asarray(G.sum(axis=1)).ravel()
    x_sq = (X.astype(np.float64) ** 2).sum(axis=0)
    return abundance_pass(X, x_sq, A, M, b, delta, G.indptr, G.indices,
                          G.data.astype(np.float64), deg, lam, w, p, EPS, chunk)


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize(
    "terms",
    [
        dict(delta=0.0, lam=0.0, sparse=False, weighted=False),
        dict(delta=0.8, lam=0.0, sparse=False, weighted=True),
        dict(delta=0.5, lam=0.3, sparse=True, weighted=True),
    ],
)
def test_abundance_pass_matches_numpy(rng, dtype, terms):
    X, A, M, G = _problem(rng, dtype=dtype)
    n, L = X.shape
    b = rng.random(L) + 0.5 if terms["weighted"] else np.ones(L)
    w = rng.random(n) * 0.2 if terms["sparse"] else np.zeros(n)
    p = np.where(rng.random(n) < 0.5, 1.0, 0.5)
    copies = [Z.copy() for Z in (X, A, M)]
    out = _call(X, A, M, b, terms["delta"], G, terms["lam"], w, p)
    ref = _reference(X, A, M, b, terms["delta"], G, terms["lam"], w, p)
    rtol = 1e-10 if dtype == np.float64 else 1e-4
    assert out[0].dtype == dtype
    for got, expected in zip(out, ref):
        np.testing.assert_allclose(got, expected, rtol=rtol, atol=rtol * np.abs(expected).max())
    for Z, Z0 in zip((X, A, M), copies):
        np.testing.assert_array_equal(Z, Z0)


def test_abundance_pass_independent_of_threads(rng):
    X, A, M, G = _problem(rng, n=300)
    args = (X, A, M, np.ones(7), 0.5, G, 0.2, np.full(300, 0.1), np.ones(300))
    numba.set_num_threads(1)
    one = _call(*args, chunk=32)
    numba.set_num_threads(numba.config.NUMBA_NUM_THREADS)
    many = _call(*args, chunk=32)
    for a, b in zip(one, many):
        np.testing.assert_array_equal(a, b)


def test_band_residual_from_the_pass_statistics(rng):
    """The reweighting's per-band residual energies follow from x_sq, A^T X and
    A^T A (no sweep over X): equal to the direct ||X[:, l] - A M[:, l]||^2."""
    from lrsparse.decomposition._unmixing import _band_residual

    X, A, M, _ = _problem(rng, n=200)
    direct = ((X - A @ M) ** 2).sum(axis=0)
    got = _band_residual((X**2).sum(axis=0), M, A.T @ X, A.T @ A)
    np.testing.assert_allclose(got, direct, rtol=1e-10, atol=1e-12 * (X**2).sum())


def test_single_pixel_single_component(rng):
    X = rng.random((1, 5))
    out = _call(X, np.ones((1, 1)), rng.random((1, 5)), np.ones(5), 0.0, sp.csr_array((1, 1)),
                0.0, np.zeros(1), np.ones(1))
    assert out[0].shape == (1, 1) and np.isfinite(out[0]).all()


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_endmember_update_matches_numpy(rng, dtype):
    M = rng.random((3, 6)).astype(dtype)
    AtX, AtA = rng.random((3, 6)), rng.random((3, 3))
    M0 = M.copy()
    out = endmember_update(M, AtX, AtA, EPS)
    assert out.dtype == dtype
    np.testing.assert_allclose(out, M * AtX / np.maximum(AtA @ M, EPS), rtol=1e-5)
    np.testing.assert_array_equal(M, M0)


def test_plain_loop_equals_sklearn_multiplicative_updates(rng):
    """Unit band weights, no graph, sparsity or sum-to-one: scikit-learn's MU iterates."""
    X, A, M, _ = _problem(rng, n=50, L=8, K=3)
    n, L = X.shape
    G = sp.csr_array((n, n))
    for _ in range(30):
        A, AtX, AtA, _ = _call(X, A, M, np.ones(L), 0.0, G, 0.0, np.zeros(n), np.ones(n))
        M = endmember_update(M, AtX, AtA, EPS)
    _, A0, M0, _ = _problem(np.random.default_rng(0), n=50, L=8, K=3)
    X0 = _problem(np.random.default_rng(0), n=50, L=8, K=3)[0]
    W, H, n_iter = non_negative_factorization(
        X0, W=A0.copy(), H=M0.copy(), n_components=3, init="custom", solver="mu",
        beta_loss="frobenius", max_iter=30, tol=0.0, alpha_W=0.0,
    )
    assert n_iter == 30
    np.testing.assert_allclose(A, W, rtol=1e-8)
    np.testing.assert_allclose(M, H, rtol=1e-8)


@pytest.mark.parametrize("K", [1, 3, 6])
def test_abundance_qp_exact_per_pixel(rng, K):
    """Without a graph each pixel's QP is solved exactly (active set), as scipy's nnls."""
    from scipy.optimize import nnls

    n, L = 40, 12
    M = rng.uniform(size=(K, L))
    X = rng.uniform(size=(n, K)) @ M + 0.2 * rng.standard_normal((n, L))
    S = np.full((n, K), 0.05)
    C, Q = X @ M.T, M @ M.T
    empty = (np.zeros(n + 1, np.int32), np.zeros(0, np.int32), np.zeros(0), np.zeros(n), 0.0)
    A = nmf.abundance_qp(C, Q, rng.uniform(size=(n, K)), S, *empty, 7)
    chol = np.linalg.cholesky(Q)
    for i in range(n):
        # 1/2 a^T Q a - (c - s)^T a = 1/2 ||chol^T a - chol^{-1}(c - s)||^2 + const
        ref, _ = nnls(chol.T, np.linalg.solve(chol, C[i] - S[i]))
        np.testing.assert_allclose(A[i], ref, atol=1e-9)


def test_abundance_qp_graph_step_is_the_majorised_prox_step(rng):
    """With a graph, one call is the block proximal-gradient step at Y in the metric
    Q + 2 lambda d_i I (checked through its KKT conditions)."""
    n, K, lam = 30, 3, 0.7
    G = sp.random_array((n, n), density=0.2, random_state=1)
    G = sp.csr_array(G + G.T)
    d = np.asarray(G.sum(axis=1)).ravel()
    M = rng.uniform(size=(K, 10))
    C, Q = rng.uniform(size=(n, K)) @ M @ M.T, M @ M.T
    Y, S = rng.uniform(size=(n, K)), np.full((n, K), 0.1)
    graph = (G.indptr.astype(np.int32), G.indices.astype(np.int32), G.data, d, lam)
    A = nmf.abundance_qp(C, Q, Y, S, *graph, 4)
    r = C - S + lam * (d[:, None] * Y + G @ Y)
    grad = A @ Q + 2 * lam * d[:, None] * A - r  # gradient of each pixel's QP at A
    assert np.all(A >= 0)
    np.testing.assert_allclose(grad[A > 1e-12], 0.0, atol=1e-9)
    assert np.all(grad[A <= 1e-12] >= -1e-9)
