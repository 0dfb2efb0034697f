"""What every low-rank imputer shares: observed entries, validation, fold-in, entry evaluation."""

import warnings

import numpy as np
import pytest
import scipy.sparse as sp
from sklearn.base import clone
from sklearn.exceptions import ConvergenceWarning, NotFittedError
from threadpoolctl import threadpool_limits

from lrsparse.datasets import make_low_rank_matrix_with_missing
from lrsparse.impute import SoftImputer, SVTImputer
from lrsparse.impute._base import observed_entries
from lrsparse.metrics import relative_error


@pytest.fixture(scope="module", autouse=True)
def single_blas_thread():
    """Thin products (n x rank blocks): threaded BLAS only adds overhead on a busy machine."""
    with threadpool_limits(limits=1, user_api="blas"):
        yield


ESTIMATORS = {
    "svt": SVTImputer(random_state=0),
    "usvt": SVTImputer(method="usvt", random_state=0),
    "soft": SoftImputer(alpha=1.0, random_state=0),
    "soft_auto": SoftImputer(random_state=0),
}
IDS = list(ESTIMATORS)


@pytest.fixture(params=IDS)
def est(request):
    return clone(ESTIMATORS[request.param])


def _data(seed=0, n=80, d=50):
    """Exactly rank 2, half observed: SVT converges in ~100-150 iterations (seeds 0-11)."""
    return make_low_rank_matrix_with_missing(n, d, rank=2, observed_fraction=0.5,
                                             random_state=seed)


def _data_with_observed_zero(seed=1, n=80, d=50):
    """Exactly rank 2 with an observed entry that is exactly 0.0."""
    rng = np.random.default_rng(seed)
    A, B = rng.standard_normal((n, 2)), rng.standard_normal((d, 2))
    B[0] = [A[0, 1], -A[0, 0]]  # X_true[0, 0] = 0 (up to a rounding of ~1e-17)
    X_true = A @ B.T
    X_true[0, 0] = 0.0
    X = np.where(rng.uniform(size=X_true.shape) < 0.5, X_true, np.nan)
    X[0, 0] = 0.0
    return X, X_true


@pytest.fixture(scope="module")
def fitted():
    """{name: (X, X_true, estimator fitted by fit_transform, its output)}, built lazily."""
    cache = {}

    def get(name):
        if name not in cache:
            X, X_true = _data(seed=8)
            est = clone(ESTIMATORS[name])
            cache[name] = (X, X_true, est, est.fit_transform(X))
        return cache[name]

    return get


def _name(est):
    return next(k for k, v in ESTIMATORS.items() if v.get_params() == est.get_params())


def _to_sparse(X):
    mask = ~np.isnan(X)
    return sp.csr_array((X[mask], np.nonzero(mask)), shape=X.shape)


# ----------------------------------------------------------------- observed_entries


def test_observed_entries_dense_and_sparse():
    X = np.array([[1.0, np.nan, 0.0], [np.nan, np.nan, np.nan], [2.0, -3.0, np.nan]])
    obs = observed_entries(X, np.nan)
    np.testing.assert_array_equal(obs.rows, [0, 0, 2, 2])
    np.testing.assert_array_equal(obs.cols, [0, 2, 0, 1])
    np.testing.assert_array_equal(obs.values, [1.0, 0.0, 2.0, -3.0])
    assert obs.rows.dtype == obs.cols.dtype == np.int32 and obs.values.dtype == np.float64
    assert obs.shape == (3, 3)
    # Sparse: stored entries (explicit zero included, unsorted indices) are observed,
    # a stored NaN is missing.
    S = sp.csr_array((np.array([0.0, 1.0, np.nan, -3.0, 2.0]),
                      np.array([2, 0, 1, 1, 0]), np.array([0, 2, 3, 5])), shape=(3, 3))
    obs_s = observed_entries(S, np.nan)
    for u, v in zip(obs[:3], obs_s[:3]):
        np.testing.assert_array_equal(u, v)
    for fmt in ("csc", "coo"):
        obs_f = observed_entries(S.asformat(fmt), np.nan)
        np.testing.assert_array_equal(obs_f.values, obs.values)
    # The CSR rebuilt from the entries keeps the explicit zero.
    A = obs.csr()
    assert A.nnz == 4 and A.shape == (3, 3)
    np.testing.assert_array_equal(A.toarray(), np.nan_to_num(X))
    np.testing.assert_array_equal(obs.csr(np.arange(4.0)).data, np.arange(4.0))


def test_observed_entries_other_marker_and_non_finite():
    X = np.array([[1.0, 0.0], [-1.0, 5.0]])
    obs = observed_entries(X, 0)
    np.testing.assert_array_equal(obs.values, [1.0, -1.0, 5.0])
    S = sp.csr_array(np.array([[1.0, 0.0], [0.0, 2.0]]))
    S.data[0] = 0.0  # a stored zero: missing when the marker is 0
    assert observed_entries(S, 0).values.tolist() == [2.0]
    assert observed_entries(S, np.nan).values.tolist() == [0.0, 2.0]
    with pytest.raises(ValueError, match="non-finite"):
        observed_entries(np.array([[1.0, np.inf]]), np.nan)
    with pytest.raises(ValueError, match="non-finite"):
        observed_entries(np.array([[1.0, np.nan]]), 0)


# ----------------------------------------------------------- sparse == NaN-marked


def test_sparse_and_nan_inputs_give_the_same_result(est):
    X, _ = _data_with_observed_zero()
    S = _to_sparse(X)
    assert S.nnz == (~np.isnan(X)).sum() and S[0, 0] == 0.0
    with warnings.catch_warnings():
        warnings.simplefilter("error", ConvergenceWarning)
        dense = clone(est)
        out_dense = dense.fit_transform(X)
        sparse = clone(est)
        out_sparse = sparse.fit_transform(S)
    np.testing.assert_allclose(out_sparse, out_dense, rtol=1e-12, atol=1e-12)
    assert out_sparse[0, 0] == 0.0
    assert sparse.n_observed_ == dense.n_observed_ == S.nnz
    np.testing.assert_allclose(sparse.transform(S[:10]), dense.transform(X[:10]),
                               rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(sparse.predict_entries([1, 2], [3, 4]),
                               dense.predict_entries([1, 2], [3, 4]), rtol=1e-12)
    # The stored zero is an observation: unstoring it makes the entry missing.
    S2 = S.copy()
    S2.eliminate_zeros()
    assert S2.nnz == S.nnz - 1
    obs2 = observed_entries(S2, np.nan)
    assert obs2.values.size == dense.n_observed_ - 1


# ---------------------------------------------------------------------------- fold-in


def test_fold_in_is_exact_with_exact_factors():
    rng = np.random.default_rng(0)
    n, d, r = 100, 60, 3
    A = rng.standard_normal((n + 20, r))
    B = rng.standard_normal((d, r))
    X_true = A @ B.T
    X = np.where(rng.uniform(size=X_true.shape) < 0.5, X_true, np.nan)
    X_train, X_new = X[:n], X[n:].copy()
    # New rows from the same row space, some with only `r` observations.
    X_new[:3] = np.nan
    for k in range(3):
        cols = rng.choice(d, r, replace=False)
        X_new[k, cols] = X_true[n + k, cols]
    assert (~np.isnan(X_new)).sum(axis=1).min() >= r
    est = SVTImputer(tol=1e-8, max_iter=2000, random_state=0)
    completed_train = est.fit_transform(X_train)
    assert est.rank_ == r
    assert relative_error(X_true[:n], completed_train) < 1e-6
    completed_new = est.transform(X_new)
    assert relative_error(X_true[n:], completed_new) < 1e-5
    np.testing.assert_array_equal(completed_new[~np.isnan(X_new)], X_new[~np.isnan(X_new)])
    # transform of the training rows reproduces their completion.
    assert relative_error(completed_train, est.transform(X_train)) < 1e-5


# ------------------------------------------------------------------------ bad input


def test_non_finite_observed_values_raise(est):
    X, _ = _data()
    bad = X.copy()
    bad[np.argwhere(~np.isnan(X))[0][0], np.argwhere(~np.isnan(X))[0][1]] = np.inf
    with pytest.raises(ValueError):
        clone(est).fit(bad)
    with pytest.raises(ValueError):
        clone(est).set_params(missing_values=0).fit(X)  # NaN but the marker is 0
    S = _to_sparse(X)
    S.data[0] = np.inf
    with pytest.raises(ValueError):
        clone(est).fit(S)


def test_empty_rows_and_columns_get_the_fill_value(est):
    X, _ = _data(seed=3)
    X[5] = np.nan
    X[:, 7] = np.nan
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        out = est.fit_transform(X)
    fill = est.fill_value_
    assert fill == pytest.approx(np.nanmean(X), rel=1e-12)
    assert np.all(np.isfinite(out))
    np.testing.assert_array_equal(out[5], fill)
    np.testing.assert_array_equal(out[:, 7], fill)
    np.testing.assert_array_equal(est.predict_entries([5, 0, 5], [0, 7, 7]), fill)
    # New rows: without observation -> fill; the training-empty column -> fill
    # unless observed in the new row.
    new = np.full((2, X.shape[1]), np.nan)
    new[1, :10] = X[0, :10]
    new[1, 7] = 4.25
    t = est.transform(new)
    assert np.all(np.isfinite(t))
    np.testing.assert_array_equal(t[0], fill)
    assert t[1, 7] == 4.25
    # The other missing entries of that row come from the fold-in, not the fill.
    assert np.count_nonzero(t[1, 10:] == fill) < 5


def test_too_few_observations_warn():
    X = np.full((20, 15), np.nan)
    X[np.arange(15), np.arange(15)] = np.arange(1.0, 16.0)
    X[np.arange(15, 20), np.arange(5)] = 1.0  # 20 entries < 20 + 15 - 1
    for est in (SVTImputer(random_state=0), SoftImputer(alpha=0.5, random_state=0),
                SoftImputer(random_state=0), SVTImputer(method="usvt", random_state=0)):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ConvergenceWarning)
            with pytest.warns(UserWarning, match="degrees of freedom"):
                out = est.fit_transform(X)
        assert np.all(np.isfinite(out))


def test_no_observed_entry_raises(est):
    with pytest.raises(ValueError, match="no observed entry"):
        clone(est).fit(np.full((5, 4), np.nan))
    with pytest.raises(ValueError, match="no observed entry"):
        clone(est).fit(sp.csr_array((5, 4)))


def test_missing_value_that_never_occurs(est):
    X = np.random.default_rng(0).standard_normal((30, 20))
    est.set_params(missing_values=-999.0)
    out = est.fit_transform(X)
    np.testing.assert_array_equal(out, X)
    assert est.n_observed_ == X.size
    np.testing.assert_array_equal(est.transform(X[:5]), X[:5])


def test_missing_values_zero_with_dense_input(est, fitted):
    X, _, _, a = fitted(_name(est))
    X0 = np.nan_to_num(X)  # zeros mark the missing entries
    b = est.set_params(missing_values=0).fit_transform(X0)
    np.testing.assert_allclose(b, a, rtol=1e-12, atol=1e-12)
    assert np.count_nonzero(b == 0.0) == 0


def test_transform_wrong_number_of_features(est, fitted):
    X, _, est, _ = fitted(_name(est))
    with pytest.raises(ValueError, match="features"):
        est.transform(X[:, :-1])


def test_not_fitted(est):
    X, _ = _data()
    with pytest.raises(NotFittedError):
        est.transform(X)
    with pytest.raises(NotFittedError):
        est.predict_entries([0], [0])


def test_predict_entries_validation(est, fitted):
    X, _, est, _ = fitted(_name(est))
    n, d = X.shape
    for rows, cols in [([0, n], [0, 0]), ([-1], [0]), ([0], [d]), ([0], [-1])]:
        with pytest.raises(ValueError, match="must be in"):
            est.predict_entries(rows, cols)
    with pytest.raises(ValueError):
        est.predict_entries([0, 1], [0])
    with pytest.raises(ValueError):
        est.predict_entries([[0]], [[0]])
    assert est.predict_entries([], []).shape == (0,)


# ------------------------------------------------------------------ general contract


def test_input_not_modified(est):
    X, _ = _data(seed=5)
    X_copy = X.copy()
    S = _to_sparse(X)
    arrays = (S.data.copy(), S.indices.copy(), S.indptr.copy())
    est.fit_transform(X)
    est.transform(X)
    np.testing.assert_array_equal(X, X_copy)
    est.fit(S)
    est.transform(S)
    for a, b in zip((S.data, S.indices, S.indptr), arrays):
        np.testing.assert_array_equal(a, b)


def test_reproducible_with_random_state(est, fitted):
    X, _, _, out = fitted(_name(est))
    np.testing.assert_array_equal(est.fit_transform(X), out)


def test_float32_in_float32_out(est, fitted):
    X, _, _, out64 = fitted(_name(est))
    X32 = X.astype(np.float32)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        out = est.fit_transform(X32)
    assert out.dtype == np.float32
    assert est.transform(X32[:4]).dtype == np.float32
    missing = np.isnan(X)
    assert relative_error(out64, out.astype(np.float64), mask=missing) < 1e-3


def test_predict_entries_equals_fit_transform(est, fitted):
    X, _, est, out = fitted(_name(est))
    r, c = np.nonzero(np.isnan(X))
    np.testing.assert_allclose(est.predict_entries(r, c), out[r, c], rtol=1e-12, atol=1e-12)
    # At observed positions it evaluates the model, not the observation.
    ro, co = np.nonzero(~np.isnan(X))
    model = est.predict_entries(ro, co)
    assert model.shape == ro.shape and np.all(np.isfinite(model))
    assert not np.array_equal(model, X[ro, co])


@pytest.mark.parametrize("name, bound", [("svt", 1e-3), ("soft", 0.6), ("soft_auto", 0.6)])
def test_completion_beats_mean_fill_on_exact_low_rank(fitted, name, bound):
    # SVT recovers the matrix; soft-impute at its default tol is a shrunk, partly
    # converged estimate, but still far better than the mean.
    X, X_true, _, out = fitted(name)
    missing = np.isnan(X)
    err = relative_error(X_true, out, mask=missing)
    err_mean = relative_error(X_true, np.where(missing, np.nanmean(X), X), mask=missing)
    assert err < bound * err_mean, (name, err, err_mean)


def test_svt_and_soft_impute_shrink_through_the_one_kernel(monkeypatch):
    """SVT and soft-impute threshold singular values with prox.svd_shrink, nothing else."""
    from lrsparse._kernels import prox
    from lrsparse.impute._base import shrink_factors

    calls = []
    kernel = prox.svd_shrink

    def counting(U, s, Vt, tau):
        calls.append(tau)
        return kernel(U, s, Vt, tau)

    monkeypatch.setattr(prox, "svd_shrink", counting)
    X, _ = _data(seed=0)
    svt = SVTImputer(random_state=0).fit(X)
    assert len(calls) == svt.n_iter_ and calls[0] == pytest.approx(svt.tau_ / svt._scale)
    calls.clear()
    soft = SoftImputer(alpha=1.0, center=None, random_state=0).fit(X)
    assert len(calls) == soft.n_iter_
    # The helper: s - tau, components with s > tau kept, L = U diag(s_k).
    U, Vt = np.eye(4, 3), np.eye(3, 5)
    L, s, Vt_k = shrink_factors(U, np.array([3.0, 2.0, 0.5]), Vt, 1.0)
    np.testing.assert_array_equal(s, [2.0, 1.0])
    np.testing.assert_array_equal(L, np.eye(4, 2) * [2.0, 1.0])
    np.testing.assert_array_equal(Vt_k, np.eye(2, 5))
