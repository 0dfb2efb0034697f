"""Checks every public lrsparse estimator must pass.

The estimators come from :func:`lrsparse.utils.all_estimators`, so a new
estimator is checked as soon as its family exports it.  Test-time parameters
live in ``INIT_PARAMS`` (converged, small settings, like scikit-learn's own
table); an expected failure goes in ``EXPECTED_FAILED`` with a one-line reason.
"""

import inspect
import re
import os
import runpy
from pathlib import Path

import numpy as np
import pytest
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import GridSearchCV
from sklearn.pipeline import make_pipeline
from sklearn.utils.estimator_checks import parametrize_with_checks

from lrsparse.utils import all_estimators

ROOT = Path(__file__).resolve().parents[1]

# Small, converged settings for the common checks.
_CONVERGED_NMF = dict(n_components=2, random_state=0, max_iter=2000, tol=1e-6)
INIT_PARAMS = {
    "FastRP": dict(n_components=4, random_state=0),
    # The spatial graph needs the image layout, which the generic checks lack.
    "StructuredSparseNMF": dict(_CONVERGED_NMF, graph_strength=0.0),
    "CorrentropyNMF": _CONVERGED_NMF,
    "RobustGuidedNMF": _CONVERGED_NMF,
    "RobustPCA": dict(n_components=1, random_state=0),
    "StreamingRobustPCA": dict(n_components=1, random_state=0),
    "PrincipalComponentPursuit": dict(random_state=0),
    "SVTImputer": dict(random_state=0),
    "SoftImputer": dict(random_state=0),
    "ScaledGDImputer": dict(random_state=0),
    "OneSidedCompletion": dict(n_components=1, random_state=0),
    "MTP2GraphicalModel": {},
    "MTP2GraphicalModelCV": dict(alphas=3, n_refinements=2, cv=3),
    "WeightedOMP": {},
    "WeightedLasso": dict(alpha=0.1),
    "SqrtLasso": dict(alpha=0.1),
    "LADLasso": dict(alpha=0.1),
    "WeightedLassoCV": dict(n_alphas=5, cv=3),
    "IncrementalGaussianMixture": dict(random_state=0),
    "IncrementalGMMRegressor": {},
    "IncrementalGMMClassifier": {},
    "Swivel": dict(n_components=2, n_epochs=5, random_state=0),
    # a text vectorizer: scikit-learn's array checks do not apply (two_d_array=False,
    # as CountVectorizer); tests/feature_extraction runs the API checks that do
    "CooccurrenceVectorizer": {},
}

# {estimator name: {check name: one-line reason}}.
EXPECTED_FAILED = {
    "Swivel": {
        "check_transformer_general": "transform folds new words in (observed pairs only); "
                                     "fit_transform returns the trained vectors",
        "check_transformer_general(readonly_memmap=True)": "as check_transformer_general",
        "check_transformer_data_not_an_array": "as check_transformer_general",
    },
}


def _sbm_node_classification():
    from lrsparse.datasets import make_sbm_graph

    A, y = make_sbm_graph(150, 3, p_in=0.15, p_out=0.01, random_state=0)
    return A, y


def _unmixing_case():
    from lrsparse.datasets import make_hyperspectral
    from lrsparse.metrics import abundance_scorer

    X, _, A = make_hyperspectral((10, 10), 3, 20, snr_db=30, random_state=0)
    return dict(X=X, y=A, params=dict(n_components=3), grid={"alpha": [0.0, 0.1]},
                scoring=abundance_scorer)


def _robust_pca_case():
    from lrsparse.datasets import make_contaminated_gaussian

    X, is_outlier, _, _ = make_contaminated_gaussian(400, 20, contamination=0.1, random_state=0)
    return dict(X=X, y=is_outlier, params=dict(n_components=2),
                final=LogisticRegression(max_iter=500), grid={"contamination": [0.1, 0.2]})


def _pcp_case():
    from sklearn.linear_model import Ridge

    from lrsparse.datasets import make_low_rank_plus_sparse

    D, L, _ = make_low_rank_plus_sparse(60, 30, rank=3, sparsity=0.05, random_state=0)
    # Predict a clean column from the cleaned others.
    return dict(X=D[:, 1:], y=L[:, 0], final=Ridge(), grid={"lam": ["auto", 0.3]})


def _completion_case():
    from sklearn.linear_model import Ridge

    from lrsparse.datasets import make_low_rank_matrix_with_missing

    # Impute, then regress a fully observed target column on the completed rest.
    # Large enough for SVT's default tau = 5 ||P(M)||_2 / p to converge on each fold.
    X, X_true = make_low_rank_matrix_with_missing(240, 100, rank=3, observed_fraction=0.5,
                                                  random_state=0)
    return dict(X=X[:, 1:], y=X_true[:, 0], final=Ridge())


def _svt_case():
    return dict(_completion_case(), grid={"method": ["svt", "usvt"]})


def _soft_case():
    return dict(_completion_case(), grid={"alpha": [1.0, 10.0]})


def _scaled_gd_case():
    return dict(_completion_case(), grid={"n_components": [2, 6]})


def _one_sided_case():
    from sklearn.linear_model import Ridge

    from lrsparse.datasets import make_low_rank_matrix_with_missing

    X, X_true = make_low_rank_matrix_with_missing(400, 12, rank=2, observed_fraction=0.5,
                                                  random_state=0)
    return dict(X=X, y=X_true[:, 0], final=Ridge(), params=dict(n_components=2),
                grid={"n_components": [1, 2]})


def _mtp2_case():
    from lrsparse.datasets import make_mtp2_precision

    precision, _ = make_mtp2_precision(12, graph="grid", random_state=0)
    rng = np.random.default_rng(0)
    X = rng.multivariate_normal(np.zeros(12), np.linalg.inv(precision), size=60)
    # scored by the held-out Gaussian log-likelihood (the estimator's score)
    return dict(X=X, y=None, grid={"alpha": [0.05, 0.2]})


def _mtp2_cv_case():
    return dict(_mtp2_case(), grid={"penalty": ["l1", "mcp"]})


def _sparse_recovery_case(grid):
    from lrsparse.datasets import make_sparse_recovery

    X, y, _ = make_sparse_recovery(60, 40, 4, noise=0.05, random_state=0)
    return lambda: dict(X=X, y=y, grid=grid)


def _gmm_stream_case(target):
    from lrsparse.datasets import make_gmm_stream

    X, labels, _, _ = make_gmm_stream(300, 3, 3, random_state=0)
    y = {"density": None, "classes": labels,
         "regression": X[:, 0] - 2.0 * X[:, 1] + np.sin(labels)}[target]
    return dict(X=X, y=y, grid={"delta": [0.5, 1.0]})


def _cooccurrence_case():
    # Documents of a synthetic Zipf vocabulary; a held-out fold is scored by the weight
    # of its co-occurrences that the training vocabulary covers (a callable scorer: the
    # vectorizer returns a word x word matrix, not one row per document).
    rng = np.random.default_rng(0)
    words = np.array([f"w{k:03d}" for k in range(200)])
    p = 1.0 / np.arange(1, 201)
    docs = [" ".join(rng.choice(words, size=40, p=p / p.sum())) for _ in range(60)]
    return dict(X=docs, y=None, params=dict(min_count=2), grid={"window": [2, 5]},
                scoring=lambda est, X, y=None: float(est.transform(X).sum()))


# {estimator name: () -> dict(X, y, grid[, params][, final][, scoring])}: every estimator
# must work inside a Pipeline tuned by a two-point GridSearchCV on data from
# lrsparse.datasets.
PIPELINE_CASES = {
    "FastRP": lambda: dict(
        zip(("X", "y"), _sbm_node_classification()),
        final=LogisticRegression(max_iter=500),
        grid={"normalization_strength": [-0.5, 0.0]},
    ),
    "StructuredSparseNMF": _unmixing_case,
    "CorrentropyNMF": _unmixing_case,
    "RobustGuidedNMF": _unmixing_case,
    "RobustPCA": _robust_pca_case,
    "StreamingRobustPCA": _robust_pca_case,
    "PrincipalComponentPursuit": _pcp_case,
    "SVTImputer": _svt_case,
    "SoftImputer": _soft_case,
    "ScaledGDImputer": _scaled_gd_case,
    "OneSidedCompletion": _one_sided_case,
    "MTP2GraphicalModel": _mtp2_case,
    "MTP2GraphicalModelCV": _mtp2_cv_case,
    "WeightedOMP": lambda: _sparse_recovery_case({"n_nonzero_coefs": [2, 4]})(),
    "WeightedLasso": lambda: _sparse_recovery_case({"alpha": [0.01, 0.1]})(),
    "SqrtLasso": lambda: _sparse_recovery_case({"alpha": [0.05, 0.3]})(),
    "LADLasso": lambda: _sparse_recovery_case({"alpha": [0.01, 0.1]})(),
    "WeightedLassoCV": lambda: _sparse_recovery_case({"eps": [1e-2, 1e-3]})(),
    # scored by the held-out log-likelihood, the accuracy and R^2 (their score methods)
    "IncrementalGaussianMixture": lambda: _gmm_stream_case("density"),
    "IncrementalGMMClassifier": lambda: _gmm_stream_case("classes"),
    "IncrementalGMMRegressor": lambda: _gmm_stream_case("regression"),
    "CooccurrenceVectorizer": _cooccurrence_case,
    # a graph's adjacency is a co-occurrence matrix: Swivel embeds its nodes
    "Swivel": lambda: dict(
        zip(("X", "y"), _sbm_node_classification()),
        params=dict(n_components=4, n_epochs=10),
        final=LogisticRegression(max_iter=500),
        grid={"n_components": [2, 4]},
    ),
}


def test_parameter_tables_name_every_estimator():
    """The hand-written tables stay in step with the estimators ``all_estimators`` finds.

    Every estimator has an ``INIT_PARAMS`` entry (``{}`` when its defaults are
    already small and converged: a decision, not an omission) and a Pipeline
    case; no table names an estimator that does not exist.
    """
    names = {name for name, _ in all_estimators()}
    for table_name, table in [("INIT_PARAMS", INIT_PARAMS), ("PIPELINE_CASES", PIPELINE_CASES),
                              ("EXPECTED_FAILED", EXPECTED_FAILED)]:
        unknown = set(table) - names
        assert not unknown, f"{table_name} names no estimator: {sorted(unknown)}"
    for table_name, table in [("INIT_PARAMS", INIT_PARAMS), ("PIPELINE_CASES", PIPELINE_CASES)]:
        missing = sorted(names - set(table))
        assert not missing, f"add a {table_name} entry for {missing}"
    for name, cls in all_estimators():
        signature = inspect.signature(cls.__init__).parameters
        unknown = set(INIT_PARAMS[name]) - set(signature)
        assert not unknown, f"INIT_PARAMS[{name!r}] sets unknown parameters {sorted(unknown)}"
        required = {p for p, v in signature.items()
                    if p != "self" and v.default is inspect.Parameter.empty
                    and v.kind not in (v.VAR_POSITIONAL, v.VAR_KEYWORD)}
        assert required <= set(INIT_PARAMS[name]), f"INIT_PARAMS[{name!r}] lacks {required}"
        for check, reason in EXPECTED_FAILED.get(name, {}).items():
            assert reason.strip() and "\n" not in reason, f"{name}.{check}: one-line reason"


def _instances():
    for name, cls in all_estimators():
        yield cls(**INIT_PARAMS.get(name, {}))


def _expected_failed(estimator):
    return EXPECTED_FAILED.get(type(estimator).__name__, {})


@parametrize_with_checks(list(_instances()), expected_failed_checks=_expected_failed)
def test_sklearn_compatible(estimator, check):
    check(estimator)


@pytest.mark.parametrize("name, cls", all_estimators())
def test_pipeline_and_grid_search(name, cls):
    assert name in PIPELINE_CASES, f"add a Pipeline + GridSearchCV case for {name}"
    case = PIPELINE_CASES[name]()
    est = cls(**{**INIT_PARAMS.get(name, {}), **case.get("params", {})})
    final = case.get("final")
    pipe = make_pipeline(est, final) if final is not None else make_pipeline(est)
    step = pipe.steps[0][0]
    param_grid = {f"{step}__{k}": v for k, v in case["grid"].items()}
    assert all(len(v) == 2 for v in param_grid.values())
    search = GridSearchCV(pipe, param_grid, cv=2, scoring=case.get("scoring"))
    search.fit(case["X"], case["y"])
    assert np.isfinite(search.best_score_)
    assert search.best_params_.keys() == param_grid.keys()


@pytest.mark.parametrize("name, cls", all_estimators())
def test_docstring(name, cls):
    """numpydoc docstrings: every parameter documented, a References section, an example."""
    from numpydoc.docscrape import ClassDoc

    doc = ClassDoc(cls)
    assert doc["Summary"], f"{name} has no summary line"
    assert doc["References"], f"{name} must cite its paper under References"
    assert doc["Examples"], f"{name} needs an Examples section"
    documented = {p.name for p in doc["Parameters"]}
    init = set(inspect.signature(cls.__init__).parameters) - {"self"}
    assert documented == init, f"{name}: documented {documented ^ init} mismatch"
    attributes = {a.name for a in doc["Attributes"]}
    assert attributes, f"{name} documents no fitted attributes"
    for method in ("fit", "transform", "fit_transform", "predict", "score", "partial_fit"):
        if hasattr(cls, method):
            assert getattr(cls, method).__doc__, f"{name}.{method} has no docstring"


EXAMPLES = sorted((ROOT / "examples").glob("**/plot_*.py"))


@pytest.mark.examples
@pytest.mark.parametrize("path", EXAMPLES, ids=[p.name for p in EXAMPLES])
def test_example_runs(path, monkeypatch):
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    monkeypatch.chdir(path.parent)
    # Real-data sections read the documented data folder (get_data_home):
    # point it at the shared data where this checkout has it.
    shared = ROOT.parent / "shared" / "data"
    if not os.environ.get("LRSPARSE_DATA") and shared.is_dir():
        monkeypatch.setenv("LRSPARSE_DATA", str(shared))
    try:
        runpy.run_path(str(path), run_name="__main__")
    finally:
        plt.close("all")


def test_ci_runs_the_readme_test_command():
    readme = (ROOT / "README.md").read_text()
    ci = (ROOT / ".ci" / "run").read_text()
    match = re.search(r"<!-- test-command -->\s*```(?:bash|sh)?\s*\n(.+?)\n```", readme)
    assert match, "README must mark its test command with <!-- test-command -->"
    command = match.group(1).strip()
    assert command in ci, f".ci/run must run exactly the README's test command: {command}"
