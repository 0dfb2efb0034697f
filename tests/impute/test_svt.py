"""SVTImputer: SVT with the authors' defaults, the divergence guard, USVT."""

import re
import time
import warnings

import numpy as np
import pytest
from sklearn.exceptions import ConvergenceWarning
from threadpoolctl import threadpool_limits

from lrsparse.datasets import make_low_rank_matrix_with_missing
from lrsparse.impute import SVTImputer
from lrsparse.metrics import relative_error


@pytest.fixture(scope="module", autouse=True)
def single_blas_thread():
    """Thin products (n x rank blocks): threaded BLAS only adds overhead on a busy machine."""
    with threadpool_limits(limits=1, user_api="blas"):
        yield


def _ratings(n, d, frac, *, rank=3, strength=0.6, noise=0.5, seed=0):
    """Integer ratings in 1..5: offsets + rank-`rank` signal + noise, rounded and clipped."""
    rng = np.random.default_rng(seed)
    U = rng.standard_normal((n, rank))
    V = rng.standard_normal((d, rank))
    S = (3.2 + 0.4 * rng.standard_normal((n, 1)) + 0.4 * rng.standard_normal((1, d))
         + strength * (U @ V.T) / np.sqrt(rank))
    R = np.clip(np.rint(S + noise * rng.standard_normal((n, d))), 1, 5)
    return np.where(rng.uniform(size=(n, d)) < frac, R, np.nan)


# ------------------------------------------------------------------------------ SVT


def test_svt_authors_relation_smaller_size():
    # Cai, Candes & Shen's experiments: n x n, rank r, m / d_r = 6 observed
    # entries per degree of freedom d_r = r (2n - r); relative error ~1e-4 at tol 1e-4.
    n, r = 300, 5
    p = 6 * r * (2 * n - r) / n**2
    X, X_true = make_low_rank_matrix_with_missing(n, n, rank=r, observed_fraction=p,
                                                  random_state=0)
    assert abs((~np.isnan(X)).sum() / (r * (2 * n - r)) - 6) < 0.2
    with warnings.catch_warnings():
        warnings.simplefilter("error", ConvergenceWarning)
        est = SVTImputer(random_state=0)
        X_hat = est.fit_transform(X)
    assert relative_error(X_true, X_hat) < 2e-4
    assert est.n_iter_ < 500
    assert est.rank_ == r
    assert est.residual_ < 1e-4
    assert not est.diverged_
    assert est.singular_values_.shape == (r,) and np.all(est.singular_values_ > 0)
    np.testing.assert_allclose(est.components_ @ est.components_.T, np.eye(r), atol=1e-8)
    assert est.row_factors_.shape == (n, r) and est.n_observed_ == (~np.isnan(X)).sum()


def test_svt_smaller_tol_gives_smaller_error():
    X, X_true = make_low_rank_matrix_with_missing(80, 50, rank=2, observed_fraction=0.5,
                                                  random_state=0)
    errors = []
    for tol in (1e-3, 1e-6):
        est = SVTImputer(tol=tol, random_state=0).fit(X)
        assert est.residual_ < tol
        errors.append(relative_error(X_true, est.fit_transform(X), mask=np.isnan(X)))
    assert errors[1] < 1e-5 < errors[0] / 10


def test_svt_explicit_tau_and_step():
    X, X_true = make_low_rank_matrix_with_missing(100, 80, rank=2, observed_fraction=0.5,
                                                  random_state=1)
    est = SVTImputer(tau=5 * np.sqrt(100 * 80), step=1.2 / 0.5, random_state=0)
    X_hat = est.fit_transform(X)
    assert est.rank_ == 2 and relative_error(X_true, X_hat) < 1e-3
    for bad in (dict(tau=-1.0), dict(step=0.0), dict(method="svd"), dict(eta=1.5)):
        with pytest.raises(ValueError):
            SVTImputer(**bad).fit(X)


def test_svt_max_iter_reached_warns():
    X, _ = make_low_rank_matrix_with_missing(60, 50, rank=2, observed_fraction=0.5,
                                             random_state=0)
    with pytest.warns(ConvergenceWarning,
                      match=r"SVTImputer did not converge: stopped at max_iter=5 .*residual"):
        est = SVTImputer(max_iter=5, random_state=0).fit(X)
    assert est.n_iter_ == 5 and est.residual_ > 1e-4 and not est.diverged_
    with pytest.warns(ConvergenceWarning, match="max_iter=1 "):
        assert SVTImputer(max_iter=1, random_state=0).fit(X).n_iter_ == 1


def test_svt_no_warning_when_converged():
    X, _ = make_low_rank_matrix_with_missing(60, 50, rank=2, observed_fraction=0.5,
                                             random_state=0)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        est = SVTImputer(random_state=0).fit(X)
    assert 1 <= est.n_iter_ < est.max_iter and est.residual_ < est.tol


# --------------------------------------------------------------- divergence guard


def test_svt_diverges_on_noisy_ratings_and_warns():
    X = _ratings(150, 200, 0.15, seed=3)
    start = time.perf_counter()
    with pytest.warns(ConvergenceWarning, match="diverged") as record:
        est = SVTImputer(random_state=0)
        X_hat = est.fit_transform(X)
    elapsed = time.perf_counter() - start
    assert est.diverged_ is True
    assert np.all(np.isfinite(X_hat))
    assert np.all(np.isfinite(est.row_factors_)) and np.all(np.isfinite(est.components_))
    assert est.n_iter_ <= est.max_iter
    assert elapsed < 10.0
    messages = [str(w.message) for w in record if issubclass(w.category, ConvergenceWarning)]
    assert any("safe step" in m for m in messages)
    # Observed entries are returned unchanged, the rest stays in a sane range.
    obs = ~np.isnan(X)
    np.testing.assert_array_equal(X_hat[obs], X[obs])
    assert np.abs(X_hat).max() < 100
    # The kept iterate is the one whose residual residual_ reports.
    r, c = np.nonzero(obs)
    fitted = est.predict_entries(r, c)
    res = np.linalg.norm(fitted - X[obs]) / np.linalg.norm(X[obs])
    assert res == pytest.approx(est.residual_, rel=1e-8)
    assert est.residual_ < 1.0


def test_svt_safe_step_restart_is_not_judged_against_the_first_pass():
    """The restart from the kicking start must get a chance to run.

    Noisy low-rank data, step 1.2 / p = 2.67: the first pass reaches a
    relative residual of ~0.03, then the rank outgrows what the data
    determine and the guard fires.  The restart with the safe step begins
    again from the kicking start, whose first residual is ~1; it must not be
    declared divergent right away for being above ten times the *first
    pass's* best residual.
    """
    X, _ = make_low_rank_matrix_with_missing(60, 60, rank=2, observed_fraction=0.45,
                                             noise=0.1, random_state=0)
    with pytest.warns(ConvergenceWarning) as record:  # the authors' tau = 5 sqrt(n1 n2)
        est = SVTImputer(tau=5 * 60.0, random_state=0).fit(X)
    messages = [str(w.message) for w in record]
    its = [int(m.group(1)) for msg in messages
           if (m := re.search(r"diverged at iteration (\d+)", msg))]
    assert est.diverged_ and len(its) == 2, messages
    assert "safe step" in messages[0]
    first, second = its
    assert second > first + 1, (
        f"the safe-step restart was declared divergent at its first iterate "
        f"(iterations {first} and {second})"
    )
    assert est.residual_ < 0.1


# --------------------------------------------------------------------------- USVT


def _graphon(n=200, frac=0.6, seed=0):
    rng = np.random.default_rng(seed)
    u, v = rng.uniform(size=n), rng.uniform(size=n)
    P = 1.0 / (1.0 + np.exp(-4.0 * (u[:, None] + v[None, :] - 1.0)))
    A = (rng.uniform(size=P.shape) < P).astype(float)  # Bernoulli(P) observations
    observed = rng.uniform(size=P.shape) < frac
    return np.where(observed, A, np.nan), P


def test_usvt_beats_mean_fill_on_a_graphon():
    X, P = _graphon()
    missing = np.isnan(X)
    est = SVTImputer(method="usvt", random_state=0)
    X_hat = est.fit_transform(X)
    err = relative_error(P, X_hat, mask=missing)
    err_mean = relative_error(P, np.where(missing, np.nanmean(X), X), mask=missing)
    assert err < 0.5 * err_mean
    assert err < 0.2
    assert est.n_iter_ == 0 and not est.diverged_
    assert 1 <= est.rank_ <= 5


def test_usvt_output_within_observed_range():
    rng = np.random.default_rng(1)
    X = rng.uniform(2.0, 7.0, size=(80, 60)) + np.outer(rng.standard_normal(80),
                                                        rng.standard_normal(60))
    X[rng.uniform(size=X.shape) < 0.5] = np.nan
    lo, hi = np.nanmin(X), np.nanmax(X)
    est = SVTImputer(method="usvt", random_state=0).fit(X)
    for out in (est.fit_transform(X), est.transform(X[:10]),
                est.predict_entries(*np.nonzero(np.isnan(X)))):
        assert out.min() >= lo and out.max() <= hi


def test_usvt_constant_observations():
    X = np.full((20, 10), np.nan)
    X[::2] = 3.0
    X[1::2, ::2] = 3.0
    out = SVTImputer(method="usvt", random_state=0).fit_transform(X)
    np.testing.assert_array_equal(out, 3.0)


def test_svt_all_zero_observations_give_zero_completion():
    X = np.full((30, 20), np.nan)
    X[np.random.default_rng(0).uniform(size=X.shape) < 0.5] = 0.0
    est = SVTImputer(random_state=0)
    out = est.fit_transform(X)
    np.testing.assert_array_equal(out, 0.0)
    assert est.rank_ == 0 and est.residual_ == 0.0
