"""
=================================
Scaling out with Dask
=================================

lrsparse does not build a cluster of its own: it runs on `Dask
<https://www.dask.org>`_, the engine the PyData ecosystem already uses for
data and work that outgrow one machine.  This example goes through the four
ways an lrsparse estimator meets Dask, each checked against the in-memory
computation it replaces:

1. a **grid search** whose fits run on the cluster's workers
   (``joblib.parallel_config(backend="dask")``);
2. a **stream**: :class:`dask_ml.wrappers.Incremental` feeds the blocks of a
   Dask array to :meth:`~lrsparse.decomposition.StreamingRobustPCA.partial_fit`,
   one after the other;
3. a **post-fit map**: :class:`dask_ml.wrappers.ParallelPostFit` applies a
   fitted estimator's ``transform`` block by block;
4. **block-wise fits**: :class:`~lrsparse.impute.ScaledGDImputer` on a Dask
   array of sparse row blocks, and
   :class:`~lrsparse.feature_extraction.CooccurrenceVectorizer` on a Dask bag
   of documents.

It needs the ``dask`` extra (``pip install "lrsparse[dask]"``: dask,
distributed and dask-ml); without it, the example prints one line and stops.
See the :ref:`user guide <scaling_out>` for what runs where and what to
avoid.
"""

# %%
# A local cluster
# ---------------
#
# A :class:`distributed.LocalCluster` stands in for a real cluster: the code
# below is the same with ``Client("tcp://scheduler:8786")``.  Here its two
# workers are **threads of this process** (``processes=False``): they start in
# a fraction of a second, and need not import lrsparse and load its numba
# kernels again, which worker processes do (a few seconds each, fine for a long
# job, not for a documentation build).  lrsparse's kernels release the GIL, so
# thread workers do run in parallel.  ``protocol="tcp"`` and
# ``host="127.0.0.1"``: the scheduler listens on the loopback interface only;
# ``dashboard_address="127.0.0.1:0"``: its web pages too, on a free port (the
# default port, 8787, may be taken by another cluster).
import numpy as np

try:
    import dask.array as da
    import dask.bag as db
    from dask_ml.wrappers import Incremental, ParallelPostFit
    from distributed import Client, LocalCluster
except ImportError as exc:
    HAVE_DASK = False
    print(f'This example needs the dask extra (pip install "lrsparse[dask]"): {exc}.')
else:
    HAVE_DASK = True
    cluster = LocalCluster(n_workers=2, threads_per_worker=1, processes=False,
                           protocol="tcp", host="127.0.0.1",
                           dashboard_address="127.0.0.1:0")
    client = Client(cluster)
    print(f"{len(client.scheduler_info()['workers'])} workers, scheduler at "
          f"{client.scheduler.address}")

# %%
# Grid search on the cluster
# --------------------------
#
# Every search of scikit-learn (and every CV path of lrsparse, such as
# :class:`~lrsparse.linear_model.WeightedLassoCV`) runs its fits through
# joblib.  Inside ``joblib.parallel_config(backend="dask")`` these fits become
# tasks on the cluster; the results are the same as on the default backend.
# Here :class:`~lrsparse.linear_model.WeightedOMP` chooses its sparsity by
# 3-fold cross-validation: 12 candidates, 36 fits.
if HAVE_DASK:
    import joblib
    from sklearn.model_selection import GridSearchCV

    from lrsparse.datasets import make_sparse_recovery
    from lrsparse.linear_model import WeightedOMP

    X, y, coef = make_sparse_recovery(120, 80, 5, noise=0.05, random_state=0)
    grid = {"n_nonzero_coefs": list(range(1, 13))}
    local = GridSearchCV(WeightedOMP(), grid, cv=3).fit(X, y)
    with joblib.parallel_config(backend="dask"):
        on_dask = GridSearchCV(WeightedOMP(), grid, cv=3, n_jobs=-1).fit(X, y)
    print(f"true nonzeros: {np.count_nonzero(coef)}; best_params_ default: "
          f"{local.best_params_}, on Dask: {on_dask.best_params_}")
    same = np.array_equal(local.cv_results_["mean_test_score"],
                          on_dask.cv_results_["mean_test_score"])
    print("mean test scores equal:", same)

# %%
# A stream: ``Incremental`` drives ``partial_fit``
# -------------------------------------------------
#
# :class:`~lrsparse.decomposition.StreamingRobustPCA` updates its robust
# principal directions one batch at a time.  ``Incremental`` walks the blocks
# of a Dask array and calls ``partial_fit`` on each, in order with
# ``shuffle_blocks=False``: one block at a time is in memory, so the array can
# be larger than memory (read from Zarr or Parquet files, say).  The
# estimator moves to the worker holding the next block, so its fitted state
# must be small: O(``n_features * (n_components + n_oversamples)``) numbers
# for this estimator, whatever the length of the stream.  The result is the
# one of ``partial_fit`` over the same blocks in a loop, which we run as well
# to follow the error of the directions after each block.
if HAVE_DASK:
    from lrsparse.datasets import make_contaminated_gaussian
    from lrsparse.decomposition import RobustPCA, StreamingRobustPCA
    from lrsparse.metrics import subspace_distance

    X, is_outlier, _, directions = make_contaminated_gaussian(
        8000, 10, n_components=2, contamination=0.05, random_state=0)
    X_blocks = da.from_array(X, chunks=(250, -1))
    print(f"{X_blocks.numblocks[0]} blocks of {X_blocks.chunks[0][0]} rows")

    streamed = Incremental(StreamingRobustPCA(n_components=2, random_state=0),
                           shuffle_blocks=False).fit(X_blocks)

    in_order = StreamingRobustPCA(n_components=2, random_state=0)
    progress = []
    for start in range(0, X.shape[0], 250):
        in_order.partial_fit(X[start:start + 250])
        progress.append(subspace_distance(in_order.components_.T, directions.T))
    print("Incremental == partial_fit over the blocks in order:",
          np.allclose(streamed.estimator_.components_, in_order.components_,
                      rtol=1e-10, atol=1e-12))
    batch = RobustPCA(n_components=2, random_state=0).fit(X)  # all of X in memory
    batch_distance = subspace_distance(batch.components_.T, directions.T)
    print(f"distance to the true directions after 1 block: {progress[0]:.3f}, "
          f"after all {len(progress)}: {progress[-1]:.3f} (RobustPCA on all rows in "
          f"memory: {batch_distance:.3f})")

# %%
# A post-fit map: ``ParallelPostFit``
# -----------------------------------
#
# ``transform`` and ``predict`` of lrsparse estimators treat each row on its
# own, so :class:`~dask_ml.wrappers.ParallelPostFit` can apply them to every
# block where it lives and return a Dask array.  The fitted estimator is
# shipped to the workers once.
if HAVE_DASK:
    mapped = ParallelPostFit(in_order)
    scores = mapped.transform(X_blocks)
    print(f"{type(scores).__name__} of {scores.numblocks[0]} blocks; equal to the "
          "in-memory transform:", np.allclose(scores.compute(), in_order.transform(X),
                                              rtol=1e-12, atol=1e-12))

# %%
# Completion on row blocks
# ------------------------
#
# :class:`~lrsparse.impute.ScaledGDImputer` accepts a Dask array chunked by
# rows only (one chunk across the columns) whose blocks are SciPy sparse
# matrices (unstored entries are missing) or NumPy arrays with NaN for the
# missing entries.  Each iteration's sampled product (the residual on the
# observed entries and the gradients of the two factors) runs on every row
# block where it lives; only the factors, ``(n_samples + n_features) x
# n_components`` numbers, come back to the client.  The result equals the
# in-memory fit.  Each iteration is one round trip to the cluster, which
# pays when the ratings do not fit one machine, not on a small matrix as here.
if HAVE_DASK:
    import scipy.sparse as sp

    from lrsparse.datasets import make_low_rank_matrix_with_missing
    from lrsparse.impute import ScaledGDImputer
    from lrsparse.metrics import relative_error

    R, R_true = make_low_rank_matrix_with_missing(
        1000, 300, rank=3, observed_fraction=0.1, sparse_output=True, random_state=0)
    R = sp.csr_matrix(R)
    R_blocks = da.from_array(R, chunks=(250, -1), asarray=False)
    print(f"{R.nnz} ratings in {R_blocks.numblocks[0]} row blocks of "
          f"{type(R_blocks.blocks[0].compute()).__name__}")
    params = dict(n_components=3, tol=1e-3, random_state=0)
    in_memory = ScaledGDImputer(**params).fit(R)
    on_blocks = ScaledGDImputer(**params).fit(R_blocks)
    Z_memory = in_memory.row_factors_ @ in_memory.components_
    Z_blocks = on_blocks.row_factors_ @ on_blocks.components_
    print(f"iterations: {in_memory.n_iter_} in memory, {on_blocks.n_iter_} on blocks; "
          f"relative difference {relative_error(Z_memory, Z_blocks):.1e}; error to the "
          f"truth {relative_error(R_true, Z_blocks):.1e}")

# %%
# Co-occurrences of a bag of documents
# ------------------------------------
#
# :class:`~lrsparse.feature_extraction.CooccurrenceVectorizer` accepts a
# :class:`dask.bag.Bag` of documents: each partition counts its words and
# its co-occurrences, and the counts are summed, so the corpus never has to
# be in one place.  The matrix is the one of the in-memory vectorizer, ready
# for :class:`~lrsparse.embedding.Swivel`.
if HAVE_DASK:
    from lrsparse.feature_extraction import CooccurrenceVectorizer

    rng = np.random.default_rng(0)
    words = np.array([f"w{k:03d}" for k in range(300)])
    zipf = 1.0 / np.arange(1, words.size + 1)
    docs = [" ".join(rng.choice(words, size=60, p=zipf / zipf.sum())) for _ in range(400)]
    bag = db.from_sequence(docs, npartitions=4)
    C_bag = CooccurrenceVectorizer(window=5, min_count=2).fit_transform(bag)
    C_list = CooccurrenceVectorizer(window=5, min_count=2).fit_transform(docs)
    print(f"{C_bag.shape[0]} words, {C_bag.nnz} co-occurring pairs; largest difference "
          f"to the in-memory counts {abs(C_bag - C_list).max():.1e} (of "
          f"{C_list.max():.0f})")

# %%
# What the cluster computed
# -------------------------
#
# Left: the cross-validated R^2 of each sparsity, on the default backend and
# on Dask (the same numbers).  Right: the streaming estimate of the two
# robust directions approaches the truth as blocks arrive.  It moves in steps:
# the directions change when a round of the block power method closes or is
# half full (the rounds double: 1000, 2000, 4000 samples' weight), and the
# last point is
# what ``Incremental`` returned.  The dashed line is the batch
# :class:`~lrsparse.decomposition.RobustPCA` with all rows in memory.
if HAVE_DASK:
    import matplotlib.pyplot as plt

    fig, (ax1, ax2) = plt.subplots(1, 2, figsize=(10, 4), layout="constrained")
    ax1.plot(grid["n_nonzero_coefs"], local.cv_results_["mean_test_score"], "o-",
             label="default backend", markersize=9)
    ax1.plot(grid["n_nonzero_coefs"], on_dask.cv_results_["mean_test_score"], "s",
             label="Dask backend", color="tab:orange", markersize=4)
    ax1.axvline(np.count_nonzero(coef), color="gray", ls=":", label="true sparsity")
    ax1.set(xlabel="n_nonzero_coefs", ylabel="mean test R$^2$ (3 folds)",
            title="GridSearchCV(WeightedOMP)")
    ax1.legend(loc="lower right")
    blocks = np.arange(1, len(progress) + 1)
    ax2.plot(blocks, progress, "o-", label="partial_fit, block by block")
    ax2.plot(blocks[-1], subspace_distance(streamed.estimator_.components_.T,
                                           directions.T),
             "*", color="tab:red", markersize=14, label="Incremental (dask-ml)")
    ax2.axhline(batch_distance, color="gray", ls="--", label="RobustPCA, all in memory")
    ax2.set(yscale="log", xlabel="blocks seen", ylabel="sin of largest angle to truth",
            title="StreamingRobustPCA on a Dask array")
    ax2.legend()
    plt.show()

# %%
# Closing the cluster
# -------------------
#
# A client and its cluster hold threads (or processes) and ports: close them
# when done, or use them as context managers (``with LocalCluster(...) as
# cluster, Client(cluster) as client:``).
if HAVE_DASK:
    client.close()
    cluster.close()
