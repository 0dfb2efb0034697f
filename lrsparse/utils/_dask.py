"""Dask input for the fits whose arithmetic is a sum over row blocks.

lrsparse does not depend on Dask: nothing here imports it unless the caller
already passed a Dask collection (so ``dask`` is in ``sys.modules``).  The
estimators that take one (:class:`~lrsparse.impute.ScaledGDImputer`,
:class:`~lrsparse.impute.OneSidedCompletion`,
:class:`~lrsparse.feature_extraction.CooccurrenceVectorizer`) run their
per-block work as Dask tasks, where the blocks live, on whatever scheduler is
active (a ``distributed.Client``, or Dask's local threads), and bring back only
what the solver needs on the client: sums and factor-sized arrays.
"""

import sys

import numpy as np

__all__ = ["is_dask_collection", "row_blocks", "compute", "persist", "delayed"]


def is_dask_collection(x):
    """Whether ``x`` is a Dask collection (array, bag, dataframe, delayed).

    False without importing Dask when Dask has not been imported.
    """
    dask = sys.modules.get("dask")
    if dask is None:
        return False
    return bool(dask.is_dask_collection(x))


def row_blocks(X, input_name="X"):
    """The row blocks of a 2-D Dask array as delayed objects, and their row offsets.

    Parameters
    ----------
    X : dask.array.Array of shape (n_samples, n_features)
        Chunked by rows only (one chunk across the columns), with known chunk
        sizes; blocks are NumPy arrays or SciPy sparse matrices.
    input_name : str, default="X"
        Name used in error messages.

    Returns
    -------
    blocks : list of dask.delayed.Delayed
        One per row block, in order.
    offsets : ndarray of int64, shape (n_blocks + 1,)
        First row of each block, then ``n_samples``.
    """
    import dask.array as da

    if not isinstance(X, da.Array):
        raise TypeError(
            f"{input_name} must be a dask.array.Array when it is a Dask collection; got "
            f"{type(X).__name__}. Convert it, e.g. with .to_dask_array(lengths=True)."
        )
    if X.ndim != 2:
        raise ValueError(f"{input_name} must be a 2-D Dask array; got {X.ndim} dimensions.")
    if any(np.isnan(c) for c in X.chunks[0]):
        raise ValueError(
            f"{input_name} has unknown row-chunk sizes; call {input_name}.compute_chunk_sizes() "
            "first (or build it with known lengths)."
        )
    if X.numblocks[1] != 1:
        raise ValueError(
            f"{input_name} must be chunked by rows only (one chunk across its "
            f"{X.shape[1]} columns); got column chunks {X.chunks[1]}. Rechunk it, e.g. "
            f"{input_name}.rechunk({{1: -1}})."
        )
    if X.dtype.kind not in "fiu":
        raise ValueError(f"{input_name} must hold numbers; got dtype {X.dtype}.")
    blocks = list(X.to_delayed()[:, 0])
    offsets = np.zeros(len(blocks) + 1, dtype=np.int64)
    np.cumsum(X.chunks[0], out=offsets[1:])
    return blocks, offsets


def delayed(func):
    """``dask.delayed(func, pure=False)``: arguments are not hashed (large arrays)."""
    import dask

    return dask.delayed(func, pure=False)


def compute(*tasks):
    """Compute delayed objects on the active scheduler; a list of results."""
    import dask

    return list(dask.compute(*tasks))


def persist(*tasks):
    """Persist delayed objects where they are computed (workers' memory with a Client)."""
    import dask

    return list(dask.persist(*tasks))
