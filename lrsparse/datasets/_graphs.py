"""Graph generators with ground-truth node labels."""

import numbers

import numpy as np
import scipy.sparse as sp
from sklearn.utils import check_random_state

from ..utils._sklearn import Interval, validate_params

__all__ = ["make_sbm_graph"]


def _triangle_pair(k):
    """Map linear indices of the strict upper triangle to pairs (i < j)."""
    j = np.floor((1.0 + np.sqrt(1.0 + 8.0 * k.astype(np.float64))) / 2.0).astype(np.int64)
    # Guard the float rounding at triangle boundaries.
    j -= (j * (j - 1) // 2) > k
    j += ((j + 1) * j // 2) <= k
    i = k - j * (j - 1) // 2
    return i, j


@validate_params(
    {
        "n_nodes": [Interval(numbers.Integral, 1, None, closed="left")],
        "n_blocks": [Interval(numbers.Integral, 1, None, closed="left")],
        "p_in": [Interval(numbers.Real, 0, 1, closed="both")],
        "p_out": [Interval(numbers.Real, 0, 1, closed="both")],
        "random_state": ["random_state"],
    },
    prefer_skip_nested_validation=True,
)
def make_sbm_graph(n_nodes=1000, n_blocks=4, *, p_in=0.05, p_out=0.005, random_state=None):
    """Undirected stochastic block model graph with its block labels.

    Nodes are split into ``n_blocks`` blocks of (nearly) equal size; each pair
    of distinct nodes is joined independently with probability ``p_in`` when
    they share a block and ``p_out`` otherwise.  Node order is shuffled, so
    labels are not sorted.  Sampling costs O(n_edges log n_edges) and never
    O(n_nodes^2) (a 100k-node, 3M-edge graph takes a few seconds).

    Parameters
    ----------
    n_nodes : int, default=1000
        Number of nodes (``n_nodes >= n_blocks``).
    n_blocks : int, default=4
        Number of blocks (communities, the classes of the labels).
    p_in : float in [0, 1], default=0.05
        Edge probability inside a block.
    p_out : float in [0, 1], default=0.005
        Edge probability between blocks.
    random_state : int, RandomState instance or None, default=None
        Seed; the same seed gives the same graph.

    Returns
    -------
    adjacency : scipy.sparse.csr_array of shape (n_nodes, n_nodes)
        Symmetric 0/1 adjacency (float64, int32 indices, no self-loops).
    labels : ndarray of shape (n_nodes,), dtype=int
        Block of each node, in ``range(n_blocks)``.

    Examples
    --------
    >>> from lrsparse.datasets import make_sbm_graph
    >>> A, y = make_sbm_graph(200, 2, p_in=0.1, p_out=0.01, random_state=0)
    >>> A.shape, (A != A.T).nnz, sorted(set(y.tolist()))
    ((200, 200), 0, [0, 1])
    """
    if n_blocks > n_nodes:
        raise ValueError(f"n_blocks={n_blocks} must not exceed n_nodes={n_nodes}.")
    rng = check_random_state(random_state)
    sizes = np.full(n_blocks, n_nodes // n_blocks, dtype=np.int64)
    sizes[: n_nodes % n_blocks] += 1
    starts = np.concatenate([[0], np.cumsum(sizes)])
    rows, cols = [], []
    for a in range(n_blocks):
        for b in range(a, n_blocks):
            p = p_in if a == b else p_out
            n_pairs = sizes[a] * (sizes[a] - 1) // 2 if a == b else sizes[a] * sizes[b]
            m = rng.binomial(n_pairs, p) if n_pairs else 0
            if m == 0:
                continue
            k = _sample_without_replacement(rng, n_pairs, m)
            if a == b:
                i, j = _triangle_pair(k)
            else:
                i, j = np.divmod(k, sizes[b])
            rows.append(i + starts[a])
            cols.append(j + starts[b])
    perm = rng.permutation(n_nodes)  # perm[old] = new position
    labels = np.empty(n_nodes, dtype=np.int64)
    labels[perm] = np.repeat(np.arange(n_blocks), sizes)
    if rows:
        r = perm[np.concatenate(rows)]
        c = perm[np.concatenate(cols)]
    else:
        r = c = np.empty(0, dtype=np.int64)
    r, c = np.concatenate([r, c]), np.concatenate([c, r])
    A = sp.csr_array(
        (np.ones(r.size), (r.astype(np.int32), c.astype(np.int32))), shape=(n_nodes, n_nodes)
    )
    A.sum_duplicates()
    A.indices = A.indices.astype(np.int32, copy=False)
    A.indptr = A.indptr.astype(np.int32, copy=False)
    return A, labels


def _sample_without_replacement(rng, n, m):
    """``m`` distinct integers from ``range(n)``, in O(m) expected time for m << n."""
    if 3 * m >= n:
        return rng.permutation(n)[:m]
    out = np.unique(rng.randint(0, n, size=m, dtype=np.int64))
    while out.size < m:
        extra = rng.randint(0, n, size=m - out.size, dtype=np.int64)
        out = np.unique(np.concatenate([out, extra]))
    return out
