"""Swivel: embeddings from a co-occurrence matrix, noticing what is missing.

Shazeer, Doherty, Evans & Waterson, "Swivel: Improving Embeddings by
Noticing What's Missing", arXiv:1602.02215, 2016.  The loss, the confidence
function, the fixed biases, the round-robin shards and AdaGrad follow the
authors' TensorFlow code as read for ``../shared/notes/gmm_embeddings.md``
section 3; the block schedule (which blocks run at the same time) is ours.
"""

import numbers
import threading
import time

import numpy as np
import scipy.sparse as sp
from sklearn.base import BaseEstimator, ClassNamePrefixFeaturesOutMixin, TransformerMixin
from sklearn.utils import check_random_state
from sklearn.utils.validation import check_is_fitted

from ..utils._sklearn import Interval, StrOptions, _fit_context, validate_data
from ..utils._solver import serial_blas, warn_not_converged
from ..utils.validation import check_adjacency

__all__ = ["Swivel", "swivel_embedding"]

# Largest shard (rows or columns of a block), as in the paper's code: a
# 4096 x 4096 block of float32 predictions is 64 MB.
_MAX_SHARD = 4096
# A vector moves once per block of its shard, S times an epoch: a small
# vocabulary in one block would move once an epoch (on 2000 planted words, 25
# epochs: PMI correlation 0.16 in one block, 0.84 in 16 shards).
_MIN_SHARDS = 16
_MIN_SHARD_WORDS = 64
# AdaGrad's initial accumulator (TensorFlow's default, which the authors used).
_ADAGRAD_INIT = 0.1

_CONSTRAINTS = {
    "n_components": [Interval(numbers.Integral, 1, None, closed="left")],
    "shard_size": [Interval(numbers.Integral, 1, None, closed="left"), StrOptions({"auto"})],
    "n_epochs": [Interval(numbers.Integral, 1, None, closed="left")],
    "learning_rate": [Interval(numbers.Real, 0, np.inf, closed="neither")],
    "optimizer": [StrOptions({"adagrad", "sgd"})],
    "confidence_base": [Interval(numbers.Real, 0, np.inf, closed="left")],
    "confidence_scale": [Interval(numbers.Real, 0, np.inf, closed="left")],
    "confidence_exponent": [Interval(numbers.Real, 0, np.inf, closed="left")],
    "hinge_count": [Interval(numbers.Real, 0, np.inf, closed="neither")],
    "tol": [Interval(numbers.Real, 0, np.inf, closed="left"), None],
    "n_jobs": [numbers.Integral, None],
    "random_state": ["random_state"],
    "verbose": ["verbose"],
}


def _check_counts(C, input_name="C", square=True):
    """CSR float64 counts with int32 indices; ``ValueError`` for bad shapes or values.

    A co-occurrence matrix is a weighted graph: :func:`~lrsparse.utils.check_adjacency`
    validates it (square, finite, nonnegative, int32-addressable), then the
    counts are cleaned (no explicit zeros, summed duplicates).
    """
    C = check_adjacency(C, input_name=input_name, square=square, dtype=np.float64)
    # a copy: check_adjacency shares the caller's arrays where it can, and the
    # clean-up below works in place
    C = sp.csr_matrix(C, copy=True)
    C.eliminate_zeros()
    C.sum_duplicates()
    if C.nnz and C.data.max() > 1e300:
        raise ValueError(f"{input_name} has counts up to {C.data.max():.3g}: their totals would "
                         "overflow float64. Rescale the counts.")
    return C


def _biases(C, total):
    """Row and column biases of the PMI: ``log x_i* - log(total) / 2``.

    A word without counts has bias ``-inf``: the PMI its pairs would have if
    seen once is ``+inf``, so the soft hinge never pushes them (its cells add
    nothing).
    """
    half = 0.5 * np.log(total)
    with np.errstate(divide="ignore"):
        rows = np.log(np.asarray(C.sum(axis=1)).ravel()) - half
        cols = np.log(np.asarray(C.sum(axis=0)).ravel()) - half
    return rows, cols


def _n_shards(n, shard_size):
    """Number of shards: ``"auto"`` keeps shards of at most 4096 words (the paper's) and
    makes at least 16 of them while each keeps 64 words or more."""
    if shard_size == "auto":
        return max(-(-n // _MAX_SHARD), min(_MIN_SHARDS, -(-n // _MIN_SHARD_WORDS)))
    return -(-n // min(int(shard_size), n))


def _shards(n, shard_size):
    """Round-robin shards: word ``r`` goes to shard ``r % S`` (so each mixes frequencies)."""
    n_shards = _n_shards(n, shard_size)
    order = np.concatenate([np.arange(s, n, n_shards) for s in range(n_shards)])
    bounds = np.concatenate([[0], np.cumsum([len(range(s, n, n_shards))
                                             for s in range(n_shards)])])
    return order, bounds


def swivel_embedding(C, *, n_components=100, shard_size="auto", n_epochs=40, learning_rate=1.0,
                     optimizer="adagrad", confidence_base=0.1, confidence_scale=0.25,
                     confidence_exponent=0.5, hinge_count=1.0, tol=None, n_jobs=None,
                     random_state=None, verbose=0):
    """Learn word (row) and context (column) vectors from co-occurrence counts by Swivel.

    The vectors ``w_i`` (rows) and ``c_j`` (columns) fit the pointwise mutual
    information ``pmi_ij = log x_ij + log x_** - log x_i* - log x_*j`` of the
    counts ``x``: an observed pair (``x_ij > 0``) costs ``f(x_ij) (w_i^T c_j -
    pmi_ij)^2 / 2`` with the confidence ``f(x) = confidence_base +
    confidence_scale x^confidence_exponent``; an unobserved pair costs the
    *soft hinge* ``log(1 + exp(w_i^T c_j - pmi*_ij))``, with ``pmi*`` the PMI
    the pair would have if it had been seen once (count ``hinge_count``),
    which only pushes the
    prediction *down* for frequent words that never met.  Unlike factorising
    the observed pairs alone, every cell of the matrix counts.

    The words are split round-robin into ``S`` shards (word ``r`` in shard
    ``r % S``, so each shard mixes frequent and rare words), and a step takes
    one block (a shard of rows x a shard of columns): all its predictions by
    one dense product, the loss and its gradient in one fused pass
    (:mod:`lrsparse._kernels.swivel`), two more products for the gradients of
    the vectors, and an AdaGrad (or SGD) update.  An epoch visits every block
    once, in ``S`` rounds; round ``t`` holds the blocks ``(s, s + t mod S)``,
    which share no rows and no columns, so they run at the same time on
    ``n_jobs`` threads and the result does not depend on ``n_jobs``; the order
    of the rounds is shuffled every epoch (``random_state``).  The gradient is
    multiplied by ``1 / sqrt(rows x columns)`` of the block, as in the paper.

    Parameters
    ----------
    C : {array-like, sparse matrix} of shape (n_words, n_words)
        Co-occurrence counts (nonnegative; weighted counts are fine).
    n_components : int, default=100
        Dimension of the vectors.
    shard_size : int or "auto", default="auto"
        Words per shard; ``"auto"``: at most 4096 (the paper's), and at least
        16 shards while each keeps 64 words or more (a vector moves once per
        block of its shard, so a small vocabulary in one block would move once
        an epoch).
    n_epochs : int, default=40
        Passes over all blocks (the paper's 40).
    learning_rate : float, default=1.0
        Step size (the paper's AdaGrad 1.0; SGD needs a smaller one).
    optimizer : {"adagrad", "sgd"}, default="adagrad"
        AdaGrad (initial accumulator 0.1) or plain SGD.
    confidence_base, confidence_scale, confidence_exponent : float, default=0.1, 0.25, 0.5
        ``f(x) = base + scale x^exponent`` (the paper's ``0.1 + 0.25 sqrt(x)``).
        ``f`` is in the units of the counts: for counts multiplied by ``a``,
        ``confidence_scale * a^-confidence_exponent`` (with ``hinge_count *
        a``) gives the same fit; the PMI targets do not change.
    hinge_count : float, default=1.0
        The count an unobserved pair stands in for (the paper's 1: "seen
        once"); it is in the units of the counts (``hinge_count * a`` for
        counts multiplied by ``a``).
    tol : float, default=None
        Stop when the mean loss per cell falls by less than ``tol`` (relative)
        in an epoch; then a ``ConvergenceWarning`` is emitted if ``n_epochs``
        ends the fit first.  ``None``: run ``n_epochs`` (a budget, as the paper
        and gensim do), no warning.
    n_jobs : int, default=None
        Threads for the blocks of a round (``None``: 1; ``-1``: all cores).
    random_state : int, RandomState instance or None, default=None
        Seeds the initial vectors (normal, standard deviation
        ``1 / sqrt(n_components)``) and the order of the rounds.
    verbose : int, default=0
        Print the loss and the time of each epoch.

    Returns
    -------
    row_vectors : ndarray of shape (n_words, n_components)
        ``w_i``, float32 (float64 when counts beyond ``[1e-30, 1e30]`` or
        confidences beyond 1e15 need it).
    column_vectors : ndarray of shape (n_words, n_components)
        ``c_j``, float32.
    loss_curve : ndarray of shape (n_epochs_run,)
        Mean loss per cell of each epoch (as the vectors were during it).

    References
    ----------
    .. [1] Shazeer, N., Doherty, R., Evans, C. & Waterson, C. (2016). Swivel:
       Improving Embeddings by Noticing What's Missing. arXiv:1602.02215.

    Examples
    --------
    >>> from lrsparse.datasets import make_planted_cooccurrence
    >>> from lrsparse.embedding import swivel_embedding
    >>> C, U, p = make_planted_cooccurrence(300, 4, random_state=0)
    >>> W, Ct, loss = swivel_embedding(C, n_components=8, n_epochs=20, random_state=0)
    >>> W.shape, bool(loss[-1] < loss[0])
    ((300, 8), True)
    """
    W, Ct, losses, _ = _swivel(
        _check_counts(C), n_components=n_components, shard_size=shard_size,
        n_epochs=n_epochs, learning_rate=learning_rate, optimizer=optimizer,
        confidence_base=confidence_base, confidence_scale=confidence_scale,
        confidence_exponent=confidence_exponent, hinge_count=hinge_count, tol=tol,
        n_jobs=n_jobs, random_state=random_state, verbose=verbose)
    return W, Ct, losses


def _swivel(C, *, n_components, shard_size, n_epochs, learning_rate, optimizer, confidence_base,
            confidence_scale, confidence_exponent, hinge_count, tol, n_jobs, random_state,
            verbose):
    """:func:`swivel_embedding` on checked counts (:func:`_check_counts`); also returns
    the PMI biases ``(row_bias, col_bias)`` that ``Swivel.transform`` reuses."""
    from .._kernels.swivel import adagrad_step, block_loss_gradient

    n = C.shape[0]
    if C.nnz == 0:
        raise ValueError("C has no positive count: there is nothing to embed.")
    rng = check_random_state(random_state)
    d = int(n_components)
    total = float(C.data.sum())
    row_bias, col_bias = _biases(C, total)
    order, bounds = _shards(n, shard_size)
    S = len(bounds) - 1
    Cp = C[order][:, order].tocsr()
    Cp.sort_indices()
    # float32 as the paper (half the memory and time of the products), unless
    # the counts or confidences would leave float32's range
    low, high = float(C.data.min()), float(C.data.max())
    f_high = confidence_base + confidence_scale * high ** confidence_exponent
    safe = 1e-30 < low and high < 1e30 and f_high < 1e15 and 1e-30 < hinge_count < 1e30
    dtype = np.float32 if safe else np.float64
    log_hinge = float(np.log(hinge_count))
    rb = row_bias[order].astype(dtype)
    cb = col_bias[order].astype(dtype)
    blocks = {}
    for i in range(S):
        strip = Cp[bounds[i]:bounds[i + 1]]
        for j in range(S):
            blk = strip[:, bounds[j]:bounds[j + 1]].tocsr()
            blk.sort_indices()
            blocks[i, j] = (blk.indptr.astype(np.int32), blk.indices.astype(np.int32),
                            blk.data.astype(dtype))
    scale = 1.0 / np.sqrt(d)
    W = (rng.standard_normal((n, d)) * scale).astype(dtype)
    Ct = (rng.standard_normal((n, d)) * scale).astype(dtype)
    accW = np.full((n, d), _ADAGRAD_INIT, dtype=dtype)
    accC = np.full((n, d), _ADAGRAD_INIT, dtype=dtype)
    adagrad = optimizer == "adagrad"
    lr = float(learning_rate)

    scratch = threading.local()  # one block-sized buffer per thread and shape

    def step(i, j):
        r0, r1, c0, c1 = bounds[i], bounds[i + 1], bounds[j], bounds[j + 1]
        Wr, Cc = W[r0:r1], Ct[c0:c1]
        indptr, indices, data = blocks[i, j]
        shape = (r1 - r0, c1 - c0)
        buffers = scratch.__dict__.setdefault("buffers", {})
        if shape not in buffers:  # reused: a fresh 64 MB block costs its page faults
            buffers[shape] = (np.empty(shape, dtype=dtype), np.empty(shape, dtype=dtype))
        P, E = buffers[shape]
        np.matmul(Wr, Cc.T, out=P)
        obs, unobs = block_loss_gradient(
            P, rb[r0:r1], cb[c0:c1], indptr, indices, data, confidence_base,
            confidence_scale, confidence_exponent, log_hinge,
            1.0 / np.sqrt((r1 - r0) * (c1 - c0)), np.empty(max(len(data), 1), dtype=dtype), E)
        gW = P @ Cc
        gC = P.T @ Wr
        if adagrad:
            adagrad_step(Wr, gW, accW[r0:r1], lr)
            adagrad_step(Cc, gC, accC[c0:c1], lr)
        else:
            Wr -= lr * gW
            Cc -= lr * gC
        return obs + unobs

    from ..utils._numba import resolve_n_jobs

    threads = min(resolve_n_jobs(n_jobs), S)
    cells = float(n) * float(n)
    losses = []
    converged = tol is None
    # one BLAS thread per block product: the parallelism is over blocks
    # (n_jobs); threaded BLAS on these products was 8x slower on 2 busy cores
    with serial_blas(True):
        pool = None
        if threads > 1:
            from concurrent.futures import ThreadPoolExecutor

            pool = ThreadPoolExecutor(threads)
        try:
            for epoch in range(int(n_epochs)):
                tic = time.perf_counter()
                loss = 0.0
                for t in rng.permutation(S):
                    pairs = [(i, (i + t) % S) for i in range(S)]
                    if pool is None:
                        parts = [step(i, j) for i, j in pairs]
                    else:
                        parts = list(pool.map(lambda ij: step(*ij), pairs))
                    loss += sum(parts)
                losses.append(loss / cells)
                if verbose:
                    print(f"[Swivel] epoch {epoch + 1}/{n_epochs}: mean loss per cell "
                          f"{losses[-1]:.6g}, {time.perf_counter() - tic:.2f} s")
                if not np.isfinite(losses[-1]):
                    raise FloatingPointError(
                        f"Swivel diverged at epoch {epoch + 1} (loss {losses[-1]}); lower "
                        "learning_rate.")
                if tol is not None and len(losses) > 1:
                    change = (losses[-2] - losses[-1]) / max(abs(losses[-2]), 1e-300)
                    if change < tol:
                        converged = True
                        break
        finally:
            if pool is not None:
                pool.shutdown()
    if not converged:
        change = (losses[-2] - losses[-1]) / abs(losses[-2]) if len(losses) > 1 else np.nan
        warn_not_converged("Swivel", int(n_epochs), change, tol,
                           what="relative loss decrease per epoch", param="n_epochs",
                           unit="epochs")
    inverse = np.empty(n, dtype=np.intp)
    inverse[order] = np.arange(n)
    return W[inverse], Ct[inverse], np.asarray(losses), (row_bias, col_bias)


class Swivel(ClassNamePrefixFeaturesOutMixin, TransformerMixin, BaseEstimator):
    """Word embeddings from a co-occurrence matrix by Swivel (soft hinge on unobserved pairs).

    Factorises the pointwise mutual information of the counts into row
    (word) and column (context) vectors, with a confidence-weighted squared
    error on the observed pairs and a soft hinge on the pairs never observed
    (see :func:`swivel_embedding` for the loss, the shards and the parallel
    schedule).  The embedding of a word is the sum of its row and column
    vectors, as the authors' tools do.  ``fit(C)`` takes a square sparse
    co-occurrence matrix, for example the output of
    :class:`lrsparse.feature_extraction.CooccurrenceVectorizer`; in a
    ``Pipeline`` after it, ``fit_transform(documents)`` gives the embedding of
    the vocabulary.  Read more in the :ref:`User Guide <swivel>`.

    The estimator is *pairwise*, like ``SVC(kernel="precomputed")``:
    ``transform(X)`` takes rows of co-occurrence counts of (new) words with
    the fitted vocabulary (shape ``(n, n_words)``) and folds them in: each
    row's vectors solve the observed-pair part of the loss (a
    confidence-weighted ridge regression on the fitted column and row
    vectors), and their sum is returned.  ``transform(C)`` of the fitted
    matrix gives vectors close to ``embedding_``, not equal (the soft hinge is
    left out of the fold-in).

    Parameters
    ----------
    n_components : int, default=100
        Dimension of the embedding.
    shard_size : int or "auto", default="auto"
        Words per shard (``"auto"``: at most 4096, and at least 16 shards while
        each keeps 64 words).
    n_epochs : int, default=40
        Passes over all blocks.
    learning_rate : float, default=1.0
        Step size.
    optimizer : {"adagrad", "sgd"}, default="adagrad"
        The update rule.
    confidence_base : float, default=0.1
        ``f(x) = confidence_base + confidence_scale x^confidence_exponent``.
    confidence_scale : float, default=0.25
        See ``confidence_base``; for counts multiplied by ``a`` use
        ``confidence_scale * a^-confidence_exponent`` and ``hinge_count * a``
        for the same fit.
    confidence_exponent : float, default=0.5
        See ``confidence_base``.
    hinge_count : float, default=1.0
        The count an unobserved pair stands in for (in the units of the
        counts).
    tol : float, default=None
        Relative loss decrease per epoch that stops the fit early
        (``ConvergenceWarning`` if ``n_epochs`` comes first); ``None`` runs
        every epoch.
    n_jobs : int, default=None
        Threads for the blocks of a round; the result does not depend on it.
    random_state : int, RandomState instance or None, default=None
        Seeds the initial vectors and the order of the rounds.
    verbose : int, default=0
        Print the loss and time of each epoch.

    Attributes
    ----------
    embedding_ : ndarray of shape (n_words, n_components)
        Row plus column vectors of each word (float32).
    row_embeddings_ : ndarray of shape (n_words, n_components)
        The row (word) vectors.
    column_embeddings_ : ndarray of shape (n_words, n_components)
        The column (context) vectors.
    loss_curve_ : ndarray of shape (n_iter,)
        Mean loss per cell of each epoch.
    n_iter_ : int
        Epochs run.
    n_features_in_ : int
        Number of words (columns of ``C``).

    See Also
    --------
    swivel_embedding : The function on arrays.
    lrsparse.feature_extraction.CooccurrenceVectorizer : Counts from documents.
    lrsparse.metrics.nearest_words : Nearest neighbours of a word.
    lrsparse.metrics.word_similarity_score : Evaluation on a word-similarity list.

    References
    ----------
    .. [1] Shazeer, N., Doherty, R., Evans, C. & Waterson, C. (2016). Swivel:
       Improving Embeddings by Noticing What's Missing. arXiv:1602.02215.

    Examples
    --------
    >>> from lrsparse.datasets import make_planted_cooccurrence
    >>> from lrsparse.embedding import Swivel
    >>> C, U, p = make_planted_cooccurrence(300, 4, random_state=0)
    >>> model = Swivel(n_components=8, n_epochs=20, random_state=0).fit(C)
    >>> model.embedding_.shape
    (300, 8)
    """

    _parameter_constraints: dict = dict(_CONSTRAINTS)

    def __init__(self, n_components=100, *, shard_size="auto", n_epochs=40, learning_rate=1.0,
                 optimizer="adagrad", confidence_base=0.1, confidence_scale=0.25,
                 confidence_exponent=0.5, hinge_count=1.0, tol=None, n_jobs=None,
                 random_state=None, verbose=0):
        self.n_components = n_components
        self.shard_size = shard_size
        self.n_epochs = n_epochs
        self.learning_rate = learning_rate
        self.optimizer = optimizer
        self.confidence_base = confidence_base
        self.confidence_scale = confidence_scale
        self.confidence_exponent = confidence_exponent
        self.hinge_count = hinge_count
        self.tol = tol
        self.n_jobs = n_jobs
        self.random_state = random_state
        self.verbose = verbose

    @_fit_context(prefer_skip_nested_validation=True)
    def fit(self, X, y=None):
        """Learn the embedding of the words of a co-occurrence matrix.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_words, n_words)
            Co-occurrence counts (nonnegative).
        y : Ignored
            Not used, present for API consistency.

        Returns
        -------
        self : object
            The fitted estimator.
        """
        X = validate_data(self, X, accept_sparse=("csr", "csc", "coo"), dtype=np.float64,
                          reset=True)
        C = _check_counts(X, input_name="X")
        params = {k: getattr(self, k) for k in _CONSTRAINTS}
        W, Ct, losses, self._biases = _swivel(C, **params)
        self.row_embeddings_, self.column_embeddings_ = W, Ct
        self.embedding_ = W + Ct
        self.loss_curve_ = losses
        self.n_iter_ = len(losses)
        self._half_log_total = 0.5 * np.log(float(C.data.sum()))
        # a small ridge for the fold-in: 1e-3 of the mean confidence of the counts
        f = self.confidence_base + self.confidence_scale * C.data ** self.confidence_exponent
        self._fold_in_ridge = 1e-3 * max(float(f.mean()), np.finfo(np.float64).tiny)
        self._n_features_out = self.embedding_.shape[1]
        return self

    def fit_transform(self, X, y=None):
        """Learn the embedding and return ``embedding_``.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_words, n_words)
            Co-occurrence counts (nonnegative).
        y : Ignored
            Not used, present for API consistency.

        Returns
        -------
        embedding : ndarray of shape (n_words, n_components)
            Row plus column vectors of each word.
        """
        return self.fit(X, y).embedding_

    def transform(self, X):
        """Fold in words from their co-occurrence counts with the fitted vocabulary.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_words)
            Counts of each new word with the fitted words (nonnegative).

        Returns
        -------
        embedding : ndarray of shape (n_samples, n_components)
            Row plus column vectors of each word, by confidence-weighted ridge
            regressions on the observed pairs (zero for a row without counts).
        """
        from .._kernels.sampled import ridge_fold_in

        check_is_fitted(self)
        X = validate_data(self, X, accept_sparse=("csr", "csc", "coo"), dtype=np.float64,
                          reset=False)
        A = _check_counts(X, input_name="X", square=False)
        row_bias, col_bias = self._biases
        # the new words' own PMI biases, as _biases gives the fitted ones
        with np.errstate(divide="ignore"):
            own = np.log(np.asarray(A.sum(axis=1)).ravel()) - self._half_log_total
        rows = np.repeat(np.arange(A.shape[0]), np.diff(A.indptr))
        f = self.confidence_base + self.confidence_scale * A.data ** self.confidence_exponent
        ridge = np.full(self.n_components, self._fold_in_ridge)
        out = np.zeros((A.shape[0], self.n_components))
        for V, bias in ((self.column_embeddings_, col_bias), (self.row_embeddings_, row_bias)):
            with np.errstate(divide="ignore"):
                pmi = np.log(A.data) - own[rows] - bias[A.indices]
            # a fitted word without counts cannot carry information: its target is dropped
            weights = np.where(np.isfinite(pmi), f, 0.0)
            pmi = np.where(np.isfinite(pmi), pmi, 0.0)
            out += ridge_fold_in(A.indptr, A.indices, pmi, np.ascontiguousarray(V, np.float64),
                                 ridge, weights)
        return out.astype(np.float32)

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.sparse = True
        tags.input_tags.pairwise = True
        tags.input_tags.positive_only = True
        tags.transformer_tags.preserves_dtype = []
        return tags
