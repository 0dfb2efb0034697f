import numpy as np
import pytest

from lrsparse._kernels.rankone import (
    cholesky_append,
    cholesky_solve,
    columnwise_lad_min,
    precision_matvec,
    precision_rank_one,
    weighted_median,
)

DTYPES = [np.float64, np.float32]


# ------------------------------------------------------------ cholesky_append
def _grow(A, dtype, rtol, kmax=None):
    """Append the columns of ``A`` one by one to a NaN-filled factor; the flags."""
    kmax = A.shape[1] if kmax is None else kmax
    L = np.full((kmax, kmax), np.nan, dtype=dtype)
    flags = []
    for k in range(A.shape[1]):
        v = (A[:, :k].T @ A[:, k]).astype(dtype)
        c = dtype(A[:, k] @ A[:, k])
        flags.append(cholesky_append(L, k, v, c, rtol))
    return L, flags


@pytest.mark.parametrize("dtype, rtol", [(np.float64, 1e-12), (np.float32, 2e-5)])
def test_cholesky_append_equals_cholesky_of_gram(rng, dtype, rtol):
    A = rng.standard_normal((12, 6)).astype(dtype)
    L, flags = _grow(A, dtype, 1e-6)
    assert all(flags)
    assert L.dtype == dtype
    A64 = A.astype(np.float64)
    expected = np.linalg.cholesky(A64.T @ A64)
    # the NaNs above the diagonal are overwritten with zeros: L is the full factor
    np.testing.assert_allclose(L, expected, rtol=rtol, atol=rtol)
    # every leading block factors the Gram matrix of the leading columns
    for k in range(1, 7):
        np.testing.assert_allclose(
            L[:k, :k] @ L[:k, :k].T, A64[:, :k].T @ A64[:, :k], rtol=rtol, atol=10 * rtol
        )


def test_cholesky_append_first_column(rng):
    a = rng.standard_normal(5)
    L = np.full((3, 3), np.nan)
    assert cholesky_append(L, 0, np.empty(0), a @ a, 1e-12)
    assert L[0, 0] == pytest.approx(np.linalg.norm(a), rel=1e-15)
    np.testing.assert_array_equal(L[0, 1:], 0.0)
    # a zero first column is dependent (pivot 0 is not > rtol * 0)
    L = np.full((3, 3), np.nan)
    assert not cholesky_append(L, 0, np.empty(0), 0.0, 1e-12)
    assert np.isnan(L[0, 0])


@pytest.mark.parametrize("dtype, rtol", [(np.float64, 1e-10), (np.float32, 1e-4)])
def test_cholesky_append_dependent_column(rng, dtype, rtol):
    A = rng.standard_normal((10, 3)).astype(dtype)
    L, flags = _grow(A, dtype, rtol, kmax=5)
    assert all(flags)
    block = L[:3, :3].copy()
    dependent = A @ np.array([0.5, -2.0, 1.0], dtype=dtype)
    v = A.T @ dependent
    assert not cholesky_append(L, 3, v, dtype(dependent @ dependent), rtol)
    assert np.isnan(L[3, 3])
    # the leading block is untouched and still solves the Gram system
    np.testing.assert_array_equal(L[:3, :3], block)
    b = rng.standard_normal(3).astype(dtype)
    G = A.astype(np.float64).T @ A.astype(np.float64)
    tol = 1e-10 if dtype == np.float64 else 1e-3
    np.testing.assert_allclose(cholesky_solve(L, 3, b), np.linalg.solve(G, b), rtol=tol, atol=tol)
    # an independent column then goes to the same slot
    a = rng.standard_normal(10).astype(dtype)
    assert cholesky_append(L, 3, A.T @ a, dtype(a @ a), rtol)
    B = np.column_stack([A, a]).astype(np.float64)
    np.testing.assert_allclose(L[:4, :4], np.linalg.cholesky(B.T @ B), rtol=tol, atol=tol)


def test_cholesky_append_nearly_dependent_column_respects_rtol(rng):
    A = rng.standard_normal((10, 2))
    a = A @ np.array([1.0, 1.0]) + 1e-4 * rng.standard_normal(10)
    pivot2 = np.linalg.cholesky(np.column_stack([A, a]).T @ np.column_stack([A, a]))[2, 2] ** 2
    for rtol, accepted in [(0.1 * pivot2 / (a @ a), True), (10 * pivot2 / (a @ a), False)]:
        L, _ = _grow(A, np.float64, 1e-12, kmax=3)
        assert cholesky_append(L, 2, A.T @ a, a @ a, rtol) is accepted


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("k", [1, 2, 3, 4, 5])
def test_cholesky_solve(rng, dtype, k):
    B = rng.standard_normal((2 * k + 3, k))
    G = B.T @ B + 0.1 * np.eye(k)
    # a larger buffer: only the lower triangle of the leading k x k block is read
    L = np.full((7, 7), np.nan, dtype=dtype)
    L[:k, :k] = np.where(np.tri(k, dtype=bool), np.linalg.cholesky(G), np.nan)
    b = rng.standard_normal(k)
    x = cholesky_solve(L, k, b.astype(dtype))
    assert x.dtype == dtype and x.shape == (k,)
    tol = 1e-10 if dtype == np.float64 else 1e-3
    np.testing.assert_allclose(x, np.linalg.solve(G, b), rtol=tol, atol=tol)


# ------------------------------------------------------------ weighted_median
def _wm_objective(values, weights, t):
    values = np.asarray(values, dtype=np.float64)
    weights = np.asarray(weights, dtype=np.float64)
    return np.sum(weights * np.abs(values - np.float64(t)))


def _assert_minimises(values, weights, rtol=1e-12):
    v_copy, w_copy = values.copy(), weights.copy()
    t = weighted_median(values, weights)
    np.testing.assert_array_equal(values, v_copy)
    np.testing.assert_array_equal(weights, w_copy)
    best = min(_wm_objective(values, weights, s) for s in values)
    np.testing.assert_allclose(_wm_objective(values, weights, t), best, rtol=rtol, atol=0)
    return t


@pytest.mark.parametrize("n", [2, 3, 10, 101])
def test_weighted_median_minimises(rng, n):
    values = rng.standard_normal(n)
    weights = rng.exponential(size=n)
    t = _assert_minimises(values, weights)
    assert t in values


def test_weighted_median_ties(rng):
    values = rng.integers(-3, 4, size=40).astype(np.float64)
    weights = rng.integers(1, 5, size=40).astype(np.float64)
    t = _assert_minimises(values, weights)
    # integer weights: exact arithmetic, so the lower weighted median is exact:
    # the smallest minimiser among the values
    objective = np.array([_wm_objective(values, weights, s) for s in values])
    assert t == values[objective == objective.min()].min()


@pytest.mark.parametrize(
    "values, weights, expected",
    [
        ([1.0, 2.0, 3.0, 4.0], [1.0, 1.0, 1.0, 1.0], 2.0),  # lower median of [2, 3]
        ([4.0, 3.0, 2.0, 1.0], [1.0, 1.0, 1.0, 1.0], 2.0),  # order does not matter
        ([0.0, 10.0, 100.0], [0.0, 1.0, 0.0], 10.0),  # zero weights carry nothing
        ([5.0, -1.0, 7.0], [1.0, 1.0, 3.0], 7.0),  # a heavy point wins
        ([2.0, 2.0, 2.0, -9.0], [1.0, 1.0, 1.0, 2.0], 2.0),  # tied values add up
    ],
)
def test_weighted_median_small_cases(values, weights, expected):
    assert _assert_minimises(np.array(values), np.array(weights)) == expected


def test_weighted_median_zero_weights(rng):
    values = rng.standard_normal(30)
    weights = rng.exponential(size=30)
    weights[rng.permutation(30)[:15]] = 0.0
    t = _assert_minimises(values, weights)
    assert t in values[weights > 0]


def test_weighted_median_single_and_degenerate():
    assert weighted_median(np.array([3.5]), np.array([2.0])) == 3.5
    assert weighted_median(np.array([3.5]), np.array([0.0])) == 0.0
    assert weighted_median(np.array([1.0, -2.0, 4.0]), np.zeros(3)) == 0.0
    assert weighted_median(np.empty(0), np.empty(0)) == 0.0


def test_weighted_median_float32(rng):
    values = rng.standard_normal(50).astype(np.float32)
    weights = rng.exponential(size=50).astype(np.float32)
    t = _assert_minimises(values, weights, rtol=1e-6)
    assert t in values  # exactly one of the float32 values (numba returns a Python float)
    assert weighted_median(values, np.zeros(50, np.float32)) == 0.0


# --------------------------------------------------------- columnwise_lad_min
def _lad_objective(A, r, shift, scale, a0, r0, j, t):
    a = (A[:, j].astype(np.float64) - shift[j]) * scale[j]
    return np.sum(np.abs(r - t * a)) + abs(r0[j] - t * a0[j])


def _lad_brute_min(A, r, shift, scale, a0, r0, j):
    a = (A[:, j].astype(np.float64) - shift[j]) * scale[j]
    points = [r[i] / a[i] for i in range(len(r)) if a[i] != 0]
    if a0[j] != 0:
        points.append(r0[j] / a0[j])
    if not points:
        return np.sum(np.abs(r)) + abs(r0[j])
    return min(_lad_objective(A, r, shift, scale, a0, r0, j, t) for t in points)


def _lad_problem(rng, m=25, n=6, dtype=np.float64):
    A = rng.standard_normal((m, n)).astype(dtype)
    r = rng.standard_normal(m).astype(dtype)
    shift = A.mean(axis=0)
    scale = (1.0 / np.linalg.norm(A - shift, axis=0)).astype(dtype)
    return A, r, shift, scale


def _check_lad(A, r, shift, scale, a0, r0, rtol=1e-12):
    args = [A, r, shift, scale, a0, r0]
    copies = [x.copy() for x in args]
    t, f = columnwise_lad_min(*args)
    for x, x_copy in zip(args, copies):
        np.testing.assert_array_equal(x, x_copy)
    assert t.shape == f.shape == (A.shape[1],)
    atol = rtol * (np.abs(r).sum() + np.abs(r0).sum())
    for j in range(A.shape[1]):
        at_t = _lad_objective(A, r, shift, scale, a0, r0, j, t[j])
        np.testing.assert_allclose(f[j], at_t, rtol=rtol, atol=atol)
        np.testing.assert_allclose(
            f[j], _lad_brute_min(A, r, shift, scale, a0, r0, j), rtol=rtol, atol=atol
        )
    return t, f


def test_columnwise_lad_min_without_extra_row(rng):
    A, r, shift, scale = _lad_problem(rng)
    zero = np.zeros(A.shape[1])
    t, f = _check_lad(A, r, shift, scale, zero, zero)
    # better than t = 0, and strictly for some column
    assert (f <= np.abs(r).sum() + 1e-12).all() and (f < np.abs(r).sum() - 1e-3).any()


def test_columnwise_lad_min_with_penalty_row(rng):
    # the l1-penalised fit ||r - t a_j||_1 + lam |x_j + t|: a0 = lam, r0 = -lam x_j
    A, r, shift, scale = _lad_problem(rng)
    n = A.shape[1]
    lam = rng.uniform(0.2, 3.0, size=n)
    x = rng.standard_normal(n)
    t, f = _check_lad(A, r, shift, scale, lam, -lam * x)
    # a huge penalty pins x_j + t at 0
    t_big, _ = _check_lad(A, r, shift, scale, np.full(n, 1e3), -1e3 * x)
    np.testing.assert_allclose(t_big, -x, rtol=1e-12)
    # mixed signs and some switched off
    a0 = rng.standard_normal(n)
    a0[::3] = 0.0
    _check_lad(A, r, shift, scale, a0, rng.standard_normal(n))


def test_columnwise_lad_min_zero_columns(rng):
    A, r, shift, scale = _lad_problem(rng)
    n = A.shape[1]
    scale[1] = 0.0  # a zero column by its scale
    A[:, 4] = 2.5  # a constant column centred to zero
    shift[4] = 2.5
    r0 = rng.standard_normal(n)
    a0 = np.zeros(n)
    t, f = _check_lad(A, r, shift, scale, a0, r0)
    for j in (1, 4):
        assert f[j] == pytest.approx(np.abs(r).sum() + abs(r0[j]), rel=1e-14)
    # with an extra row only, it is fitted exactly
    a0[1] = 0.7
    t, f = _check_lad(A, r, shift, scale, a0, r0)
    assert t[1] == pytest.approx(r0[1] / 0.7, rel=1e-14)
    assert f[1] == pytest.approx(np.abs(r).sum(), rel=1e-14)


@pytest.mark.parametrize("dtype", DTYPES)
def test_columnwise_lad_min_memory_order(rng, dtype):
    A, r, shift, scale = _lad_problem(rng, m=15, n=5, dtype=dtype)
    shift = shift.astype(dtype)
    a0 = np.where(np.arange(5) % 2 == 0, 0.5, 0.0).astype(dtype)
    r0 = rng.standard_normal(5).astype(dtype)
    t_c, f_c = columnwise_lad_min(np.ascontiguousarray(A), r, shift, scale, a0, r0)
    t_f, f_f = columnwise_lad_min(np.asfortranarray(A), r, shift, scale, a0, r0)
    assert t_c.dtype == f_c.dtype == dtype
    np.testing.assert_array_equal(t_c, t_f)
    np.testing.assert_array_equal(f_c, f_f)
    if dtype == np.float32:
        _check_lad(A, r, shift, scale, a0, r0, rtol=1e-5)


# ------------------------------------------- precision_matvec / precision_rank_one
def _random_spd(rng, d, cond=20.0):
    """A random SPD matrix with eigenvalues spread log-uniformly over ``[1, cond]``."""
    Q, _ = np.linalg.qr(rng.standard_normal((d, d)))
    return (Q * np.geomspace(1.0, cond, d)) @ Q.T


def _assert_symmetric(P):
    """Exactly: ``P'_ij = a P_ij - b (u_i u_j)`` rounds alike on both sides."""
    np.testing.assert_array_equal(P, P.T)


def _spd_and_vector(rng, d, dtype=np.float64):
    C = _random_spd(rng, d)
    P = np.linalg.inv(C)
    P = ((P + P.T) / 2).astype(dtype)  # exactly symmetric, as the kernel assumes
    e = rng.standard_normal(d).astype(dtype)
    return C, P, e


@pytest.mark.parametrize("d", [1, 2, 5, 17])
def test_precision_matvec_equals_numpy(rng, d):
    _, P, e = _spd_and_vector(rng, d)
    e[0] = 0.0  # the kernel skips zero entries of e: still the full product
    u = np.full(d, np.nan)
    P_copy, e_copy = P.copy(), e.copy()
    q = precision_matvec(P, e, u)
    np.testing.assert_allclose(u, P @ e, rtol=1e-13, atol=1e-13)
    assert q == pytest.approx(e @ P @ e, rel=1e-13, abs=1e-13)
    np.testing.assert_array_equal(P, P_copy)
    np.testing.assert_array_equal(e, e_copy)


@pytest.mark.parametrize("d", [1, 2, 5, 17])
@pytest.mark.parametrize("w, c", [(0.7, 1.0), (2.5, 0.3), (0.1, 4.0), (-0.4, 1.0), (-0.9, 0.6)])
def test_precision_rank_one_equals_inverse_and_slogdet(rng, d, w, c):
    C, P, e = _spd_and_vector(rng, d)
    u = np.empty(d)
    q = precision_matvec(P, e, u)
    if w < 0:
        # a downdate that stays positive definite: scale e so that 1 + w q = 0.3
        s = np.sqrt(0.7 / (-w * q))
        e *= s
        q = precision_matvec(P, e, u)
        assert 1.0 + w * q == pytest.approx(0.3)
    C_new = c * (C + w * np.outer(e, e))
    assert np.all(np.linalg.eigvalsh(C_new) > 0)
    change = precision_rank_one(P, u, q, w, c)
    np.testing.assert_allclose(P, np.linalg.inv(C_new), rtol=1e-9, atol=1e-9 * np.abs(P).max())
    sign_old, logdet_old = np.linalg.slogdet(C)
    sign_new, logdet_new = np.linalg.slogdet(C_new)
    assert sign_old == sign_new == 1.0
    assert change == pytest.approx(logdet_new - logdet_old, rel=1e-10, abs=1e-10)
    _assert_symmetric(P)


def test_precision_rank_one_sequence_tracks_inverse(rng):
    """Many updates in a row (the IGMN use): no drift against direct inversion."""
    d = 6
    C, P, _ = _spd_and_vector(rng, d)
    logdet = np.linalg.slogdet(C)[1]
    u = np.empty(d)
    for _ in range(200):
        e = rng.standard_normal(d)
        w, c = rng.uniform(0.01, 0.1), rng.uniform(0.9, 1.0)
        q = precision_matvec(P, e, u)
        logdet += precision_rank_one(P, u, q, w, c)
        C = c * (C + w * np.outer(e, e))
    np.testing.assert_allclose(P, np.linalg.inv(C), rtol=1e-8, atol=1e-8 * np.abs(P).max())
    assert logdet == pytest.approx(np.linalg.slogdet(C)[1], rel=1e-10, abs=1e-9)
    # exactly symmetric after 200 updates: an antisymmetric rounding would be
    # multiplied by 1 / c at every later update (precision_matvec reads P as symmetric)
    _assert_symmetric(P)


@pytest.mark.parametrize("excess", [1e-9, 1e-3, 2.0])
def test_precision_rank_one_leaving_the_cone_returns_nan_and_keeps_P(rng, excess):
    _, P, e = _spd_and_vector(rng, 4)
    u = np.empty(4)
    q = precision_matvec(P, e, u)
    w = -(1.0 + excess) / q  # 1 + w q = -excess < 0
    P_copy = P.copy()
    change = precision_rank_one(P, u, q, w, 0.5)
    assert np.isnan(change)
    np.testing.assert_array_equal(P, P_copy)


def test_precision_rank_one_singular_result_returns_nan():
    """``1 + w q = 0`` exactly (``C + w e e^T`` singular): refused as well."""
    P = np.diag([1.0, 4.0, 0.25])
    u = np.empty(3)
    q = precision_matvec(P, np.array([2.0, 0.0, 0.0]), u)
    assert q == 4.0
    P_copy = P.copy()
    assert np.isnan(precision_rank_one(P, u, q, -0.25, 1.0))
    np.testing.assert_array_equal(P, P_copy)


def test_precision_rank_one_zero_direction_only_scales(rng):
    """``e = 0`` (a point at the mean): ``C' = c C`` exactly as the determinant says."""
    C, P, _ = _spd_and_vector(rng, 3)
    u = np.empty(3)
    q = precision_matvec(P, np.zeros(3), u)
    assert q == 0.0
    P_copy = P.copy()
    change = precision_rank_one(P, u, q, 0.5, 0.25)
    np.testing.assert_allclose(P, P_copy / 0.25, rtol=1e-15)
    assert change == pytest.approx(3 * np.log(0.25), rel=1e-15)


@pytest.mark.parametrize("w, c", [(0.6, 0.8), (-0.3, 1.5)])
def test_precision_rank_one_float32(rng, w, c):
    d = 5
    C, P, e = _spd_and_vector(rng, d, np.float32)
    u = np.empty(d, dtype=np.float32)
    q = precision_matvec(P, e, u)
    assert 1.0 + w * q > 0.0
    C_new = c * (C + w * np.outer(e.astype(np.float64), e.astype(np.float64)))
    change = precision_rank_one(P, u, q, w, c)
    assert P.dtype == np.float32 and u.dtype == np.float32
    np.testing.assert_allclose(P, np.linalg.inv(C_new), rtol=2e-4, atol=2e-4 * np.abs(P).max())
    expected = np.linalg.slogdet(C_new)[1] - np.linalg.slogdet(C)[1]
    assert change == pytest.approx(expected, rel=1e-4, abs=1e-4)
    _assert_symmetric(P)
