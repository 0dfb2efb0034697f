"""Input validation shared by the estimators: graphs and missing-value masks.

Every helper raises :class:`ValueError` naming the offending argument and what
was expected.  None of them modifies its input.
"""

import numbers

import numpy as np
import scipy.sparse as sp
from sklearn.utils import check_array

from ._sklearn import is_scalar_nan

__all__ = ["check_adjacency", "check_component_scores", "check_node_indices", "missing_mask"]


def check_adjacency(
    A,
    *,
    input_name="X",
    square=True,
    dtype=(np.float64, np.float32),
    estimator=None,
):
    """Validate a weighted adjacency matrix and return it as CSR.

    Parameters
    ----------
    A : {array-like, sparse matrix} of shape (n_nodes, n_nodes)
        Adjacency matrix; ``A[i, j]`` is the weight of the edge ``i -> j``.
        Directed (non-symmetric) and weighted graphs are allowed.  Sparse
        input may be a scipy sparse matrix or array in CSR, CSC or COO format,
        with int32 or int64 index arrays (e.g. from
        ``networkx.to_scipy_sparse_array``).
    input_name : str, default="X"
        Name used in error messages.
    square : bool, default=True
        Require a square matrix.  ``False`` accepts the adjacency rows of some
        nodes against a graph's nodes, shape (n_queries, n_nodes).
    dtype : dtype or tuple of dtypes, default=(np.float64, np.float32)
        Accepted floating dtypes; other dtypes (int, bool) are converted to
        the first one.
    estimator : estimator instance, default=None
        Used in error messages only.

    Returns
    -------
    A : scipy.sparse.csr_array of shape (n_nodes, n_nodes)
        Shares memory with the input when no conversion was needed; callers
        must not write into it.  Indices are int32.

    Raises
    ------
    ValueError
        If ``A`` is not square, not finite, has negative weights, is empty,
        or has more nodes or edges than int32 indices can address.

    Examples
    --------
    >>> import numpy as np
    >>> import scipy.sparse as sp
    >>> from lrsparse.utils import check_adjacency
    >>> S = sp.coo_array(([1.0, 2.0], (np.array([0, 1]), np.array([1, 0]))), shape=(2, 2))
    >>> S.coords[0].dtype  # int64 indices, as networkx and np.nonzero give
    dtype('int64')
    >>> A = check_adjacency(S)
    >>> A.format, A.indices.dtype, A.toarray().tolist()
    ('csr', dtype('int32'), [[0.0, 1.0], [2.0, 0.0]])
    """
    A = check_array(
        A,
        accept_sparse=("csr", "csc", "coo"),
        dtype=dtype,
        ensure_all_finite=True,
        accept_large_sparse=True,
        input_name=input_name,
        estimator=estimator,
    )
    if square and A.shape[0] != A.shape[1]:
        raise ValueError(
            f"{input_name} must be a square adjacency matrix of shape "
            f"(n_nodes, n_nodes); got shape {A.shape}."
        )
    values = A.data if sp.issparse(A) else A
    if values.size and values.min() < 0:
        raise ValueError(
            f"Negative values in data passed to {input_name}: edge weights "
            f"must be nonnegative; found {float(values.min())!r}."
        )
    return _csr_int32(A, input_name)


_INT32_MAX = int(np.iinfo(np.int32).max)


def _check_int32_size(input_name, shape, nnz=0):
    """``ValueError`` unless int32 indices can address ``shape`` and ``nnz`` stored entries.

    The kernels take int32 index arrays (CSR pointers, coordinates); inputs
    with int64 indices are converted after this check.
    """
    if max(nnz, *shape) > _INT32_MAX:
        raise ValueError(
            f"{input_name} is too large for int32 sparse indices: shape {tuple(shape)} with "
            f"{nnz} stored entries; the kernels need the number of rows, columns and "
            f"stored entries to be at most {_INT32_MAX}."
        )


def _csr_int32(A, input_name):
    """``A`` as a CSR array with int32 index arrays (data shared where possible).

    Sparse inputs may carry int64 indices (networkx, ``coo_array((v, np.nonzero(M)))``,
    scipy's default for large matrices); the kernels take int32, so the
    indices are converted, after checking that they fit.
    """
    if sp.issparse(A):
        nnz = A.nnz
    else:
        nnz = A.size if A.size <= _INT32_MAX else int(np.count_nonzero(A))
    _check_int32_size(input_name, A.shape, nnz)
    A = sp.csr_array(A)
    if A.indices.dtype != np.int32 or A.indptr.dtype != np.int32:
        A = sp.csr_array(
            (A.data, A.indices.astype(np.int32), A.indptr.astype(np.int32)),
            shape=A.shape,
        )
    return A


def check_node_indices(X, n_nodes, *, input_name="X"):
    """Validate a column of node indices and return it as a 1-D int array.

    Parameters
    ----------
    X : array-like of shape (n_samples, 1) or (n_samples,)
        Integer node ids in ``[0, n_nodes)``; integral floats are accepted.
    n_nodes : int
        Number of nodes of the graph the ids refer to.
    input_name : str, default="X"
        Name used in error messages.

    Returns
    -------
    ids : ndarray of shape (n_samples,), dtype=intp
        The node indices.

    Examples
    --------
    >>> from lrsparse.utils import check_node_indices
    >>> check_node_indices([[0], [2.0], [1]], n_nodes=3)
    array([0, 2, 1])
    """
    X = np.asarray(X)
    if X.ndim == 2 and X.shape[1] == 1:
        X = X[:, 0]
    if X.ndim != 1:
        raise ValueError(
            f"{input_name} must hold one node index per row, i.e. have shape "
            f"(n_samples, 1); got shape {X.shape}."
        )
    if X.dtype.kind not in "iuf" or (
        X.dtype.kind == "f" and not np.all(np.isfinite(X) & (X == np.round(X)))
    ):
        raise ValueError(
            f"{input_name} must contain integer node indices; got dtype "
            f"{X.dtype} with non-integer values."
        )
    ids = X.astype(np.intp)
    if ids.size and (ids.min() < 0 or ids.max() >= n_nodes):
        raise ValueError(
            f"{input_name} contains node indices outside [0, {n_nodes}); "
            f"got min {ids.min()} and max {ids.max()}."
        )
    return ids


def missing_mask(X, missing_values=np.nan):
    """Boolean mask of the missing entries of ``X``.

    Parameters
    ----------
    X : {ndarray, sparse matrix} of shape (n_samples, n_features)
        Data.  For a sparse matrix the *stored* entries are the observations,
        so only stored entries equal to ``missing_values`` are missing and the
        mask is returned as a sparse boolean matrix of the same pattern.
    missing_values : float, int or np.nan, default=np.nan
        The marker of a missing entry.

    Returns
    -------
    mask : ndarray of bool or scipy.sparse.csr_array of bool
        True where the entry is missing.

    Examples
    --------
    >>> import numpy as np
    >>> from lrsparse.utils import missing_mask
    >>> missing_mask(np.array([[1.0, np.nan], [np.nan, 4.0]]))
    array([[False,  True],
           [ True, False]])
    """
    if not (isinstance(missing_values, numbers.Real) or missing_values is None):
        raise ValueError(
            f"missing_values must be a number or np.nan; got {missing_values!r}."
        )
    if sp.issparse(X):
        X = sp.csr_array(X)
        data = X.data
        mask_data = np.isnan(data) if is_scalar_nan(missing_values) else data == missing_values
        return sp.csr_array((mask_data, X.indices, X.indptr), shape=X.shape)
    X = np.asarray(X)
    if is_scalar_nan(missing_values):
        if X.dtype.kind not in "fc":
            return np.zeros(X.shape, dtype=bool)
        return np.isnan(X)
    return X == missing_values


def check_component_scores(X, n_components):
    """Validate the input of an ``inverse_transform``: one column per component.

    Parameters
    ----------
    X : array-like of shape (n_samples, n_components)
        Scores, abundances or coordinates on the components.
    n_components : int
        Number of fitted components.

    Returns
    -------
    X : ndarray of shape (n_samples, n_components), float64 or float32
        The validated scores.

    Examples
    --------
    >>> from lrsparse.utils import check_component_scores
    >>> check_component_scores([[0.2, 0.8]], n_components=2)
    array([[0.2, 0.8]])
    """
    X = check_array(X, dtype=[np.float64, np.float32], input_name="X")
    if X.shape[1] != n_components:
        raise ValueError(
            f"X must have n_components={n_components} columns; got {X.shape[1]}."
        )
    return X
