"""MTP2 Gaussian models: M-matrix precisions on a known graph."""

import numbers

import numpy as np
import scipy.sparse as sp
from sklearn.utils import check_random_state

from ..utils._sklearn import Interval, StrOptions, validate_params
from ..utils.validation import _csr_int32
from ._graphs import _sample_without_replacement, _triangle_pair

__all__ = ["make_mtp2_precision"]

# Edge weights w_ij ~ U[_WEIGHT_LOW, _WEIGHT_HIGH]; DD slack v_i ~ U[_SLACK_LOW, _SLACK_HIGH].
_WEIGHT_LOW, _WEIGHT_HIGH = 0.5, 1.0
_SLACK_LOW, _SLACK_HIGH = 0.1, 0.5
# M-matrix case: Theta = c I - N with c = _SPECTRAL_MARGIN * lambda_max(N), N = W / sqrt(deg deg^T).
_SPECTRAL_MARGIN = 1.1
_ER_MEAN_DEGREE = 3.0


def _grid_edges(n):
    """Edges ``(i, j)``, ``i < j``, of a row-major 2-D lattice as square as possible."""
    n_rows = int(np.floor(np.sqrt(n)))
    n_cols = -(-n // n_rows)
    k = np.arange(n)
    right = k[(k % n_cols < n_cols - 1) & (k + 1 < n)]
    down = k[k + n_cols < n]
    return np.concatenate([right, down]), np.concatenate([right + 1, down + n_cols])


def _erdos_renyi_edges(n, rng):
    """Each pair joined with probability ``min(1, 3 / (n - 1))``: mean degree 3."""
    n_pairs = n * (n - 1) // 2
    m = rng.binomial(n_pairs, min(1.0, _ER_MEAN_DEGREE / (n - 1)))
    if m == 0:
        return np.empty(0, dtype=np.int64), np.empty(0, dtype=np.int64)
    return _triangle_pair(_sample_without_replacement(rng, n_pairs, m))


def _barabasi_albert_edges(n, rng):
    """Preferential attachment tree: node ``t >= 1`` joins one earlier node, chosen
    with probability proportional to its degree (node 1 joins node 0)."""
    # ends lists the endpoints of the edges so far (each node once per incident
    # edge): a uniform draw from it is a degree-proportional draw of a node.
    ends = np.empty(2 * (n - 1), dtype=np.int64)
    ends[:2] = 0, 1
    targets = np.zeros(n - 1, dtype=np.int64)
    draws = rng.random_sample(n)
    for t in range(2, n):
        # min(): u * m can round up to m for u just below 1.
        target = ends[min(int(draws[t] * 2 * (t - 1)), 2 * t - 3)]
        targets[t - 1] = target
        ends[2 * (t - 1)] = target
        ends[2 * (t - 1) + 1] = t
    return targets, np.arange(1, n, dtype=np.int64)


_GRAPHS = {
    "grid": lambda n, rng: _grid_edges(n),
    "erdos_renyi": _erdos_renyi_edges,
    "barabasi_albert": _barabasi_albert_edges,
}


@validate_params(
    {
        "n_features": [Interval(numbers.Integral, 2, None, closed="left")],
        "graph": [StrOptions(set(_GRAPHS))],
        "diagonally_dominant": ["boolean"],
        "random_state": ["random_state"],
    },
    prefer_skip_nested_validation=True,
)
def make_mtp2_precision(n_features, *, graph="grid", diagonally_dominant=False,
                        random_state=None):
    """Precision matrix of an MTP2 Gaussian (an M-matrix) on a known graph.

    A Gaussian is MTP2 (multivariate totally positive of order 2) exactly when
    its precision matrix ``Theta`` is an M-matrix: positive definite with
    ``Theta_ij <= 0`` off the diagonal (all partial correlations are
    nonnegative).  This draws such a ``Theta`` whose off-diagonal support is
    exactly the edge set of a graph, the ground truth for
    :class:`~lrsparse.covariance.MTP2GraphicalModel` and
    :func:`~lrsparse.metrics.edge_f1`.  Sample from it with
    ``rng.multivariate_normal(np.zeros(p), np.linalg.inv(precision), n)``.

    The synthetic setting follows Ying, Cardoso & Palomar (ICML 2023), who
    test on grid, Erdos-Renyi and Barabasi-Albert graphs with M-matrix and
    diagonally dominant M-matrix precisions; the constants below (graph
    densities, weight ranges, the spectral margin and the rescaling) are
    this library's choices, not the paper's:

    - every edge gets a weight ``w_ij`` drawn uniformly from ``[0.5, 1]``
      (``W`` the symmetric weighted adjacency);
    - ``diagonally_dominant=False``: ``Theta = c I - N`` with
      ``N_ij = w_ij / sqrt(deg_i deg_j)`` (``deg`` the number of neighbours)
      and ``c = 1.1 lambda_max(N)`` (``c = 1`` for a graph without edges), so
      the partial-correlation matrix ``N / c`` has spectral radius
      ``1 / 1.1``; then ``Theta <- D Theta D`` with ``D`` diagonal such that
      the covariance ``inv(Theta)`` has a unit diagonal (partial correlations
      and signs are unchanged).  The degree normalisation only matters for
      irregular graphs: without it one hub of a Barabasi-Albert graph sets
      ``lambda_max`` and caps every partial correlation near 0.15; with it the
      median edge partial correlation is about 0.2 to 0.3 for the three
      graphs, recoverable from ``n = 3 p`` samples, and the condition number
      of ``Theta`` is about 20 to 40;
    - ``diagonally_dominant=True``: ``Theta = L(W) + diag(v)`` with ``L(W)``
      the graph Laplacian and ``v_i`` drawn uniformly from ``[0.1, 0.5]``,
      so ``Theta @ 1 = v > 0`` (strictly diagonally dominant rows); then
      ``Theta`` is multiplied by one scalar so that the covariance's mean
      variance is 1 (a diagonal rescaling could break the dominance).

    Parameters
    ----------
    n_features : int >= 2
        Number of variables ``p`` (nodes of the graph).
    graph : {"grid", "erdos_renyi", "barabasi_albert"}, default="grid"
        The conditional independence graph:

        - ``"grid"``: a 2-D lattice with ``floor(sqrt(p))`` rows of
          ``ceil(p / rows)`` nodes (the last row possibly partial), node
          ``k`` at row ``k // n_cols`` and column ``k % n_cols``; each node
          joins its right and lower neighbours (degree <= 4).  The graph is
          not random; ``random_state`` only draws the weights.
        - ``"erdos_renyi"``: each pair joined independently with probability
          ``min(1, 3 / (p - 1))``, so the expected mean degree is 3 (it may
          have isolated nodes).
        - ``"barabasi_albert"``: preferential attachment with one edge per
          new node (``m = 1``, a tree with ``p - 1`` edges and a few hubs, as
          in the Palomar group's FPN demo): node ``t`` joins an earlier node
          chosen with probability proportional to its degree.  Low-numbered
          nodes tend to be the hubs.
    diagonally_dominant : bool, default=False
        Whether ``Theta`` is a strictly diagonally dominant M-matrix (every
        row sum > 0), the paper's second model class.
    random_state : int, RandomState instance or None, default=None
        Seed of the graph (random ones) and the weights; the same seed gives
        the same matrix.

    Returns
    -------
    precision : ndarray of shape (n_features, n_features)
        The symmetric positive definite M-matrix ``Theta`` (float64); its
        off-diagonal entries are negative on the graph's edges and zero
        elsewhere.
    adjacency : scipy.sparse.csr_array of shape (n_features, n_features)
        Symmetric 0/1 adjacency of the graph (float64, int32 indices, no
        self-loops): the support of ``precision`` off the diagonal.

    References
    ----------
    J. Ying, J. V. de M. Cardoso and D. P. Palomar, "Adaptive Estimation of
    Graphical Models under Total Positivity", ICML 2023.

    Examples
    --------
    >>> import numpy as np
    >>> from lrsparse.datasets import make_mtp2_precision
    >>> precision, adjacency = make_mtp2_precision(9, graph="grid", random_state=0)
    >>> adjacency.nnz // 2  # a 3 x 3 lattice has 12 edges
    12
    >>> off = ~np.eye(9, dtype=bool)
    >>> bool(np.all(precision[off] <= 0)), bool(np.linalg.eigvalsh(precision)[0] > 0)
    (True, True)
    >>> np.allclose(np.diag(np.linalg.inv(precision)), 1.0)
    True
    """
    rng = check_random_state(random_state)
    p = n_features
    rows, cols = _GRAPHS[graph](p, rng)
    rows, cols = np.asarray(rows, dtype=np.int64), np.asarray(cols, dtype=np.int64)
    weights = rng.uniform(_WEIGHT_LOW, _WEIGHT_HIGH, size=rows.size)

    W = np.zeros((p, p))
    W[rows, cols] = weights
    W[cols, rows] = weights
    if diagonally_dominant:
        slack = rng.uniform(_SLACK_LOW, _SLACK_HIGH, size=p)
        theta = -W
        theta[np.diag_indices(p)] = W.sum(axis=1) + slack
        theta *= np.mean(np.diag(np.linalg.inv(theta)))
    else:
        inv_sqrt_deg = 1.0 / np.sqrt(np.maximum(np.count_nonzero(W, axis=1), 1))
        N = inv_sqrt_deg[:, None] * W * inv_sqrt_deg[None, :]
        lam = np.linalg.eigvalsh(N)[-1]
        theta = -N
        theta[np.diag_indices(p)] = _SPECTRAL_MARGIN * lam if lam > 0 else 1.0
        d = np.sqrt(np.diag(np.linalg.inv(theta)))
        theta = d[:, None] * theta * d[None, :]
    theta = 0.5 * (theta + theta.T)  # exactly symmetric

    r, c = np.concatenate([rows, cols]), np.concatenate([cols, rows])
    adjacency = sp.csr_array((np.ones(r.size), (r, c)), shape=(p, p))
    adjacency.sum_duplicates()
    return theta, _csr_int32(adjacency, "adjacency")
