import numpy as np
import pytest
import scipy.sparse as sp

from lrsparse._kernels.cooccurrence import (
    _csr_from_entries,
    _warm_up,
    relabel_symmetric,
    window_cooccurrence,
)


def _brute_upper(docs, window, harmonic, n_words):
    """Dense upper-triangular sums by a direct double loop over each document."""
    U = np.zeros((n_words, n_words))
    for doc in docs:
        for p, a in enumerate(doc):
            for q in range(p + 1, min(p + window + 1, len(doc))):
                b = doc[q]
                if a >= 0 and b >= 0:
                    U[min(a, b), max(a, b)] += 1.0 / (q - p) if harmonic else 1.0
    return U


def _flatten(docs):
    token_ids = np.array([t for doc in docs for t in doc], dtype=np.int32)
    doc_ptr = np.concatenate([[0], np.cumsum([len(d) for d in docs])]).astype(np.int64)
    return token_ids, doc_ptr


def _count(docs, window, harmonic, n_words):
    token_ids, doc_ptr = _flatten(docs)
    before = token_ids.copy()
    indptr, indices, data = window_cooccurrence(token_ids, doc_ptr, window, harmonic, n_words)
    np.testing.assert_array_equal(token_ids, before)  # input not modified
    assert indptr.dtype == np.int64 and indices.dtype == np.int32 and data.dtype == np.float64
    U = sp.csr_array((data, indices, indptr), shape=(n_words, n_words))
    assert U.has_canonical_format  # sorted, distinct columns in every row
    assert np.all(data > 0)
    return U


@pytest.mark.parametrize("harmonic", [True, False])
@pytest.mark.parametrize("window", [1, 2, 5])
def test_window_cooccurrence_matches_a_direct_loop(harmonic, window, rng):
    n_words = 6
    docs = [list(rng.integers(-1, n_words, size=n)) for n in (0, 1, 7, 3, 12, 0, 4, 30)]
    U = _count(docs, window, harmonic, n_words)
    assert sp.tril(U, k=-1).nnz == 0  # upper triangle only
    np.testing.assert_allclose(U.toarray(), _brute_upper(docs, window, harmonic, n_words),
                               rtol=1e-15)


def test_sums_do_not_depend_on_the_numbering(rng):
    # The same stream with the ids permuted: the same sums, bit for bit.
    n_words = 8
    docs = [list(rng.integers(0, n_words, size=n)) for n in (40, 25, 60)]
    perm = rng.permutation(n_words)
    U = _count(docs, 4, True, n_words).toarray()
    U_perm = _count([[int(perm[t]) for t in d] for d in docs], 4, True, n_words).toarray()
    S, S_perm = U + U.T, U_perm + U_perm.T
    np.testing.assert_array_equal(S_perm[np.ix_(perm, perm)], S)


def test_pairs_never_cross_documents_and_unknown_ids_keep_positions():
    # Two documents [0, 1] and [2, -1, 3]: no (1, 2) pair across the boundary;
    # 2 and 3 are at distance 2 (the unknown token keeps its place).
    U = _count([[0, 1], [2, -1, 3]], 3, True, 4)
    expected = np.zeros((4, 4))
    expected[0, 1] = 1.0
    expected[2, 3] = 0.5
    np.testing.assert_array_equal(U.toarray(), expected)


def test_a_repeated_word_pairs_with_itself():
    U = _count([[4, 4, 4]], 2, True, 5)
    assert U.nnz == 1 and U[4, 4] == 2.5  # distances 1, 1 and 2


def test_words_without_pairs_and_empty_input():
    U = _count([[3]], 10, True, 5)
    assert U.shape == (5, 5) and U.nnz == 0
    U = _count([], 10, False, 0)
    assert U.shape == (0, 0)
    _warm_up()  # compiles (or loads) without error


@pytest.mark.parametrize("n_new", [0, 3, 7])
def test_relabel_symmetric_matches_dense(rng, n_new):
    n_old = 9
    U = sp.random_array((n_old, n_old), density=0.4, format="csr", rng=rng)
    U = sp.triu(U).tocsr()
    U.data += 0.5
    new_id = np.full(n_old, -1, dtype=np.int64)
    kept = rng.choice(n_old, size=n_new, replace=False)
    new_id[kept] = rng.permutation(n_new)
    diagonal = rng.integers(0, 3, size=n_new).astype(np.float64)  # some zeros
    before = (U.data.copy(), new_id.copy(), diagonal.copy())
    indptr, indices, data = relabel_symmetric(U.indptr.astype(np.int64), U.indices.astype(np.int32),
                                              U.data, new_id, diagonal, n_new)
    np.testing.assert_array_equal(U.data, before[0])
    np.testing.assert_array_equal(new_id, before[1])
    np.testing.assert_array_equal(diagonal, before[2])
    C = sp.csr_array((data, indices, indptr), shape=(n_new, n_new))
    assert C.has_canonical_format and np.all(data != 0)
    P = np.zeros((n_new, n_new))
    D = U.toarray()
    for r, c in zip(*np.nonzero(D)):
        if new_id[r] >= 0 and new_id[c] >= 0:
            P[new_id[r], new_id[c]] += D[r, c]
    np.testing.assert_allclose(C.toarray(), P + P.T + np.diag(diagonal), rtol=1e-15)


def test_csr_from_entries_sums_duplicates_in_their_order():
    rows = np.array([1, 0, 1, 1, 0, 1], dtype=np.int32)
    cols = np.array([2, 1, 0, 2, 1, 2], dtype=np.int32)
    vals = np.array([1e16, 1.0, 3.0, 1.0, 2.0, -1e16])
    indptr, indices, data = _csr_from_entries(rows, cols, vals, 2, 3)
    assert indptr.tolist() == [0, 1, 3] and indices.tolist() == [1, 0, 2]
    # (1e16 + 1) - 1e16 == 0 in float64: summed in the given order, not sorted by value
    assert data.tolist() == [3.0, 3.0, 0.0]
