"""OneSidedCompletion: the row space and second moment from two observations per row."""

import warnings

import numpy as np
import pytest
import scipy.sparse as sp
from sklearn.decomposition import PCA
from sklearn.exceptions import ConvergenceWarning
from threadpoolctl import threadpool_limits

from lrsparse.datasets import make_low_rank_matrix_with_missing
from lrsparse.impute import OneSidedCompletion, pair_statistics
from lrsparse.metrics import relative_error, subspace_distance


@pytest.fixture(scope="module", autouse=True)
def single_blas_thread():
    """Thin products (d x rank blocks): threaded BLAS only adds overhead on a busy machine."""
    with threadpool_limits(limits=1, user_api="blas"):
        yield


D, R = 30, 2


@pytest.fixture(scope="module")
def fits():
    """{m: (X, X_true, fitted estimator)} for m = 2000 and 20000 rows, two entries each."""
    out = {}
    for m in (2000, 20000):
        X, X_true = make_low_rank_matrix_with_missing(m, D, rank=R, pattern="two_per_row",
                                                      random_state=0)
        out[m] = (X, X_true, OneSidedCompletion(n_components=R, random_state=0).fit(X))
    return out


def _top_right_vectors(X_true, r=R):
    return np.linalg.svd(X_true, full_matrices=False)[2][:r].T


def test_subspace_improves_with_rows_and_beats_zero_filled_pca(fits):
    dist = {}
    for m, (X, X_true, est) in fits.items():
        V_true = _top_right_vectors(X_true)
        dist[m] = subspace_distance(est.components_.T, V_true)
        pca = PCA(n_components=R).fit(np.nan_to_num(X))
        dist_pca = subspace_distance(pca.components_.T, V_true)
        assert dist[m] < 0.5 * dist_pca, (m, dist[m], dist_pca)
    assert dist[20000] < 0.6 * dist[2000]
    assert dist[20000] < 0.12


def test_gram_approximates_the_second_moment(fits):
    err = {}
    for m, (X, X_true, est) in fits.items():
        G = X_true.T @ X_true / m
        assert est.gram_.shape == (D, D)
        np.testing.assert_allclose(est.gram_, est.gram_.T, atol=1e-12)
        assert np.linalg.matrix_rank(est.gram_, tol=1e-8 * np.abs(est.gram_).max()) == R
        err[m] = relative_error(G, est.gram_)
    assert err[20000] < 0.6 * err[2000]
    assert err[20000] < 0.15


def test_fitted_attributes_are_consistent(fits):
    X, _, est = fits[20000]
    np.testing.assert_allclose(est.components_ @ est.components_.T, np.eye(R), atol=1e-10)
    np.testing.assert_allclose(est.gram_, est.factors_ @ est.factors_.T)
    # components_ are the eigenvectors of gram_ with eigenvalues explained_variance_.
    np.testing.assert_allclose(est.gram_ @ est.components_.T,
                               est.components_.T * est.explained_variance_, atol=1e-8)
    assert np.all(np.diff(est.explained_variance_) <= 0)
    assert est.n_pairs_ == D * (D + 1) // 2  # 20000 rows: every pair observed
    assert est.n_features_in_ == D and est.n_iter_ >= 1 and np.isfinite(est.loss_)
    assert list(est.get_feature_names_out()) == ["onesidedcompletion0", "onesidedcompletion1"]


def test_pair_statistics_matches_brute_force():
    X = np.array([
        [0.5, np.nan, 2.0, -1.0],
        [-1.5, 3.0, 0.0, np.nan],   # an observed 0.0
        [0.0, 0.0, np.nan, np.nan],  # a pair whose products are all 0
        [np.nan, -2.0, 1.0, np.nan],
        [np.nan, np.nan, np.nan, np.nan],  # no observation
        [1.0, np.nan, np.nan, np.nan],  # a single observation: diagonal only
    ])
    a, b, c, s = pair_statistics(X)
    C, S = {}, {}
    for row in X:
        J = np.flatnonzero(~np.isnan(row))
        for i in J:
            for j in J:
                if i <= j:
                    C[i, j] = C.get((i, j), 0) + 1
                    S[i, j] = S.get((i, j), 0.0) + row[i] * row[j]
    got = {(int(i), int(j)): (cc, ss) for i, j, cc, ss in zip(a, b, c, s)}
    assert set(got) == set(C)
    for key in C:
        assert got[key][0] == C[key]
        assert got[key][1] == pytest.approx(S[key], abs=1e-14)
    assert np.all(a <= b)
    assert c.dtype == s.dtype == np.float64


def test_pair_statistics_of_sparse_and_dense_agree(rng):
    X = rng.standard_normal((40, 6))
    X[rng.uniform(size=X.shape) < 0.6] = np.nan
    X[0, np.flatnonzero(~np.isnan(X[0]))[:1]] = 0.0
    mask = ~np.isnan(X)
    S = sp.csr_array((X[mask], np.nonzero(mask)), shape=X.shape)
    dense = pair_statistics(X)
    sparse = pair_statistics(S)
    for u, v in zip(dense, sparse):
        np.testing.assert_array_equal(u, v)


def test_sparse_and_nan_inputs_give_the_same_fit():
    X, _ = make_low_rank_matrix_with_missing(3000, 20, rank=2, pattern="two_per_row",
                                             random_state=1)
    i, j = np.argwhere(~np.isnan(X))[0]
    X[i, j] = 0.0  # an observed zero, stored explicitly below
    mask = ~np.isnan(X)
    S = sp.csr_array((X[mask], np.nonzero(mask)), shape=X.shape)
    assert S.nnz == mask.sum() and np.count_nonzero(S.data == 0.0) == 1
    a = OneSidedCompletion(random_state=0).fit(X)
    b = OneSidedCompletion(random_state=0).fit(S)
    assert a.n_pairs_ == b.n_pairs_
    np.testing.assert_allclose(b.gram_, a.gram_, rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(b.components_, a.components_, rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(b.transform(S), a.transform(X), rtol=1e-12, atol=1e-12)
    # The observed zero counts: dropping it changes the statistics.
    S_drop = S.copy()
    S_drop.eliminate_zeros()
    c = OneSidedCompletion(random_state=0).fit(S_drop)
    assert c.n_pairs_ < a.n_pairs_ or not np.allclose(c.gram_, a.gram_)


def test_transform_rows_with_many_observations(fits):
    _, X_true, est = fits[20000]
    rng = np.random.default_rng(5)
    rows = X_true[:50]
    X_new = np.where(rng.uniform(size=rows.shape) < 0.2, np.nan, rows)  # ~24 of 30 observed
    Z = est.transform(X_new)
    assert Z.shape == (50, R)
    proj = rows @ est.components_.T  # the true rows' coordinates on the fitted components
    assert np.linalg.norm(Z - proj) / np.linalg.norm(proj) < 0.05
    completed = est.inverse_transform(Z)
    assert completed.shape == (50, D)
    assert relative_error(rows, completed) < 0.15
    # Fully observed rows: (almost) exactly their projections.
    Z_full = est.transform(rows)
    np.testing.assert_allclose(Z_full, proj, rtol=0.02, atol=0.02 * np.abs(proj).max())


def test_transform_rows_without_observations_give_zero(fits):
    _, _, est = fits[2000]
    X_new = np.full((3, D), np.nan)
    X_new[1, :4] = 1.0
    Z = est.transform(X_new)
    np.testing.assert_array_equal(Z[[0, 2]], 0.0)
    assert np.any(Z[1] != 0)
    np.testing.assert_array_equal(est.inverse_transform(Z)[[0, 2]], 0.0)


def test_transform_two_observations_are_shrunk(fits):
    # Two observations per row, two components: the ridge prior shrinks the
    # coordinates (they are not the exact interpolation of the two values).
    X, X_true, est = fits[20000]
    Z = est.transform(X[:200])
    proj = X_true[:200] @ est.components_.T
    assert np.all(np.isfinite(Z))
    assert np.linalg.norm(Z) < np.linalg.norm(proj)
    assert np.corrcoef(Z.ravel(), proj.ravel())[0, 1] > 0.5


def test_inverse_transform_shape_and_errors(fits):
    _, _, est = fits[2000]
    Z = np.ones((4, R))
    out = est.inverse_transform(Z)
    assert out.shape == (4, D)
    np.testing.assert_allclose(out, Z @ est.components_)
    with pytest.raises(ValueError, match="n_components"):
        est.inverse_transform(np.ones((4, R + 1)))


def test_too_few_pairs_raise():
    X, _ = make_low_rank_matrix_with_missing(10, 30, rank=2, pattern="two_per_row",
                                             random_state=0)
    # 10 rows x (2 diagonal + 1 off-diagonal) pairs <= 30 < d r - r (r - 1) / 2 = 59.
    with pytest.raises(ValueError, match="distinct observed column pairs"):
        OneSidedCompletion(n_components=2).fit(X)
    with pytest.raises(ValueError):
        OneSidedCompletion(n_components=2).fit(np.full((5, 30), np.nan))
    with pytest.raises(ValueError, match="n_features"):
        OneSidedCompletion(n_components=31).fit(X)


def test_bad_values_raise():
    X, _ = make_low_rank_matrix_with_missing(500, 10, rank=2, pattern="two_per_row",
                                             random_state=0)
    bad = X.copy()
    bad[np.argwhere(~np.isnan(X))[0][0], np.argwhere(~np.isnan(X))[0][1]] = np.inf
    with pytest.raises(ValueError):
        OneSidedCompletion().fit(bad)
    with pytest.raises(ValueError):
        OneSidedCompletion(missing_values=0).fit(X)  # NaN is not the marker
    est = OneSidedCompletion(random_state=0).fit(X)
    with pytest.raises(ValueError):
        est.transform(X[:, :5])


def test_missing_values_zero_matches_nan():
    X, _ = make_low_rank_matrix_with_missing(2000, 12, rank=2, pattern="two_per_row",
                                             random_state=2)
    a = OneSidedCompletion(random_state=0).fit(X)
    b = OneSidedCompletion(missing_values=0, random_state=0).fit(np.nan_to_num(X))
    np.testing.assert_allclose(b.gram_, a.gram_, rtol=1e-12, atol=1e-12)


def test_float32_reproducible_and_input_untouched():
    X, _ = make_low_rank_matrix_with_missing(2000, 12, rank=2, pattern="two_per_row",
                                             random_state=3)
    X32 = X.astype(np.float32)
    copy = X32.copy()
    a = OneSidedCompletion(random_state=0).fit(X32)
    b = OneSidedCompletion(random_state=0).fit(X32)
    np.testing.assert_array_equal(X32, copy)
    np.testing.assert_array_equal(a.gram_, b.gram_)
    Z = a.transform(X32[:10])
    assert Z.dtype == np.float32


def test_max_iter_warns():
    X, _ = make_low_rank_matrix_with_missing(2000, 12, rank=2, pattern="two_per_row",
                                             random_state=4)
    with pytest.warns(ConvergenceWarning, match=r"OneSidedCompletion did not converge: "
                      r"stopped at max_iter=1 .*decrease of the loss"):
        est = OneSidedCompletion(max_iter=1, tol=0.0, random_state=0).fit(X)
    assert est.n_iter_ == 1
    with warnings.catch_warnings():
        warnings.simplefilter("error", ConvergenceWarning)
        OneSidedCompletion(random_state=0).fit(X)


def test_warns_outside_its_regime(monkeypatch):
    # Many observations per row: the pair statistics grow as k^2 per row.
    from lrsparse.impute import _one_sided

    monkeypatch.setattr(_one_sided, "_MANY_PRODUCTS", 1000.0)
    X, _ = make_low_rank_matrix_with_missing(100, 20, rank=2, observed_fraction=0.5,
                                             random_state=0)
    with pytest.warns(UserWarning, match="ScaledGDImputer or SoftImputer"):
        OneSidedCompletion(random_state=0).fit(X)
