"""Co-occurrence counts drawn from a planted low-rank PMI (for Swivel and PMI factorisations)."""

import numbers

import numpy as np
import scipy.sparse as sp
from sklearn.utils import check_random_state

from ..utils._sklearn import Interval, validate_params

__all__ = ["make_planted_cooccurrence"]

# Tiles of the upper triangle: _ROWS rows x _COLS columns (a multiple of _CHUNK) of float32 rates
# (16 MB), so that no n x n array is ever held.
_ROWS, _COLS = 1024, 4096
# Cells with rate >= _DIRECT get their own Poisson draw; the rest of a row
# gets one Poisson total, spread over its cells in proportion to their rates
# (a chunk of _CHUNK cells first, then a cell in it).
_DIRECT, _CHUNK = 0.5, 64
# The normaliser Z is known only after the pass over all cells: the pass
# draws at the rate of a lower estimate of Z (a Monte Carlo mean over
# _MC_PAIRS pairs, times _MC_SAFETY) and thins the counts at the end.
_MC_PAIRS, _MC_SAFETY = 100_000, 0.9


def _zipf_log_probabilities(n_words, exponent):
    """``log p_i`` with ``p_i = (i + 1)^-s / sum_k (k + 1)^-s``, computed in logs."""
    log_w = -exponent * np.log(np.arange(1, n_words + 1, dtype=np.float64))
    top = log_w.max()
    return log_w - (top + np.log(np.exp(log_w - top).sum()))


def _monte_carlo_normaliser(U, p, rng):
    """Mean of ``exp(u_i . u_j)`` over pairs drawn from ``p x p`` (an estimate of Z)."""
    i = rng.choice(p.size, size=_MC_PAIRS, p=p)
    j = rng.choice(p.size, size=_MC_PAIRS, p=p)
    return float(np.mean(np.exp(np.einsum("ij,ij->i", U[i], U[j]))))


def _inverse_transform(weights, rows, rng):
    """For each entry ``k`` of ``rows``, a column of ``weights[k]`` drawn with
    probability proportional to the weights (inverse transform sampling).

    All at once: row ``k``'s cumulative weights, normalised to (0, 1], plus
    ``k``, are searched for ``k + uniform``.  Every row of ``weights`` must
    have a positive sum; a zero weight is never drawn.
    """
    width = weights.shape[1]
    cum = np.cumsum(weights, axis=1, dtype=np.float64)
    cum /= cum[:, -1:]
    cum += np.arange(weights.shape[0], dtype=np.float64)[:, None]
    pos = np.searchsorted(cum.reshape(-1), rows + rng.random_sample(rows.size), side="right")
    return np.minimum(pos - rows * width, width - 1)  # min: rounding at a row's end


def _tile_counts(rates, rng):
    """Independent Poisson counts of a tile of rates: ``(flat indices, counts, sum of rates)``.

    Cells with a rate >= ``_DIRECT`` are drawn one by one.  For the others,
    each row draws its total ``T ~ Poisson(sum of its small rates)`` and
    places the ``T`` events on its cells with probabilities proportional to
    the rates (a multinomial given the total: the counts of the cells are
    then independent Poisson variables), choosing a chunk of ``_CHUNK``
    cells first and a cell in it next when the events are few.  The width
    of ``rates`` is a multiple of ``_CHUNK``; ``rates`` is overwritten.
    """
    height, width = rates.shape
    chunked = rates.reshape(height, width // _CHUNK, _CHUNK)
    segments = chunked.reshape(-1, _CHUNK)
    ones = np.ones(_CHUNK, dtype=rates.dtype)
    sums = (segments @ ones).reshape(height, -1)  # BLAS: faster than sum(axis=2)
    # the cells >= _DIRECT are in chunks whose sum is >= _DIRECT (rates >= 0)
    candidates = np.flatnonzero(sums.reshape(-1) >= _DIRECT)
    found = segments[candidates]
    at, offset = np.nonzero(found >= _DIRECT)
    big = candidates[at] * _CHUNK + offset
    big_rates = found[at, offset].astype(np.float64)
    big_counts = rng.poisson(big_rates)
    segments[candidates[at], offset] = 0.0
    sums.reshape(-1)[candidates] = segments[candidates] @ ones
    big, big_counts = big[big_counts > 0], big_counts[big_counts > 0]
    chunks = sums.astype(np.float64)
    row_rates = chunks.sum(axis=1)
    total = float(big_rates.sum() + row_rates.sum())
    totals = rng.poisson(row_rates)
    rows = np.flatnonzero(totals)
    if rows.size == 0:
        return big, big_counts, total
    event_rows = np.repeat(np.arange(rows.size), totals[rows])
    if event_rows.size * _CHUNK >= rows.size * width:  # many events: whole rows
        col = _inverse_transform(rates[rows], event_rows, rng)
    else:
        chunk = _inverse_transform(chunks[rows], event_rows, rng)
        segments = chunked[rows[event_rows], chunk]
        col = chunk * _CHUNK + _inverse_transform(segments, np.arange(event_rows.size), rng)
    small, small_counts = np.unique(rows[event_rows] * width + col, return_counts=True)
    return np.concatenate([big, small]), np.concatenate([big_counts, small_counts]), total


def _upper_counts(A, B, n_words, rng):
    """Poisson counts of the upper triangle (``i <= j``) with rates ``exp(A_i . B_j)``.

    ``A`` and ``B`` are float32 ``(n_words, k)``; returns the rows, columns
    and counts of the nonzero cells and the float64 sum of all the rates of
    the upper triangle.
    """
    rows, cols, counts = [], [], []
    total = 0.0
    n_cols = -(-n_words // _CHUNK) * _CHUNK  # tiles as wide as whole chunks
    B = np.vstack([B, np.zeros((n_cols - n_words, B.shape[1]), dtype=B.dtype)])
    for a in range(0, n_words, _ROWS):
        height = min(_ROWS, n_words - a)
        for c in range(a - a % _CHUNK, n_cols, _COLS):
            width = min(_COLS, n_cols - c)
            rates = A[a:a + height] @ B[c:c + width].T
            np.exp(rates, out=rates)
            if c < a + height:  # a tile across the diagonal: keep j >= i
                rates *= np.arange(c, c + width)[None, :] >= np.arange(a, a + height)[:, None]
            if c + width > n_words:  # the padding columns
                rates[:, n_words - c:] = 0.0
            cells, k, tile_total = _tile_counts(rates, rng)
            total += tile_total
            if cells.size:
                i, j = np.divmod(cells, width)
                rows.append(i + a)
                cols.append(j + c)
                counts.append(k)
    if rows:
        return np.concatenate(rows), np.concatenate(cols), np.concatenate(counts), total
    empty = np.empty(0, dtype=np.int64)
    return empty, empty, empty, total


@validate_params(
    {
        "n_words": [Interval(numbers.Integral, 1, np.iinfo(np.int32).max, closed="both")],
        "rank": [Interval(numbers.Integral, 1, None, closed="left")],
        "n_tokens": [Interval(numbers.Real, 1, 1e15, closed="both"), None],
        "zipf_exponent": [Interval(numbers.Real, 0, 10, closed="both")],
        "pmi_scale": [Interval(numbers.Real, 0, 10, closed="both")],
        "random_state": ["random_state"],
    },
    prefer_skip_nested_validation=True,
)
def make_planted_cooccurrence(n_words=2000, rank=16, *, n_tokens=None, zipf_exponent=1.0,
                              pmi_scale=1.0, random_state=None):
    """Symmetric co-occurrence counts drawn from a planted low-rank PMI, with the truth.

    The data for :class:`~lrsparse.embedding.Swivel` and other PMI
    factorisations: frequent pairs are observed many times, rare pairs are
    often never seen (the regime of Swivel's soft hinge), and the PMI that
    generated the counts is ``U U^T`` for known vectors ``U``.

    The model, with words numbered by decreasing frequency:

    - **Frequencies** (Zipf's law): ``p_i = (i + 1)^(-s) / sum_k (k + 1)^(-s)``
      for ``i = 0, ..., n_words - 1``, ``s = zipf_exponent`` (``s = 0``:
      all words equally frequent).
    - **Planted vectors**: the rows of ``U`` (``n_words x rank``) are
      independent and uniformly distributed on the sphere of radius
      ``rho = sqrt(pmi_scale * sqrt(rank))`` (standard normal vectors scaled
      to that length), so that the planted PMI of two different words,
      ``PMI_ij = u_i . u_j = rho^2 cos(u_i, u_j)``, has mean 0 and standard
      deviation ``pmi_scale`` whatever ``rank``, and the diagonal
      ``PMI_ii = rho^2 = pmi_scale * sqrt(rank)``.  (Vectors of equal length
      keep every word's marginal close to its frequency; with Gaussian
      vectors of random lengths, long vectors would co-occur more and add
      row offsets to the PMI.)
    - **Expected counts**: ``E[C_ij] = N p_i p_j exp(u_i . u_j) / Z`` with
      ``N = n_tokens`` and ``Z = sum_{i, j} p_i p_j exp(u_i . u_j)``, so that
      the expected sum of all entries of ``C`` is exactly ``N`` (each
      unordered pair ``i != j`` contributes twice, as in a symmetric
      co-occurrence matrix).
    - **Counts**: ``C_ij ~ Poisson(E[C_ij])`` independently for ``i <= j``,
      and ``C_ji = C_ij``.

    The marginals of the expected counts are close to, but not exactly,
    ``N p`` (a word whose vector points where the frequent words' vectors
    point co-occurs a little more than its frequency says).  So the PMI
    measured from the counts, ``log(C_ij N / (C_i* C_*j))``, is
    ``u_i . u_j`` plus row and column offsets (a standard deviation of
    about 0.15 to 0.2 at ``pmi_scale=1``) plus sampling noise, which is
    small for pairs with many counts.

    Cost: the rates are computed tile by tile (float32 products of the
    vectors with ``log p`` and ``log(N / Z)`` folded in, so the rates are
    exact to single precision), in ``O(n_words^2 rank)`` time and
    ``O(nnz + n_words rank)`` memory (tiles of 1024 x 4096 rates); no
    ``n_words x n_words`` array is formed.  Every cell's rate is computed
    (``Z`` and the row totals need them all), so 50,000 words take seconds:
    about 5 s with ``n_tokens=2e6`` and 15 s with the default ``2.5e7`` on
    two busy cores, half of it the products and exponentials.  Rates of at
    least 0.5 are drawn one by one; smaller ones by rows: one Poisson total
    per row of a tile, placed by inverse transform sampling (a chunk of 64
    cells, then a cell), an exact way to draw independent Poisson counts.  ``Z`` is
    only known after the pass, so the pass draws at the rate of a lower
    estimate of ``Z`` and thins the counts (binomially) at the end, which
    gives exactly the Poisson counts above.

    Parameters
    ----------
    n_words : int >= 1, default=2000
        Vocabulary size ``n``: ``C`` is ``n x n``.
    rank : int >= 1, default=16
        Rank of the planted PMI ``U U^T`` (columns of ``embeddings``).
    n_tokens : float in [1, 1e15] or None, default=None
        ``N``, the expected sum of all the counts (the number of
        co-occurrence events; the sparsity of ``C`` grows as it falls).
        ``None``: ``500 * n_words``.
    zipf_exponent : float in [0, 10], default=1.0
        Exponent ``s`` of Zipf's law for the frequencies (natural text:
        about 1).
    pmi_scale : float in [0, 10], default=1.0
        Standard deviation of the planted PMI between two different words
        (``0``: every pair independent, ``C`` has rank-one expectation).
    random_state : int, RandomState instance or None, default=None
        Seed of the vectors and the counts; the same seed gives the same
        data (on one machine: the float32 products of another BLAS may round
        differently and move a count).

    Returns
    -------
    C : scipy.sparse.csr_array of shape (n_words, n_words)
        Symmetric nonnegative integer counts (float64 values, int32 indices,
        sorted, no explicit zeros).
    embeddings : ndarray of shape (n_words, rank)
        The planted vectors ``U`` (float64, exactly representable in
        float32): the planted PMI is ``embeddings @ embeddings.T``.
    frequencies : ndarray of shape (n_words,)
        The unigram probabilities ``p`` (float64, decreasing, summing to 1).

    See Also
    --------
    lrsparse.embedding.Swivel : Embeddings fitted to such counts.
    lrsparse.feature_extraction.CooccurrenceVectorizer : Counts of a real corpus.

    References
    ----------
    .. [1] N. Shazeer, R. Doherty, C. Evans and C. Waterson, "Swivel: Improving
       Embeddings by Noticing What's Missing", arXiv:1602.02215, 2016.
    .. [2] O. Levy and Y. Goldberg, "Neural Word Embedding as Implicit Matrix
       Factorization", NeurIPS 2014 (word embeddings as factorisations of
       the PMI).

    Examples
    --------
    >>> import numpy as np
    >>> from lrsparse.datasets import make_planted_cooccurrence
    >>> C, U, p = make_planted_cooccurrence(500, 8, n_tokens=1e6, random_state=0)
    >>> C.shape, U.shape, p.shape, (C != C.T).nnz
    ((500, 500), (500, 8), (500,), 0)
    >>> bool(abs(C.sum() / 1e6 - 1) < 0.01)  # about n_tokens events
    True
    >>> r, c = C.nonzero()
    >>> frequent = C.data >= 100  # the empirical PMI of frequent pairs follows U U^T
    >>> pmi = np.log(C.data * C.sum() / (C.sum(axis=1)[r] * C.sum(axis=0)[c]))
    >>> truth = np.einsum("ij,ij->i", U[r], U[c])
    >>> bool(np.corrcoef(pmi[frequent], truth[frequent])[0, 1] > 0.8)
    True
    """
    n = int(n_words)
    N = 500.0 * n if n_tokens is None else float(n_tokens)
    rng = check_random_state(random_state)
    log_p = _zipf_log_probabilities(n, float(zipf_exponent))
    p = np.exp(log_p)
    U = rng.standard_normal((n, rank))
    U *= np.sqrt(pmi_scale * np.sqrt(rank)) / np.linalg.norm(U, axis=1, keepdims=True)
    U = U.astype(np.float32).astype(np.float64)

    # A lower estimate of Z: every rate drawn at, N w_ij / z_low, is then at
    # most N <= 1e15 (w_ij <= sqrt(w_ii w_jj) <= diag <= z_low), which float32
    # and the Poisson sampler carry.
    half_sq = 0.5 * np.einsum("ij,ij->i", U, U)
    diag = float(np.exp(2 * log_p + 2 * half_sq).sum())  # sum_i p_i^2 exp(|u_i|^2) <= Z
    z_low = max(_MC_SAFETY * _monte_carlo_normaliser(U, p / p.sum(), rng), diag)

    for _ in range(2):  # a second pass only if the estimate of Z was too high
        log_rate = np.log(N / z_low)
        shift = 0.5 * log_rate + log_p
        A = np.hstack([U, shift[:, None], np.ones((n, 1))]).astype(np.float32)
        B = np.hstack([U, np.ones((n, 1)), shift[:, None]]).astype(np.float32)
        rows, cols, counts, upper = _upper_counts(A, B, n, rng)
        # Z from the rates: sum over the upper triangle, mirrored, diagonal once
        Z = (2.0 * upper / np.exp(log_rate)) - diag
        keep = z_low / Z  # the true rate N / Z over the rate drawn at, N / z_low
        if keep <= 1.0:
            break
        z_low = Z
    counts = rng.binomial(counts, min(keep, 1.0))
    nonzero = counts > 0
    rows, cols, counts = rows[nonzero], cols[nonzero], counts[nonzero]

    off = rows != cols
    r = np.concatenate([rows, cols[off]])
    c = np.concatenate([cols, rows[off]])
    if r.size > np.iinfo(np.int32).max:
        raise ValueError(f"{r.size} nonzero counts do not fit int32 indices: lower n_tokens.")
    C = sp.csr_array(
        (np.concatenate([counts, counts[off]]).astype(np.float64),
         (r.astype(np.int32), c.astype(np.int32))),
        shape=(n, n))
    C.sum_duplicates()
    C.indices = C.indices.astype(np.int32, copy=False)
    C.indptr = C.indptr.astype(np.int32, copy=False)
    return C, U, p
