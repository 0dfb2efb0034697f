"""The completion family on any scale and on every sparse input a user has.

Scale: the problems are scale-equivariant, so data multiplied by ``c`` in
[1e-100, 1e100] give results multiplied by ``c`` (``c**2`` for second
moments), the same iteration counts and the same relative errors; data that
float64 cannot carry give a clear ``ValueError``.

Inputs: scipy sparse matrices and arrays (CSR, CSC, COO) with int32 or
int64 indices, and a networkx-built adjacency, give the same fit.
"""

import warnings

import networkx as nx
import numpy as np
import pytest
import scipy.sparse as sp
from sklearn.base import clone
from threadpoolctl import threadpool_limits

from lrsparse.datasets import make_low_rank_matrix_with_missing
from lrsparse.impute import (OneSidedCompletion, ScaledGDImputer, SoftImputer, SVTImputer,
                             pair_statistics)
from lrsparse.metrics import relative_error, subspace_distance


@pytest.fixture(scope="module", autouse=True)
def single_blas_thread():
    with threadpool_limits(limits=1, user_api="blas"):
        yield


FACTORS = [1e-100, 1e-6, 1.0, 1e6, 1e100]


@pytest.fixture(scope="module")
def completion_data():
    return make_low_rank_matrix_with_missing(60, 40, rank=2, observed_fraction=0.5,
                                             noise=0.0, random_state=0)


@pytest.fixture(scope="module")
def noisy_data():
    return make_low_rank_matrix_with_missing(60, 40, rank=2, observed_fraction=0.5,
                                             noise=0.1, random_state=0)


@pytest.fixture(scope="module")
def two_per_row():
    return make_low_rank_matrix_with_missing(3000, 12, rank=2, pattern="two_per_row",
                                             random_state=0)


def _fit_imputer(est, X):
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # converged at every scale
        X_hat = clone(est).fit_transform(X)
    return X_hat


IMPUTERS = {
    "svt": (SVTImputer(random_state=0), "completion_data"),
    "usvt": (SVTImputer(method="usvt", random_state=0), "noisy_data"),
    "soft_auto": (SoftImputer(random_state=0), "noisy_data"),
    "soft_mean": (SoftImputer(center="mean", alpha=2.0, random_state=0), "noisy_data"),
    "soft_als": (SoftImputer(solver="als", random_state=0), "noisy_data"),
    "scaled_gd": (ScaledGDImputer(n_components=2, random_state=0), "completion_data"),
}


@pytest.mark.parametrize("name", list(IMPUTERS))
@pytest.mark.parametrize("factor", FACTORS)
def test_imputers_scale_with_the_data(name, factor, request):
    est, data = IMPUTERS[name]
    X, X_true = request.getfixturevalue(data)
    missing = np.isnan(X)
    ref = clone(est)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        X_hat = ref.fit_transform(X)
    scaled = clone(est)
    if name == "soft_mean":  # a numeric alpha is in the units of X
        scaled.set_params(alpha=est.alpha * factor)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        X_hat_c = scaled.fit_transform(X * factor)
    assert np.all(np.isfinite(X_hat_c))
    np.testing.assert_allclose(X_hat_c / factor, X_hat, rtol=1e-6, atol=1e-8 * np.abs(X_hat).max())
    err = relative_error(X_true, X_hat, mask=missing)
    err_c = relative_error(X_true * factor, X_hat_c, mask=missing)
    assert err_c == pytest.approx(err, rel=1e-6)
    assert ref.n_iter_ / 2 <= scaled.n_iter_ <= 2 * ref.n_iter_
    assert scaled.rank_ == ref.rank_
    if name == "scaled_gd":
        assert err < 1e-3
        assert scaled.damping_ == pytest.approx(ref.damping_ * factor, rel=1e-6)
    if name == "svt":
        assert scaled.tau_ == pytest.approx(ref.tau_ * factor, rel=1e-6)
        assert err < 1e-3
    if name.startswith("soft"):
        assert scaled.alpha_ == pytest.approx(ref.alpha_ * factor, rel=1e-6)
        np.testing.assert_allclose(scaled.singular_values_ / factor, ref.singular_values_,
                                   rtol=1e-6)
    # Fold-in of new rows scales too.
    np.testing.assert_allclose(scaled.transform(X[:5] * factor) / factor, ref.transform(X[:5]),
                               rtol=1e-5, atol=1e-8 * np.abs(X_hat).max())


@pytest.mark.parametrize("factor", FACTORS + [1e150])
def test_one_sided_scales_with_the_data(factor, two_per_row):
    X, X_true = two_per_row
    V_true = np.linalg.svd(X_true, full_matrices=False)[2][:2].T
    ref = OneSidedCompletion(random_state=0).fit(X)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        est = OneSidedCompletion(random_state=0).fit(X * factor)
    assert ref.n_iter_ / 2 <= est.n_iter_ <= 2 * ref.n_iter_
    np.testing.assert_allclose(est.components_, ref.components_, atol=1e-8)
    np.testing.assert_allclose(est.explained_variance_ / factor**2, ref.explained_variance_,
                               rtol=1e-6)
    np.testing.assert_allclose(est.gram_ / factor / factor, ref.gram_, rtol=1e-6,
                               atol=1e-10 * np.abs(ref.gram_).max())
    assert est.loss_ == pytest.approx(ref.loss_, rel=1e-6)
    d = subspace_distance(est.components_.T, V_true)
    assert d == pytest.approx(subspace_distance(ref.components_.T, V_true), rel=1e-6, abs=1e-9)
    assert d < 0.5
    np.testing.assert_allclose(est.transform(X[:20] * factor), factor * ref.transform(X[:20]),
                               rtol=1e-6, atol=1e-8 * factor)


@pytest.mark.parametrize("factor", FACTORS)
def test_pair_statistics_scale_with_the_data(factor):
    X, _ = make_low_rank_matrix_with_missing(200, 8, rank=2, pattern="two_per_row",
                                             random_state=1)
    a, b, c, s = pair_statistics(X)
    a2, b2, c2, s2 = pair_statistics(X * factor)
    np.testing.assert_array_equal(a2, a)
    np.testing.assert_array_equal(b2, b)
    np.testing.assert_array_equal(c2, c)
    np.testing.assert_allclose(s2 / factor / factor, s, rtol=1e-12)


def test_data_float64_cannot_carry_raise_a_clear_error(completion_data, two_per_row):
    X, _ = completion_data
    tiny = X * 1e-310  # subnormal: the precision is gone
    for est in (SVTImputer(), SoftImputer(alpha=1.0), OneSidedCompletion(),
                ScaledGDImputer()):
        with pytest.raises(ValueError, match="too small for float64"):
            est.fit(tiny)
    with pytest.raises(ValueError, match="too small for float64"):
        pair_statistics(tiny)
    # Second moments of data at 1e200 overflow float64.
    Xo, _ = two_per_row
    with pytest.raises(ValueError, match="does not fit in float64"):
        OneSidedCompletion(random_state=0).fit(Xo * 1e200)
    with pytest.raises(ValueError, match="does not fit in float64"):
        pair_statistics(Xo * 1e200)


# ---------------------------------------------------------------------- inputs


def _int64_variants(X):
    """int64-indexed COO/CSR/CSC, sparse arrays and matrices, of the observed entries of X."""
    r, c = np.nonzero(~np.isnan(X))
    coo = sp.coo_array((X[r, c], (r.astype(np.int64), c.astype(np.int64))), shape=X.shape)
    out = {"coo_array": coo, "coo_matrix": sp.coo_matrix(coo)}
    for fmt in ("csr", "csc"):
        for kind, cls in (("array", getattr(sp, f"{fmt}_array")),
                          ("matrix", getattr(sp, f"{fmt}_matrix"))):
            A = cls(coo)
            A.indices = A.indices.astype(np.int64)
            A.indptr = A.indptr.astype(np.int64)
            out[f"{fmt}_{kind}"] = A
    for A in out.values():
        idx = A.coords if hasattr(A, "coords") else (A.indices, A.indptr)
        assert all(i.dtype == np.int64 for i in idx)
    return out


SPARSE_ESTIMATORS = {
    "svt": SVTImputer(random_state=0),
    "soft": SoftImputer(alpha=1.0, random_state=0),
    "soft_als": SoftImputer(alpha=1.0, solver="als", random_state=0),
    "scaled_gd": ScaledGDImputer(n_components=3, random_state=0),
    "one_sided": OneSidedCompletion(random_state=0),
}


def _result(est):
    if isinstance(est, OneSidedCompletion):
        return est.gram_
    return est.row_factors_ @ est.components_


@pytest.mark.parametrize("name", list(SPARSE_ESTIMATORS))
def test_int64_indexed_sparse_input(name, completion_data, two_per_row):
    X, _ = two_per_row if name == "one_sided" else completion_data
    variants = _int64_variants(X)
    ref = clone(SPARSE_ESTIMATORS[name]).fit(variants["coo_array"].tocsr().astype(np.float64))
    for kind, A in variants.items():
        before = A.copy()
        est = clone(SPARSE_ESTIMATORS[name]).fit(A)
        np.testing.assert_allclose(_result(est), _result(ref), rtol=1e-10, atol=1e-10,
                                   err_msg=kind)
        out = est.transform(A)
        assert out.shape[0] == X.shape[0] and np.all(np.isfinite(out))
        # The input is never modified.
        np.testing.assert_array_equal(A.toarray(), before.toarray())
        assert A.format == before.format
    # Same as the NaN-marked dense input.
    np.testing.assert_allclose(_result(clone(SPARSE_ESTIMATORS[name]).fit(X)), _result(ref),
                               rtol=1e-10, atol=1e-10)


@pytest.mark.parametrize("name", list(SPARSE_ESTIMATORS))
def test_networkx_adjacency(name):
    G = nx.karate_club_graph()
    A = nx.to_scipy_sparse_array(G)  # int64 indices (or int32, by platform), weighted
    assert A.shape == (34, 34)
    est = clone(SPARSE_ESTIMATORS[name])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # graphs are not low-rank: may not converge
        est.fit(A)
        A32 = sp.csr_array((A.data, A.indices.astype(np.int32), A.indptr.astype(np.int32)),
                           shape=A.shape)
        ref = clone(SPARSE_ESTIMATORS[name]).fit(A32)
    assert np.all(np.isfinite(_result(est)))
    np.testing.assert_allclose(_result(est), _result(ref), rtol=1e-10, atol=1e-10)


def test_pair_statistics_sparse_inputs(two_per_row):
    X, _ = two_per_row
    ref = pair_statistics(X)
    for kind, A in _int64_variants(X).items():
        for u, v in zip(pair_statistics(A), ref):
            np.testing.assert_allclose(u, v, rtol=1e-12, err_msg=kind)
    G = nx.to_scipy_sparse_array(nx.karate_club_graph())
    a, b, c, s = pair_statistics(G)
    D = G.toarray()
    M = (D != 0).astype(float)
    np.testing.assert_allclose(c, (M.T @ M)[a, b])
    np.testing.assert_allclose(s, (D.T @ D)[a, b])


# ------------------------------------------------------------ numeric parameters


@pytest.mark.parametrize("est, params", [
    (SVTImputer(), dict(tau=np.inf)),
    (SVTImputer(), dict(tau=np.nan)),
    (SVTImputer(), dict(tau=0.0)),
    (SVTImputer(), dict(step=np.inf)),
    (SVTImputer(), dict(tol=np.inf)),
    (SVTImputer(), dict(tol=0.0)),
    (SVTImputer(), dict(max_iter=0)),
    (SVTImputer(), dict(rank_increment=0)),
    (SVTImputer(method="usvt"), dict(eta=1.0)),
    (SoftImputer(), dict(alpha=np.inf)),
    (SoftImputer(), dict(alpha=-1.0)),
    (SoftImputer(), dict(alpha=np.nan)),
    (SoftImputer(), dict(tol=np.inf)),
    (SoftImputer(), dict(n_components=0)),
    (SoftImputer(), dict(solver="lbfgs")),
    (ScaledGDImputer(), dict(damping=0.0)),
    (ScaledGDImputer(), dict(damping=np.inf)),
    (ScaledGDImputer(), dict(learning_rate=np.nan)),
    (ScaledGDImputer(), dict(init_scale=-1.0)),
    (ScaledGDImputer(), dict(validation_fraction=0.5)),
    (ScaledGDImputer(), dict(damping="fixed")),
    (ScaledGDImputer(), dict(alpha=np.inf)),
    (ScaledGDImputer(), dict(n_components=0)),
    (OneSidedCompletion(), dict(tol=np.inf)),
    (OneSidedCompletion(), dict(tol=-1.0)),
    (OneSidedCompletion(), dict(n_components=0)),
    (OneSidedCompletion(), dict(max_iter=0)),
])
def test_numeric_parameters_are_validated(est, params, two_per_row):
    X, _ = two_per_row
    name = next(iter(params))
    with pytest.raises(ValueError, match=f"'{name}' parameter"):
        clone(est).set_params(**params).fit(X)
