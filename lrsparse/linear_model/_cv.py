"""Warm-started regularisation paths of the weighted LASSO family, and the
cross-validated weighted LASSO.

:func:`weighted_lasso_path` is to :func:`~lrsparse.linear_model.weighted_lasso`
what scikit-learn's :func:`~sklearn.linear_model.lasso_path` is to
:class:`~sklearn.linear_model.Lasso`: a decreasing grid of penalties from
``alpha_max`` (the smallest penalty whose solution is zero) down, each solve
warm-started from the previous solution, for the three losses (``"lasso"``,
``"sqrt_lasso"``, ``"lad"``).  :class:`WeightedLassoCV` is to it what
:class:`~sklearn.linear_model.LassoCV` is to ``lasso_path``.
"""

import numbers
import warnings

import numpy as np
import scipy.sparse as sp
from sklearn.base import BaseEstimator, RegressorMixin
from sklearn.exceptions import ConvergenceWarning
from sklearn.model_selection import check_cv
from sklearn.utils.extmath import safe_sparse_dot
from sklearn.utils.parallel import Parallel, delayed

from ..utils._sklearn import Interval, _fit_context, validate_data
from ..utils._solver import data_scale
from ._base import LinearPredictMixin, check_loss, check_weights, check_Xy
from ._lasso import _solve, _warn

__all__ = ["WeightedLassoCV", "weighted_lasso_path"]

# Grid value when alpha_max is zero (constant y, or X zero where y varies): as
# scikit-learn's _alpha_grid, every point of the grid is this tiny penalty.
_RESOLUTION = float(np.finfo(np.float64).resolution)


def _check_alphas(alphas):
    """An explicit grid as a float64 array sorted decreasing; ``ValueError`` naming ``alphas``."""
    try:
        a = np.asarray(alphas, dtype=np.float64)
    except (TypeError, ValueError) as exc:
        raise ValueError(f"alphas must be None or an array of floats >= 0; "
                         f"got {alphas!r}.") from exc
    if a.ndim != 1 or a.size == 0:
        raise ValueError(f"alphas must be a non-empty 1-d array; got shape {a.shape}.")
    if not np.all(np.isfinite(a) & (a >= 0)):
        raise ValueError(f"alphas must be finite and >= 0; got {a.tolist()}.")
    return np.sort(a)[::-1]


def _check_path_options(n_alphas, eps, tol, max_iter):
    """The function's scalar options (the estimator checks them by its constraints)."""
    for name, value in [("n_alphas", n_alphas), ("max_iter", max_iter)]:
        if not isinstance(value, numbers.Integral) or isinstance(value, bool) or value < 1:
            raise ValueError(f"{name} must be an integer >= 1; got {value!r}.")
    if not (isinstance(eps, numbers.Real) and not isinstance(eps, bool) and 0 < eps < 1):
        raise ValueError(f"eps must be a number in the open interval (0, 1); got {eps!r}.")
    if not (isinstance(tol, numbers.Real) and not isinstance(tol, bool)
            and np.isfinite(tol) and tol >= 0):
        raise ValueError(f"tol must be a finite number >= 0; got {tol!r}.")


def _lad_subgradient_bound(X, y, weights, fit_intercept, x_scale):
    """``alpha_max`` of the LAD loss: ``min_s max_j |x_j^T s| / (n w_j)``.

    At ``coef = 0`` (intercept ``b0``: the median of ``y`` with an intercept,
    else ``0``) the subgradients of ``(1/n) ||y - b0 - X c||_1`` with respect
    to ``c`` are ``-X^T s / n`` with ``s_i = sign(y_i - b0)`` where the
    residual is not zero, and ``s_i`` anywhere in ``[-1, 1]`` on the ties
    ``y_i = b0``; an intercept adds ``sum_i s_i = 0``.  ``coef = 0`` is
    optimal iff some such ``s`` has ``|x_j^T s| <= n alpha w_j`` for all
    ``j``.  Without ties (or with one, the median of an odd number of
    distinct values: then ``s`` is fixed by the sum) ``s`` is unique; with
    ties the smallest bound is a small linear program over the tied entries.
    """
    n = X.shape[0]
    b0 = float(np.median(y)) if fit_intercept else 0.0
    r = y - b0
    s = np.sign(r)
    ties = np.flatnonzero(r == 0)
    n_free = ties.size - (1 if fit_intercept else 0)
    if n_free <= 0:
        if fit_intercept and ties.size == 1:
            s[ties] = -s.sum()  # zero for the median of distinct values
        return float(np.max(np.abs(safe_sparse_dot(X.T, s)) / weights) / (n * x_scale))
    # min t  s.t.  -t n w_j <= g_j + (X_T^T s_T)_j <= t n w_j,  s_T in [-1, 1],
    # (sum s_T = -sum s_F with an intercept); X / x_scale keeps the LP's numbers O(1).
    from scipy.optimize import linprog

    g = safe_sparse_dot(X.T, s) / x_scale
    X_T = X[ties]
    X_T = (X_T.toarray() if sp.issparse(X_T) else np.asarray(X_T)).T / x_scale
    nw = n * weights
    m = ties.size
    c = np.zeros(m + 1)
    c[-1] = 1.0
    A_ub = np.block([[X_T, -nw[:, None]], [-X_T, -nw[:, None]]])
    b_ub = np.concatenate([-g, g])
    A_eq = b_eq = None
    if fit_intercept:
        A_eq = np.concatenate([np.ones(m), [0.0]])[None, :]
        b_eq = np.array([-s.sum()])
    res = linprog(c, A_ub=A_ub, b_ub=b_ub, A_eq=A_eq, b_eq=b_eq,
                  bounds=[(-1.0, 1.0)] * m + [(0.0, None)], method="highs")
    if res.status != 0:  # cannot happen (s_T = the balancing constant is feasible); be safe
        s[ties] = -s.sum() / m if fit_intercept else 0.0
        return float(np.max(np.abs(safe_sparse_dot(X.T, s)) / weights) / (n * x_scale))
    # the LP's optimum can sit a rounding below the true bound: evaluate at its s
    s[ties] = np.clip(res.x[:m], -1.0, 1.0)
    if fit_intercept:
        s[ties] -= s.sum() / m  # the equality exactly (the shift is at rounding level)
    bound = np.max(np.abs(safe_sparse_dot(X.T, s)) / weights) / (n * x_scale)
    # a bound at the LP's rounding level (e.g. every y_i tied: s = 0) is zero
    largest = np.max(np.asarray(abs(X).sum(axis=0)).ravel() / weights) / (n * x_scale)
    return float(bound) if bound > 1e3 * np.finfo(np.float64).eps * largest else 0.0


def _alpha_max(X, y, *, loss, weights, fit_intercept):
    """The smallest ``alpha`` whose solution is ``coef = 0``, for each loss.

    With ``r0 = y - ybar`` (or ``y`` without an intercept; ``x_j^T r0`` is
    the same with centred columns since ``sum r0 = 0``):

    * lasso: ``max_j |x_j^T r0| / (n w_j)`` (the gradient of
      ``||r||^2 / (2n)`` at zero);
    * sqrt_lasso: ``max_j |x_j^T r0| / (sqrt(n) ||r0|| w_j)`` (the gradient of
      ``||r|| / sqrt(n)``); ``0`` when ``r0 = 0``;
    * lad: ``max_j |x_j^T s| / (n w_j)``, ``s = sign(y - median(y))`` (or
      ``sign(y)``), see :func:`_lad_subgradient_bound` for ties.

    Computed on ``y / scale(y)`` and ``X / scale(X)`` (then multiplied back),
    so no intermediate overflows for data that float64 can carry.
    """
    n = X.shape[0]
    x_scale = data_scale(X, input_name="X")
    if loss == "lad":
        return _lad_subgradient_bound(X, y, weights, fit_intercept, x_scale) * x_scale
    y_scale = data_scale(y, input_name="y")
    r0 = y / y_scale
    if fit_intercept:
        r0 = r0 - r0.mean()
    corr = np.abs(safe_sparse_dot(X.T, r0) / x_scale) / weights
    top = float(np.max(corr, initial=0.0))
    if loss == "lasso":
        return top / n * x_scale * y_scale
    norm = float(np.linalg.norm(r0))
    if norm == 0.0:
        return 0.0
    return top / (np.sqrt(n) * norm) * x_scale


def _alpha_grid(X, y, *, loss, weights, fit_intercept, n_alphas, eps):
    """``n_alphas`` log-spaced penalties from ``alpha_max`` down to ``eps * alpha_max``."""
    alpha_max = _alpha_max(X, y, loss=loss, weights=weights, fit_intercept=fit_intercept)
    if alpha_max <= 0.0:
        return np.full(n_alphas, _RESOLUTION)
    return np.geomspace(alpha_max, eps * alpha_max, num=n_alphas)


def _null_intercept(y, loss, fit_intercept):
    """The intercept of the model ``coef = 0``: the mean of ``y`` (its median for lad)."""
    if not fit_intercept:
        return 0.0
    return float(np.median(y)) if loss == "lad" else float(np.mean(y))


def _path(X, y, alphas, *, loss, weights, fit_intercept, tol, max_iter,
          name="weighted_lasso_path"):
    """The solves along ``alphas`` (decreasing) on validated arrays (sparse ``X``:
    CSC), each warm-started from the previous one: ``weighted_lasso``'s
    solver, without validating ``X`` again at each point.  The points with
    ``alpha >= alpha_max`` of these data are the null model ``coef = 0``,
    exactly and without a solve (``n_iter = 0``): an iterative solver would
    only approach it, and the LAD problem at ``alpha = alpha_max`` is a linear
    program whose optimal face also holds nonzero points.  A point stopped by
    ``max_iter`` warns, naming ``name``."""
    n_features = X.shape[1]
    coefs = np.zeros((n_features, alphas.size))
    intercepts = np.empty(alphas.size)
    n_iters = np.zeros(alphas.size, dtype=np.intp)
    alpha_max = _alpha_max(X, y, loss=loss, weights=weights, fit_intercept=fit_intercept)
    coef = None
    for k, alpha in enumerate(alphas):
        if alpha >= alpha_max:
            intercepts[k] = _null_intercept(y, loss, fit_intercept)
            continue
        coef, intercept, n_iter, gap = _solve(X, y, float(alpha), loss, weights, fit_intercept,
                                              coef, tol, max_iter)
        if gap > tol:
            _warn(name, n_iter, gap, tol, loss)
        coefs[:, k] = coef
        intercepts[k] = intercept
        n_iters[k] = n_iter
    return coefs, intercepts, n_iters


def weighted_lasso_path(X, y, *, loss="lasso", alphas=None, n_alphas=100, eps=1e-3, weights=None,
                        fit_intercept=True, tol=1e-6, max_iter=1000):
    """Weighted LASSO, square-root LASSO or LAD-LASSO along a warm-started path of penalties.

    Solves, for each ``alpha`` of a decreasing grid, the problem of
    :func:`~lrsparse.linear_model.weighted_lasso` (``n = n_samples``, ``b``
    the intercept, ``w`` the weights)::

        lasso:       (1 / (2n))   ||y - X c - b||_2^2 + alpha * sum_j w_j |c_j|
        sqrt_lasso:  (1 / sqrt(n)) ||y - X c - b||_2   + alpha * sum_j w_j |c_j|
        lad:         (1 / n)      ||y - X c - b||_1   + alpha * sum_j w_j |c_j|

    each solve started from the solution at the previous (larger) ``alpha``.
    Solutions move continuously with ``alpha``, so the warm start needs few
    iterations, and the whole path costs little more than a single solve at
    its smallest ``alpha`` (the pathwise coordinate descent of Friedman,
    Hastie & Tibshirani [2]_, scikit-learn's :func:`~sklearn.linear_model.lasso_path`).

    **The grid.**  With ``alphas=None``, ``n_alphas`` log-spaced values from
    ``alpha_max`` down to ``eps * alpha_max``, where ``alpha_max`` is the
    smallest penalty whose solution is ``c = 0`` (the subgradient condition
    at zero; ``r0 = y - mean(y)`` with an intercept, else ``y``):

    * lasso: ``max_j |x_j^T r0| / (n w_j)`` (scikit-learn's
      ``LassoCV`` grid when ``w = 1``);
    * sqrt_lasso: ``max_j |x_j^T r0| / (sqrt(n) ||r0||_2 w_j)``;
    * lad: ``max_j |x_j^T s| / (n w_j)`` with ``s = sign(y - median(y))``
      (``sign(y)`` without an intercept); when several ``y_i`` equal the
      median (or zero) the signs of those entries are free in ``[-1, 1]``
      and the smallest bound is found by a small linear program.

    At ``alpha >= alpha_max`` the solution is zero, and the path returns it
    exactly, without a solve (``n_iters`` 0): the intercept alone, the mean
    of ``y`` for lasso and sqrt_lasso, its median for lad.  Just below, the
    feature(s) attaining the maximum enter.  If ``alpha_max = 0`` (``y``
    constant, or ``X`` zero) every point of the grid is the float64 resolution
    ``1e-15``, as scikit-learn does.

    **Scale.**  For data ``(a X, b y)`` the grid moves as the penalties of
    the losses do: ``a b alpha`` for lasso, ``a alpha`` for sqrt_lasso and
    lad; the coefficients are then multiplied by ``b / a``, the intercepts
    by ``b``.  An explicit ``alphas`` must be moved the same way.

    Parameters
    ----------
    X : {array-like, sparse matrix} of shape (n_samples, n_features)
        Design matrix (dense, or scipy sparse CSC/CSR/COO, matrix or array,
        with int32 or int64 indices), as :func:`~lrsparse.linear_model.weighted_lasso`
        takes it.  Not modified.
    y : array-like of shape (n_samples,)
        Target values.
    loss : {"lasso", "sqrt_lasso", "lad"}, default="lasso"
        The data-fit term (squared error, root of the squared error,
        absolute error), see above.
    alphas : array-like of shape (n_alphas,), default=None
        Penalties (finite, ``>= 0``), solved in decreasing order whatever
        their order here.  ``None``: the grid above.  ``alpha`` maps to the
        paper's ``lambda`` [1]_ as ``lambda = 2 n alpha`` (lasso),
        ``sqrt(n) alpha`` (sqrt_lasso), ``n alpha`` (lad).
    n_alphas : int >= 1, default=100
        Number of points of the grid; ignored when ``alphas`` is given.
    eps : float in (0, 1), default=1e-3
        Length of the grid: ``alpha_min / alpha_max``; ignored when
        ``alphas`` is given.
    weights : array-like of shape (n_features,), default=None
        Positive, finite per-feature weights ``w_j`` of the l1 penalty (the
        paper's weights); ``None`` means all ones.
    fit_intercept : bool, default=True
        Whether to fit an unpenalised intercept ``b``.
    tol : float >= 0, default=1e-6
        Stopping tolerance of each solve (the relative duality gap of
        :func:`~lrsparse.linear_model.weighted_lasso`).
    max_iter : int >= 1, default=1000
        Maximum iterations of each solve; a solve that reaches it emits a
        ``ConvergenceWarning``.

    Returns
    -------
    alphas : ndarray of shape (n_alphas,)
        The penalties, decreasing.
    coefs : ndarray of shape (n_features, n_alphas)
        The coefficients at each ``alpha``.
    intercepts : ndarray of shape (n_alphas,)
        The intercepts at each ``alpha`` (zeros without ``fit_intercept``).
    n_iters : ndarray of shape (n_alphas,)
        Iterations of each solve.

    See Also
    --------
    weighted_lasso : One solve.
    WeightedLassoCV : The penalty of the weighted LASSO chosen by cross-validation on this path.
    sklearn.linear_model.lasso_path : The unweighted LASSO path.

    References
    ----------
    .. [1] S. Mohammad-Taheri and S. Brugiapaglia, "The greedy side of the
       LASSO: New algorithms for weighted sparse recovery via loss
       function-based orthogonal matching pursuit", arXiv:2303.00844, 2023.
    .. [2] J. Friedman, T. Hastie and R. Tibshirani, "Regularization paths for
       generalized linear models via coordinate descent", Journal of
       Statistical Software 33(1), 2010.

    Examples
    --------
    >>> import numpy as np
    >>> from lrsparse.datasets import make_sparse_recovery
    >>> from lrsparse.linear_model import weighted_lasso_path
    >>> X, y, coef = make_sparse_recovery(40, 60, 3, noise=1e-2, random_state=0)
    >>> alphas, coefs, intercepts, n_iters = weighted_lasso_path(X, y, n_alphas=10)
    >>> coefs.shape
    (60, 10)
    >>> bool(np.all(np.diff(alphas) < 0)), int(np.count_nonzero(coefs[:, 0]))
    (True, 0)
    >>> int(np.count_nonzero(coefs[:, -1])) > 0
    True
    """
    check_loss(loss)
    _check_path_options(n_alphas, eps, tol, max_iter)
    X, y = check_Xy(X, y, accept_sparse=True)
    w = check_weights(weights, X.shape[1])
    fit_intercept = bool(fit_intercept)
    if alphas is None:
        alphas = _alpha_grid(X, y, loss=loss, weights=w, fit_intercept=fit_intercept,
                             n_alphas=n_alphas, eps=eps)
    else:
        alphas = _check_alphas(alphas)
    coefs, intercepts, n_iters = _path(X, y, alphas, loss=loss, weights=w,
                                       fit_intercept=fit_intercept, tol=float(tol),
                                       max_iter=int(max_iter))
    return alphas, coefs, intercepts, n_iters


def _fold_mse(X_train, y_train, X_test, y_test, alphas, settings):
    """Held-out mean squared errors of one fold along ``alphas`` (convergence warnings silenced)."""
    if sp.issparse(X_train):
        X_train = X_train.tocsc()
    with warnings.catch_warnings():
        # As the MTP2 CV: the smallest alphas of a grid may stop at max_iter
        # in a fold; they are scored anyway (the refit warns).
        warnings.simplefilter("ignore", ConvergenceWarning)
        coefs, intercepts, _ = _path(X_train, y_train, alphas, **settings)
    residuals = y_test[:, None] - safe_sparse_dot(X_test, coefs) - intercepts[None, :]
    return np.mean(residuals * residuals, axis=0)


class WeightedLassoCV(LinearPredictMixin, RegressorMixin, BaseEstimator):
    """Weighted LASSO with the penalty ``alpha`` chosen by cross-validation.

    Runs :func:`weighted_lasso_path` (``loss="lasso"``) on each training
    fold over one grid of penalties, scores each ``alpha`` by the mean
    squared error on the held-out fold, keeps the ``alpha`` with the
    smallest mean over the folds (the largest one on a tie) and refits
    :func:`~lrsparse.linear_model.weighted_lasso` at it on all the data.
    It is scikit-learn's :class:`~sklearn.linear_model.LassoCV` with
    per-feature weights ``w_j`` on the l1 penalty: the objective is::

        (1 / (2 n_samples)) ||y - X c - b||_2^2 + alpha * sum_j w_j |c_j|

    With unit weights it gives LassoCV's ``alpha_``, ``mse_path_`` and
    coefficients (same grid, same folds); with weights it gives LassoCV's
    on ``X / w`` (coefficients divided by ``w``).  Only the squared-error
    loss is cross-validated here, as scikit-learn has ``LassoCV`` only; for
    the square-root and LAD losses, run :func:`weighted_lasso_path` (or a
    ``GridSearchCV`` of :class:`~lrsparse.linear_model.SqrtLasso` /
    :class:`~lrsparse.linear_model.LADLasso`).

    **The grid** (``alphas=None``) is computed once on all the data:
    ``n_alphas`` log-spaced values from ``alpha_max = max_j |x_j^T (y -
    mean(y))| / (n_samples w_j)`` (the smallest penalty whose solution is
    zero) down to ``eps * alpha_max``, as LassoCV's.

    **Scale.**  The grid is relative to the data, so the choice is
    scale-free: for data ``(a X, b y)`` the grid and ``alpha_`` are
    multiplied by ``a b``, ``mse_path_`` by ``b**2``, ``coef_`` by
    ``b / a``, ``intercept_`` by ``b``, and the same ``alpha_ / alpha_max``
    is chosen.  An explicit ``alphas`` must be multiplied by ``a b``.

    Parameters
    ----------
    eps : float in (0, 1), default=1e-3
        Length of the grid, ``alpha_min / alpha_max``; ignored when
        ``alphas`` is given.
    n_alphas : int >= 1, default=100
        Number of points of the grid; ignored when ``alphas`` is given.
    alphas : array-like of shape (n_alphas,), default=None
        Penalties to try (finite, ``>= 0``), sorted decreasing; ``None``:
        the grid above.  ``alpha = lambda / (2 n_samples)`` for the paper's
        ``lambda`` [1]_.
    weights : array-like of shape (n_features,), default=None
        Positive, finite per-feature weights ``w_j`` of the l1 penalty;
        ``None`` means all ones (then this is LassoCV).
    fit_intercept : bool, default=True
        Whether to fit an unpenalised intercept (in the folds and the refit).
    tol : float >= 0, default=1e-6
        Relative duality gap at which each solve stops.
    max_iter : int >= 1, default=1000
        Maximum iterations of each solve (folds and refit).
    cv : int, cross-validation generator or iterable, default=None
        Splitting strategy, as in :class:`~sklearn.linear_model.LassoCV`:
        ``None`` for 5-fold, an integer for that many folds
        (:class:`~sklearn.model_selection.KFold`), a CV splitter or an
        iterable of (train, test) index arrays.
    n_jobs : int, default=None
        Number of folds fitted in parallel (through :mod:`joblib`).
        ``None`` means 1 unless in a :func:`joblib.parallel_config` context;
        ``-1`` means all processors.

    Attributes
    ----------
    alpha_ : float
        The penalty chosen.
    alphas_ : ndarray of shape (n_alphas,)
        The grid, decreasing.
    mse_path_ : ndarray of shape (n_alphas, n_folds)
        Held-out mean squared error of each fold at each ``alpha``.
    coef_ : ndarray of shape (n_features,)
        Coefficients of the refit at ``alpha_``.
    intercept_ : float
        Intercept of the refit (``0.0`` without ``fit_intercept``).
    n_iter_ : int
        Iterations of the refit.
    dual_gap_ : float
        Relative duality gap of the refit (``<= tol`` when it converged).
    n_features_in_ : int
        Number of features seen during ``fit``.
    feature_names_in_ : ndarray of shape (`n_features_in_`,)
        Names of features seen during ``fit``, when ``X`` has string
        column names.

    See Also
    --------
    weighted_lasso_path : The warm-started path each fold runs.
    WeightedLasso : The estimator at a given ``alpha``.
    sklearn.linear_model.LassoCV : The unweighted cross-validated LASSO.

    Notes
    -----
    As LassoCV, each fold runs the whole path warm-started from the largest
    ``alpha`` and ``ConvergenceWarning`` of the folds are silenced (the
    smallest penalties of a grid may stop at ``max_iter``; they are scored
    anyway); the refit at ``alpha_`` warns.

    References
    ----------
    .. [1] S. Mohammad-Taheri and S. Brugiapaglia, "The greedy side of the
       LASSO: New algorithms for weighted sparse recovery via loss
       function-based orthogonal matching pursuit", arXiv:2303.00844, 2023.
    .. [2] J. Friedman, T. Hastie and R. Tibshirani, "Regularization paths for
       generalized linear models via coordinate descent", Journal of
       Statistical Software 33(1), 2010.

    Examples
    --------
    >>> import numpy as np
    >>> from lrsparse.datasets import make_sparse_recovery
    >>> from lrsparse.linear_model import WeightedLassoCV
    >>> X, y, coef = make_sparse_recovery(60, 40, 3, noise=1e-2, random_state=0)
    >>> model = WeightedLassoCV(n_alphas=20, cv=3).fit(X, y)
    >>> model.mse_path_.shape
    (20, 3)
    >>> bool(model.alpha_ in model.alphas_)
    True
    >>> sorted(np.flatnonzero(np.abs(model.coef_) > 0.1)) == sorted(np.flatnonzero(coef))
    True
    """

    _parameter_constraints = {
        "eps": [Interval(numbers.Real, 0, 1, closed="neither")],
        "n_alphas": [Interval(numbers.Integral, 1, None, closed="left")],
        "alphas": ["array-like", None],
        "weights": ["array-like", None],
        "fit_intercept": ["boolean"],
        "tol": [Interval(numbers.Real, 0, np.inf, closed="left")],
        "max_iter": [Interval(numbers.Integral, 1, None, closed="left")],
        "cv": ["cv_object"],
        "n_jobs": [numbers.Integral, None],
    }

    def __init__(self, *, eps=1e-3, n_alphas=100, alphas=None, weights=None, fit_intercept=True,
                 tol=1e-6, max_iter=1000, cv=None, n_jobs=None):
        self.eps = eps
        self.n_alphas = n_alphas
        self.alphas = alphas
        self.weights = weights
        self.fit_intercept = fit_intercept
        self.tol = tol
        self.max_iter = max_iter
        self.cv = cv
        self.n_jobs = n_jobs

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.sparse = True
        return tags

    @_fit_context(prefer_skip_nested_validation=True)
    def fit(self, X, y):
        """Cross-validate ``alpha`` and fit the weighted LASSO at the best one.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            Training data (dense, or scipy sparse CSC/CSR/COO).
        y : array-like of shape (n_samples,)
            Target values.

        Returns
        -------
        self : object
            The fitted estimator.
        """
        X, y = validate_data(self, X, y, accept_sparse=["csc"], dtype=np.float64,
                             y_numeric=True, ensure_min_samples=2)
        w = check_weights(self.weights, X.shape[1])
        if self.alphas is None:
            alphas = _alpha_grid(X, y, loss="lasso", weights=w, fit_intercept=self.fit_intercept,
                                 n_alphas=self.n_alphas, eps=self.eps)
        else:
            alphas = _check_alphas(self.alphas)
        splits = list(check_cv(self.cv).split(X, y))
        X_rows = X.tocsr() if sp.issparse(X) else X  # row slices of CSR are cheap
        settings = dict(loss="lasso", weights=w, fit_intercept=self.fit_intercept,
                        tol=float(self.tol), max_iter=self.max_iter)
        mse = Parallel(n_jobs=self.n_jobs)(
            delayed(_fold_mse)(X_rows[train], y[train], X_rows[test], y[test], alphas, settings)
            for train, test in splits)
        self.alphas_ = alphas
        self.mse_path_ = np.column_stack(mse)
        best = int(np.argmin(np.mean(self.mse_path_, axis=1)))
        self.alpha_ = float(alphas[best])
        # the refit: weighted_lasso's solver (its ConvergenceWarning names this class)
        coef, intercept, self.n_iter_, self.dual_gap_ = _solve(
            X, y, self.alpha_, "lasso", w, self.fit_intercept, None, float(self.tol),
            self.max_iter)
        if self.dual_gap_ > self.tol:
            _warn(type(self).__name__, self.n_iter_, self.dual_gap_, self.tol)
        self.coef_ = coef
        self.intercept_ = float(intercept)
        return self
