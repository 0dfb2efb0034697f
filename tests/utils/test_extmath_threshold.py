"""svd_above_threshold: the growing-block thresholded SVD of SVT / soft-impute / PCP."""

import numpy as np
import pytest
import scipy.sparse as sp
from scipy.sparse.linalg import aslinearoperator
from threadpoolctl import threadpool_limits

from lrsparse.utils.extmath import svd_above_threshold


@pytest.fixture(scope="module", autouse=True)
def single_blas_thread():
    with threadpool_limits(limits=1, user_api="blas"):
        yield


THRESHOLD = 5.0


@pytest.fixture(scope="module")
def gapped():
    """80 x 50 with six singular values (20 .. 10) above THRESHOLD, the rest <= 2."""
    rng = np.random.default_rng(0)
    U, _ = np.linalg.qr(rng.standard_normal((80, 50)))
    V, _ = np.linalg.qr(rng.standard_normal((50, 50)))
    s = np.concatenate([[20.0, 18.0, 16.0, 14.0, 12.0, 10.0], np.linspace(2.0, 0.1, 44)])
    return (U * s) @ V.T


def _inputs(A):
    return {"dense": A, "sparse": sp.csr_array(A), "operator": aslinearoperator(A)}


def _check_against_lapack(A, U, s, Vt, k):
    U_ref, s_ref, Vt_ref = np.linalg.svd(A, full_matrices=False)
    assert U.shape == (A.shape[0], k) and s.shape == (k,) and Vt.shape == (k, A.shape[1])
    np.testing.assert_allclose(s, s_ref[:k], rtol=1e-8)
    # Same vectors up to a common sign per triplet; same truncation.
    np.testing.assert_allclose(np.abs(np.sum(Vt * Vt_ref[:k], axis=1)), 1.0, atol=1e-6)
    np.testing.assert_allclose(np.sum(U * U_ref[:, :k], axis=0)
                               * np.sign(np.sum(Vt * Vt_ref[:k], axis=1)), 1.0, atol=1e-6)
    np.testing.assert_allclose((U * s) @ Vt, (U_ref[:, :k] * s_ref[:k]) @ Vt_ref[:k],
                               atol=1e-5)


@pytest.mark.parametrize("kind", ["dense", "sparse", "operator"])
def test_matches_lapack_thresholding(gapped, kind):
    A = _inputs(gapped)[kind]
    U, s, Vt, V_block = svd_above_threshold(A, THRESHOLD, random_state=0)
    expected = np.linalg.svd(gapped, compute_uv=False)
    assert s.size == np.count_nonzero(expected > THRESHOLD) == 6
    _check_against_lapack(gapped, U, s, Vt, 6)
    assert V_block.shape[0] == 50 and V_block.shape[1] >= 6


def test_dense_lapack_path_matches(gapped):
    # dense_share small: a single LAPACK SVD is used from the start.
    U, s, Vt, _ = svd_above_threshold(gapped, THRESHOLD, dense_share=0.01, random_state=0)
    _check_against_lapack(gapped, U, s, Vt, 6)


@pytest.mark.parametrize("kind", ["dense", "sparse", "operator"])
def test_max_rank_caps_the_number_of_triplets(gapped, kind):
    U, s, Vt, V_block = svd_above_threshold(_inputs(gapped)[kind], THRESHOLD, max_rank=3,
                                            random_state=0)
    _check_against_lapack(gapped, U, s, Vt, 3)
    assert V_block.shape[1] == 3


@pytest.mark.parametrize("kind", ["dense", "sparse", "operator"])
def test_block_grows_when_n_start_is_too_small(gapped, kind):
    # n_start=1, increment=2: blocks 1, 3, 5, 7; the first with a value <= threshold is 7.
    U, s, Vt, V_block = svd_above_threshold(_inputs(gapped)[kind], THRESHOLD, n_start=1,
                                            increment=2, random_state=0)
    _check_against_lapack(gapped, U, s, Vt, 6)
    assert V_block.shape[1] == 7


def test_nothing_above_threshold_gives_empty_factors(gapped):
    for kind, A in _inputs(gapped).items():
        U, s, Vt, _ = svd_above_threshold(A, 100.0, random_state=0)
        assert U.shape == (80, 0) and s.shape == (0,) and Vt.shape == (0, 50), kind


def test_warm_start_reproduces_the_answer(gapped):
    _, s, Vt, V_block = svd_above_threshold(gapped, THRESHOLD, random_state=0)
    _, s2, Vt2, _ = svd_above_threshold(gapped, THRESHOLD, V0=V_block, n_start=s.size + 1,
                                        random_state=1)
    np.testing.assert_allclose(s2, s, rtol=1e-10)
    np.testing.assert_allclose(np.abs(np.sum(Vt * Vt2, axis=1)), 1.0, atol=1e-6)


def test_cold_start_below_the_threshold_is_not_taken_as_converged():
    # A random start underestimates the top singular value; with converge_above
    # the first estimate below the threshold used to end the iteration, so
    # svd_above_threshold returned nothing although sigma_1 is above it (found
    # as SoftImputer(alpha=...) stopping at rank 0 on ratings).
    rng = np.random.default_rng(0)
    A = sp.random_array((800, 300), density=0.09, rng=rng, data_sampler=rng.standard_normal,
                        format="csr")
    s1 = np.linalg.svd(A.toarray(), compute_uv=False)[0]
    for seed in range(3):
        U, s, Vt, _ = svd_above_threshold(A, 0.9 * s1, n_start=1, n_oversamples=3,
                                          random_state=seed, max_iter=30, tol=1e-6)
        assert s.size >= 1 and s[0] == pytest.approx(s1, rel=1e-6)
