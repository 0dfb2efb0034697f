"""The observed entries of a row-chunked Dask array, kept where its blocks are.

The completion solvers touch the data only through sums over rows: a product
with the matrix or its transpose (the norm estimate), the sampled-product
step (residuals on the observed entries and the two factor gradients), the
pair products of one-sided completion.  Each of these is a task per row block
that returns a factor-sized array; the client holds the factors,
``(n_samples + n_features) x rank`` numbers, and never the entries.  The
tasks run on the active Dask scheduler (a ``distributed.Client``'s workers,
or local threads).  See :func:`lrsparse.impute._scaled_gd.scaled_gd_completion`.
"""

import numpy as np
import scipy.sparse as sp

from ..utils._dask import compute, delayed, persist, row_blocks
from ._observed import observed_entries

__all__ = ["BlockObserved", "map_tasks"]


def _block_observed(block, missing_values):
    if not sp.issparse(block):
        block = np.asarray(block)
        if block.dtype.kind not in "fiu":
            raise ValueError(f"X blocks must hold numbers; got dtype {block.dtype}.")
    return observed_entries(block, missing_values)


def _block_stats(obs, n_features):
    v = obs.values
    return (v.size, float(np.max(np.abs(v))) if v.size else 0.0, float(np.sum(v)),
            np.bincount(obs.rows, minlength=obs.shape[0]),
            np.bincount(obs.cols, minlength=n_features))


def _scaled_csr(obs, scale):
    return sp.csr_array((obs.values / scale, obs.cols, obs.indptr), shape=obs.shape)


def _matmul(obs, V, scale):
    return _scaled_csr(obs, scale) @ V


def _rmatmul(obs, Q, scale):
    return _scaled_csr(obs, scale).T @ Q


class _Operator:
    """``P(X) / scale`` as an operator for :func:`lrsparse.utils.extmath.partial_svd`."""

    dtype = np.dtype(np.float64)

    def __init__(self, source, scale, transposed=False):
        self._source, self._scale, self._transposed = source, scale, transposed
        n, d = source.shape
        self.shape = (d, n) if transposed else (n, d)

    @property
    def T(self):
        return _Operator(self._source, self._scale, not self._transposed)

    def __matmul__(self, M):
        src = self._source
        M = np.asarray(M, dtype=np.float64)
        if self._transposed:  # X^T Q = sum over blocks of X_b^T Q_b
            return _ordered_sum(compute(*src.map(_rmatmul, self._scale,
                                                 per_block=src.row_slices(M))))
        return np.vstack(compute(*src.map(_matmul, self._scale, shared=(M,))))


def map_tasks(func, items, *args, per_block=(), shared=()):
    """``[func(item, *per_block[i], *shared, *args) for each item i]`` as Dask tasks.

    ``per_block`` holds one argument tuple per item; each array of ``shared``
    becomes one graph key that every task reads (shipped once per worker).
    """
    shared = [delayed(a) for a in shared]
    return [delayed(func)(item, *(per_block[i] if per_block else ()), *shared, *args)
            for i, item in enumerate(items)]


def _ordered_sum(parts):
    out = np.array(parts[0], dtype=np.float64, copy=True)
    for p in parts[1:]:
        out += p
    return out


class BlockObserved:
    """The observed entries of a Dask array chunked by rows, held block by block.

    Parameters
    ----------
    X : dask.array.Array of shape (n_samples, n_features)
        Chunked by rows only; blocks are NumPy arrays (``missing_values``
        marks the missing entries) or SciPy sparse matrices (unstored entries
        are missing).
    missing_values : float or np.nan
        Marker of the missing entries in dense blocks.
    n_threads : int, default=1
        Numba threads of each block task (the estimator's ``n_jobs``).

    Attributes
    ----------
    shape : tuple
    blocks : list of dask.delayed.Delayed
        Each block's :class:`~lrsparse.impute._base.Observed` (block-local
        rows), persisted (in the workers' memory under a ``distributed``
        client).
    offsets : ndarray of int64
        First row of each block, then ``n_samples``.
    entry_offsets : ndarray of int64
        Index of each block's first observed entry in the row-major order
        of the whole matrix (the order of the in-memory fit), then the total.
    n_observed : int
    max_abs, total : float
        Largest magnitude and sum of the observed values.
    row_counts, col_counts : ndarray of int64
        Observations per row and per column.
    """

    def __init__(self, X, missing_values, n_threads=1):
        self.n_threads = n_threads  # numba threads of each block task
        blocks, self.offsets = row_blocks(X)
        self.shape = (int(X.shape[0]), int(X.shape[1]))
        d = self.shape[1]
        self.blocks = persist(*map_tasks(_block_observed, blocks, missing_values))
        stats = compute(*[delayed(_block_stats)(b, d) for b in self.blocks])
        nnz = np.array([s[0] for s in stats], dtype=np.int64)
        self.entry_offsets = np.zeros(nnz.size + 1, dtype=np.int64)
        np.cumsum(nnz, out=self.entry_offsets[1:])
        self.n_observed = int(self.entry_offsets[-1])
        self.max_abs = max(s[1] for s in stats)
        self.total = float(sum(s[2] for s in stats))
        self.row_counts = np.concatenate([s[3] for s in stats])
        self.col_counts = np.sum([s[4] for s in stats], axis=0)

    def operator(self, scale):
        """``P(X) / scale`` for :func:`~lrsparse.utils.extmath.partial_svd`."""
        return _Operator(self, scale)

    def map(self, func, *args, per_block=(), shared=()):
        """:func:`map_tasks` over the blocks' observed entries."""
        return map_tasks(func, self.blocks, *args, per_block=per_block, shared=shared)

    def row_slices(self, M):
        """``M``'s rows of each block, as per-block arguments of :meth:`map`."""
        o = self.offsets
        return [(M[o[i]:o[i + 1]],) for i in range(len(self.blocks))]
