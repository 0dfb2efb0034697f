"""Graph recovery: support of an estimated precision matrix against the truth."""

import numbers

import numpy as np
import scipy.sparse as sp
from sklearn.utils import check_array

from ..utils._sklearn import Interval, validate_params

__all__ = ["edge_f1"]


def _edge_keys(precision, threshold, input_name):
    """Sorted keys ``i * p + j`` (``i < j``) of the entries counted as edges."""
    p = precision.shape[0]
    diag = precision.diagonal()
    if not np.all(diag > 0):
        k = int(np.flatnonzero(~(diag > 0))[0])
        raise ValueError(
            f"{input_name} must have a positive diagonal (a precision matrix); "
            f"{input_name}[{k}, {k}] = {diag[k]!r}."
        )
    root = np.sqrt(diag)
    if sp.issparse(precision):
        coo = sp.coo_array(precision)
        coo.sum_duplicates()
        i = coo.row.astype(np.int64)
        j = coo.col.astype(np.int64)
        upper = i < j
        i, j, values = i[upper], j[upper], coo.data[upper]
    else:
        i, j = np.triu_indices(p, k=1)
        values = precision[i, j]
    # |Theta_ij| / sqrt(Theta_ii Theta_jj), divided in two steps so that
    # neither the product of the diagonals nor the quotient over- or underflows.
    edge = np.abs(values) / root[i] / root[j] > threshold
    return np.sort(i[edge] * p + j[edge])


@validate_params(
    {
        "precision_true": ["array-like", "sparse matrix"],
        "precision_pred": ["array-like", "sparse matrix"],
        "threshold": [Interval(numbers.Real, 0, 1, closed="left")],
    },
    prefer_skip_nested_validation=True,
)
def edge_f1(precision_true, precision_pred, *, threshold=1e-5):
    """F1 score of the recovered graph: the off-diagonal support of two precisions.

    An entry ``(i, j)``, ``i < j``, is an edge of a precision matrix
    ``Theta`` when its scaled magnitude, the absolute partial correlation
    ``|Theta_ij| / sqrt(Theta_ii Theta_jj)``, exceeds ``threshold``.  With
    TP the edges of both matrices, FP those of ``precision_pred`` only and FN
    those of ``precision_true`` only, the score is
    ``2 TP / (2 TP + FP + FN)`` (the F-score of Ying, Cardoso & Palomar,
    ICML 2023, and of graph-learning papers generally; the relative
    threshold is this library's choice).  It is 1 for a perfect recovery,
    0 when no edge is shared, and defined as 1 when neither matrix has an
    edge.  Because the threshold is relative to the diagonal, the score does
    not change when either matrix is multiplied by a positive factor (any
    factor whose products are normal float64 numbers).

    Parameters
    ----------
    precision_true : {array-like, sparse matrix} of shape (n_features, n_features)
        The true precision matrix (e.g. from
        :func:`~lrsparse.datasets.make_mtp2_precision`): finite values and a
        positive diagonal.  Only the upper triangle (``i < j``) and the
        diagonal are read; for a sparse matrix, only stored entries can be
        edges.
    precision_pred : {array-like, sparse matrix} of shape (n_features, n_features)
        The estimated precision matrix (e.g. an estimator's ``precision_``),
        same conditions.
    threshold : float in [0, 1), default=1e-5
        Smallest absolute partial correlation counted as an edge (strictly
        greater counts); 0 counts every nonzero entry.

    Returns
    -------
    f1 : float in [0, 1]
        The F1 score of the predicted edge set.

    References
    ----------
    J. Ying, J. V. de M. Cardoso and D. P. Palomar, "Adaptive Estimation of
    Graphical Models under Total Positivity", ICML 2023.

    Examples
    --------
    >>> import numpy as np
    >>> from lrsparse.metrics import edge_f1
    >>> true = np.array([[2.0, -1.0, 0.0], [-1.0, 2.0, -1.0], [0.0, -1.0, 2.0]])
    >>> pred = np.array([[1.0, -0.3, -0.2], [-0.3, 1.0, 0.0], [-0.2, 0.0, 1.0]])
    >>> edge_f1(true, pred)  # edges {01, 12} vs {01, 02}: TP=1, FP=1, FN=1
    0.5
    >>> edge_f1(true, 1e-100 * pred)
    0.5
    """
    matrices = []
    for name, value in (("precision_true", precision_true),
                        ("precision_pred", precision_pred)):
        M = check_array(value, accept_sparse=("csr", "csc", "coo"), dtype=np.float64,
                        ensure_2d=False, allow_nd=True, ensure_min_samples=0,
                        ensure_min_features=0, input_name=name)
        if M.ndim != 2 or M.shape[0] != M.shape[1] or M.shape[0] == 0:
            raise ValueError(f"{name} must be a non-empty square matrix; got shape {M.shape}.")
        matrices.append(M)
    T, P = matrices
    if T.shape != P.shape:
        raise ValueError(
            f"precision_true and precision_pred must have the same shape; got {T.shape} "
            f"and {P.shape}."
        )
    true_edges = _edge_keys(T, threshold, "precision_true")
    pred_edges = _edge_keys(P, threshold, "precision_pred")
    n_true, n_pred = true_edges.size, pred_edges.size
    if n_true + n_pred == 0:
        return 1.0
    tp = np.intersect1d(true_edges, pred_edges, assume_unique=True).size
    return 2.0 * tp / (n_true + n_pred)
