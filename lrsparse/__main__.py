"""Demo tour: ``python -m lrsparse`` runs every estimator on small synthetic data.

Each estimator registers one demo with :func:`demo`, under one of the nine
estimator families of :data:`FAMILIES`.  A demo takes a ``random_state``,
fits its estimator on a small generated data set with a known ground truth,
and returns a :class:`DemoResult`: a quality metric of the estimator and the
same metric for a simple baseline.  The tour prints one table row per demo; a
demo that raises is reported as ``FAILED`` (traceback on stderr) and makes the
process exit with status 1.

On a cold numba cache most of the tour's time is compilation, which numba
does on one core.  The tour therefore runs the families in ``--jobs`` worker
processes (default: up to 4, at most the number of CPUs), heaviest first, each
family's demos in order in one worker, so the kernels a family shares are
compiled once; the compiled kernels land in the disk cache either way.  Each
worker gets an equal share of the CPUs for BLAS.  ``--jobs 1`` runs everything
in this process.

Adding a demo for a new estimator::

    @demo("MyEstimator", "what it is tested on", family="completion")
    def _demo_my_estimator(random_state):
        from lrsparse.somewhere import MyEstimator  # import inside: --help stays fast
        ...
        return DemoResult("metric", value, "baseline name", baseline_value)

Keep every demo to a few seconds on two cores, numba compilation included,
and prefer the kernels (and argument dtypes) its family already compiles.
"""

import argparse
import importlib
import math
import os
import sys
import time
import traceback
from typing import Callable, NamedTuple, Optional

__all__ = ["DEMOS", "FAMILIES", "Demo", "DemoResult", "demo", "main"]


class DemoResult(NamedTuple):
    """What a demo returns: the estimator's score and a baseline's."""

    metric: str
    value: float
    baseline: str
    baseline_value: float


class Demo(NamedTuple):
    """A registered demo: ``func(random_state) -> DemoResult``."""

    estimator: str
    task: str
    func: Callable
    family: Optional[str] = None


#: The nine estimator families, in tour order: key -> (title, cold cost).  The
#: cost is the family's rough cold-cache time in seconds on one core (mostly
#: numba compilation); it only orders the work, heaviest first.
FAMILIES = {
    "graph": ("node embeddings (FastRP)", 12),
    "unmixing": ("hyperspectral unmixing NMF", 30),
    "robust_pca": ("robust PCA", 5),
    "completion": ("matrix completion", 9),
    "one_sided": ("one-sided completion", 3),
    "mtp2": ("MTP2 graphical models", 5),
    "sparse": ("weighted sparse recovery", 4),
    "gmm": ("incremental Gaussian mixtures", 7),
    "words": ("word embeddings (Swivel)", 9),
}

#: The registry, in the order the demos are listed.
DEMOS = []


def demo(estimator, task, family=None):
    """Register the decorated function as the demo of ``estimator`` in ``family``."""
    if family is not None and family not in FAMILIES:
        raise ValueError(f"unknown family {family!r}; one of {sorted(FAMILIES)}")

    def register(func):
        if any(d.estimator.lower() == estimator.lower() for d in DEMOS):
            raise ValueError(f"a demo for {estimator!r} is already registered")
        DEMOS.append(Demo(estimator, task, func, family))
        return func

    return register


# --------------------------------------------------------------------- demos
# Imports stay inside the demo functions so that ``python -m lrsparse --help``
# does not import numba, scipy or scikit-learn.


@demo("FastRP", "node classification, SBM (2000 nodes, 4 blocks)", family="graph")
def _demo_fastrp(random_state):
    from sklearn.decomposition import TruncatedSVD

    from lrsparse.datasets import make_sbm_graph
    from lrsparse.embedding import FastRP
    from lrsparse.metrics import node_classification_score

    n_components = 64
    A, labels = make_sbm_graph(2000, 4, p_in=0.015, p_out=0.002, random_state=random_state)
    embedding = FastRP(n_components=n_components, random_state=random_state).fit_transform(A)
    baseline = TruncatedSVD(n_components=n_components, random_state=random_state).fit_transform(A)
    score = node_classification_score(embedding, labels, random_state=random_state)
    baseline_score = node_classification_score(baseline, labels, random_state=random_state)
    return DemoResult(
        "micro-F1",
        score["micro_f1"],
        f"TruncatedSVD({n_components}) of adjacency",
        baseline_score["micro_f1"],
    )


def _unmixing_demo(estimator, outlier_band_fraction, random_state):
    """Mean SAD of ``estimator`` and of scikit-learn's NMF on one synthetic scene."""
    import warnings

    from sklearn.decomposition import NMF

    from lrsparse.datasets import make_hyperspectral
    from lrsparse.metrics import match_components, spectral_angle_distance

    X, E, _ = make_hyperspectral(
        (30, 30), 3, 80, snr_db=20, outlier_band_fraction=outlier_band_fraction,
        random_state=random_state,
    )
    estimator.fit(X)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # ConvergenceWarning at max_iter
        nmf = NMF(3, init="nndsvda", max_iter=200, random_state=random_state).fit(X)

    def sad(components):
        return spectral_angle_distance(E, components[match_components(E, components)])

    return DemoResult("mean SAD (rad)", sad(estimator.components_), "sklearn NMF",
                      sad(nmf.components_))


@demo("StructuredSparseNMF", "unmixing, synthetic 30x30 scene, 20 dB", family="unmixing")
def _demo_ssnmf(random_state):
    from lrsparse.decomposition import StructuredSparseNMF

    est = StructuredSparseNMF(3, image_shape=(30, 30), random_state=random_state)
    return _unmixing_demo(est, 0.0, random_state)


@demo("CorrentropyNMF", "unmixing, 10% noisy bands, 20 dB, n_components='auto'", family="unmixing")
def _demo_cenmf(random_state):
    from lrsparse.decomposition import CorrentropyNMF

    return _unmixing_demo(CorrentropyNMF("auto", random_state=random_state), 0.1, random_state)


@demo("RobustGuidedNMF", "unmixing, 10% noisy bands, 20 dB", family="unmixing")
def _demo_rgnmf(random_state):
    from lrsparse.decomposition import RobustGuidedNMF

    return _unmixing_demo(RobustGuidedNMF(3, random_state=random_state), 0.1, random_state)


def _robust_pca_demo(estimator, random_state):
    """Captured variance of the top direction: ``estimator`` vs plain PCA."""
    from sklearn.decomposition import PCA

    from lrsparse.datasets import make_contaminated_gaussian
    from lrsparse.metrics import captured_variance_ratio

    X, _, cov, _ = make_contaminated_gaussian(
        10000, 100, contamination=0.1, outlier_kind="low_variance", random_state=random_state
    )
    estimator.fit(X)
    pca = PCA(1, random_state=random_state).fit(X)
    captured = captured_variance_ratio(estimator.components_, cov)
    return DemoResult("captured variance u'Su/|S|", captured,
                      "sklearn PCA", captured_variance_ratio(pca.components_, cov))


@demo("RobustPCA", "10% outliers along a low-variance direction, d=100", family="robust_pca")
def _demo_robust_pca(random_state):
    from lrsparse.decomposition import RobustPCA

    est = RobustPCA(1, contamination=0.1, random_state=random_state)
    return _robust_pca_demo(est, random_state)


@demo("StreamingRobustPCA", "same, one pass in batches of 1000", family="robust_pca")
def _demo_streaming_robust_pca(random_state):
    from lrsparse.decomposition import StreamingRobustPCA

    est = StreamingRobustPCA(1, contamination=0.1, batch_size=1000, random_state=random_state)
    return _robust_pca_demo(est, random_state)


@demo("PrincipalComponentPursuit", "low-rank + 10% gross errors, 300x300, rank 10",
      family="robust_pca")
def _demo_pcp(random_state):
    import numpy as np
    from sklearn.utils.extmath import randomized_svd

    from lrsparse.datasets import make_low_rank_plus_sparse
    from lrsparse.decomposition import PrincipalComponentPursuit

    D, L, _ = make_low_rank_plus_sparse(300, 300, rank=10, sparsity=0.1,
                                        random_state=random_state)
    pcp = PrincipalComponentPursuit(random_state=random_state).fit(D)
    U, s, Vt = randomized_svd(D, 10, random_state=random_state)

    def rel(M):
        return float(np.linalg.norm(M - L) / np.linalg.norm(L))

    return DemoResult("rel. error of L", rel(pcp.low_rank_), "rank-10 truncated SVD",
                      rel((U * s) @ Vt))


@demo("SVTImputer", "completion, 300x300 rank 5, m/d_r = 6 (the authors' relation)",
      family="completion")
def _demo_svt(random_state):
    import numpy as np

    from lrsparse.datasets import make_low_rank_matrix_with_missing
    from lrsparse.impute import SVTImputer
    from lrsparse.metrics import relative_error

    n, r = 300, 5
    X, X_true = make_low_rank_matrix_with_missing(
        n, n, rank=r, observed_fraction=6 * r * (2 * n - r) / n**2, random_state=random_state
    )
    missing = np.isnan(X)
    X_hat = SVTImputer(random_state=random_state).fit_transform(X)
    column_means = np.where(missing, np.nanmean(X, axis=0), X)
    return DemoResult("rel. error (missing)", relative_error(X_true, X_hat, mask=missing),
                      "column means", relative_error(X_true, column_means, mask=missing))


@demo("SoftImputer", "ratings-like 300x400 (1-5 stars), held-out entries", family="completion")
def _demo_soft_impute(random_state):
    import numpy as np

    from lrsparse.impute import SoftImputer

    rng = np.random.default_rng(random_state)
    n, d, r = 300, 400, 4
    U, V = rng.standard_normal((n, r)), rng.standard_normal((d, r))
    signal = 3.5 + rng.normal(0, 0.4, (n, 1)) + rng.normal(0, 0.4, (1, d)) + 0.3 * U @ V.T
    ratings = np.clip(np.round(signal + rng.normal(0, 0.5, (n, d))), 1, 5)
    observed = rng.random((n, d)) < 0.2
    test = observed & (rng.random((n, d)) < 0.2)
    X = np.where(observed & ~test, ratings, np.nan)
    rows, cols = np.nonzero(test)
    soft = SoftImputer(random_state=random_state).fit(X)
    # The user + item bias model alone (an alpha so large that the low-rank part is 0).
    bias = SoftImputer(alpha=1e12, random_state=random_state).fit(X)

    def rmse(est):
        return float(np.sqrt(np.mean((est.predict_entries(rows, cols) - ratings[test]) ** 2)))

    return DemoResult("held-out RMSE", rmse(soft), "user + item biases", rmse(bias))


@demo("ScaledGDImputer", "sparse 5000x5000 rank 5, 1% observed (m = 5 d_r), n_components 10",
      family="completion")
def _demo_scaled_gd(random_state):
    import numpy as np

    from lrsparse.datasets import make_low_rank_matrix_with_missing
    from lrsparse.impute import ScaledGDImputer

    n, r = 5000, 5
    X, A, B = make_low_rank_matrix_with_missing(
        n, n, rank=r, n_observed=5 * r * (2 * n - r), sparse_output=True, return_factors=True,
        random_state=random_state)
    rng = np.random.default_rng(random_state)
    rows, cols = rng.integers(0, n, 20000), rng.integers(0, n, 20000)
    truth = np.einsum("ij,ij->i", A[rows], B[cols])
    est = ScaledGDImputer(n_components=2 * r, random_state=random_state).fit(X)
    err = np.linalg.norm(est.predict_entries(rows, cols) - truth) / np.linalg.norm(truth)
    return DemoResult("held-out rel. error", float(err), "zero (the mean)", 1.0)


@demo("OneSidedCompletion", "row space from 2 entries per row, 20000x30, rank 2",
      family="one_sided")
def _demo_one_sided(random_state):
    import numpy as np
    from sklearn.decomposition import PCA

    from lrsparse.datasets import make_low_rank_matrix_with_missing
    from lrsparse.impute import OneSidedCompletion
    from lrsparse.metrics import subspace_distance

    X, X_true = make_low_rank_matrix_with_missing(20000, 30, rank=2, pattern="two_per_row",
                                                  random_state=random_state)
    truth = np.linalg.svd(X_true, full_matrices=False)[2][:2].T
    est = OneSidedCompletion(2, random_state=random_state).fit(X)
    zero_filled = PCA(2, random_state=random_state).fit(np.nan_to_num(X))
    return DemoResult("subspace distance", subspace_distance(est.components_.T, truth),
                      "zero-filled PCA", subspace_distance(zero_filled.components_.T, truth))


def _mtp2_grid_samples(p, n, random_state):
    """An MTP2 precision on a grid graph and ``n`` Gaussian samples of it."""
    import numpy as np

    from lrsparse.datasets import make_mtp2_precision

    precision, _ = make_mtp2_precision(p, graph="grid", random_state=random_state)
    rng = np.random.default_rng(random_state)
    return precision, rng.multivariate_normal(np.zeros(p), np.linalg.inv(precision), size=n)


@demo("MTP2GraphicalModel", "grid graph, p=100, n=300: edge F1 vs GraphicalLasso", family="mtp2")
def _demo_mtp2(random_state):
    import numpy as np
    from sklearn.covariance import GraphicalLasso

    from lrsparse.covariance import MTP2GraphicalModel
    from lrsparse.metrics import edge_f1

    p, n = 100, 300
    precision, X = _mtp2_grid_samples(p, n, random_state)
    X = (X - X.mean(axis=0)) / X.std(axis=0)
    alpha = np.sqrt(np.log(p) / n)  # the theory's rate, the same for both
    ours = MTP2GraphicalModel(alpha=alpha).fit(X)
    glasso = GraphicalLasso(alpha=alpha).fit(X)
    # edge_f1 reads partial correlations: standardising X does not change them
    return DemoResult("edge F1", edge_f1(precision, ours.precision_),
                      "GraphicalLasso", edge_f1(precision, glasso.precision_))


@demo("MTP2GraphicalModelCV", "grid graph, p=25, n=75, alpha by 5-fold CV: edge F1", family="mtp2")
def _demo_mtp2_cv(random_state):
    from sklearn.covariance import GraphicalLassoCV

    from lrsparse.covariance import MTP2GraphicalModelCV
    from lrsparse.metrics import edge_f1

    precision, X = _mtp2_grid_samples(25, 75, random_state)
    ours = MTP2GraphicalModelCV().fit(X)
    glasso = GraphicalLassoCV().fit(X)
    return DemoResult("edge F1", edge_f1(precision, ours.precision_),
                      "GraphicalLassoCV", edge_f1(precision, glasso.precision_))


def _corrupted_recovery(random_state):
    """The paper's compressive-sensing setting with 10% grossly corrupted measurements."""
    from lrsparse.datasets import make_sparse_recovery

    return make_sparse_recovery(150, 300, 10, noise=1e-3, corruption_fraction=0.1,
                                random_state=random_state)


def _relative_error(coef, truth):
    import numpy as np

    return float(np.linalg.norm(coef - truth) / np.linalg.norm(truth))


@demo("WeightedOMP", "compressive sensing, 150 x 300, 10% gross errors: coef rel. error",
      family="sparse")
def _demo_womp(random_state):
    from sklearn.linear_model import OrthogonalMatchingPursuit

    from lrsparse.linear_model import WeightedOMP

    X, y, coef = _corrupted_recovery(random_state)
    ours = WeightedOMP(loss="lad", n_nonzero_coefs=10, fit_intercept=False).fit(X, y)
    omp = OrthogonalMatchingPursuit(n_nonzero_coefs=10, fit_intercept=False).fit(X, y)
    return DemoResult("rel. error", _relative_error(ours.coef_, coef),
                      "OrthogonalMatchingPursuit", _relative_error(omp.coef_, coef))


@demo("WeightedLasso", "noisy recovery, 80 x 300, half the support down-weighted (prior)",
      family="sparse")
def _demo_weighted_lasso(random_state):
    import numpy as np
    from sklearn.linear_model import Lasso

    from lrsparse.datasets import make_sparse_recovery
    from lrsparse.linear_model import WeightedLasso

    X, y, coef = make_sparse_recovery(80, 300, 10, noise=0.05, random_state=random_state)
    w = np.ones(X.shape[1])
    w[np.flatnonzero(coef)[:5]] = 0.1  # prior knowledge on half of the support
    alpha = 1e-3
    ours = WeightedLasso(alpha=alpha, weights=w, fit_intercept=False).fit(X, y)
    lasso = Lasso(alpha=alpha, fit_intercept=False).fit(X, y)
    return DemoResult("rel. error", _relative_error(ours.coef_, coef),
                      "Lasso", _relative_error(lasso.coef_, coef))


@demo("SqrtLasso", "noisy recovery, 150 x 300, pivotal alpha (no noise level): rel. error",
      family="sparse")
def _demo_sqrt_lasso(random_state):
    import numpy as np
    from sklearn.linear_model import Lasso

    from lrsparse.datasets import make_sparse_recovery
    from lrsparse.linear_model import SqrtLasso

    X, y, coef = make_sparse_recovery(150, 300, 10, noise=0.1, random_state=random_state)
    n = X.shape[0]
    # Belloni et al.'s pivotal level (unit-norm columns) needs no noise level;
    # Lasso's universal level needs it (given here: noise l2 norm / sqrt(n))
    ours = SqrtLasso(alpha=1.1 * np.sqrt(2 * np.log(300)) / n, fit_intercept=False).fit(X, y)
    sigma = 0.1 / np.sqrt(n)
    lasso = Lasso(alpha=sigma * np.sqrt(2 * np.log(300)) / np.sqrt(n),
                  fit_intercept=False).fit(X, y)
    return DemoResult("rel. error", _relative_error(ours.coef_, coef),
                      "Lasso", _relative_error(lasso.coef_, coef))


@demo("LADLasso", "compressive sensing, 150 x 300, 10% gross errors: coef rel. error",
      family="sparse")
def _demo_lad_lasso(random_state):
    import warnings

    from sklearn.linear_model import Lasso

    from lrsparse.linear_model import LADLasso

    X, y, coef = _corrupted_recovery(random_state)
    n = X.shape[0]
    ours = LADLasso(alpha=1.0 / n, fit_intercept=False).fit(X, y)  # the paper's lambda = 1
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # ConvergenceWarning: the gross errors defeat it
        lasso = Lasso(alpha=1e-3, fit_intercept=False).fit(X, y)
    return DemoResult("rel. error", _relative_error(ours.coef_, coef),
                      "Lasso", _relative_error(lasso.coef_, coef))


@demo("WeightedLassoCV", "noisy recovery, 100 x 200, alpha by 5-fold CV: coef rel. error",
      family="sparse")
def _demo_weighted_lasso_cv(random_state):
    from sklearn.linear_model import LassoCV

    from lrsparse.datasets import make_sparse_recovery
    from lrsparse.linear_model import WeightedLassoCV

    X, y, coef = make_sparse_recovery(100, 200, 8, noise=0.05, random_state=random_state)
    ours = WeightedLassoCV(fit_intercept=False).fit(X, y)
    lasso = LassoCV(fit_intercept=False).fit(X, y)
    return DemoResult("rel. error", _relative_error(ours.coef_, coef),
                      "LassoCV", _relative_error(lasso.coef_, coef))


def _gmm_holdout(random_state, n_features):
    from lrsparse.datasets import make_gmm_stream

    X, y, _, _ = make_gmm_stream(6000, n_features, 5, random_state=random_state)
    return X[:5000], X[5000:], y[:5000], y[5000:]


@demo("IncrementalGaussianMixture", "stream of 5000 points, 8-D, 5 components: held-out loglik",
      family="gmm")
def _demo_igmn(random_state):
    from sklearn.mixture import GaussianMixture

    from lrsparse.mixture import IncrementalGaussianMixture

    X, X_test, _, _ = _gmm_holdout(random_state, 8)
    ours = IncrementalGaussianMixture()
    for batch in range(0, len(X), 500):  # one pass, ten batches
        ours.partial_fit(X[batch:batch + 500])
    em = GaussianMixture(ours.n_components_, random_state=random_state).fit(X)
    return DemoResult("loglik", ours.score(X_test),
                      f"GaussianMixture({ours.n_components_}) EM", em.score(X_test))


@demo("IncrementalGMMClassifier", "digits after PCA(20), one pass in batches: accuracy",
      family="gmm")
def _demo_igmn_classifier(random_state):
    from sklearn.datasets import load_digits
    from sklearn.decomposition import PCA
    from sklearn.discriminant_analysis import QuadraticDiscriminantAnalysis
    from sklearn.model_selection import train_test_split

    from lrsparse.mixture import IncrementalGMMClassifier

    X, y = load_digits(return_X_y=True)
    X, X_test, y, y_test = train_test_split(X, y, test_size=0.25, stratify=y,
                                            random_state=random_state)
    pca = PCA(20, random_state=random_state).fit(X)
    X, X_test = pca.transform(X), pca.transform(X_test)
    ours = IncrementalGMMClassifier()
    for batch in range(0, len(X), 200):
        ours.partial_fit(X[batch:batch + 200], y[batch:batch + 200], classes=range(10))
    qda = QuadraticDiscriminantAnalysis().fit(X, y)
    return DemoResult("accuracy", ours.score(X_test, y_test),
                      "QuadraticDiscriminantAnalysis", qda.score(X_test, y_test))


@demo("IncrementalGMMRegressor", "y = sin(x1) x2 + noise, 4000 points in a stream: R^2",
      family="gmm")
def _demo_igmn_regressor(random_state):
    import numpy as np
    from sklearn.linear_model import SGDRegressor

    from lrsparse.mixture import IncrementalGMMRegressor

    rng = np.random.default_rng(random_state)
    X = rng.uniform(-3, 3, (5000, 2))
    y = np.sin(X[:, 0]) * X[:, 1] + 0.1 * rng.normal(size=5000)
    ours, sgd = IncrementalGMMRegressor(), SGDRegressor(random_state=random_state)
    for batch in range(0, 4000, 400):
        ours.partial_fit(X[batch:batch + 400], y[batch:batch + 400])
        sgd.partial_fit(X[batch:batch + 400], y[batch:batch + 400])
    return DemoResult("R^2", ours.score(X[4000:], y[4000:]),
                      "SGDRegressor (linear)", sgd.score(X[4000:], y[4000:]))


@demo("Swivel", "planted PMI, 1200 words, rank 16: corr. of inner products, frequent pairs",
      family="words")
def _demo_swivel(random_state):
    import numpy as np
    import scipy.sparse as sp
    from sklearn.decomposition import TruncatedSVD

    from lrsparse.datasets import make_planted_cooccurrence
    from lrsparse.embedding import Swivel

    C, U, _ = make_planted_cooccurrence(1200, 16, random_state=random_state)
    model = Swivel(n_components=32, n_epochs=15, random_state=random_state).fit(C)
    # the classic baseline: positive PMI, truncated SVD, sqrt-singular-value weights
    X = C.tocoo()
    total = X.data.sum()
    rows, cols = np.asarray(C.sum(axis=1)).ravel(), np.asarray(C.sum(axis=0)).ravel()
    pmi = np.log(X.data) + np.log(total) - np.log(rows[X.row]) - np.log(cols[X.col])
    ppmi = sp.csr_matrix((np.maximum(pmi, 0.0), (X.row, X.col)), shape=C.shape)
    svd = TruncatedSVD(32, random_state=random_state).fit(ppmi)
    left = svd.transform(ppmi) / np.sqrt(svd.singular_values_)
    right = svd.components_.T * np.sqrt(svd.singular_values_)
    top = np.triu_indices(300, 1)  # the 300 most frequent words
    truth = (U @ U.T)[:300, :300][top]

    def corr(A, B):
        return float(np.corrcoef((A @ B.T)[:300, :300][top], truth)[0, 1])

    return DemoResult("correlation", corr(model.row_embeddings_, model.column_embeddings_),
                      "PPMI + TruncatedSVD", corr(left, right))


@demo("CooccurrenceVectorizer", "window-10 counts of 100k tokens vs a Python loop: seconds",
      family="words")
def _demo_cooccurrence(random_state):
    import numpy as np

    from lrsparse.feature_extraction import CooccurrenceVectorizer

    rng = np.random.default_rng(random_state)
    words = np.array([f"w{i}" for i in range(2000)])
    p = 1.0 / np.arange(1, 2001)
    docs = [list(words[rng.choice(2000, 200, p=p / p.sum())]) for _ in range(500)]
    CooccurrenceVectorizer(min_count=1).fit([["a", "b"]])  # load the kernel (not timed)
    tic = time.perf_counter()
    vec = CooccurrenceVectorizer(window=10, min_count=1)
    C = vec.fit_transform(docs)
    ours = time.perf_counter() - tic
    # the same counts by a plain Python loop over the windows (harmonic weights)
    tic = time.perf_counter()
    index, total = vec.vocabulary_, {}
    for doc in docs:
        ids = [index[w] for w in doc]
        for a in range(len(ids)):
            for b in range(a + 1, min(a + 11, len(ids))):
                key = (ids[a], ids[b])
                total[key] = total.get(key, 0.0) + 1.0 / (b - a)
    loop = time.perf_counter() - tic
    i, j = next(iter(total))
    expected = total[i, j] + (total.get((j, i), 0.0) if i != j else total[i, j])
    if not np.isclose(C[i, j], expected):
        raise AssertionError(f"counts differ: {C[i, j]} vs {expected}")
    return DemoResult("seconds", ours, "Python loop", loop)


# ---------------------------------------------------------------------- tour
class _Row(NamedTuple):
    family: str
    estimator: str
    task: str
    metric: str
    value: str
    baseline: str
    baseline_value: str
    seconds: str


_HEADER = _Row("family", "estimator", "task", "metric", "value", "baseline", "baseline value",
               "seconds")


def _format_value(value):
    value = float(value)
    if math.isnan(value) or math.isinf(value):
        return str(value)
    return f"{value:.3f}" if abs(value) >= 1e-3 or value == 0 else f"{value:.3e}"


def _family_title(d):
    return FAMILIES[d.family][0] if d.family in FAMILIES else "-"


def _failed_row(d, seconds):
    return _Row(_family_title(d), d.estimator, d.task, "-", "FAILED", "-", "-", f"{seconds:.2f}")


def _run_demo(d, random_state):
    """Run one demo; return (row, failed)."""
    start = time.perf_counter()
    try:
        result = DemoResult(*d.func(random_state))
        value = _format_value(result.value)
        baseline_value = _format_value(result.baseline_value)
    except Exception:
        seconds = time.perf_counter() - start
        print(f"\nDemo {d.estimator!r} ({d.task}) failed:", file=sys.stderr)
        traceback.print_exc(file=sys.stderr)
        sys.stderr.flush()
        return _failed_row(d, seconds), True
    seconds = time.perf_counter() - start
    row = _Row(
        _family_title(d),
        d.estimator,
        d.task,
        str(result.metric),
        value,
        str(result.baseline),
        baseline_value,
        f"{seconds:.2f}",
    )
    return row, False


def _groups(selected):
    """The selected demos by family (tour order), each family's demos in order."""
    groups = {}
    for d in selected:
        groups.setdefault(d.family, []).append(d)
    return list(groups.values())


def _cpu_count():
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


_BLAS_THREAD_VARIABLES = ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS",
                          "VECLIB_MAXIMUM_THREADS")


def _init_worker(blas_threads):
    # Before numpy is imported in the worker: its share of the CPUs for BLAS
    # (unless the user set a limit).  Oversubscribed BLAS threads spin: on two
    # loaded cores a small dense solve loop ran 40x slower with two threads.
    for name in _BLAS_THREAD_VARIABLES:
        os.environ.setdefault(name, str(blas_threads))


def _run_group(estimators, random_state):
    """Worker side: run the named demos in order.

    Returns ``([(row, failed), ...], pid, cpu)``: ``cpu`` is the worker's CPU
    time so far (all the families it ran).
    """
    by_name = {d.estimator: d for d in DEMOS}
    results = [_run_demo(by_name[name], random_state) for name in estimators]
    return results, os.getpid(), time.process_time()


def _print_progress(group, results):
    d = group[0]
    parts = ", ".join(
        f"{row.estimator} {'FAILED' if failed else row.seconds + ' s'}" for row, failed in results
    )
    print(f"  {_family_title(d)}: {parts}", flush=True)


def _run_sequential(groups, random_state):
    results = {}
    for group in groups:
        print(f"  {_family_title(group[0])}: ", end="", flush=True)
        done = []
        for d in group:
            row, failed = _run_demo(d, random_state)
            done.append((row, failed))
            sep = ", " if d is not group[-1] else "\n"
            print(f"{d.estimator} {'FAILED' if failed else row.seconds + ' s'}", end=sep,
                  flush=True)
        results[id(group[0])] = done
    return results, [time.process_time()]


def _run_parallel(groups, random_state, jobs):
    """Run each family's demos in a worker process, heaviest families first."""
    import concurrent.futures as cf
    import multiprocessing

    # Workers import this module by name ("python -m lrsparse" runs it as
    # __main__, which a spawned process cannot import) and look the demos up
    # by estimator name in its registry.
    module = importlib.import_module("lrsparse.__main__")
    order = sorted(groups, key=lambda g: -FAMILIES.get(g[0].family, ("", 0))[1])
    blas_threads = max(1, _cpu_count() // jobs)
    results, cpu = {}, {}
    with cf.ProcessPoolExecutor(
        max_workers=jobs,
        mp_context=multiprocessing.get_context("spawn"),
        initializer=module._init_worker,
        initargs=(blas_threads,),
    ) as pool:
        futures = {
            pool.submit(module._run_group, [d.estimator for d in group], random_state): group
            for group in order
        }
        start = time.perf_counter()
        for future in cf.as_completed(futures):
            group = futures[future]
            try:
                done, pid, seconds = future.result()
                done = [(_Row(*row), failed) for row, failed in done]
                cpu[pid] = max(cpu.get(pid, 0.0), seconds)
            except Exception as exc:  # the worker died (e.g. killed): the family failed
                print(f"\nThe worker running {_family_title(group[0])!r} failed: {exc!r}",
                      file=sys.stderr, flush=True)
                seconds = time.perf_counter() - start
                done = [(_failed_row(d, seconds), True) for d in group]
            results[id(group[0])] = done
            _print_progress(group, done)
    return results, list(cpu.values())


def _print_table(rows, file=None):
    file = sys.stdout if file is None else file
    widths = [max(len(r[i]) for r in [_HEADER, *rows]) for i in range(len(_HEADER))]
    numeric = {4, 6, 7}  # right-align value, baseline value, seconds

    def line(row):
        cells = (
            cell.rjust(w) if i in numeric else cell.ljust(w)
            for i, (cell, w) in enumerate(zip(row, widths))
        )
        return "  ".join(cells).rstrip()

    print(line(_HEADER), file=file)
    print("  ".join("-" * w for w in widths), file=file)
    previous = None
    for row in rows:
        if row.family == previous:  # the family once, on its first row
            row = row._replace(family="")
        else:
            previous = row.family
        print(line(row), file=file)


def _versions():
    from importlib.metadata import PackageNotFoundError, version

    parts = [f"python {sys.version.split()[0]}"]
    for name in ("numpy", "scipy", "scikit-learn", "numba"):
        try:
            parts.append(f"{name} {version(name)}")
        except PackageNotFoundError:
            parts.append(f"{name} ?")
    return ", ".join(parts)


def _parse_args(argv):
    parser = argparse.ArgumentParser(
        prog="python -m lrsparse",
        description=(
            "Demo tour of lrsparse: run every estimator on small synthetic data with a "
            "known ground truth and compare it with a simple baseline.  Exits with "
            "status 1 if any demo fails."
        ),
    )
    parser.add_argument(
        "--only",
        metavar="NAME",
        action="append",
        help="run only the demo of this estimator (case-insensitive; repeatable)",
    )
    parser.add_argument("--list", action="store_true", help="list the demos and exit")
    parser.add_argument(
        "--seed", type=int, default=0, help="random_state passed to every demo (default: 0)"
    )
    parser.add_argument(
        "--jobs",
        type=int,
        default=None,
        metavar="N",
        help="worker processes, one family at a time each (default: min(4, CPUs)); "
        "1 runs every demo in this process",
    )
    args = parser.parse_args(argv)
    if args.jobs is not None and args.jobs < 1:
        parser.error(f"--jobs must be >= 1; got {args.jobs}")
    if args.only:
        known = {d.estimator.lower() for d in DEMOS}
        unknown = [name for name in args.only if name.lower() not in known]
        if unknown:
            parser.error(
                f"no demo for {', '.join(map(repr, unknown))}; "
                f"available: {', '.join(d.estimator for d in DEMOS)}"
            )
    return args


def main(argv=None):
    """Run the tour; return the exit status (0, or 1 if a demo failed)."""
    args = _parse_args(argv)
    if args.list:
        for d in DEMOS:
            print(f"{d.estimator} ({_family_title(d)}): {d.task}")
        return 0

    from lrsparse import __version__

    selected = DEMOS
    if args.only:
        wanted = {name.lower() for name in args.only}
        selected = [d for d in DEMOS if d.estimator.lower() in wanted]
    groups = _groups(selected)
    jobs = min(args.jobs or min(4, _cpu_count()), len(groups))

    print(f"lrsparse {__version__} demo tour")
    print(_versions())
    where = "in this process" if jobs <= 1 else f"in {jobs} worker processes"
    print(f"{len(selected)} demo(s) of {len(groups)} estimator families, "
          f"random_state={args.seed}, {where}")
    print("(seconds include numba compilation on a cold cache; it is cached afterwards)")
    print(flush=True)

    start = time.perf_counter()
    if jobs <= 1:
        results, cpu = _run_sequential(groups, args.seed)
    else:
        results, cpu = _run_parallel(groups, args.seed, jobs)
    total = time.perf_counter() - start
    done = [results[id(group[0])] for group in groups]  # tour order
    rows = [row for group in done for row, _ in group]
    n_failed = sum(failed for group in done for _, failed in group)

    print()
    _print_table(rows)
    # CPU time per process: on an idle machine with as many cores, the wall
    # time is about the largest (numba compiles on one core).
    where = "this process" if jobs <= 1 else f"{len(cpu)} worker processes"
    print(f"\n{len(rows)} demo(s) in {total:.1f} s wall time; CPU time "
          f"{' + '.join(f'{c:.1f}' for c in sorted(cpu, reverse=True))} s in {where}.")
    if n_failed:
        print(f"\n{n_failed} of {len(rows)} demo(s) FAILED (tracebacks on stderr).")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
