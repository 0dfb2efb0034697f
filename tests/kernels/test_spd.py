import numpy as np
import pytest

from lrsparse._kernels.spd import cholesky_logdet, logdet_line_search, symmetric_from_upper


@pytest.mark.parametrize("p", [1, 3, 20])
def test_cholesky_logdet_matches_numpy(rng, p):
    A = rng.standard_normal((2 * p, p))
    A = A.T @ A + 0.1 * np.eye(p)
    A_copy = A.copy()
    ok, logdet, L = cholesky_logdet(A)
    assert ok
    np.testing.assert_allclose(logdet, np.linalg.slogdet(A)[1], rtol=1e-12)
    np.testing.assert_allclose(L @ L.T, A, rtol=1e-12, atol=1e-12)
    np.testing.assert_array_equal(A, A_copy)


@pytest.mark.parametrize("bad", ["indefinite", "singular", "nan"])
def test_cholesky_logdet_reports_failure(bad):
    A = np.eye(3)
    if bad == "indefinite":
        A[1, 1] = -1.0
    elif bad == "singular":
        A = np.ones((3, 3))
    else:
        A[0, 0] = np.nan
    ok, logdet, _ = cholesky_logdet(A)
    assert not ok and logdet == np.inf


def test_logdet_line_search_armijo_and_pd():
    X = np.eye(2)
    C = np.diag([2.0, 2.0])  # f = -log det X + 2 tr X, minimum at X = I / 2
    G = C - np.linalg.inv(X)
    D = -3.0 * G  # a long step: X + D = -2 I is not positive definite
    f0 = -0.0 + np.sum(X * C)
    ok, theta, f, X_new, L = logdet_line_search(X, D, C, f0, np.sum(G * D), 1e-4, 30)
    assert ok and theta < 1
    np.testing.assert_allclose(X_new, X + theta * D)
    assert f < f0 and np.linalg.eigvalsh(X_new).min() > 0
    np.testing.assert_allclose(f, -np.linalg.slogdet(X_new)[1] + np.sum(X_new * C))
    np.testing.assert_allclose(L @ L.T, X_new)


def test_logdet_line_search_gives_up_on_ascent():
    X = np.eye(2)
    C = np.eye(2)  # X = I is optimal: any move increases f
    D = 0.5 * np.eye(2)
    ok, theta, f, X_new, _ = logdet_line_search(X, D, C, 2.0, -1.0, 1e-4, 5)
    assert not ok and theta == 0.0
    np.testing.assert_array_equal(X_new, X)


@pytest.mark.parametrize("order", ["C", "F"])
def test_symmetric_from_upper(rng, order):
    A = np.asarray(rng.standard_normal((5, 5)), order=order)
    out = symmetric_from_upper(A)
    expected = np.triu(A) + np.triu(A, 1).T
    np.testing.assert_array_equal(out, expected)
    assert out.flags.c_contiguous


@pytest.mark.parametrize("dd", [False, True])
def test_mtp2_dual_logdet_matches_numpy(rng, dd):
    from lrsparse._kernels.spd import mtp2_dual_logdet

    p = 6
    A = rng.standard_normal((20, p))
    S = A.T @ A / 20
    W = S + 0.1 * np.eye(p) + 0.05 * (lambda B: B + B.T)(rng.standard_normal((p, p)))
    Lam = np.full((p, p), 0.05)
    np.fill_diagonal(Lam, 0)
    mu = np.maximum(np.diag(S) - np.diag(W), 0) if dd else np.zeros(p)
    M = np.maximum(W, S - Lam - 0.5 * (mu[:, None] + mu[None, :]))
    np.fill_diagonal(M, np.diag(S) - mu)
    ok, logdet = mtp2_dual_logdet(W, S, Lam, dd)
    assert ok
    np.testing.assert_allclose(logdet, np.linalg.slogdet(M)[1], rtol=1e-12)
    assert not mtp2_dual_logdet(-W, -S, Lam, dd)[0]
