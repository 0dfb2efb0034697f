"""The per-block arithmetic of Swivel (PMI factorisation with a soft hinge on unobserved pairs).

* :func:`block_loss_gradient` -- over one block of predictions
  ``P = W_rows C_cols^T``, the loss of every cell and its derivative with
  respect to the prediction, in place: the soft hinge ``softplus(p - pmi*)``
  on unobserved pairs and ``f(x) (p - pmi)^2 / 2`` on observed ones, in one
  pass of vectorised arithmetic around NumPy's vectorised ``exp``.  :func:`adagrad_step`
  -- the AdaGrad update of a block of vectors.  ``Swivel`` and
  ``swivel_embedding`` (:mod:`lrsparse.embedding`).

:func:`_warm_up` compiles them once for float64 and float32.
"""

import numpy as np

from ..utils._numba import jit

__all__ = ["adagrad_step", "block_loss_gradient"]


# Below this, log1p(e) = e - e^2/2 + ... and e / (1 + e) = e - e^2 + ... equal
# e to better than 1e-9 relative: the (many) cells far below the hinge skip
# the logarithm and the division.
_TINY_TERM = 1e-9


@jit
def _softplus_sigmoid(z):
    """``log(1 + e^z)`` and ``1 / (1 + e^-z)``, without overflow (``z = -inf`` gives 0, 0)."""
    ez = np.exp(-abs(z))
    if z >= 0.0:
        return z + np.log1p(ez), 1.0 / (1.0 + ez)
    if ez < _TINY_TERM:
        return ez, ez
    return np.log1p(ez), ez / (1.0 + ez)


@jit
def _observed_and_shift(P, row_bias, col_bias, indptr, indices, data, base, scale, exponent,
                        log_hinge, multiplier, obs_grad, Q):
    """The observed cells' loss and gradient (into ``obs_grad``, one per stored
    count), then ``P <- z = p - pmi*`` and ``Q <- -|z|`` for every cell."""
    k_r, k_c = P.shape
    obs = 0.0
    unobs = 0.0
    for i in range(k_r):
        # observed cells first, while P holds their predictions
        for q in range(indptr[i], indptr[i + 1]):
            j = indices[q]
            x = data[q]
            err = P[i, j] - (np.log(x) - row_bias[i] - col_bias[j])
            f = base + scale * x ** exponent
            obs += 0.5 * f * err * err
            obs_grad[q] = multiplier * f * err
            # the hinge pass visits this cell too: take its share back out
            sp, _ = _softplus_sigmoid(P[i, j] + row_bias[i] + col_bias[j] - log_hinge)
            unobs -= sp
        rb = row_bias[i] - log_hinge
        for j in range(k_c):
            z = P[i, j] + rb + col_bias[j]
            P[i, j] = z
            Q[i, j] = -abs(z)
    return obs, unobs


@jit
def _hinge(P, E, indptr, indices, multiplier, obs_grad):
    """From ``z`` (in ``P``) and ``e = exp(-|z|)`` (in ``E``): the hinge loss of every
    cell and ``P <- multiplier * sigmoid(z)``, then the observed cells' gradients.

    ``softplus(z) = max(z, 0) + log(1 + e)``; the logarithms are summed as the
    logarithm of a product of 64 factors in ``[1, 2]`` (float64, exact to
    rounding), one ``log`` per 64 cells: the loop is branch-free arithmetic,
    which the compiler vectorises.
    """
    k_r, k_c = P.shape
    positive = 0.0
    logs = 0.0
    for i in range(k_r):
        prod = 1.0
        for j in range(k_c):
            z = P[i, j]
            e = E[i, j]
            inv = 1.0 / (1.0 + e)
            positive += max(z, 0.0)
            prod *= 1.0 + e
            if (j & 63) == 63:
                logs += np.log(prod)
                prod = 1.0
            P[i, j] = multiplier * (inv if z >= 0.0 else e * inv)
        logs += np.log(prod)
        for q in range(indptr[i], indptr[i + 1]):
            P[i, indices[q]] = obs_grad[q]
    return positive + logs


def block_loss_gradient(P, row_bias, col_bias, indptr, indices, data, base, scale, exponent,
                        log_hinge, multiplier, obs_grad, E):
    """Swivel's loss on one block; ``P`` becomes ``multiplier * d loss / d P`` in place.

    Three passes: the observed cells and ``z = p - pmi*`` (numba), ``e =
    exp(-|z|)`` by NumPy's vectorised exponential, and the soft hinge's loss
    and sigmoid (numba, branch-free): about 3 ns per cell where one fused
    scalar loop took 18 (the scalar ``exp`` and ``log1p`` calls of numba,
    which has no vectorised transcendentals here).

    Parameters
    ----------
    P : (k_r, k_c) predictions ``w_i^T c_j`` of the block (overwritten).
    row_bias, col_bias : (k_r,), (k_c,) -- ``log x_i* - log(total) / 2`` and
        ``log x_*j - log(total) / 2``, so that ``pmi_ij = log x_ij - row_bias_i -
        col_bias_j``, and the PMI an unobserved pair would have with the count
        ``h`` is ``log h - row_bias_i - col_bias_j``.  A row or column
        without counts has bias ``-inf``: its cells then add nothing.
    indptr, indices, data : the block's observed counts in CSR (local column
        indices, positive counts).
    base, scale, exponent : confidence ``f(x) = base + scale x^exponent``.
    log_hinge : ``log h``, the count an unobserved pair stands in for (the
        paper's ``h = 1``).
    multiplier : scales the gradient (Swivel's ``1 / sqrt(k_r k_c)``).
    obs_grad : scratch array of at least ``nnz`` of the block.
    E : scratch array of ``P``'s shape and dtype.

    Returns
    -------
    observed_loss, unobserved_loss : float
        ``sum f(x) (p - pmi)^2 / 2`` over the observed cells and ``sum
        softplus(p - pmi*)`` over the others (not multiplied).
    """
    obs, correction = _observed_and_shift(P, row_bias, col_bias, indptr, indices, data, base,
                                          scale, exponent, log_hinge, multiplier, obs_grad, E)
    np.exp(E, out=E)
    hinge = _hinge(P, E, indptr, indices, multiplier, obs_grad)
    return obs, hinge + correction


@jit
def adagrad_step(W, G, acc, learning_rate):
    """AdaGrad in place: ``acc += G^2``, ``W -= learning_rate G / sqrt(acc)``."""
    n, d = W.shape
    for i in range(n):
        for j in range(d):
            g = G[i, j]
            a = acc[i, j] + g * g
            acc[i, j] = a
            W[i, j] -= learning_rate * g / np.sqrt(a)


def _warm_up():
    """Compile both kernels once for float64 and float32 (C-contiguous)."""
    for dtype in (np.float64, np.float32):
        P = np.zeros((2, 3), dtype=dtype)
        bias = np.zeros(2, dtype=dtype)
        cbias = np.zeros(3, dtype=dtype)
        indptr = np.array([0, 1, 1], dtype=np.int32)
        indices = np.array([2], dtype=np.int32)
        data = np.ones(1, dtype=dtype)
        block_loss_gradient(P, bias, cbias, indptr, indices, data, 0.1, 0.25, 0.5, 0.0, 0.5,
                            np.zeros(3, dtype=dtype), np.empty_like(P))
        W = np.zeros((2, 2), dtype=dtype)
        adagrad_step(W, np.ones((2, 2), dtype=dtype), np.full((2, 2), 0.1, dtype=dtype), 1.0)
