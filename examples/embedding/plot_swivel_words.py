"""
============================================================
Word embeddings with Swivel from text that ships with Python
============================================================

:class:`~lrsparse.embedding.Swivel` learns word vectors from a word-word
co-occurrence matrix: it factorises the pointwise mutual information (PMI)
of the counts, with a confidence-weighted squared error on the pairs that
were seen and a *soft hinge* on the pairs that never were.
:class:`~lrsparse.feature_extraction.CooccurrenceVectorizer` builds that
matrix from documents.

This example

1. collects an English text corpus that every installation of this project
   has on disk: the Python language reference shipped with the standard
   library and the docstrings of the standard library, NumPy, SciPy and
   scikit-learn (no download);
2. counts the co-occurrences of its words with ``CooccurrenceVectorizer``;
3. fits ``Swivel``, looks at the loss curve, the nearest neighbours of a few
   words and a 2-D map of frequent words;
4. does the same in one :class:`~sklearn.pipeline.Pipeline`, on the
   language reference alone;
5. compares the neighbours with a PPMI + truncated SVD baseline on the same
   counts.
"""

# %%
# A corpus on disk
# ----------------
#
# ``pydoc_data.topics`` holds the sections of the Python language reference
# that ``help()`` prints (about 80 topics, half a million characters of
# English prose).  We add the docstrings of the standard library, NumPy,
# SciPy and scikit-learn, read from the source files with a regular
# expression for triple-quoted strings (docstrings, almost all of them; no
# module is imported), without their doctest lines (``>>>``, ``...`` and the
# output under them) and without the strings that are mostly not words (such
# as SciPy's table of physical constants).  Files are read in sorted order
# and each package stops contributing after about ``max_chars`` characters,
# so the corpus is fixed for given installed versions; the exact counts
# printed below depend on the versions of Python and the packages.
import os
import re
import sysconfig
import time
from importlib.util import find_spec

from pydoc_data.topics import topics

TRIPLE_QUOTED = re.compile(r'"""(.*?)"""', re.DOTALL)
SKIP_DIRS = {"tests", "test", "site-packages", "idlelib", "lib2to3", "__pycache__"}


def prose(text):
    """``text`` on one line, without doctest lines and their outputs."""
    lines, in_doctest = [], False
    for line in text.splitlines():
        line = line.strip()
        if line.startswith((">>>", "...")):
            in_doctest = True
        elif not line:
            in_doctest = False
        elif not in_doctest:
            lines.append(line)
    return " ".join(lines)


def docstrings(root, max_chars):
    """The docstrings of the ``.py`` files under ``root`` (sorted), up to ``max_chars``."""
    docs, n_chars = [], 0
    for dirpath, dirnames, filenames in os.walk(root):
        dirnames[:] = sorted(d for d in dirnames if d not in SKIP_DIRS)
        for name in sorted(f for f in filenames if f.endswith(".py")):
            path = os.path.join(dirpath, name)
            with open(path, encoding="utf-8", errors="replace") as f:
                for match in TRIPLE_QUOTED.finditer(f.read()):
                    text = prose(match.group(1))
                    # skip short strings and tables (CODATA constants...): keep mostly words
                    letters = sum(c.isalpha() or c.isspace() for c in text)
                    if len(text) > 40 and letters >= 0.8 * len(text):
                        docs.append(text)
                        n_chars += len(text)
            if n_chars >= max_chars:
                return docs
    return docs


tic = time.perf_counter()
documents = [prose(topics[key]) for key in sorted(topics)]
sources = {"Python reference (pydoc_data)": len(documents)}
roots = {"standard library": sysconfig.get_paths()["stdlib"]}
for name in ("numpy", "scipy", "sklearn"):
    roots[name] = os.path.dirname(find_spec(name).origin)
for name, root in roots.items():
    docs = docstrings(root, max_chars=650_000)
    sources[name] = len(docs)
    documents += docs
print(f"{len(documents)} documents, {sum(map(len, documents)) / 1e6:.1f} million characters "
      f"({time.perf_counter() - tic:.1f} s)")
for name, count in sources.items():
    print(f"  {name:>30}: {count} documents")

# %%
# Co-occurrence counts
# --------------------
#
# ``CooccurrenceVectorizer`` tokenises the documents as scikit-learn's
# :class:`~sklearn.feature_extraction.text.CountVectorizer` does (lower
# case, tokens of two or more letters, digits or underscores), and every
# pair of tokens at distance ``d <= window`` in the same document adds
# ``1 / d`` to the cells of the two words: Swivel's own settings (window 10,
# harmonic weights, each word also counted once with itself).
# ``min_count=20`` keeps the words seen at least 20 times, about two
# thousand here, ordered by frequency. The matrix is sparse and symmetric.
from lrsparse.feature_extraction import CooccurrenceVectorizer

# The counting kernel is compiled by numba at its first call (or loaded from
# the disk cache): one untimed call on a few documents first, so that the
# time printed is that of the counting alone (the same for Swivel below).
CooccurrenceVectorizer(window=10, weighting="harmonic").fit_transform(documents[:5])
tic = time.perf_counter()
vectorizer = CooccurrenceVectorizer(window=10, weighting="harmonic", min_count=20)
C = vectorizer.fit_transform(documents)
words = vectorizer.get_feature_names_out()
print(f"{C.shape[0]} words seen at least 20 times, {vectorizer.word_counts_.sum()} of their "
      f"tokens ({time.perf_counter() - tic:.1f} s)")
print(f"{C.nnz} nonzero cells ({C.nnz / C.shape[0] ** 2:.0%} of the matrix)")
print("most frequent words:", ", ".join(words[:12]))

# %%
# Fitting Swivel
# --------------
#
# The paper's defaults (AdaGrad with learning rate 1, confidence
# ``f(x) = 0.1 + 0.25 sqrt(x)``) are kept; the vectors are small (50
# dimensions) and the epochs few (20) to keep the example quick.  With
# ``shard_size="auto"`` the words are split round-robin into 16 shards of
# about 134 words here, so an epoch makes 16 x 16 block steps, in 16 rounds
# of 16 blocks that share no rows or columns.  The blocks of a round run on
# ``n_jobs=2`` threads; the result does not depend on ``n_jobs``.
import numpy as np

from lrsparse.embedding import Swivel

Swivel(n_components=50, n_epochs=1, n_jobs=2, random_state=0).fit(C[:200, :200])  # compiles
tic = time.perf_counter()
swivel = Swivel(n_components=50, n_epochs=20, n_jobs=2, random_state=0).fit(C)
print(f"Swivel: {swivel.n_iter_} epochs in {time.perf_counter() - tic:.1f} s, mean loss per "
      f"cell {swivel.loss_curve_[0]:.4f} -> {swivel.loss_curve_[-1]:.4f}")
embedding = swivel.embedding_  # row + column vectors, as the authors' tools do

# %%
# The loss is the mean over all cells of the matrix, observed or not (most
# cells are unobserved and cost the soft hinge).  It falls quickly during the
# first five epochs and hardly moves after ten; the paper's 40 epochs are
# for corpora of billions of tokens.
import matplotlib.pyplot as plt

fig, ax = plt.subplots(figsize=(5, 3.5))
ax.plot(np.arange(1, swivel.n_iter_ + 1), swivel.loss_curve_, marker="o")
ax.xaxis.get_major_locator().set_params(integer=True)
ax.set(xlabel="epoch", ylabel="mean loss per cell", title="Swivel training loss")
fig.tight_layout()
plt.show()

# %%
# Nearest neighbours
# ------------------
#
# :func:`~lrsparse.metrics.nearest_words` returns the words whose vectors
# have the largest cosine similarity with a query word's.
from lrsparse.metrics import nearest_words

queries = ["array", "file", "error", "integer", "thread", "socket", "mean", "dictionary"]


def show_neighbours(embedding, title, n_neighbors=6):
    print(title)
    for query in queries:
        neighbours = nearest_words(embedding, words, query, n_neighbors=n_neighbors)
        print(f"  {query:>10}: " + ", ".join(word for word, _ in neighbours))


show_neighbours(embedding, "Swivel")

# %%
# The neighbours are of two kinds, as usual for embeddings trained on
# co-occurrences: words of the same kind, which appear in the same contexts
# (``integer``: ``signed``, ``unsigned``, ``integers``; ``dictionary``:
# ``dict``, ``mapping``, ``keys``; ``mean``: ``variance``, ``deviation``,
# ``median``), and words that appear *next to* the query (``thread``:
# ``local`` and ``safe``, from "thread-local" and "thread-safe"; ``array``:
# ``input`` and ``contiguous``; ``integer``: ``presentation``, from the
# "integer presentation types" of the format specification).  The corpus is
# small (under half a million tokens, where word2vec-style models are
# trained on billions) and technical, so rare words get noisy neighbours;
# the queries above are frequent words.
#
# A map of frequent words
# -----------------------
#
# A 2-D :class:`~sklearn.decomposition.PCA` of the unit-length vectors of the
# 60 most frequent words that are not English stop words.  Two directions
# keep only a small part of 50 dimensions, so the map shows coarse groups at
# best; the neighbour lists above use all dimensions.
# sphinx_gallery_thumbnail_number = 2
from sklearn.decomposition import PCA
from sklearn.feature_extraction.text import ENGLISH_STOP_WORDS

shown = [i for i, word in enumerate(words) if word not in ENGLISH_STOP_WORDS][:60]
unit = embedding[shown] / np.linalg.norm(embedding[shown], axis=1, keepdims=True)
xy = PCA(n_components=2, random_state=0).fit_transform(unit)
fig, ax = plt.subplots(figsize=(8, 7))
ax.scatter(xy[:, 0], xy[:, 1], s=8, color="tab:blue")
for (x, y), i in zip(xy, shown):
    ax.annotate(words[i], (x, y), fontsize=8, xytext=(2, 2), textcoords="offset points")
ax.set(title="Swivel vectors of 60 frequent words (PCA)", xticks=[], yticks=[])
fig.tight_layout()
plt.show()

# %%
# The vocabulary of arrays (``array``, ``ndarray``, ``shape``, ``matrix``,
# ``float``, ``int``, ``axis``, ``n_samples``...) and that of Python objects
# (``class``, ``instance``, ``method``, ``object``, ``self``, ``module``,
# ``function``...) fall on opposite sides of the map, with the words of
# function signatures (``argument``, ``arguments``, ``string``, ``file``)
# apart from both.  Within a group the positions mean little.
#
# The same in one pipeline
# ------------------------
#
# ``Swivel.fit`` takes the square matrix that ``CooccurrenceVectorizer``
# returns, so the two chain in a :class:`~sklearn.pipeline.Pipeline`, whose
# ``fit_transform(documents)`` returns one row per vocabulary word, in the
# order of the vectorizer's ``vocabulary_``.  (With the documents and
# parameters above it would repeat the two steps exactly.)  Here the pipeline
# embeds a smaller corpus, the Python language reference alone, keeping the
# words seen at least 5 times.
from sklearn.pipeline import make_pipeline

reference = [prose(topics[key]) for key in sorted(topics)]
pipeline = make_pipeline(
    CooccurrenceVectorizer(window=10, weighting="harmonic", min_count=5),
    Swivel(n_components=50, n_epochs=20, n_jobs=2, random_state=0),
)
reference_embedding = pipeline.fit_transform(reference)
vocabulary = pipeline.named_steps["cooccurrencevectorizer"].vocabulary_
print(f"Python reference only: {reference_embedding.shape[0]} words x "
      f"{reference_embedding.shape[1]} dimensions")
for query in ["class", "exception", "string", "loop", "function", "list"]:
    neighbours = nearest_words(reference_embedding, vocabulary, query, n_neighbors=6)
    print(f"  {query:>10}: " + ", ".join(word for word, _ in neighbours))

# %%
# Words of the language reference get neighbours from its grammar: ``class``
# is near ``derived``, ``inherits``, ``metaclass`` and ``base``, ``loop``
# near ``terminates`` and ``break``, ``exception`` near ``clause``,
# ``raised`` and ``handler``, ``list`` near ``comprehension``.
#
# A PPMI + truncated SVD baseline
# -------------------------------
#
# The classical count-based embedding (Levy, Goldberg & Dagan): the positive PMI
# ``max(pmi_ij, 0)`` of the observed pairs (unobserved pairs stay 0), a
# truncated SVD ``U S V^T`` of rank 50, and the vectors ``U S^(1/2)``.  It
# uses the same counts; it simply drops every negative PMI and treats the
# unobserved pairs as exactly "no association".
import scipy.sparse as sp
from sklearn.decomposition import TruncatedSVD

counts = sp.coo_matrix(C)
total = counts.data.sum()
row_sums = np.asarray(C.sum(axis=1)).ravel()
col_sums = np.asarray(C.sum(axis=0)).ravel()
pmi = np.log(counts.data * total / (row_sums[counts.row] * col_sums[counts.col]))
ppmi = sp.csr_matrix((np.maximum(pmi, 0.0), (counts.row, counts.col)), shape=C.shape)
ppmi.eliminate_zeros()
svd = TruncatedSVD(n_components=50, random_state=0)
ppmi_embedding = svd.fit_transform(ppmi) / np.sqrt(svd.singular_values_)

show_neighbours(ppmi_embedding, "PPMI + truncated SVD")

# %%
# On the same counts, the baseline finds many of the same neighbours
# (``arrays``, ``open``/``files``, ``signed``/``unsigned``, ``dict``/
# ``mapping``/``keys``, ``variance``/``deviation``) and a few less related
# ones (``thread``: ``__del__``, ``really``).  Neither list is clearly better
# here: a handful of queries on a corpus this size is a qualitative look, not
# an evaluation.  To compare embeddings with numbers, score them on a
# word-similarity list with :func:`~lrsparse.metrics.word_similarity_score`
# (Spearman correlation with human judgements, such as WordSim-353 or
# SimLex-999) on a corpus with general English text; see the user guide.
