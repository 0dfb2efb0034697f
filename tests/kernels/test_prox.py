import numpy as np
import pytest

from lrsparse._kernels import prox
from lrsparse._kernels.prox import alm_sparse_step, soft_threshold, svd_shrink

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
    E = np.zeros((0, 3))
    S, Y, z2 = alm_sparse_step(E, E, E, 1.0, 0.5)
    assert S.shape == (0, 3) and Y.shape == (0, 3) and z2 == 0.0


@pytest.mark.parametrize("dtype", DTYPES)
def test_alm_sparse_step_is_soft_threshold(rng, dtype):
    # The fused step's S is exactly soft_threshold(D - L + Y / mu, lam / mu): one
    # scalar soft threshold serves both kernels.
    D, L, Y = (rng.standard_normal((6, 4)) for _ in range(3))
    mu, lam = 4.0, 1.0  # powers of two: D - L + Y / mu and lam / mu are exact
    S, _, _ = alm_sparse_step(D, L, Y, mu, lam)
    np.testing.assert_array_equal(S, soft_threshold(D - L + Y / mu, lam / mu))
    assert (S == 0).any() and (S != 0).any()


def test_soft_threshold_propagates_nan():
    out = soft_threshold(np.array([np.nan, 2.0, -0.1]), 0.5)
    assert np.isnan(out[0]) and out[1] == 1.5 and out[2] == 0.0


@pytest.mark.parametrize("dtype", DTYPES)
def test_svd_shrink_is_soft_threshold_of_singular_values(rng, dtype):
    U, s, Vt = np.linalg.svd(rng.standard_normal((7, 5)).astype(dtype), full_matrices=False)
    tau = float(s[2])  # s[2] itself is not above tau: it is dropped
    _, s2, _ = svd_shrink(U, s, Vt, tau)
    shrunk = soft_threshold(s, tau)
    np.testing.assert_array_equal(s2, shrunk[shrunk > 0])
    assert s2.size == 2


def test_svd_shrink_inputs_untouched(rng):
    U, s, Vt = np.linalg.svd(rng.standard_normal((6, 4)), full_matrices=False)
    copies = [a.copy() for a in (U, s, Vt)]
    svd_shrink(U, s, Vt, float(s[1]))
    for a, c in zip((U, s, Vt), copies):
        np.testing.assert_array_equal(a, c)


def test_warm_up_compiles_every_kernel():
    prox._warm_up()
    for name in prox.__all__:
        kernel = getattr(prox, name)
        dtypes = {sig[0].dtype.name for sig in kernel.signatures}
        assert {"float64", "float32"} <= dtypes, name


# --- cone projections of the MTP2 graphical models ---------------------------

def _random_symmetric(rng, p):
    V = rng.standard_normal((p, p))
    return V + V.T


@pytest.mark.parametrize("p", [1, 2, 7])
def test_project_nonpositive_offdiag(rng, p):
    V = rng.standard_normal((p, p))
    V_copy = V.copy()
    X = prox.project_nonpositive_offdiag(V)
    Y = 0.5 * (V + V.T)
    expected = np.minimum(Y, 0)
    np.fill_diagonal(expected, np.diag(V))
    np.testing.assert_array_equal(X, expected)
    np.testing.assert_array_equal(V, V_copy)


def test_clip_nonnegative(rng):
    V = rng.standard_normal((4, 5))
    np.testing.assert_array_equal(prox.clip_nonnegative(V), np.maximum(V, 0))


def _dd_kkt_violation(X, Y):
    """Largest violation of the projection's optimality conditions (from X alone).

    X is the projection of Y onto {X_ij <= 0, X 1 >= 0} iff the multipliers
    mu = diag(X - Y) are >= 0, complementary to the row sums, and off the
    diagonal X_ij = min(0, Y_ij + (mu_i + mu_j) / 2).
    """
    mu = np.diag(X - Y)
    off = np.minimum(0, Y + 0.5 * (mu[:, None] + mu[None, :]))
    np.fill_diagonal(off, np.diag(X))
    rows = X.sum(axis=1)
    return max(-mu.min(), -rows.min(), np.abs(mu * rows).max(), np.abs(off - X).max())


@pytest.mark.parametrize("p", [1, 2, 5, 30])
@pytest.mark.parametrize("shift", [0.0, -2.0, 3.0])
def test_project_diagonally_dominant_is_the_projection(rng, p, shift):
    V = _random_symmetric(rng, p) + shift * np.eye(p)
    X, mu, n_iter = prox.project_diagonally_dominant(V, np.zeros(p), 1e-13, 100)
    assert n_iter < 100
    assert _dd_kkt_violation(X, V) < 1e-11
    assert (X[~np.eye(p, dtype=bool)] <= 0).all()
    np.testing.assert_array_equal(X, X.T)
    # a warm start from the answer is already converged
    X2, _, n2 = prox.project_diagonally_dominant(V, mu, 1e-13, 100)
    assert n2 == 0
    np.testing.assert_allclose(X2, X, atol=1e-12)


def test_project_diagonally_dominant_brute_force(rng):
    # no feasible point near X is closer to Y
    p = 6
    Y = _random_symmetric(rng, p)
    X = prox.project_diagonally_dominant(Y, np.zeros(p), 1e-14, 100)[0]
    d0 = np.sum((X - Y) ** 2)
    for _ in range(300):
        Z = X + 0.05 * _random_symmetric(rng, p)
        Z = np.minimum(Z, 0) + np.diag(np.diag(Z) - np.diag(np.minimum(Z, 0)))
        Z[np.diag_indices(p)] = np.maximum(np.diag(Z), -(Z.sum(axis=1) - np.diag(Z)))
        assert np.sum((Z - Y) ** 2) >= d0 - 1e-12


def test_project_diagonally_dominant_feasible_input_unchanged(rng):
    p = 5
    W = np.abs(rng.standard_normal((p, p)))
    W = W + W.T
    np.fill_diagonal(W, 0)
    X0 = np.diag(W.sum(axis=1) + 0.5) - W  # strictly diagonally dominant M-matrix
    X, mu, n_iter = prox.project_diagonally_dominant(X0, np.zeros(p), 1e-13, 100)
    np.testing.assert_allclose(X, X0, atol=1e-15)
    assert n_iter == 0 and not mu.any()


# ------------------------------------------------- coordinate descent epochs
def _cd_epoch_reference(X, r, coef, col_sq, thresh):
    """One cyclic pass of weighted-soft-threshold coordinate descent, in numpy."""
    X, r, coef = X.astype(np.float64), r.astype(np.float64), coef.astype(np.float64)
    steps = [0.0]
    for j in range(X.shape[1]):
        if col_sq[j] == 0:
            continue
        z = coef[j] * col_sq[j] + X[:, j] @ r
        new = np.sign(z) * max(abs(z) - thresh[j], 0.0) / col_sq[j]
        r -= (new - coef[j]) * X[:, j]
        steps.append(abs(new - coef[j]) * np.sqrt(col_sq[j]))
        coef[j] = new
    return r, coef, max(steps)


def _cd_problem(rng, n=30, p=10, dtype=np.float64):
    X = np.asfortranarray(rng.standard_normal((n, p)))
    X[:, 3] = 0.0  # a zero column
    y = X[:, :4] @ np.array([2.0, -1.5, 0.7, 5.0]) + 0.3 * rng.standard_normal(n)
    coef = np.zeros(p)
    coef[[1, 3, 6]] = [0.5, 0.0, -0.2]  # a warm start
    thresh = rng.uniform(0.0, 8.0, size=p)
    X = X.astype(dtype)
    r = (y - X.astype(np.float64) @ coef).astype(dtype)
    return X, y, r, coef.astype(dtype), (X.astype(np.float64) ** 2).sum(axis=0).astype(dtype), (
        thresh.astype(dtype)
    )


@pytest.mark.parametrize("dtype", DTYPES)
def test_cd_epoch_matches_reference(rng, dtype):
    X, y, r, coef, col_sq, thresh = _cd_problem(rng, dtype=dtype)
    coef0 = coef.copy()
    r_ref, coef_ref, step_ref = _cd_epoch_reference(X, r, coef, col_sq, thresh)
    X_copy = X.copy()
    step = prox.cd_epoch(X, r, coef, col_sq, thresh)
    tol = 1e-12 if dtype == np.float64 else 1e-4
    np.testing.assert_allclose(coef, coef_ref, rtol=tol, atol=tol)
    np.testing.assert_allclose(r, r_ref, rtol=tol, atol=tol)
    np.testing.assert_allclose(step, step_ref, rtol=tol)
    # the residual is kept as y - X coef, the zero column stays 0
    np.testing.assert_allclose(r, y - X.astype(np.float64) @ coef, rtol=tol, atol=tol * 10)
    assert coef[3] == 0.0 and coef.dtype == r.dtype == dtype
    # the pass moved coefficients both ways: some in, some thresholded out
    assert (coef[coef0 == 0] != 0).any() and (coef[coef0 != 0] == 0).any()
    np.testing.assert_array_equal(X, X_copy)


def test_cd_epoch_converges_to_sklearn_lasso(rng):
    from sklearn.linear_model import Lasso

    X, y, _, _, col_sq, _ = _cd_problem(rng)
    n, p = X.shape
    alpha = 0.15
    thresh = np.full(p, n * alpha)
    coef, r = np.zeros(p), y.copy()
    for n_epochs in range(1, 10001):
        if prox.cd_epoch(X, r, coef, col_sq, thresh) < 1e-13:
            break
    assert n_epochs < 10000
    ref = Lasso(alpha=alpha, fit_intercept=False, tol=1e-14, max_iter=100_000).fit(X, y)
    np.testing.assert_allclose(coef, ref.coef_, rtol=1e-9, atol=1e-10)
    assert 0 < np.count_nonzero(coef) < p  # some in, some out
    # optimality: |x_j^T r| <= thresh_j, with equality and the sign on the support
    g = X.T @ r
    assert (np.abs(g) <= thresh + 1e-9).all()
    on = coef != 0
    np.testing.assert_allclose(g[on], thresh[on] * np.sign(coef[on]), rtol=1e-9)


@pytest.mark.parametrize("index_dtype", [np.int32, np.int64])
@pytest.mark.parametrize("dtype", DTYPES)
def test_cd_epoch_csc_matches_dense_on_centred_columns(rng, index_dtype, dtype):
    import scipy.sparse as sp

    n, p = 30, 10
    S = sp.random(n, p, density=0.3, format="csc", random_state=np.random.RandomState(1))
    S = S.toarray()
    S[:, 2] = 0.0  # an empty column: its centred version is 0
    S[:, 5] = 1.5  # a constant column, stored densely: centred to 0 as well
    S = sp.csc_matrix(S)
    S.indices = S.indices.astype(index_dtype)
    S.indptr = S.indptr.astype(index_dtype)
    dense = S.toarray()
    x_mean = dense.mean(axis=0)
    col_sum = np.asarray(S.sum(axis=0)).ravel()  # the stored entries
    Xc = np.asfortranarray(dense - x_mean)
    col_sq = (Xc ** 2).sum(axis=0)
    col_sq[[2, 5]] = 0.0  # exactly zero, as a caller computes them
    y = rng.standard_normal(n) + 3.0 * Xc[:, 0] - 2.0 * Xc[:, 7]
    coef0 = np.zeros(p)
    coef0[[0, 4]] = [1.0, -0.5]
    thresh = rng.uniform(0.0, 1.0, size=p)
    true_r = y - Xc @ coef0
    offset = 0.37  # the residual is r + state[0]
    r = true_r - offset
    state = np.array([offset, r.sum()])

    cast = {"data": S.data.astype(dtype), "x_mean": x_mean.astype(dtype),
            "col_sum": col_sum.astype(dtype), "r": r.astype(dtype), "state": state.astype(dtype),
            "coef": coef0.astype(dtype), "col_sq": col_sq.astype(dtype),
            "thresh": thresh.astype(dtype)}
    step = prox.cd_epoch_csc(cast["data"], S.indices, S.indptr, cast["x_mean"],
                             cast["col_sum"], cast["r"], cast["state"], cast["coef"],
                             cast["col_sq"], cast["thresh"])
    r_dense, coef_dense = true_r.copy(), coef0.copy()
    step_dense = prox.cd_epoch(Xc, r_dense, coef_dense, col_sq, thresh)

    tol = 1e-12 if dtype == np.float64 else 1e-4
    np.testing.assert_allclose(cast["coef"], coef_dense, rtol=tol, atol=tol)
    np.testing.assert_allclose(cast["r"] + cast["state"][0], r_dense, rtol=tol, atol=tol)
    np.testing.assert_allclose(cast["state"][1], cast["r"].astype(np.float64).sum(),
                               rtol=tol, atol=tol * n)
    np.testing.assert_allclose(step, step_dense, rtol=tol)
    assert cast["coef"][2] == cast["coef"][5] == 0.0
    assert np.count_nonzero(coef_dense) >= 2 and step_dense > 0
