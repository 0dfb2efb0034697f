"""MTP2GraphicalModel and mtp2_graphical_model: behaviour, inputs, scale, convergence.

The independent references (cvxpy, the Lauritzen-Uhler-Zwiernik MLE, KKT) are
in test_mtp2_reference.py.
"""

import warnings

import numpy as np
import pytest
from sklearn.covariance import GraphicalLasso
from sklearn.exceptions import ConvergenceWarning

from lrsparse.covariance import MTP2GraphicalModel, mtp2_graphical_model
from lrsparse.covariance._mtp2 import _stage_weights
from lrsparse.datasets import make_mtp2_precision
from lrsparse.metrics import edge_f1, relative_error

CONSTRAINTS = ["m_matrix", "diagonally_dominant"]


@pytest.fixture(scope="module")
def grid_data():
    precision, _ = make_mtp2_precision(16, graph="grid", random_state=0)
    rng = np.random.default_rng(0)
    X = rng.multivariate_normal(np.zeros(16), np.linalg.inv(precision), size=80)
    return X, precision


def _check_constraints(P, constraint):
    off = ~np.eye(P.shape[0], dtype=bool)
    np.testing.assert_array_equal(P, P.T)
    assert (P[off] <= 0).all()
    assert np.linalg.eigvalsh(P).min() > 0
    if constraint == "diagonally_dominant":
        assert (P.sum(axis=1) >= 0).all()


@pytest.mark.parametrize("constraint", CONSTRAINTS)
@pytest.mark.parametrize("penalty", ["l1", "scad", "mcp"])
def test_fit_attributes_and_constraints(grid_data, constraint, penalty):
    X, _ = grid_data
    X_copy = X.copy()
    model = MTP2GraphicalModel(alpha=0.05, constraint=constraint, penalty=penalty)
    assert model.fit(X) is model
    _check_constraints(model.precision_, constraint)
    np.testing.assert_allclose(model.covariance_ @ model.precision_, np.eye(16), atol=1e-8)
    np.testing.assert_allclose(model.location_, X.mean(axis=0))
    assert model.n_iter_ > 0
    np.testing.assert_array_equal(X, X_copy)
    assert np.isfinite(model.score(X))
    assert model.mahalanobis(X).shape == (80,)
    assert model.error_norm(model.covariance_) == pytest.approx(0.0, abs=1e-12)


def test_recovers_grid_better_than_graphical_lasso(grid_data):
    # same alpha (the theory's sqrt(log p / n) on standardised data): the sign
    # constraints and the adaptive stages give a sparser, less biased estimate
    X, precision = grid_data
    Xs = (X - X.mean(0)) / X.std(0)
    alpha = np.sqrt(np.log(16) / 80)
    ours = MTP2GraphicalModel(alpha=alpha).fit(Xs)
    glasso = GraphicalLasso(alpha=alpha).fit(Xs)
    truth = precision * np.outer(X.std(0), X.std(0))  # the precision of Xs
    f1_ours, f1_glasso = edge_f1(truth, ours.precision_), edge_f1(truth, glasso.precision_)
    err_ours = relative_error(truth, ours.precision_)
    err_glasso = relative_error(truth, glasso.precision_)
    assert f1_ours > f1_glasso + 0.05
    assert err_ours < err_glasso - 0.01


def test_penalty_l1_runs_one_stage(grid_data):
    X, _ = grid_data
    one = MTP2GraphicalModel(alpha=0.05, penalty="l1", n_stages=1).fit(X)
    three = MTP2GraphicalModel(alpha=0.05, penalty="l1", n_stages=3).fit(X)
    np.testing.assert_array_equal(one.precision_, three.precision_)
    assert one.n_iter_ == three.n_iter_


def test_alpha_large_gives_diagonal(grid_data):
    X, _ = grid_data
    S = np.cov(X.T, bias=True)
    alpha_max = (S - np.diag(np.diag(S))).max()
    P = MTP2GraphicalModel(alpha=1.001 * alpha_max, penalty="l1").fit(X).precision_
    np.testing.assert_allclose(P, np.diag(1 / np.diag(S)), rtol=1e-10)
    P = MTP2GraphicalModel(alpha=0.9 * alpha_max, penalty="l1").fit(X).precision_
    assert (P[~np.eye(16, dtype=bool)] < 0).any()


def test_stage_weights_scad_mcp():
    lam = np.full((2, 2), 1.0)
    Theta = np.array([[5.0, -0.5], [-0.5, 5.0]])
    assert _stage_weights(Theta, lam, "scad", 3.7)[0, 1] == 1.0  # |t| <= lambda
    Theta[0, 1] = Theta[1, 0] = -2.0
    assert _stage_weights(Theta, lam, "scad", 3.7)[0, 1] == pytest.approx(1.7 / 2.7)
    Theta[0, 1] = Theta[1, 0] = -4.0
    assert _stage_weights(Theta, lam, "scad", 3.7)[0, 1] == 0.0
    assert _stage_weights(Theta, lam, "mcp", 3.0)[0, 1] == 0.0
    Theta[0, 1] = Theta[1, 0] = -1.5
    assert _stage_weights(Theta, lam, "mcp", 3.0)[0, 1] == pytest.approx(0.5)
    assert _stage_weights(Theta, lam, "mcp", 3.0)[0, 0] == 0.0  # diagonal never penalised


def test_precomputed_equals_data(grid_data):
    X, _ = grid_data
    from_data = MTP2GraphicalModel(alpha=0.05, tol=1e-10).fit(X)
    S = np.cov(X.T, bias=True)
    pre = MTP2GraphicalModel(alpha=0.05, tol=1e-10, covariance="precomputed").fit(S)
    # equal to the solver's accuracy (the two covariances differ in rounding)
    np.testing.assert_allclose(pre.precision_, from_data.precision_, rtol=1e-4, atol=1e-6)
    np.testing.assert_array_equal(pre.location_, np.zeros(16))


def test_function_matches_estimator(grid_data):
    X, _ = grid_data
    model = MTP2GraphicalModel(alpha=0.05, constraint="diagonally_dominant", tol=1e-10).fit(X)
    S = np.cov(X.T, bias=True)
    cov, prec, n_iter = mtp2_graphical_model(S, 0.05, constraint="diagonally_dominant",
                                             tol=1e-10, return_n_iter=True)
    np.testing.assert_allclose(prec, model.precision_, rtol=1e-4, atol=1e-6)
    np.testing.assert_allclose(cov, model.covariance_, rtol=1e-4, atol=1e-6)
    assert n_iter == pytest.approx(model.n_iter_, rel=0.5)


def test_weighted_penalty_zero_weight_keeps_edge(grid_data):
    X, _ = grid_data
    S = np.cov(X.T, bias=True)
    weights = np.full((16, 16), 10.0)  # every edge priced out ...
    weights[0, 1] = weights[1, 0] = 0.0  # ... except one
    _, P = mtp2_graphical_model(S, weights, penalty="l1")
    off = ~np.eye(16, dtype=bool)
    assert P[0, 1] < 0 and np.count_nonzero(P[off]) == 2


def test_warm_start_precision_init(grid_data):
    X, _ = grid_data
    S = np.cov(X.T, bias=True)
    _, P, n_cold = mtp2_graphical_model(S, 0.05, penalty="l1", tol=1e-8, return_n_iter=True)
    _, P2, n_warm = mtp2_graphical_model(S, 0.05, penalty="l1", tol=1e-8, precision_init=P,
                                         return_n_iter=True)
    assert n_warm < n_cold / 3
    np.testing.assert_allclose(P2, P, rtol=1e-4, atol=1e-6)


# --- sample-size regimes -------------------------------------------------------

def test_m_matrix_needs_two_samples():
    with pytest.raises(ValueError, match="n_samples=1"):
        MTP2GraphicalModel().fit(np.ones((1, 3)))


def test_diagonally_dominant_from_one_centred_sample():
    x = np.array([[1.0, 2.0, -0.5, 0.3]])
    with pytest.raises(ValueError, match="n_samples=1"):
        MTP2GraphicalModel(constraint="diagonally_dominant").fit(x)
    model = MTP2GraphicalModel(alpha=0.0, constraint="diagonally_dominant",
                               assume_centered=True, max_iter=5000).fit(x)
    _check_constraints(model.precision_, "diagonally_dominant")


def test_m_matrix_from_two_samples(rng):
    X = rng.standard_normal((2, 5))
    model = MTP2GraphicalModel(alpha=0.1, assume_centered=True).fit(X)
    _check_constraints(model.precision_, "m_matrix")


def test_mle_needs_samples_after_centring(rng):
    with pytest.raises(ValueError, match="maximum likelihood"):
        MTP2GraphicalModel(alpha=0.0).fit(rng.standard_normal((2, 4)))


# --- bad input -------------------------------------------------------------------

@pytest.mark.parametrize("value", [np.nan, np.inf])
def test_non_finite_rejected(grid_data, value):
    X = grid_data[0].copy()
    X[3, 2] = value
    with pytest.raises(ValueError, match="NaN|infinity"):
        MTP2GraphicalModel().fit(X)


def test_constant_feature_rejected(grid_data):
    X = grid_data[0].copy()
    X[:, 4] = 3.7
    with pytest.raises(ValueError, match=r"zero-variance feature\(s\) \[4\]"):
        MTP2GraphicalModel().fit(X)


@pytest.mark.parametrize("bad, match", [
    (np.array([[1.0, 0.5], [0.2, 1.0]]), "symmetric"),
    (np.array([[1.0, 2.0], [2.0, 1.0]]), "positive semidefinite"),
    (np.array([[1.0, 0.0], [0.0, 0.0]]), "zero"),
    (np.ones((2, 3)), "square"),
])
def test_bad_precomputed(bad, match):
    with pytest.raises(ValueError, match=match):
        MTP2GraphicalModel(covariance="precomputed").fit(bad)
    with pytest.raises(ValueError, match=match):
        mtp2_graphical_model(bad, 0.1)


@pytest.mark.parametrize("params", [
    dict(alpha=-0.1), dict(constraint="laplacian"), dict(penalty="lasso"), dict(n_stages=0),
    dict(tol=-1.0), dict(max_iter=0), dict(gamma=1.0), dict(alpha=np.inf),
])
def test_bad_parameters(grid_data, params):
    with pytest.raises(ValueError):
        MTP2GraphicalModel(**params).fit(grid_data[0])


def test_scad_gamma_must_exceed_two(grid_data):
    with pytest.raises(ValueError, match="gamma must be a finite number > 2"):
        MTP2GraphicalModel(penalty="scad", gamma=1.5).fit(grid_data[0])
    MTP2GraphicalModel(penalty="mcp", gamma=1.5).fit(grid_data[0])


@pytest.mark.parametrize("alpha, match", [
    (-1.0, "alpha"), (np.ones((3, 3)), r"shape \(16, 16\)"),
    (-np.ones((16, 16)), "symmetric with entries >= 0"),
])
def test_function_bad_alpha(grid_data, alpha, match):
    S = np.cov(grid_data[0].T)
    with pytest.raises(ValueError, match=match):
        mtp2_graphical_model(S, alpha)


def test_function_bad_precision_init(grid_data):
    S = np.cov(grid_data[0].T)
    with pytest.raises(ValueError, match="positive definite"):
        mtp2_graphical_model(S, 0.1, precision_init=-np.eye(16))
    with pytest.raises(ValueError, match="shape"):
        mtp2_graphical_model(S, 0.1, precision_init=np.eye(3))


# --- convergence -------------------------------------------------------------------

def test_convergence_warning(grid_data):
    with pytest.warns(ConvergenceWarning, match="MTP2GraphicalModel.*duality gap"):
        MTP2GraphicalModel(alpha=0.05, max_iter=2).fit(grid_data[0])


@pytest.mark.parametrize("constraint", CONSTRAINTS)
def test_no_warning_when_converged(grid_data, constraint):
    with warnings.catch_warnings():
        warnings.simplefilter("error", ConvergenceWarning)
        MTP2GraphicalModel(alpha=0.05, constraint=constraint, tol=1e-8).fit(grid_data[0])


def test_verbose(grid_data, capsys):
    MTP2GraphicalModel(alpha=0.05, verbose=True).fit(grid_data[0])
    assert "stage 3/3" in capsys.readouterr().out


# --- scale ---------------------------------------------------------------------------

@pytest.mark.parametrize("constraint", CONSTRAINTS)
@pytest.mark.parametrize("factor", [1e-100, 1e-6, 1.0, 1e6, 1e100])
def test_scale_equivariance(grid_data, constraint, factor):
    X, _ = grid_data
    ref = MTP2GraphicalModel(alpha=0.05, constraint=constraint, tol=1e-10).fit(X)
    model = MTP2GraphicalModel(alpha=0.05 * factor**2, constraint=constraint,
                               tol=1e-10).fit(X * factor)
    np.testing.assert_allclose(model.precision_ * factor**2, ref.precision_, rtol=1e-5,
                               atol=1e-7 * np.abs(ref.precision_).max())
    np.testing.assert_allclose(model.covariance_ / factor**2, ref.covariance_, rtol=1e-5,
                               atol=1e-7 * np.abs(ref.covariance_).max())
    assert 0.5 <= model.n_iter_ / ref.n_iter_ <= 2
    _check_constraints(model.precision_, constraint)
    assert np.isfinite(model.score(X * factor))


def test_feature_units_mle_equivariant(grid_data):
    # the M-matrix cone is invariant under Theta -> D Theta D: changing the
    # units of each feature rescales the MLE and nothing else.
    X, _ = grid_data
    units = 10.0 ** np.linspace(-4, 4, 16)
    ref = MTP2GraphicalModel(alpha=0.0, tol=1e-10).fit(X)
    model = MTP2GraphicalModel(alpha=0.0, tol=1e-10).fit(X * units)
    np.testing.assert_allclose(model.precision_ * np.outer(units, units), ref.precision_,
                               rtol=1e-3, atol=1e-6 * np.abs(ref.precision_).max())


def test_dataframe_input(grid_data):
    pd = pytest.importorskip("pandas")
    X, _ = grid_data
    df = pd.DataFrame(X, columns=[f"f{i}" for i in range(16)])
    model = MTP2GraphicalModel(alpha=0.05, tol=1e-10).fit(df)
    np.testing.assert_array_equal(model.feature_names_in_, df.columns)
    # the same fit up to the solver's tolerance (pandas hands over a
    # Fortran-ordered array: sums in another order)
    ref = MTP2GraphicalModel(alpha=0.05, tol=1e-10).fit(X)
    np.testing.assert_allclose(model.precision_, ref.precision_, rtol=1e-4, atol=1e-6)


# --- the projected Newton phase ------------------------------------------------------

@pytest.mark.parametrize("dd", [False, True])
def test_reduced_hessian_matches_finite_differences(rng, dd):
    from lrsparse.covariance._mtp2 import _reduced_hessian

    p = 4
    A = rng.standard_normal((8, p))
    Theta = A.T @ A / 8 + np.eye(p)
    iu, ju = np.triu_indices(p, 1)
    rows, cols = np.concatenate([iu, np.arange(p)]), np.concatenate([ju, np.arange(p)])
    pair = np.arange(rows.size) < iu.size

    def direction(a):  # dTheta / dx_a
        E = np.zeros((p, p))
        i, j = rows[a], cols[a]
        if not pair[a]:
            E[i, i] = 1.0
        elif dd:
            E[i, i] = E[j, j] = 1.0
            E[i, j] = E[j, i] = -1.0
        else:
            E[i, j] = E[j, i] = 1.0
        return E

    def grad(T):  # gradient of -log det in the coordinates
        Winv = -np.linalg.inv(T)
        return np.array([np.sum(Winv * direction(a)) for a in range(rows.size)])

    everything = np.arange(rows.size)
    H, _ = _reduced_hessian(np.linalg.inv(Theta), rows, cols, pair, everything,
                            np.array([], dtype=int), dd)
    h = 1e-6
    fd = np.column_stack([(grad(Theta + h * direction(a)) - grad(Theta - h * direction(a)))
                          / (2 * h) for a in everything])
    np.testing.assert_allclose(H, fd, rtol=1e-6, atol=1e-8)
    _, hdiag = _reduced_hessian(np.linalg.inv(Theta), rows, cols, pair, np.array([], dtype=int),
                                everything, dd)
    np.testing.assert_allclose(hdiag, np.diag(fd), rtol=1e-6)


@pytest.mark.parametrize("dd", [False, True])
def test_projected_newton_agrees_with_spg(grid_data, dd):
    from lrsparse.covariance._mtp2 import _projected_newton, _spg

    S = np.cov(grid_data[0].T, bias=True)
    lam = np.full((16, 16), 0.05)
    np.fill_diagonal(lam, 0.0)
    start = np.diag(1 / np.diag(S))
    T_spg, _, _, gap_spg = _spg(S, lam, start, dd, 1e-12, 5000, "projection")
    T_newton, _, n_iter, gap, done = _projected_newton(S, lam, start, dd, 1e-12, 200)
    assert done and gap <= 1e-10 and n_iter < 60
    np.testing.assert_allclose(T_newton, T_spg, rtol=1e-5, atol=1e-7)


def test_badly_conditioned_mle_switches_to_newton(grid_data):
    # two samples around a known mean: the MLE exists but is badly
    # conditioned; SPG alone does not finish, the Newton phase does
    X = grid_data[0][:2]
    model = MTP2GraphicalModel(alpha=0.0, assume_centered=True, tol=1e-8, max_iter=5000)
    with warnings.catch_warnings():
        warnings.simplefilter("error", ConvergenceWarning)
        model.fit(X)
    assert model.n_iter_ > 500  # past the SPG phase
    assert np.linalg.cond(model.precision_) > 1e3
