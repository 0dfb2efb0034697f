"""Swivel: the block loss against NumPy, training, planted PMI, determinism, scale, bad input."""

import numpy as np
import pytest
import scipy.sparse as sp
from sklearn.exceptions import ConvergenceWarning
from sklearn.utils._param_validation import InvalidParameterError

from lrsparse._kernels.swivel import adagrad_step, block_loss_gradient
from lrsparse.embedding import Swivel, swivel_embedding


def _planted(n=400, rank=6, tokens=3e5, seed=0):
    """Poisson counts with E[x_ij] ~ p_i p_j exp(u_i^T u_j): PMI = U U^T + row/col terms."""
    rng = np.random.default_rng(seed)
    U = rng.normal(size=(n, rank)) * 0.5
    p = 1.0 / np.arange(1, n + 1) ** 0.8
    p /= p.sum()
    M = np.outer(p, p) * np.exp(U @ U.T)
    M *= tokens / M.sum()
    X = rng.poisson(np.triu(M)).astype(float)
    X = np.triu(X) + np.triu(X, 1).T
    return sp.csr_matrix(X), U


@pytest.fixture(scope="module")
def planted():
    return _planted()


def _numpy_block(P, rb, cb, X, base, scale, expo, mult):
    """The paper's loss and its gradient, cell by cell, in NumPy (float64)."""
    z = P + rb[:, None] + cb[None, :]
    hinge = np.logaddexp(0.0, z)
    grad = 1.0 / (1.0 + np.exp(-z))
    observed = X > 0
    with np.errstate(divide="ignore"):
        pmi = np.log(X) - rb[:, None] - cb[None, :]
    f = base + scale * X ** expo
    sq = 0.5 * f * (P - pmi) ** 2
    obs_loss = sq[observed].sum()
    unobs_loss = hinge[~observed].sum()
    grad = np.where(observed, f * (P - pmi), grad) * mult
    return obs_loss, unobs_loss, grad


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_block_loss_and_gradient_equal_numpy(dtype):
    rng = np.random.default_rng(1)
    kr, kc = 7, 5
    X = rng.poisson(1.5, size=(kr, kc)).astype(float)
    X[2] = 0.0  # a row without observations
    P = rng.normal(size=(kr, kc)) * 3
    rb, cb = rng.normal(size=kr), rng.normal(size=kc)
    S = sp.csr_matrix(X)
    ref = _numpy_block(P, rb, cb, X, 0.1, 0.25, 0.5, 0.3)
    Pk = P.astype(dtype)
    obs, unobs = block_loss_gradient(Pk, rb.astype(dtype), cb.astype(dtype),
                                     S.indptr.astype(np.int32), S.indices.astype(np.int32),
                                     S.data.astype(dtype), 0.1, 0.25, 0.5, 0.0, 0.3,
                                     np.empty(S.nnz, dtype=dtype), np.empty_like(Pk))
    rtol = 1e-10 if dtype == np.float64 else 1e-5
    np.testing.assert_allclose(obs, ref[0], rtol=rtol)
    np.testing.assert_allclose(unobs, ref[1], rtol=rtol)
    np.testing.assert_allclose(Pk, ref[2], rtol=rtol, atol=1e-7)


def test_block_with_empty_rows_and_columns_adds_nothing():
    # a word without counts has bias -inf: its cells cost 0 and push nothing
    P = np.ones((2, 2))
    rb = np.array([-np.inf, 0.0])
    cb = np.array([0.0, -np.inf])
    empty = np.zeros(3, dtype=np.int32)
    obs, unobs = block_loss_gradient(P, rb, cb, empty, empty[:0], np.zeros(0), 0.1, 0.25, 0.5,
                                     0.0, 1.0, np.empty(1), np.empty_like(P))
    assert obs == 0.0 and np.isfinite(unobs)
    assert P[0, 0] == 0.0 and P[0, 1] == 0.0 and P[1, 1] == 0.0
    assert np.isclose(unobs, np.logaddexp(0.0, 1.0))


def test_adagrad_step_matches_numpy():
    rng = np.random.default_rng(2)
    W, G = rng.normal(size=(4, 3)), rng.normal(size=(4, 3))
    acc = np.full((4, 3), 0.1)
    W0, acc0 = W.copy(), acc.copy()
    adagrad_step(W, G, acc, 0.5)
    np.testing.assert_allclose(acc, acc0 + G ** 2)
    np.testing.assert_allclose(W, W0 - 0.5 * G / np.sqrt(acc0 + G ** 2))


def test_one_epoch_one_block_equals_a_numpy_step():
    # one shard: an epoch is one block, one AdaGrad step of the NumPy loss's gradient
    C, _ = _planted(60, 3, 5e3, seed=3)
    d = 4
    W, Ct, loss = swivel_embedding(C, n_components=d, n_epochs=1, random_state=0)
    rng = np.random.RandomState(0)
    W0 = (rng.standard_normal((60, d)) / np.sqrt(d)).astype(np.float32).astype(float)
    C0 = (rng.standard_normal((60, d)) / np.sqrt(d)).astype(np.float32).astype(float)
    X = C.toarray()
    total = X.sum()
    rb = np.log(X.sum(axis=1)) - 0.5 * np.log(total)
    cb = np.log(X.sum(axis=0)) - 0.5 * np.log(total)
    obs, unobs, G = _numpy_block(W0 @ C0.T, rb, cb, X, 0.1, 0.25, 0.5, 1.0 / 60)
    gW, gC = G @ C0, G.T @ W0
    accW, accC = 0.1 + gW ** 2, 0.1 + gC ** 2
    np.testing.assert_allclose(W, W0 - gW / np.sqrt(accW), rtol=1e-4, atol=1e-5)
    np.testing.assert_allclose(Ct, C0 - gC / np.sqrt(accC), rtol=1e-4, atol=1e-5)
    np.testing.assert_allclose(loss[0], (obs + unobs) / 60 ** 2, rtol=1e-5)


def test_training_loss_decreases_and_planted_pmi_is_recovered(planted):
    C, U = planted
    model = Swivel(n_components=12, n_epochs=40, shard_size=100, random_state=0).fit(C)
    curve = model.loss_curve_
    assert curve.shape == (40,) and model.n_iter_ == 40
    assert curve[-1] < 0.8 * curve[0]
    assert curve[-1] < curve[10] < curve[0]
    # inner products of the frequent words follow the planted PMI
    top = 100
    iu = np.triu_indices(top, 1)
    pred = (model.row_embeddings_ @ model.column_embeddings_.T)[:top, :top][iu]
    truth = (U @ U.T)[:top, :top][iu]
    assert np.corrcoef(pred, truth)[0, 1] > 0.8
    np.testing.assert_allclose(model.embedding_,
                               model.row_embeddings_ + model.column_embeddings_)


def test_random_state_reproduces_and_n_jobs_does_not_matter(planted):
    C, _ = planted
    kw = dict(n_components=4, n_epochs=3, shard_size=90, random_state=7)
    a = Swivel(**kw, n_jobs=1).fit(C)
    b = Swivel(**kw, n_jobs=1).fit(C)
    c = Swivel(**kw, n_jobs=2).fit(C)
    assert np.array_equal(a.embedding_, b.embedding_)
    assert np.array_equal(a.embedding_, c.embedding_)
    assert np.array_equal(a.loss_curve_, c.loss_curve_)
    d = Swivel(**{**kw, "random_state": 8}).fit(C)
    assert not np.array_equal(a.embedding_, d.embedding_)


@pytest.mark.parametrize("shard_size", [1000, 400, 7])
def test_shard_sizes_including_larger_than_the_vocabulary(planted, shard_size):
    C, _ = planted
    model = Swivel(n_components=3, n_epochs=2, shard_size=shard_size, random_state=0).fit(C)
    assert model.embedding_.shape == (400, 3)
    assert np.all(np.isfinite(model.embedding_))


@pytest.mark.parametrize("factor", [1e-100, 1e-6, 1e6, 1e100])
def test_scaled_counts_with_the_documented_confidence_give_the_same_fit(planted, factor):
    # PMI targets do not change with the units of the counts; the confidence
    # f(x) = base + scale x^e and the hinge count do, and scale * a^-e, h * a
    # undo it
    C, _ = planted
    kw = dict(n_components=4, n_epochs=3, shard_size=200, random_state=0)
    ref = Swivel(**kw).fit(C)
    model = Swivel(**{**kw, "confidence_scale": 0.25 * factor ** -0.5,
                      "hinge_count": factor}).fit(C * factor)
    np.testing.assert_allclose(model.embedding_, ref.embedding_, rtol=1e-3, atol=1e-4)
    # and with the default confidence the fit stays sound
    plain = Swivel(n_components=4, n_epochs=3, random_state=0).fit(C * factor)
    assert np.all(np.isfinite(plain.embedding_)) and np.all(np.isfinite(plain.loss_curve_))


def test_tol_stops_early_or_warns(planted):
    C, _ = planted
    with pytest.warns(ConvergenceWarning, match="Swivel did not converge.*n_epochs=2 epochs"):
        Swivel(n_components=4, n_epochs=2, tol=1e-12, random_state=0).fit(C)
    model = Swivel(n_components=4, n_epochs=200, tol=0.5, random_state=0).fit(C)
    assert model.n_iter_ < 200


def test_transform_folds_words_in(planted):
    C, _ = planted
    model = Swivel(n_components=8, n_epochs=30, shard_size=100, random_state=0).fit(C)
    folded = model.transform(C[:50])
    assert folded.shape == (50, 8)
    # the folded-in vectors point the way of the trained ones (cosine)
    E = model.embedding_[:50]
    cos = np.sum(folded * E, axis=1) / (np.linalg.norm(folded, axis=1) * np.linalg.norm(E, axis=1))
    assert np.median(cos) > 0.8
    # a row without counts folds in to zero
    assert np.all(model.transform(sp.csr_matrix((1, 400))) == 0)


def test_sparse_formats_and_int64_indices(planted):
    C, _ = planted
    kw = dict(n_components=3, n_epochs=2, random_state=0)
    ref = Swivel(**kw).fit(C).embedding_
    C64 = C.copy()
    C64.indices = C64.indices.astype(np.int64)
    C64.indptr = C64.indptr.astype(np.int64)
    for X in (C64, C.tocsc(), C.tocoo(), sp.csr_array(C), C.toarray()):
        np.testing.assert_array_equal(Swivel(**kw).fit(X).embedding_, ref)


def test_inputs_are_not_modified(planted):
    C, _ = planted
    X = C.copy()
    Swivel(n_components=2, n_epochs=1, random_state=0).fit(X)
    assert (X != C).nnz == 0
    # nor their structure: an explicit zero and int64 indices stay as given
    Y = C.copy()
    Y.data[0] = 0.0
    Y.indices, Y.indptr = Y.indices.astype(np.int64), Y.indptr.astype(np.int64)
    nnz = Y.nnz
    model = Swivel(n_components=2, n_epochs=1, random_state=0).fit(Y)
    model.transform(Y[:5])
    assert Y.nnz == nnz and Y.data[0] == 0.0
    assert Y.indices.dtype == np.int64 and Y.indptr.dtype == np.int64


@pytest.mark.parametrize("bad, match", [
    (sp.csr_matrix(np.ones((3, 4))), "square"),
    (sp.csr_matrix(np.array([[1.0, -1.0], [2.0, 1.0]])), "Negative values"),
    (np.array([[1.0, np.nan], [2.0, 1.0]]), "NaN"),
    (np.array([[1.0, np.inf], [2.0, 1.0]]), "infinity"),
    (sp.csr_matrix((3, 3)), "no positive count"),
])
def test_bad_input_raises(bad, match):
    with pytest.raises(ValueError, match=match):
        Swivel(n_components=2, n_epochs=1).fit(bad)


@pytest.mark.parametrize("params", [dict(n_components=0), dict(learning_rate=0.0),
                                    dict(shard_size=0), dict(optimizer="adam"),
                                    dict(confidence_scale=-1.0), dict(n_epochs=0)])
def test_bad_parameters_raise(planted, params):
    with pytest.raises(InvalidParameterError):
        Swivel(**params).fit(planted[0])


def test_sgd_optimizer_and_verbose(planted, capsys):
    C, _ = planted
    model = Swivel(n_components=4, n_epochs=3, optimizer="sgd", learning_rate=0.05,
                   random_state=0, verbose=1).fit(C)
    assert np.all(np.isfinite(model.embedding_))
    out = capsys.readouterr().out
    assert out.count("[Swivel] epoch") == 3 and "mean loss per cell" in out


def test_hinge_count_in_the_kernel():
    # the unobserved pair is priced as if seen with count h: pmi* = log h - biases
    P = np.zeros((1, 1))
    empty = np.zeros(2, dtype=np.int32)
    _, unobs = block_loss_gradient(P, np.zeros(1), np.zeros(1), empty, empty[:0], np.zeros(0),
                                   0.1, 0.25, 0.5, np.log(4.0), 1.0, np.empty(1),
                                   np.empty_like(P))
    assert np.isclose(unobs, np.logaddexp(0.0, -np.log(4.0)))
