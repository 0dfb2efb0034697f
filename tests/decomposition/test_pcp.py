"""PrincipalComponentPursuit: exact recovery, the convex optimum, fold-in, bad input."""

import warnings

import numpy as np
import pytest
import scipy.sparse as sp
from sklearn.base import clone
from sklearn.exceptions import ConvergenceWarning

from lrsparse.datasets import make_low_rank_plus_sparse
from lrsparse.decomposition import PrincipalComponentPursuit
from lrsparse.metrics import relative_error


def _rel(A, B):
    return np.linalg.norm(A - B) / np.linalg.norm(B)


@pytest.fixture(scope="module")
def problem():
    return make_low_rank_plus_sparse(150, 120, rank=5, sparsity=0.1, random_state=0)


@pytest.fixture(scope="module")
def fitted(problem):
    D, _, _ = problem
    return PrincipalComponentPursuit(random_state=0).fit(D)


def test_exact_recovery(problem, fitted):
    D, L, S = problem
    assert fitted.rank_ == 5
    assert _rel(fitted.low_rank_, L) < 1e-4
    assert _rel(fitted.sparse_, S) < 1e-4
    np.testing.assert_allclose(fitted.low_rank_ + fitted.sparse_, D, atol=1e-5)
    # The row space of L, orthonormal rows.
    np.testing.assert_allclose(fitted.components_ @ fitted.components_.T, np.eye(5), atol=1e-10)
    np.testing.assert_allclose(fitted.low_rank_ @ fitted.components_.T @ fitted.components_,
                               fitted.low_rank_, atol=1e-8)
    np.testing.assert_allclose(fitted.singular_values_,
                               np.linalg.svd(fitted.low_rank_, compute_uv=False)[:5], rtol=1e-8)


def test_truncated_svd_does_not_recover(problem):
    # The corruption is gross: a plain rank-5 SVD is far off (what PCP is for).
    D, L, _ = problem
    U, s, Vt = np.linalg.svd(D, full_matrices=False)
    assert _rel((U[:, :5] * s[:5]) @ Vt[:5], L) > 0.1


def test_matches_cvxpy_on_small_instance():
    cp = pytest.importorskip("cvxpy")
    rng = np.random.default_rng(1)
    # Not an exact-recovery instance: the optimum is a nontrivial split.
    D = rng.standard_normal((12, 10))
    D[:, :5] += 3 * np.outer(rng.standard_normal(12), rng.standard_normal(5))
    lam = 1 / np.sqrt(12)
    L = cp.Variable(D.shape)
    objective = cp.normNuc(L) + lam * cp.sum(cp.abs(D - L))
    cp.Problem(cp.Minimize(objective)).solve(solver=cp.SCS, eps=1e-9, max_iters=200000)
    ref = objective.value
    pcp = PrincipalComponentPursuit(random_state=0, tol=1e-9, max_iter=2000).fit(D)
    ours = np.linalg.svd(pcp.low_rank_, compute_uv=False).sum() + lam * np.abs(pcp.sparse_).sum()
    assert ours == pytest.approx(ref, rel=1e-4)
    np.testing.assert_allclose(pcp.low_rank_, L.value, atol=2e-3)


def test_transform_cleans_new_rows(problem, fitted):
    # New rows from the same row space with their own sparse corruption.
    D, L, S = make_low_rank_plus_sparse(150, 120, rank=5, sparsity=0.1, random_state=0)
    rng = np.random.default_rng(3)
    C = rng.standard_normal((20, 5))
    new_clean = C @ (fitted.components_ * fitted.singular_values_[:, None]) / 10
    new = new_clean.copy()
    bad = rng.random(new.shape) < 0.1
    new[bad] += 5 * rng.choice([-1, 1], size=bad.sum())
    out = fitted.transform(new)
    assert _rel(out, new_clean) < 1e-6
    # The training matrix: transform reproduces the PCP solution.
    assert _rel(fitted.transform(D), fitted.low_rank_) < 1e-6


def test_transform_rows_are_independent(fitted, problem):
    D = problem[0]
    full = fitted.transform(D[:40])
    np.testing.assert_allclose(fitted.transform(D[10:20]), full[10:20], rtol=1e-9, atol=1e-10)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_dtype_preserved_and_input_untouched(problem, dtype):
    D = problem[0][:60, :50].astype(dtype)
    D_copy = D.copy()
    pcp = PrincipalComponentPursuit(random_state=0, tol=1e-5).fit(D)
    assert pcp.low_rank_.dtype == dtype and pcp.sparse_.dtype == dtype
    assert pcp.transform(D).dtype == dtype
    np.testing.assert_array_equal(D, D_copy)


def test_zero_matrix():
    pcp = PrincipalComponentPursuit().fit(np.zeros((5, 4)))
    assert pcp.rank_ == 0 and not pcp.low_rank_.any() and not pcp.sparse_.any()
    assert not pcp.transform(np.ones((2, 4))).any()


def test_lam_controls_the_split(problem):
    D = problem[0]
    # Huge lam: nothing is sparse; tiny lam: nothing is low-rank.
    big = PrincipalComponentPursuit(lam=10.0, random_state=0).fit(D)
    assert np.abs(big.sparse_).max() < 1e-4 * np.abs(D).max()
    small = PrincipalComponentPursuit(lam=1e-3, random_state=0).fit(D)
    assert np.abs(small.low_rank_).max() < 1e-3 * np.abs(D).max()


def test_convergence_warning(problem):
    with pytest.warns(ConvergenceWarning,
                      match="PrincipalComponentPursuit did not converge.*max_iter=2 .*tol=1e-07"):
        pcp = PrincipalComponentPursuit(max_iter=2, random_state=0).fit(problem[0])
    assert pcp.n_iter_ == 2


def test_transform_convergence_warning(fitted, problem):
    fitted = clone(fitted).fit(problem[0])
    with pytest.warns(ConvergenceWarning, match="PrincipalComponentPursuit.transform did not"):
        fitted.set_params(max_iter=1).transform(problem[0][:20])


def test_no_warning_when_converged(problem):
    D = problem[0]
    with warnings.catch_warnings():
        warnings.simplefilter("error", ConvergenceWarning)
        pcp = PrincipalComponentPursuit(random_state=0).fit(D)
        pcp.transform(D[:10])
    assert 1 <= pcp.n_iter_ < pcp.max_iter


@pytest.fixture(scope="module")
def unscaled(problem):
    D, L, S = problem
    pcp = PrincipalComponentPursuit(random_state=0).fit(D)
    return pcp, _rel(pcp.low_rank_, L)


@pytest.mark.parametrize("factor", [1e-100, 1e-20, 1e-6, 1.0, 1e6, 1e100])
def test_scale_equivariance(problem, unscaled, factor):
    # min ||L||_* + lam ||S||_1 s.t. L + S = X is scale-equivariant: c X splits
    # into c L + c S, with the same iterations and relative error.
    D, L, S = problem
    ref, ref_err = unscaled
    with warnings.catch_warnings():
        warnings.simplefilter("error", ConvergenceWarning)
        pcp = PrincipalComponentPursuit(random_state=0).fit(D * factor)
    assert ref.n_iter_ / 2 <= pcp.n_iter_ <= 2 * ref.n_iter_
    assert pcp.rank_ == ref.rank_ == 5
    err = relative_error(L * factor, pcp.low_rank_)
    assert err == pytest.approx(ref_err, rel=0.05)
    assert err < 1e-6
    np.testing.assert_allclose(pcp.low_rank_ / factor, ref.low_rank_, atol=1e-6)
    np.testing.assert_allclose(pcp.singular_values_ / factor, ref.singular_values_, rtol=1e-6)
    np.testing.assert_allclose(np.abs(pcp.components_ @ ref.components_.T), np.eye(5), atol=1e-6)
    assert _rel(pcp.transform(D[:20] * factor) / factor, ref.transform(D[:20])) < 1e-6


def test_scale_subnormal_rejected(problem):
    with pytest.raises(ValueError, match="too small for float64"):
        PrincipalComponentPursuit().fit(problem[0][:10, :8] * 1e-320)


def test_mu_outside_float64_with_the_data_rejected(problem):
    # mu has the units of 1 / X: mu * max|X| overflows.
    with pytest.raises(ValueError, match="mu=1e\\+300 times the largest magnitude"):
        PrincipalComponentPursuit(mu=1e300).fit(problem[0][:20, :10] * 1e100)


def test_user_mu_scales_with_the_data(problem):
    # The same path for (c X, mu / c) as for (X, mu).
    D = problem[0][:60, :50]
    a = PrincipalComponentPursuit(mu=0.01, random_state=0).fit(D)
    b = PrincipalComponentPursuit(mu=0.01 / 1e6, random_state=0).fit(D * 1e6)
    assert a.n_iter_ == b.n_iter_
    np.testing.assert_allclose(b.low_rank_ / 1e6, a.low_rank_, atol=1e-8)


def test_sparse_input_rejected():
    with pytest.raises(TypeError, match="dense data is required"):
        PrincipalComponentPursuit().fit(sp.csr_array(np.eye(4)))


def test_reproducible(problem):
    D = problem[0][:80, :60]
    a = PrincipalComponentPursuit(random_state=5).fit(D).low_rank_
    b = PrincipalComponentPursuit(random_state=5).fit(D).low_rank_
    np.testing.assert_array_equal(a, b)


@pytest.mark.parametrize("bad", [np.nan, np.inf])
def test_non_finite_input_rejected(bad):
    D = np.ones((5, 4))
    D[1, 2] = bad
    with pytest.raises(ValueError, match="NaN|infinity"):
        PrincipalComponentPursuit().fit(D)


@pytest.mark.parametrize("params", [dict(lam=0.0), dict(lam=-1.0), dict(lam=np.inf),
                                    dict(lam=np.nan), dict(mu=0), dict(mu=np.inf), dict(tol=0),
                                    dict(tol=np.inf), dict(tol=np.nan), dict(max_iter=0),
                                    dict(n_oversamples=-1), dict(lam="big")])
def test_bad_params(params):
    with pytest.raises(ValueError, match="parameter of PrincipalComponentPursuit must be"):
        PrincipalComponentPursuit(**params).fit(np.ones((4, 3)))


def test_transform_wrong_width(fitted):
    with pytest.raises(ValueError, match="features"):
        fitted.transform(np.ones((3, 7)))


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_singular_value_thresholding_matches_dense(dtype):
    # The shrink step (svd_above_threshold + prox.svd_shrink) is D_tau of a full SVD.
    from lrsparse.decomposition._pcp import _SingularValueThresholding

    rng = np.random.default_rng(0)
    M = (rng.standard_normal((60, 8)) @ rng.standard_normal((8, 40))).astype(dtype)
    U, s, Vt = np.linalg.svd(M.astype(np.float64), full_matrices=False)
    tau = float(s[3] + s[4]) / 2
    expected = (U * np.maximum(s - tau, 0.0)) @ Vt
    svt = _SingularValueThresholding(M.shape, 5, np.random.RandomState(0))
    out = svt(M, tau)
    assert out.dtype == dtype and svt.rank == 4
    tol = 1e-3 if dtype == np.float32 else 1e-8
    assert _rel(out, expected) < tol
    np.testing.assert_allclose(svt.s, s[:4] - tau, rtol=tol)
