"""Incremental Gaussian mixture: the fast IGMN of Pinto & Engel, single pass, rank-one updates.

Pinto & Engel, "A Fast Incremental Gaussian Mixture Model", PLOS ONE 10(10),
2015, and "Scalable and Incremental Learning of Gaussian Mixture Models",
arXiv:1701.03940, 2017.  The papers' bodies were not available to us; the
update equations follow the authors' public code as read for
``../shared/notes/gmm_embeddings.md`` part 1, with one deliberate change (the
exact weighted covariance recursion, see :func:`incremental_gaussian_mixture`).
"""

import copy
import numbers
import time

import numpy as np
from scipy.special import logsumexp
from scipy.stats import chi2
from sklearn.base import BaseEstimator, DensityMixin
from sklearn.utils import check_random_state
from sklearn.utils.validation import check_array, check_is_fitted

from ..utils._sklearn import Interval, StrOptions, _fit_context, validate_data
from ..utils._solver import power_of_two

__all__ = ["IncrementalGaussianMixture", "incremental_gaussian_mixture"]

_UPDATES = ("exact", "paper")
_LOG_2PI = float(np.log(2.0 * np.pi))


def _pruning_defaults(n_features, v_min, sp_min):
    """``v_min`` and ``sp_min`` with ``None`` replaced by the defaults for ``n_features``.

    ``sp_min = D + 1``: a component needs about ``D + 1`` points for a full
    covariance of its own (the default of the IGMN codes).  ``v_min = 20 (D +
    1)``: it has that long to gather them, so a component that keeps at least
    1/20 of the stream survives.
    """
    d1 = n_features + 1
    return (20 * d1 if v_min is None else v_min), (d1 if sp_min is None else sp_min)


# Largest magnitude of a feature that the stream accepts (and smallest nonzero
# one): squares, variances and precisions (down to a relative floor of 1e-12)
# then stay within float64 in the user's units.
_MAX_MAGNITUDE = 1e140
# Largest growth of a feature over its magnitude in the first points (the units).
_MAX_GROWTH = 1e100


def _check_range(X, input_name):
    """Per-feature ``max |X|`` (float64); ``ValueError`` outside ``[1e-140, 1e140]``."""
    top = np.abs(X).max(axis=0).astype(np.float64)
    bad = np.flatnonzero((top > _MAX_MAGNITUDE) | ((top > 0) & (top < 1 / _MAX_MAGNITUDE)))
    if bad.size:
        i = int(bad[0])
        raise ValueError(
            f"Feature {i} of {input_name} has values of magnitude {top[i]:.3g}, outside "
            f"[{1 / _MAX_MAGNITUDE:.0e}, {_MAX_MAGNITUDE:.0e}]: its variances and precisions "
            f"would not fit in float64. Rescale {input_name} (e.g. StandardScaler)."
        )
    return top


class _Stream:
    """The state of one incremental mixture: components and the running spread of the data.

    Arrays grow by doubling (capacity) as components are created; the kernel
    returns when it needs room, so the state after a stream does not depend on
    how the stream was cut into batches.  Points may carry a group (the
    classifier's classes): components then belong to one group each.
    """

    def __init__(self, n_features, *, delta, beta, v_min, sp_min, max_components, exact,
                 prior_weight):
        d = n_features
        self.n_features = d
        self.delta2 = np.full(d, float(delta) ** 2)
        self.nu0 = float(prior_weight)
        # novelty: d^2 beyond the (1 - beta) quantile of chi^2_D for every component
        self.chi2 = float(chi2.isf(beta, d))
        self.v_min, self.sp_min = (float(v) for v in _pruning_defaults(d, v_min, sp_min))
        self.max_components = int(max_components)
        self.exact = bool(exact)
        self.k = 0
        self.run_mean = np.zeros(d)
        self.run_m2 = np.zeros(d)
        self.run = np.zeros(d + 1)  # [points seen, max |x_i| for each feature]
        self.counts = np.zeros(3, dtype=np.int64)  # created, pruned, novel when full
        # units: every feature is divided by a power of two (exact) taken from
        # the warm-up points, so the arithmetic is the same in any units
        self.scale = None
        self.input_name = "X"
        # warm-up: the first points only measure the spread (see learn)
        self.n_warm = 2 * (d + 1)
        self.buffer = np.empty((self.n_warm, d))
        self.buffer_groups = np.zeros(self.n_warm, dtype=np.int64)
        self.n_buffered = 0
        self._allocate(min(4, self.max_components))

    def _allocate(self, cap):
        k = self.k
        new = dict(means=np.zeros((cap, self.n_features)),
                   precisions=np.zeros((cap, self.n_features, self.n_features)),
                   logdets=np.zeros(cap), sp=np.zeros(cap), ages=np.zeros(cap),
                   groups=np.zeros(cap, dtype=np.int64))
        for name, array in new.items():
            if hasattr(self, name):
                array[:k] = getattr(self, name)[:k]
            setattr(self, name, array)

    def learn(self, X, groups=None):
        """Learn from the rows of ``X`` in order (``groups``: int64 per row, default 0).

        The first ``n_warm`` points of the stream are only kept; then they
        set the units (per feature, the power of two nearest their largest
        magnitude) and the running spread, and are learned in order; every
        later point is learned as it comes.
        """
        if groups is None:
            groups = np.zeros(X.shape[0], dtype=np.int64)
        if X.shape[0] == 0:
            return
        top = _check_range(X, self.input_name)
        if self.buffer is not None:
            m = min(self.n_warm - self.n_buffered, X.shape[0])
            self.buffer[self.n_buffered:self.n_buffered + m] = X[:m]
            self.buffer_groups[self.n_buffered:self.n_buffered + m] = groups[:m]
            self.n_buffered += m
            X, groups = X[m:], groups[m:]
            if self.n_buffered == self.n_warm:
                self._end_warm_up()
            if X.shape[0] == 0:
                return
        if np.any(top > _MAX_GROWTH * self.scale):
            i = int(np.flatnonzero(top > _MAX_GROWTH * self.scale)[0])
            raise ValueError(
                f"Feature {i} of {self.input_name} has values of magnitude {top[i]:.3g}, "
                f"more than {_MAX_GROWTH:.0e} times those of the first points of the stream "
                f"({self.scale[i]:.3g}): their squares would overflow. Rescale "
                f"{self.input_name}, or start a new fit."
            )
        self._pass(X / self.scale, groups, update_stats=True)

    def _end_warm_up(self):
        from .._kernels.gmm import running_stats

        n = self.n_buffered
        buffer, groups, self.buffer = self.buffer[:n], self.buffer_groups[:n], None
        self.scale = power_of_two(np.abs(buffer).max(axis=0))
        buffer = buffer / self.scale
        running_stats(buffer, self.run_mean, self.run_m2, self.run)
        self._pass(buffer, groups, update_stats=False)

    def _pass(self, X, groups, *, update_stats):
        from .._kernels.gmm import igmn_pass

        start, n = 0, X.shape[0]
        while start < n:
            start, self.k = igmn_pass(
                X, groups, start, self.k, self.means, self.precisions, self.logdets, self.sp,
                self.ages, self.groups, self.run_mean, self.run_m2, self.run, self.counts,
                self.delta2, self.nu0, self.chi2, self.v_min, self.sp_min, self.max_components,
                self.exact, update_stats,
            )
            if start < n:
                # a group's first component is made even beyond max_components
                cap = self.means.shape[0]
                self._allocate(max(min(2 * cap, self.max_components), cap + 1))

    def ready(self):
        """This stream with every point learned: itself, or during the warm-up a copy
        that has learned the points kept so far (the stream itself goes on warming up)."""
        if self.buffer is None:
            return self
        stream = copy.deepcopy(self)
        stream._end_warm_up()
        return stream

    def components(self):
        """``weights, means, precisions, log det covariances`` of the components in use (copies).

        Only on a :meth:`ready` stream.
        """
        k, s = self.k, self.scale
        sp = self.sp[:k]
        return (sp / sp.sum(), self.means[:k] * s, self.precisions[:k] / np.outer(s, s),
                self.logdets[:k] + 2.0 * np.log(s).sum())


def incremental_gaussian_mixture(X, *, delta="auto", beta=1e-3, prior_weight=None, v_min=None,
                                 sp_min=None, max_components=100, covariance_update="exact"):
    """Fit a Gaussian mixture in one pass over the rows of ``X`` (fast IGMN).

    Each point, in order, is compared with every component by its squared
    Mahalanobis distance ``d_j^2 = (x - mu_j)^T P_j (x - mu_j)``.  If no
    component has ``d_j^2`` below ``chi2.isf(beta, n_features)`` the point is
    *novel* and starts a new component (at ``x``, with a diagonal covariance
    ``delta^2`` times the running variance of every point seen so far).  The
    first ``2 (n_features + 1)`` points only measure that variance; then they
    are learned in order, and every later point as it comes, so that the
    first components are not sized on one or two points (which left small
    duplicates of the first cluster).  Otherwise every component ``j`` takes
    its share ``p(j | x)`` (posterior under the current mixture): its
    accumulated mass ``sp_j`` grows by ``p(j | x)``, and with
    ``w = p(j | x) / sp_j`` its mean moves by
    ``w (x - mu_j)`` and its covariance takes the point into its weighted
    scatter: ``(m + p) C_j' = m C_j + p (1 - w) e e^T`` with ``e = x - mu_j``,
    ``p = p(j | x)`` and ``m = sp_j + prior_weight - 1`` (the points behind
    ``C_j``, the initial covariance counted ``prior_weight`` times).  The
    precision ``P_j = C_j^{-1}`` and ``log det C_j`` follow by one
    Sherman--Morrison / determinant-lemma update, so a point costs
    ``O(K D^2)`` and no matrix is ever inverted.  A component older than
    ``v_min`` points whose mass ``sp_j`` is below ``sp_min`` is removed (it
    was noise).  Weights are ``sp_j / sum_q sp_q``.

    The published recursion (``covariance_update="paper"``) is ``C' = (1 - w)
    C + w e* e*^T - dmu dmu^T`` with ``e* = x - mu'`` and ``dmu = w e``; it is
    not the weighted covariance (it underestimates it by ``w^2 (2 - w) e
    e^T`` per point) and can leave the positive definite cone early on.  The
    exact recursion above gives, for one component and ``n`` points, the
    sample mean and ``(nu C_0 + n S) / (nu + n - 1)`` with ``S`` the biased
    sample covariance and ``nu = prior_weight``; it stays positive definite and
    costs one rank-one update instead of two.  With ``prior_weight=1`` it is
    the exact form of the published recursion; the default ``n_features + 1``
    is ours: a component's covariance stays close to its initial one until it
    has gathered about the points a full covariance needs, instead of
    collapsing onto the span of its first few points (which makes every later
    point novel in high dimension: at 64 features, 10 true components and
    ``prior_weight=1`` the pass ends at the 100-component limit; with
    ``n_features + 1`` it finds 10, with EM's held-out log-likelihood).

    How to choose ``delta``: a new component should be about the size of a
    cluster.  In a shuffled stream the running spread covers all clusters,
    and the default ``delta="auto"`` finds them: ``0.8 / sqrt(chi2.isf(beta,
    D) / D)`` capped at 0.5, so that the novelty ellipsoid of a new component
    reaches 0.8 running standard deviations per feature (0.30 at 2 features,
    0.40 at 5, 0.5 from 15; measured on shuffled streams of 3 to 10
    separated Gaussians in 2 to 10 dimensions, it finds their number within
    one, where 0.5 merged half of them in 2 dimensions; above 15 features a
    larger ``delta`` lowered the held-out log-likelihood).  In a stream that
    arrives cluster by cluster the running spread starts as one cluster's,
    and ``delta`` about 1 does.  Too small a
    ``delta`` splits clusters into several components, too large a one
    merges neighbours; :meth:`IncrementalGaussianMixture.score` (held-out
    log-likelihood) lets ``GridSearchCV`` choose it.

    Features are divided by powers of two taken from the warm-up points (exact),
    so the results are equivariant under a rescaling of each feature;
    features whose magnitude is outside ``[1e-140, 1e140]`` raise a
    ``ValueError`` (their precisions would not fit in float64).

    Parameters
    ----------
    X : array-like of shape (n_samples, n_features)
        The stream, learned row by row in order.  Finite values.
    delta : float or "auto", default="auto"
        Size of a new component: its standard deviations are ``delta`` times
        those of the data seen so far (a running estimate, so the result does
        not depend on how the stream is cut into batches).  ``delta > 0``;
        ``"auto"`` is ``min(0.5, 0.8 / sqrt(chi2.isf(beta, D) / D))`` (above).
    beta : float, default=1e-3
        Novelty level in ``(0, 1)``: a point is novel when it lies outside the
        ``1 - beta`` probability ellipsoid of every component.  Smaller values
        create fewer components.
    prior_weight : float, default=None
        Weight, in points, of a component's initial covariance in its
        covariance estimate (``> 0``).  ``None`` means ``n_features + 1``.
        Used by the exact update only.
    v_min : float, default=None
        Age (points seen since creation) after which a component whose mass
        is below ``sp_min`` is pruned.  ``None`` means ``20 (n_features + 1)``.
    sp_min : float, default=None
        Minimum accumulated posterior mass of a component older than
        ``v_min``.  ``None`` means ``n_features + 1`` (the points a full
        covariance needs).  ``0`` switches pruning off.
    max_components : int, default=100
        At most this many components; a novel point then updates the existing
        ones instead.
    covariance_update : {"exact", "paper"}, default="exact"
        The exact weighted covariance recursion (one rank-one update) or the
        published one (two; for reproducing published results).

    Returns
    -------
    weights : ndarray of shape (n_components,)
        Mixing weights (accumulated posterior masses, normalised).
    means : ndarray of shape (n_components, n_features)
        Component means.
    covariances : ndarray of shape (n_components, n_features, n_features)
        Component covariances (the inverses of ``precisions``).
    precisions : ndarray of shape (n_components, n_features, n_features)
        Component precisions, as maintained by the rank-one updates.

    See Also
    --------
    IncrementalGaussianMixture : The estimator, with ``partial_fit``.

    References
    ----------
    .. [1] Pinto, R. C. & Engel, P. M. (2015). A Fast Incremental Gaussian
       Mixture Model. PLOS ONE 10(10): e0139931.
    .. [2] Pinto, R. C. & Engel, P. M. (2017). Scalable and Incremental
       Learning of Gaussian Mixture Models. arXiv:1701.03940.

    Examples
    --------
    >>> import numpy as np
    >>> from lrsparse.mixture import incremental_gaussian_mixture
    >>> rng = np.random.default_rng(0)
    >>> X = np.vstack([rng.normal(-5, 1, (300, 2)), rng.normal(5, 1, (300, 2))])
    >>> X = X[rng.permutation(600)]
    >>> weights, means, covariances, precisions = incremental_gaussian_mixture(X)
    >>> len(weights)
    2
    >>> np.round(np.sort(means[:, 0]))
    array([-5.,  5.])
    """
    X = check_array(X, dtype=[np.float64, np.float32], input_name="X")
    params = dict(delta=delta, beta=beta, prior_weight=prior_weight, v_min=v_min, sp_min=sp_min,
                  max_components=max_components, covariance_update=covariance_update)
    IncrementalGaussianMixture._validate_params_dict(params)
    stream = _new_stream(X.shape[1], params)
    stream.learn(X)
    weights, means, precisions, _ = stream.ready().components()
    return weights, means, np.linalg.inv(precisions), precisions


def _auto_delta(n_features, beta):
    """``min(0.5, 0.8 / sqrt(chi2.isf(beta, D) / D))``: the default ``delta``."""
    return min(0.5, 0.8 / np.sqrt(chi2.isf(beta, n_features) / n_features))


def _new_stream(n_features, params):
    delta = params["delta"]
    if isinstance(delta, str):
        delta = _auto_delta(n_features, params["beta"])
    return _Stream(n_features, delta=delta, beta=params["beta"],
                   v_min=params["v_min"], sp_min=params["sp_min"],
                   max_components=params["max_components"],
                   exact=params["covariance_update"] == "exact",
                   prior_weight=(n_features + 1 if params["prior_weight"] is None
                                 else params["prior_weight"]))


def weighted_log_densities(X, weights, means, precisions, logdets):
    """``log w_j + log N(x_i | mu_j, P_j^{-1})`` for every row and component, shape (n, K)."""
    n, d = X.shape
    out = np.empty((n, means.shape[0]))
    for j in range(means.shape[0]):
        Y = X - means[j]
        out[:, j] = np.einsum("ij,ij->i", Y @ precisions[j], Y)
    out += logdets
    out += d * _LOG_2PI
    out *= -0.5
    out += np.log(weights)
    return out


def posteriors(log_prob):
    """Rows of ``exp(log_prob)`` normalised to sum to one (the responsibilities)."""
    return np.exp(log_prob - logsumexp(log_prob, axis=1, keepdims=True))


class IncrementalGaussianMixture(DensityMixin, BaseEstimator):
    """Gaussian mixture learned in one pass over a stream (fast IGMN, rank-one updates).

    Components are created where the data are novel and updated softly
    otherwise; precisions and log-determinants are updated by rank-one
    (Sherman--Morrison, determinant lemma) updates, ``O(K D^2)`` per point in
    a numba kernel, and no point is kept.  ``partial_fit`` consumes batches
    of any size; the model after a stream does not depend on how it was cut
    (the same as :meth:`fit` on the concatenation).  The number of components
    is learned (``n_components_``).  Attribute names follow
    :class:`sklearn.mixture.GaussianMixture` (``covariance_type="full"``), so
    one can replace the other.  See :func:`incremental_gaussian_mixture` for
    the update equations.

    The initial spread of a component is ``delta`` times the running standard
    deviation of every point seen so far (per feature), so nothing has to be
    known before the stream starts (the first ``2 (n_features + 1)`` points
    only measure it, then are learned).  ``delta`` is the parameter to tune:
    about 0.25-0.5 for shuffled streams, about 1 for streams that arrive
    cluster by cluster (see :func:`incremental_gaussian_mixture`).  The
    results are equivariant under a rescaling (and shift) of each feature.  A
    single pass depends on the order of the points: a stream sorted by
    cluster is learned as it arrives.

    Parameters
    ----------
    delta : float or "auto", default="auto"
        Size of a new component relative to the running spread of the data;
        ``"auto"``: see :func:`incremental_gaussian_mixture`.
    beta : float, default=1e-3
        Novelty level in ``(0, 1)``; a point outside the ``1 - beta``
        ellipsoid of every component creates one.
    prior_weight : float, default=None
        Weight, in points, of a new component's initial covariance in its
        estimate; ``None`` means ``n_features + 1``.
    v_min : float, default=None
        Pruning age; ``None`` means ``20 (n_features + 1)``.
    sp_min : float, default=None
        Pruning mass; ``None`` means ``n_features + 1``; ``0`` turns pruning off.
    max_components : int, default=100
        Upper bound on the number of components.
    covariance_update : {"exact", "paper"}, default="exact"
        The exact weighted covariance recursion, or the published one.
    random_state : int, RandomState instance or None, default=None
        Seeds :meth:`sample` (the fit itself is deterministic).
    verbose : int, default=0
        Print the number of points and components after each batch.

    Attributes
    ----------
    weights_ : ndarray of shape (n_components,)
        Mixing weights (accumulated posterior masses, normalised).
    means_ : ndarray of shape (n_components, n_features_in)
    precisions_ : ndarray of shape (n_components, n_features_in, n_features_in)
        Component precisions, as maintained by the rank-one updates.
    covariances_ : ndarray of shape (n_components, n_features_in, n_features_in)
        Their inverses (computed when accessed).
    precisions_cholesky_ : ndarray of shape (n_components, n_features_in, n_features_in)
        Upper-triangular ``U`` with ``precisions_ = U U^T``, as in
        :class:`~sklearn.mixture.GaussianMixture` (computed when accessed).
    n_components_ : int
        Components in use.
    component_masses_ : ndarray of shape (n_components,)
        Accumulated posterior mass ``sp_j`` of each component.
    n_samples_seen_ : int
        Points learned since the last :meth:`fit`.
    n_created_ : int
        Components created (including those pruned since).
    n_pruned_ : int
        Components pruned.
    n_features_in_ : int
    feature_names_in_ : ndarray of shape (n_features_in,)
        Defined when ``X`` has string feature names.

    See Also
    --------
    incremental_gaussian_mixture : The function on arrays.
    IncrementalGMMClassifier, IncrementalGMMRegressor : Supervised use.
    sklearn.mixture.GaussianMixture : Batch EM with a given number of components.

    References
    ----------
    .. [1] Pinto, R. C. & Engel, P. M. (2015). A Fast Incremental Gaussian
       Mixture Model. PLOS ONE 10(10): e0139931.
    .. [2] Pinto, R. C. & Engel, P. M. (2017). Scalable and Incremental
       Learning of Gaussian Mixture Models. arXiv:1701.03940.

    Examples
    --------
    >>> import numpy as np
    >>> from lrsparse.mixture import IncrementalGaussianMixture
    >>> rng = np.random.default_rng(0)
    >>> X = np.vstack([rng.normal(-5, 1, (300, 2)), rng.normal(5, 1, (300, 2))])
    >>> X = X[rng.permutation(600)]
    >>> gmm = IncrementalGaussianMixture()
    >>> for batch in np.array_split(X, 6):
    ...     gmm = gmm.partial_fit(batch)
    >>> gmm.n_components_
    2
    >>> gmm.predict([[-5, -5], [5, 5]]).tolist() in ([0, 1], [1, 0])
    True
    """

    _parameter_constraints: dict = {
        "delta": [Interval(numbers.Real, 0, np.inf, closed="neither"), StrOptions({"auto"})],
        "beta": [Interval(numbers.Real, 0, 1, closed="neither")],
        "prior_weight": [Interval(numbers.Real, 0, np.inf, closed="neither"), None],
        "v_min": [Interval(numbers.Real, 1, np.inf, closed="left"), None],
        "sp_min": [Interval(numbers.Real, 0, np.inf, closed="left"), None],
        "max_components": [Interval(numbers.Integral, 1, None, closed="left")],
        "covariance_update": [StrOptions(set(_UPDATES))],
        "random_state": ["random_state"],
        "verbose": ["verbose"],
    }

    def __init__(self, *, delta="auto", beta=1e-3, prior_weight=None, v_min=None, sp_min=None,
                 max_components=100, covariance_update="exact", random_state=None, verbose=0):
        self.delta = delta
        self.beta = beta
        self.prior_weight = prior_weight
        self.v_min = v_min
        self.sp_min = sp_min
        self.max_components = max_components
        self.covariance_update = covariance_update
        self.random_state = random_state
        self.verbose = verbose

    @classmethod
    def _validate_params_dict(cls, params):
        from ..utils._sklearn import validate_parameter_constraints

        validate_parameter_constraints(
            {k: cls._parameter_constraints[k] for k in params}, params,
            caller_name="incremental_gaussian_mixture",
        )

    # ------------------------------------------------------------------ fit
    @_fit_context(prefer_skip_nested_validation=True)
    def fit(self, X, y=None):
        """Learn the mixture from the rows of ``X`` in one pass, forgetting any previous fit.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            The stream, in order.
        y : Ignored
            Not used, present for API consistency.

        Returns
        -------
        self : object
            The fitted estimator.
        """
        X = validate_data(self, X, dtype=[np.float64, np.float32], reset=True)
        self.__dict__.pop("_stream", None)
        self._learn(X, _new_stream(X.shape[1], self.get_params()))
        return self

    @_fit_context(prefer_skip_nested_validation=True)
    def partial_fit(self, X, y=None):
        """Learn from one batch of the stream (the first call starts a new model).

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            The next points of the stream, in order; the same number of
            features at every call.
        y : Ignored
            Not used, present for API consistency.

        Returns
        -------
        self : object
            The updated estimator.
        """
        first = not hasattr(self, "_stream")
        X = validate_data(self, X, dtype=[np.float64, np.float32], reset=first)
        self._learn(X, _new_stream(X.shape[1], self.get_params()) if first else self._stream)
        return self

    def _learn(self, X, stream):
        # a new stream is kept only once it has learned its first batch (bad
        # values raise before the stream changes): a failed first call
        # leaves the estimator unfitted
        tic = time.perf_counter()
        stream.learn(X)
        if stream is not getattr(self, "_stream", None):
            self._stream, self.n_samples_seen_ = stream, 0
        self.n_samples_seen_ += X.shape[0]
        stream = stream.ready()
        weights, means, precisions, logdets = stream.components()
        self.weights_, self.means_, self.precisions_ = weights, means, precisions
        self._log_det_covariances = logdets
        self.component_masses_ = stream.sp[:stream.k].copy()
        self.n_components_ = int(stream.k)
        self.n_created_, self.n_pruned_ = int(stream.counts[0]), int(stream.counts[1])
        if self.verbose:
            print(f"[{type(self).__name__}] {self.n_samples_seen_} points, "
                  f"{self.n_components_} components ({self.n_created_} created, "
                  f"{self.n_pruned_} pruned), batch of {X.shape[0]} in "
                  f"{time.perf_counter() - tic:.3f} s")

    # ------------------------------------------------------------ derived
    @property
    def covariances_(self):
        check_is_fitted(self, "weights_")
        return np.linalg.inv(self.precisions_)

    @property
    def precisions_cholesky_(self):
        check_is_fitted(self, "weights_")
        # U with P = U U^T, U upper triangular (sklearn's convention)
        L = np.linalg.cholesky(self.precisions_[:, ::-1, ::-1])
        return L[:, ::-1, ::-1]

    # ----------------------------------------------------------- predict
    def _check_X(self, X):
        check_is_fitted(self, "weights_")
        return validate_data(self, X, dtype=[np.float64, np.float32], reset=False)

    def _weighted_log_prob(self, X):
        return weighted_log_densities(X, self.weights_, self.means_, self.precisions_,
                                      self._log_det_covariances)

    def score_samples(self, X):
        """Log-likelihood of each sample under the mixture.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Samples, one per row.

        Returns
        -------
        log_prob : ndarray of shape (n_samples,)
            Log-density of the mixture at each sample.
        """
        return logsumexp(self._weighted_log_prob(self._check_X(X)), axis=1)

    def score(self, X, y=None):
        """Mean log-likelihood of the samples.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Samples, one per row.
        y : Ignored
            Targets (regressor) or class labels (classifier), one per row of ``X``.

        Returns
        -------
        log_likelihood : float
            Mean log-density of the mixture over the samples.
        """
        return float(self.score_samples(X).mean())

    def predict_proba(self, X):
        """Posterior probability of each component for each sample.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Samples, one per row.

        Returns
        -------
        resp : ndarray of shape (n_samples, n_components)
            Posterior probability of each component given each sample.
        """
        wlp = self._weighted_log_prob(self._check_X(X))
        return posteriors(wlp)

    def predict(self, X):
        """Most probable component of each sample.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Samples, one per row.

        Returns
        -------
        labels : ndarray of shape (n_samples,)
            Index of the most probable component of each sample.
        """
        return self._weighted_log_prob(self._check_X(X)).argmax(axis=1)

    def sample(self, n_samples=1):
        """Draw samples from the fitted mixture (seeded by ``random_state``).

        Parameters
        ----------
        n_samples : int, default=1
            Number of samples to draw.

        Returns
        -------
        X : ndarray of shape (n_samples, n_features)
            Samples, one per row.
        y : ndarray of shape (n_samples,)
            The component of each sample.
        """
        check_is_fitted(self, "weights_")
        if not (isinstance(n_samples, numbers.Integral) and n_samples >= 1):
            raise ValueError(f"n_samples must be a positive integer; got {n_samples!r}.")
        rng = check_random_state(self.random_state)
        counts = rng.multinomial(n_samples, self.weights_)
        covariances = self.covariances_
        X = np.vstack([rng.multivariate_normal(m, c, int(k))
                       for m, c, k in zip(self.means_, covariances, counts)])
        y = np.concatenate([np.full(k, j, dtype=int) for j, k in enumerate(counts)])
        return X, y

    def _n_parameters(self):
        k, d = self.n_components_, self.n_features_in_
        return int(k * d * (d + 1) / 2 + k * d + k - 1)

    def bic(self, X):
        """Bayesian information criterion of the fitted mixture on ``X`` (lower is better).

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Samples, one per row.

        Returns
        -------
        bic : float
            The criterion: ``-2 n score(X) + n_parameters log n``.
        """
        n = np.shape(X)[0]
        return -2 * self.score(X) * n + self._n_parameters() * np.log(n)

    def aic(self, X):
        """Akaike information criterion of the fitted mixture on ``X`` (lower is better).

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Samples, one per row.

        Returns
        -------
        aic : float
            The criterion: ``-2 n score(X) + 2 n_parameters``.
        """
        n = np.shape(X)[0]
        return -2 * self.score(X) * n + 2 * self._n_parameters()
