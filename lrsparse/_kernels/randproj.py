"""Very sparse random projections (Li, Hastie & Church 2006), seeded.

Caller: FastRP (:mod:`lrsparse.embedding._fastrp`), whose random matrix ``R``
is :func:`very_sparse_random_projection`.
"""

import numbers

import numpy as np
import scipy.sparse as sp

from ..utils._numba import jit

__all__ = ["sparse_sign_pattern", "very_sparse_random_projection"]


@jit
def sparse_sign_pattern(n_rows, n_cols, density, seed):
    """CSR arrays of a random {-1, 0, +1} matrix with ``P(nonzero) = density``.

    Each row draws its number of nonzeros from Binomial(n_cols, density),
    picks that many distinct columns (Floyd's algorithm; O(nnz) work, never
    O(n_rows * n_cols)) and a random sign for each.  ``seed`` seeds numba's
    own generator, so the result depends only on the arguments.

    Returns
    -------
    indptr : int32 ndarray of shape (n_rows + 1,)
    indices : int32 ndarray of shape (nnz,), sorted within each row
    signs : int8 ndarray of shape (nnz,)
    """
    np.random.seed(seed)
    counts = np.empty(n_rows, dtype=np.int64)
    for i in range(n_rows):
        counts[i] = np.random.binomial(n_cols, density)
    indptr = np.zeros(n_rows + 1, dtype=np.int32)
    for i in range(n_rows):
        indptr[i + 1] = indptr[i] + counts[i]
    nnz = indptr[n_rows]
    indices = np.empty(nnz, dtype=np.int32)
    signs = np.empty(nnz, dtype=np.int8)
    for i in range(n_rows):
        start = indptr[i]
        k = counts[i]
        # Floyd: for j in [n-k, n): draw t in [0, j]; take t unless taken, else j.
        for step in range(k):
            j = n_cols - k + step
            t = np.random.randint(0, j + 1)
            taken = False
            for q in range(start, start + step):
                if indices[q] == t:
                    taken = True
                    break
            indices[start + step] = j if taken else t
        indices[start:start + k] = np.sort(indices[start:start + k])
        for q in range(start, start + k):
            signs[q] = 1 if np.random.random() < 0.5 else -1
    return indptr, indices, signs


def very_sparse_random_projection(n_rows, n_cols, *, density=None, seed=0, dtype=np.float64):
    """A very sparse random projection matrix in CSR format.

    Entries are ``sqrt(s / n_cols) * {+1, 0, -1}`` with probabilities
    ``1/(2s), 1 - 1/s, 1/(2s)`` where ``s = 1 / density`` (Li et al., 2006).
    With the scale ``sqrt(s / n_cols)``, ``||x R||`` approximates ``||x||``
    (the same convention as :class:`sklearn.random_projection.SparseRandomProjection`).

    Parameters
    ----------
    n_rows : int
        Input dimension (for FastRP: the number of nodes).
    n_cols : int
        Output dimension (the embedding dimension).
    density : float in (0, 1], default=None
        Probability of a nonzero entry.  ``None`` gives Li et al.'s very
        sparse choice ``1 / sqrt(n_rows)``.
    seed : int, default=0
        Seed; the same seed gives the same matrix.
    dtype : {np.float64, np.float32}, default=np.float64
        dtype of the values.

    Returns
    -------
    R : scipy.sparse.csr_array of shape (n_rows, n_cols)
        int32 indices, sorted within each row.

    References
    ----------
    .. [1] P. Li, T. J. Hastie and K. W. Church, "Very sparse random
       projections", KDD 2006.

    Examples
    --------
    >>> from lrsparse._kernels.randproj import very_sparse_random_projection
    >>> R = very_sparse_random_projection(100, 8, seed=0)
    >>> R.shape, R.format, sorted(set(abs(R.data).round(6)))
    ((100, 8), 'csr', [np.float64(1.118034)])
    """
    for name, value in (("n_rows", n_rows), ("n_cols", n_cols)):
        if not isinstance(value, numbers.Integral) or isinstance(value, bool) or value < 0:
            raise ValueError(f"{name} must be a nonnegative int; got {value!r}.")
    if density is None:
        density = 1.0 / np.sqrt(max(n_rows, 1))
    if not (isinstance(density, numbers.Real) and 0.0 < density <= 1.0):
        raise ValueError(f"density must be a float in (0, 1]; got {density!r}.")
    indptr, indices, signs = sparse_sign_pattern(
        int(n_rows), int(n_cols), float(density), int(seed)
    )
    scale = np.sqrt(1.0 / (density * n_cols)) if n_cols else 1.0
    dtype = np.dtype(dtype)
    data = signs.astype(dtype) * dtype.type(scale)
    return sp.csr_array((data, indices, indptr), shape=(n_rows, n_cols))


def _warm_up():
    """Compile the kernel of this module once (its values are cast to the dtype after)."""
    for dtype in (np.float64, np.float32):
        very_sparse_random_projection(4, 2, seed=0, dtype=dtype)
