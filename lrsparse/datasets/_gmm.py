"""Streams from Gaussian mixtures with known components, i.i.d. or with components
appearing one after another."""

import numbers

import numpy as np
from sklearn.utils import check_random_state
from sklearn.utils.validation import check_array

from ..utils._sklearn import Interval, validate_params

__all__ = ["make_gmm_stream"]

# Eigenvalues of each covariance ~ U[_EIG_LOW, _EIG_HIGH]: condition number <= 10.
_EIG_LOW, _EIG_HIGH = 0.1, 1.0
# Means are drawn in blocks of _BLOCK candidates; after _MAX_BLOCKS blocks without
# a separated one, the cube grows by _GROWTH and every mean is drawn again.
_BLOCK, _MAX_BLOCKS, _GROWTH = 64, 16, 1.5


def _random_covariances(n_components, n_features, rng):
    """``Q diag(lam) Q^T`` with ``lam ~ U[0.1, 1]`` and ``Q`` a uniformly random rotation.

    Also returns each component's largest standard deviation ``sqrt(max lam)``.
    """
    eigenvalues = rng.uniform(_EIG_LOW, _EIG_HIGH, size=(n_components, n_features))
    covariances = np.empty((n_components, n_features, n_features))
    for k in range(n_components):
        q, r = np.linalg.qr(rng.standard_normal((n_features, n_features)))
        q *= np.where(np.diag(r) < 0, -1.0, 1.0)  # Haar distributed (Mezzadri 2007)
        c = (q * eigenvalues[k]) @ q.T
        covariances[k] = 0.5 * (c + c.T)
    return covariances, np.sqrt(eigenvalues.max(axis=1))


def _separated_means(max_std, n_features, separation, rng):
    """Means one after another, uniform in a cube, each far enough from the earlier ones.

    Works in the unit cube ``[-1/2, 1/2]^d`` (the cube of side ``L`` divided by
    ``L``) so that no distance overflows whatever ``separation``.
    """
    n_components = max_std.size
    side = 2.0 * max(separation, 1.0) * n_components ** (1.0 / n_features)
    while True:
        # required distance between i and j, in units of the cube's side
        need = separation * np.maximum(max_std[:, None], max_std[None, :]) / side
        units = np.empty((n_components, n_features))
        for k in range(n_components):
            for _ in range(_MAX_BLOCKS):
                cand = rng.uniform(-0.5, 0.5, size=(_BLOCK, n_features))
                dist = np.sqrt(((cand[:, None, :] - units[None, :k, :]) ** 2).sum(axis=2))
                ok = np.flatnonzero(np.all(dist >= need[k, :k], axis=1))
                if ok.size:
                    units[k] = cand[ok[0]]
                    break
            else:
                break  # no room: a larger cube, all means again
        else:
            return side * units
        side *= _GROWTH


def _appearances(n_samples, n_components, drift):
    """``t_k = rint(drift * n_samples * k / n_components)``, checked strictly increasing."""
    starts = np.rint(drift * n_samples * np.arange(n_components) / n_components).astype(np.int64)
    if np.any(np.diff(starts) <= 0) or starts[-1] >= n_samples:
        raise ValueError(
            "with drift > 0 every component needs its own first position "
            "round(drift * n_samples * k / n_components), k < n_components; got "
            f"drift={drift!r}, n_samples={n_samples}, n_components={n_components} "
            f"(positions {starts.tolist()[:8]}...): use a larger drift or n_samples "
            "(drift * n_samples >= n_components is enough).")
    return starts


def _stream_labels(n_samples, weights, drift, rng):
    """Labels i.i.d. (``drift=0``) or with component ``k`` first at ``round(drift n k / K)``."""
    n_components = weights.size
    if drift == 0:
        return rng.choice(n_components, size=n_samples, p=weights)
    starts = _appearances(n_samples, n_components, drift)
    labels = np.empty(n_samples, dtype=np.int64)
    ends = np.append(starts[1:], n_samples)
    for k in range(n_components):
        labels[starts[k]] = k
        present = weights[:k + 1] / weights[:k + 1].sum()
        labels[starts[k] + 1:ends[k]] = rng.choice(k + 1, size=ends[k] - starts[k] - 1,
                                                   p=present)
    return labels


@validate_params(
    {
        "n_samples": [Interval(numbers.Integral, 1, None, closed="left")],
        "n_features": [Interval(numbers.Integral, 1, None, closed="left")],
        "n_components": [Interval(numbers.Integral, 1, None, closed="left")],
        "drift": [Interval(numbers.Real, 0, 1, closed="both")],
        "separation": [Interval(numbers.Real, 0, 1e100, closed="both")],
        "weights": ["array-like", None],
        "random_state": ["random_state"],
    },
    prefer_skip_nested_validation=True,
)
def make_gmm_stream(n_samples=1000, n_features=2, n_components=3, *, drift=0.0, separation=5.0,
                    weights=None, random_state=None):
    """A stream of points from a Gaussian mixture with separated components, known truth.

    The data for :class:`~lrsparse.mixture.IncrementalGaussianMixture`: the
    points come in order, either with the components mixed from the start
    (``drift=0``) or with the components appearing one after another
    (``drift > 0``), and the true means and covariances are returned.

    - **Covariances**: ``C_k = Q_k diag(lam_k) Q_k^T`` with the eigenvalues
      ``lam_k`` drawn independently and uniformly from ``[0.1, 1]`` and
      ``Q_k`` a uniformly random rotation.  Every standard deviation along a
      principal axis is between 0.32 and 1 and the condition number is at
      most 10.
    - **Means**: drawn one after another, uniformly in the cube
      ``[-L/2, L/2]^d`` with ``L = 2 max(separation, 1) K^(1/d)``
      (``K = n_components``, ``d = n_features``).  A draw closer than
      ``separation * max(s_i, s_j)`` to an earlier mean ``mu_j`` is
      discarded and drawn again, where ``s_i`` is the largest standard
      deviation of component ``i`` (the square root of its largest
      eigenvalue, at most 1).  So every pair of means satisfies
      ``||mu_i - mu_j|| >= separation * max(s_i, s_j)``: the components are
      at least ``separation`` standard deviations apart along the line
      joining them, whatever their orientation.  (If ``16 * 64`` draws in a
      row fail for one component, which only happens for packings too
      tight for the cube, ``L`` grows by half and every mean is drawn
      again.)
    - **Labels**: with ``drift=0`` they are i.i.d., ``P(y_i = k) =
      weights[k]``.  With ``drift > 0`` component ``k`` *appears* at position
      ``t_k = round(drift * n_samples * k / n_components)`` (to the nearest
      integer, halves to even as ``np.rint``): ``y[t_k] = k``
      and no earlier point has label ``k`` (``t_0 = 0``).  Every other point
      ``i`` with ``t_k < i < t_{k+1}`` (``t_K = n_samples``) has a label drawn
      independently among the components present, ``0, ..., k``, with
      probabilities proportional to ``weights[:k + 1]``.  With ``drift=1``
      the last component appears at ``(K - 1) / K`` of the stream; with a
      small ``drift`` all appear early and the rest of the stream is i.i.d.
      from the whole mixture.
    - **Points**: ``X[i] = means[y_i] + chol(C_{y_i}) z_i`` with ``z_i``
      standard normal.

    Parameters
    ----------
    n_samples : int >= 1, default=1000
        Length of the stream.
    n_features : int >= 1, default=2
        Dimension ``d`` of the points.
    n_components : int >= 1, default=3
        Number ``K`` of Gaussian components.
    drift : float in [0, 1], default=0.0
        How the components arrive: ``0`` mixed from the start (i.i.d.
        labels), ``> 0`` one after another at the positions above.  When
        ``drift > 0`` the positions must be distinct (``drift * n_samples >=
        n_components`` is enough), else a ``ValueError`` is raised.
    separation : float in [0, 1e100], default=5.0
        Minimum distance between two means in units of the larger of the two
        components' largest standard deviations (``0``: no constraint, means
        uniform in a cube of side ``2 K^(1/d)``).
    weights : array-like of shape (n_components,), default=None
        Positive mixing weights, normalised to sum to 1; ``None`` means equal
        weights.
    random_state : int, RandomState instance or None, default=None
        Seed of the covariances, means, labels and points (drawn in that
        order); the same seed gives the same stream.  The covariances and
        means depend only on ``n_features``, ``n_components``, ``separation``
        and the seed: streams that differ in ``n_samples``, ``drift`` or
        ``weights`` come from the same components.

    Returns
    -------
    X : ndarray of shape (n_samples, n_features)
        The stream, in order (float64).
    y : ndarray of shape (n_samples,)
        The component of each point (int64, in ``0, ..., n_components - 1``).
    means : ndarray of shape (n_components, n_features)
        The true means.
    covariances : ndarray of shape (n_components, n_features, n_features)
        The true covariances (symmetric positive definite).

    See Also
    --------
    sklearn.datasets.make_blobs : Isotropic blobs, without order or guaranteed separation.

    References
    ----------
    R. C. Pinto and P. M. Engel, "A Fast Incremental Gaussian Mixture Model",
    PLOS ONE 10(10): e0139931, 2015 (the model these streams are for).

    Examples
    --------
    >>> import numpy as np
    >>> from lrsparse.datasets import make_gmm_stream
    >>> X, y, means, covariances = make_gmm_stream(1000, 2, 4, drift=1.0, random_state=0)
    >>> X.shape, y.shape, means.shape, covariances.shape
    ((1000, 2), (1000,), (4, 2), (4, 2, 2))
    >>> [int(np.argmax(y == k)) for k in range(4)]  # where each component appears
    [0, 250, 500, 750]
    >>> s = np.sqrt(np.linalg.eigvalsh(covariances)[:, -1])  # largest standard deviations
    >>> bool(np.linalg.norm(means[0] - means[1]) >= 5 * max(s[0], s[1]))
    True
    """
    if weights is None:
        weights = np.full(n_components, 1.0 / n_components)
    else:
        weights = check_array(weights, ensure_2d=False, dtype=np.float64, input_name="weights")
        if weights.shape != (n_components,):
            raise ValueError(f"weights must have shape (n_components,) = ({n_components},); "
                             f"got {weights.shape}.")
        if not np.all(weights > 0):
            raise ValueError("weights must be positive; got "
                             f"{weights.min():.3g} as the smallest.")
        weights = weights / weights.max()  # no overflow in the sum
        weights /= weights.sum()
    if drift > 0:
        _appearances(n_samples, n_components, float(drift))  # checked before any draw

    rng = check_random_state(random_state)
    covariances, max_std = _random_covariances(n_components, n_features, rng)
    means = _separated_means(max_std, n_features, float(separation), rng)
    y = _stream_labels(n_samples, weights, float(drift), rng)
    Z = rng.standard_normal((n_samples, n_features))
    X = np.empty((n_samples, n_features))
    for k in range(n_components):
        rows = y == k
        X[rows] = means[k] + Z[rows] @ np.linalg.cholesky(covariances[k]).T
    return X, y, means, covariances
