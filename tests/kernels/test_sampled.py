import numpy as np
import pytest
import scipy.sparse as sp

from lrsparse._kernels.rows import add_weighted_rows
from lrsparse._kernels.sampled import (csr_csr_matmul_dense, csr_dense_matmul, csr_panels,
                                       sampled_gradient, sampled_gradient_columns,
                                       sampled_product)

DTYPES = [np.float64, np.float32]


@pytest.mark.parametrize("dtype", DTYPES)
def test_sampled_product_matches_dense(rng, dtype):
    U = rng.standard_normal((9, 3)).astype(dtype)
    V = rng.standard_normal((7, 3)).astype(dtype)
    rows = rng.integers(0, 9, 40).astype(np.int32)
    cols = rng.integers(0, 7, 40).astype(np.int32)
    out = sampled_product(U, V, rows, cols)
    assert out.dtype == dtype
    np.testing.assert_allclose(out, (U @ V.T)[rows, cols], rtol=1e-5)


def test_sampled_product_empty():
    U = np.ones((3, 2))
    out = sampled_product(U, U, np.empty(0, np.int64), np.empty(0, np.int64))
    assert out.shape == (0,)


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("shape", [(30, 20), (1, 5), (0, 4), (6, 1)])
def test_csr_dense_matmul_matches_scipy(rng, dtype, shape):
    A = sp.random_array(shape, density=0.3, format="csr", rng=rng, dtype=dtype)
    B = rng.standard_normal((shape[1], 5)).astype(dtype)
    data, B_copy = A.data.copy(), B.copy()
    out = csr_dense_matmul(A.indptr, A.indices, A.data, B)
    assert out.dtype == dtype and out.shape == (shape[0], 5)
    np.testing.assert_allclose(out, A @ B, rtol=1e-5, atol=1e-6)
    np.testing.assert_array_equal(A.data, data)
    np.testing.assert_array_equal(B, B_copy)


def test_csr_dense_matmul_sums_duplicates():
    # A non-canonical CSR with a repeated column adds both entries, as scipy does.
    indptr = np.array([0, 2], dtype=np.int32)
    indices = np.array([1, 1], dtype=np.int32)
    data = np.array([2.0, 3.0])
    B = np.array([[1.0], [10.0]])
    np.testing.assert_allclose(csr_dense_matmul(indptr, indices, data, B), [[50.0]])


def test_csr_dense_matmul_readonly_inputs(rng):
    A = sp.random_array((10, 8), density=0.4, format="csr", rng=rng)
    B = rng.standard_normal((8, 3))
    for arr in (A.data, A.indices, A.indptr, B):
        arr.flags.writeable = False
    np.testing.assert_allclose(csr_dense_matmul(A.indptr, A.indices, A.data, B), A @ B)


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("normalize", [False, True])
def test_add_weighted_rows_matches_numpy(rng, dtype, normalize):
    acc = rng.standard_normal((6, 4)).astype(dtype)
    X = rng.standard_normal((6, 4)).astype(dtype)
    X[3] = 0.0
    acc_copy, X_copy = acc.copy(), X.copy()
    out = add_weighted_rows(acc, X, 2.5, normalize)
    if normalize:
        norms = np.linalg.norm(X, axis=1, keepdims=True)
        Xn = np.divide(X, norms, out=np.zeros_like(X), where=norms > 0)
    else:
        Xn = X
    assert out.dtype == dtype
    np.testing.assert_allclose(out, acc + 2.5 * Xn, rtol=1e-5, atol=1e-6)
    np.testing.assert_array_equal(acc, acc_copy)
    np.testing.assert_array_equal(X, X_copy)


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("shapes", [((30, 20), (20, 7)), ((0, 4), (4, 3)), ((5, 6), (6, 1))])
def test_csr_csr_matmul_dense_matches_scipy(rng, dtype, shapes):
    A = sp.random_array(shapes[0], density=0.3, format="csr", rng=rng, dtype=dtype)
    B = sp.random_array(shapes[1], density=0.2, format="csr", rng=rng, dtype=dtype)
    B_data = B.data.copy()
    out = csr_csr_matmul_dense(A.indptr, A.indices, A.data, B.indptr, B.indices, B.data,
                               B.shape[1])
    assert out.dtype == dtype and out.shape == (shapes[0][0], shapes[1][1])
    np.testing.assert_allclose(out, (A @ B).toarray(), rtol=1e-5, atol=1e-6)
    np.testing.assert_array_equal(B.data, B_data)


# ---------------------------------------------------------------- ridge_fold_in


def _fold_in_reference(A, V, ridge):
    """Per-row numpy solve of (V_J^T V_J + diag(ridge)) c = V_J^T x_J."""
    A = sp.csr_array(A)
    out = np.zeros((A.shape[0], V.shape[1]))
    for i in range(A.shape[0]):
        J = A.indices[A.indptr[i]:A.indptr[i + 1]]
        if J.size == 0:
            continue
        x = A.data[A.indptr[i]:A.indptr[i + 1]].astype(np.float64)
        VJ = V[J].astype(np.float64)
        out[i] = np.linalg.solve(VJ.T @ VJ + np.diag(ridge), VJ.T @ x)
    return out


@pytest.mark.parametrize("dtype", DTYPES)
def test_ridge_fold_in_matches_numpy(rng, dtype):
    from lrsparse._kernels.sampled import ridge_fold_in

    A = sp.random_array((25, 12), density=0.4, format="csr", rng=rng, dtype=dtype)
    A.data = (rng.standard_normal(A.nnz) * 3).astype(dtype)
    V = rng.standard_normal((12, 3))
    ridge = np.array([0.5, 1e-3, 2.0])
    copies = [arr.copy() for arr in (A.indptr, A.indices, A.data, V, ridge)]
    C = ridge_fold_in(A.indptr, A.indices, A.data, V, ridge, np.empty(0))
    assert C.shape == (25, 3) and C.dtype == np.float64
    np.testing.assert_allclose(C, _fold_in_reference(A, V, ridge), rtol=1e-10, atol=1e-12)
    for arr, copy in zip((A.indptr, A.indices, A.data, V, ridge), copies):
        np.testing.assert_array_equal(arr, copy)


def test_ridge_fold_in_empty_rows_give_zero(rng):
    from lrsparse._kernels.sampled import ridge_fold_in

    dense = rng.standard_normal((6, 5))
    dense[[0, 3, 5]] = 0.0
    A = sp.csr_array(dense)
    assert np.diff(A.indptr)[[0, 3, 5]].tolist() == [0, 0, 0]
    V = rng.standard_normal((5, 2))
    C = ridge_fold_in(A.indptr, A.indices, A.data, V, np.ones(2), np.empty(0))
    np.testing.assert_array_equal(C[[0, 3, 5]], 0.0)
    assert np.all(np.abs(C[[1, 2, 4]]).sum(axis=1) > 0)
    # A matrix without any stored entry (and without any row) works too.
    E = sp.csr_array((0, 5))
    assert ridge_fold_in(E.indptr, E.indices, E.data, V, np.ones(2), np.empty(0)).shape == (0, 2)


def test_ridge_fold_in_exact_rows_with_tiny_ridge(rng):
    # Rows in the span of V, each with at least r observed entries: the
    # coefficients are recovered (least squares is exact), the ridge is negligible.
    from lrsparse._kernels.sampled import ridge_fold_in

    V = rng.standard_normal((10, 3))
    coef = rng.standard_normal((8, 3))
    full = coef @ V.T
    keep = rng.uniform(size=full.shape) < 0.5
    keep[:, :3] = True  # at least 3 observations per row
    A = sp.csr_array((full[keep], np.nonzero(keep)), shape=full.shape)
    C = ridge_fold_in(A.indptr, A.indices, A.data, V, np.full(3, 1e-14), np.empty(0))
    np.testing.assert_allclose(C, coef, rtol=1e-8, atol=1e-8)


def test_warm_up_compiles_every_kernel():
    from lrsparse._kernels import sampled

    sampled._warm_up()
    for name in sampled.__all__:
        kernel = getattr(sampled, name)
        assert kernel.signatures, name
        if name == "hashed_keep":  # integers only: one signature
            continue
        dtypes = {a.dtype.name for sig in kernel.signatures for a in sig if hasattr(a, "dtype")}
        assert {"float64", "float32", "int32"} <= dtypes, (name, dtypes)


def test_ridge_fold_in_weights_are_a_weighted_least_squares():
    # entry weights w: (V_J^T W V_J + diag(ridge)) c = V_J^T W x_J, checked row by row
    from lrsparse._kernels.sampled import ridge_fold_in

    rng = np.random.default_rng(3)
    A = sp.random(6, 9, density=0.6, format="csr", random_state=rng)
    V = rng.normal(size=(9, 3))
    w = rng.uniform(0.1, 2.0, A.nnz)
    ridge = np.array([0.5, 1.0, 2.0])
    C = ridge_fold_in(A.indptr, A.indices, A.data, V, ridge, w)
    for i in range(6):
        sl = slice(A.indptr[i], A.indptr[i + 1])
        J, x, wi = A.indices[sl], A.data[sl], w[sl]
        G = V[J].T @ (wi[:, None] * V[J]) + np.diag(ridge)
        np.testing.assert_allclose(C[i], np.linalg.solve(G, V[J].T @ (wi * x)), rtol=1e-10)
    # unit weights equal the unweighted solve
    np.testing.assert_allclose(ridge_fold_in(A.indptr, A.indices, A.data, V, ridge,
                                             np.ones(A.nnz)),
                               ridge_fold_in(A.indptr, A.indices, A.data, V, ridge, np.empty(0)))


# ------------------------------------------------------------- sampled_gradient

NO_MASK = np.empty(0, dtype=bool)


def _gradient_reference(A, B, X, weights):
    """Dense reference: E = W * (A B^T - X) on the stored entries, (E B, sum W r^2)."""
    coo = X.tocoo()
    res = np.einsum("ij,ij->i", A[coo.row], B[coo.col]) - coo.data
    w = np.ones_like(res) if weights is None else weights
    E = sp.coo_array((w * res, (coo.row, coo.col)), shape=X.shape).toarray()
    return E @ B, float(np.sum(w * res * res))


@pytest.mark.parametrize("weighted", [False, True])
@pytest.mark.parametrize("shape", [(30, 20), (1, 5), (6, 1), (40, 300)])
def test_sampled_gradient_matches_dense(rng, weighted, shape):
    X = sp.random_array(shape, density=0.3, format="csr", rng=rng)
    X.sort_indices()
    A = rng.standard_normal((shape[0], 3))
    B = rng.standard_normal((shape[1], 3))
    w = rng.uniform(0.5, 2.0, X.nnz) if weighted else None
    G_ref, loss_ref = _gradient_reference(A, B, X, w)
    wk = np.empty(0) if w is None else w
    G, loss = sampled_gradient(X.indptr, X.indices, X.data, wk, A, B)
    np.testing.assert_allclose(G, G_ref, rtol=1e-10, atol=1e-12)
    assert loss == pytest.approx(loss_ref, rel=1e-12)
    # The column-panel layout gives the same pass (entries regrouped, sums reordered).
    for width in (1, 7, 1000):
        pi, pj, pv = csr_panels(X.indptr, X.indices, X.data, shape[1], width, NO_MASK)
        n_panels = max(-(-shape[1] // width), 1)
        assert pi.shape == (n_panels * shape[0] + 1,) and pi[-1] == X.nnz
        pw = np.empty(0)
        if w is not None:  # the weights follow their entries
            _, _, pw = csr_panels(X.indptr, X.indices, w, shape[1], width, NO_MASK)
        G2, loss2 = sampled_gradient(pi, pj, pv, pw, A, B)
        np.testing.assert_allclose(G2, G_ref, rtol=1e-10, atol=1e-12)
        assert loss2 == pytest.approx(loss_ref, rel=1e-12)
        # ... and the gradient in B on the same panels equals the transposed pass.
        GB = sampled_gradient_columns(pi, pj, pv, pw, A, B, n_panels)
        XT = X.T.tocsr()
        XT.sort_indices()
        GB_ref, _ = _gradient_reference(B, A, XT, None if w is None else
                                        sp.csr_array((w, X.indices, X.indptr),
                                                     shape=shape).T.tocsr().data)
        np.testing.assert_allclose(GB, GB_ref, rtol=1e-10, atol=1e-12)


def test_csr_panels_is_a_permutation_by_column_block(rng):
    X = sp.random_array((25, 40), density=0.2, format="csr", rng=rng)
    X.sort_indices()
    keep = rng.uniform(size=X.nnz) < 0.7
    for mask_arg, kept in ((NO_MASK, np.ones(X.nnz, bool)), (keep, keep)):
        pi, pj, pv = csr_panels(X.indptr, X.indices, X.data, 40, 16, mask_arg)
        assert pi[-1] == kept.sum()
        # Panel q, row i holds row i's kept entries with q*16 <= j < (q+1)*16, in order.
        for q in range(3):
            for i in range(25):
                seg = slice(pi[q * 25 + i], pi[q * 25 + i + 1])
                sl = slice(X.indptr[i], X.indptr[i + 1])
                row = X.indices[sl]
                mask = (row >= 16 * q) & (row < 16 * (q + 1)) & kept[sl]
                np.testing.assert_array_equal(pj[seg], row[mask])
                np.testing.assert_array_equal(pv[seg], X.data[sl][mask])


def test_sampled_gradient_no_rows():
    G, loss = sampled_gradient(np.zeros(1, np.int32), np.empty(0, np.int32), np.empty(0),
                               np.empty(0), np.empty((0, 2)), np.ones((3, 2)))
    assert G.shape == (0, 2) and loss == 0.0


def test_hashed_keep_is_split_invariant_and_has_the_asked_share():
    from lrsparse._kernels.sampled import hashed_keep

    threshold = int(0.02 * 2**16)
    whole = hashed_keep(123, 0, 200_000, threshold)
    assert whole.dtype == np.bool_ and whole.shape == (200_000,)
    # any split of the entries gets the same draws (Dask row blocks)
    cuts = [0, 1, 777, 50_000, 123_457, 200_000]
    parts = np.concatenate([hashed_keep(123, a, b - a, threshold)
                            for a, b in zip(cuts[:-1], cuts[1:])])
    np.testing.assert_array_equal(parts, whole)
    assert abs((~whole).mean() - 0.02) < 0.002
    assert not np.array_equal(hashed_keep(124, 0, 1000, 32768), hashed_keep(123, 0, 1000, 32768))
    assert hashed_keep(5, 0, 100, 0).all() and not hashed_keep(5, 0, 100, 2**16).any()
    # large seeds and offsets stay in uint64 arithmetic
    big = hashed_keep(2**62 + 5, 10**12, 100_000, 32768)
    assert 0.48 < big.mean() < 0.52
