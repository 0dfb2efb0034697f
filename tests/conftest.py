"""Shared fixtures: numba warm-up once per run, seeds."""

import os

# scikit-learn's array-API common check (NumPy under array-API dispatch) runs
# only when scipy is imported with this set, as in scikit-learn's own CI.
os.environ.setdefault("SCIPY_ARRAY_API", "1")

import numpy as np  # noqa: E402
import pytest  # noqa: E402
import scipy.sparse as sp  # noqa: E402


@pytest.fixture(scope="session", autouse=True)
def warm_numba_kernels():
    """Compile (or load from the disk cache) every shared kernel once, for both dtypes.

    Tests then time and behave the same whatever runs first, and a cold
    cache costs its compile once here instead of inside a random test.
    """
    from lrsparse._kernels import nmf, prox, randproj, rankone, rows, sampled

    for dtype in (np.float64, np.float32):
        x = np.ones((3, 2), dtype=dtype)
        prox.soft_threshold(x, 0.5)
        prox.group_soft_threshold(x, 0.5, 0)
        prox.svd_shrink(x, np.ones(2, dtype=dtype), x.T.copy(), 0.5)
        prox.alm_sparse_step(x, x, x, dtype(1.0), 0.5)
        idx = np.zeros(2, dtype=np.int32)
        sampled.sampled_product(x, x, idx, idx)
        A = sp.csr_array(x)
        sampled.csr_dense_matmul(A.indptr, A.indices, A.data, x)
        sampled.csr_csr_matmul_dense(A.indptr, A.indices, A.data, A.indptr, A.indices, A.data, 2)
        rows.add_weighted_rows(x, x, 1.0, True)
        eye = np.eye(2, dtype=dtype)
        rankone.sherman_morrison_update(eye, eye[0], eye[1])
        rankone.logdet_rank_one_update(0.0, eye, eye[0], eye[1])
        ones, n = np.ones(3), x.shape[0]
        graph = (A.indptr, A.indices, np.ones(A.nnz), np.ones(n), 0.5)
        nmf.abundance_pass(x, x.copy(), x.T.copy(), np.ones(3, dtype=np.float64)[:2], 0.5,
                           *graph, ones, ones, 1e-12, 2, True)
        nmf.abundance_qp(np.ones((n, 2)), np.eye(2), x.copy(), *graph, ones, ones, 2)
        nmf.endmember_update(x.T.copy(), np.ones((2, 3)), np.eye(2), 1e-12)
    randproj.very_sparse_random_projection(4, 2, seed=0)


@pytest.fixture(scope="session", autouse=True)
def single_blas_thread():
    """One BLAS thread for the whole run.

    The estimators make many small QR / SVD calls; on a machine with more
    runnable processes than cores (CI runners, the 2-core dev box running
    benchmarks) multi-threaded OpenBLAS spins and makes them 10-40x slower.
    """
    from threadpoolctl import threadpool_limits

    with threadpool_limits(1, user_api="blas"):
        yield


@pytest.fixture
def rng():
    return np.random.default_rng(0)
