"""Window co-occurrence counting over arrays of token ids.

Caller: :class:`lrsparse.feature_extraction.CooccurrenceVectorizer`
(:mod:`lrsparse.feature_extraction._cooccurrence`), which maps the tokens of
a chunk of documents to integer ids, calls :func:`window_pairs` on the chunk
and merges the pairs into a sparse matrix (scipy sums the duplicates), so the
memory stays O(nnz + vocabulary) plus one chunk of pairs.
"""

import numpy as np

from ..utils._numba import jit

__all__ = ["window_pairs"]


@jit
def window_pairs(token_ids, doc_ptr, window, harmonic):
    """Every pair of tokens at distance ``1 .. window`` within a document.

    Document ``k`` is ``token_ids[doc_ptr[k]:doc_ptr[k + 1]]``; pairs never
    cross a document boundary.  A negative id (a word outside a fixed
    vocabulary) keeps its position, so it still counts towards the distance
    between the tokens around it, but forms no pair.  Each unordered pair is
    emitted once, as ``(min(a, b), max(a, b))``, with the weight
    ``1 / distance`` (``harmonic``) or ``1``; a word paired with itself at
    some distance gives ``(a, a)``.  Duplicates are not summed (the caller's
    sparse conversion does).  Work and output are O(n_tokens * window).

    Parameters
    ----------
    token_ids : int32 ndarray of shape (n_tokens,)
        Token ids of the concatenated documents; negative ids are skipped.
    doc_ptr : int64 ndarray of shape (n_docs + 1,)
        Start offsets of the documents in ``token_ids`` (``doc_ptr[0] == 0``,
        nondecreasing, ``doc_ptr[-1] == n_tokens``).
    window : int >= 1
        Largest distance counted.
    harmonic : bool
        Weight ``1 / distance`` if True, ``1`` if False.

    Returns
    -------
    rows, cols : int32 ndarray of shape (n_pairs,)
        The smaller and the larger id of each pair.
    weights : float64 ndarray of shape (n_pairs,)
        The weight of each pair.
    """
    n_docs = doc_ptr.shape[0] - 1
    n_pairs = 0
    for k in range(n_docs):
        stop = doc_ptr[k + 1]
        for p in range(doc_ptr[k], stop):
            if token_ids[p] < 0:
                continue
            for q in range(p + 1, min(p + window + 1, stop)):
                if token_ids[q] >= 0:
                    n_pairs += 1
    rows = np.empty(n_pairs, dtype=np.int32)
    cols = np.empty(n_pairs, dtype=np.int32)
    weights = np.empty(n_pairs, dtype=np.float64)
    n = 0
    for k in range(n_docs):
        stop = doc_ptr[k + 1]
        for p in range(doc_ptr[k], stop):
            a = token_ids[p]
            if a < 0:
                continue
            for q in range(p + 1, min(p + window + 1, stop)):
                b = token_ids[q]
                if b < 0:
                    continue
                if a <= b:
                    rows[n] = a
                    cols[n] = b
                else:
                    rows[n] = b
                    cols[n] = a
                weights[n] = 1.0 / (q - p) if harmonic else 1.0
                n += 1
    return rows, cols, weights


def _warm_up():
    """Compile :func:`window_pairs` once (ids are int32 and weights float64 for every dtype)."""
    ids = np.array([0, 1, -1, 0], dtype=np.int32)
    doc_ptr = np.array([0, 3, 4], dtype=np.int64)
    for harmonic in (True, False):
        window_pairs(ids, doc_ptr, 2, harmonic)
