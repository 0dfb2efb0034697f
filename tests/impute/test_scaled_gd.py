"""ScaledGDImputer: ScaledGD(lambda) recovers low-rank truth; fold-in; sparse = NaN input."""

import warnings

import numpy as np
import pytest
import scipy.sparse as sp
from sklearn.exceptions import ConvergenceWarning
from threadpoolctl import threadpool_limits

from lrsparse.datasets import make_low_rank_matrix_with_missing
from lrsparse.impute import ScaledGDImputer
from lrsparse.impute._base import observed_entries, scaled
from lrsparse.impute._scaled_gd import scaled_gd_completion
from lrsparse.metrics import relative_error


@pytest.fixture(scope="module", autouse=True)
def single_blas_thread():
    with threadpool_limits(limits=1, user_api="blas"):
        yield


def _d_r(n1, n2, r):
    return r * (n1 + n2 - r)


@pytest.fixture(scope="module")
def exact():
    """300 x 200, rank 3, 8 d_r noiseless observations."""
    return make_low_rank_matrix_with_missing(300, 200, rank=3, n_observed=8 * _d_r(300, 200, 3),
                                             random_state=0)


def test_recovers_rank_r_from_an_overparameterised_start(exact):
    X, X_true = exact
    missing = np.isnan(X)
    est = ScaledGDImputer(n_components=6, random_state=0).fit(X)
    assert est.rank_ == 3
    assert relative_error(X_true, est.fit_transform(X), mask=missing) < 1e-4
    np.testing.assert_allclose(est.singular_values_,
                               np.linalg.svd(X_true, compute_uv=False)[:3], rtol=1e-4)
    np.testing.assert_allclose(est.components_ @ est.components_.T, np.eye(3), atol=1e-10)
    assert est.residual_ < 1e-4 * np.nanstd(X)


def test_near_the_information_limit():
    # m = 5 d_r, the sampling: exact recovery with n_components at the rank
    # and, thanks to the rank-gap cut, with twice the rank.
    X, X_true = make_low_rank_matrix_with_missing(
        600, 600, rank=4, n_observed=5 * _d_r(600, 600, 4), sparse_output=True, random_state=1)
    missing = np.ones(X_true.shape, dtype=bool)
    missing[X.nonzero()] = False
    for k in (4, 8):
        est = ScaledGDImputer(n_components=k, random_state=0).fit(X)
        assert est.rank_ == 4
        Z = est.row_factors_ @ est.components_
        assert relative_error(X_true, Z, mask=missing) < 1e-3
    # Without the held-out rank selection the extra directions fit the sampling pattern.
    est = ScaledGDImputer(n_components=8, validation_fraction=None, max_iter=150, random_state=0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        est.fit(X)
    assert est.rank_ == 8
    assert relative_error(X_true, est.row_factors_ @ est.components_, mask=missing) > 1e-3


def _iterations_to(X, X_true, tol, **kw):
    obs, scale = scaled(observed_entries(X, np.nan))
    missing = np.isnan(X)
    target = X_true[missing] / scale
    hits = []

    def callback(it, L, R):
        if not hits and np.linalg.norm((L @ R.T)[missing] - target) <= tol * np.linalg.norm(
                target):
            hits.append(it)

    scaled_gd_completion(obs, 3, tol=1e-12, random_state=0, callback=callback, **kw)
    return hits[0] if hits else np.inf


def test_iterations_do_not_grow_with_the_condition_number():
    # The preconditioner's point (Xu et al.): iterations to 1e-3 barely move from
    # condition number 1 to 100, where plain gradient descent needs many more.
    counts = {}
    for kappa in (1.0, 100.0):
        X, X_true = make_low_rank_matrix_with_missing(
            200, 200, rank=3, observed_fraction=0.4, condition_number=kappa, random_state=0)
        counts[kappa] = _iterations_to(X, X_true, 1e-3, max_iter=300)
        counts["gd", kappa] = _iterations_to(X, X_true, 1e-3, max_iter=300, precondition=False)
    assert counts[100.0] <= 2 * counts[1.0] < 100
    assert counts["gd", 100.0] > 3 * counts[100.0]


def test_noise_sets_the_error_floor():
    X, X_true = make_low_rank_matrix_with_missing(300, 200, rank=3, observed_fraction=0.3,
                                                  noise=0.1, random_state=0)
    missing = np.isnan(X)
    est = ScaledGDImputer(n_components=3, random_state=0).fit(X)
    err = relative_error(X_true, est.fit_transform(X), mask=missing)
    # noise 0.1 on entries of standard deviation sqrt(3): a few percent at most.
    assert 1e-3 < err < 0.03


def test_fold_in_equals_completion_when_the_factors_are_exact(exact):
    X, X_true = exact
    est = ScaledGDImputer(n_components=3, random_state=0).fit(X)
    rows = np.flatnonzero((~np.isnan(X)).sum(axis=1) >= 10)[:20]
    atol = 1e-3 * np.abs(X_true).max()
    np.testing.assert_allclose(est.transform(X[rows]), X_true[rows], atol=atol)
    np.testing.assert_allclose(est.fit_transform(X)[rows], est.transform(X[rows]), atol=atol)
    # With the exact factors in place, fold-in reproduces the true rows exactly.
    U, s, Vt = np.linalg.svd(X_true, full_matrices=False)
    est.row_factors_, est.components_ = U[:, :3] * s[:3], Vt[:3]
    est._residual_variance = 0.0
    np.testing.assert_allclose(est.transform(X[rows]), X_true[rows],
                               atol=1e-8 * np.abs(X_true).max())


def test_sparse_and_nan_inputs_agree(exact):
    X, _ = exact
    r, c = np.nonzero(~np.isnan(X))
    S = sp.csr_array((X[r, c], (r, c)), shape=X.shape)
    a = ScaledGDImputer(n_components=4, random_state=0).fit(X)
    b = ScaledGDImputer(n_components=4, random_state=0).fit(S)
    assert a.n_iter_ == b.n_iter_
    np.testing.assert_allclose(a.row_factors_ @ a.components_, b.row_factors_ @ b.components_,
                               rtol=1e-10, atol=1e-10)
    np.testing.assert_allclose(a.transform(X[:5]), b.transform(S[:5]), rtol=1e-8, atol=1e-8)
    idx = np.arange(10)
    np.testing.assert_allclose(a.predict_entries(idx, idx), b.predict_entries(idx, idx))


def test_reproducible_and_seed_dependent(exact):
    X, _ = exact
    a = ScaledGDImputer(n_components=4, max_iter=30, random_state=0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        Z0 = a.fit(X).row_factors_ @ a.components_
        Z1 = a.fit(X).row_factors_ @ a.components_
        Z2 = a.set_params(random_state=1).fit(X).row_factors_ @ a.components_
    np.testing.assert_array_equal(Z0, Z1)
    assert np.abs(Z0 - Z2).max() > 1e-6 * np.abs(Z0).max()


def test_convergence_warning(exact):
    X, _ = exact
    with pytest.warns(ConvergenceWarning, match="ScaledGDImputer"):
        est = ScaledGDImputer(n_components=3, max_iter=3, random_state=0).fit(X)
    assert est.n_iter_ == 3
    with warnings.catch_warnings():
        warnings.simplefilter("error", ConvergenceWarning)
        ScaledGDImputer(n_components=3, random_state=0).fit(X)


def test_ridge_shrinks_the_completion(exact):
    X, _ = exact
    plain = ScaledGDImputer(n_components=3, random_state=0).fit(X)
    ridge = ScaledGDImputer(n_components=3, alpha=0.05, random_state=0).fit(X)
    assert np.all(ridge.singular_values_ < plain.singular_values_)


def test_constant_zero_data():
    X = np.where(np.eye(20, 15) > 0, 0.0, np.nan)
    X[np.arange(20), np.arange(20) % 15] = 0.0
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        est = ScaledGDImputer(n_components=2, random_state=0).fit(X)
        assert np.all(est.fit_transform(X) == 0.0)
