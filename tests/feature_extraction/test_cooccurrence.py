"""CooccurrenceVectorizer: brute-force window counts, vocabulary, tokenisation, streaming."""

import re
from collections import Counter

import numpy as np
import pytest
import scipy.sparse as sp
import sklearn
from sklearn.base import clone
from sklearn.exceptions import NotFittedError
from sklearn.feature_extraction.text import CountVectorizer
from sklearn.utils.estimator_checks import (
    check_get_params_invariance,
    check_no_attributes_set_in_init,
    check_parameters_default_constructible,
    check_set_params,
)

import lrsparse._kernels.cooccurrence as cooccurrence_kernels
import lrsparse.feature_extraction._cooccurrence as cooc_module
from lrsparse.feature_extraction import CooccurrenceVectorizer

CORPUS = [
    "The cat sat on the mat. The cat saw the dog.",
    "A dog sat on the log, the dog saw the cat on the mat!",
    "",
    "Cats and dogs: the cat, the dog, the mat and the log.",
    "The log is on the mat and the mat is on the log",
]


def _tokens(doc):
    # scikit-learn's default word analyzer: lowercase, tokens of 2+ word characters
    return re.findall(r"(?u)\b\w\w+\b", doc.lower())


def _brute_vocabulary(token_docs, min_count, max_vocab=None):
    counts = Counter(t for doc in token_docs for t in doc)
    words = sorted((w for w in counts if counts[w] >= min_count), key=lambda w: (-counts[w], w))
    words = words[:max_vocab]
    return {w: k for k, w in enumerate(words)}, np.array([counts[w] for w in words])


def _brute_counts(token_docs, vocabulary, window, harmonic, include_self):
    C = np.zeros((len(vocabulary), len(vocabulary)))
    for doc in token_docs:
        for p, a in enumerate(doc):
            if include_self and a in vocabulary:
                C[vocabulary[a], vocabulary[a]] += 1.0
            for q in range(p + 1, min(p + window + 1, len(doc))):
                b = doc[q]
                if a in vocabulary and b in vocabulary:
                    w = 1.0 / (q - p) if harmonic else 1.0
                    C[vocabulary[a], vocabulary[b]] += w
                    C[vocabulary[b], vocabulary[a]] += w
    return C


# ------------------------------------------------------------ the counts
@pytest.mark.parametrize("weighting", ["harmonic", "uniform"])
@pytest.mark.parametrize("include_self", [True, False])
@pytest.mark.parametrize("window, min_count", [(1, 1), (3, 2), (10, 1)])
def test_matches_brute_force_window_count(weighting, include_self, window, min_count):
    vec = CooccurrenceVectorizer(window=window, weighting=weighting, min_count=min_count,
                                 include_self=include_self)
    C = vec.fit_transform(CORPUS)
    token_docs = [_tokens(d) for d in CORPUS]
    vocabulary, counts = _brute_vocabulary(token_docs, min_count)
    assert vec.vocabulary_ == vocabulary
    np.testing.assert_array_equal(vec.word_counts_, counts)
    expected = _brute_counts(token_docs, vocabulary, window, weighting == "harmonic", include_self)
    np.testing.assert_allclose(C.toarray(), expected, rtol=1e-14)


def test_output_format_symmetric_int32_canonical():
    C = CooccurrenceVectorizer(window=4, min_count=1).fit_transform(CORPUS)
    assert isinstance(C, sp.csr_matrix)  # as CountVectorizer returns
    assert C.indices.dtype == np.int32 and C.indptr.dtype == np.int32
    assert C.has_canonical_format and np.all(C.data > 0)
    assert abs(C - C.T).max() == 0
    assert C.shape[0] == C.shape[1]


def test_sparse_interface_config_gives_a_sparse_array():
    if "sparse_interface" not in sklearn.get_config():
        pytest.fail("scikit-learn >= 1.9 has the sparse_interface option")
    with sklearn.config_context(sparse_interface="sparray"):
        C = CooccurrenceVectorizer(min_count=1).fit_transform(CORPUS)
    assert isinstance(C, sp.csr_array) and C.indices.dtype == np.int32


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_dtype(dtype):
    vec = CooccurrenceVectorizer(window=3, min_count=1, dtype=dtype)
    C = vec.fit_transform(CORPUS)
    assert C.dtype == dtype
    assert vec.transform(CORPUS).dtype == dtype
    C64 = CooccurrenceVectorizer(window=3, min_count=1).fit_transform(CORPUS)
    np.testing.assert_allclose(C.toarray(), C64.toarray(), rtol=1e-6)


def test_row_sums_are_swivels_marginals():
    # Swivel's prep.py: each pair adds 1/d to both words' sums, each token 1 to its own.
    token_docs = [_tokens(d) for d in CORPUS]
    vec = CooccurrenceVectorizer(min_count=1)
    C = vec.fit_transform(CORPUS)
    sums = np.zeros(len(vec.vocabulary_))
    for doc in token_docs:
        ids = [vec.vocabulary_[t] for t in doc]
        for p in range(len(ids)):
            sums[ids[p]] += 1.0
            for off in range(1, min(11, len(ids) - p)):
                sums[ids[p]] += 1.0 / off
                sums[ids[p + off]] += 1.0 / off
    np.testing.assert_allclose(np.asarray(C.sum(axis=1)).ravel(), sums, rtol=1e-14)


# ------------------------------------------------------------ the vocabulary
def test_vocabulary_order_frequency_then_alphabetical():
    docs = [["b", "a", "c", "a", "d", "c", "e", "e"], ["z", "b"]]
    vec = CooccurrenceVectorizer(min_count=1).fit(docs)
    # a, b, c, e twice (alphabetical among ties), then d and z once
    assert list(vec.get_feature_names_out()) == ["a", "b", "c", "e", "d", "z"]
    assert vec.vocabulary_ == {"a": 0, "b": 1, "c": 2, "e": 3, "d": 4, "z": 5}
    np.testing.assert_array_equal(vec.word_counts_, [2, 2, 2, 2, 1, 1])
    names = vec.get_feature_names_out()
    assert names.dtype == object
    names[0] = "changed"
    assert vec.get_feature_names_out()[0] == "a"  # a copy


@pytest.mark.parametrize("min_count, max_vocab", [(1, None), (2, None), (3, None), (1, 4),
                                                  (2, 3), (1, 1)])
def test_min_count_and_max_vocab(min_count, max_vocab):
    token_docs = [_tokens(d) for d in CORPUS]
    vocabulary, counts = _brute_vocabulary(token_docs, min_count, max_vocab)
    vec = CooccurrenceVectorizer(window=3, min_count=min_count, max_vocab=max_vocab)
    C = vec.fit_transform(CORPUS)
    assert vec.vocabulary_ == vocabulary
    np.testing.assert_array_equal(vec.word_counts_, counts)
    assert np.all(vec.word_counts_ >= min_count)
    assert C.shape == (len(vocabulary),) * 2
    # The counts of the kept words do not depend on which other words are kept.
    full = CooccurrenceVectorizer(window=3, min_count=1)
    C_full = full.fit_transform(CORPUS)
    idx = [full.vocabulary_[w] for w in vec.get_feature_names_out()]
    np.testing.assert_allclose(C.toarray(), C_full.toarray()[np.ix_(idx, idx)])


def test_empty_vocabulary_names_min_count():
    with pytest.raises(ValueError, match="min_count=100"):
        CooccurrenceVectorizer(min_count=100).fit(CORPUS)
    with pytest.raises(ValueError, match="min_count"):
        CooccurrenceVectorizer(min_count=1).fit(["", "a b c"])  # tokens of one letter
    with pytest.raises(ValueError, match="stop words"):
        CooccurrenceVectorizer(min_count=1, stop_words=["the", "and"]).fit(["the and the"])


# ------------------------------------------------------------ documents
def test_token_lists_give_the_same_as_strings():
    vec = CooccurrenceVectorizer(window=4, min_count=2)
    C_str = vec.fit_transform(CORPUS)
    token_docs = [_tokens(d) for d in CORPUS]
    frozen = [list(d) for d in token_docs]
    vec2 = CooccurrenceVectorizer(window=4, min_count=2)
    C_tok = vec2.fit_transform(token_docs)
    assert token_docs == frozen  # input not modified
    assert vec2.vocabulary_ == vec.vocabulary_
    np.testing.assert_array_equal(C_tok.toarray(), C_str.toarray())
    # tuples, numpy arrays of str, and a mix of forms
    mixed = [tuple(token_docs[0]), np.array(token_docs[1]), CORPUS[2], CORPUS[3], token_docs[4]]
    vec3 = CooccurrenceVectorizer(window=4, min_count=2)
    np.testing.assert_array_equal(vec3.fit_transform(mixed).toarray(), C_str.toarray())
    assert all(type(w) is str for w in vec3.vocabulary_)


def test_token_lists_are_used_as_given():
    # no lowercasing or stop-word removal on tokenised documents
    vec = CooccurrenceVectorizer(min_count=1, stop_words="english").fit([["The", "the", "a"]])
    assert set(vec.vocabulary_) == {"The", "the", "a"}


def test_generator_input_and_one_pass():
    passes = []

    def documents():
        passes.append(1)
        yield from CORPUS

    vec = CooccurrenceVectorizer(window=3, min_count=2)
    C_gen = vec.fit_transform(documents())
    assert len(passes) == 1
    C_list = CooccurrenceVectorizer(window=3, min_count=2).fit_transform(CORPUS)
    np.testing.assert_array_equal(C_gen.toarray(), C_list.toarray())
    np.testing.assert_array_equal(vec.transform(d for d in CORPUS).toarray(), C_list.toarray())


@pytest.mark.parametrize("chunk_pairs", [1, 7, 40])
def test_chunked_merging_gives_the_same_counts(monkeypatch, chunk_pairs):
    # Force many chunks (new words appear in later chunks: the matrix grows).
    expected_vec = CooccurrenceVectorizer(window=3, min_count=1)
    expected = expected_vec.fit_transform(CORPUS)
    monkeypatch.setattr(cooc_module, "_CHUNK_PAIRS", chunk_pairs)
    calls = []
    kernel = cooccurrence_kernels.window_cooccurrence

    def counting_kernel(*args):
        calls.append(args[0].size)
        return kernel(*args)

    monkeypatch.setattr(cooccurrence_kernels, "window_cooccurrence", counting_kernel)
    vec = CooccurrenceVectorizer(window=3, min_count=1)
    C = vec.fit_transform(CORPUS)
    assert len(calls) >= 3 and sum(calls) == sum(len(_tokens(d)) for d in CORPUS)
    assert vec.vocabulary_ == expected_vec.vocabulary_
    np.testing.assert_allclose(C.toarray(), expected.toarray(), rtol=1e-14)
    np.testing.assert_allclose(vec.transform(CORPUS).toarray(), expected.toarray(), rtol=1e-14)


@pytest.mark.parametrize("input_kind", ["filename", "file"])
def test_file_inputs(tmp_path, input_kind):
    paths = []
    for k, doc in enumerate(CORPUS):
        path = tmp_path / f"doc{k}.txt"
        path.write_text(doc, encoding="utf-8")
        paths.append(path)
    expected = CooccurrenceVectorizer(min_count=2).fit_transform(CORPUS).toarray()
    vec = CooccurrenceVectorizer(min_count=2, input=input_kind)
    if input_kind == "filename":
        C = vec.fit_transform([str(p) for p in paths])
    else:
        handles = [open(p, encoding="utf-8") for p in paths]
        try:
            C = vec.fit_transform(handles)
        finally:
            for h in handles:
                h.close()
    np.testing.assert_array_equal(C.toarray(), expected)


# ------------------------------------------------------------ transform
def test_fit_then_transform_equals_fit_transform():
    vec = CooccurrenceVectorizer(window=5, min_count=2)
    C = vec.fit_transform(CORPUS)
    # bit for bit: every cell is summed in the order its pairs occur, whatever the ids
    np.testing.assert_array_equal(vec.transform(CORPUS).toarray(), C.toarray())
    C_fit = CooccurrenceVectorizer(window=5, min_count=2).fit(CORPUS).transform(CORPUS)
    np.testing.assert_array_equal(C_fit.toarray(), C.toarray())


@pytest.mark.parametrize("weighting", ["harmonic", "uniform"])
def test_transform_new_documents_ignores_unknown_words(weighting):
    vec = CooccurrenceVectorizer(window=3, min_count=2, weighting=weighting).fit(CORPUS)
    new = ["the zebra and the cat sat", "unknown words only here", ["dog", "xx", "log", "mat"]]
    C = vec.transform(new)
    token_docs = [_tokens(d) for d in new[:2]] + [new[2]]
    expected = _brute_counts(token_docs, vec.vocabulary_, 3, weighting == "harmonic", True)
    np.testing.assert_allclose(C.toarray(), expected, rtol=1e-14)
    assert C.shape == (len(vec.vocabulary_),) * 2
    assert "zebra" not in vec.vocabulary_
    # the unknown "zebra" kept its position: the and cat are at distance 3 in doc 0
    assert expected[vec.vocabulary_["the"], vec.vocabulary_["cat"]] > 0
    empty = vec.transform(["nothing known here"])
    assert empty.nnz == 0 and empty.shape == C.shape


def test_transform_and_feature_names_before_fit():
    vec = CooccurrenceVectorizer()
    with pytest.raises(NotFittedError):
        vec.transform(CORPUS)
    with pytest.raises(NotFittedError):
        vec.get_feature_names_out()


# ------------------------------------------------------------ tokenisation options
@pytest.mark.parametrize(
    "options",
    [
        {},
        {"lowercase": False},
        {"stop_words": "english"},
        {"stop_words": ["the", "on"]},
        {"token_pattern": r"(?u)\b\w+\b"},
        {"tokenizer": str.split, "token_pattern": None},
        {"preprocessor": lambda s: s.upper(), "lowercase": False},
        {"strip_accents": "unicode"},
    ],
    ids=lambda o: ",".join(o) or "defaults",
)
def test_tokenisation_is_count_vectorizers(options):
    corpus = CORPUS + ["Café crème, the café is on the mat"]
    analyzer = CountVectorizer(**options).build_analyzer()
    vec = CooccurrenceVectorizer(window=2, min_count=1, **options)
    C = vec.fit_transform(corpus)
    token_docs = [analyzer(d) for d in corpus]
    vocabulary, _ = _brute_vocabulary(token_docs, 1)
    assert vec.vocabulary_ == vocabulary
    assert set(vec.vocabulary_) == set(CountVectorizer(**options).fit(corpus).vocabulary_)
    np.testing.assert_allclose(C.toarray(), _brute_counts(token_docs, vocabulary, 2, True, True))


def test_stop_words_take_no_position():
    vec = CooccurrenceVectorizer(window=1, min_count=1, stop_words=["the"],
                                 weighting="uniform", include_self=False)
    C = vec.fit_transform(["cat the the the mat"])
    v = vec.vocabulary_
    assert C[v["cat"], v["mat"]] == 1.0  # adjacent once the stop words are removed


# ------------------------------------------------------------ bad input
@pytest.mark.parametrize(
    "params",
    [
        {"window": 0}, {"window": 2.5}, {"window": -1}, {"min_count": 0}, {"min_count": 1.5},
        {"max_vocab": 0}, {"weighting": "linear"}, {"include_self": "yes"},
        {"input": "url"}, {"stop_words": "french"}, {"decode_error": "silent"},
    ],
)
def test_bad_parameters(params):
    with pytest.raises(ValueError, match=next(iter(params))):
        CooccurrenceVectorizer(**params).fit(CORPUS)


@pytest.mark.parametrize("dtype", [np.int64, "bool", "not a dtype", np.complex128, None])
def test_bad_dtype(dtype):
    with pytest.raises(ValueError, match="dtype"):
        CooccurrenceVectorizer(dtype=dtype).fit(CORPUS)


def test_bad_documents():
    vec = CooccurrenceVectorizer(min_count=1)
    with pytest.raises(ValueError, match="Iterable over raw text documents expected"):
        vec.fit("the cat sat on the mat")
    with pytest.raises(ValueError, match="Iterable over raw text documents expected"):
        vec.fit(b"the cat sat on the mat")
    with pytest.raises(TypeError, match="raw_documents must be an iterable"):
        vec.fit(42)
    with pytest.raises(ValueError, match=r"raw_documents\[1\] is a float"):
        vec.fit(["the cat", np.nan])
    with pytest.raises(ValueError, match=r"raw_documents\[0\].*not a string"):
        vec.fit([["the", 3, "cat"]])
    vec.fit(CORPUS)
    with pytest.raises(ValueError, match="Iterable over raw text documents expected"):
        vec.transform("the cat")


# ------------------------------------------------------------ scikit-learn API
def test_sklearn_api_checks():
    # Text vectorizers are outside scikit-learn's array-based common checks
    # (input_tags.two_d_array is False, as for CountVectorizer); these apply.
    name = "CooccurrenceVectorizer"
    est = CooccurrenceVectorizer(min_count=1)
    check_parameters_default_constructible(name, est)
    check_no_attributes_set_in_init(name, est)
    check_get_params_invariance(name, est)
    check_set_params(name, est)
    tags = est.__sklearn_tags__()
    assert tags.input_tags.string and not tags.input_tags.two_d_array
    fitted = clone(est).fit(CORPUS)
    assert not hasattr(clone(fitted), "vocabulary_")


def test_large_synthetic_corpus_totals():
    # 200k tokens (Zipf-like vocabulary of 5000 words), one pass: the total weight is known
    # in closed form for uniform weights: every pair within the window counted twice, plus
    # the self counts.
    rng = np.random.default_rng(0)
    n_docs, length, window = 400, 500, 10
    ranks = np.minimum(rng.zipf(1.3, size=(n_docs, length)), 5000)
    docs = [[f"w{r}" for r in row] for row in ranks]
    vec = CooccurrenceVectorizer(window=window, min_count=1, weighting="uniform")
    C = vec.fit_transform(docs)
    pairs_per_doc = sum(length - d for d in range(1, window + 1))
    assert C.sum() == pytest.approx(2 * n_docs * pairs_per_doc + n_docs * length, rel=1e-12)
    assert vec.word_counts_.sum() == n_docs * length
    np.testing.assert_array_equal(C.diagonal() >= vec.word_counts_, True)
    assert C.nnz < C.shape[0] ** 2 / 4  # sparse


def test_pipeline_with_swivel_embeds_the_vocabulary():
    from sklearn.pipeline import make_pipeline

    from lrsparse.embedding import Swivel

    rng = np.random.default_rng(0)
    words = np.array([f"w{k:03d}" for k in range(120)])
    p = 1.0 / np.arange(1, 121)
    docs = [" ".join(rng.choice(words, size=40, p=p / p.sum())) for _ in range(40)]
    pipe = make_pipeline(CooccurrenceVectorizer(min_count=2),
                         Swivel(n_components=4, n_epochs=2, random_state=0))
    E = pipe.fit_transform(docs)
    vec = pipe[0]
    assert E.shape == (len(vec.vocabulary_), 4) and np.all(np.isfinite(E))
    assert len(vec.get_feature_names_out()) == E.shape[0]


def test_a_window_longer_than_every_document():
    docs = [["a", "b", "c"], ["c", "a"]]
    C_long = CooccurrenceVectorizer(window=10**30, min_count=1).fit_transform(docs)
    C_fit = CooccurrenceVectorizer(window=2, min_count=1).fit_transform(docs)
    np.testing.assert_array_equal(C_long.toarray(), C_fit.toarray())


def test_memory_stays_sparse_for_a_large_vocabulary():
    # ~45k distinct words: a dense vocabulary x vocabulary float64 array would be ~16 GB.
    import tracemalloc

    rng = np.random.default_rng(1)
    docs = [[f"w{k}" for k in rng.integers(0, 10**6, size=100)] for _ in range(500)]
    tracemalloc.start()
    try:
        C = CooccurrenceVectorizer(window=5, min_count=1).fit_transform(docs)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert C.shape[0] > 40000
    assert C.nnz <= 2 * 500 * sum(100 - d for d in range(1, 6)) + C.shape[0]
    assert peak < 200e6, f"peak traced memory {peak / 1e6:.0f} MB"
