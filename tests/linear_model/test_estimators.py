"""WeightedOMP and the weighted LASSO family: ground truth, scale, bad input, convergence.

The independent references (sklearn, cvxpy, brute force) are in
test_reference.py and test_gains.py; the path and CV in test_cv.py.
"""

import warnings

import numpy as np
import pytest
import scipy.sparse as sp
from sklearn.exceptions import ConvergenceWarning

from lrsparse.datasets import make_sparse_recovery
from lrsparse.linear_model import (
    LADLasso,
    SqrtLasso,
    WeightedLasso,
    WeightedOMP,
    weighted_lasso,
    weighted_omp,
)

VARIANTS = [(loss, pen) for loss in ("lasso", "sqrt_lasso", "lad") for pen in ("l0", "l1")]
FACTORS = [1e-100, 1e-6, 1.0, 1e6, 1e100]
# alpha carries y-units**k (see weighted_omp's docstring)
POWER = {("lasso", "l0"): 2, ("lasso", "l1"): 1, ("sqrt_lasso", "l0"): 1,
         ("sqrt_lasso", "l1"): 0, ("lad", "l0"): 1, ("lad", "l1"): 0}
ALPHA = {("lasso", "l0"): 1e-4, ("lasso", "l1"): 1e-3, ("sqrt_lasso", "l0"): 1e-3,
         ("sqrt_lasso", "l1"): 1e-2, ("lad", "l0"): 1e-3, ("lad", "l1"): 1e-2}


@pytest.fixture(scope="module")
def problem():
    X, y, coef = make_sparse_recovery(60, 120, 5, noise=1e-3, random_state=3)
    return X, y, coef


@pytest.fixture(scope="module")
def corrupted():
    X, y, coef = make_sparse_recovery(80, 120, 5, noise=1e-3, corruption_fraction=0.1,
                                      random_state=4)
    return X, y, coef


def _rel(a, b):
    return np.linalg.norm(a - b) / np.linalg.norm(b)


# ------------------------------------------------------------------ WeightedOMP
@pytest.mark.parametrize("loss, penalty", VARIANTS)
def test_womp_recovers_ground_truth(problem, loss, penalty):
    X, y, coef = problem
    reg = WeightedOMP(loss=loss, penalty=penalty, alpha=ALPHA[loss, penalty],
                      n_nonzero_coefs=5, fit_intercept=False).fit(X, y)
    assert sorted(reg.support_) == sorted(np.flatnonzero(coef))
    assert reg.n_iter_ == len(reg.support_) == 5
    assert _rel(reg.coef_, coef) < 1e-2
    assert reg.score(X, y) > 0.999


@pytest.mark.parametrize("loss", ["lad"])
@pytest.mark.parametrize("penalty", ["l0", "l1"])
def test_womp_lad_resists_corruption_where_omp_fails(corrupted, loss, penalty):
    X, y, coef = corrupted
    lad = WeightedOMP(loss=loss, penalty=penalty, n_nonzero_coefs=5, fit_intercept=False)
    omp = WeightedOMP(loss="lasso", n_nonzero_coefs=5, fit_intercept=False)
    assert sorted(lad.fit(X, y).support_) == sorted(np.flatnonzero(coef))
    assert _rel(lad.coef_, coef) < 1e-2
    assert _rel(omp.fit(X, y).coef_, coef) > 0.5


@pytest.mark.parametrize("loss, penalty", VARIANTS)
@pytest.mark.parametrize("factor", FACTORS)
def test_womp_scale_equivariant(problem, loss, penalty, factor):
    # y -> c y with alpha -> c**k alpha: same selection, coefficients times c
    X, y, _ = problem
    base = WeightedOMP(loss=loss, penalty=penalty, alpha=ALPHA[loss, penalty],
                       n_nonzero_coefs=8).fit(X, y)
    alpha = ALPHA[loss, penalty] * factor ** POWER[loss, penalty]
    scaled = WeightedOMP(loss=loss, penalty=penalty, alpha=alpha,
                         n_nonzero_coefs=8).fit(X, factor * y)
    np.testing.assert_array_equal(scaled.support_, base.support_)
    # (the LAD refit is a linear program solved to a 1e-12 relative gap)
    atol = 1e-8 * np.abs(base.coef_).max()
    np.testing.assert_allclose(scaled.coef_ / factor, base.coef_, rtol=1e-8, atol=atol)
    assert np.isclose(scaled.intercept_ / factor, base.intercept_, rtol=1e-8, atol=atol)
    # X -> c X: the selection is unchanged, coefficients divided by c
    sx = WeightedOMP(loss=loss, penalty=penalty, alpha=ALPHA[loss, penalty],
                     n_nonzero_coefs=8).fit(factor * X, y)
    np.testing.assert_array_equal(sx.support_, base.support_)
    np.testing.assert_allclose(sx.coef_ * factor, base.coef_, rtol=1e-8, atol=atol)


def test_womp_intercept(problem):
    X, y, coef = problem
    for loss in ("lasso", "sqrt_lasso", "lad"):
        reg = WeightedOMP(loss=loss, n_nonzero_coefs=5).fit(X + 3.0, y - 2.0)
        assert sorted(reg.support_) == sorted(np.flatnonzero(coef))
        expected = -2.0 - 3.0 * coef.sum()
        assert abs(reg.intercept_ - expected) < 1e-2, loss


def test_womp_weights_steer_selection():
    # two identical columns: the lighter weight wins under the weighted penalty
    rng = np.random.default_rng(0)
    X = rng.standard_normal((30, 10))
    X[:, 5] = X[:, 2]
    y = X[:, 2] + 0.5 * X[:, 7]
    w = np.ones(10)
    w[2] = 3.0
    reg = WeightedOMP(alpha=0.01, weights=w, n_nonzero_coefs=1, fit_intercept=False).fit(X, y)
    assert reg.support_.tolist() == [5]


def test_womp_zero_column_never_selected():
    rng = np.random.default_rng(1)
    X = rng.standard_normal((20, 8))
    X[:, 3] = 0.0
    y = rng.standard_normal(20)
    for loss, penalty in VARIANTS:
        with warnings.catch_warnings():
            warnings.simplefilter("error")  # no division by zero
            reg = WeightedOMP(loss=loss, penalty=penalty, n_nonzero_coefs=8).fit(X, y)
        assert 3 not in reg.support_
        assert reg.coef_[3] == 0.0 and np.all(np.isfinite(reg.coef_))


def test_womp_stops_on_vanishing_residual_and_tol():
    rng = np.random.default_rng(2)
    X = rng.standard_normal((10, 30))
    y = X[:, [1, 4]] @ np.array([1.0, -1.0])
    reg = WeightedOMP(n_nonzero_coefs=10, fit_intercept=False).fit(X, y)
    assert reg.n_iter_ == 2  # exact fit after two selections
    assert sorted(reg.support_) == [1, 4]
    noisy = y + 0.3 * rng.standard_normal(10)
    loose = WeightedOMP(n_nonzero_coefs=10, tol=0.05, fit_intercept=False).fit(X, noisy)
    tight = WeightedOMP(n_nonzero_coefs=10, tol=0.0, fit_intercept=False).fit(X, noisy)
    assert loose.n_iter_ < tight.n_iter_


def test_womp_stops_when_best_move_is_inside_support():
    # lasso-l0 with a penalty larger than a selected coefficient's square: the
    # best move is to drop it, and the selection stops there
    rng = np.random.default_rng(3)
    X = rng.standard_normal((40, 20))
    X /= np.linalg.norm(X, axis=0)
    y = 5 * X[:, 0] + 0.3 * X[:, 1]
    reg = WeightedOMP(alpha=0.05, n_nonzero_coefs=5, fit_intercept=False).fit(X, y)
    assert reg.support_.tolist() == [0, 1]


def test_womp_function_matches_estimator(problem):
    X, y, _ = problem
    coef, b, n_iter = weighted_omp(X, y, loss="sqrt_lasso", penalty="l1", alpha=0.01,
                                   n_nonzero_coefs=6, fit_intercept=True, return_n_iter=True)
    reg = WeightedOMP(loss="sqrt_lasso", penalty="l1", alpha=0.01, n_nonzero_coefs=6).fit(X, y)
    np.testing.assert_array_equal(coef, reg.coef_)
    assert b == reg.intercept_ and n_iter == reg.n_iter_


@pytest.mark.parametrize("kwargs, match", [
    (dict(weights=np.r_[0.0, np.ones(119)]), "weights"),
    (dict(weights=-np.ones(120)), "weights"),
    (dict(weights=np.ones(5)), "weights"),
    (dict(weights=np.r_[np.nan, np.ones(119)]), "weights"),
    (dict(n_nonzero_coefs=121), "n_nonzero_coefs"),
    (dict(n_nonzero_coefs=0), "n_nonzero_coefs"),
    (dict(alpha=-1.0), "alpha"),
    (dict(alpha=np.inf), "alpha"),
    (dict(tol=-1.0), "tol"),
    (dict(loss="huber"), "loss"),
    (dict(penalty="l2"), "penalty"),
])
def test_womp_bad_input(problem, kwargs, match):
    X, y, _ = problem
    with pytest.raises(ValueError, match=match):
        WeightedOMP(**kwargs).fit(X, y)
    if "loss" not in kwargs or True:
        with pytest.raises(ValueError, match=match):
            weighted_omp(X, y, **kwargs)


@pytest.mark.parametrize("bad", [np.nan, np.inf])
def test_bad_values_in_data(problem, bad):
    X, y, _ = problem
    Xb = X.copy()
    Xb[0, 0] = bad
    yb = y.copy()
    yb[0] = bad
    for est in (WeightedOMP(), WeightedLasso(), SqrtLasso(), LADLasso()):
        with pytest.raises(ValueError):
            est.fit(Xb, y)
        with pytest.raises(ValueError):
            est.fit(X, yb)
    with pytest.raises(ValueError, match="X"):
        weighted_omp(Xb, y)
    with pytest.raises(ValueError, match="y"):
        weighted_lasso(X, yb, 0.1)


def test_inputs_not_modified(problem):
    X, y, _ = problem
    Xc, yc = X.copy(), y.copy()
    w = np.linspace(0.5, 2, X.shape[1])
    wc = w.copy()
    for loss in ("lasso", "sqrt_lasso", "lad"):
        WeightedOMP(loss=loss, weights=w, alpha=1e-3, n_nonzero_coefs=4).fit(X, y)
        weighted_lasso(X, y, 0.01, loss=loss, weights=w)
    np.testing.assert_array_equal(X, Xc)
    np.testing.assert_array_equal(y, yc)
    np.testing.assert_array_equal(w, wc)


# ------------------------------------------------------------- convex trio
CONVEX = [(WeightedLasso, 1e-3), (SqrtLasso, 2e-2), (LADLasso, 2e-3)]


@pytest.mark.parametrize("cls, alpha", CONVEX)
def test_convex_recovers_ground_truth(problem, cls, alpha):
    X, y, coef = problem
    reg = cls(alpha=alpha, fit_intercept=False).fit(X, y)
    assert _rel(reg.coef_, coef) < 0.05
    big = np.abs(reg.coef_) > 0.05 * np.abs(coef).max()
    np.testing.assert_array_equal(np.flatnonzero(big), np.flatnonzero(coef))
    assert reg.dual_gap_ <= reg.tol


def test_lad_lasso_resists_corruption(corrupted):
    X, y, coef = corrupted
    lad = LADLasso(alpha=1e-2, fit_intercept=False).fit(X, y)  # paper's lambda = n alpha = 0.8
    lasso = WeightedLasso(alpha=1e-3, fit_intercept=False).fit(X, y)
    assert _rel(lad.coef_, coef) < 0.05
    assert _rel(lasso.coef_, coef) > 0.5


@pytest.mark.parametrize("cls, alpha", CONVEX)
@pytest.mark.parametrize("factor", FACTORS)
def test_convex_scale_equivariant(problem, cls, alpha, factor):
    # y -> c y (alpha -> c alpha for the squared loss only): coefficients times c
    X, y, _ = problem
    base = cls(alpha=alpha).fit(X, y)
    a = alpha * factor if cls is WeightedLasso else alpha
    scaled = cls(alpha=a).fit(X, factor * y)
    np.testing.assert_allclose(scaled.coef_ / factor, base.coef_, rtol=1e-6,
                               atol=1e-9 * np.abs(base.coef_).max())
    assert np.isclose(scaled.intercept_ / factor, base.intercept_, rtol=1e-6, atol=1e-9)
    assert 0.5 * base.n_iter_ <= scaled.n_iter_ <= 2 * base.n_iter_ + 1
    # X -> c X (alpha -> c alpha): coefficients divided by c
    sx = cls(alpha=alpha * factor).fit(factor * X, y)
    np.testing.assert_allclose(sx.coef_ * factor, base.coef_, rtol=1e-6,
                               atol=1e-9 * np.abs(base.coef_).max())


@pytest.mark.parametrize("cls, alpha", CONVEX)
def test_convex_sparse_equals_dense(problem, cls, alpha):
    X, y, _ = problem
    Xs = np.where(np.abs(X) < 0.1, 0.0, X)
    dense = cls(alpha=alpha, tol=1e-10).fit(Xs, y)
    for S in (sp.csc_array(Xs), sp.csr_matrix(Xs)):
        sparse = cls(alpha=alpha, tol=1e-10).fit(S, y)
        np.testing.assert_allclose(sparse.coef_, dense.coef_, rtol=1e-7, atol=1e-9)
        np.testing.assert_allclose(sparse.predict(S), dense.predict(Xs), rtol=1e-7, atol=1e-9)


@pytest.mark.parametrize("cls, alpha", CONVEX)
def test_convex_large_alpha_gives_zero(problem, cls, alpha):
    X, y, _ = problem
    reg = cls(alpha=1e3).fit(X, y)
    assert np.all(reg.coef_ == 0.0)
    if cls is LADLasso:  # any median minimises ||y - b||_1 (n is even here)
        best = np.abs(y - np.median(y)).sum()
        assert np.abs(y - reg.intercept_).sum() <= best * (1 + 1e-8)
    else:
        assert np.isclose(reg.intercept_, y.mean(), atol=1e-10 * np.abs(y).max())


@pytest.mark.parametrize("cls, alpha", CONVEX)
def test_convex_zero_column(problem, cls, alpha):
    X, y, _ = problem
    Xz = X.copy()
    Xz[:, 7] = 0.0
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        reg = cls(alpha=alpha).fit(Xz, y)
    assert reg.coef_[7] == 0.0 and np.all(np.isfinite(reg.coef_))


@pytest.mark.parametrize("cls, alpha", [(WeightedLasso, 1e-4), (SqrtLasso, 1e-3),
                                        (LADLasso, 1e-4)])
def test_convergence_warning_and_silence(problem, cls, alpha):
    X, y, _ = problem
    with pytest.warns(ConvergenceWarning, match=cls.__name__):
        reg = cls(alpha=alpha, max_iter=1, tol=1e-12).fit(X, y)
    assert reg.n_iter_ == 1
    with warnings.catch_warnings():
        warnings.simplefilter("error", ConvergenceWarning)
        reg = cls(alpha=alpha).fit(X, y)
    assert reg.dual_gap_ <= reg.tol
    with pytest.warns(ConvergenceWarning, match="weighted_lasso"):
        weighted_lasso(X, y, alpha, loss=cls._loss, max_iter=1, tol=1e-12)


@pytest.mark.parametrize("cls, alpha", CONVEX[:2])
def test_warm_start_saves_iterations(problem, cls, alpha):
    X, y, _ = problem
    reg = cls(alpha=alpha, warm_start=True).fit(X, y)
    first = reg.n_iter_
    reg.set_params(alpha=alpha * 1.1).fit(X, y)
    cold = cls(alpha=alpha * 1.1).fit(X, y)
    assert reg.n_iter_ < cold.n_iter_ <= 10 * first
    np.testing.assert_allclose(reg.coef_, cold.coef_, rtol=1e-4, atol=1e-6)


@pytest.mark.parametrize("kwargs, match", [
    (dict(weights=np.ones(3)), "weights"),
    (dict(weights=np.r_[0.0, np.ones(119)]), "weights"),
    (dict(alpha=-0.1), "alpha"),
    (dict(alpha=np.inf), "alpha"),
    (dict(tol=-1.0), "tol"),
    (dict(max_iter=0), "max_iter"),
])
@pytest.mark.parametrize("cls", [WeightedLasso, SqrtLasso, LADLasso])
def test_convex_bad_input(problem, cls, kwargs, match):
    X, y, _ = problem
    with pytest.raises(ValueError, match=match):
        cls(**kwargs).fit(X, y)
    params = dict(dict(alpha=0.1), **kwargs)
    with pytest.raises(ValueError, match=match):
        weighted_lasso(X, y, params.pop("alpha"), loss=cls._loss, **params)


def test_weighted_lasso_bad_loss_and_init(problem):
    X, y, _ = problem
    with pytest.raises(ValueError, match="loss"):
        weighted_lasso(X, y, 0.1, loss="huber")
    with pytest.raises(ValueError, match="coef_init"):
        weighted_lasso(X, y, 0.1, coef_init=np.ones(3))
