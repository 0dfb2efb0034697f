"""Window co-occurrence counting over arrays of token ids.

Caller: :class:`lrsparse.feature_extraction.CooccurrenceVectorizer`
(:mod:`lrsparse.feature_extraction._cooccurrence`), which maps the tokens of
a chunk of documents to integer ids, counts the chunk with
:func:`window_cooccurrence` and adds the chunk's sparse matrix to the running
one, so that memory stays O(nnz + vocabulary) plus one chunk of pairs.
"""

import numpy as np

from ..utils._numba import jit

__all__ = ["relabel_symmetric", "window_cooccurrence"]


@jit
def window_cooccurrence(token_ids, doc_ptr, window, harmonic, n_words):
    """Summed weights of the token pairs at distance ``1 .. window``, as upper-triangular CSR.

    Document ``k`` is ``token_ids[doc_ptr[k]:doc_ptr[k + 1]]``; pairs never
    cross a document boundary.  A negative id (a word outside a fixed
    vocabulary) keeps its position, so it still counts towards the distance
    between the tokens around it, but forms no pair.  The pair of ids ``a``
    and ``b`` at distance ``d`` adds ``1 / d`` (``harmonic``) or ``1`` to the
    cell ``(min(a, b), max(a, b))``, so each unordered pair is stored once and
    a word paired with itself lands on the diagonal; the caller mirrors the
    matrix (``U + U^T``).

    Each cell is summed in the order its pairs occur in ``token_ids`` (in
    float64), so the result does not depend on how the ids were numbered.
    Work O(n_tokens * window + n_words) plus sorting each row's distinct
    columns; memory O(n_tokens * window + n_words).

    Parameters
    ----------
    token_ids : int32 ndarray of shape (n_tokens,)
        Token ids in ``[0, n_words)`` of the concatenated documents; negative
        ids are skipped.
    doc_ptr : int64 ndarray of shape (n_docs + 1,)
        Start offsets of the documents in ``token_ids`` (``doc_ptr[0] == 0``,
        nondecreasing, ``doc_ptr[-1] == n_tokens``).
    window : int >= 1
        Largest distance counted.
    harmonic : bool
        Weight ``1 / distance`` if True, ``1`` if False.
    n_words : int
        Number of rows (and columns) of the result.

    Returns
    -------
    indptr : int64 ndarray of shape (n_words + 1,)
    indices : int32 ndarray of shape (nnz,)
        Column ids, sorted and distinct within each row, each >= its row.
    data : float64 ndarray of shape (nnz,)
        The summed weights (all positive).
    """
    n_docs = doc_ptr.shape[0] - 1
    # Pass 1: raw (duplicated) entries per row.
    raw_ptr = np.zeros(n_words + 1, dtype=np.int64)
    for k in range(n_docs):
        stop = doc_ptr[k + 1]
        for p in range(doc_ptr[k], stop):
            a = token_ids[p]
            if a < 0:
                continue
            for q in range(p + 1, min(p + window + 1, stop)):
                b = token_ids[q]
                if b >= 0:
                    raw_ptr[min(a, b) + 1] += 1
    for r in range(n_words):
        raw_ptr[r + 1] += raw_ptr[r]
    # Pass 2: the entries, bucketed by row (a counting sort), in order of occurrence.
    cols = np.empty(raw_ptr[n_words], dtype=np.int32)
    data = np.empty(raw_ptr[n_words], dtype=np.float64)
    fill = raw_ptr[:n_words].copy()
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
                r = min(a, b)
                pos = fill[r]
                cols[pos] = max(a, b)
                data[pos] = 1.0 / (q - p) if harmonic else 1.0
                fill[r] = pos + 1
    # Sum the duplicates of each row in place (marker[c] = output slot of column c
    # in the current row), then sort the row's distinct columns.
    marker = np.full(n_words, -1, dtype=np.int64)
    indptr = np.zeros(n_words + 1, dtype=np.int64)
    out = 0
    for r in range(n_words):
        start = out
        for pos in range(raw_ptr[r], raw_ptr[r + 1]):
            c = cols[pos]
            slot = marker[c]
            if slot >= start:
                data[slot] += data[pos]
            else:
                marker[c] = out
                cols[out] = c
                data[out] = data[pos]
                out += 1
        if out - start > 1:
            order = np.argsort(cols[start:out])
            cols[start:out] = cols[start:out][order]
            data[start:out] = data[start:out][order]
        indptr[r + 1] = out
    return indptr, cols[:out].copy(), data[:out].copy()


@jit
def relabel_symmetric(indptr, indices, data, new_id, diagonal, n_new):
    """``P + P^T + diag(diagonal)`` as canonical CSR, ``P`` the relabelled upper matrix.

    ``P`` holds each entry ``(r, c, v)`` of the input CSR matrix at
    ``(new_id[r], new_id[c])``; entries whose row or column has ``new_id ==
    -1`` are dropped.  Each unordered pair is expected once in the input (as
    :func:`window_cooccurrence` returns it), so the result puts its value in
    both cells, and twice on the diagonal.  Rows and columns are sorted by a
    two-pass counting sort, so the work is linear: O(nnz + n_rows + n_new).

    Parameters
    ----------
    indptr : int64 ndarray of shape (n_rows + 1,)
    indices : int32 ndarray of shape (nnz,)
    data : float64 ndarray of shape (nnz,)
        The input CSR matrix (square, ``n_rows`` ids).
    new_id : int64 ndarray of shape (n_rows,)
        New id in ``[0, n_new)`` of each old id, or -1 to drop it.
    diagonal : float64 ndarray of shape (n_new,)
        Added to the diagonal (zeros add nothing).
    n_new : int
        Size of the result.

    Returns
    -------
    indptr : int64 ndarray of shape (n_new + 1,)
    indices : int32 ndarray of shape (nnz_out,)
        Sorted and distinct within each row.
    data : float64 ndarray of shape (nnz_out,)
    """
    n_rows = indptr.shape[0] - 1
    # At most two entries per input entry, plus the diagonal.
    size = 2 * indptr[n_rows] + n_new
    rows = np.empty(size, dtype=np.int32)
    cols = np.empty(size, dtype=np.int32)
    vals = np.empty(size, dtype=np.float64)
    n = 0
    for r in range(n_rows):
        a = new_id[r]
        if a < 0:
            continue
        for p in range(indptr[r], indptr[r + 1]):
            b = new_id[indices[p]]
            if b < 0:
                continue
            if a == b:
                rows[n] = a
                cols[n] = a
                vals[n] = data[p] + data[p]
                n += 1
            else:
                rows[n] = a
                cols[n] = b
                vals[n] = data[p]
                rows[n + 1] = b
                cols[n + 1] = a
                vals[n + 1] = data[p]
                n += 2
    for i in range(n_new):
        if diagonal[i] != 0.0:
            rows[n] = i
            cols[n] = i
            vals[n] = diagonal[i]
            n += 1
    return _csr_from_entries(rows[:n], cols[:n], vals[:n], n_new, n_new)


@jit
def _csr_from_entries(rows, cols, vals, n_rows, n_cols):
    """Canonical CSR of (row, col, value) entries, duplicates summed in their order.

    Two stable counting sorts (by column, then by row), so duplicates end up
    adjacent in the order they were given and each row's columns sorted.
    """
    nnz = rows.shape[0]
    col_ptr = np.zeros(n_cols + 1, dtype=np.int64)
    for k in range(nnz):
        col_ptr[cols[k] + 1] += 1
    for j in range(n_cols):
        col_ptr[j + 1] += col_ptr[j]
    by_col = np.empty(nnz, dtype=np.int64)
    for k in range(nnz):
        j = cols[k]
        by_col[col_ptr[j]] = k
        col_ptr[j] += 1
    row_ptr = np.zeros(n_rows + 1, dtype=np.int64)
    for k in range(nnz):
        row_ptr[rows[k] + 1] += 1
    for i in range(n_rows):
        row_ptr[i + 1] += row_ptr[i]
    fill = row_ptr[:n_rows].copy()
    out_cols = np.empty(nnz, dtype=np.int32)
    out_vals = np.empty(nnz, dtype=np.float64)
    for t in range(nnz):
        k = by_col[t]
        i = rows[k]
        out_cols[fill[i]] = cols[k]
        out_vals[fill[i]] = vals[k]
        fill[i] += 1
    indptr = np.zeros(n_rows + 1, dtype=np.int64)
    out = 0
    for i in range(n_rows):
        start = out
        for pos in range(row_ptr[i], row_ptr[i + 1]):
            c = out_cols[pos]
            if out > start and out_cols[out - 1] == c:
                out_vals[out - 1] += out_vals[pos]
            else:
                out_cols[out] = c
                out_vals[out] = out_vals[pos]
                out += 1
        indptr[i + 1] = out
    return indptr, out_cols[:out].copy(), out_vals[:out].copy()


def _warm_up():
    """Compile the kernels once (int32 ids, float64 sums whatever the output dtype)."""
    ids = np.array([0, 1, -1, 0, 1], dtype=np.int32)
    doc_ptr = np.array([0, 3, 5], dtype=np.int64)
    for harmonic in (True, False):
        indptr, indices, data = window_cooccurrence(ids, doc_ptr, 2, harmonic, 2)
    relabel_symmetric(indptr, indices, data, np.array([1, 0], dtype=np.int64),
                      np.ones(2), 2)
