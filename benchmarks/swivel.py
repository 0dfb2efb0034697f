"""Swivel co-occurrence embeddings: seconds per epoch, planted-PMI recovery, word similarity.

Three parts, each printing its own markdown table, then a **Targets** block;
the harness's summary table and the JSON hold all rows.

**Part 1, seconds per epoch** (``section="epoch"``).  Ours is
:func:`lrsparse.embedding.swivel_embedding` at its defaults
(``n_components=100``, ``shard_size="auto"``: at most 4096 words a shard)
with ``n_epochs=1``; its seconds per epoch are the epoch's time that
``verbose=1`` prints (the whole call, with the PMI targets and the blocks
cut from the matrix, is in the JSON as ``ours_call_s``).  The peer is
:func:`numpy_swivel` below: **the same blocked loss and AdaGrad** in plain
NumPy, in float32 as ours: per block, the dense product ``W_I C_J^T`` by
BLAS, softplus and sigmoid on every cell, the observed cells overwritten by
the confidence-weighted squared error to their PMI and its derivative, the
gradient times ``1 / sqrt(rows x columns)``, two more products and AdaGrad
(accumulators from 0.1) on the block's row and column vectors.  Its words
are reordered shard by shard and its blocks cut before the clock starts
(the original tool's ``prep.py`` step).  It is slow, so it is timed on the
first ``N_NUMPY_BLOCKS`` blocks of an epoch, and its seconds per epoch are
that time times ``blocks per epoch / blocks timed`` (the blocks of one
matrix have the same size up to one row or column).  Cases: planted
co-occurrences (:func:`lrsparse.datasets.make_planted_cooccurrence`, rank
16) with 20000 and 50000 words (``--quick``: 3000), and the real corpus of
part 3.  Before anything is timed, :func:`_check` runs ``CHECK_EPOCHS``
epochs of both on a small planted matrix (300 words, shards of 64, the
same initial vectors and rounds as ``swivel_embedding`` draws from
``random_state=0``, ``n_jobs=1``) and stops the benchmark unless the vectors
agree to ``CHECK_TOL`` relative to the largest entry, and the loss curves
too.  Target: ours at least ``TARGET_SPEEDUP`` times faster per epoch.

**Part 2, planted PMI** (``section="planted"``).  The planted matrix with
``PLANTED_RECOVERY`` words (``--quick``: 3000); ``N_HELD`` observed pairs
``i < j`` drawn at random (seed 0) are held out: their counts are removed
from ``C`` (both triangles) before fitting.  Ours:
``swivel_embedding(n_components=16, n_epochs=PLANTED_EPOCHS)`` (the planted
rank; ``PLANTED_EPOCHS`` is the default 40, ``--quick``: 10).  Metric:
Pearson and Spearman correlation of the recovered inner products with the
planted PMI ``u_i . u_j`` over the held pairs, for the embedding ``e = w +
c`` (row + column vectors, ``e_i . e_j``) and for the model's prediction
``w_i . c_j``, and over ``N_HELD`` pairs drawn uniformly (most of them never
observed: rare words).  Baseline: PPMI + SVD (below) of the same training
counts at rank 16.

**Part 3, word similarity on a real corpus** (``section="words"``).  The
only English running text a pip package here ships: gensim's test data
``head500.noblanks.cor`` (the first 500 Wikipedia articles, lower-cased and
Porter-stemmed by gensim's authors; about 335k tokens) and
``lee_background.cor`` (the Lee news corpus, about 59k tokens, stemmed here
with gensim's ``PorterStemmer`` so both halves use the same word forms): a
small corpus (about 0.4M tokens), far from the billions of tokens of the
paper, so the scores are low and noisy.  One document per line, counted by
:class:`lrsparse.feature_extraction.CooccurrenceVectorizer` (sklearn's
tokeniser) with ``window=10``, 1/distance weights, ``min_count=5`` and its
other defaults.  Methods, all with ``REAL_COMPONENTS`` dimensions on the
same vocabulary:

* ours: ``swivel_embedding(C, n_components=REAL_COMPONENTS,
  random_state=0)`` at its other defaults (40 epochs), row + column vectors
  (what ``Swivel.embedding_`` holds);
* gensim ``Word2Vec`` skip-gram and CBOW (negative sampling 5, ``window=10``,
  ``min_count=5``, ``WORD2VEC_EPOCHS`` epochs, ``seed=0``, ``workers`` =
  ``--threads``) on the same token lists;
* PPMI + truncated SVD on the same counts: ``max(0, log(x_ij x_** / (x_i*
  x_*j)))`` on the observed pairs, ``scipy.sparse.linalg.svds``, embedding
  ``U sqrt(S)`` (the symmetric weighting of Levy, Goldberg & Dagan 2015).

Evaluation: Spearman correlation of cosine similarities with the human
scores of WordSim-353 (``wordsim353.tsv``, 353 pairs) and SimLex-999
(``simlex999.txt``), both shipped by gensim, the words Porter-stemmed like
the corpus; pairs with a word outside the vocabulary are skipped and the
pairs used are counted (:func:`lrsparse.metrics.word_similarity_score`).
Targets: Swivel at least the better Word2Vec, and within
``TARGET_SVD_GAP`` Spearman of PPMI + SVD, on each list.  Seconds: wall
time of each fit (the counting, shared by Swivel and PPMI + SVD, is
printed apart; Word2Vec counts its own vocabulary inside).

Timing: the harness's :func:`~benchmarks._harness.time_interleaved`, one
untimed warm-up call each (numba compilation), then the median of
``min(repeats, max(1, TIME_BUDGET_S // warm-up time))`` calls; a warm-up
call longer than ``SINGLE_RUN_S`` is itself the only (timed) call.  Thread
pools are pinned by ``python -m benchmarks``; ours gets ``n_jobs`` =
``--threads`` (the blocks of a round run on that many threads).
"""

import time

import numpy as np
import scipy.sparse as sp
from scipy.sparse.linalg import svds
from scipy.stats import pearsonr, spearmanr

from ._harness import log, lrsparse_commit, markdown_table, target_mark, time_interleaved

SEED = 0
PLANTED_SIZES = (20_000, 50_000)
PLANTED_SIZES_QUICK = (3_000,)
PLANTED_RANK = 16
PLANTED_RECOVERY = 20_000  # part 2 runs at this size (at 50000 words an epoch takes 1-1.5 min)
PLANTED_EPOCHS = 40  # swivel_embedding's default (the paper's); fewer leave it far from done
PLANTED_EPOCHS_QUICK = 10
N_HELD = 20_000
N_HELD_QUICK = 2_000
N_NUMPY_BLOCKS = 6  # blocks of an epoch given to the NumPy version
N_NUMPY_BLOCKS_QUICK = 4
CHECK_WORDS, CHECK_SHARD, CHECK_COMPONENTS, CHECK_EPOCHS = 300, 64, 8, 2
CHECK_TOL = 1e-5  # float32 on both sides, different summation orders
EPOCH_COMPONENTS = 100  # Swivel's default n_components
SHARD_SIZE = 4096  # Swivel's shard_size="auto" (at most 4096, the paper's)

REAL_COMPONENTS = 100
REAL_MIN_COUNT = 5
REAL_WINDOW = 10
WORD2VEC_EPOCHS = 10
WORD2VEC_EPOCHS_QUICK = 2
QUICK_DOCUMENTS = 60  # --quick: the first lines of each corpus file

SINGLE_RUN_S = 30.0
TIME_BUDGET_S = 20.0

TARGET_SPEEDUP = 5.0
TARGET_SVD_GAP = 0.03

METRIC = "s/epoch or Spearman"
EXTRA_COLUMNS = (
    ("what", "metric"),
    ("note", "note"),
)


# ---------------------------------------------------------------------------
# Data


def _planted(n_words, seed=SEED):
    """``C, U``: planted co-occurrences and their planted PMI factor."""
    from lrsparse.datasets import make_planted_cooccurrence

    C, U, _ = make_planted_cooccurrence(n_words, PLANTED_RANK, random_state=seed)
    return sp.csr_array(C), U


def _hold_out(C, n_held, seed=SEED):
    """``C`` without ``n_held`` random observed pairs ``i < j`` (both triangles), and the pairs."""
    upper = sp.triu(C, k=1).tocoo()
    rng = np.random.default_rng(seed)
    pick = rng.choice(upper.nnz, size=min(n_held, upper.nnz), replace=False)
    pairs = np.stack([upper.row[pick], upper.col[pick]], axis=1).astype(np.intp)
    mask = sp.csr_array((np.ones(2 * len(pairs)),
                         (np.r_[pairs[:, 0], pairs[:, 1]], np.r_[pairs[:, 1], pairs[:, 0]])),
                        shape=C.shape)
    C_train = sp.csr_array(C - C.multiply(mask))
    C_train.eliminate_zeros()
    return C_train, pairs


def _uniform_pairs(n, size, seed=SEED):
    """``size`` pairs ``i < j`` drawn uniformly (most of them never observed)."""
    rng = np.random.default_rng(seed)
    i, j = rng.integers(0, n, size=(2, 2 * size))
    keep = i < j
    return np.stack([i[keep], j[keep]], axis=1)[:size]


def _corpus(quick):
    """Documents (strings) of gensim's shipped corpora, all Porter-stemmed."""
    from gensim.parsing.porter import PorterStemmer
    from gensim.test.utils import datapath
    from sklearn.feature_extraction.text import CountVectorizer

    def lines(name):
        with open(datapath(name), encoding="utf8") as f:
            docs = [line for line in f.read().splitlines() if line.strip()]
        return docs[:QUICK_DOCUMENTS] if quick else docs

    stem = PorterStemmer().stem
    analyzer = CountVectorizer().build_analyzer()
    lee = [" ".join(stem(t) for t in analyzer(doc)) for doc in lines("lee_background.cor")]
    return lines("head500.noblanks.cor") + lee


def _similarity_lists():
    """``{name: [(w1, w2, score), ...]}`` from gensim's test data, words Porter-stemmed."""
    from gensim.parsing.porter import PorterStemmer
    from gensim.test.utils import datapath

    from lrsparse.metrics import load_word_similarity_pairs

    stem = PorterStemmer().stem
    return {name: [(stem(a.lower()), stem(b.lower()), score)
                   for a, b, score in load_word_similarity_pairs(datapath(file))]
            for name, file in (("WS353", "wordsim353.tsv"), ("SimLex999", "simlex999.txt"))}


def _similarity(embedding, vocabulary, pairs):
    """``(Spearman rho, pairs used)`` of cosine similarities against the human scores."""
    from lrsparse.metrics import word_similarity_score

    return word_similarity_score(embedding, vocabulary, pairs)


# ---------------------------------------------------------------------------
# The NumPy reference


def numpy_swivel(blocks, W, Ct, bounds, rounds, *, row_bias, col_bias, learning_rate,
                 confidence_base, confidence_scale, confidence_exponent, n_epochs=1,
                 max_blocks=None, acc_init=0.1):
    """Swivel's blocked loss and AdaGrad in NumPy (the reference); returns ``W, Ct, losses``.

    The words are in shard order (shard ``s`` holds the rows ``bounds[s]`` to
    ``bounds[s + 1]``); ``blocks[(a, b)]`` is the ``(rows, cols, counts)``
    COO of the block of row shard ``a`` and column shard ``b`` in local
    indices (cut before the clock starts); ``rounds[e]`` the ``(a, b)`` blocks
    of epoch ``e`` in turn.  With ``pmi_ij = log x_ij - row_bias_i -
    col_bias_j`` and ``pmi*_ij = -row_bias_i - col_bias_j`` (the PMI of one
    co-occurrence), per block, with ``y = W_rows C_cols^T`` (dense, every cell):

    * observed cell (``x > 0``): loss ``f(x) (y - pmi)^2 / 2``,
      ``f(x) = confidence_base + confidence_scale x^confidence_exponent``;
    * unobserved cell: loss ``softplus(y - pmi*)``;

    the gradient with respect to ``y`` times ``1 / sqrt(rows x columns)``, then
    AdaGrad (accumulators start at ``acc_init``) on the block's row and column
    vectors, both from the gradients at the block's start.  ``losses``: the
    mean loss per cell of each epoch.  Works on copies, in the dtype of ``W``.
    """
    W, Ct = W.copy(), Ct.copy()
    dtype = W.dtype
    gW2 = np.full_like(W, acc_init)
    gC2 = np.full_like(Ct, acc_init)
    losses = []
    for epoch in range(n_epochs):
        total = 0.0
        for step, (a, b) in enumerate(rounds[epoch]):
            if max_blocks is not None and step >= max_blocks:
                break
            rows = slice(bounds[a], bounds[a + 1])
            cols = slice(bounds[b], bounds[b + 1])
            r, c, x = blocks[(a, b)]
            z = W[rows] @ Ct[cols].T  # y, then y - pmi* in place
            z += row_bias[rows][:, None]
            z += col_bias[cols][None, :]
            err = z[r, c] - np.log(x)  # y - pmi on the observed cells
            # Unobserved everywhere first, then the observed cells overwritten.
            loss = np.logaddexp(dtype.type(0), z)
            grad = np.exp(np.subtract(z, loss, out=z), out=z)  # sigmoid, no overflow
            f = confidence_base + confidence_scale * x ** confidence_exponent
            loss[r, c] = 0.5 * f * err * err
            grad[r, c] = f * err
            total += float(loss.sum(dtype=np.float64))
            grad *= dtype.type(1.0 / np.sqrt(grad.size))
            gw = grad @ Ct[cols]
            gc = grad.T @ W[rows]
            gW2[rows] += gw * gw
            gC2[cols] += gc * gc
            W[rows] -= learning_rate * gw / np.sqrt(gW2[rows])
            Ct[cols] -= learning_rate * gc / np.sqrt(gC2[cols])
        losses.append(total / (float(W.shape[0]) * float(Ct.shape[0])))
    return W, Ct, losses


def _numpy_setup(C, n_components, shard_size, n_epochs=1, seed=SEED, dtype=np.float32):
    """Everything the NumPy version needs, prepared before the clock starts (as ``prep.py``).

    Round-robin shards (word ``r`` in shard ``r % S``, ``S = ceil(n /
    shard_size)``), the words reordered shard by shard; the initial vectors
    and the order of the rounds drawn as ``swivel_embedding`` draws them from
    ``random_state=seed`` (``N(0, 1/n_components)`` rows, then columns, then
    one permutation of the ``S`` rounds per epoch; round ``t`` holds the blocks
    ``(s, (s + t) mod S)``).  Returns the keyword arguments of
    :func:`numpy_swivel` and the word order.
    """
    C = sp.csr_array(C, dtype=np.float64)
    n = C.shape[0]
    size = min(shard_size, n)
    S = -(-n // size)
    shards = [np.arange(s, n, S) for s in range(S)]
    order = np.concatenate(shards)
    bounds = np.concatenate([[0], np.cumsum([len(sh) for sh in shards])])
    rng = np.random.RandomState(seed)
    W0 = (rng.standard_normal((n, n_components)) / np.sqrt(n_components)).astype(dtype)
    C0 = (rng.standard_normal((n, n_components)) / np.sqrt(n_components)).astype(dtype)
    rounds = [[(a, (a + t) % S) for t in rng.permutation(S) for a in range(S)]
              for _ in range(n_epochs)]
    total = C.sum()
    with np.errstate(divide="ignore"):
        row_bias = np.log(C.sum(axis=1)) - 0.5 * np.log(total)
        col_bias = np.log(C.sum(axis=0)) - 0.5 * np.log(total)
    Cp = C[order][:, order].tocsr()
    blocks = {}
    for a in range(S):
        strip = Cp[bounds[a]:bounds[a + 1]]
        for b in range(S):
            blk = sp.coo_array(strip[:, bounds[b]:bounds[b + 1]])
            blocks[(a, b)] = (blk.row.astype(np.intp), blk.col.astype(np.intp),
                              blk.data.astype(dtype))
    setup = {"blocks": blocks, "W": W0, "Ct": C0, "bounds": bounds, "rounds": rounds,
             "row_bias": row_bias[order].astype(dtype), "col_bias": col_bias[order].astype(dtype),
             "learning_rate": dtype(1.0), "confidence_base": dtype(0.1),
             "confidence_scale": dtype(0.25), "confidence_exponent": dtype(0.5)}
    return setup, order


def _unpermute(order, *arrays):
    inverse = np.empty_like(order)
    inverse[order] = np.arange(len(order))
    return [A[inverse] for A in arrays]


# ---------------------------------------------------------------------------
# Ours


def _ours(C, *, n_components, threads, shard_size="auto", **params):
    """``(W, Ct, loss_curve)`` of :func:`lrsparse.embedding.swivel_embedding` (ours)."""
    from lrsparse.embedding import swivel_embedding

    return swivel_embedding(C, n_components=n_components, shard_size=shard_size,
                            n_jobs=threads, random_state=SEED, **params)


def _ours_epoch(C, n_components, threads):
    """One epoch of ours: ``(seconds of the epoch, as verbose prints it; whole call result)``."""
    import contextlib
    import io
    import re

    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        result = _ours(C, n_components=n_components, threads=threads, n_epochs=1, verbose=1)
    found = re.findall(r"([0-9.]+) s\s*$", out.getvalue(), flags=re.M)
    if not found:
        raise RuntimeError(f"no epoch time in Swivel's verbose output: {out.getvalue()!r}")
    return float(found[-1]), result


# ---------------------------------------------------------------------------
# Part 1: seconds per epoch


def _check():
    """Stop unless one epoch of ours and of the NumPy version agree on a small matrix."""
    C, _ = _planted(CHECK_WORDS, seed=SEED + 2)
    setup, order = _numpy_setup(C, CHECK_COMPONENTS, CHECK_SHARD, n_epochs=CHECK_EPOCHS)
    W_ref, C_ref, loss_ref = numpy_swivel(**setup, n_epochs=CHECK_EPOCHS)
    W_ref, C_ref = _unpermute(order, W_ref, C_ref)
    W, Ct, loss = _ours(C, n_components=CHECK_COMPONENTS, threads=1, shard_size=CHECK_SHARD,
                        n_epochs=CHECK_EPOCHS)
    diff = max(np.abs(W - W_ref).max(), np.abs(Ct - C_ref).max())
    scale = max(np.abs(W_ref).max(), np.abs(C_ref).max())
    loss_diff = float(np.max(np.abs(np.asarray(loss) - loss_ref) / np.abs(loss_ref)))
    line = (f"check {C.shape[0]} words, shard {CHECK_SHARD} ({len(setup['bounds']) - 1} shards), "
            f"{CHECK_COMPONENTS} components, {CHECK_EPOCHS} epochs, float32: max |d vector| / "
            f"max |vector| {diff / scale:.1e}, loss rel. diff {loss_diff:.1e} "
            f"(tolerance {CHECK_TOL:g})")
    print(f"# {line}", flush=True)
    if not (diff <= CHECK_TOL * scale and loss_diff <= CHECK_TOL):
        raise AssertionError(f"the NumPy version disagrees with ours: {line}")


def _epoch_case(name, C, threads, repeats, n_numpy_blocks):
    """Seconds per epoch of ours and of the NumPy version on ``C``."""
    n = C.shape[0]
    epochs = []

    def ours():
        seconds, result = _ours_epoch(C, EPOCH_COMPONENTS, threads)
        epochs.append(seconds)
        return result

    ours_t = _timed({"ours": ours}, repeats)["ours"]
    epochs = epochs[-len(ours_t.times):]  # the timed calls' epochs
    ours_epoch = float(np.median(epochs))
    setup, _ = _numpy_setup(C, EPOCH_COMPONENTS, SHARD_SIZE)
    n_blocks = len(setup["rounds"][0])
    m = min(n_numpy_blocks, n_blocks)
    ref_t = _timed({"numpy": lambda: numpy_swivel(**setup, max_blocks=m)}, repeats)["numpy"]
    ref_epoch = ref_t.median * n_blocks / m
    log(f"  {name}: ours {ours_epoch:.3f} s/epoch ({ours_t.median:.3f} s the whole call); "
        f"NumPy {ref_t.median:.3f} s for {m} of {n_blocks} blocks -> {ref_epoch:.2f} s/epoch "
        f"({ref_epoch / ours_epoch:.1f}x)")
    return {
        "section": "epoch", "case": f"{name}: {n} words, nnz {C.nnz}",
        "n_words": n, "nnz": int(C.nnz), "n_components": EPOCH_COMPONENTS,
        "shard_size": int(min(SHARD_SIZE, n)), "n_blocks": n_blocks, "numpy_blocks": m,
        "ours_s": ours_epoch, "ours_epoch_times": epochs, "ours_call_s": ours_t.median,
        "ours_times": ours_t.times,
        "peer": f"NumPy (same loss + AdaGrad), {m} blocks scaled", "peer_s": ref_epoch,
        "peer_times": ref_t.times, "ratio": ours_epoch / ref_epoch,
        "metric": METRIC, "what": "s/epoch", "ours_metric": ours_epoch,
        "peer_metric": ref_epoch, "speedup": ref_epoch / ours_epoch,
        "note": f"{EPOCH_COMPONENTS} components, {n_blocks} blocks; ours whole call "
                f"{ours_t.median:.2f} s",
    }


def _timed(fns, repeats):
    """The harness's interleaved timer with this module's budget (see the module docstring)."""
    return time_interleaved(fns, repeats, single_run_s=SINGLE_RUN_S, budget_s=TIME_BUDGET_S)


# ---------------------------------------------------------------------------
# Part 2: planted PMI


def _correlations(A, B, pairs, planted):
    """Pearson and Spearman of ``A_i . B_j`` against ``planted`` over ``pairs``."""
    i, j = pairs[:, 0], pairs[:, 1]
    got = np.einsum("ij,ij->i", A[i], B[j])
    return float(pearsonr(got, planted)[0]), float(spearmanr(got, planted)[0])


def _planted_case(n, C, U, threads, n_held, n_epochs):
    C_train, held = _hold_out(C, n_held)
    uniform = _uniform_pairs(C.shape[0], n_held, seed=SEED + 1)
    start = time.perf_counter()
    W, Ct, loss = _ours(C_train, n_components=PLANTED_RANK, n_epochs=n_epochs, threads=threads)
    fit_s = time.perf_counter() - start
    E = W + Ct
    start = time.perf_counter()
    S = ppmi_svd(C_train, PLANTED_RANK)
    svd_s = time.perf_counter() - start
    out = {}
    for what, pairs in (("held", held), ("uniform", uniform)):
        truth = np.einsum("ij,ij->i", U[pairs[:, 0]], U[pairs[:, 1]])
        out[what] = {"embedding": _correlations(E, E, pairs, truth),
                     "prediction": _correlations(W, Ct, pairs, truth),
                     "ppmi_svd": _correlations(S, S, pairs, truth)}
    log(f"  planted {n} words: {n_epochs} epochs in {fit_s:.1f} s; held pairs: Pearson "
        f"{out['held']['embedding'][0]:.3f}, Spearman {out['held']['embedding'][1]:.3f}")
    return {
        "section": "planted", "case": f"planted {n} words, rank {PLANTED_RANK}, "
                                      f"{n_epochs} epochs",
        "n_words": n, "n_epochs": n_epochs, "n_held": len(held), "ours_s": fit_s,
        "peer": "PPMI + SVD (same counts)", "peer_s": svd_s,
        "peer_metric": out["held"]["ppmi_svd"][1], "metric": METRIC,
        "what": "Spearman e_i.e_j vs planted PMI (held pairs)",
        "ours_metric": out["held"]["embedding"][1], "correlations": out,
        "loss_curve": loss,
        "note": f"Pearson {out['held']['embedding'][0]:.3f}",
    }


# ---------------------------------------------------------------------------
# Part 3: word similarity on a real corpus


def _tokens(documents):
    """The token lists of the documents, by sklearn's tokeniser (as the vectorizer's)."""
    from sklearn.feature_extraction.text import CountVectorizer

    analyzer = CountVectorizer().build_analyzer()
    return [analyzer(doc) for doc in documents]


def _count(documents):
    """``C, vocabulary (list)``: the co-occurrence counts of the documents."""
    from lrsparse.feature_extraction import CooccurrenceVectorizer

    vectorizer = CooccurrenceVectorizer(window=REAL_WINDOW, min_count=REAL_MIN_COUNT)
    C = vectorizer.fit_transform(documents)
    return sp.csr_array(C), list(vectorizer.get_feature_names_out())


def ppmi_svd(C, n_components, seed=SEED):
    """PPMI + truncated SVD, ``U sqrt(S)`` (Levy, Goldberg & Dagan 2015), of the counts ``C``."""
    C = sp.coo_array(C, dtype=np.float64)
    rows = np.asarray(C.sum(axis=1)).ravel()
    cols = np.asarray(C.sum(axis=0)).ravel()
    pmi = np.log(C.data) + np.log(C.data.sum()) - np.log(rows[C.row]) - np.log(cols[C.col])
    keep = pmi > 0
    M = sp.csr_array((pmi[keep], (C.row[keep], C.col[keep])), shape=C.shape)
    v0 = np.random.default_rng(seed).uniform(-1, 1, min(M.shape))
    U, s, _ = svds(M, k=n_components, v0=v0)
    return U * np.sqrt(s)


def _swivel(C, threads):
    """Ours at the defaults: row + column vectors (``Swivel.embedding_``)."""
    W, Ct, _ = _ours(C, n_components=REAL_COMPONENTS, threads=threads)
    return W + Ct


def _word2vec(tokens, sg, threads, epochs):
    from gensim.models import Word2Vec

    model = Word2Vec(sentences=tokens, vector_size=REAL_COMPONENTS, window=REAL_WINDOW,
                     min_count=REAL_MIN_COUNT, sg=sg, negative=5, epochs=epochs, seed=SEED,
                     workers=threads)
    return model.wv.vectors, list(model.wv.index_to_key)


def _words_case(corpus, threads, w2v_epochs, lists):
    """Swivel, Word2Vec (skip-gram, CBOW) and PPMI + SVD on one corpus, scored on the lists."""
    C, vocabulary, tokens = corpus["C"], corpus["vocabulary"], corpus["tokens"]
    methods = {
        "Swivel (ours)": lambda: (_swivel(C, threads), vocabulary),
        "Word2Vec skip-gram": lambda: _word2vec(tokens, 1, threads, w2v_epochs),
        "Word2Vec CBOW": lambda: _word2vec(tokens, 0, threads, w2v_epochs),
        "PPMI + SVD": lambda: (ppmi_svd(C, REAL_COMPONENTS), vocabulary),
    }
    rows = []
    for name, fn in methods.items():
        start = time.perf_counter()
        embedding, words = fn()
        seconds = time.perf_counter() - start
        scores = {lst: _similarity(embedding, words, pairs) for lst, pairs in lists.items()}
        log(f"  {name}: {seconds:.2f} s; " + ", ".join(
            f"{lst} {rho:.3f} ({used} pairs)" for lst, (rho, used) in scores.items()))
        rows.append({
            "section": "words", "case": f"real corpus, {corpus['n_tokens']} tokens",
            "method": name, "seconds": seconds, "vocabulary": len(words),
            "scores": {lst: {"spearman": rho, "pairs": used}
                       for lst, (rho, used) in scores.items()},
            "metric": METRIC, "what": "Spearman WS353 / SimLex999",
            "ours_metric": scores["WS353"][0] if name.startswith("Swivel") else None,
            "ours_s": seconds if name.startswith("Swivel") else None,
            "peer": None if name.startswith("Swivel") else name,
            "peer_s": None if name.startswith("Swivel") else seconds,
            "peer_metric": None if name.startswith("Swivel") else scores["WS353"][0],
            "note": "; ".join(f"{lst} {rho:.3f} ({used} pairs)"
                              for lst, (rho, used) in scores.items()),
        })
    return rows


def _load_corpus(quick):
    documents = _corpus(quick)
    tokens = _tokens(documents)
    start = time.perf_counter()
    C, vocabulary = _count(documents)
    count_s = time.perf_counter() - start
    n_tokens = sum(map(len, tokens))
    log(f"real corpus: {len(documents)} documents, {n_tokens} tokens, vocabulary "
        f"{len(vocabulary)} at min_count={REAL_MIN_COUNT}, nnz {C.nnz}; counted in "
        f"{count_s:.2f} s")
    return {"C": C, "vocabulary": vocabulary, "tokens": tokens, "n_documents": len(documents),
            "n_tokens": n_tokens, "count_s": count_s}


# ---------------------------------------------------------------------------
# Tables and targets


def _print_epoch(rows):
    print("\n## Part 1: seconds per epoch, ours vs the same blocked loss and AdaGrad in NumPy\n")
    markdown_table(
        ("case", "words", "nnz", "components", "shard", "blocks", "ours s/epoch",
         "NumPy blocks timed", "NumPy s/epoch", "speed-up"),
        [(r["case"].split(":")[0], str(r["n_words"]), str(r["nnz"]), str(r["n_components"]),
          str(r["shard_size"]), str(r["n_blocks"]), f"{r['ours_s']:.3f}",
          str(r["numpy_blocks"]), f"{r['peer_s']:.2f}", f"{r['speedup']:.1f}x")
         for r in rows])


def _print_planted(rows):
    print("\n## Part 2: planted PMI, correlation of recovered inner products with the truth\n")
    lines = []
    for r in rows:
        c = r["correlations"]
        for what in ("held", "uniform"):
            lines.append((str(r["n_words"]), str(r["n_epochs"]), f"{r['ours_s']:.1f}",
                          f"{what} ({r['n_held']})",
                          "{:.3f} / {:.3f}".format(*c[what]["embedding"]),
                          "{:.3f} / {:.3f}".format(*c[what]["prediction"]),
                          "{:.3f} / {:.3f}".format(*c[what]["ppmi_svd"])))
    markdown_table(("words", "epochs", "fit s", "pairs",
                    "Swivel e.e: Pearson / Spearman", "Swivel w.c: Pearson / Spearman",
                    "PPMI + SVD: Pearson / Spearman"), lines)


def _print_words(rows, corpus, lists):
    print(f"\n## Part 3: word similarity on gensim's shipped corpora ({corpus['n_documents']} "
          f"documents, {corpus['n_tokens']} tokens: a small corpus; vocabulary "
          f"{corpus['n_words']} at min_count={REAL_MIN_COUNT}, window {REAL_WINDOW}, "
          f"{REAL_COMPONENTS} dimensions)\n")
    names = list(lists)
    markdown_table(("method", "seconds", "vocabulary")
                   + tuple(f"{n} Spearman (pairs of {len(lists[n])})" for n in names),
                   [(r["method"], f"{r['seconds']:.2f}", str(r["vocabulary"]))
                    + tuple(f"{r['scores'][n]['spearman']:.3f} ({r['scores'][n]['pairs']})"
                            for n in names)
                    for r in rows])
    print(f"co-occurrence counting (not in the seconds above): {corpus['count_s']:.2f} s")


def _targets(epoch, words, lists):
    lines = []
    for r in epoch:
        lines.append(f"{target_mark(r['speedup'] >= TARGET_SPEEDUP)} >= {TARGET_SPEEDUP:g}x faster "
                     f"per epoch than NumPy, {r['case']}: {r['speedup']:.1f}x")
    by = {r["method"]: r["scores"] for r in words}
    ours = by.get("Swivel (ours)")
    if ours is None:
        return lines
    for lst in lists:
        rho = ours[lst]["spearman"]
        w2v = max(by[m][lst]["spearman"] for m in by if m.startswith("Word2Vec"))
        svd = by["PPMI + SVD"][lst]["spearman"]
        lines.append(f"{target_mark(rho >= w2v)} {lst}: Swivel >= the better Word2Vec: "
                     f"{rho:.3f} vs {w2v:.3f}")
        lines.append(f"{target_mark(rho >= svd - TARGET_SVD_GAP)} {lst}: Swivel within "
                     f"{TARGET_SVD_GAP:g} of PPMI + SVD (or above): {rho:.3f} vs {svd:.3f}")
    return lines


def run(quick, threads, repeats):
    commit = lrsparse_commit()
    print(f"# lrsparse at commit {commit}", flush=True)
    _check()
    lists = _similarity_lists()
    corpus = _load_corpus(quick)
    corpus["n_words"] = len(corpus["vocabulary"])
    epoch, planted = [], []
    for n in PLANTED_SIZES_QUICK if quick else PLANTED_SIZES:
        C, U = _planted(n)
        log(f"planted {n} words: nnz {C.nnz}")
        epoch.append(_epoch_case("planted", C, threads, repeats,
                                 N_NUMPY_BLOCKS_QUICK if quick else N_NUMPY_BLOCKS))
        if quick or n == PLANTED_RECOVERY:
            planted.append(_planted_case(n, C, U, threads, N_HELD_QUICK if quick else N_HELD,
                                         PLANTED_EPOCHS_QUICK if quick else PLANTED_EPOCHS))
    epoch.append(_epoch_case("real corpus", corpus["C"], threads, repeats,
                             N_NUMPY_BLOCKS_QUICK if quick else N_NUMPY_BLOCKS))
    words = _words_case(corpus, threads,
                        WORD2VEC_EPOCHS_QUICK if quick else WORD2VEC_EPOCHS, lists)
    rows = epoch + planted + words
    for row in rows:
        row["lrsparse_commit"] = commit
    _print_epoch(epoch)
    _print_planted(planted)
    _print_words(words, corpus, lists)
    print("\n## Targets (from the issue)"
          + (" -- quick sizes: the targets are meant for the full run" if quick else ""))
    for line in _targets(epoch, words, lists):
        print(line)
    return rows
