"""Independent references for :mod:`lrsparse.linear_model`.

What the estimators are checked against here is not their own code:

1. ``WeightedOMP`` at ``alpha=0`` with unit weights is standard OMP for the
   lasso losses and the square-root losses (notes 2.3): scikit-learn's
   ``OrthogonalMatchingPursuit`` (support in selection order, coefficients);
2. ``WeightedOMP(loss="lasso", alpha > 0, weights)``: every selection is the
   argmax of the notes' closed-form gains at the least-squares state, replayed
   step by step here (the gains themselves are checked by brute force in
   test_gains.py);
3. ``WeightedOMP(loss="lad")``: every refit is an exact least-absolute-deviation
   fit on the selected columns (an LP solved by scipy's HiGHS);
4. the convex trio with per-feature weights, through the column scaling of
   notes 2.7 (``sum w_j |c_j|`` on ``X`` is the plain l1 norm on ``X / w``):
   ``WeightedLasso`` = scikit-learn's ``Lasso``, ``LADLasso`` =
   ``QuantileRegressor(quantile=0.5, alpha=alpha / 2)``; ``SqrtLasso`` (and
   the other two) = the problem written in cvxpy (Clarabel);
5. recovery under 10% gross corruption: the LAD variants recover the support,
   least squares does not (the paper's first experiment, at a fixed seed).
"""

import numpy as np
import pytest
import scipy.sparse as sp
from scipy.optimize import linprog
from sklearn.linear_model import (
    Lasso,
    OrthogonalMatchingPursuit,
    QuantileRegressor,
    orthogonal_mp,
)

from lrsparse.datasets import make_sparse_recovery
from lrsparse.linear_model import (
    LADLasso,
    SqrtLasso,
    WeightedLasso,
    WeightedOMP,
    weighted_lasso,
    weighted_omp,
)

OMP_EQUIVALENT = [("lasso", "l0"), ("lasso", "l1"), ("sqrt_lasso", "l0"), ("sqrt_lasso", "l1")]


# ------------------------------------------------------------------ data
def _unit_columns(X):
    return X / np.linalg.norm(X, axis=0)


def _omp_problem(seed=0, m=30, n_features=50, s=5, noise=0.05, centred=False):
    """Unit-norm columns (centred first if ``centred``), y = X coef + noise."""
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((m, n_features))
    X = _unit_columns(X - X.mean(axis=0) if centred else X)
    coef = np.zeros(n_features)
    coef[rng.choice(n_features, s, replace=False)] = rng.standard_normal(s) + np.sign(
        rng.standard_normal(s))
    y = X @ coef + noise * rng.standard_normal(m)
    return X, y


def _sklearn_selection_order(X, y, k):
    """The order in which sklearn's OMP adds the columns (from its path)."""
    path = orthogonal_mp(X, y, n_nonzero_coefs=k, return_path=True)
    order = []
    for i in range(path.shape[1]):
        new = [j for j in np.flatnonzero(path[:, i]) if j not in order]
        assert len(new) == 1
        order.extend(new)
    return np.array(order)


def _convex_problem(seed, n=40, p=25, sparse=False):
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((n, p))
    if sparse:
        X[rng.random((n, p)) < 0.6] = 0.0
    coef = np.zeros(p)
    coef[:5] = rng.standard_normal(5) * 2
    y = X @ coef + 0.5 * rng.standard_normal(n) + 3.0
    w = rng.uniform(0.3, 2.5, size=p)
    return X, y, w


def _objective(loss, X, y, coef, intercept, alpha, w):
    """The documented objectives (n = n_samples, b = intercept)."""
    r = y - X @ coef - intercept
    n = y.shape[0]
    if loss == "lasso":
        fit = r @ r / (2 * n)
    elif loss == "sqrt_lasso":
        fit = np.linalg.norm(r) / np.sqrt(n)
    else:
        fit = np.abs(r).sum() / n
    return fit + alpha * np.sum(w * np.abs(coef))


def _alpha_max(loss, X, y, w, fit_intercept):
    """The smallest alpha with a zero solution (its KKT condition at c = 0)."""
    n = y.shape[0]
    if fit_intercept:
        r = y - (np.median(y) if loss == "lad" else y.mean())
        Xc = X if loss == "lad" else X - X.mean(axis=0)
    else:
        r, Xc = y, X
    if loss == "lasso":
        g = Xc.T @ r / n
    elif loss == "sqrt_lasso":
        g = Xc.T @ r / (np.sqrt(n) * np.linalg.norm(r))
    else:
        g = Xc.T @ np.sign(r) / n
    return np.max(np.abs(g) / w)


# ------------------------------------------------------- 1. OMP at alpha = 0
@pytest.mark.parametrize(("loss", "penalty"), OMP_EQUIVALENT)
def test_alpha_zero_is_sklearn_omp(loss, penalty):
    X, y = _omp_problem()
    k = 6
    ref = OrthogonalMatchingPursuit(n_nonzero_coefs=k, fit_intercept=False).fit(X, y)
    order = _sklearn_selection_order(X, y, k)
    np.testing.assert_array_equal(np.sort(order), np.flatnonzero(ref.coef_))

    est = WeightedOMP(loss=loss, penalty=penalty, alpha=0.0, n_nonzero_coefs=k,
                      fit_intercept=False).fit(X, y)
    np.testing.assert_array_equal(est.support_, order)
    np.testing.assert_allclose(est.coef_, ref.coef_, rtol=0, atol=1e-10)
    assert est.intercept_ == 0.0
    assert est.n_iter_ == k

    coef, intercept = weighted_omp(X, y, loss=loss, penalty=penalty, alpha=0.0,
                                   n_nonzero_coefs=k)
    np.testing.assert_allclose(coef, ref.coef_, rtol=0, atol=1e-10)
    assert intercept == 0.0


@pytest.mark.parametrize(("loss", "penalty"), OMP_EQUIVALENT)
def test_alpha_zero_is_sklearn_omp_with_intercept(loss, penalty):
    """Columns whose centred versions have unit norm: sklearn centres X and y,
    WeightedOMP centres and normalises (a no-op on the norms here)."""
    X, y = _omp_problem(seed=1, centred=True)
    y = y + 4.0
    X = X + np.linspace(-2.0, 3.0, X.shape[1])  # column offsets
    k = 5
    ref = OrthogonalMatchingPursuit(n_nonzero_coefs=k, fit_intercept=True).fit(X, y)
    Xc = X - X.mean(axis=0)
    np.testing.assert_allclose(np.linalg.norm(Xc, axis=0), 1.0)
    order = _sklearn_selection_order(Xc, y - y.mean(), k)
    est = WeightedOMP(loss=loss, penalty=penalty, alpha=0.0, n_nonzero_coefs=k,
                      fit_intercept=True).fit(X, y)
    np.testing.assert_array_equal(est.support_, order)
    np.testing.assert_allclose(est.coef_, ref.coef_, rtol=0, atol=1e-10)
    np.testing.assert_allclose(est.intercept_, ref.intercept_, rtol=0, atol=1e-10)
    coef, intercept = weighted_omp(X, y, loss=loss, penalty=penalty, n_nonzero_coefs=k,
                                   fit_intercept=True)
    np.testing.assert_allclose(coef, ref.coef_, rtol=0, atol=1e-10)
    np.testing.assert_allclose(intercept, ref.intercept_, rtol=0, atol=1e-10)


def test_alpha_zero_column_scaling():
    """Columns are normalised internally: scaling column j by d_j selects the
    same columns and divides coef_j by d_j (sklearn's OMP on unit columns)."""
    X, y = _omp_problem(seed=2)
    k = 5
    ref = OrthogonalMatchingPursuit(n_nonzero_coefs=k, fit_intercept=False).fit(X, y)
    d = np.random.default_rng(2).uniform(0.01, 100.0, size=X.shape[1])
    est = WeightedOMP(n_nonzero_coefs=k, fit_intercept=False).fit(X * d, y)
    np.testing.assert_array_equal(est.support_, _sklearn_selection_order(X, y, k))
    np.testing.assert_allclose(est.coef_ * d, ref.coef_, rtol=1e-10, atol=1e-12)


# ---------------------------------------- 2. lasso with alpha > 0 and weights
def _lasso_gains(X, y, support, alpha, w, penalty):
    """Notes 2.3 (LASSO rows) at the least-squares state on ``support``:
    outside, c_j = <a_j, r>; inside, the gain of moving (or removing) x_j."""
    coef = np.zeros(X.shape[1])
    if support:
        coef[support] = np.linalg.lstsq(X[:, support], y, rcond=None)[0]
    c = X.T @ (y - X @ coef)
    inside = np.zeros(X.shape[1], dtype=bool)
    inside[support] = True
    lw = alpha * w
    ax = np.abs(coef)
    if penalty == "l0":
        g = np.where(inside, alpha * w**2 - coef**2, c**2 - alpha * w**2)
    else:
        g_in = np.where(ax <= lw / 2, ax * (lw - ax), lw**2 / 4)
        g = np.where(inside, g_in, np.maximum(np.abs(c) - lw / 2, 0.0) ** 2)
    return np.maximum(g, 0.0), coef


@pytest.mark.parametrize("penalty", ["l0", "l1"])
@pytest.mark.parametrize("frac", [0.1, 0.3])
def test_weighted_lasso_omp_selections(penalty, frac):
    X, y = _omp_problem(seed=3, m=25, n_features=40, s=4)
    w = np.random.default_rng(3).uniform(0.2, 3.0, size=X.shape[1])
    c0 = np.abs(X.T @ y)
    alpha = frac * c0.max() ** 2 if penalty == "l0" else frac * c0.max()
    k = 8
    est = WeightedOMP(loss="lasso", penalty=penalty, alpha=alpha, weights=w,
                      n_nonzero_coefs=k, fit_intercept=False).fit(X, y)
    support = list(est.support_)
    assert 1 <= len(support) <= k and est.n_iter_ == len(support)
    # the weights matter here: the first choice is not plain OMP's
    gains0, _ = _lasso_gains(X, y, [], alpha, w, penalty)
    assert np.argmax(gains0) != np.argmax(c0)
    for i, j in enumerate(support):
        gains, _ = _lasso_gains(X, y, support[:i], alpha, w, penalty)
        top2 = np.sort(gains)[-2:]
        assert top2[1] - top2[0] > 1e-6 * top2[1]  # no near-tie on this instance
        assert np.argmax(gains) == j, i
    # it stopped for the documented reason
    gains, coef = _lasso_gains(X, y, support, alpha, w, penalty)
    if len(support) < k:
        assert gains.max() <= 0.0 or np.argmax(gains) in support
    # and the coefficients are the least-squares refit on the support
    np.testing.assert_allclose(est.coef_, coef, rtol=0, atol=1e-10)
    f_coef, _ = weighted_omp(X, y, loss="lasso", penalty=penalty, alpha=alpha, weights=w,
                             n_nonzero_coefs=k)
    np.testing.assert_allclose(f_coef, coef, rtol=0, atol=1e-10)


# ------------------------------------------------------------ 3. LAD refits
def _lad_lp(A, y, fit_intercept):
    """min_{c, b} ||y - A c - b||_1 as an LP (HiGHS): c, b free, u, v >= 0,
    A c + b + u - v = y, minimise sum(u + v)."""
    m = A.shape[0]
    if fit_intercept:
        A = np.hstack([A, np.ones((m, 1))])
    k = A.shape[1]
    cost = np.r_[np.zeros(k), np.ones(2 * m)]
    A_eq = np.hstack([A, np.eye(m), -np.eye(m)])
    bounds = [(None, None)] * k + [(0, None)] * (2 * m)
    res = linprog(cost, A_eq=A_eq, b_eq=y, bounds=bounds, method="highs")
    assert res.status == 0, res.message
    return res.fun


def _lad_line_min(r, a):
    nz = a != 0
    return min(np.abs(r - t * a).sum() for t in r[nz] / a[nz])


@pytest.mark.parametrize("penalty", ["l0", "l1"])
@pytest.mark.parametrize("fit_intercept", [False, True])
@pytest.mark.parametrize("alpha", [0.0, 0.5])
def test_lad_omp_refit_is_exact(penalty, fit_intercept, alpha):
    X, y, _ = make_sparse_recovery(30, 40, 3, noise=1e-2, corruption_fraction=0.1,
                                   random_state=4)
    X = X * np.random.default_rng(4).uniform(0.5, 2.0, size=X.shape[1])  # not unit
    y = y + (2.0 if fit_intercept else 0.0)
    w = np.random.default_rng(5).uniform(0.5, 2.0, size=X.shape[1])
    k = 5
    est = WeightedOMP(loss="lad", penalty=penalty, alpha=alpha, weights=w, n_nonzero_coefs=k,
                      fit_intercept=fit_intercept).fit(X, y)
    S = est.support_
    assert len(S) >= 2
    off = np.ones(X.shape[1], dtype=bool)
    off[S] = False
    assert np.all(est.coef_[off] == 0)
    if not fit_intercept:
        assert est.intercept_ == 0.0
    ours = np.abs(y - X[:, S] @ est.coef_[S] - est.intercept_).sum()
    ref = _lad_lp(X[:, S], y, fit_intercept)
    assert abs(ours - ref) <= 1e-8 * ref, (ours, ref)
    if alpha == 0.0 and not fit_intercept:
        # the first selection: the largest drop of ||y - t a_j||_1 over t
        drops = [np.abs(y).sum() - _lad_line_min(y, X[:, j]) for j in range(X.shape[1])]
        assert S[0] == int(np.argmax(drops))


# --------------------------------------- 4. the convex trio, via rescaling
def _as_input(X, fmt):
    if fmt == "dense":
        return X
    Xs = sp.csc_matrix(X)
    if fmt == "csc_int64":
        Xs.indices = Xs.indices.astype(np.int64)
        Xs.indptr = Xs.indptr.astype(np.int64)
    return Xs


@pytest.mark.parametrize("fmt", ["dense", "csc", "csc_int64"])
@pytest.mark.parametrize("fit_intercept", [False, True])
def test_weighted_lasso_is_sklearn_lasso_on_rescaled_columns(fmt, fit_intercept):
    X, y, w = _convex_problem(0, sparse=fmt != "dense")
    alpha = 0.1 * _alpha_max("lasso", X, y, w, fit_intercept)
    ref = Lasso(alpha=alpha, fit_intercept=fit_intercept, tol=1e-14,  # int32 indices only
                max_iter=1_000_000).fit(_as_input(X / w, fmt.replace("_int64", "")), y)
    ref_coef = ref.coef_ / w
    est = WeightedLasso(alpha=alpha, weights=w, fit_intercept=fit_intercept, tol=1e-12,
                        max_iter=100_000).fit(_as_input(X, fmt), y)
    assert 3 <= np.count_nonzero(ref_coef) < X.shape[1]  # a sparse, nonzero solution
    f_ref = _objective("lasso", X, y, ref_coef, ref.intercept_, alpha, w)
    f_ours = _objective("lasso", X, y, est.coef_, est.intercept_, alpha, w)
    assert abs(f_ours - f_ref) <= 1e-10 * f_ref
    scale = np.abs(ref_coef).max()
    np.testing.assert_allclose(est.coef_, ref_coef, rtol=0, atol=1e-6 * scale)
    np.testing.assert_allclose(est.intercept_, ref.intercept_, rtol=0, atol=1e-6 * scale)
    coef, intercept = weighted_lasso(_as_input(X, fmt), y, alpha, loss="lasso", weights=w,
                                     fit_intercept=fit_intercept, tol=1e-12, max_iter=100_000)
    np.testing.assert_allclose(coef, ref_coef, rtol=0, atol=1e-6 * scale)


@pytest.mark.parametrize("fmt", ["dense", "csc"])
@pytest.mark.parametrize("fit_intercept", [False, True])
def test_lad_lasso_is_quantile_regressor_on_rescaled_columns(fmt, fit_intercept):
    X, y, w = _convex_problem(1, n=40, p=20, sparse=fmt != "dense")
    y = y + 20.0 * (np.arange(y.size) % 9 == 0)  # a few gross errors
    alpha = 0.2 * _alpha_max("lad", X, y, w, fit_intercept)
    ref = QuantileRegressor(quantile=0.5, alpha=alpha / 2, solver="highs",
                            fit_intercept=fit_intercept).fit(_as_input(X / w, fmt), y)
    ref_coef = ref.coef_ / w
    est = LADLasso(alpha=alpha, weights=w, fit_intercept=fit_intercept, tol=1e-10,
                   max_iter=200).fit(_as_input(X, fmt), y)
    assert 2 <= np.count_nonzero(np.abs(ref_coef) > 1e-9) < X.shape[1]
    f_ref = _objective("lad", X, y, ref_coef, ref.intercept_, alpha, w)
    f_ours = _objective("lad", X, y, est.coef_, est.intercept_, alpha, w)
    assert abs(f_ours - f_ref) <= 1e-6 * f_ref, (f_ours, f_ref)
    # the LP solution is unique on this random instance (a vertex), so the
    # coefficients agree too
    scale = np.abs(ref_coef).max()
    np.testing.assert_allclose(est.coef_, ref_coef, rtol=0, atol=1e-5 * scale)
    np.testing.assert_allclose(est.intercept_, ref.intercept_, rtol=0, atol=1e-5 * scale)


def _cvxpy_solution(loss, X, y, alpha, w, fit_intercept):
    """The documented objective in cvxpy, solved by Clarabel at tight tolerances."""
    cp = pytest.importorskip("cvxpy")
    n, p = X.shape
    c = cp.Variable(p)
    b = cp.Variable() if fit_intercept else 0.0
    r = y - X @ c - b
    fit = {"lasso": cp.sum_squares(r) / (2 * n),
           "sqrt_lasso": cp.norm2(r) / np.sqrt(n),
           "lad": cp.norm1(r) / n}[loss]
    problem = cp.Problem(cp.Minimize(fit + alpha * cp.sum(cp.multiply(w, cp.abs(c)))))
    # 1e-10: at 1e-12 Clarabel reports "optimal_inaccurate" on the sqrt_lasso
    # cases; at 1e-10 its value agrees with SCS at eps 1e-11 to 3e-10 relative
    # and its coefficients to 3e-5 (checked when writing the test)
    problem.solve(solver="CLARABEL", tol_gap_abs=1e-10, tol_gap_rel=1e-10, tol_feas=1e-10,
                  max_iter=500)
    assert problem.status == "optimal", problem.status
    return problem.value, c.value, (b.value if fit_intercept else 0.0)


CVXPY_CASES = [
    # loss, fit_intercept, n, p, alpha / alpha_max
    ("sqrt_lasso", False, 40, 25, 0.3),
    ("sqrt_lasso", True, 40, 25, 0.3),
    ("sqrt_lasso", False, 20, 40, 0.3),  # more features than samples
    ("sqrt_lasso", True, 30, 15, 0.05),
    ("lasso", True, 40, 25, 0.1),
    ("lad", True, 40, 25, 0.2),
]


@pytest.mark.cvxpy
@pytest.mark.parametrize(("loss", "fit_intercept", "n", "p", "frac"), CVXPY_CASES)
def test_matches_cvxpy(loss, fit_intercept, n, p, frac):
    X, y, w = _convex_problem(2, n=n, p=p)
    if not fit_intercept:
        y = y - 3.0
    alpha = frac * _alpha_max(loss, X, y, w, fit_intercept)
    ref_value, ref_coef, ref_intercept = _cvxpy_solution(loss, X, y, alpha, w, fit_intercept)
    est_cls = {"lasso": WeightedLasso, "sqrt_lasso": SqrtLasso, "lad": LADLasso}[loss]
    est = est_cls(alpha=alpha, weights=w, fit_intercept=fit_intercept, tol=1e-10,
                  max_iter=100_000 if loss != "lad" else 200).fit(X, y)
    ours = _objective(loss, X, y, est.coef_, est.intercept_, alpha, w)
    assert np.count_nonzero(np.abs(ref_coef) > 1e-6) >= 2  # not the zero solution
    assert abs(ours - ref_value) <= 1e-6 * ref_value, (ours, ref_value)
    scale = np.abs(ref_coef).max()
    np.testing.assert_allclose(est.coef_, ref_coef, rtol=0, atol=1e-4 * scale)
    np.testing.assert_allclose(est.intercept_, ref_intercept, rtol=0, atol=1e-4 * scale)
    coef, intercept = weighted_lasso(X, y, alpha, loss=loss, weights=w,
                                     fit_intercept=fit_intercept, tol=1e-10,
                                     max_iter=100_000 if loss != "lad" else 200)
    assert abs(_objective(loss, X, y, coef, intercept, alpha, w) - ref_value) <= 1e-6 * ref_value


@pytest.mark.cvxpy
@pytest.mark.parametrize(("m", "n_features", "s", "seed", "tol"), [
    (60, 120, 10, 0, 1e-8), (60, 120, 10, 1, 1e-8), (60, 120, 10, 0, 1e-10), (30, 60, 5, 2, 1e-8),
])
def test_sqrt_lasso_interpolating_matches_cvxpy(m, n_features, s, seed, tol):
    """Notes 2.7's regime (m = 60, N = 120, paper lambda = 0.05, and a smaller
    one), where the optimum interpolates (||r|| = 0, so the loss is not
    differentiable there) and skglm's SqrtLasso stops 3.5% above the optimum.
    A tighter tol must not give a worse fit."""
    X, y, _ = make_sparse_recovery(m, n_features, s, noise=1e-2, random_state=seed)
    w = np.ones(X.shape[1])
    alpha = 0.05 / np.sqrt(X.shape[0])  # paper lambda = sqrt(n) alpha
    ref_value, ref_coef, _ = _cvxpy_solution("sqrt_lasso", X, y, alpha, w, False)
    assert np.linalg.norm(y - X @ ref_coef) <= 1e-8 * np.linalg.norm(y)  # it interpolates
    est = SqrtLasso(alpha=alpha, fit_intercept=False, tol=tol, max_iter=10_000).fit(X, y)
    ours = _objective("sqrt_lasso", X, y, est.coef_, est.intercept_, alpha, w)
    assert abs(ours - ref_value) <= 1e-6 * ref_value, (ours, ref_value)


@pytest.mark.cvxpy
@pytest.mark.parametrize(("seed", "fit_intercept", "frac"), [(4, False, 0.003), (2, True, 0.01)])
def test_sqrt_lasso_interpolating_weighted_matches_cvxpy(seed, fit_intercept, frac):
    """The same regime with weights spread over [0.3, 2.5] and unnormalised
    columns (20 samples, 40 features, alpha a small fraction of alpha_max)."""
    X, y, w = _convex_problem(seed, n=20, p=40)
    if not fit_intercept:
        y = y - 3.0
    alpha = frac * _alpha_max("sqrt_lasso", X, y, w, fit_intercept)
    ref_value, ref_coef, ref_intercept = _cvxpy_solution("sqrt_lasso", X, y, alpha, w,
                                                         fit_intercept)
    assert np.linalg.norm(y - X @ ref_coef - ref_intercept) <= 1e-8 * np.linalg.norm(y)
    est = SqrtLasso(alpha=alpha, weights=w, fit_intercept=fit_intercept, tol=1e-8,
                    max_iter=10_000).fit(X, y)
    ours = _objective("sqrt_lasso", X, y, est.coef_, est.intercept_, alpha, w)
    assert abs(ours - ref_value) <= 1e-6 * ref_value, (ours, ref_value)


# ---------------------------------------------- 5. recovery under corruption
@pytest.fixture(scope="module")
def corrupted():
    """The paper's first experiment, small: Gaussian unit-norm columns,
    m = 60, N = 120, s = 4, ||noise|| = 1e-3, 10% of the measurements
    grossly corrupted (100 N(0, 1))."""
    X, y, coef = make_sparse_recovery(60, 120, 4, noise=1e-3, corruption_fraction=0.1,
                                      random_state=0)
    return X, y, coef, np.flatnonzero(coef)


@pytest.mark.parametrize("penalty", ["l0", "l1"])
def test_lad_omp_recovers_support_under_corruption(corrupted, penalty):
    X, y, coef, true_support = corrupted
    s = true_support.size
    lad = WeightedOMP(loss="lad", penalty=penalty, alpha=0.0, n_nonzero_coefs=s,
                      fit_intercept=False).fit(X, y)
    np.testing.assert_array_equal(np.sort(lad.support_), true_support)
    assert np.linalg.norm(lad.coef_ - coef) <= 1e-2 * np.linalg.norm(coef)
    omp = WeightedOMP(loss="lasso", penalty=penalty, alpha=0.0, n_nonzero_coefs=s,
                      fit_intercept=False).fit(X, y)
    assert set(omp.support_) != set(true_support)


def test_lad_lasso_recovers_support_under_corruption(corrupted):
    X, y, coef, true_support = corrupted
    threshold = 1e-2 * np.abs(coef).max()
    lad = LADLasso(alpha=1e-2, fit_intercept=False).fit(X, y)
    np.testing.assert_array_equal(np.flatnonzero(np.abs(lad.coef_) > threshold), true_support)
    # least squares fails at every penalty level of a grid
    alpha_max = _alpha_max("lasso", X, y, np.ones(X.shape[1]), False)
    for frac in [0.5, 0.2, 0.1, 0.05, 0.02, 0.01]:
        las = WeightedLasso(alpha=frac * alpha_max, fit_intercept=False, tol=1e-8,
                            max_iter=100_000).fit(X, y)
        found = np.flatnonzero(np.abs(las.coef_) > threshold)
        assert not np.array_equal(found, true_support), frac
