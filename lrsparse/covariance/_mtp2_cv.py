"""Cross-validated choice of the penalty of the MTP2 graphical model.

:class:`MTP2GraphicalModelCV` is to :class:`MTP2GraphicalModel` what
scikit-learn's :class:`~sklearn.covariance.GraphicalLassoCV` is to
:class:`~sklearn.covariance.GraphicalLasso`: the same grid of ``alphas``
relative to the data, the same refinement of the grid around the best
held-out log-likelihood, the same ``cv_results_``.  Each fold runs
:func:`_mtp2_path`, a path over decreasing ``alpha`` warm-started from the
previous precision.
"""

import numbers
import time
import warnings

import numpy as np
from sklearn.covariance import EmpiricalCovariance, log_likelihood
from sklearn.exceptions import ConvergenceWarning
from sklearn.model_selection import check_cv
from sklearn.utils.parallel import Parallel, delayed

from ..utils._sklearn import Interval, _fit_context, validate_data
from ._mtp2 import (
    MTP2GraphicalModel,
    _check_alpha,
    _check_emp_cov,
    _check_gamma,
    _covariance,
    _mtp2_solve,
    _scaled_covariance,
    mtp2_graphical_model,
)

__all__ = ["MTP2GraphicalModelCV"]

# The grid of an integer ``alphas`` runs from alpha_max down to this fraction
# of it (log-spaced), as GraphicalLassoCV's.
_ALPHA_MIN_RATIO = 1e-2
# Mean scores above this are treated as a numerical blow-up (GraphicalLassoCV's test).
_SCORE_BLOWUP = 0.1 / np.finfo(np.float64).eps
# Mean held-out scores closer than max(sqrt(tol), this) to the best are ties:
# a duality gap tol leaves the precision accurate to about sqrt(tol).
_MIN_TIE = 1e-8
# Two alphas closer than this (relative) are the same point of the grid.
_SAME_ALPHA = 1e-9


def _alpha_max(emp_cov):
    """The smallest ``alpha`` whose MTP2 estimate is diagonal: ``max(0, max_{i != j} S_ij)``.

    At the diagonal start ``Theta_0 = diag(1 / S_ii)`` the gradient of the
    smooth objective ``-logdet(Theta) + <S - Lam, Theta>`` (the l1 penalty is
    linear, ``-Lam_ij Theta_ij``, on the cone ``Theta_ij <= 0``) is
    ``S - Lam - Theta_0^{-1}``: zero on the diagonal and ``S_ij - alpha`` off
    it.  ``Theta_0`` is optimal iff no feasible direction decreases the
    objective; the feasible directions at ``Theta_ij = 0`` make ``Theta_ij``
    negative (the row sums of ``Theta_0`` are positive, so the diagonally
    dominant constraint is not active), so the condition is
    ``S_ij - alpha <= 0`` for every ``i != j``.  A negative covariance never
    creates an edge.  The adaptive stages keep the diagonal: their weights at
    ``Theta_ij = 0`` are ``p'_alpha(0) = alpha``.

    Parameters
    ----------
    emp_cov : ndarray of shape (n_features, n_features)
        Empirical covariance.

    Returns
    -------
    alpha_max : float
        ``0.0`` when no off-diagonal covariance is positive (every ``alpha``
        then gives the diagonal estimate ``diag(1 / S_ii)``).
    """
    off = emp_cov[~np.eye(emp_cov.shape[0], dtype=bool)]
    return float(max(off.max(initial=0.0), 0.0))


def _mtp2_path(emp_cov, alphas, *, X_test=None, constraint="m_matrix", penalty="mcp",
               n_stages=3, gamma=None, tol=1e-6, max_iter=1000, verbose=False,
               assume_centered=False):
    """MTP2 graphical models along a path of decreasing ``alphas``, warm-started.

    Each ``alpha`` is solved by :func:`mtp2_graphical_model` started from the
    precision of the previous one (a feasible, positive definite point: the
    solutions move continuously as ``alpha`` decreases).  As scikit-learn's
    ``graphical_lasso_path``: a solve that fails with a ``FloatingPointError``
    (or a ``LinAlgError``) gives NaN matrices and a score of ``-inf``, the next
    ``alpha`` then starts from the diagonal again; a non-finite score is
    ``-inf``.  A training covariance with a zero variance cannot be fitted:
    every score is ``-inf``.

    Parameters
    ----------
    emp_cov : ndarray of shape (n_features, n_features)
        Empirical covariance of the training data.
    alphas : array-like of shape (n_alphas,)
        Penalties, in the units of ``emp_cov``, best in decreasing order
        (the warm start then follows the path).
    X_test : ndarray of shape (n_test_samples, n_features), default=None
        Held-out data; when given, the Gaussian log-likelihood of its
        empirical covariance under each precision is returned.
    constraint, penalty, n_stages, gamma, tol, max_iter
        As in :func:`mtp2_graphical_model`.
    verbose : int or bool, default=False
        ``1``: a dot per ``alpha``; ``> 1``: a line per ``alpha``, and the
        solver gets ``verbose - 1``.
    assume_centered : bool, default=False
        Whether ``X_test`` is taken as centred (else it is centred on its mean,
        as scikit-learn's path does).

    Returns
    -------
    covariances : list of ndarray of shape (n_features, n_features)
        The estimated covariances (NaN where the solve failed).
    precisions : list of ndarray of shape (n_features, n_features)
        The estimated precisions (NaN where the solve failed).
    scores : list of float
        Held-out log-likelihoods; returned only when ``X_test`` is given.
    """
    inner_verbose = max(0, int(verbose) - 1)
    p = emp_cov.shape[0]
    failed = np.full((p, p), np.nan)
    fittable = bool(np.all(np.diag(emp_cov) > 0))
    if X_test is not None:
        test_emp_cov = _covariance(X_test, assume_centered)
    covariances, precisions, scores = [], [], []
    precision = None
    for alpha in alphas:
        score = -np.inf
        try:
            if not fittable:
                raise FloatingPointError("zero variance in the training covariance")
            covariance, precision, _ = mtp2_graphical_model(
                emp_cov, alpha, constraint=constraint, penalty=penalty, n_stages=n_stages,
                gamma=gamma, precision_init=precision, tol=tol, max_iter=max_iter,
                verbose=inner_verbose, return_n_iter=True)
            if X_test is not None:
                score = log_likelihood(test_emp_cov, precision)
        except (FloatingPointError, np.linalg.LinAlgError):
            covariance, precision = failed, None
        covariances.append(covariance)
        precisions.append(failed if precision is None else precision)
        if X_test is not None:
            score = float(score) if np.isfinite(score) else -np.inf
            scores.append(score)
        if verbose == 1:
            print(".", end="", flush=True)
        elif verbose > 1:
            print(f"[_mtp2_path] alpha: {alpha:.2e}"
                  + (f", score: {score:.2e}" if X_test is not None else ""))
    if X_test is not None:
        return covariances, precisions, scores
    return covariances, precisions


def _fold_scores(X_train, X_test, alphas, assume_centered, settings):
    """Held-out scores of one fold along ``alphas`` (convergence warnings silenced)."""
    emp_cov = _covariance(X_train, assume_centered)
    with warnings.catch_warnings():
        # As GraphicalLassoCV: points of the grid that do not converge within
        # max_iter are expected (the smallest alphas) and are scored anyway.
        warnings.simplefilter("ignore", ConvergenceWarning)
        _, _, scores = _mtp2_path(emp_cov, alphas, X_test=X_test,
                                  assume_centered=assume_centered, **settings)
    return scores


class MTP2GraphicalModelCV(MTP2GraphicalModel):
    """MTP2 (M-matrix) graphical model with a cross-validated penalty ``alpha``.

    Fits :class:`MTP2GraphicalModel` for a grid of penalties on each
    training fold, scores each by the Gaussian log-likelihood of the held-out
    fold, keeps the ``alpha`` with the best mean score and refits on all the
    data.  It follows scikit-learn's
    :class:`~sklearn.covariance.GraphicalLassoCV` (see Notes): the grid, its
    refinements, ``cv_results_``, ``n_jobs`` and ``verbose`` mean the same.

    **The grid.**  For the sign-constrained problem the estimate is diagonal
    (no edge) exactly when ``alpha >= alpha_max = max_{i != j} S_ij``, the
    largest *positive* off-diagonal empirical covariance: at the diagonal
    start the gradient of the smooth objective is ``S_ij - alpha`` off the
    diagonal, and the sign constraint ``Theta_ij <= 0`` only allows moves
    that pay off when it is positive, so negative covariances never create
    edges.  An integer ``alphas`` gives that many log-spaced values from
    ``alpha_max`` down to ``1e-2 alpha_max``, refined ``n_refinements - 1``
    times around the best one.  If no off-diagonal covariance is positive,
    every ``alpha >= 0`` gives the same estimate, the diagonal
    ``diag(1 / S_ii)``: then there is no grid, ``alpha_ = 0.0`` and
    ``cv_results_`` holds the single row ``alpha = 0`` (the folds'
    unpenalised estimates, scored); an explicit array of ``alphas`` is
    cross-validated as given.

    **Scale.**  The grid is relative to the data (``alpha_max`` is in the
    units of the covariance), so the cross-validation is scale-free: for data
    ``c X`` the grid, ``alpha_`` and ``cv_results_["alphas"]`` are multiplied
    by ``c**2``, the precision by ``1 / c**2``, the covariance by ``c**2``,
    the held-out scores shifted by ``-n_features log c``, and the same
    ``alpha_ / alpha_max`` is chosen.  An explicit array of ``alphas`` is in
    the units of the covariance of ``X``: multiply it by ``c**2`` when the
    data are multiplied by ``c``.  The work is done on ``X / scale``
    (``scale`` the power of two nearest to the largest magnitude of ``X``:
    the division is exact), so any ``c`` for which
    float64 can carry the covariance (``1e-100`` to ``1e100`` for data of
    order one) gives the same choice; beyond, a ``ValueError``.

    Read more in the :ref:`User Guide <mtp2>`.

    Parameters
    ----------
    alphas : int >= 2 or array-like of shape (n_alphas,), default=4
        An integer: the number of points of each grid (see above).  An
        array: the penalties to try (finite, positive, in the units of the
        covariance of ``X``; ``lambda`` in [1]_); it is not refined.
    n_refinements : int >= 1, default=4
        Number of grids: the first, then ``n_refinements - 1`` refined ones
        around the best ``alpha``.  Not used when ``alphas`` is an array.
    cv : int, cross-validation generator or iterable, default=None
        Splitting strategy, as in :class:`~sklearn.covariance.GraphicalLassoCV`:
        ``None`` for 5-fold, an integer for that many folds
        (:class:`~sklearn.model_selection.KFold`), a CV splitter or an
        iterable of (train, test) index arrays.
    constraint : {"m_matrix", "diagonally_dominant"}, default="m_matrix"
        The precision's cone, as in :class:`MTP2GraphicalModel`.
    penalty : {"l1", "scad", "mcp"}, default="mcp"
        Penalty of the adaptive stages, as in :class:`MTP2GraphicalModel`.
    n_stages : int >= 1, default=3
        Number of weighted-l1 stages (1: plain l1), as in
        :class:`MTP2GraphicalModel`.
    gamma : float, default=None
        Concavity of SCAD / MCP (``a`` in [1]_); ``None``: 3.7 for SCAD, 3.0
        for MCP.
    tol : float >= 0, default=1e-6
        Duality-gap tolerance (in nats) of each solve, as in :class:`MTP2GraphicalModel`.
    max_iter : int >= 1, default=1000
        Iterations per stage of each solve, for the folds and the refit
        (GraphicalLassoCV gives its folds a tenth of ``max_iter``; a
        first-order solver needs them all, and the warm start along the path
        keeps them few).
    n_jobs : int, default=None
        Number of folds fitted in parallel (through :mod:`joblib`).
        ``None`` means 1 unless in a :func:`joblib.parallel_config` context;
        ``-1`` means all processors.
    verbose : int or bool, default=False
        Progress, as GraphicalLassoCV's: ``1``, joblib's messages and a
        line per refinement; ``2``, also a dot per ``alpha`` and fold;
        ``3``, a line per ``alpha`` and fold instead, and the solver's stage
        lines (its ``verbose``).
    assume_centered : bool, default=False
        If True, the data are not centred (``location_`` is zero), in the
        folds and in the refit.

    Attributes
    ----------
    location_ : ndarray of shape (n_features,)
        Estimated location (the mean, or zero with ``assume_centered``).
    covariance_ : ndarray of shape (n_features, n_features)
        Estimated covariance, the inverse of ``precision_``.
    precision_ : ndarray of shape (n_features, n_features)
        Estimated precision at ``alpha_``: an M-matrix (off-diagonal entries
        <= 0), diagonally dominant with ``constraint="diagonally_dominant"``.
    alpha_ : float
        The penalty chosen, in the units of the covariance of ``X``.
    cv_results_ : dict of ndarrays
        As in :class:`~sklearn.covariance.GraphicalLassoCV`:

        alphas : ndarray of shape (n_alphas,)
            Every penalty tried, decreasing, then ``0`` (the unpenalised
            MTP2 maximum likelihood estimate, which exists from two samples,
            scored for reference and never chosen, as GraphicalLassoCV's
            empirical covariance).
        split(k)_test_score : ndarray of shape (n_alphas,)
            Held-out log-likelihood of the (k)th fold (``-inf`` where the
            solve failed), in the units of ``X``.
        mean_test_score : ndarray of shape (n_alphas,)
            Mean over the folds.
        std_test_score : ndarray of shape (n_alphas,)
            Standard deviation over the folds.

        With ``alphas`` an integer, ``n_alphas = alphas * n_refinements + 1``
        (one less per refinement whose middle point, for an odd ``alphas``,
        is the best ``alpha`` already tried: it is not tried again).
    n_iter_ : int
        Iterations of the refit at ``alpha_`` (all stages).
    n_features_in_ : int
        Number of features seen during ``fit``.
    feature_names_in_ : ndarray of shape (`n_features_in_`,)
        Names of features seen during ``fit``, when ``X`` has string
        column names.

    See Also
    --------
    MTP2GraphicalModel : The estimator at a given ``alpha``.
    mtp2_graphical_model : The solver function.
    sklearn.covariance.GraphicalLassoCV : The same search for the graphical
        lasso (no sign constraint).

    Notes
    -----
    The search is GraphicalLassoCV's: each fold runs a path over the grid
    in decreasing order, each ``alpha`` warm-started from the precision of
    the previous one; the grid is then refined between the neighbours of the
    best mean score (or below the smallest ``alpha`` when that is the best,
    or between the last finite score and the next when the solves below it
    failed).  A solve that fails scores ``-inf``; convergence warnings in
    the folds are silenced.  Each fold is scored by
    ``sklearn.covariance.log_likelihood`` of its empirical covariance
    (centred on its own mean unless ``assume_centered``).

    Two departures from GraphicalLassoCV.  **Ties**: a solve stopped at a
    duality gap ``tol`` gives a precision accurate to about ``sqrt(tol)``,
    so mean scores within ``max(sqrt(tol), 1e-8)`` of the best are ties,
    won by the largest ``alpha`` (the sparsest of the equally good models);
    GraphicalLassoCV gives exact ties to the smallest.  With the adaptive
    penalties every small ``alpha`` removes the penalty from the large
    entries, so the scores below some ``alpha`` form such a plateau, and
    without the tolerance the solver's rounding, not the data, would pick
    the point on it (and the choice would change with the units of ``X``).
    **Repeats**: a refined grid's middle point (odd ``alphas``) can be the
    best ``alpha`` itself; it is not tried again.  The folds are split once,
    for every grid.

    References
    ----------
    .. [1] J. Ying, J. V. de M. Cardoso and D. P. Palomar, "Adaptive
       Estimation of Graphical Models under Total Positivity", ICML 2023.
    .. [2] J. Friedman, T. Hastie and R. Tibshirani, "Sparse inverse
       covariance estimation with the graphical lasso", Biostatistics 9(3),
       2008 (the cross-validated path of GraphicalLassoCV).

    Examples
    --------
    >>> import numpy as np
    >>> from lrsparse.covariance import MTP2GraphicalModelCV
    >>> true_precision = np.array([[1.0, -0.4, 0.0, 0.0],
    ...                            [-0.4, 1.0, -0.4, 0.0],
    ...                            [0.0, -0.4, 1.0, -0.4],
    ...                            [0.0, 0.0, -0.4, 1.0]])
    >>> rng = np.random.default_rng(0)
    >>> X = rng.multivariate_normal(np.zeros(4), np.linalg.inv(true_precision), size=100)
    >>> model = MTP2GraphicalModelCV(alphas=4, n_refinements=2, cv=3).fit(X)
    >>> model.cv_results_["alphas"].shape
    (9,)
    >>> bool(model.alpha_ in model.cv_results_["alphas"][:-1])
    True
    >>> off_diagonal = model.precision_[~np.eye(4, dtype=bool)]
    >>> bool(np.all(off_diagonal <= 0))
    True
    """

    _parameter_constraints = {
        "alphas": [Interval(numbers.Integral, 2, None, closed="left"), "array-like"],
        "n_refinements": [Interval(numbers.Integral, 1, None, closed="left")],
        "cv": ["cv_object"],
        "n_jobs": [numbers.Integral, None],
        **{name: MTP2GraphicalModel._parameter_constraints[name]
           for name in ("constraint", "penalty", "n_stages", "gamma", "tol", "max_iter",
                        "verbose", "assume_centered")},
    }

    def __init__(self, *, alphas=4, n_refinements=4, cv=None, constraint="m_matrix",
                 penalty="mcp", n_stages=3, gamma=None, tol=1e-6, max_iter=1000, n_jobs=None,
                 verbose=False, assume_centered=False):
        # MTP2GraphicalModel's alpha and covariance are not parameters here:
        # EmpiricalCovariance's __init__ (store_precision, assume_centered), then ours.
        EmpiricalCovariance.__init__(self, assume_centered=assume_centered)
        self.constraint = constraint
        self.penalty = penalty
        self.n_stages = n_stages
        self.gamma = gamma
        self.tol = tol
        self.max_iter = max_iter
        self.verbose = verbose
        self.alphas = alphas
        self.n_refinements = n_refinements
        self.cv = cv
        self.n_jobs = n_jobs

    def _check_alphas(self):
        """The explicit grid, sorted decreasing; ``ValueError`` naming ``alphas``."""
        try:
            alphas = np.asarray(self.alphas, dtype=np.float64)
        except (TypeError, ValueError) as exc:
            raise ValueError(
                f"alphas must be an int >= 2 or an array of positive floats; got "
                f"{self.alphas!r}.") from exc
        if alphas.ndim != 1 or alphas.size == 0:
            raise ValueError(f"alphas must be a non-empty 1-d array; got shape {alphas.shape}.")
        if not np.all(np.isfinite(alphas) & (alphas > 0)):
            raise ValueError(
                f"alphas must be finite and positive (> 0); got {alphas.tolist()}.")
        return np.unique(alphas)[::-1]

    @_fit_context(prefer_skip_nested_validation=True)
    def fit(self, X, y=None):
        """Cross-validate ``alpha`` and fit the MTP2 graphical model at the best one.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Training data.
        y : Ignored
            Not used, present for API consistency by convention.

        Returns
        -------
        self : object
            The fitted estimator.
        """
        X = validate_data(self, X, ensure_min_samples=2, dtype=np.float64)
        _check_gamma(self.penalty, self.gamma)
        explicit = not isinstance(self.alphas, numbers.Integral)
        user_alphas = self._check_alphas() if explicit else None
        self.location_ = np.zeros(X.shape[1]) if self.assume_centered else X.mean(axis=0)
        # Work on X / scale, as MTP2GraphicalModel: the empirical covariances can
        # neither overflow nor underflow, and the held-out scores are scale-free.
        emp_cov, scale = _scaled_covariance(X, self.assume_centered)
        X = X / scale
        scale2 = scale * scale
        # One split for every grid (a splitter with a RandomState instance
        # would otherwise draw new folds at each refinement).
        splits = list(check_cv(self.cv, y, classifier=False).split(X, y))
        settings = dict(constraint=self.constraint, penalty=self.penalty,
                        n_stages=self.n_stages, gamma=self.gamma, tol=self.tol,
                        max_iter=self.max_iter, verbose=max(0, int(self.verbose) - 1))

        def cross_validate(alphas):
            fold_scores = Parallel(n_jobs=self.n_jobs, verbose=self.verbose)(
                delayed(_fold_scores)(X[train], X[test], alphas, self.assume_centered,
                                      settings)
                for train, test in splits)
            return list(zip(*fold_scores))  # one tuple of fold scores per alpha

        alpha_max = _alpha_max(emp_cov)
        # path: (alpha in the units of the data, alpha in the units of X / scale, scores)
        path = []
        best_index = 0
        if explicit:
            grids = [user_alphas / scale2]
            n_refinements = 1
        elif alpha_max == 0.0:
            grids, n_refinements = [], 0
        else:
            n_refinements = self.n_refinements
            grids = [np.geomspace(alpha_max, _ALPHA_MIN_RATIO * alpha_max, self.alphas)]
        t0 = time.time()
        for i in range(n_refinements):
            alphas = grids[-1]
            data_alphas = user_alphas if explicit else alphas * scale2
            path.extend(zip(data_alphas, alphas, cross_validate(alphas)))
            path.sort(key=lambda entry: entry[1], reverse=True)
            best_index, last_finite = self._best_index(path)
            if not explicit:
                grid = self._refined_grid(path, best_index, last_finite)
                # With an odd number of points the middle one can be the best
                # alpha itself (GraphicalLassoCV tries it again): skip it.
                tried = np.array([entry[1] for entry in path])
                grids.append(grid[np.min(np.abs(grid[:, None] - tried[None, :]), axis=1)
                                  > _SAME_ALPHA * grid])
            if self.verbose and n_refinements > 1:
                print(f"[{type(self).__name__}] Done refinement {i + 1:2d} out of "
                      f"{n_refinements}: {time.time() - t0:3.0f}s")

        # The unpenalised MTP2 MLE, scored for reference (GraphicalLassoCV's alpha = 0
        # row); it is the whole answer when alpha_max = 0.
        zero_row = (0.0, 0.0, cross_validate(np.zeros(1))[0])
        rows = path + [zero_row]
        best_data_alpha = rows[best_index][0] if path else 0.0
        scores = np.array([row[2] for row in rows], dtype=np.float64)
        # log-likelihoods in the units of X: precision / scale**2 against covariance * scale**2
        scores = scores - X.shape[1] * np.log(scale)
        self.cv_results_ = {"alphas": np.array([row[0] for row in rows], dtype=np.float64)}
        for k in range(scores.shape[1]):
            self.cv_results_[f"split{k}_test_score"] = scores[:, k]
        self.cv_results_["mean_test_score"] = np.mean(scores, axis=1)
        self.cv_results_["std_test_score"] = np.std(scores, axis=1)
        self.alpha_ = float(best_data_alpha)

        # The refit: MTP2GraphicalModel's solve (its ConvergenceWarning names this class).
        covariance, precision, self.n_iter_ = _mtp2_solve(
            _check_emp_cov(emp_cov, input_name="the empirical covariance of X"),
            _check_alpha(self.alpha_ / scale2, emp_cov.shape[0]), constraint=self.constraint,
            penalty=self.penalty, n_stages=self.n_stages, gamma=self.gamma,
            precision_init=None, tol=self.tol, max_iter=self.max_iter,
            verbose=max(0, int(self.verbose) - 1), name=type(self).__name__)
        self.covariance_ = covariance * scale2
        self.precision_ = precision / scale2
        return self

    def _best_index(self, path):
        """The best mean score; scores within the solves' accuracy of it are ties,
        won by the largest alpha (the sparsest model).  Returns ``(best_index,
        last_finite)``, the index of the last finite mean score."""
        means = np.array([np.mean(scores) for _, _, scores in path])
        means[means >= _SCORE_BLOWUP] = np.nan  # GraphicalLassoCV's blow-up test
        finite = np.flatnonzero(np.isfinite(means))
        if finite.size == 0:  # every solve failed: GraphicalLassoCV's smallest alpha
            return len(path) - 1, 0
        tie = max(np.sqrt(self.tol), _MIN_TIE)
        best_index = finite[means[finite] >= means[finite].max() - tie][0]
        return int(best_index), int(finite[-1])

    def _refined_grid(self, path, best_index, last_finite):
        """GraphicalLassoCV's next grid: between the neighbours of the best alpha."""
        alphas = [entry[1] for entry in path]
        if best_index == 0:
            high, low = alphas[0], alphas[1]
        elif best_index == last_finite and best_index != len(path) - 1:
            high, low = alphas[best_index], alphas[best_index + 1]
        elif best_index == len(path) - 1:
            high, low = alphas[best_index], _ALPHA_MIN_RATIO * alphas[best_index]
        else:
            high, low = alphas[best_index - 1], alphas[best_index + 1]
        return np.geomspace(high, low, self.alphas + 2)[1:-1]
