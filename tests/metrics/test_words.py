import numpy as np
import pandas as pd
import pytest
from scipy.stats import spearmanr

from lrsparse.datasets import make_planted_cooccurrence
from lrsparse.metrics import load_word_similarity_pairs, nearest_words, word_similarity_score

WORDS = ["north", "east", "south", "west", "northeast", "up", "zero"]
# unit directions in the plane (and one off it, and a zero vector): the
# cosines are known exactly
E = np.array([
    [0.0, 2.0, 0.0],     # north
    [3.0, 0.0, 0.0],     # east
    [0.0, -1.0, 0.0],    # south
    [-0.5, 0.0, 0.0],    # west
    [1.0, 1.0, 0.0],     # northeast
    [0.0, 0.0, 4.0],     # up
    [0.0, 0.0, 0.0],     # zero
])
H = np.sqrt(0.5)


def _vocabularies():
    return {
        "list": list(WORDS),
        "tuple": tuple(WORDS),
        "array": np.array(WORDS),
        "dict": {w: i for i, w in enumerate(WORDS)},
        "shuffled dict": dict(reversed([(w, i) for i, w in enumerate(WORDS)])),
    }


@pytest.mark.parametrize("form", list(_vocabularies()))
def test_nearest_words_known_neighbours(form):
    vocab = _vocabularies()[form]
    got = nearest_words(E, vocab, "north", n_neighbors=6)
    assert [w for w, _ in got] == ["northeast", "east", "west", "up", "zero", "south"]
    np.testing.assert_allclose([c for _, c in got], [H, 0, 0, 0, 0, -1], atol=1e-15)
    assert all(isinstance(w, str) and type(c) is float for w, c in got)


def test_nearest_words_excludes_the_query_and_orders_ties_by_row():
    got = nearest_words(E, WORDS, "up", n_neighbors=6)
    # everything but "up" is orthogonal to it: ties in row order
    assert [w for w, _ in got] == ["north", "east", "south", "west", "northeast", "zero"]
    assert [c for _, c in got] == [0.0] * 6


def test_nearest_words_default_and_top_k_match_a_brute_force_ranking(rng):
    X = rng.standard_normal((40, 5))
    vocab = [f"w{i}" for i in range(40)]
    unit = X / np.linalg.norm(X, axis=1, keepdims=True)
    cos = unit @ unit[7]
    cos[7] = -np.inf
    expected = np.argsort(-cos, kind="stable")
    got = nearest_words(X, vocab, "w7")
    assert len(got) == 10
    assert [w for w, _ in got] == [vocab[i] for i in expected[:10]]
    np.testing.assert_allclose([c for _, c in got], cos[expected[:10]], rtol=1e-12)
    assert len(nearest_words(X, vocab, "w7", n_neighbors=39)) == 39


def test_nearest_words_of_several_words_averages_their_unit_vectors():
    got = nearest_words(E, WORDS, ["north", "east"], n_neighbors=2)
    assert got[0][0] == "northeast" and got[0][1] == pytest.approx(1.0)
    assert got[1][1] == pytest.approx(0.0, abs=1e-15)  # west, south: -H; up, zero: 0
    got = nearest_words(E, WORDS, np.array(["north", "east", "north"]), n_neighbors=5)
    assert {"north", "east"}.isdisjoint(w for w, _ in got)


@pytest.mark.parametrize("factor", [1e-100, 1e-6, 1.0, 1e6, 1e100])
def test_scale_invariance(factor, rng):
    X = rng.standard_normal((30, 4))
    vocab = [f"w{i}" for i in range(30)]
    pairs = [(f"w{i}", f"w{j}", float(rng.uniform(0, 10))) for i, j in
             rng.integers(0, 30, size=(40, 2))]
    ref_nn = nearest_words(X, vocab, "w3", n_neighbors=5)
    ref_score = word_similarity_score(X, vocab, pairs)
    nn = nearest_words(X * factor, vocab, "w3", n_neighbors=5)
    assert [w for w, _ in nn] == [w for w, _ in ref_nn]
    np.testing.assert_allclose([c for _, c in nn], [c for _, c in ref_nn], rtol=1e-12)
    score = word_similarity_score(X * factor, vocab, pairs)
    assert score[1] == ref_score[1] and score[0] == pytest.approx(ref_score[0], abs=1e-12)


def test_inputs_not_modified():
    X = E.copy()
    vocab = {w: i for i, w in enumerate(WORDS)}
    before = dict(vocab)
    nearest_words(X, vocab, "north", 2)
    word_similarity_score(X, vocab, [("north", "east", 1.0), ("north", "northeast", 2.0)])
    np.testing.assert_array_equal(X, E)
    assert vocab == before


@pytest.mark.parametrize("query", ["nowhere", ["north", "nowhere"]])
def test_nearest_words_unknown_word(query):
    with pytest.raises(KeyError, match="'nowhere' is not in the vocabulary"):
        nearest_words(E, WORDS, query)


@pytest.mark.parametrize("args, error, match", [
    ((E, WORDS, "zero"), ValueError, "'zero' has a zero vector"),
    ((E, WORDS, ["west", "east"], 2), ValueError, "sum to zero"),
    ((E, WORDS, []), ValueError, "at least one word"),
    ((E, WORDS, "north", 7), ValueError, "more than the 6 words"),
    ((E, WORDS, "north", 0), ValueError, "n_neighbors"),
    ((E, WORDS[:-1], "north"), ValueError, "6 words but embedding has 7 rows"),
    ((E, WORDS[:-1] + ["north"], "north"), ValueError, "'north' twice"),
    ((E, {"north": 0, "east": 0}, "north"), ValueError, "distinct rows"),
    ((E, {w: i + 1 for i, w in enumerate(WORDS)}, "north"), ValueError, "distinct rows"),
    ((E, "north east", "north"), TypeError, "vocabulary"),
    ((E, WORDS, 3), ValueError, "query"),
    ((np.where(E == 3, np.nan, E), WORDS, "north"), ValueError, "NaN"),
    ((E[:, 0], WORDS, "north"), ValueError, "2D"),
])
def test_nearest_words_bad_input(args, error, match):
    with pytest.raises(error, match=match):
        nearest_words(*args)


def test_word_similarity_score_matches_scipy_spearman(rng):
    X = rng.standard_normal((25, 6))
    vocab = [f"w{i}" for i in range(25)]
    idx = rng.integers(0, 25, size=(60, 2))
    human = rng.uniform(0, 10, size=60)
    pairs = [(vocab[i], vocab[j], h) for (i, j), h in zip(idx, human)]
    unit = X / np.linalg.norm(X, axis=1, keepdims=True)
    cos = np.einsum("ij,ij->i", unit[idx[:, 0]], unit[idx[:, 1]])
    rho, n_used = word_similarity_score(X, vocab, pairs)
    assert n_used == 60
    # (the cosines of the self-pairs, 1 but for rounding, tie)
    assert np.sum(idx[:, 0] == idx[:, 1]) >= 2
    assert rho == pytest.approx(spearmanr(np.round(cos, 12), human).statistic, abs=1e-12)
    assert type(rho) is float and type(n_used) is int


def test_word_similarity_score_known_value():
    # cosines: north-northeast H, north-east 0, north-south -1, east-northeast H
    pairs = [("north", "northeast", 8.0), ("north", "east", 5.0), ("north", "south", 1.0),
             ("east", "northeast", 2.0)]
    rho, n_used = word_similarity_score(E, WORDS, pairs)
    assert n_used == 4
    # ranks of the cosines (3.5, 2, 1, 3.5) against (4, 3, 1, 2)
    assert rho == pytest.approx(spearmanr([3.5, 2, 1, 3.5], [4, 3, 1, 2]).statistic)


def test_word_similarity_score_ties_pairs_equal_but_for_rounding(rng):
    # a word with itself (as "tiger tiger" in WordSim-353): cosine 1 for every
    # word, whatever the rounding of its unit vector
    X = rng.standard_normal((20, 7)) * 10.0 ** rng.uniform(-5, 5, size=(20, 1))
    vocab = [f"w{i}" for i in range(20)]
    pairs = [(w, w, float(k)) for k, w in enumerate(vocab)] + [("w0", "w1", 0.0)]
    rho, n_used = word_similarity_score(X, vocab, pairs)
    cos01 = X[0] @ X[1] / np.linalg.norm(X[0]) / np.linalg.norm(X[1])
    assert n_used == 21
    assert rho == pytest.approx(spearmanr([1.0] * 20 + [cos01], list(range(20)) + [0]).statistic)


def test_word_similarity_score_skips_and_counts_missing_words():
    pairs = [("north", "northeast", 8.0), ("north", "unicorn", 9.0), ("north", "east", 5.0),
             ("dragon", "unicorn", 3.0), ("north", "south", 1.0)]
    rho, n_used = word_similarity_score(E, WORDS, pairs)
    assert n_used == 3 and rho == pytest.approx(1.0)


def test_word_similarity_score_case():
    vocab = ["North", "north", "east", "south", "west", "northeast", "up"]  # "North" first
    X = E[[2, 0, 1, 2, 3, 4, 5]]  # "North" points south
    pairs = [("NORTH", "east", 8.0), ("north", "northeast", 5.0), ("North", "south", 1.0)]
    # case-insensitive: every "north" is row 0 (the first variant), pointing south
    rho, n_used = word_similarity_score(X, vocab, pairs)
    assert n_used == 3
    assert rho == pytest.approx(spearmanr([0.0, -H, 1.0], [8, 5, 1]).statistic)
    assert rho == pytest.approx(-0.5)
    # case-sensitive: "NORTH" is unknown, "north" is row 1 and "North" row 0
    rho, n_used = word_similarity_score(X, vocab, pairs, case_sensitive=True)
    assert (rho, n_used) == (pytest.approx(-1.0), 2)


@pytest.mark.parametrize("form", ["list", "generator", "array", "dataframe"])
def test_word_similarity_score_pair_forms(form):
    triples = [("north", "northeast", 8.0), ("north", "east", 5.0), ("north", "south", 1.0)]
    pairs = {
        "list": triples,
        "generator": (t for t in triples),
        "array": np.array(triples, dtype=object),
        "dataframe": pd.DataFrame(triples, columns=["w1", "w2", "score"]),
    }[form]
    assert word_similarity_score(E, WORDS, pairs) == (1.0, 3)


@pytest.mark.parametrize("pairs, error, match", [
    ([("north", "east")], ValueError, "entry 0 has 2 values"),
    ([("north", "east", 1.0), "north east 2"], ValueError, "entry 1 is"),
    ([("north", "east", "high"), ("north", "south", 1.0)], ValueError, "must be a number"),
    ([("north", "east", np.nan), ("north", "south", 1.0)], ValueError, "finite"),
    ([("north", "east", 1.0), ("dragon", "south", 2.0)], ValueError, "only 1 pair"),
    ("north east 1.0", TypeError, "string"),
    (3, TypeError, "iterable"),
])
def test_word_similarity_score_bad_pairs(pairs, error, match):
    with pytest.raises(error, match=match):
        word_similarity_score(E, WORDS, pairs)


def test_word_similarity_score_on_planted_vectors_is_exact():
    # the planted vectors have equal lengths: the cosine orders the pairs as
    # the planted PMI does, so scoring the vectors against the PMI gives 1
    _, U, _ = make_planted_cooccurrence(60, 4, n_tokens=10, random_state=0)
    vocab = [f"w{i}" for i in range(60)]
    rng = np.random.RandomState(1)
    idx = rng.choice(60, size=(50, 2), replace=True)
    idx = idx[idx[:, 0] != idx[:, 1]]
    pairs = [(vocab[i], vocab[j], float(U[i] @ U[j])) for i, j in idx]
    rho, n_used = word_similarity_score(U, vocab, pairs)
    assert n_used == len(idx) and rho == pytest.approx(1.0)
    rho_random, _ = word_similarity_score(rng.standard_normal(U.shape), vocab, pairs)
    assert rho_random < 0.6


def test_load_word_similarity_pairs(tmp_path):
    path = tmp_path / "pairs.tsv"
    path.write_text("# The test collection\n# Word 1\tWord 2\tHuman (mean)\n"
                    "love\tsex\t6.77\n\ntiger\tcat\t7.35\n  new york\tcity \t 9\n",
                    encoding="utf-8")
    assert load_word_similarity_pairs(path) == [
        ("love", "sex", 6.77), ("tiger", "cat", 7.35), ("new york", "city", 9.0)]
    spaced = tmp_path / "spaced.txt"
    spaced.write_text("old new 1.58\nsmart  intelligent 9.2\n", encoding="utf-8")
    assert load_word_similarity_pairs(str(spaced)) == [
        ("old", "new", 1.58), ("smart", "intelligent", 9.2)]


@pytest.mark.parametrize("text, match", [
    ("love\tsex\n", "line 1: expected 3 fields"),
    ("# c\nlove\tsex\tmuch\n", "line 2: the score 'much' is not a number"),
])
def test_load_word_similarity_pairs_bad_lines(tmp_path, text, match):
    path = tmp_path / "bad.tsv"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(ValueError, match=match):
        load_word_similarity_pairs(path)


def test_vocabulary_of_the_vectorizer_in_both_forms(rng):
    from lrsparse.feature_extraction import CooccurrenceVectorizer

    docs = ["the cat sat on the mat", "the dog sat on the log", "a cat and a dog"]
    vectorizer = CooccurrenceVectorizer(window=2, min_count=1).fit(docs)
    X = rng.standard_normal((len(vectorizer.vocabulary_), 3))
    by_dict = nearest_words(X, vectorizer.vocabulary_, "cat", n_neighbors=4)
    by_names = nearest_words(X, vectorizer.get_feature_names_out(), "cat", n_neighbors=4)
    assert by_dict == by_names
    pairs = [("cat", "dog", 3.0), ("the", "mat", 1.0), ("sat", "on", 2.0)]
    assert word_similarity_score(X, vectorizer.vocabulary_, pairs) == \
        word_similarity_score(X, vectorizer.get_feature_names_out(), pairs)
