"""MTP2GraphicalModelCV: the cross-validated penalty of the MTP2 graphical model."""

import warnings

import numpy as np
import pytest
from joblib import parallel_config
from sklearn.covariance import empirical_covariance, log_likelihood
from sklearn.exceptions import ConvergenceWarning
from sklearn.model_selection import KFold

from lrsparse.covariance import MTP2GraphicalModel, mtp2_graphical_model
from lrsparse.covariance._mtp2_cv import (
    MTP2GraphicalModelCV,
    _alpha_max,
    _covariance,
    _mtp2_path,
)
from lrsparse.datasets import make_mtp2_precision
from lrsparse.metrics import edge_f1, relative_error

# Small and quick: 3 points per grid, 2 grids, 3 folds.
FAST = dict(alphas=3, n_refinements=2, cv=3)


def _sample(p=8, n=60, graph="grid", diagonally_dominant=False, seed=0):
    precision, _ = make_mtp2_precision(p, graph=graph, diagonally_dominant=diagonally_dominant,
                                       random_state=seed)
    rng = np.random.default_rng(seed)
    X = rng.multivariate_normal(np.zeros(p), np.linalg.inv(precision), size=n)
    return X, precision


def _off_diagonal(A):
    return A[~np.eye(A.shape[0], dtype=bool)]


# --- the grid's top: alpha_max ------------------------------------------------------------


@pytest.mark.parametrize("constraint", ["m_matrix", "diagonally_dominant"])
@pytest.mark.parametrize("penalty", ["l1", "scad"])
def test_alpha_max_is_where_the_estimate_becomes_diagonal(constraint, penalty):
    X, _ = _sample(p=6, n=40, graph="erdos_renyi", seed=1)
    S = empirical_covariance(X)
    alpha_max = _alpha_max(S)
    assert alpha_max == pytest.approx(_off_diagonal(S).max())
    kw = dict(constraint=constraint, penalty=penalty, tol=1e-8)
    _, at_max = mtp2_graphical_model(S, alpha_max, **kw)
    assert np.all(_off_diagonal(at_max) == 0)
    np.testing.assert_allclose(np.diag(at_max), 1 / np.diag(S), rtol=1e-6)
    # just below it, the pair with the largest covariance becomes an edge
    _, below = mtp2_graphical_model(S, 0.98 * alpha_max, **kw)
    i, j = np.unravel_index(np.argmax(S - np.diag(np.diag(S) + np.inf)), S.shape)
    assert below[i, j] < 0


def test_alpha_max_ignores_negative_covariances():
    S = np.array([[1.0, -0.9, 0.3], [-0.9, 1.0, 0.1], [0.3, 0.1, 1.0]])
    assert _alpha_max(S) == pytest.approx(0.3)
    # -0.9 is the largest in magnitude (GraphicalLasso's alpha_max) but makes no edge
    _, precision = mtp2_graphical_model(S, 0.3, penalty="l1", tol=1e-10)
    assert np.all(_off_diagonal(precision) == 0)
    assert _alpha_max(-np.abs(S) + 2 * np.diag(np.diag(S))) == 0.0


def test_no_positive_covariance_gives_the_diagonal_without_cv():
    # Every pair negatively correlated: every alpha gives the diagonal estimate.
    cov = np.full((3, 3), -0.4) + 1.4 * np.eye(3)
    X = np.random.default_rng(0).multivariate_normal(np.zeros(3), cov, size=40)
    S = empirical_covariance(X)
    assert _alpha_max(S) == 0.0
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        model = MTP2GraphicalModelCV(**FAST).fit(X)
    assert model.alpha_ == 0.0
    np.testing.assert_array_equal(model.cv_results_["alphas"], [0.0])
    assert set(model.cv_results_) == {"alphas", "split0_test_score", "split1_test_score",
                                      "split2_test_score", "mean_test_score", "std_test_score"}
    assert np.all(np.isfinite(model.cv_results_["mean_test_score"]))
    np.testing.assert_allclose(model.precision_, np.diag(1 / np.diag(S)), rtol=1e-10)
    np.testing.assert_allclose(model.covariance_, np.diag(np.diag(S)), rtol=1e-10)


def test_one_feature_has_no_edge_to_choose():
    X = np.random.default_rng(0).standard_normal((20, 1))
    model = MTP2GraphicalModelCV(**FAST).fit(X)
    assert model.alpha_ == 0.0
    np.testing.assert_allclose(model.precision_, [[1 / X.var()]])


# --- the search ----------------------------------------------------------------------------


def test_cv_results_keys_shapes_and_refinements():
    X, _ = _sample()
    model = MTP2GraphicalModelCV(alphas=4, n_refinements=3, cv=4).fit(X)
    res = model.cv_results_
    assert list(res) == ["alphas"] + [f"split{k}_test_score" for k in range(4)] + [
        "mean_test_score", "std_test_score"]
    n_rows = 4 * 3 + 1  # three grids of four, then alpha = 0
    assert all(v.shape == (n_rows,) for v in res.values())
    alphas = res["alphas"]
    assert alphas[-1] == 0.0 and np.all(np.diff(alphas) < 0)
    # the first grid: alpha_max down to 1e-2 alpha_max, log-spaced
    alpha_max = _alpha_max(empirical_covariance(X))
    first = np.geomspace(alpha_max, 1e-2 * alpha_max, 4)
    assert np.all(np.min(np.abs(alphas[:, None] - first[None, :]) / first, axis=0) < 1e-12)
    assert model.alpha_ in alphas[:-1]
    splits = np.array([res[f"split{k}_test_score"] for k in range(4)])
    np.testing.assert_allclose(res["mean_test_score"], splits.mean(axis=0))
    np.testing.assert_allclose(res["std_test_score"], splits.std(axis=0))
    # the choice: the largest alpha whose mean is within sqrt(tol) of the best
    # (the reference row alpha = 0 is not a candidate)
    mean = res["mean_test_score"][:-1]
    chosen = list(alphas).index(model.alpha_)
    assert mean[chosen] >= mean.max() - np.sqrt(model.tol)
    assert np.all(mean[:chosen] < mean.max() - np.sqrt(model.tol))


def test_an_odd_grid_never_tries_an_alpha_twice():
    # alphas=3: the first grid is alpha_max * [1, 0.1, 0.01]; here its middle
    # point is the best, and the refined grid alpha_max * [10**-0.5, 0.1,
    # 10**-1.5] has it in the middle again: it is not tried twice.
    X, _ = _sample()
    model = MTP2GraphicalModelCV(alphas=3, n_refinements=2, cv=3, penalty="l1").fit(X)
    alphas = model.cv_results_["alphas"]
    np.testing.assert_allclose(alphas / alphas[0],
                               [1, 10**-0.5, 0.1, 10**-1.5, 0.01, 0], rtol=1e-12)
    assert np.all(np.diff(alphas) < 0)


def test_choice_rule_ties_failures_and_blow_ups():
    est = MTP2GraphicalModelCV(tol=1e-6)  # ties: within sqrt(tol) = 1e-3 of the best

    def path(means):
        return [(a, a, (m, m)) for a, m in zip([4.0, 2.0, 1.0, 0.5], means)]

    # the largest alpha among the near-best wins (the sparsest equally good model)
    assert est._best_index(path([-5.0, -4.01, -3.9995, -3.9990])) == (2, 3)
    assert est._best_index(path([-5.0, -4.01, -4.0, -3.998])) == (3, 3)
    # failed solves (-inf) are never chosen; the last finite index is reported
    assert est._best_index(path([-5.0, -4.0, -np.inf, -np.inf])) == (1, 1)
    # a blow-up (absurdly large likelihood) counts as a failure, as in GraphicalLassoCV
    assert est._best_index(path([-5.0, 1e20, -4.5, -np.inf])) == (2, 2)
    # nothing finite: GraphicalLassoCV's choice, the smallest alpha
    assert est._best_index(path([-np.inf] * 4)) == (3, 0)


def test_alpha_beats_the_worst_grid_alpha_on_held_out_data():
    """Recompute both held-out log-likelihoods independently (cold-started fits
    of the convex l1 problem, solved tightly)."""
    X, _ = _sample()
    model = MTP2GraphicalModelCV(**FAST, penalty="l1", tol=1e-9).fit(X)
    res = model.cv_results_
    grid, mean = res["alphas"][:-1], res["mean_test_score"][:-1]
    worst = grid[np.argmin(mean)]

    def held_out(alpha):
        scores = []
        for train, test in KFold(3).split(X):
            fit = MTP2GraphicalModel(alpha=alpha, penalty="l1", tol=1e-9).fit(X[train])
            scores.append(log_likelihood(empirical_covariance(X[test]), fit.precision_))
        return np.mean(scores)

    chosen, bad = held_out(model.alpha_), held_out(worst)
    assert chosen > bad + 0.01
    assert chosen == pytest.approx(mean.max(), abs=1e-4)
    assert bad == pytest.approx(mean.min(), abs=1e-5)


def test_explicit_alphas_are_tried_as_given():
    X, _ = _sample()
    alphas = [0.01, 0.2, 0.05]
    model = MTP2GraphicalModelCV(alphas=alphas, n_refinements=5, cv=3).fit(X)
    np.testing.assert_array_equal(model.cv_results_["alphas"], [0.2, 0.05, 0.01, 0.0])
    assert model.alpha_ in alphas


@pytest.mark.parametrize("constraint", ["m_matrix", "diagonally_dominant"])
@pytest.mark.parametrize("penalty", ["l1", "mcp"])
def test_refit_is_the_estimator_at_alpha(constraint, penalty):
    X, _ = _sample(diagonally_dominant=constraint == "diagonally_dominant")
    kw = dict(constraint=constraint, penalty=penalty, n_stages=2, tol=1e-7)
    model = MTP2GraphicalModelCV(**FAST, **kw).fit(X)
    ref = MTP2GraphicalModel(alpha=model.alpha_, **kw).fit(X)
    # the same solve as the estimator's (bitwise, up to the alpha's last digit)
    np.testing.assert_allclose(model.precision_, ref.precision_, rtol=1e-10, atol=1e-14)
    np.testing.assert_allclose(model.covariance_, ref.covariance_, rtol=1e-10, atol=1e-14)
    np.testing.assert_allclose(model.location_, X.mean(axis=0))
    assert model.n_iter_ == ref.n_iter_
    assert np.all(_off_diagonal(model.precision_) <= 0)
    if constraint == "diagonally_dominant":
        assert np.all(model.precision_.sum(axis=1) >= 0)
    # score / mahalanobis come from EmpiricalCovariance
    assert model.score(X) == pytest.approx(ref.score(X))
    np.testing.assert_allclose(model.mahalanobis(X[:3]), ref.mahalanobis(X[:3]), rtol=1e-6)


def test_assume_centered():
    X, _ = _sample()
    model = MTP2GraphicalModelCV(**FAST, assume_centered=True).fit(X)
    np.testing.assert_array_equal(model.location_, 0.0)
    ref = MTP2GraphicalModel(alpha=model.alpha_, assume_centered=True).fit(X)
    np.testing.assert_allclose(model.precision_, ref.precision_, rtol=1e-10)
    # the folds are scored with uncentred test covariances
    centred = MTP2GraphicalModelCV(**FAST).fit(X)
    assert not np.allclose(model.cv_results_["mean_test_score"],
                           centred.cv_results_["mean_test_score"], rtol=1e-6)


def test_cv_beats_the_largest_alpha_on_mtp2_ground_truth():
    X, precision = _sample(p=9, n=60, graph="grid", seed=3)
    model = MTP2GraphicalModelCV(**FAST).fit(X)
    alpha_max = model.cv_results_["alphas"][0]
    top = MTP2GraphicalModel(alpha=alpha_max).fit(X)
    assert np.all(_off_diagonal(top.precision_) == 0)  # no edge at the top of the grid
    err_cv = relative_error(precision, model.precision_)
    err_top = relative_error(precision, top.precision_)
    assert err_cv < 0.8 * err_top
    assert edge_f1(precision, model.precision_) > 0.5


def test_n_jobs_gives_the_same_result():
    X, _ = _sample()
    one = MTP2GraphicalModelCV(**FAST, n_jobs=1).fit(X)
    # threads: the same Parallel / delayed path as processes, without their start-up cost
    with parallel_config(backend="threading"):
        two = MTP2GraphicalModelCV(**FAST, n_jobs=2).fit(X)
    assert one.alpha_ == two.alpha_
    for key in one.cv_results_:
        np.testing.assert_array_equal(one.cv_results_[key], two.cv_results_[key])
    np.testing.assert_array_equal(one.precision_, two.precision_)


def test_reproducible_with_a_shuffled_splitter():
    X, _ = _sample()
    fits = [MTP2GraphicalModelCV(alphas=3, n_refinements=2,
                                 cv=KFold(3, shuffle=True, random_state=0)).fit(X)
            for _ in range(2)]
    assert fits[0].alpha_ == fits[1].alpha_
    np.testing.assert_array_equal(fits[0].cv_results_["mean_test_score"],
                                  fits[1].cv_results_["mean_test_score"])
    np.testing.assert_array_equal(fits[0].precision_, fits[1].precision_)


def test_a_random_state_splitter_keeps_its_folds_across_refinements():
    """One split for all grids (a RandomState instance would draw new folds per grid):
    each fold's scores on the second grid are its path's on the first split drawn."""
    X, _ = _sample()
    model = MTP2GraphicalModelCV(
        alphas=3, n_refinements=2,
        cv=KFold(3, shuffle=True, random_state=np.random.RandomState(0))).fit(X)
    folds = list(KFold(3, shuffle=True, random_state=np.random.RandomState(0)).split(X))
    scale = 2.0 ** np.round(np.log2(np.abs(X).max()))  # the estimator works on X / scale
    alphas = model.cv_results_["alphas"][:-1]
    first = np.geomspace(alphas[0], 1e-2 * alphas[0], 3)
    second = np.array([a for a in alphas if np.min(np.abs(first - a)) > 1e-12 * a])
    assert second.size == 3
    rows = np.searchsorted(-alphas, -second)
    for k, (train, test) in enumerate(folds):
        Xs = X / scale
        _, _, scores = _mtp2_path(_covariance(Xs[train], False), second / scale**2,
                                  X_test=Xs[test])
        np.testing.assert_allclose(model.cv_results_[f"split{k}_test_score"][rows],
                                   np.array(scores) - X.shape[1] * np.log(scale), rtol=1e-12)


# --- scale ---------------------------------------------------------------------------------


@pytest.fixture(scope="module", params=["l1", "mcp", "scad"])
def unscaled(request):
    X, precision = _sample(p=6, n=40, graph="erdos_renyi", seed=2)
    settings = dict(SCALE_SETTINGS, penalty=request.param)
    return X, precision, settings, MTP2GraphicalModelCV(**settings).fit(X)


# Solved tightly: c X differs from X in the last digits, and at the default tol
# (1e-4 nats) the solver's answers (so the held-out scores, at 1e-3) differ
# by more than the scores of neighbouring alphas do.
SCALE_SETTINGS = dict(FAST, tol=1e-9)


@pytest.mark.parametrize("factor", [1e-100, 1e-6, 1.0, 1e6, 1e100])
def test_scale_sweep(unscaled, factor):
    X, precision, settings, ref = unscaled
    model = MTP2GraphicalModelCV(**settings).fit(factor * X)
    c2 = factor**2
    ratio = model.alpha_ / model.cv_results_["alphas"][0]
    assert ratio == pytest.approx(ref.alpha_ / ref.cv_results_["alphas"][0], rel=1e-9)
    np.testing.assert_allclose(model.cv_results_["alphas"], ref.cv_results_["alphas"] * c2,
                               rtol=1e-9)
    p = X.shape[1]
    # log-likelihoods shift by -p log c (the solves agree to about 1e-6 nats)
    np.testing.assert_allclose(model.cv_results_["mean_test_score"] + p * np.log(factor),
                               ref.cv_results_["mean_test_score"], rtol=0, atol=1e-4)
    # to the solves' accuracy: about sqrt(tol) relative to the largest entry
    for fitted, expected in [(model.precision_ * c2, ref.precision_),
                             (model.covariance_ / c2, ref.covariance_)]:
        np.testing.assert_allclose(fitted, expected, rtol=0,
                                   atol=1e-4 * np.abs(expected).max())
    assert ref.n_iter_ / 2 <= model.n_iter_ <= 2 * ref.n_iter_
    assert relative_error(precision / c2, model.precision_) == pytest.approx(
        relative_error(precision, ref.precision_), rel=1e-4)


def test_scale_out_of_float64_range_is_a_clear_error():
    X, _ = _sample(p=4, n=20)
    with pytest.raises(ValueError, match="outside the range of float64"):
        MTP2GraphicalModelCV(**FAST).fit(1e200 * X)
    with pytest.raises(ValueError, match="too small for float64"):
        MTP2GraphicalModelCV(**FAST).fit(1e-310 * X)


# --- the warm-started path -----------------------------------------------------------------


def test_path_matches_cold_starts_and_scores():
    X, _ = _sample()
    train, test = X[:40], X[40:]
    S = empirical_covariance(train)
    alphas = np.geomspace(_alpha_max(S), 1e-2 * _alpha_max(S), 4)
    kw = dict(penalty="scad", n_stages=3, tol=1e-8)
    covs, precs, scores = _mtp2_path(S, alphas, X_test=test, **kw)
    assert len(covs) == len(precs) == len(scores) == 4
    test_cov = empirical_covariance(test)
    for alpha, cov, prec, score in zip(alphas, covs, precs, scores):
        cold_cov, cold = mtp2_graphical_model(S, alpha, **kw)
        np.testing.assert_allclose(prec, cold, rtol=1e-3, atol=1e-4)
        np.testing.assert_allclose(cov @ prec, np.eye(len(S)), atol=1e-8)
        assert score == pytest.approx(log_likelihood(test_cov, prec))
    assert len(_mtp2_path(S, alphas[:2])) == 2  # no X_test: no scores


def test_path_scores_minus_inf_when_the_training_fold_cannot_be_fitted():
    X = np.random.default_rng(0).standard_normal((10, 3))
    S = empirical_covariance(X)
    S[1, :] = S[:, 1] = 0.0  # a feature without variance in this fold
    covs, precs, scores = _mtp2_path(S, [0.1, 0.01], X_test=X)
    assert scores == [-np.inf, -np.inf]
    assert np.all(np.isnan(precs[0])) and np.all(np.isnan(covs[1]))


# --- convergence, verbose, bad input -------------------------------------------------------


def test_convergence_warning_names_the_estimator_and_no_warning_when_converged():
    X, _ = _sample()
    with pytest.warns(ConvergenceWarning, match="MTP2GraphicalModelCV did not converge"):
        model = MTP2GraphicalModelCV(**FAST, max_iter=1).fit(X)
    assert model.n_iter_ >= 1
    with warnings.catch_warnings():
        warnings.simplefilter("error", ConvergenceWarning)
        MTP2GraphicalModelCV(**FAST).fit(X)


def test_verbose_reports_refinements(capsys):
    X, _ = _sample(p=4, n=30)
    MTP2GraphicalModelCV(alphas=2, n_refinements=2, cv=2, verbose=3).fit(X)
    out = capsys.readouterr().out
    assert "Done refinement  1 out of 2" in out
    assert "[_mtp2_path] alpha:" in out
    assert "MTP2GraphicalModelCV: stage 1/3" in out  # the refit's solver


@pytest.mark.parametrize("alphas, match", [
    ([0.1, 0.0], "finite and positive"),
    ([0.1, -1.0], "finite and positive"),
    ([0.1, np.inf], "finite and positive"),
    ([0.1, np.nan], "finite and positive"),
    ([[0.1, 0.2]], "1-d"),
    ([], "non-empty"),
    (["a"], "alphas must be"),
    (1, "alphas"),
    (0, "alphas"),
])
def test_bad_alphas(alphas, match):
    X, _ = _sample(p=4, n=20)
    with pytest.raises(ValueError, match=match):
        MTP2GraphicalModelCV(alphas=alphas, cv=2).fit(X)


@pytest.mark.parametrize("params, match", [
    (dict(n_refinements=0), "n_refinements"),
    (dict(n_refinements=1.5), "n_refinements"),
    (dict(cv="five"), "cv"),
    (dict(n_jobs=1.5), "n_jobs"),
    (dict(penalty="lasso"), "penalty"),
    (dict(penalty="scad", gamma=1.5), "gamma"),  # SCAD needs a > 2
    (dict(max_iter=0), "max_iter"),
])
def test_bad_parameters(params, match):
    X, _ = _sample(p=4, n=20)
    with pytest.raises(ValueError, match=match):
        MTP2GraphicalModelCV(**params).fit(X)


def test_bad_data():
    X, _ = _sample(p=4, n=20)
    X_const = X.copy()
    X_const[:, 2] = 3.0
    with pytest.raises(ValueError, match=r"zero-variance feature\(s\) \[2\]"):
        MTP2GraphicalModelCV(**FAST).fit(X_const)
    X_nan = X.copy()
    X_nan[0, 0] = np.nan
    with pytest.raises(ValueError, match="NaN"):
        MTP2GraphicalModelCV(**FAST).fit(X_nan)
    with pytest.raises(ValueError, match="minimum of 2"):
        MTP2GraphicalModelCV(**FAST).fit(X[:1])
    X_copy = X.copy()
    MTP2GraphicalModelCV(**FAST).fit(X)
    np.testing.assert_array_equal(X, X_copy)  # input not modified


def test_leave_one_out_scores_single_sample_folds_without_warnings():
    X, _ = _sample(p=4, n=10)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        model = MTP2GraphicalModelCV(alphas=2, n_refinements=1, cv=10).fit(X)
    assert len([k for k in model.cv_results_ if k.startswith("split")]) == 10
    assert np.isfinite(model.cv_results_["mean_test_score"]).all()


def test_feature_names_in():
    import pandas as pd

    X, _ = _sample(p=4, n=30)
    frame = pd.DataFrame(X, columns=list("abcd"))
    model = MTP2GraphicalModelCV(**FAST).fit(frame)
    assert model.n_features_in_ == 4
    np.testing.assert_array_equal(model.feature_names_in_, list("abcd"))
