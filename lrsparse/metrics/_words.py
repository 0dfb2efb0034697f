"""Word embeddings: cosine nearest neighbours and word-similarity evaluation (Spearman)."""

import numbers
from collections.abc import Mapping

import numpy as np
from scipy.stats import spearmanr
from sklearn.utils import check_array

from ..utils._sklearn import Interval, validate_params

__all__ = ["load_word_similarity_pairs", "nearest_words", "word_similarity_score"]

# Cosines are ranked to this many decimals (float64 rounding is ~1e-16).
_DECIMALS = 12


def _unit_rows(embedding):
    """The rows of ``embedding`` scaled to unit l2 norm (zero rows stay zero), and the norms."""
    from .._kernels.rows import normalize_rows

    E = check_array(embedding, dtype=np.float64, order="C", input_name="embedding")
    return normalize_rows(E)


def _index(vocabulary, n_rows, lower=False):
    """``{word: row}`` and ``[word of each row]`` from a list, an array or a dict of words.

    With ``lower=True`` the keys are lower-cased and, where several words
    become one, the one with the smallest row (the most frequent when the
    vocabulary is sorted by frequency) is kept.
    """
    if isinstance(vocabulary, str) or not hasattr(vocabulary, "__len__"):
        raise TypeError("vocabulary must be a list or array of words or a dict word -> row; "
                        f"got {type(vocabulary).__name__}.")
    if isinstance(vocabulary, Mapping):
        words = [None] * len(vocabulary)
        for word, row in vocabulary.items():
            if not isinstance(row, numbers.Integral) or not 0 <= row < len(vocabulary) \
                    or words[row] is not None:
                raise ValueError("a vocabulary dict must map its words to distinct rows "
                                 f"0, ..., {len(vocabulary) - 1}; got {word!r} -> {row!r}.")
            words[row] = word
    else:
        words = list(np.asarray(vocabulary, dtype=object).ravel())
    if len(words) != n_rows:
        raise ValueError(f"vocabulary has {len(words)} words but embedding has {n_rows} rows: "
                         "one row per word is expected.")
    index = {}
    for row, word in enumerate(words):
        key = word.lower() if lower and isinstance(word, str) else word
        if key in index and not lower:
            raise ValueError(f"vocabulary lists the word {word!r} twice (rows {index[key]} "
                             f"and {row}).")
        index.setdefault(key, row)
    return index, words


@validate_params(
    {
        "embedding": ["array-like"],
        "vocabulary": ["array-like", Mapping],
        "query": [str, list, tuple, np.ndarray],
        "n_neighbors": [Interval(numbers.Integral, 1, None, closed="left")],
    },
    prefer_skip_nested_validation=True,
)
def nearest_words(embedding, vocabulary, query, n_neighbors=10):
    """The words whose vectors have the largest cosine similarity with a query word's.

    A look-up for word embeddings such as :attr:`Swivel.embedding_
    <lrsparse.embedding.Swivel>`: the rows are normalised to unit length
    (zero rows stay zero and have cosine 0 with everything) and the
    ``n_neighbors`` rows with the largest inner product with the query's
    unit vector are returned, the query word(s) excluded.  Several query
    words are combined as gensim's ``most_similar(positive=...)`` does: the
    query vector is the mean of their unit vectors.

    Parameters
    ----------
    embedding : array-like of shape (n_words, n_components)
        One row per word (finite values).
    vocabulary : list, tuple or ndarray of n_words words, or dict word -> row
        The word of each row: a sequence (the word of row ``i`` at position
        ``i``, as ``CooccurrenceVectorizer.get_feature_names_out()``) or a
        dict from word to row (as ``CooccurrenceVectorizer.vocabulary_``,
        rows ``0, ..., n_words - 1``, each once).
    query : str or list of str
        A word of the vocabulary, or several (their unit vectors averaged).
        A word not in the vocabulary raises a ``KeyError``.
    n_neighbors : int >= 1, default=10
        How many neighbours to return; at most ``n_words`` minus the number
        of query words.

    Returns
    -------
    neighbors : list of (word, float) tuples
        The ``n_neighbors`` nearest words and their cosine similarity with
        the query, by decreasing similarity (ties by increasing row).

    See Also
    --------
    word_similarity_score : Spearman correlation with human similarity judgements.

    References
    ----------
    .. [1] T. Mikolov, K. Chen, G. Corrado and J. Dean, "Efficient Estimation of
       Word Representations in Vector Space", ICLR workshop 2013 (nearest
       neighbours by cosine similarity).

    Examples
    --------
    >>> import numpy as np
    >>> from lrsparse.metrics import nearest_words
    >>> E = np.array([[1.0, 0.0], [0.9, 0.1], [0.0, 1.0], [-1.0, 0.0]])
    >>> [(w, round(c, 3)) for w, c in nearest_words(E, ["cat", "dog", "car", "tree"], "cat", 2)]
    [('dog', 0.994), ('car', 0.0)]
    >>> nearest_words(E, {"cat": 0, "dog": 1, "car": 2, "tree": 3}, ["cat", "car"], 1)[0][0]
    'dog'
    """
    unit, norms = _unit_rows(embedding)
    index, words = _index(vocabulary, unit.shape[0])
    queries = [query] if isinstance(query, str) else list(np.asarray(query, dtype=object).ravel())
    if not queries:
        raise ValueError("query must name at least one word.")
    rows = []
    for word in queries:
        if word not in index:
            raise KeyError(f"query word {word!r} is not in the vocabulary.")
        if norms[index[word]] == 0:
            raise ValueError(f"query word {word!r} has a zero vector: its cosine similarity "
                             "is undefined.")
        rows.append(index[word])
    rows = np.unique(rows)
    available = unit.shape[0] - rows.size
    if n_neighbors > available:
        raise ValueError(f"n_neighbors={n_neighbors} is more than the {available} words "
                         "other than the query.")
    target = unit[rows].mean(axis=0)
    length = np.linalg.norm(target)
    if length == 0:
        raise ValueError(f"the unit vectors of the query words {queries!r} sum to zero.")
    cosine = unit @ (target / length)
    cosine[rows] = -np.inf
    top = np.argpartition(-cosine, n_neighbors - 1)[:n_neighbors]
    # ties at the cut: take every candidate with the k-th value, then order by (-cos, row)
    cut = cosine[top].min()
    candidates = np.flatnonzero(cosine >= cut)
    order = candidates[np.lexsort((candidates, -cosine[candidates]))][:n_neighbors]
    return [(words[i], float(min(max(cosine[i], -1.0), 1.0))) for i in order]


def _pair_rows(pairs):
    """``(word1, word2, score)`` triples from an iterable, an array or a DataFrame."""
    if hasattr(pairs, "to_numpy"):  # pandas DataFrame
        pairs = pairs.to_numpy(dtype=object)
    if isinstance(pairs, str):
        raise TypeError("pairs must be an iterable of (word1, word2, score) triples; got a "
                        "string.")
    if not hasattr(pairs, "__iter__"):
        raise TypeError("pairs must be an iterable of (word1, word2, score) triples; got "
                        f"{type(pairs).__name__}.")
    triples = []
    for k, row in enumerate(pairs):
        if isinstance(row, str) or not hasattr(row, "__iter__"):
            raise ValueError("pairs must be (word1, word2, score) triples; entry "
                             f"{k} is {row!r}.")
        row = tuple(row)
        if len(row) != 3:
            raise ValueError("pairs must be (word1, word2, score) triples; entry "
                             f"{k} has {len(row)} values: {row!r}.")
        try:
            score = float(row[2])
        except (TypeError, ValueError):
            raise ValueError(f"the score of pair {k} must be a number; got {row[2]!r}.") from None
        if not np.isfinite(score):
            raise ValueError(f"the score of pair {k} must be finite; got {score!r}.")
        triples.append((row[0], row[1], score))
    return triples


@validate_params(
    {
        "embedding": ["array-like"],
        "vocabulary": ["array-like", Mapping],
        "pairs": "no_validation",  # any iterable of triples, checked by _pair_rows
        "case_sensitive": ["boolean"],
    },
    prefer_skip_nested_validation=True,
)
def word_similarity_score(embedding, vocabulary, pairs, *, case_sensitive=False):
    """Spearman correlation between cosine similarities and human similarity scores.

    The standard intrinsic evaluation of word vectors (Swivel's paper, GloVe,
    word2vec): for each pair of words whose two words are both in the
    vocabulary, the cosine similarity of their vectors is compared with the
    human score, and the rank (Spearman) correlation over these pairs is
    returned with the number of pairs used.  Pairs with a word outside the
    vocabulary are skipped (and not counted); a zero vector has cosine 0.
    The cosines are ranked to 12 decimals, so that pairs whose similarities
    differ only by rounding (a word with itself, as WordSim-353's
    ``tiger tiger``) tie.

    Papers use lists such as WordSim-353 and SimLex-999 (gensim ships both
    as test data: ``gensim.test.utils.datapath("wordsim353.tsv")`` and
    ``datapath("simlex999.txt")``, readable with
    :func:`load_word_similarity_pairs`).  On a small corpus few pairs are
    covered and the correlation is noisy (its standard error is about
    ``1 / sqrt(n_used)``): report ``n_used`` with it.

    Parameters
    ----------
    embedding : array-like of shape (n_words, n_components)
        One row per word (finite values).
    vocabulary : list, tuple or ndarray of n_words words, or dict word -> row
        The word of each row, as for :func:`nearest_words`.
    pairs : iterable of (word1, word2, score), array or DataFrame with 3 columns
        The word pairs and their human similarity scores (finite numbers).
    case_sensitive : bool, default=False
        ``False``: words are compared lower-cased; where the vocabulary has
        several case variants of a word, the one with the smallest row (the
        most frequent in a vocabulary sorted by frequency, as gensim's
        ``evaluate_word_pairs(case_insensitive=True)``) is used.

    Returns
    -------
    rho : float
        Spearman's rank correlation (as :func:`scipy.stats.spearmanr`), in
        ``[-1, 1]``; NaN, with scipy's ``ConstantInputWarning``, when all the
        cosines or all the scores of the pairs used are equal.
    n_used : int
        The number of pairs with both words in the vocabulary.

    See Also
    --------
    nearest_words : The nearest neighbours of a word.

    References
    ----------
    .. [1] L. Finkelstein et al., "Placing Search in Context: The Concept
       Revisited", ACM TOIS 20(1), 2002 (WordSim-353).
    .. [2] F. Hill, R. Reichart and A. Korhonen, "SimLex-999: Evaluating
       Semantic Models With (Genuine) Similarity Estimation", Computational
       Linguistics 41(4), 2015.
    .. [3] N. Shazeer, R. Doherty, C. Evans and C. Waterson, "Swivel: Improving
       Embeddings by Noticing What's Missing", arXiv:1602.02215, 2016 (the
       evaluation protocol).

    Examples
    --------
    >>> import numpy as np
    >>> from lrsparse.metrics import word_similarity_score
    >>> E = np.array([[1.0, 0.0], [0.9, 0.1], [0.0, 1.0], [-1.0, 0.2]])
    >>> pairs = [("cat", "dog", 9.0), ("cat", "car", 3.0), ("Dog", "tree", 1.0),
    ...          ("cat", "unicorn", 5.0)]
    >>> word_similarity_score(E, ["cat", "dog", "car", "tree"], pairs)
    (1.0, 3)
    """
    unit, _ = _unit_rows(embedding)
    index, _ = _index(vocabulary, unit.shape[0], lower=not case_sensitive)
    left, right, human = [], [], []
    for w1, w2, score in _pair_rows(pairs):
        if not case_sensitive:
            w1 = w1.lower() if isinstance(w1, str) else w1
            w2 = w2.lower() if isinstance(w2, str) else w2
        if w1 in index and w2 in index:
            left.append(index[w1])
            right.append(index[w2])
            human.append(score)
    if len(human) < 2:
        raise ValueError(f"only {len(human)} pair(s) have both words in the vocabulary: a "
                         "Spearman correlation needs at least 2.")
    # rounded: similarities equal but for rounding (a word with itself, the
    # same pair twice, the data times a factor) tie instead of being ranked
    # by their rounding errors
    cosine = np.round(np.einsum("ij,ij->i", unit[left], unit[right]), _DECIMALS)
    rho = spearmanr(cosine, human).statistic
    return float(rho), len(human)


def load_word_similarity_pairs(path):
    """Read a word-similarity list: lines ``word1 <tab> word2 <tab> score``.

    The format of WordSim-353 and SimLex-999 as gensim ships them
    (``gensim/test/test_data/wordsim353.tsv``, ``simlex999.txt``): one pair
    per line, three tab-separated fields (any whitespace if there are no
    tabs); blank lines and lines starting with ``#`` are skipped.

    Parameters
    ----------
    path : str or path-like
        The file (UTF-8 text).

    Returns
    -------
    pairs : list of (str, str, float) tuples
        Ready for :func:`word_similarity_score`.

    Examples
    --------
    >>> import tempfile, os
    >>> from lrsparse.metrics import load_word_similarity_pairs
    >>> with tempfile.TemporaryDirectory() as tmp:
    ...     path = os.path.join(tmp, "pairs.tsv")
    ...     with open(path, "w") as f:
    ...         _ = f.write("# Word 1\\tWord 2\\tHuman (mean)\\ntiger\\tcat\\t7.35\\n")
    ...     load_word_similarity_pairs(path)
    [('tiger', 'cat', 7.35)]
    """
    pairs = []
    with open(path, encoding="utf-8") as f:
        for number, line in enumerate(f, start=1):
            line = line.strip()
            if not line or line.startswith("#"):
                continue
            fields = line.split("\t") if "\t" in line else line.split()
            if len(fields) != 3:
                raise ValueError(f"{path}, line {number}: expected 3 fields (word1, word2, "
                                 f"score), got {len(fields)}: {line!r}.")
            try:
                score = float(fields[2])
            except ValueError:
                raise ValueError(f"{path}, line {number}: the score {fields[2]!r} is not a "
                                 "number.") from None
            pairs.append((fields[0].strip(), fields[1].strip(), score))
    return pairs
