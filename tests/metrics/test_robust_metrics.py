import numpy as np
import pytest

from lrsparse.metrics import captured_variance_ratio, relative_error, trimmed_variance


def _spd(rng, d):
    A = rng.standard_normal((d, d))
    return A @ A.T + 0.1 * np.eye(d)


# ----------------------------------------------------------- captured_variance_ratio
def test_captured_variance_ratio_single_direction(rng):
    S = _spd(rng, 8)
    u = rng.standard_normal(8)
    u /= np.linalg.norm(u)
    expected = u @ S @ u / np.linalg.norm(S, 2)
    assert captured_variance_ratio(u[None], S) == pytest.approx(expected, rel=1e-12)
    assert 0 < expected < 1
    # Scale and sign of the row do not matter; lists are accepted.
    assert captured_variance_ratio(-5.0 * u[None], S) == pytest.approx(expected, rel=1e-12)
    assert captured_variance_ratio([list(u)], S.tolist()) == pytest.approx(expected, rel=1e-12)


def test_captured_variance_ratio_docstring_values():
    cov = np.diag([4.0, 1.0, 1.0])
    assert captured_variance_ratio([[1.0, 0.0, 0.0]], cov) == 1.0
    assert captured_variance_ratio([[0, 1, 0]], cov) == 0.25
    assert captured_variance_ratio([[1, 1, 0]], cov) == pytest.approx(2.5 / 4)
    assert captured_variance_ratio([[0, 1, 0], [0, 0, 1]], cov) == pytest.approx(2 / 5)


@pytest.mark.parametrize("k", [1, 2, 4])
def test_captured_variance_ratio_top_eigenvectors(rng, k):
    S = _spd(rng, 10)
    _, evecs = np.linalg.eigh(S)
    top = evecs[:, ::-1][:, :k].T
    assert captured_variance_ratio(top, S) == pytest.approx(1.0, abs=1e-12)
    # Any other k-dimensional span captures less.
    assert captured_variance_ratio(evecs[:, :k].T, S) < 0.9
    assert captured_variance_ratio(rng.standard_normal((k, 10)), S) < 1.0 - 1e-6


def test_captured_variance_ratio_basis_invariance(rng):
    S = _spd(rng, 9)
    C = rng.standard_normal((3, 9))
    M = rng.standard_normal((3, 3)) + 3 * np.eye(3)
    r = captured_variance_ratio(C, S)
    assert captured_variance_ratio(M @ C, S) == pytest.approx(r, rel=1e-10)
    assert captured_variance_ratio(C[::-1] * [[2.0], [-1.0], [1e-3]], S) == pytest.approx(
        r, rel=1e-10)


def test_captured_variance_ratio_trace_formula(rng):
    d, k = 12, 3
    S = _spd(rng, d)
    C = rng.standard_normal((k, d))
    # By hand: Gram-Schmidt on the rows, then trace(Q^T S Q) / (lambda_1 + ... + lambda_k).
    Q = []
    for c in C:
        for q in Q:
            c = c - (c @ q) * q
        Q.append(c / np.linalg.norm(c))
    Q = np.array(Q)
    captured = sum(q @ S @ q for q in Q)
    best = np.sort(np.linalg.eigvalsh(S))[::-1][:k].sum()
    assert captured_variance_ratio(C, S) == pytest.approx(captured / best, rel=1e-12)


def test_captured_variance_ratio_symmetrizes(rng):
    S = _spd(rng, 6)
    A = rng.standard_normal((6, 6))
    skew = A - A.T
    C = rng.standard_normal((2, 6))
    assert captured_variance_ratio(C, S + skew) == pytest.approx(
        captured_variance_ratio(C, S), rel=1e-12)


def test_captured_variance_ratio_zero_covariance():
    assert captured_variance_ratio([[1.0, 0.0]], np.zeros((2, 2))) == 0.0


@pytest.mark.parametrize(
    "components, covariance, match",
    [
        (np.ones((1, 3)), np.eye(4), "covariance must have shape"),
        (np.ones((1, 3)), np.ones((3, 4)), "covariance must have shape"),
        ([[1.0, 0.0, 0.0], [2.0, 0.0, 0.0]], np.eye(3), "linearly independent"),
        ([[1.0, 2.0, 3.0], [0.0, 0.0, 0.0]], np.eye(3), "linearly independent"),
        ([[1.0, 0.0, 1.0], [0.0, 1.0, 0.0], [1.0, 1.0, 1.0]], np.eye(3), "linearly independent"),
        ([[0.0, 0.0, 0.0]], np.eye(3), "linearly independent"),
    ],
)
def test_captured_variance_ratio_errors(components, covariance, match):
    with pytest.raises(ValueError, match=match):
        captured_variance_ratio(components, covariance)


def test_captured_variance_ratio_more_rows_than_features():
    """Three rows in R^2 cannot be linearly independent."""
    with pytest.raises(ValueError, match="linearly independent"):
        captured_variance_ratio([[1.0, 0.0], [0.0, 1.0], [1.0, 1.0]], np.diag([2.0, 1.0]))


# ------------------------------------------------------------------ trimmed_variance
def test_trimmed_variance_by_hand():
    X = np.array([[0.0, 5.0], [1.0, 5.0], [2.0, 7.0], [3.0, 1.0], [10.0, 5.0]])
    # Median center (2, 5); components are normalised.
    # Axis 0: squared deviations [4, 1, 0, 1, 64] -> drop ceil(0.2 * 5) = 1 -> mean 1.5.
    # Axis 1: [0, 0, 4, 16, 0] -> drop the 16 -> mean 1.
    # Diagonal (1, 1)/sqrt(2): (dx + dy)^2 / 2 = [4, 1, 4, 9, 64] / 2 -> drop 32 -> 18/8.
    C = np.array([[3.0, 0.0], [0.0, -1.0], [1.0, 1.0]])
    np.testing.assert_allclose(trimmed_variance(X, C, trim=0.2), [1.5, 1.0, 18 / 8], rtol=1e-12)
    # trim=0: plain mean of the squared deviations from the center.
    np.testing.assert_allclose(trimmed_variance(X, C, trim=0.0), [70 / 5, 20 / 5, 82 / 10],
                               rtol=1e-12)
    # trim=0.5: ceil(2.5) = 3 dropped.
    np.testing.assert_allclose(trimmed_variance(X, C, trim=0.5), [0.5, 0.0, 1.25], rtol=1e-12)


def test_trimmed_variance_drops_ceil_trim_n():
    """Exactly ceil(trim * n) samples are dropped, also where trim * n rounds up in floats."""
    n = 100
    X = np.arange(n, dtype=float)[:, None]
    # center 0: squared deviations k^2, k = 0..99; trim 0.07 keeps k = 0..92.
    expected = np.mean(np.arange(n - 7) ** 2.0)
    np.testing.assert_allclose(trimmed_variance(X, [[1.0]], trim=0.07, center=[0.0]),
                               [expected], rtol=1e-12)


def test_trimmed_variance_robust_to_outliers(rng):
    X = rng.normal(size=(1000, 2)) * [3.0, 1.0]
    X[:50] = [0.0, 100.0]
    v = trimmed_variance(X, np.eye(2), trim=0.1)
    plain = X.var(axis=0)
    assert plain[1] > 400  # the outliers inflate the plain variance along axis 1 ...
    assert v[1] < 1.0  # ... but not the trimmed one (the trimmed N(0, 1) is below 1).
    assert v[0] > 4.0 and v[0] > 5 * v[1]
    # Without outliers, the two measures rank the axes the same way.
    X0 = rng.normal(size=(1000, 2)) * [3.0, 1.0]
    v0 = trimmed_variance(X0, np.eye(2), trim=0.1)
    assert v0[0] > 5 * v0[1]
    np.testing.assert_allclose(v[0], v0[0], rtol=0.15)


def test_trimmed_variance_center(rng):
    X = rng.standard_normal((200, 3)) + [5.0, -2.0, 0.0]
    C = rng.standard_normal((2, 3))
    Cn = C / np.linalg.norm(C, axis=1, keepdims=True)
    default = trimmed_variance(X, C, trim=0.1)
    median = trimmed_variance(X, C, trim=0.1, center=np.median(X, axis=0))
    np.testing.assert_allclose(default, median, rtol=1e-12)
    # Measured from the origin, the offset adds to every squared projection.
    center = np.zeros(3)
    by_hand = np.sort((X @ Cn.T) ** 2, axis=0)[:180].mean(axis=0)
    np.testing.assert_allclose(trimmed_variance(X, C, trim=0.1, center=center), by_hand,
                               rtol=1e-12)
    assert np.all(by_hand > default)
    # X is not modified.
    X0 = X.copy()
    trimmed_variance(X, C, center=[1.0, 1.0, 1.0])
    np.testing.assert_array_equal(X, X0)


@pytest.mark.parametrize(
    "X, kwargs, match",
    [
        (np.ones((1, 2)), dict(trim=0.5), "leaves no sample"),
        (np.ones((3, 2)), dict(trim=0.9), "leaves no sample"),
        (np.ones((5, 2)), dict(center=[0.0, 0.0, 0.0]), "center"),
        (np.ones((5, 3)), dict(), "n_features"),
        (np.ones((5, 2)), dict(trim=1.0), "trim"),
        (np.ones((5, 2)), dict(trim=-0.1), "trim"),
    ],
)
def test_trimmed_variance_errors(X, kwargs, match):
    with pytest.raises(ValueError, match=match):
        trimmed_variance(X, np.eye(2), **kwargs)


def test_trimmed_variance_zero_component():
    with pytest.raises(ValueError, match="zero row"):
        trimmed_variance(np.ones((5, 2)), [[1.0, 0.0], [0.0, 0.0]])


# ---------------------------------------------------------------- relative_error
def test_relative_error_by_hand():
    X = np.array([[3.0, 0.0], [4.0, 0.0]])
    P = np.array([[3.0, 1.0], [4.0, 0.0]])
    assert relative_error(X, P) == pytest.approx(1.0 / 5.0, rel=1e-15)
    assert relative_error(X, P, mask=[[True, False], [True, False]]) == 0.0
    assert relative_error(np.zeros((2, 2)), np.zeros((2, 2))) == 0.0
    assert relative_error(np.zeros((2, 2)), P) == np.inf


@pytest.mark.parametrize("factor", [1e-300, 1e-100, 1e-6, 1.0, 1e6, 1e100, 1e300])
def test_relative_error_scale_invariant(rng, factor):
    X = rng.standard_normal((20, 10))
    P = X + 0.1 * rng.standard_normal((20, 10))
    mask = rng.random((20, 10)) < 0.3
    ref = float(np.linalg.norm(P - X) / np.linalg.norm(X))
    ref_mask = float(np.linalg.norm((P - X)[mask]) / np.linalg.norm(X[mask]))
    assert relative_error(X * factor, P * factor) == pytest.approx(ref, rel=1e-12)
    assert relative_error(X * factor, P * factor, mask=mask) == pytest.approx(ref_mask, rel=1e-12)


def test_relative_error_subnormal_rejected():
    X = np.full((2, 2), 1e-320)
    with pytest.raises(ValueError, match="X_true are too small for float64"):
        relative_error(X, X)


@pytest.mark.parametrize("kwargs, match", [
    (dict(X_true=np.ones((2, 2)), X_pred=np.ones((2, 3))), "same shape"),
    (dict(X_true=np.ones((2, 2)), X_pred=np.ones((2, 2)), mask=np.ones((3, 2), bool)),
     "mask must have shape"),
    (dict(X_true=np.ones((2, 2)), X_pred=np.full((2, 2), np.nan)), "NaN"),
])
def test_relative_error_errors(kwargs, match):
    with pytest.raises(ValueError, match=match):
        relative_error(**kwargs)
