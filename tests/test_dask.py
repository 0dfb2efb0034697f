"""lrsparse on Dask: grid searches on a cluster, streams, block-wise fits (the ``dask`` extra).

Everything runs on one ``distributed.LocalCluster`` bound to 127.0.0.1 with
two single-threaded worker processes (shared by the module).  Each test
checks that the distributed computation equals the in-memory one.
"""

import numpy as np
import pytest
import scipy.sparse as sp

dask = pytest.importorskip("dask")
da = pytest.importorskip("dask.array")
db = pytest.importorskip("dask.bag")
distributed = pytest.importorskip("distributed")
dask_ml_wrappers = pytest.importorskip("dask_ml.wrappers")

from joblib import parallel_config  # noqa: E402
from sklearn.linear_model import LogisticRegression  # noqa: E402
from sklearn.model_selection import GridSearchCV, KFold  # noqa: E402
from sklearn.pipeline import make_pipeline  # noqa: E402

from lrsparse.covariance import MTP2GraphicalModel  # noqa: E402
from lrsparse.datasets import (  # noqa: E402
    make_contaminated_gaussian,
    make_gmm_stream,
    make_hyperspectral,
    make_low_rank_matrix_with_missing,
    make_mtp2_precision,
    make_planted_cooccurrence,
    make_sbm_graph,
    make_sparse_recovery,
)
from lrsparse.decomposition import RobustPCA, StreamingRobustPCA, StructuredSparseNMF  # noqa: E402
from lrsparse.embedding import FastRP, Swivel  # noqa: E402
from lrsparse.feature_extraction import CooccurrenceVectorizer  # noqa: E402
from lrsparse.impute import OneSidedCompletion, ScaledGDImputer, SVTImputer  # noqa: E402
from lrsparse.linear_model import WeightedOMP  # noqa: E402
from lrsparse.metrics import make_completion_scorer  # noqa: E402
from lrsparse.mixture import IncrementalGaussianMixture  # noqa: E402

pytestmark = pytest.mark.dask


@pytest.fixture(scope="module")
def client():
    """A 2-worker LocalCluster on the loopback interface, worker processes."""
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                                  host="127.0.0.1", dashboard_address=None) as cluster, \
            distributed.Client(cluster) as c:
        yield c


# ----------------------------------------------------------- grid searches
def _neg_reconstruction(est, X, y=None):
    return -float(np.mean((X - est.inverse_transform(est.transform(X))) ** 2))


def _one_sided_score(est, X, y=None):
    # agreement of the estimated X^T X / n with the observed pair averages
    obs = ~np.isnan(X)
    X0 = np.where(obs, X, 0.0)
    counts = obs.T.astype(float) @ obs
    S = np.divide(X0.T @ X0, counts, out=np.zeros_like(counts), where=counts > 0)
    return -float(np.mean(((est.gram_ - S) * (counts > 0)) ** 2))


def _swivel_score(est, X, y=None):
    E = est.embedding_
    G = E @ E.T
    return float(np.corrcoef(G[np.triu_indices_from(G, 1)],
                             _SWIVEL_TRUTH[np.triu_indices_from(G, 1)])[0, 1])


_C, _U = make_planted_cooccurrence(60, rank=4, n_tokens=200_000, random_state=0)[:2]
_SWIVEL_TRUTH = _U @ _U.T


def _cases():
    """(id, estimator, grid, X, y, scoring, cv): one per family, 4 candidates x 2 folds."""
    X_hsi = make_hyperspectral((10, 12), 3, 30, random_state=0)[0]
    X_rpca = make_contaminated_gaussian(200, 10, n_components=2, contamination=0.1,
                                        random_state=0)[0]
    X_mc = make_low_rank_matrix_with_missing(80, 40, rank=2, observed_fraction=0.6,
                                             random_state=0)[0]
    X_os = make_low_rank_matrix_with_missing(400, 15, rank=2, observed_fraction=0.2,
                                             random_state=0)[0]
    P = make_mtp2_precision(12, random_state=0)[0]
    X_mtp2 = np.random.default_rng(0).multivariate_normal(np.zeros(12), np.linalg.inv(P), 300)
    X_sr, y_sr = make_sparse_recovery(80, 40, n_nonzero=4, random_state=0)[:2]
    X_gmm = make_gmm_stream(300, 2, 3, random_state=0)[0]
    A, labels = make_sbm_graph(150, 3, p_in=0.1, p_out=0.01, random_state=0)
    nodes = np.arange(A.shape[0])[:, None]
    folds = KFold(2, shuffle=True, random_state=0)
    everything = [(np.arange(_C.shape[0]), np.arange(_C.shape[0]))]
    return [
        ("unmixing", StructuredSparseNMF(graph_strength=0.0, max_iter=100, random_state=0),
         {"n_components": [2, 3], "alpha": [0.0, 0.1]}, X_hsi, None, _neg_reconstruction,
         folds),
        ("robust_pca", RobustPCA(random_state=0), {"n_components": [1, 2],
                                                   "contamination": [0.05, 0.15]},
         X_rpca, None, None, folds),
        ("svt", SVTImputer(random_state=0),
         {"method": ["svt", "usvt"], "tol": [1e-3, 1e-4]}, X_mc, None,
         make_completion_scorer(random_state=0), folds),
        ("one_sided", OneSidedCompletion(random_state=0, max_iter=100),
         {"n_components": [1, 2], "tol": [1e-4, 1e-8]}, X_os, None, _one_sided_score, folds),
        ("mtp2", MTP2GraphicalModel(max_iter=200), {"alpha": [0.01, 0.1],
                                                    "penalty": ["mcp", "scad"]},
         X_mtp2, None, None, folds),
        ("weighted_omp", WeightedOMP(), {"n_nonzero_coefs": [2, 4], "loss": ["lasso", "lad"]},
         X_sr, y_sr, None, folds),
        ("igmn", IncrementalGaussianMixture(random_state=0), {"delta": [0.5, 1.0],
                                                              "beta": [0.001, 0.1]},
         X_gmm, None, None, folds),
        ("fastrp", make_pipeline(FastRP(n_components=16, graph=A, random_state=0),
                                 LogisticRegression(max_iter=500)),
         {"fastrp__normalization_strength": [-0.64, 0.0],
          "fastrp__iteration_weights": [(0.0, 1.0), (0.0, 1.0, 1.0)]},
         nodes, labels, None, folds),
        ("swivel", Swivel(n_components=4, n_epochs=5, random_state=0),
         {"learning_rate": [0.5, 1.0], "confidence_exponent": [0.5, 1.0]}, _C, None,
         _swivel_score, everything),
    ]


@pytest.mark.parametrize("case", _cases(), ids=lambda c: c[0])
def test_grid_search_on_cluster_equals_default_backend(client, case):
    _, est, grid, X, y, scoring, cv = case
    expected = GridSearchCV(est, grid, scoring=scoring, cv=cv).fit(X, y)
    expected = (expected.best_params_, expected.cv_results_["mean_test_score"])
    with parallel_config(backend="dask"):
        got = GridSearchCV(est, grid, scoring=scoring, cv=cv, n_jobs=-1).fit(X, y)
    assert got.best_params_ == expected[0]
    np.testing.assert_allclose(got.cv_results_["mean_test_score"], expected[1], rtol=1e-10)
    assert np.unique(expected[1]).size > 1  # the grid does tell the candidates apart


# ----------------------------------------------------------------- streams
def _blocks_in_order(est, X, chunk):
    for start in range(0, X.shape[0], chunk):
        est.partial_fit(X[start:start + chunk])
    return est


@pytest.mark.parametrize("name", ["streaming_robust_pca", "igmn"])
def test_incremental_equals_partial_fit_in_order(client, name):
    if name == "streaming_robust_pca":
        X = make_contaminated_gaussian(2000, 8, n_components=2, contamination=0.05,
                                       random_state=0)[0]

        def make():
            return StreamingRobustPCA(n_components=2, random_state=0)
    else:
        X = make_gmm_stream(2000, 2, 3, random_state=0)[0]

        def make():
            return IncrementalGaussianMixture(random_state=0)
    Xd = da.from_array(X, chunks=(80, -1))
    assert Xd.numblocks[0] >= 20
    inc = dask_ml_wrappers.Incremental(make(), shuffle_blocks=False).fit(Xd)
    ref = _blocks_in_order(make(), X, 80)
    fitted = inc.estimator_
    if name == "streaming_robust_pca":
        np.testing.assert_allclose(fitted.components_, ref.components_, rtol=1e-10, atol=1e-12)
        assert fitted.n_samples_seen_ == ref.n_samples_seen_ == X.shape[0]
    else:
        assert fitted.n_components_ == ref.n_components_
        np.testing.assert_allclose(fitted.means_, ref.means_, rtol=1e-10)
        np.testing.assert_allclose(fitted.covariances_, ref.covariances_, rtol=1e-10)
        np.testing.assert_allclose(fitted.weights_, ref.weights_, rtol=1e-10)
    np.testing.assert_allclose(fitted.score(X), ref.score(X), rtol=1e-10)


# ------------------------------------------------------------ post-fit maps
def _post_fit_cases():
    X_rpca = make_contaminated_gaussian(600, 10, n_components=2, contamination=0.1,
                                        random_state=0)[0]
    X_mc = make_low_rank_matrix_with_missing(600, 30, rank=3, observed_fraction=0.4,
                                             random_state=0)[0]
    X_hsi = make_hyperspectral((20, 20), 3, 30, random_state=0)[0]
    X_sr, y_sr = make_sparse_recovery(80, 40, n_nonzero=4, random_state=0)[:2]
    X_new = np.random.default_rng(1).standard_normal((600, 40))
    return [
        ("robust_pca", RobustPCA(n_components=2, random_state=0), X_rpca, None, X_rpca,
         "transform"),
        ("scaled_gd", ScaledGDImputer(n_components=3, random_state=0), X_mc, None, X_mc,
         "transform"),
        ("svt", SVTImputer(random_state=0), X_mc, None, X_mc, "transform"),
        ("unmixing", StructuredSparseNMF(graph_strength=0.0, random_state=0), X_hsi, None,
         X_hsi, "transform"),
        ("weighted_omp", WeightedOMP(n_nonzero_coefs=4), X_sr, y_sr, X_new, "predict"),
    ]


@pytest.mark.parametrize("case", _post_fit_cases(), ids=lambda c: c[0])
def test_parallel_post_fit_equals_in_memory(client, case):
    _, est, X, y, X_new, method = case
    wrapped = dask_ml_wrappers.ParallelPostFit(est).fit(X, y)
    Xd = da.from_array(X_new, chunks=(100, -1))
    got = getattr(wrapped, method)(Xd)
    assert isinstance(got, da.Array)
    expected = getattr(wrapped.estimator, method)(X_new)
    np.testing.assert_allclose(got.compute(), expected, rtol=1e-12, atol=1e-12)


# ------------------------------------------------------- block-wise fits
def _ratings(n=600, d=300, density=0.1, seed=0):
    X = make_low_rank_matrix_with_missing(n, d, rank=3, observed_fraction=density,
                                          sparse_output=True, random_state=seed)[0]
    return sp.csr_matrix(X)


@pytest.mark.parametrize("fmt", ["sparse", "sparse_int64", "dense"])
def test_scaled_gd_on_row_blocks_equals_in_memory(client, fmt):
    X = _ratings()
    if fmt == "sparse_int64":  # int64-indexed blocks, as large scipy matrices have
        X.indices = X.indices.astype(np.int64)
        X.indptr = X.indptr.astype(np.int64)
    if fmt == "dense":
        X = X.toarray()
        X[X == 0] = np.nan
        X[0, 0] = 0.0  # an observed zero stays observed
    Xd = da.from_array(X, chunks=(100, -1), asarray=False)
    params = dict(n_components=5, random_state=0)  # a rank cut on held-out entries too
    ref = ScaledGDImputer(**params).fit(X)
    got = ScaledGDImputer(**params).fit(Xd)
    assert got.n_iter_ == ref.n_iter_
    assert got.rank_ == ref.rank_
    Z_ref = ref.row_factors_ @ ref.components_
    Z = got.row_factors_ @ got.components_
    assert np.linalg.norm(Z - Z_ref) <= 1e-9 * np.linalg.norm(Z_ref)
    assert got.n_observed_ == ref.n_observed_
    assert got.fill_value_ == pytest.approx(ref.fill_value_, rel=1e-12)
    assert got.n_features_in_ == X.shape[1]
    np.testing.assert_allclose(got.transform(X[:20]), ref.transform(X[:20]), rtol=1e-8,
                               atol=1e-10)
    # fit_transform: a Dask array of the completed row blocks, computed when asked
    completed = ScaledGDImputer(**params).fit_transform(Xd)
    assert isinstance(completed, da.Array) and completed.chunks[0] == Xd.chunks[0]
    np.testing.assert_allclose(completed.compute(), ref.fit_transform(X), rtol=1e-8, atol=1e-10)


def test_scaled_gd_blocks_recover_the_truth_at_any_scale(client):
    X, X_true = make_low_rank_matrix_with_missing(800, 400, rank=3, observed_fraction=0.1,
                                                  sparse_output=True, random_state=1)
    X = sp.csr_matrix(X)
    for factor in (1e-6, 1e6):
        Xd = da.from_array(X * factor, chunks=(200, -1), asarray=False)
        est = ScaledGDImputer(n_components=3, tol=1e-4, random_state=0).fit(Xd)
        rows, cols = np.nonzero(np.ones((50, 50)))
        got = est.predict_entries(rows, cols) / factor
        err = np.linalg.norm(got - X_true[:50, :50].ravel()) / np.linalg.norm(X_true[:50, :50])
        assert err < 1e-3


def test_one_sided_on_row_blocks_equals_in_memory(client):
    X = make_low_rank_matrix_with_missing(3000, 40, rank=3, observed_fraction=0.1,
                                          random_state=0)[0]
    Xd = da.from_array(X, chunks=(150, -1))
    ref = OneSidedCompletion(n_components=3, random_state=0).fit(X)
    got = OneSidedCompletion(n_components=3, random_state=0).fit(Xd)
    assert got.n_iter_ == ref.n_iter_ and got.n_pairs_ == ref.n_pairs_
    np.testing.assert_allclose(got.gram_, ref.gram_, rtol=1e-9, atol=1e-12)
    np.testing.assert_allclose(got.transform(X[:10]), ref.transform(X[:10]), rtol=1e-8)
    # sparse blocks
    Xs = sp.csr_matrix(np.nan_to_num(X, nan=0.0))
    Xs.eliminate_zeros()
    got_s = OneSidedCompletion(n_components=3, random_state=0).fit(
        da.from_array(Xs, chunks=(150, -1), asarray=False))
    ref_s = OneSidedCompletion(n_components=3, random_state=0).fit(Xs)
    np.testing.assert_allclose(got_s.gram_, ref_s.gram_, rtol=1e-9, atol=1e-12)


@pytest.mark.parametrize("params", [{}, dict(weighting="harmonic", window=5, min_count=2,
                                             max_vocab=80)])
def test_cooccurrence_over_a_bag_equals_in_memory(client, params):
    rng = np.random.default_rng(0)
    words = np.array([f"w{i}" for i in range(200)])
    p = 1.0 / np.arange(1, 201)
    docs = [" ".join(rng.choice(words, size=rng.integers(3, 30), p=p / p.sum()))
            for _ in range(600)]
    ref = CooccurrenceVectorizer(**params)
    C_ref = ref.fit_transform(docs)
    got = CooccurrenceVectorizer(**params)
    C = got.fit_transform(db.from_sequence(docs, npartitions=6))
    assert got.vocabulary_ == ref.vocabulary_
    np.testing.assert_array_equal(got.word_counts_, ref.word_counts_)
    assert C.shape == C_ref.shape and type(C) is type(C_ref)
    assert abs(C - C_ref).max() <= 1e-12 * abs(C_ref).max()
    T = got.transform(db.from_sequence(docs[:100], npartitions=3))
    T_ref = ref.transform(docs[:100])
    assert abs(T - T_ref).max() <= 1e-12 * abs(T_ref).max()


# ---------------------------------------------------------------- bad input
def test_block_input_errors():
    X = _ratings(60, 30)
    with pytest.raises(ValueError, match="chunked by rows only"):
        ScaledGDImputer().fit(da.from_array(X.toarray(), chunks=(20, 10)))
    with pytest.raises(ValueError, match="2-D"):
        ScaledGDImputer().fit(da.ones(10, chunks=5))
    with pytest.raises(ValueError, match="unknown row-chunk sizes"):
        dense = da.from_array(X.toarray(), chunks=(20, -1))
        ScaledGDImputer().fit(dense[dense[:, 0] > -1])
    with pytest.raises(TypeError, match="dask.bag.Bag"):
        CooccurrenceVectorizer().fit(da.ones(10, chunks=5))
    dd = pytest.importorskip("dask.dataframe")
    pd = pytest.importorskip("pandas")
    frame = dd.from_pandas(pd.DataFrame(X.toarray()), npartitions=3)
    with pytest.raises(TypeError, match="to_dask_array"):
        ScaledGDImputer().fit(frame)
    before = X.copy()
    ScaledGDImputer(n_components=2, max_iter=5).fit(da.from_array(X, chunks=(20, -1),
                                                                  asarray=False))
    assert (X != before).nnz == 0  # the blocks are read, never modified


def test_numba_threads_inside_a_dask_backend_stay_one(client):
    # n_jobs=None inside joblib's dask backend: the cluster's thread count is
    # not this process's cores; one numba thread per task, as on loky workers
    from lrsparse.utils._numba import resolve_n_jobs

    with parallel_config(backend="dask"):
        assert resolve_n_jobs(None) == 1
        assert resolve_n_jobs(2) == min(2, __import__("numba").config.NUMBA_NUM_THREADS)
    assert resolve_n_jobs(None) == 1
