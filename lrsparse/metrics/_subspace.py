"""Distances between subspaces."""

import numpy as np
from sklearn.utils import check_array

__all__ = ["principal_angles", "subspace_distance"]


def _orthonormal_basis(A, name):
    A = check_array(A, ensure_min_samples=1, ensure_min_features=1, input_name=name)
    Q, _ = np.linalg.qr(A)
    return Q


def principal_angles(A, B):
    """Principal angles between the column spaces of ``A`` and ``B``.

    Parameters
    ----------
    A : array-like of shape (n, k)
        Basis of the first subspace, one vector per column.
    B : array-like of shape (n, l)
        Basis of the second subspace.  Columns need not be orthonormal, only
        linearly independent; the angles do not depend on their scale.

    Returns
    -------
    angles : ndarray of shape (min(k, l),)
        In radians, ascending, in ``[0, pi/2]``.

    See Also
    --------
    subspace_distance : Sine of the largest angle.

    References
    ----------
    .. [1] A. Bjorck and G. H. Golub, "Numerical methods for computing angles
       between linear subspaces", Math. Comp. 27 (1973).

    Examples
    --------
    >>> import numpy as np
    >>> from lrsparse.metrics import principal_angles
    >>> A = np.eye(3)[:, :2]
    >>> B = np.array([[1.0, 0.0], [0.0, 1.0], [0.0, 1.0]])
    >>> np.degrees(principal_angles(A, B)).round(6)
    array([ 0., 45.])
    """
    Qa = _orthonormal_basis(A, "A")
    Qb = _orthonormal_basis(B, "B")
    if Qa.shape[0] != Qb.shape[0]:
        raise ValueError(
            f"A and B must have the same number of rows; got {Qa.shape[0]} and {Qb.shape[0]}."
        )
    if Qa.shape[1] < Qb.shape[1]:
        Qa, Qb = Qb, Qa
    M = Qa.T @ Qb
    cos = np.clip(np.linalg.svd(M, compute_uv=False), 0.0, 1.0)  # descending
    # Small angles from their sines (arccos loses half the digits near 1).
    sin = np.clip(np.linalg.svd(Qb - Qa @ M, compute_uv=False)[::-1], 0.0, 1.0)
    return np.where(cos > np.sqrt(0.5), np.arcsin(sin), np.arccos(cos))


def subspace_distance(A, B):
    """Sine of the largest principal angle between the column spaces of ``A`` and ``B``.

    For subspaces of equal dimension this equals the spectral norm of the
    difference of the orthogonal projectors, ``||P_A - P_B||_2``; it is 0 for
    the same subspace and 1 when some direction of one is orthogonal to the
    other.  Invariant to the scale and basis of the columns.

    Parameters
    ----------
    A : array-like of shape (n, k)
        Basis of the first subspace, one vector per column.
    B : array-like of shape (n, l)
        Basis of the second subspace.

    Returns
    -------
    distance : float in [0, 1]
        ``sin`` of the largest principal angle (1 when ``k != l``).

    See Also
    --------
    principal_angles : All the angles.

    Examples
    --------
    >>> import numpy as np
    >>> from lrsparse.metrics import subspace_distance
    >>> A = np.eye(3)[:, :2]
    >>> round(subspace_distance(A, 2 * A[:, ::-1]), 12)
    0.0
    >>> round(subspace_distance(A, np.eye(3)[:, 1:]), 12)
    1.0
    """
    angles = principal_angles(A, B)
    if np.shape(A)[1] != np.shape(B)[1]:
        # The larger subspace cannot lie inside the smaller one.
        return 1.0
    return float(np.sin(angles.max()))
