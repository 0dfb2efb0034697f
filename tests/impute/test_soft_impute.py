"""SoftImputer: the soft-impute fixed point, centring, the held-out alpha path."""

import time
import warnings

import numpy as np
import pytest
from sklearn.exceptions import ConvergenceWarning
from threadpoolctl import threadpool_limits

from lrsparse.datasets import make_low_rank_matrix_with_missing
from lrsparse.impute import SoftImputer
from lrsparse.impute._base import observed_entries
from lrsparse.impute._soft_impute import soft_impute_iterations
from lrsparse.metrics import relative_error


@pytest.fixture(scope="module", autouse=True)
def single_blas_thread():
    """Thin products (n x rank blocks): threaded BLAS only adds overhead on a busy machine."""
    with threadpool_limits(limits=1, user_api="blas"):
        yield


def _soft_threshold_svd(F, alpha):
    U, s, Vt = np.linalg.svd(F, full_matrices=False)
    return (U * np.maximum(s - alpha, 0.0)) @ Vt


def _reference_soft_impute(X, alpha, tol=1e-24, max_iter=20000):
    """Mazumder et al.'s soft-impute with a full SVD: Z <- S_alpha(P(X) + P_perp(Z))."""
    observed = ~np.isnan(X)
    Z = np.zeros_like(X)
    for _ in range(max_iter):
        Z_new = _soft_threshold_svd(np.where(observed, X, Z), alpha)
        change, norm = np.sum((Z_new - Z) ** 2), np.sum(Z**2)
        Z = Z_new
        if change <= tol * norm:
            return Z
    raise AssertionError("the reference did not converge")


@pytest.fixture(scope="module")
def small():
    X, X_true = make_low_rank_matrix_with_missing(30, 20, rank=2, observed_fraction=0.5,
                                                  random_state=0)
    return X, X_true


@pytest.mark.parametrize("alpha", [2.0, 4.0])
def test_matches_full_svd_soft_impute(small, alpha):
    X, _ = small
    Z_ref = _reference_soft_impute(X, alpha)
    est = SoftImputer(alpha=alpha, center=None, tol=1e-15, max_iter=3000, random_state=0)
    est.fit(X)
    Z = est.row_factors_ @ est.components_
    assert np.abs(Z - Z_ref).max() < 1e-5
    assert est.rank_ == np.linalg.matrix_rank(Z_ref, tol=1e-6)
    np.testing.assert_allclose(est.singular_values_,
                               np.linalg.svd(Z_ref, compute_uv=False)[:est.rank_], atol=1e-5)
    assert est.alpha_ == alpha and est.mean_ == 0.0
    np.testing.assert_array_equal(est.row_bias_, 0.0)
    np.testing.assert_array_equal(est.column_bias_, 0.0)
    # fit_transform: observed entries unchanged, missing ones from the fixed point.
    out = est.fit_transform(X)
    missing = np.isnan(X)
    np.testing.assert_array_equal(out[~missing], X[~missing])
    assert np.abs(out[missing] - Z_ref[missing]).max() < 1e-5


def test_solution_is_a_fixed_point_of_the_full_svd_map(small):
    # Independent of any reference iteration: Z = S_alpha(P(X) + P_perp(Z)).
    X, _ = small
    est = SoftImputer(alpha=3.0, center=None, tol=1e-15, max_iter=3000, random_state=1).fit(X)
    Z = est.row_factors_ @ est.components_
    Z_map = _soft_threshold_svd(np.where(np.isnan(X), Z, X), 3.0)
    assert np.abs(Z_map - Z).max() < 1e-6 * np.abs(Z).max()


def test_center_mean_is_soft_impute_of_the_centred_data(small):
    X, _ = small
    X = X + 5.0
    mu = np.nanmean(X)
    kw = dict(alpha=2.0, tol=1e-15, max_iter=3000, random_state=0)
    est = SoftImputer(center="mean", **kw)
    out = est.fit_transform(X)
    assert est.mean_ == pytest.approx(mu, rel=1e-14)
    np.testing.assert_array_equal(est.row_bias_, 0.0)
    ref = SoftImputer(center=None, **kw).fit_transform(X - mu) + mu
    np.testing.assert_allclose(out, ref, atol=1e-6)


def test_huge_alpha_is_the_damped_bias_model():
    # Additive data (offsets only): a huge alpha removes the low-rank part and
    # leaves mean + row bias + column bias, which recovers the offsets.
    rng = np.random.default_rng(0)
    row, col = rng.standard_normal(120), rng.standard_normal(80)
    truth = 3.0 + row[:, None] + col[None, :]
    X = np.where(rng.uniform(size=truth.shape) < 0.5, truth, np.nan)
    est = SoftImputer(alpha=1e12, random_state=0)
    out = est.fit_transform(X)
    assert est.rank_ == 0 and est.row_factors_.shape == (120, 0)
    model = est.mean_ + est.row_bias_[:, None] + est.column_bias_[None, :]
    missing = np.isnan(X)
    np.testing.assert_allclose(out[missing], model[missing], rtol=1e-12)
    r, c = np.nonzero(missing)
    np.testing.assert_allclose(est.predict_entries(r, c), model[r, c], rtol=1e-12)
    assert est.mean_ == pytest.approx(np.nanmean(X))
    # Damped (shrunk) estimates of the centred offsets: close, and a bit smaller.
    assert np.corrcoef(est.row_bias_, row)[0, 1] > 0.98
    assert np.corrcoef(est.column_bias_, col)[0, 1] > 0.98
    assert relative_error(truth, out, mask=missing) < 0.15
    # No centring at all: the completion of the missing entries is 0.
    out0 = SoftImputer(alpha=1e12, center=None).fit_transform(X)
    np.testing.assert_array_equal(out0[missing], 0.0)


def _ratings(n, d, frac, *, rank=4, strength=0.6, noise=0.5, seed=0):
    rng = np.random.default_rng(seed)
    U = rng.standard_normal((n, rank))
    V = rng.standard_normal((d, rank))
    S = (3.2 + 0.4 * rng.standard_normal((n, 1)) + 0.4 * rng.standard_normal((1, d))
         + strength * (U @ V.T) / np.sqrt(rank))
    R = np.clip(np.rint(S + noise * rng.standard_normal((n, d))), 1, 5)
    return R, rng.uniform(size=(n, d)) < frac


def _damped_bias_baseline(X, lam=10.0, sweeps=50):
    """User + item bias model, damped means alternated to convergence."""
    observed = ~np.isnan(X)
    mu = np.nanmean(X)
    R = np.where(observed, X - mu, 0.0)
    row, col = np.zeros(X.shape[0]), np.zeros(X.shape[1])
    for _ in range(sweeps):
        row = (R - observed * col[None, :]).sum(axis=1) / (observed.sum(axis=1) + lam)
        col = (R - observed * row[:, None]).sum(axis=0) / (observed.sum(axis=0) + lam)
    return mu + row[:, None] + col[None, :]


def test_auto_alpha_beats_bias_baseline_on_ratings():
    R, observed = _ratings(300, 400, 0.15)
    rng = np.random.default_rng(1)
    idx = np.argwhere(observed)
    rng.shuffle(idx)
    test, train = idx[: len(idx) // 5], idx[len(idx) // 5:]
    X = np.full(R.shape, np.nan)
    X[train[:, 0], train[:, 1]] = R[train[:, 0], train[:, 1]]
    assert 13000 < len(train) < 16000

    def rmse(P):
        return float(np.sqrt(np.mean((P[test[:, 0], test[:, 1]] - R[test[:, 0], test[:, 1]])
                                     ** 2)))

    baseline = rmse(_damped_bias_baseline(X))
    assert baseline < rmse(np.full(R.shape, np.nanmean(X)))  # the baseline is a real one
    # alpha=1e12 reduces SoftImputer to the same bias model.
    assert rmse(SoftImputer(alpha=1e12).fit_transform(X)) == pytest.approx(baseline, rel=0.01)

    start = time.perf_counter()
    est = SoftImputer(random_state=0)
    P = est.fit_transform(X)
    assert time.perf_counter() - start < 10.0
    assert rmse(P) < 0.93 * baseline
    assert est.rank_ >= 1
    # The alpha path: decreasing by 0.7 from the offsets-only model, stopped at the
    # first rise of the held-out error, refined by the geometric midpoints around the
    # best; alpha_ is the largest alpha whose error is within 0.2% of the smallest
    # (the lowest rank among the equally good).
    path, errors = est.alpha_path_, est.validation_errors_
    assert path.size == errors.size >= 3
    ratios = path[1:] / path[:-1]
    assert np.all(np.isclose(ratios, 0.7) | np.isclose(ratios, np.sqrt(0.7)))
    assert np.isclose(ratios, np.sqrt(0.7)).sum() in (1, 2, 4)  # each midpoint halves a step
    good = np.flatnonzero(errors <= errors.min() * 1.002)
    assert est.alpha_ == path[good[0]]
    assert errors[0] > errors.min()  # the low-rank part helps on held-out entries


def test_auto_alpha_reproducible_and_seed_dependent():
    R, observed = _ratings(80, 60, 0.4, seed=2)
    X = np.where(observed, R, np.nan)
    a = SoftImputer(random_state=3).fit(X)
    b = SoftImputer(random_state=3).fit(X)
    np.testing.assert_array_equal(a.alpha_path_, b.alpha_path_)
    np.testing.assert_array_equal(a.validation_errors_, b.validation_errors_)
    np.testing.assert_array_equal(a.transform(X), b.transform(X))


def test_auto_alpha_needs_a_few_entries():
    X = np.full((3, 3), np.nan)
    X[0, 0] = 1.0
    X[1, 1] = 2.0
    with pytest.warns(UserWarning, match="degrees of freedom"), \
            pytest.raises(ValueError, match="alpha='auto'"):
        SoftImputer().fit(X)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        out = SoftImputer(alpha=0.1).fit_transform(X)
    assert np.all(np.isfinite(out))


def test_n_components_caps_the_rank():
    X, _ = make_low_rank_matrix_with_missing(60, 40, rank=6, observed_fraction=0.6,
                                             random_state=0)
    free = SoftImputer(alpha=1.0, center=None, random_state=0).fit(X)
    capped = SoftImputer(alpha=1.0, center=None, n_components=2, random_state=0).fit(X)
    assert free.rank_ > 2 and capped.rank_ == 2
    assert capped.components_.shape == (2, 40)


def test_non_convergence_warns():
    X, _ = make_low_rank_matrix_with_missing(60, 40, rank=3, observed_fraction=0.4,
                                             random_state=0)
    with pytest.warns(ConvergenceWarning,
                      match=r"SoftImputer did not converge: stopped at max_iter=2 .*change"):
        est = SoftImputer(alpha=1.0, max_iter=2, random_state=0).fit(X)
    assert est.n_iter_ == 2
    with pytest.warns(ConvergenceWarning, match="SoftImputer did not converge"):
        assert SoftImputer(max_iter=1, random_state=0).fit(X).n_iter_ == 1


def test_no_warning_when_converged():
    X, _ = make_low_rank_matrix_with_missing(80, 60, rank=3, observed_fraction=0.5,
                                             noise=0.1, random_state=0)
    for alpha in (1.0, "auto"):
        with warnings.catch_warnings():
            warnings.simplefilter("error")
            est = SoftImputer(alpha=alpha, random_state=0).fit(X)
        assert 1 <= est.n_iter_ < est.max_iter


def test_soft_impute_iterations_warm_start():
    X, _ = make_low_rank_matrix_with_missing(40, 30, rank=2, observed_fraction=0.5,
                                             random_state=4)
    obs = observed_entries(X, np.nan)
    rng = np.random.RandomState(0)
    L, Vt, Vb, n_iter, change = soft_impute_iterations(obs, 2.0, tol=1e-12, max_iter=2000,
                                                       rng=rng)
    assert change <= 1e-12 and L.shape[1] == Vt.shape[0] == 2
    np.testing.assert_allclose(Vt @ Vt.T, np.eye(2), atol=1e-10)
    # Restarting from the solution: converged after very few iterations, same point.
    L2, Vt2, _, n_iter2, change2 = soft_impute_iterations(obs, 2.0, L=L, Vt=Vt, V_block=Vb,
                                                          tol=1e-12, max_iter=2000, rng=rng)
    assert change2 <= 1e-12 and n_iter2 < max(5, n_iter // 5)
    np.testing.assert_allclose(L2 @ Vt2, L @ Vt, atol=1e-4)
    # Zero observations above alpha: the zero matrix at once.
    L3, Vt3, _, n3, c3 = soft_impute_iterations(obs, 1e6, max_iter=10, rng=rng)
    assert L3.shape == (40, 0) and Vt3.shape == (0, 30) and n3 == 1 and c3 == 0.0


def test_fold_in_uses_new_row_biases():
    # Offsets-only model (huge alpha): a new row is completed with mean_ + its own
    # damped row bias + the column biases; shifting the row shifts the completion.
    rng = np.random.default_rng(0)
    row, col = rng.standard_normal(100), rng.standard_normal(60)
    truth = 3.0 + row[:, None] + col[None, :]
    X = np.where(rng.uniform(size=truth.shape) < 0.5, truth, np.nan)
    est = SoftImputer(alpha=1e12, random_state=0).fit(X)
    new = X[:5] + 2.0
    out = est.transform(new)
    missing = np.isnan(new)
    offset = out - est.mean_ - est.column_bias_[None, :]
    for i in range(5):
        # One offset per row on its missing entries ...
        np.testing.assert_allclose(offset[i, missing[i]], offset[i, missing[i]][0],
                                   atol=1e-12)
    # ... larger than the training row's by a damped share of the shift.
    shift = offset[np.arange(5), np.argmax(missing, axis=1)] - est.row_bias_[:5]
    assert np.all(shift > 1.0) and np.all(shift < 2.0)
    np.testing.assert_array_equal(out[~missing], new[~missing])
