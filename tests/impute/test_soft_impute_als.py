"""SoftImputer(solver="als"): same objective and fixed point as the SVD solver; joint offsets."""

import warnings

import numpy as np
import pytest
from sklearn.exceptions import ConvergenceWarning
from threadpoolctl import threadpool_limits

from lrsparse.datasets import make_low_rank_matrix_with_missing, make_ratings
from lrsparse.impute import SoftImputer
from lrsparse.impute._soft_impute import _BIAS_RIDGE


@pytest.fixture(scope="module", autouse=True)
def single_blas_thread():
    with threadpool_limits(limits=1, user_api="blas"):
        yield


@pytest.fixture(scope="module")
def offset_data():
    """Rank-2 data plus row and column offsets, half observed, a little noise."""
    X, X_true = make_low_rank_matrix_with_missing(40, 30, rank=2, observed_fraction=0.5,
                                                  noise=0.1, random_state=3)
    rng = np.random.default_rng(3)
    offsets = 2.0 + rng.standard_normal((40, 1)) + rng.standard_normal((1, 30))
    return X + offsets, X_true + offsets


def _completion(est):
    Z = est.row_factors_ @ est.components_
    return Z + est.mean_ + est.row_bias_[:, None] + est.column_bias_[None, :]


def _soft_threshold_svd(F, alpha):
    U, s, Vt = np.linalg.svd(F, full_matrices=False)
    return (U * np.maximum(s - alpha, 0.0)) @ Vt


@pytest.mark.parametrize("center", [None, "mean", "biases"])
@pytest.mark.parametrize("alpha", [1.5, 4.0])
def test_als_and_svd_reach_the_same_fixed_point(offset_data, center, alpha):
    X, _ = offset_data
    kw = dict(alpha=alpha, center=center, tol=1e-20, max_iter=5000, random_state=0)
    svd = SoftImputer(solver="svd", **kw).fit(X)
    als = SoftImputer(solver="als", **kw).fit(X)
    assert (svd.solver_, als.solver_) == ("svd", "als")
    Z_svd, Z_als = _completion(svd), _completion(als)
    assert np.abs(Z_als - Z_svd).max() < 1e-6 * np.abs(Z_svd).max()
    assert als.rank_ == svd.rank_ >= 1
    np.testing.assert_allclose(als.singular_values_, svd.singular_values_, rtol=1e-6)
    np.testing.assert_allclose(als.row_bias_, svd.row_bias_, atol=1e-7)
    # components_ orthonormal for both solvers
    np.testing.assert_allclose(als.components_ @ als.components_.T, np.eye(als.rank_),
                               atol=1e-10)
    if center is None:  # and it is soft-impute's fixed point: Z = S_alpha(P(X) + P_perp(Z))
        Z = als.row_factors_ @ als.components_
        Z_map = _soft_threshold_svd(np.where(np.isnan(X), Z, X), alpha)
        assert np.abs(Z_map - Z).max() < 1e-6 * np.abs(Z).max()


def test_offsets_are_fitted_jointly(offset_data):
    # Stationarity in the biases: each is the damped mean of its row's (column's)
    # residual after the low-rank part, k / (k + _BIAS_RIDGE) of the plain mean.
    X, _ = offset_data
    for solver in ("svd", "als"):
        est = SoftImputer(alpha=2.0, solver=solver, tol=1e-20, max_iter=5000,
                          random_state=0).fit(X)
        observed = ~np.isnan(X)
        Z = est.row_factors_ @ est.components_
        resid = np.where(observed, X - est.mean_ - Z, 0.0)
        count_r, count_c = observed.sum(1), observed.sum(0)
        row = (resid - observed * est.column_bias_[None, :]).sum(1) / (count_r + _BIAS_RIDGE)
        col = (resid - observed * est.row_bias_[:, None]).sum(0) / (count_c + _BIAS_RIDGE)
        np.testing.assert_allclose(est.row_bias_, row, atol=1e-7)
        np.testing.assert_allclose(est.column_bias_, col, atol=1e-7)


def test_joint_offsets_fit_better_than_centring_first(offset_data):
    # The joint objective is lower than with the offsets frozen at the bias-only model.
    X, _ = offset_data
    est = SoftImputer(alpha=2.0, solver="als", tol=1e-14, max_iter=3000, random_state=0).fit(X)
    observed = ~np.isnan(X)

    def objective(model, Z):
        r = np.where(observed, X - model, 0.0)
        return (0.5 * np.sum(r**2) + 2.0 * np.linalg.svd(Z, compute_uv=False).sum()
                + 0.5 * _BIAS_RIDGE * (np.sum(est.row_bias_**2) + np.sum(est.column_bias_**2)))

    ours = objective(_completion(est), est.row_factors_ @ est.components_)
    frozen = SoftImputer(alpha=1e12, random_state=0).fit(X)  # the bias-only model
    Xc = X - _completion(frozen)
    Z = SoftImputer(alpha=2.0, center=None, solver="svd", tol=1e-14, max_iter=3000,
                    random_state=0).fit(Xc)
    Zf = Z.row_factors_ @ Z.components_
    frozen_obj = (0.5 * np.sum(np.where(observed, Xc - Zf, 0.0) ** 2)
                  + 2.0 * np.linalg.svd(Zf, compute_uv=False).sum()
                  + 0.5 * _BIAS_RIDGE * (np.sum(frozen.row_bias_**2)
                                         + np.sum(frozen.column_bias_**2)))
    assert ours < frozen_obj


def test_auto_solver_follows_the_observed_fraction():
    dense, _ = make_low_rank_matrix_with_missing(60, 50, rank=2, observed_fraction=0.3,
                                                 random_state=0)
    sparse, _ = make_low_rank_matrix_with_missing(400, 300, rank=2, observed_fraction=0.03,
                                                  random_state=0)
    assert SoftImputer(alpha=1.0, random_state=0).fit(dense).solver_ == "svd"
    assert SoftImputer(alpha=1.0, random_state=0).fit(sparse).solver_ == "als"


def test_als_width_grows_to_the_rank():
    X, X_true = make_low_rank_matrix_with_missing(120, 100, rank=9, observed_fraction=0.6,
                                                  random_state=0)
    est = SoftImputer(alpha=0.5, solver="als", center=None, tol=1e-12, max_iter=2000,
                      random_state=0).fit(X)
    assert est.rank_ == 9
    missing = np.isnan(X)
    err = np.linalg.norm((_completion(est) - X_true)[missing]) / np.linalg.norm(X_true[missing])
    assert err < 0.02


def test_n_components_fixes_the_als_width(offset_data):
    X, _ = offset_data
    est = SoftImputer(alpha=0.01, solver="als", n_components=1, random_state=0).fit(X)
    assert est.rank_ == 1


def test_als_non_convergence_warns(offset_data):
    X, _ = offset_data
    with pytest.warns(ConvergenceWarning, match="SoftImputer"):
        SoftImputer(alpha=1.0, solver="als", max_iter=1, random_state=0).fit(X)
    with warnings.catch_warnings():
        warnings.simplefilter("error", ConvergenceWarning)
        SoftImputer(alpha=1.0, solver="als", max_iter=500, random_state=0).fit(X)


def test_auto_alpha_als_beats_the_bias_model_on_ratings():
    X, truth = make_ratings(300, 200, n_ratings=12000, rank=4, min_ratings=10,
                            random_state=0)
    rng = np.random.default_rng(0)
    rows, cols = X.nonzero()
    test = rng.uniform(size=rows.size) < 0.2
    train = X.copy()
    train.data[test] = np.nan  # stored NaN: missing as well
    train.eliminate_zeros()
    keep = ~np.isnan(train.data)
    import scipy.sparse as sp

    coo = train.tocoo()
    train = sp.csr_array((coo.data[keep], (coo.row[keep], coo.col[keep])), shape=X.shape)
    target = X.toarray()[rows[test], cols[test]]

    def rmse(est):
        return float(np.sqrt(np.mean((est.predict_entries(rows[test], cols[test]) - target)
                                     ** 2)))

    bias = rmse(SoftImputer(alpha=1e12, random_state=0).fit(train))
    est = SoftImputer(solver="als", random_state=0).fit(train)
    svd = SoftImputer(solver="svd", random_state=0).fit(train)
    assert rmse(est) < bias - 0.01
    assert abs(rmse(est) - rmse(svd)) < 0.005  # the same model, whichever solver
    assert est.rank_ >= 1 and est.alpha_path_.size >= 2


def test_svd_solver_numeric_alpha_from_a_cold_start():
    # Found by the gallery: a numeric alpha below the top singular value of the
    # centred ratings gave rank 0 after one iteration (the cold partial SVD
    # stopped at an underestimate); both solvers must find the low-rank part,
    # and ALS stops only at soft-impute's optimality: ||P(X - Z)||_2 <= alpha.
    R, _ = make_ratings(n_users=1500, n_items=300, n_ratings=40000, rank=5,
                        sparse_output=False, random_state=0)
    X = R[:800]
    Z = {}
    for solver in ("svd", "als"):
        est = SoftImputer(alpha=14.17, solver=solver, tol=1e-10, max_iter=2000,
                          random_state=0).fit(X)
        assert est.rank_ >= 5
        Z[solver] = _completion(est)
    assert np.abs(Z["svd"] - Z["als"]).max() < 0.02 * np.abs(Z["als"]).max()
    observed = ~np.isnan(X)
    residual = np.where(observed, X - Z["als"], 0.0)
    assert np.linalg.norm(residual, 2) <= 14.17 * (1 + 2e-3)
