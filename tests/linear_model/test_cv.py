"""weighted_lasso_path (warm-started, three losses) and WeightedLassoCV (LassoCV with weights)."""

import warnings

import numpy as np
import pytest
import scipy.sparse as sp
from joblib import parallel_config
from sklearn.exceptions import ConvergenceWarning
from sklearn.linear_model import LassoCV
from sklearn.model_selection import KFold

from lrsparse.datasets import make_sparse_recovery
from lrsparse.linear_model import WeightedLassoCV, weighted_lasso, weighted_lasso_path
from lrsparse.linear_model._cv import _alpha_max
from lrsparse.metrics import relative_error

LOSSES = ["lasso", "sqrt_lasso", "lad"]
TIGHT = dict(tol=1e-10, max_iter=100_000)


def _data(n=40, p=30, k=4, noise=0.05, seed=0, offset=1.5):
    X, y, coef = make_sparse_recovery(n, p, k, noise=noise, random_state=seed)
    return X, y + offset, coef


def _weights(p, seed=1):
    return np.random.default_rng(seed).uniform(0.5, 2.0, p)


def _objective(X, y, coef, intercept, alpha, loss, weights):
    n = X.shape[0]
    r = y - X @ coef - intercept
    fit = {"lasso": r @ r / (2 * n), "sqrt_lasso": np.linalg.norm(r) / np.sqrt(n),
           "lad": np.abs(r).sum() / n}[loss]
    return fit + alpha * np.sum(weights * np.abs(coef))


# --- the grid's top: alpha_max ------------------------------------------------------------


@pytest.mark.parametrize("fit_intercept", [True, False])
@pytest.mark.parametrize("loss", LOSSES)
def test_path_starts_at_zero_and_leaves_it_just_below_alpha_max(loss, fit_intercept):
    X, y, _ = _data()
    w = _weights(X.shape[1])
    alphas, coefs, intercepts, n_iters = weighted_lasso_path(
        X, y, loss=loss, weights=w, fit_intercept=fit_intercept, n_alphas=2, eps=0.95, **TIGHT)
    assert alphas[0] == pytest.approx(
        _alpha_max(X, y, loss=loss, weights=w, fit_intercept=fit_intercept), rel=1e-14)
    np.testing.assert_allclose(alphas[1], 0.95 * alphas[0], rtol=1e-14)
    # at alpha_max: exactly zero, the intercept alone (mean, or median for lad)
    assert np.all(coefs[:, 0] == 0)
    center = np.median(y) if loss == "lad" else np.mean(y)
    assert intercepts[0] == pytest.approx(center if fit_intercept else 0.0, abs=1e-8)
    # just below it: the feature attaining the maximum enters
    assert np.count_nonzero(coefs[:, 1]) >= 1
    r0 = y - center if fit_intercept else y
    score = np.abs(X.T @ (np.sign(r0) if loss == "lad" else r0)) / w
    assert np.argmax(score) in np.flatnonzero(coefs[:, 1])
    assert n_iters[0] == 0 and n_iters[1] >= 1


def _ties(fit_intercept, seed=3):
    """Integer targets, six of them equal to the median (or to zero without an intercept)."""
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((30, 8))
    y = rng.integers(-2, 3, 30).astype(float)
    y[:6] = np.median(y) if fit_intercept else 0.0
    return X, y


@pytest.mark.parametrize("fit_intercept", [True, False])
@pytest.mark.parametrize("loss, ties", [("lasso", False), ("sqrt_lasso", False), ("lad", False),
                                        ("lad", True)])  # ties in y matter to LAD only
def test_alpha_max_is_where_zero_stops_being_optimal(loss, ties, fit_intercept):
    # Independent of the path's shortcut: cold solves of weighted_lasso around alpha_max.
    if ties:
        X, y = _ties(fit_intercept)
    else:
        X, y, _ = _data(n=30, p=8, seed=3)
    w = _weights(X.shape[1], seed=5)
    alpha_max = _alpha_max(X, y, loss=loss, weights=w, fit_intercept=fit_intercept)
    null = (np.zeros(X.shape[1]), np.median(y) if loss == "lad" else np.mean(y))
    if not fit_intercept:
        null = (null[0], 0.0)

    def gain(alpha):  # objective of the null model minus the optimum
        coef, b = weighted_lasso(X, y, alpha, loss=loss, weights=w,
                                 fit_intercept=fit_intercept, **TIGHT)
        f_null = _objective(X, y, *null, alpha, loss, w)
        return (f_null - _objective(X, y, coef, b, alpha, loss, w)) / f_null, coef

    at, _ = gain(alpha_max)
    assert at <= 1e-9  # zero is optimal at alpha_max ...
    above, coef = gain(1.01 * alpha_max)
    assert above <= 1e-9 and np.max(np.abs(coef)) <= 1e-8  # ... and the solution above it
    below, coef = gain(0.97 * alpha_max)
    assert below > 1e-6 and np.max(np.abs(coef)) > 1e-4  # not below it


@pytest.mark.parametrize("fit_intercept", [True, False])
def test_lad_alpha_max_with_ties_is_below_the_naive_bound(fit_intercept):
    # The signs of tied residuals are free: zero signs there (the naive bound) are not
    # the best choice, the linear program's are; the path is still exactly zero at the top.
    X, y = _ties(fit_intercept)
    b0 = np.median(y) if fit_intercept else 0.0
    naive = np.max(np.abs(X.T @ np.sign(y - b0))) / X.shape[0]
    alphas, coefs, intercepts, n_iters = weighted_lasso_path(
        X, y, loss="lad", fit_intercept=fit_intercept, n_alphas=2, eps=0.97, **TIGHT)
    assert alphas[0] < 0.8 * naive
    assert np.all(coefs[:, 0] == 0) and intercepts[0] == b0 and n_iters[0] == 0
    assert np.count_nonzero(coefs[:, 1]) >= 1


def test_constant_y_gives_a_zero_path():
    X, _, _ = _data()
    y = np.full(X.shape[0], 3.0)
    for loss in LOSSES:
        alphas, coefs, intercepts, _ = weighted_lasso_path(X, y, loss=loss, n_alphas=3)
        np.testing.assert_array_equal(alphas, np.full(3, np.finfo(np.float64).resolution))
        assert np.all(coefs == 0)
        np.testing.assert_allclose(intercepts, 3.0)


# --- the path: each point a solve, warm starts cheaper ------------------------------------


@pytest.mark.parametrize("loss", LOSSES)
def test_each_path_point_is_the_cold_solve(loss):
    X, y, _ = _data(n=30, p=20, seed=2)
    w = _weights(X.shape[1], seed=4)
    kw = dict(loss=loss, weights=w, tol=1e-9, max_iter=100_000)
    alphas, coefs, intercepts, _ = weighted_lasso_path(X, y, n_alphas=6, eps=1e-2, **kw)
    for k, alpha in enumerate(alphas):
        cold, b = weighted_lasso(X, y, alpha, **kw)
        f_path = _objective(X, y, coefs[:, k], intercepts[k], alpha, loss, w)
        f_cold = _objective(X, y, cold, b, alpha, loss, w)
        assert f_path == pytest.approx(f_cold, rel=1e-6)


@pytest.mark.parametrize("loss", LOSSES)
def test_warm_start_needs_fewer_iterations_than_cold_starts(loss):
    # n > p: with p > n the square-root LASSO interpolates at small alphas, where
    # coordinate descent crawls (see the report of issue 11)
    X, y, _ = _data(n=60, p=40, k=5, seed=5)
    kw = dict(loss=loss, tol=1e-8, max_iter=100_000)
    alphas, _, _, warm = weighted_lasso_path(X, y, n_alphas=15, eps=1e-2, **kw)
    cold = [weighted_lasso(X, y, a, return_n_iter=True, **kw)[2] for a in alphas]
    assert warm.sum() < np.sum(cold)


def test_explicit_alphas_are_solved_in_decreasing_order():
    X, y, _ = _data()
    grid = np.array([0.01, 0.1, 0.03])
    alphas, coefs, _, _ = weighted_lasso_path(X, y, alphas=grid, **TIGHT)
    np.testing.assert_array_equal(alphas, [0.1, 0.03, 0.01])
    for k, alpha in enumerate(alphas):
        cold, _ = weighted_lasso(X, y, alpha, **TIGHT)
        np.testing.assert_allclose(coefs[:, k], cold, atol=1e-7)
    # sparser at larger penalties
    assert np.all(np.diff(np.count_nonzero(coefs, axis=0)) >= 0)


@pytest.mark.parametrize("index_dtype", [np.int32, np.int64])
@pytest.mark.parametrize("fmt", ["csr", "csc", "coo"])
@pytest.mark.parametrize("container", [sp.csr_matrix, sp.csr_array])
def test_sparse_path_equals_dense(container, fmt, index_dtype):
    X, y, _ = _data(n=30, p=20, seed=6)
    X[np.abs(X) < 0.1] = 0.0
    Xs = container(X).asformat(fmt)
    for name in ("indices", "indptr", "row", "col"):
        if hasattr(Xs, name):
            setattr(Xs, name, getattr(Xs, name).astype(index_dtype))
    before = Xs.copy()
    dense = weighted_lasso_path(X, y, n_alphas=5, **TIGHT)
    sparse = weighted_lasso_path(Xs, y, n_alphas=5, **TIGHT)
    for a, b in zip(dense, sparse[:3]):
        np.testing.assert_allclose(b, a, rtol=1e-8, atol=1e-9)
    assert (Xs != before).nnz == 0  # not modified


def test_path_does_not_modify_inputs():
    X, y, _ = _data()
    w = _weights(X.shape[1])
    copies = X.copy(), y.copy(), w.copy()
    weighted_lasso_path(X, y, weights=w, n_alphas=4)
    for a, b in zip((X, y, w), copies):
        np.testing.assert_array_equal(a, b)


# --- scale --------------------------------------------------------------------------------

FACTORS = [1e-100, 1e-6, 1.0, 1e6, 1e100]


@pytest.mark.parametrize("factor", FACTORS)
@pytest.mark.parametrize("loss", LOSSES)
def test_path_scales_with_the_data(loss, factor):
    X, y, coef = _data(n=40, p=30, seed=7, offset=0.0)
    kw = dict(loss=loss, n_alphas=8, eps=1e-2, tol=1e-8)
    alphas, coefs, intercepts, n_iters = weighted_lasso_path(X, y, **kw)
    s_alphas, s_coefs, s_intercepts, s_iters = weighted_lasso_path(X * factor, y * factor, **kw)
    # (a X, b y): alphas by a b (lasso) or a; coefficients by b / a = 1; intercepts by b
    alpha_factor = factor * factor if loss == "lasso" else factor
    np.testing.assert_allclose(s_alphas / alpha_factor, alphas, rtol=1e-10)
    np.testing.assert_allclose(s_coefs, coefs, rtol=1e-5, atol=1e-7)
    np.testing.assert_allclose(s_intercepts / factor, intercepts, atol=1e-7)
    assert np.all(s_iters <= 2 * np.maximum(n_iters, 1))
    assert np.all(n_iters <= 2 * np.maximum(s_iters, 1))
    assert relative_error(coef[None], s_coefs[None, :, -1]) == pytest.approx(
        relative_error(coef[None], coefs[None, :, -1]), rel=1e-4, abs=1e-8)


@pytest.mark.parametrize("factor", FACTORS)
def test_cv_scales_with_the_data(factor):
    X, y, coef = _data(n=50, p=30, seed=8)
    kw = dict(n_alphas=10, cv=3, tol=1e-8)
    ref = WeightedLassoCV(**kw).fit(X, y)
    model = WeightedLassoCV(**kw).fit(X * factor, y * factor)
    assert model.alpha_ / (factor * factor) == pytest.approx(ref.alpha_, rel=1e-10)
    np.testing.assert_allclose(model.alphas_ / factor**2, ref.alphas_, rtol=1e-10)
    np.testing.assert_allclose(model.mse_path_ / factor**2, ref.mse_path_, rtol=1e-5)
    np.testing.assert_allclose(model.coef_, ref.coef_, rtol=1e-5, atol=1e-8)
    assert model.intercept_ / factor == pytest.approx(ref.intercept_, rel=1e-6, abs=1e-8)
    assert ref.n_iter_ / 2 <= model.n_iter_ <= 2 * max(ref.n_iter_, 1)
    assert relative_error(coef[None], model.coef_[None]) == pytest.approx(
        relative_error(coef[None], ref.coef_[None]), rel=1e-4)


# --- WeightedLassoCV against scikit-learn's LassoCV ----------------------------------------


@pytest.mark.parametrize("fit_intercept", [True, False])
def test_cv_with_unit_weights_is_lasso_cv(fit_intercept):
    X, y, _ = _data(n=60, p=40, k=4, noise=0.3, seed=9)
    cv = KFold(4)
    model = WeightedLassoCV(n_alphas=15, cv=cv, fit_intercept=fit_intercept, **TIGHT).fit(X, y)
    ref = LassoCV(alphas=model.alphas_, cv=cv, fit_intercept=fit_intercept, **TIGHT).fit(X, y)
    np.testing.assert_allclose(model.alphas_, ref.alphas_, rtol=1e-14)
    np.testing.assert_allclose(model.mse_path_, ref.mse_path_, rtol=1e-6)
    assert model.alpha_ == ref.alpha_
    np.testing.assert_allclose(model.coef_, ref.coef_, atol=1e-7)
    assert model.intercept_ == pytest.approx(ref.intercept_, abs=1e-7)
    # the grid is LassoCV's own
    auto = LassoCV(alphas=15, cv=cv, fit_intercept=fit_intercept).fit(X, y)
    np.testing.assert_allclose(model.alphas_, auto.alphas_, rtol=1e-10)


def test_cv_with_weights_is_lasso_cv_on_rescaled_columns():
    X, y, _ = _data(n=60, p=40, k=4, noise=0.3, seed=10)
    w = _weights(X.shape[1], seed=11)
    cv = KFold(3)
    model = WeightedLassoCV(n_alphas=12, weights=w, cv=cv, **TIGHT).fit(X, y)
    ref = LassoCV(alphas=model.alphas_, cv=cv, **TIGHT).fit(X / w, y)
    auto = LassoCV(alphas=12, cv=cv).fit(X / w, y)
    np.testing.assert_allclose(model.alphas_, auto.alphas_, rtol=1e-10)
    np.testing.assert_allclose(model.mse_path_, ref.mse_path_, rtol=1e-6)
    assert model.alpha_ == ref.alpha_
    np.testing.assert_allclose(model.coef_, ref.coef_ / w, atol=1e-7)
    assert model.intercept_ == pytest.approx(ref.intercept_, abs=1e-7)
    np.testing.assert_allclose(model.predict(X), ref.predict(X / w), atol=1e-6)


def test_cv_recovers_the_support():
    X, y, coef = make_sparse_recovery(80, 50, 4, noise=1e-2, random_state=12)
    model = WeightedLassoCV(n_alphas=20, cv=4).fit(X, y)
    assert set(np.flatnonzero(np.abs(model.coef_) > 0.05)) == set(np.flatnonzero(coef))
    assert relative_error(coef[None], model.coef_[None]) < 0.1
    assert model.score(X, y) > 0.99
    np.testing.assert_allclose(model.predict(X), X @ model.coef_ + model.intercept_)
    assert model.n_features_in_ == 50 and model.mse_path_.shape == (20, 4)


def test_cv_constant_y_chooses_the_null_model():
    X, _, _ = _data()
    y = np.full(X.shape[0], -2.0)
    model = WeightedLassoCV(n_alphas=4, cv=3).fit(X, y)
    assert np.all(model.alphas_ == np.finfo(np.float64).resolution)
    assert np.all(model.coef_ == 0) and model.intercept_ == pytest.approx(-2.0)
    np.testing.assert_allclose(model.mse_path_, 0.0, atol=1e-24)


def test_cv_n_jobs_gives_the_same_result():
    X, y, _ = _data(n=50, p=30, seed=13)
    kw = dict(n_alphas=8, cv=3)
    one = WeightedLassoCV(**kw).fit(X, y)
    # threads: the same Parallel / delayed path as processes, without their start-up cost
    with parallel_config(backend="threading"):
        two = WeightedLassoCV(n_jobs=2, **kw).fit(X, y)
    assert two.alpha_ == one.alpha_
    np.testing.assert_array_equal(two.mse_path_, one.mse_path_)
    np.testing.assert_array_equal(two.coef_, one.coef_)


@pytest.mark.parametrize("fmt", ["csr", "csc", "coo"])
def test_cv_sparse_equals_dense(fmt):
    X, y, _ = _data(n=40, p=20, seed=14)
    X[np.abs(X) < 0.1] = 0.0
    kw = dict(n_alphas=6, cv=3, **TIGHT)
    dense = WeightedLassoCV(**kw).fit(X, y)
    sparse = WeightedLassoCV(**kw).fit(sp.csr_array(X).asformat(fmt), y)
    assert sparse.alpha_ == pytest.approx(dense.alpha_, rel=1e-12)
    np.testing.assert_allclose(sparse.mse_path_, dense.mse_path_, rtol=1e-8)
    np.testing.assert_allclose(sparse.coef_, dense.coef_, atol=1e-9)


# --- convergence --------------------------------------------------------------------------


def test_cv_refit_warns_when_max_iter_stops_it():
    X, y, _ = _data(n=40, p=30, seed=15)
    with pytest.warns(ConvergenceWarning, match="WeightedLassoCV did not converge"):
        model = WeightedLassoCV(n_alphas=5, cv=3, max_iter=1).fit(X, y)
    assert model.n_iter_ == 1 and model.dual_gap_ > model.tol


def test_cv_converged_fit_does_not_warn():
    X, y, _ = _data(n=40, p=30, seed=15)
    with warnings.catch_warnings():
        warnings.simplefilter("error", ConvergenceWarning)
        model = WeightedLassoCV(n_alphas=5, cv=3).fit(X, y)
    assert model.n_iter_ >= 1 and model.dual_gap_ <= model.tol


def test_path_warns_when_max_iter_stops_it():
    X, y, _ = _data(n=40, p=30, seed=15)
    with pytest.warns(ConvergenceWarning, match="weighted_lasso_path did not converge"):
        weighted_lasso_path(X, y, n_alphas=4, eps=1e-2, max_iter=1)


# --- bad input ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "kwargs, match",
    [
        (dict(weights=np.ones(29)), "weights"),
        (dict(weights=np.r_[0.0, np.ones(29)]), "weights"),
        (dict(weights=np.r_[-1.0, np.ones(29)]), "weights"),
        (dict(weights=np.r_[np.nan, np.ones(29)]), "weights"),
        (dict(weights=np.r_[np.inf, np.ones(29)]), "weights"),
        (dict(eps=0.0), "eps"),
        (dict(eps=1.0), "eps"),
        (dict(eps=-0.1), "eps"),
        (dict(alphas=[0.1, -0.01]), "alphas"),
        (dict(alphas=[0.1, np.nan]), "alphas"),
        (dict(alphas=[]), "alphas"),
        (dict(alphas=[[0.1]]), "alphas"),
        (dict(n_alphas=0), "n_alphas"),
        (dict(tol=np.inf), "tol"),
        (dict(max_iter=0), "max_iter"),
        (dict(loss="huber"), "loss"),
    ],
)
def test_path_bad_input(kwargs, match):
    X, y, _ = _data()
    with pytest.raises(ValueError, match=match):
        weighted_lasso_path(X, y, **kwargs)


def test_path_bad_arrays():
    X, y, _ = _data()
    with pytest.raises(ValueError, match="inconsistent numbers of samples"):
        weighted_lasso_path(X, y[:-1])
    bad = X.copy()
    bad[0, 0] = np.nan
    with pytest.raises(ValueError, match="NaN"):
        weighted_lasso_path(bad, y)
    with pytest.raises(ValueError, match="y"):
        weighted_lasso_path(X, np.c_[y, y])


@pytest.mark.parametrize(
    "kwargs, match",
    [
        (dict(weights=np.ones(29)), "weights"),
        (dict(weights=np.r_[0.0, np.ones(29)]), "weights"),
        (dict(weights=np.r_[np.nan, np.ones(29)]), "weights"),
        (dict(eps=0.0), "eps"),
        (dict(eps=1.5), "eps"),
        (dict(alphas=[0.1, -0.01]), "alphas"),
        (dict(n_alphas=0), "n_alphas"),
        (dict(tol=np.inf), "tol"),
        (dict(tol=-1.0), "tol"),
        (dict(max_iter=0), "max_iter"),
    ],
)
def test_cv_bad_input(kwargs, match):
    X, y, _ = _data()
    with pytest.raises(ValueError, match=match):
        WeightedLassoCV(cv=3, **kwargs).fit(X, y)
