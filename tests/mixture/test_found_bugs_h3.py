"""Bugs found while writing the reference tests of the incremental mixture (helper H3).

These tests fail on the code as committed; each says what is wrong and the fix.
"""

import numpy as np

from lrsparse._kernels.rankone import precision_matvec, precision_rank_one
from lrsparse.mixture import IncrementalGaussianMixture


def test_precision_rank_one_keeps_P_exactly_symmetric():
    """The docstring promises an exactly symmetric ``P'``, but the kernel computes
    ``P[i, j] = a P[i, j] - (b u_i) u_j``, and ``(b u_i) u_j != (b u_j) u_i`` in
    floating point.  ``b * (u[i] * u[j])`` would be exact.  The asymmetry is never
    corrected afterwards (``precision_matvec`` reads ``P`` as symmetric) and is
    multiplied by ``1 / c > 1`` at each IGMN update, so it grows with the stream.
    """
    rng = np.random.default_rng(0)
    d = 5
    Q, _ = np.linalg.qr(rng.standard_normal((d, d)))
    P = (Q * np.geomspace(1.0, 20.0, d)) @ Q.T
    P = (P + P.T) / 2
    e = rng.standard_normal(d)
    u = np.empty(d)
    q = precision_matvec(P, e, u)
    precision_rank_one(P, u, q, 0.7, 0.9)
    np.testing.assert_array_equal(P, P.T)


def test_fitted_precisions_are_exactly_symmetric():
    rng = np.random.default_rng(0)
    X = np.vstack([rng.normal(-4, 1, (400, 4)), rng.normal(4, 1, (400, 4))])
    X = X[rng.permutation(len(X))]
    precisions = IncrementalGaussianMixture().fit(X).precisions_
    np.testing.assert_array_equal(precisions, np.transpose(precisions, (0, 2, 1)))
