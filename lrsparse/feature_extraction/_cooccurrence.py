"""Word-word co-occurrence matrices from text, streamed over the documents.

:class:`CooccurrenceVectorizer` tokenises documents exactly as scikit-learn's
:class:`~sklearn.feature_extraction.text.CountVectorizer` does (it reuses its
public ``build_analyzer``), maps tokens to integer ids chunk by chunk, counts
the pairs of each chunk with the numba kernel
:func:`lrsparse._kernels.cooccurrence.window_pairs` and merges them into a
sparse matrix.  One pass over the documents (a generator will do); memory
O(nnz + vocabulary) plus one chunk of pairs, never a dense vocabulary x
vocabulary array.  A Dask bag of documents is counted out of core, partition
by partition where the partitions are: one pass for the word counts, one for
the pairs of the chosen vocabulary, the partitions' sums added on the client.
"""

import numbers
from itertools import islice, repeat

import numpy as np
import scipy.sparse as sp
from sklearn import get_config
from sklearn.base import BaseEstimator
from sklearn.feature_extraction.text import CountVectorizer
from sklearn.utils.validation import check_is_fitted

from ..utils._dask import is_dask_collection
from ..utils._sklearn import Interval, StrOptions, _fit_context

__all__ = ["CooccurrenceVectorizer"]

# Pairs counted per call of the kernel (and merged into the running matrix): at
# least this many (about 48 MB of (column, weight) entries), and at least the size
# of the running matrix plus the number of words, so that each merge, O(nnz +
# n_words), is paid for by the chunk it adds (the total stays O(n_tokens * window))
# while the chunk's memory stays within a constant factor of the matrix's.  Tests
# lower it to exercise the merge.
_CHUNK_PAIRS = 1 << 22

_INT32_MAX = np.iinfo(np.int32).max


class CooccurrenceVectorizer(BaseEstimator):
    """Convert a collection of text documents to a word-word co-occurrence matrix.

    Every pair of tokens at distance ``1 .. window`` in the same document adds
    ``1 / distance`` (``weighting="harmonic"``) or ``1`` (``"uniform"``) to
    both cells ``(i, j)`` and ``(j, i)`` of the words ``i`` and ``j``; a word
    paired with itself adds twice to its diagonal cell.  With
    ``include_self=True`` each occurrence of a word also adds 1 to its
    diagonal cell.  The result is the square, symmetric, nonnegative matrix
    that :class:`lrsparse.embedding.Swivel` factorises; this is the counting
    of Swivel's ``prep.py`` [1]_ (window 10, harmonic weights, each token
    counted once with itself, vocabulary by frequency with ``min_count=5``),
    so the row sums are that tool's marginals.

    Read more in the :ref:`User Guide <swivel>`.

    Documents are strings, tokenised by scikit-learn's word analyzer with the
    same options and defaults as
    :class:`~sklearn.feature_extraction.text.CountVectorizer` (``lowercase``,
    ``preprocessor``, ``tokenizer``, ``token_pattern``, ``stop_words``,
    ``strip_accents``, ``input``...), or lists of tokens that are already
    tokenised (used as given: no lowercasing or stop-word removal).  Distances
    are counted in the tokens the analyzer returns (stop words it removes
    take no position); a word that ``min_count`` or ``max_vocab`` leaves out
    of the vocabulary keeps its position in the window but forms no pair.
    (Swivel's ``prep.py`` reads its file twice and drops such words before
    windowing; counting in one pass cannot, since the vocabulary is known only
    at the end.)

    The documents are read once, so a generator may be passed: tokens get
    provisional ids as they appear, the pairs of each chunk of documents are
    counted by a numba kernel and merged into a sparse matrix, and the
    vocabulary is selected at the end.  Memory is O(nnz + number of distinct
    words) plus one chunk of pairs; no dense vocabulary x vocabulary array is
    formed.  Time O(n_tokens * window) for the counts, plus the tokenisation.

    Parameter names and Swivel's ``prep.py`` [1]_: ``window`` =
    ``--window_size``, ``min_count`` = ``--min_count``, ``max_vocab`` =
    ``--max_vocab`` (``prep.py`` also cuts the vocabulary to a multiple of its
    shard size, which :class:`~lrsparse.embedding.Swivel` does not need); the
    returned matrix is the paper's co-occurrence matrix ``X = (x_ij)``.
    ``prep.py`` splits each line of its file on whitespace; for the same
    tokens pass the lines as documents with ``tokenizer=str.split,
    token_pattern=None, lowercase=False``.

    Parameters
    ----------
    window : int >= 1, default=10
        Largest distance (in tokens) at which two tokens co-occur (Swivel's
        default).
    weighting : {"harmonic", "uniform"}, default="harmonic"
        Weight of a pair at distance ``d``: ``1 / d`` (Swivel's and GloVe's
        harmonic weighting) or ``1``.
    min_count : int >= 1, default=5
        Keep only words that occur at least this many times in the documents
        (Swivel's default).
    max_vocab : int >= 1, default=None
        Keep at most this many words, the most frequent ones.  None keeps
        every word that passes ``min_count``.
    include_self : bool, default=True
        Whether each occurrence of a word adds 1 to its own diagonal cell, as
        Swivel's ``prep.py`` does: the row sums are then Swivel's marginals and
        every vocabulary word has an observed diagonal cell.
    input : {"content", "filename", "file"}, default="content"
        What the documents are: the text itself (or lists of tokens),
        file names or file objects, as in ``CountVectorizer``.
    encoding : str, default="utf-8"
        Encoding used to decode bytes and files.
    decode_error : {"strict", "ignore", "replace"}, default="strict"
        What to do with bytes that are not valid in ``encoding``.
    strip_accents : {"ascii", "unicode"} or callable, default=None
        Accent removal, as in ``CountVectorizer``.
    lowercase : bool, default=True
        Convert the text to lowercase before tokenising.
    preprocessor : callable, default=None
        Replaces the preprocessing (lowercasing, accent stripping) of strings.
    tokenizer : callable, default=None
        Replaces the tokenisation step of strings (``token_pattern`` is then
        unused).
    stop_words : {"english"}, list or None, default=None
        Words removed from the token sequences of strings (they take no
        position in the window).
    token_pattern : str or None, default=r"(?u)\\b\\w\\w+\\b"
        Regular expression of a token, as in ``CountVectorizer`` (the default
        keeps tokens of two or more alphanumeric characters).
    dtype : {np.float64, np.float32}, default=np.float64
        dtype of the returned matrix (the counts are summed in float64).

    Attributes
    ----------
    vocabulary_ : dict
        Mapping word -> row/column index of the matrix.  The words are ordered
        by decreasing number of occurrences, ties alphabetically (by code
        point; the order of Swivel's ``prep.py``), so index 0 is the most
        frequent word.
    word_counts_ : ndarray of shape (n_words,)
        Number of occurrences (int64) of each vocabulary word in the fitted
        documents, in index order (nonincreasing).

    See Also
    --------
    sklearn.feature_extraction.text.CountVectorizer : Document-term counts,
        with the same tokenisation options.
    lrsparse.embedding.Swivel : Word embeddings from this matrix.

    Notes
    -----
    The matrix is a ``scipy.sparse.csr_matrix`` with int32 indices, as
    ``CountVectorizer`` returns, or a ``csr_array`` when scikit-learn's
    ``sparse_interface`` configuration is ``"sparray"``; its indices are
    sorted and it has no explicit zeros.

    References
    ----------
    .. [1] N. Shazeer, R. Doherty, C. Evans and C. Waterson, "Swivel:
       Improving Embeddings by Noticing What's Missing", arXiv:1602.02215,
       2016.  Authors' code: github.com/tensorflow/models, research/swivel
       (``prep.py``).
    .. [2] J. Pennington, R. Socher and C. D. Manning, "GloVe: Global Vectors
       for Word Representation", EMNLP 2014 (the harmonic ``1 / d`` weights).

    Examples
    --------
    >>> from lrsparse.feature_extraction import CooccurrenceVectorizer
    >>> docs = ["the cat sat on the mat", "the dog sat on the log"]
    >>> vec = CooccurrenceVectorizer(window=2, min_count=2, weighting="uniform")
    >>> C = vec.fit_transform(docs)
    >>> vec.get_feature_names_out()
    array(['the', 'on', 'sat'], dtype=object)
    >>> vec.word_counts_
    array([4, 2, 2])
    >>> C.toarray()
    array([[4., 2., 4.],
           [2., 2., 2.],
           [4., 2., 2.]])

    Documents that are already tokenised, and new documents counted with the
    fitted vocabulary (other words keep their positions but are not counted):

    >>> vec.transform([["the", "bird", "sat"]]).toarray()
    array([[1., 0., 1.],
           [0., 0., 0.],
           [1., 0., 1.]])
    """

    _parameter_constraints = {
        "window": [Interval(numbers.Integral, 1, None, closed="left")],
        "weighting": [StrOptions({"harmonic", "uniform"})],
        "min_count": [Interval(numbers.Integral, 1, None, closed="left")],
        "max_vocab": [None, Interval(numbers.Integral, 1, None, closed="left")],
        "include_self": ["boolean"],
        "input": [StrOptions({"content", "filename", "file"})],
        "encoding": [str],
        "decode_error": [StrOptions({"strict", "ignore", "replace"})],
        "strip_accents": [None, StrOptions({"ascii", "unicode"}), callable],
        "lowercase": ["boolean"],
        "preprocessor": [None, callable],
        "tokenizer": [None, callable],
        "stop_words": [None, StrOptions({"english"}), list],
        "token_pattern": [None, str],
        "dtype": "no_validation",  # checked in _check_dtype (np.float64 or np.float32)
    }

    def __init__(
        self,
        *,
        window=10,
        weighting="harmonic",
        min_count=5,
        max_vocab=None,
        include_self=True,
        input="content",
        encoding="utf-8",
        decode_error="strict",
        strip_accents=None,
        lowercase=True,
        preprocessor=None,
        tokenizer=None,
        stop_words=None,
        token_pattern=r"(?u)\b\w\w+\b",
        dtype=np.float64,
    ):
        self.window = window
        self.weighting = weighting
        self.min_count = min_count
        self.max_vocab = max_vocab
        self.include_self = include_self
        self.input = input
        self.encoding = encoding
        self.decode_error = decode_error
        self.strip_accents = strip_accents
        self.lowercase = lowercase
        self.preprocessor = preprocessor
        self.tokenizer = tokenizer
        self.stop_words = stop_words
        self.token_pattern = token_pattern
        self.dtype = dtype

    # ------------------------------------------------------------ tokenising
    def build_analyzer(self):
        """Return the callable that turns one string document into its tokens.

        It is :meth:`sklearn.feature_extraction.text.CountVectorizer.build_analyzer`
        of a ``CountVectorizer`` with this estimator's tokenisation parameters
        (word unigrams).

        Returns
        -------
        analyzer : callable
            ``analyzer(doc)`` returns the list of tokens of ``doc``.
        """
        return CountVectorizer(
            input=self.input,
            encoding=self.encoding,
            decode_error=self.decode_error,
            strip_accents=self.strip_accents,
            lowercase=self.lowercase,
            preprocessor=self.preprocessor,
            tokenizer=self.tokenizer,
            stop_words=self.stop_words,
            token_pattern=self.token_pattern,
        ).build_analyzer()

    def _token_lists(self, raw_documents):
        """Yield the tokens of each document (strings analysed, token lists as given)."""
        if isinstance(raw_documents, (str, bytes)):
            raise ValueError(
                "Iterable over raw text documents expected, string object received: "
                "raw_documents must be a list (or any iterable) of documents."
            )
        try:
            documents = iter(raw_documents)
        except TypeError:
            raise TypeError(
                "raw_documents must be an iterable of documents (strings or lists of "
                f"tokens); got {type(raw_documents).__name__}."
            ) from None
        analyzer = self.build_analyzer()
        if self.input != "content":
            for doc in documents:
                yield analyzer(doc)
            return
        for k, doc in enumerate(documents):
            if isinstance(doc, (str, bytes)):
                yield analyzer(doc)
            elif isinstance(doc, (list, tuple, np.ndarray)):
                yield doc  # its tokens are checked as they get ids
            else:
                raise ValueError(
                    f"raw_documents[{k}] is a {type(doc).__name__}; expected a string, "
                    "bytes, or a list of string tokens."
                )

    # ------------------------------------------------------------ fitting
    def _check_dtype(self):
        try:
            dtype = None if self.dtype is None else np.dtype(self.dtype)
        except TypeError:
            dtype = None
        # (not ``in``: a dtype compares equal to None, read as float64)
        if dtype is None or dtype.type not in (np.float64, np.float32):
            raise ValueError(f"dtype must be np.float64 or np.float32; got {self.dtype!r}.")
        return dtype

    def _fit(self, raw_documents):
        if is_dask_collection(raw_documents):
            return self._fit_bag(_check_bag(raw_documents))
        dtype = self._check_dtype()
        ids = {}
        upper, counts = _stream_counts(
            self._token_lists(raw_documents), ids, self.window, self.weighting == "harmonic",
            grow=True,
        )
        order = self._select_vocabulary(np.array(list(ids), dtype=object), counts)
        new_id = np.full(counts.size, -1, dtype=np.int64)
        new_id[order] = np.arange(order.size)
        return self._finish(upper, new_id, self.word_counts_, dtype)

    def _select_vocabulary(self, words, counts):
        """Set ``vocabulary_`` and ``word_counts_``; the chosen words' positions in ``words``."""
        keep = np.flatnonzero(counts >= self.min_count)
        if keep.size == 0:
            detail = (
                f"the most frequent word occurs {int(counts.max())} times"
                if counts.size else "the documents contain no token (perhaps only stop words)"
            )
            raise ValueError(
                f"empty vocabulary: no word occurs at least min_count={self.min_count} "
                f"times ({detail}); lower min_count or pass more documents."
            )
        # Decreasing count, ties alphabetical (lexsort: last key is primary).
        order = keep[np.lexsort((words[keep].astype(str), -counts[keep]))]
        if self.max_vocab is not None:
            order = order[: self.max_vocab]
        self.vocabulary_ = {str(words[i]): k for k, i in enumerate(order)}
        self.word_counts_ = counts[order]
        return order

    def _fit_bag(self, bag):
        """Fit on a Dask bag: word counts per partition, then the vocabulary's pairs."""
        dtype = self._check_dtype()
        totals = bag.reduction(self._partition_word_counts, _merge_counts).compute()
        words = np.array(list(totals), dtype=object)
        self._select_vocabulary(words, np.fromiter(totals.values(), np.int64, len(totals)))
        upper, _ = self._count_bag(bag, self.vocabulary_)
        return self._finish(upper, np.arange(self.word_counts_.size), self.word_counts_, dtype)

    def _partition_word_counts(self, documents):
        counts = {}
        for tokens in self._token_lists(documents):
            for t in tokens:
                counts[t] = counts.get(t, 0) + 1
        if not all(isinstance(t, str) for t in counts):
            raise ValueError(
                "raw_documents holds a sequence of tokens with a token that is not a string; "
                "tokenised documents must hold strings."
            )
        return counts

    def _partition_pairs(self, documents, ids):
        return _stream_counts(self._token_lists(documents), dict(ids), self.window,
                              self.weighting == "harmonic", grow=False)

    def _count_bag(self, bag, ids):
        """``(pairs, counts)`` of the words of ``ids`` in a Dask bag, summed over its partitions."""
        from functools import partial

        return bag.reduction(partial(self._partition_pairs, ids=ids), _sum_pairs).compute()

    def _finish(self, upper, new_id, self_counts, dtype):
        """``P + P^T`` (+ the self counts on the diagonal) as CSR with int32 indices.

        ``P`` is ``upper`` (each unordered pair once) with its ids renumbered by
        ``new_id`` (-1: left out); ``self_counts`` are the occurrences of the
        new ids.
        """
        from .._kernels.cooccurrence import relabel_symmetric

        n = self_counts.size
        diagonal = self_counts.astype(np.float64) if self.include_self else np.zeros(n)
        indptr, indices, data = relabel_symmetric(
            upper.indptr.astype(np.int64, copy=False), upper.indices.astype(np.int32, copy=False),
            upper.data, new_id.astype(np.int64, copy=False), diagonal, n,
        )
        if data.size > _INT32_MAX:
            raise ValueError(
                f"the co-occurrence matrix has {data.size} stored entries, more than int32 "
                "indices can address; lower max_vocab or window."
            )
        container = sp.csr_array if get_config().get("sparse_interface") == "sparray" else (
            sp.csr_matrix
        )
        return container((data.astype(dtype), indices, indptr.astype(np.int32)), shape=(n, n))

    @_fit_context(prefer_skip_nested_validation=True)
    def fit(self, raw_documents, y=None):
        """Learn the vocabulary (and count the co-occurrences) of the documents.

        Parameters
        ----------
        raw_documents : iterable or dask.bag.Bag
            The documents: strings (or bytes), lists of string tokens, or, with
            ``input="filename"`` / ``"file"``, file names / file objects.  Read
            once, so a generator may be passed.  A Dask bag of documents is
            counted out of core, partition by partition where the partitions
            are (twice: the words, then the vocabulary's pairs), and gives the
            in-memory result (see :ref:`scaling_out`).
        y : None
            Ignored.

        Returns
        -------
        self : object
            Fitted vectorizer.
        """
        self._fit(raw_documents)
        return self

    @_fit_context(prefer_skip_nested_validation=True)
    def fit_transform(self, raw_documents, y=None):
        """Learn the vocabulary and return the co-occurrence matrix of the documents.

        Equivalent to ``fit(raw_documents).transform(raw_documents)``, with one
        pass over the documents.

        Parameters
        ----------
        raw_documents : iterable
            As in :meth:`fit`.
        y : None
            Ignored.

        Returns
        -------
        C : scipy.sparse.csr_matrix of shape (n_words, n_words)
            Symmetric co-occurrence matrix; row and column ``k`` are the word
            ``get_feature_names_out()[k]``.
        """
        return self._fit(raw_documents)

    def transform(self, raw_documents):
        """Count the co-occurrences of the fitted vocabulary's words in documents.

        Words outside the vocabulary keep their positions in the window but are
        not counted.

        Parameters
        ----------
        raw_documents : iterable
            As in :meth:`fit`.

        Returns
        -------
        C : scipy.sparse.csr_matrix of shape (n_words, n_words)
            Symmetric co-occurrence matrix over the fitted vocabulary.
        """
        check_is_fitted(self, "vocabulary_")
        dtype = self._check_dtype()
        if is_dask_collection(raw_documents):
            upper, counts = self._count_bag(_check_bag(raw_documents), self.vocabulary_)
            return self._finish(upper, np.arange(counts.size), counts, dtype)
        ids = dict(self.vocabulary_)
        upper, counts = _stream_counts(
            self._token_lists(raw_documents), ids, self.window, self.weighting == "harmonic",
            grow=False,
        )
        return self._finish(upper, np.arange(counts.size), counts, dtype)

    def get_feature_names_out(self, input_features=None):
        """Get the words of the rows and columns of the matrix.

        Parameters
        ----------
        input_features : array-like of str or None, default=None
            Not used, present for API consistency.

        Returns
        -------
        feature_names_out : ndarray of str objects
            The vocabulary words in index order.
        """
        check_is_fitted(self, "vocabulary_")
        names = np.empty(len(self.vocabulary_), dtype=object)
        names[list(self.vocabulary_.values())] = list(self.vocabulary_)
        return names

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.string = True
        tags.input_tags.two_d_array = False
        return tags


def _check_bag(documents):
    import dask.bag as db

    if not isinstance(documents, db.Bag):
        raise TypeError(
            "raw_documents must be an iterable of documents or a dask.bag.Bag of them; got "
            f"{type(documents).__name__}."
        )
    return documents


def _merge_counts(partials):
    """Sum of word -> count dicts (the reduction's aggregate)."""
    total = {}
    for counts in partials:
        for word, c in counts.items():
            total[word] = total.get(word, 0) + c
    return total


def _sum_pairs(partials):
    """Sum of ``(pairs, counts)`` of one vocabulary, in partition order."""
    upper = counts = None
    for u, c in partials:
        upper, counts = (u, c) if upper is None else (upper + u, counts + c)
    return upper, counts


def _stream_counts(token_lists, ids, window, harmonic, *, grow):
    """Count the pairs of a stream of token lists, chunk by chunk.

    Parameters
    ----------
    token_lists : iterable of sequences of str
        The tokens of each document.
    ids : dict
        Word -> id.  With ``grow=True`` new words are added (ids in order of
        first appearance; the dict is updated in place); otherwise words not
        in it get id -1 (they keep their position but form no pair).
    window : int
        Largest distance counted.
    harmonic : bool
        ``1 / distance`` weights if True, else 1.
    grow : bool
        Whether unknown words get new ids.

    Returns
    -------
    upper : scipy.sparse.csr_array of shape (n_ids, n_ids)
        Each unordered pair's summed weight, once, at ``(min id, max id)``.
    counts : int64 ndarray of shape (n_ids,)
        Occurrences of each id.
    """
    from .._kernels.cooccurrence import window_cooccurrence

    chunk_tokens = max(1, _CHUNK_PAIRS // window)
    upper = sp.csr_array((0, 0), dtype=np.float64)
    counts = np.zeros(0, dtype=np.int64)
    buffer, lengths = [], []

    def flush(upper, counts):
        n = len(ids)
        token_ids = np.array(buffer, dtype=np.int32)
        doc_ptr = np.zeros(len(lengths) + 1, dtype=np.int64)
        np.cumsum(lengths, out=doc_ptr[1:])
        # (a window longer than every document counts the same as the longest document)
        span = int(min(window, max(lengths, default=1)))
        indptr, indices, data = window_cooccurrence(token_ids, doc_ptr, span, harmonic, n)
        chunk = sp.csr_array((data, indices, indptr), shape=(n, n))
        if upper.shape != (n, n):
            upper.resize((n, n))
        upper = upper + chunk if upper.nnz else chunk
        counts = np.concatenate([counts, np.zeros(n - counts.size, dtype=np.int64)])
        counts += np.bincount(token_ids[token_ids >= 0], minlength=n)
        buffer.clear()
        lengths.clear()
        return upper, counts

    for k, tokens in enumerate(token_lists):
        try:
            if grow:
                # New words get the next ids in order of first appearance.
                n_before = len(ids)
                ids.update((t, i) for i, t in enumerate(
                    [t for t in dict.fromkeys(tokens) if t not in ids], n_before))
                if len(ids) > n_before and not all(
                        isinstance(t, str) for t in islice(reversed(ids), len(ids) - n_before)):
                    raise TypeError
                buffer.extend(map(ids.__getitem__, tokens))
            else:
                buffer.extend(map(ids.get, tokens, repeat(-1, len(tokens))))
        except TypeError:
            raise ValueError(
                f"raw_documents[{k}] is a sequence of tokens with a token that is not a "
                "string; tokenised documents must hold strings."
            ) from None
        lengths.append(len(tokens))
        if len(buffer) >= chunk_tokens:
            upper, counts = flush(upper, counts)
            chunk_tokens = max(1, max(_CHUNK_PAIRS, upper.nnz + len(ids)) // window)
    upper, counts = flush(upper, counts)
    if len(ids) > _INT32_MAX:
        raise ValueError("more distinct words than int32 ids can address.")
    return upper, counts
