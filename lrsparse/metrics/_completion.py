"""Held-out evaluation of matrix completion: a scorer for ``GridSearchCV``."""

import numbers

import numpy as np
import scipy.sparse as sp
from sklearn.utils import check_array, check_random_state
from ..utils._sklearn import Interval, validate_params
from ..utils.validation import missing_mask

__all__ = ["make_completion_scorer"]


def _hide_entries(X, missing_values, held_out, rng):
    """``(X with some observed entries hidden, rows, cols, values of the hidden ones)``."""
    if sp.issparse(X):
        A = sp.csr_array(X)
        coo = A.tocoo()
        keep = ~missing_mask(coo, missing_values).data
        rows, cols, vals = coo.row[keep], coo.col[keep], np.asarray(coo.data[keep], float)
    else:
        X = check_array(X, dtype=[np.float64, np.float32], ensure_all_finite="allow-nan",
                        input_name="X")
        rows, cols = np.nonzero(~missing_mask(X, missing_values))
        vals = np.asarray(X[rows, cols], dtype=np.float64)
    n = X.shape[0]
    count = np.bincount(rows, minlength=n)
    # A random order within each row; the first round(held_out * count) entries
    # are hidden, at least one and never all (the rest is what is folded in).
    order = np.lexsort((rng.uniform(size=rows.size), rows))
    rows, cols, vals = rows[order], cols[order], vals[order]
    start = np.concatenate([[0], np.cumsum(count)[:-1]])
    position = np.arange(rows.size) - start[rows]
    n_hide = np.clip(np.round(held_out * count), 1, np.maximum(count - 1, 0))
    hide = position < n_hide[rows]
    if not hide.any():
        raise ValueError(
            "make_completion_scorer: no row of X has two observed entries, so none can be "
            "held out and folded in."
        )
    if sp.issparse(X):
        X_in = sp.csr_array((vals[~hide], (rows[~hide], cols[~hide])), shape=X.shape)
    else:
        X_in = X.copy()
        X_in[rows[hide], cols[hide]] = np.nan if missing_values is None else missing_values
    return X_in, rows[hide], cols[hide], vals[hide]


@validate_params(
    {
        "held_out": [Interval(numbers.Real, 0, 1, closed="neither")],
        "random_state": ["random_state"],
    },
    prefer_skip_nested_validation=True,
)
def make_completion_scorer(held_out=0.2, random_state=0):
    """A scorer for completion estimators: RMSE on entries held out of each row.

    ``GridSearchCV`` splits the *rows* of ``X``.  On each test fold the
    scorer hides a share ``held_out`` of every row's observed entries (at
    least one, never all), completes the rows from the rest with the fitted
    estimator's ``transform`` (fold-in against the learned column factors
    and biases), and returns minus the root mean squared error on the hidden
    entries.  This is the recommender-system protocol for users unseen in
    training: the tuned parameters are the ones that predict a new row's
    missing entries best.  Works with every imputer of :mod:`lrsparse.impute`
    and with any estimator whose ``transform`` completes NaN-marked (or
    sparse, unstored-missing) rows.  Greater is better.

    Parameters
    ----------
    held_out : float in (0, 1), default=0.2
        Share of each test row's observed entries to hide.
    random_state : int, RandomState instance or None, default=0
        Seed of the entries hidden; an int hides the same entries for every
        candidate (a paired comparison).

    Returns
    -------
    scorer : callable
        ``scorer(estimator, X, y=None) -> float``, minus the held-out RMSE.

    Examples
    --------
    >>> from sklearn.model_selection import GridSearchCV
    >>> from lrsparse.datasets import make_low_rank_matrix_with_missing
    >>> from lrsparse.impute import SoftImputer
    >>> from lrsparse.metrics import make_completion_scorer
    >>> X, _ = make_low_rank_matrix_with_missing(90, 30, rank=2, observed_fraction=0.5,
    ...                                          noise=0.1, random_state=0)
    >>> search = GridSearchCV(SoftImputer(max_iter=500, random_state=0),
    ...                       {"alpha": [1.0, 50.0]}, scoring=make_completion_scorer(),
    ...                       cv=3).fit(X)
    >>> search.best_params_
    {'alpha': 1.0}
    """

    def completion_scorer(estimator, X, y=None):
        rng = check_random_state(random_state)
        missing_values = getattr(estimator, "missing_values", np.nan)
        X_in, rows, cols, target = _hide_entries(X, missing_values, held_out, rng)
        completed = np.asarray(estimator.transform(X_in), dtype=np.float64)
        return -float(np.sqrt(np.mean((completed[rows, cols] - target) ** 2)))

    return completion_scorer
