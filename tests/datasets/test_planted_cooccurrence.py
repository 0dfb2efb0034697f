import time
import tracemalloc

import numpy as np
import pytest
import scipy.sparse as sp

import lrsparse.datasets._cooccurrence as planted
from lrsparse.datasets import make_planted_cooccurrence


def _expected_counts(U, p, n_tokens):
    """The model's expected counts, computed densely in float64 (small n only)."""
    w = p[:, None] * p[None, :] * np.exp(U @ U.T)
    return n_tokens * w / w.sum()


def _empirical_pmi(C):
    r, c = C.nonzero()
    rows = np.asarray(C.sum(axis=1)).ravel()
    return r, c, np.log(C.data * C.sum() / (rows[r] * rows[c]))


@pytest.mark.parametrize("n_words, rank", [(1, 1), (7, 3), (300, 5), (1100, 4)])
def test_shapes_and_types(n_words, rank):
    C, U, p = make_planted_cooccurrence(n_words, rank, n_tokens=1e5, random_state=0)
    assert isinstance(C, sp.csr_array) and C.shape == (n_words, n_words)
    assert C.dtype == np.float64
    assert C.indices.dtype == np.int32 and C.indptr.dtype == np.int32
    assert C.has_sorted_indices and C.has_canonical_format
    assert np.all(C.data > 0) and np.array_equal(C.data, np.round(C.data))
    assert U.shape == (n_words, rank) and U.dtype == np.float64
    np.testing.assert_array_equal(U, U.astype(np.float32))
    assert p.shape == (n_words,) and np.all(np.diff(p) <= 0)
    assert p.sum() == pytest.approx(1.0)


@pytest.mark.parametrize("seed", [0, 1])
def test_symmetric_nonnegative_and_total(seed):
    N = 2e5
    C, _, _ = make_planted_cooccurrence(400, 6, n_tokens=N, random_state=seed)
    assert (C != C.T).nnz == 0
    assert C.data.min() >= 1
    # the sum is Poisson(N) up to the pairing of the mirrored cells
    # (variance <= 2 * 2N): five standard deviations
    assert abs(C.sum() - N) < 5 * np.sqrt(4 * N)


def test_default_n_tokens_is_500_per_word():
    C, _, _ = make_planted_cooccurrence(300, 4, random_state=0)
    assert abs(C.sum() / (500 * 300) - 1) < 0.03


def test_reproducible():
    a = make_planted_cooccurrence(500, 4, n_tokens=1e5, random_state=3)
    b = make_planted_cooccurrence(500, 4, n_tokens=1e5, random_state=np.random.RandomState(3))
    c = make_planted_cooccurrence(500, 4, n_tokens=1e5, random_state=4)
    assert (a[0] != b[0]).nnz == 0
    np.testing.assert_array_equal(a[1], b[1])
    np.testing.assert_array_equal(a[2], b[2])
    assert (a[0] != c[0]).nnz > 0 and not np.array_equal(a[1], c[1])


@pytest.mark.parametrize("exponent", [0.0, 0.7, 1.0, 2.0])
def test_zipf_frequencies(exponent):
    _, _, p = make_planted_cooccurrence(50, 2, n_tokens=100, zipf_exponent=exponent,
                                        random_state=0)
    expected = np.arange(1, 51, dtype=float) ** -exponent
    np.testing.assert_allclose(p, expected / expected.sum(), rtol=1e-12)


@pytest.mark.parametrize("rank, pmi_scale", [(1, 1.0), (4, 0.5), (16, 1.0), (32, 2.0)])
def test_planted_vectors_on_a_sphere_with_pmi_scale(rank, pmi_scale):
    _, U, _ = make_planted_cooccurrence(1500, rank, n_tokens=100, pmi_scale=pmi_scale,
                                        random_state=0)
    rho2 = pmi_scale * np.sqrt(rank)
    np.testing.assert_allclose(np.einsum("ij,ij->i", U, U), rho2, rtol=1e-6)
    G = U @ U.T
    off = G[np.triu_indices(1500, 1)]
    assert abs(off.mean()) < 0.05 * pmi_scale
    assert off.std() == pytest.approx(pmi_scale, rel=0.05)


def test_pmi_scale_zero_gives_independent_pairs():
    N = 1e6
    C, U, p = make_planted_cooccurrence(200, 3, n_tokens=N, pmi_scale=0.0, random_state=0)
    assert not U.any()
    rows = np.asarray(C.sum(axis=1)).ravel()
    # independence: E[row sum] = N p_i (the marginals are exactly p)
    head = N * p > 1000
    assert np.all(np.abs(rows[head] - N * p[head]) < 6 * np.sqrt(2 * N * p[head]))


def test_empirical_pmi_of_frequent_pairs_follows_the_planted_pmi():
    C, U, _ = make_planted_cooccurrence(2000, 16, random_state=0)
    r, c, pmi = _empirical_pmi(C)
    truth = np.einsum("ij,ij->i", U[r], U[c])
    frequent = (C.data >= 20) & (r != c)
    assert frequent.sum() > 1000
    assert np.corrcoef(pmi[frequent], truth[frequent])[0, 1] > 0.85
    # and not by chance: shuffled vectors do not follow it
    shuffled = np.einsum("ij,ij->i", U[r], U[np.random.RandomState(0).permutation(2000)[c]])
    assert abs(np.corrcoef(pmi[frequent], shuffled[frequent])[0, 1]) < 0.2


def test_sparsity_grows_as_n_tokens_falls():
    nnz = [make_planted_cooccurrence(1000, 8, n_tokens=N, random_state=0)[0].nnz
           for N in (1e7, 1e6, 1e5, 1e4)]
    assert nnz[0] > nnz[1] > nnz[2] > nnz[3] > 0
    assert nnz[0] < 1000 ** 2  # still some zeros at 10^7 events


def test_frequent_pairs_observed_rare_pairs_mostly_zero():
    C, _, _ = make_planted_cooccurrence(2000, 16, n_tokens=1e6, random_state=0)
    D = C.toarray()
    assert np.all(D[:20, :20] > 0)
    assert (D[-500:, -500:] > 0).mean() < 0.01


@pytest.mark.parametrize("n, cols, N, path", [(150, 128, 3e4, "whole rows"),
                                              (300, 256, 1e4, "chunks")])
def test_counts_are_poisson_with_the_model_rates(monkeypatch, n, cols, N, path):
    # small tiles (several per row, a narrower last one, tiles across the
    # diagonal) and rates from 1e-3 to thousands: cells drawn one by one, and
    # the small rates placed by whole rows or by chunks then cells
    monkeypatch.setattr(planted, "_ROWS", 32)
    monkeypatch.setattr(planted, "_COLS", cols)
    paths = {"whole rows": 0, "chunks": 0}
    inverse_transform = planted._inverse_transform

    def spy(weights, rows, rng):
        if weights.shape[1] > planted._CHUNK:
            paths["whole rows"] += 1
        elif weights.shape[1] == planted._CHUNK and weights.shape[0] == rows.size:
            paths["chunks"] += 1
        return inverse_transform(weights, rows, rng)

    monkeypatch.setattr(planted, "_inverse_transform", spy)
    rank = 3
    rng = np.random.RandomState(0)
    U = rng.standard_normal((n, rank))
    U *= np.sqrt(np.sqrt(rank)) / np.linalg.norm(U, axis=1, keepdims=True)
    log_p = planted._zipf_log_probabilities(n, 1.0)
    shift = 0.5 * np.log(N) + log_p
    A = np.hstack([U, shift[:, None], np.ones((n, 1))]).astype(np.float32)
    B = np.hstack([U, np.ones((n, 1)), shift[:, None]]).astype(np.float32)
    rates = np.triu(np.exp(A.astype(np.float64) @ B.astype(np.float64).T))
    assert rates[rates > 0].min() < 1e-2 and rates.max() > 1000
    reps = 300
    S = np.zeros((n, n))
    for seed in range(reps):
        r, c, k, total = planted._upper_counts(A, B, n, np.random.RandomState(seed))
        assert np.all(r <= c) and np.all(k > 0)
        assert len(set(zip(r.tolist(), c.tolist()))) == r.size  # each cell once
        np.add.at(S, (r, c), k)
        assert total == pytest.approx(rates.sum(), rel=1e-5)
    assert not np.any(S[np.tril_indices(n, -1)])
    mean = reps * rates
    # Poisson(reps * rate) cells: chi-square over the cells with a large mean,
    # pooled by rate decile for the rest
    big = mean >= 20
    chi2 = ((S[big] - mean[big]) ** 2 / mean[big]).sum()
    dof = big.sum()
    assert abs(chi2 - dof) < 6 * np.sqrt(2 * dof)
    small = (mean > 0) & ~big
    edges = np.quantile(mean[small], np.linspace(0, 1, 11))
    group = np.clip(np.searchsorted(edges, mean[small], side="right") - 1, 0, 9)
    obs = np.bincount(group, S[small], 10)
    exp = np.bincount(group, mean[small], 10)
    assert np.all(np.abs(obs - exp) < 5 * np.sqrt(exp))
    assert paths[path] > 0


@pytest.mark.parametrize("safety", [0.05, 0.9, 50.0])
def test_normaliser_exact_whatever_its_first_estimate(monkeypatch, safety):
    # 0.05: the first pass draws 20x too many events and thins them;
    # 50: the estimate of Z is too high and a second pass draws again
    monkeypatch.setattr(planted, "_MC_SAFETY", safety)
    N = 2e5
    C, U, p = make_planted_cooccurrence(300, 4, n_tokens=N, random_state=0)
    mean = _expected_counts(U, p, N).sum(axis=1)
    rows = np.asarray(C.sum(axis=1)).ravel()
    z = (rows - mean) / np.sqrt(mean)
    assert np.abs(z).max() < 5.5 and abs(z.mean()) < 0.3
    assert abs(C.sum() - N) < 5 * np.sqrt(4 * N)


@pytest.mark.parametrize("kwargs, match", [
    ({"n_words": 0}, "n_words"),
    ({"n_words": 2.5}, "n_words"),
    ({"rank": 0}, "rank"),
    ({"n_tokens": 0.5}, "n_tokens"),
    ({"n_tokens": np.inf}, "n_tokens"),
    ({"n_tokens": np.nan}, "n_tokens"),
    ({"zipf_exponent": -1.0}, "zipf_exponent"),
    ({"zipf_exponent": np.inf}, "zipf_exponent"),
    ({"pmi_scale": -0.1}, "pmi_scale"),
    ({"pmi_scale": np.nan}, "pmi_scale"),
    ({"pmi_scale": 11.0}, "pmi_scale"),
    ({"random_state": "zero"}, "random_state"),
])
def test_bad_arguments(kwargs, match):
    args = {"n_words": 50, "rank": 2, "n_tokens": 1e3, **kwargs}
    with pytest.raises(ValueError, match=match):
        make_planted_cooccurrence(**args)


@pytest.mark.parametrize("n_tokens", [1.0, 1e15])
def test_extreme_parameters_stay_finite(n_tokens):
    # PMI up to 80 on the diagonal, 10^15 events: every rate stays below n_tokens
    C, U, p = make_planted_cooccurrence(100, 64, n_tokens=n_tokens, pmi_scale=10.0,
                                        zipf_exponent=10.0, random_state=0)
    assert np.all(np.isfinite(C.data)) and np.all(np.isfinite(U)) and np.all(p >= 0)
    assert (C != C.T).nnz == 0
    if n_tokens == 1e15:
        assert abs(C.sum() / n_tokens - 1) < 1e-6


def test_50000_words_without_a_dense_array():
    # Loose: the rates are computed tile by tile (16 MB tiles); a dense
    # 50000 x 50000 float32 array alone would be 10 GB.  Time is printed,
    # not asserted (the machines running the suite are shared).
    tracemalloc.start()
    start = time.perf_counter()
    try:
        C, U, p = make_planted_cooccurrence(50_000, 8, n_tokens=2e6, random_state=0)
        seconds = time.perf_counter() - start
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    print(f"make_planted_cooccurrence(50000): {seconds:.1f} s, nnz {C.nnz}, "
          f"peak {peak / 2**20:.0f} MiB")
    assert C.shape == (50_000, 50_000) and U.shape == (50_000, 8)
    assert 1e5 < C.nnz < 5e6  # O(nnz) storage, ~0.1% of the cells
    assert peak < 400 * 2**20
    assert abs(C.sum() / 2e6 - 1) < 0.01
