import itertools

import numpy as np
import pytest
from numpy.polynomial import chebyshev, legendre

from lrsparse.datasets import hyperbolic_cross, make_sparse_recovery, polynomial_design

# ---------------------------------------------------------------- make_sparse_recovery


def test_sparse_recovery_shapes_and_unit_columns():
    X, y, coef = make_sparse_recovery(40, 70, 6, random_state=0)
    assert X.shape == (40, 70) and y.shape == (40,) and coef.shape == (70,)
    assert X.dtype == y.dtype == coef.dtype == np.float64
    np.testing.assert_allclose(np.linalg.norm(X, axis=0), 1.0, rtol=1e-12)
    assert np.count_nonzero(coef) == 6
    # Noiseless and uncorrupted: y is exactly the measurement of coef.
    np.testing.assert_array_equal(y, X @ coef)


def test_sparse_recovery_design_is_gaussian():
    # Before normalisation the entries are N(0, 1): after it, sqrt(m) X has
    # mean about 0 (m * N = 60000 entries, sd of the mean 0.004), mean square
    # exactly 1 (unit columns) and nearly Gaussian entries (P(|z| < 1) = 0.683).
    X, _, coef = make_sparse_recovery(200, 300, 30, random_state=1)
    Z = np.sqrt(200) * X
    assert abs(Z.mean()) < 0.02
    assert np.mean(Z**2) == pytest.approx(1.0, rel=1e-12)
    assert abs(np.mean(np.abs(Z) < 1) - 0.6827) < 0.01
    # The nonzero values are N(0, 1): over 30 draws the sample variance is in a wide band.
    assert 0.3 < np.var(coef[coef != 0]) < 2.5


@pytest.mark.parametrize("noise", [1e-3, 0.1, 5.0])
def test_sparse_recovery_noise_norm(noise):
    X, y, coef = make_sparse_recovery(50, 80, 5, noise=noise, random_state=2)
    assert np.linalg.norm(y - X @ coef) == pytest.approx(noise, rel=1e-12)


def test_sparse_recovery_noise_is_the_only_difference():
    # The same seed with and without noise: the same X and coef, y differs by e.
    X0, y0, c0 = make_sparse_recovery(30, 40, 3, random_state=3)
    X1, y1, c1 = make_sparse_recovery(30, 40, 3, noise=0.5, random_state=3)
    np.testing.assert_array_equal(X0, X1)
    np.testing.assert_array_equal(c0, c1)
    assert np.linalg.norm(y1 - y0) == pytest.approx(0.5, rel=1e-12)


@pytest.mark.parametrize("fraction, expected", [(0.0, 0), (0.1, 15), (0.2, 30), (1.0, 150),
                                                (0.0334, 5)])
def test_sparse_recovery_corruption_count(fraction, expected):
    X, y, coef, corrupted = make_sparse_recovery(
        150, 60, 4, noise=1e-3, corruption_fraction=fraction, return_corruption=True,
        random_state=4)
    assert corrupted.dtype == bool and corrupted.shape == (150,)
    assert corrupted.sum() == expected
    residual = y - X @ coef
    # The clean rows carry only the noise (norm 1e-3 in all); the corrupted
    # ones carry 100 * N(0, 1) gross errors (|.| < 0.01 has probability 8e-5).
    assert np.linalg.norm(residual[~corrupted]) <= 1e-3 * (1 + 1e-12)
    assert np.all(np.abs(residual[corrupted]) > 1e-2)
    if expected:
        assert 20 < np.std(residual[corrupted]) * np.sqrt(expected / max(expected - 1, 1)) < 300


def test_sparse_recovery_corruption_scale():
    _, y1, _, c1 = make_sparse_recovery(100, 20, 2, corruption_fraction=0.5,
                                        corruption_scale=1.0, return_corruption=True,
                                        random_state=5)
    X, y2, coef, c2 = make_sparse_recovery(100, 20, 2, corruption_fraction=0.5,
                                           corruption_scale=10.0, return_corruption=True,
                                           random_state=5)
    np.testing.assert_array_equal(c1, c2)
    clean = X @ coef
    np.testing.assert_allclose(y2 - clean, 10.0 * (y1 - clean), rtol=1e-10, atol=1e-12)
    # corruption_scale=0: the mask is drawn but y is untouched.
    _, y0, _, c0 = make_sparse_recovery(100, 20, 2, corruption_fraction=0.5,
                                        corruption_scale=0.0, return_corruption=True,
                                        random_state=5)
    assert c0.sum() == 50
    np.testing.assert_array_equal(y0, clean)


@pytest.mark.parametrize("factor", [1e-100, 1e-6, 1.0, 1e6, 1e100])
def test_sparse_recovery_noise_scales(factor):
    # noise and corruption_scale set the size of y - X coef exactly: the same
    # seed with both multiplied by a factor gives the residual times that factor.
    kwargs = dict(corruption_fraction=0.2, return_corruption=True, random_state=8)
    X, y, coef, corrupted = make_sparse_recovery(30, 40, 3, noise=0.5, corruption_scale=7.0,
                                                 **kwargs)
    Xf, yf, coef_f, corrupted_f = make_sparse_recovery(
        30, 40, 3, noise=0.5 * factor, corruption_scale=7.0 * factor, **kwargs)
    np.testing.assert_array_equal(X, Xf)
    np.testing.assert_array_equal(coef, coef_f)
    np.testing.assert_array_equal(corrupted, corrupted_f)
    residual, residual_f = y - X @ coef, yf - Xf @ coef_f
    if factor <= 1e-6:  # below the rounding of X @ coef: subtract nothing
        residual_f = yf - X @ coef
        np.testing.assert_allclose(residual_f, factor * residual, rtol=1e-6,
                                   atol=1e-15 * np.abs(X @ coef).max())
    else:
        np.testing.assert_allclose(residual_f, factor * residual, rtol=1e-9)


def test_sparse_recovery_overflow_is_an_error():
    with pytest.raises(ValueError, match="overflows float64"):
        make_sparse_recovery(50, 10, 2, corruption_fraction=0.5, corruption_scale=1e308,
                             random_state=0)
    # A noise norm near the float64 limit is fine: g / ||g|| is formed first.
    X, y, coef = make_sparse_recovery(50, 10, 2, noise=1e307, random_state=0)
    e = y - X @ coef
    assert np.all(np.isfinite(y))
    assert np.linalg.norm(e / 1e307) == pytest.approx(1.0, rel=1e-12)


def test_sparse_recovery_support_is_uniform():
    # Over many seeds every feature is in the support about equally often.
    hits = np.zeros(20)
    for seed in range(200):
        _, _, coef = make_sparse_recovery(5, 20, 4, random_state=seed)
        hits += coef != 0
    assert hits.sum() == 800
    assert hits.min() > 20 and hits.max() < 65  # mean 40, sd about 5.7


def test_sparse_recovery_seeded():
    a = make_sparse_recovery(20, 30, 3, noise=0.1, corruption_fraction=0.2,
                             return_corruption=True, random_state=6)
    b = make_sparse_recovery(20, 30, 3, noise=0.1, corruption_fraction=0.2,
                             return_corruption=True, random_state=np.random.RandomState(6))
    c = make_sparse_recovery(20, 30, 3, noise=0.1, corruption_fraction=0.2,
                             return_corruption=True, random_state=7)
    for u, v in zip(a, b):
        np.testing.assert_array_equal(u, v)
    assert not np.array_equal(a[0], c[0]) and not np.array_equal(a[3], c[3])


def test_sparse_recovery_edge_cases():
    X, y, coef = make_sparse_recovery(1, 3, 3, random_state=0)
    np.testing.assert_allclose(np.abs(X), 1.0)  # one row: every unit column is +-1
    assert np.count_nonzero(coef) == 3
    X, y, coef = make_sparse_recovery(10, 5, 0, noise=0.2, random_state=0)
    assert not coef.any()
    assert np.linalg.norm(y) == pytest.approx(0.2, rel=1e-12)


@pytest.mark.parametrize(
    "kwargs, match",
    [
        ({"n_samples": 0}, "n_samples"),
        ({"n_samples": 2.5}, "n_samples"),
        ({"n_features": 0}, "n_features"),
        ({"n_nonzero": -1}, "n_nonzero"),
        ({"n_features": 5, "n_nonzero": 6}, "n_nonzero"),
        ({"noise": -0.1}, "noise"),
        ({"noise": np.inf}, "noise"),
        ({"noise": np.nan}, "noise"),
        ({"corruption_fraction": 1.5}, "corruption_fraction"),
        ({"corruption_fraction": -0.1}, "corruption_fraction"),
        ({"corruption_fraction": np.nan}, "corruption_fraction"),
        ({"corruption_scale": -1.0}, "corruption_scale"),
        ({"corruption_scale": np.inf}, "corruption_scale"),
        ({"return_corruption": "yes"}, "return_corruption"),
        ({"random_state": "seed"}, "random_state"),
    ],
)
def test_sparse_recovery_bad_arguments(kwargs, match):
    with pytest.raises(ValueError, match=match):
        make_sparse_recovery(**kwargs)


# ------------------------------------------------------------------ hyperbolic_cross


def _brute_force_cross(n_dims, order):
    grid = itertools.product(range(order + 1), repeat=n_dims)
    return sorted(nu for nu in grid if np.prod(np.add(nu, 1)) <= order + 1)


@pytest.mark.parametrize("n_dims, order", [(1, 0), (1, 7), (2, 0), (2, 5), (3, 6), (4, 11)])
def test_hyperbolic_cross_matches_brute_force(n_dims, order):
    indices = hyperbolic_cross(n_dims, order)
    assert indices.dtype == np.int64 and indices.shape[1] == n_dims
    # Lexicographic order, no duplicates, exactly the set of the definition.
    assert [tuple(int(v) for v in nu) for nu in indices] == _brute_force_cross(n_dims, order)


def test_hyperbolic_cross_paper_sizes():
    # The paper's N_max = 500: the largest order with at most 500 indices.
    assert len(hyperbolic_cross(5, 18)) == 426
    assert len(hyperbolic_cross(5, 19)) == 501
    assert len(hyperbolic_cross(10, 8)) == 471
    assert len(hyperbolic_cross(10, 9)) == 571


def test_hyperbolic_cross_structure():
    indices = hyperbolic_cross(4, 9)
    members = {tuple(nu) for nu in indices.tolist()}
    assert tuple(indices[0]) == (0, 0, 0, 0)
    # Downward closed: lowering any entry of a member by one stays in the set.
    for nu in members:
        for k in range(4):
            if nu[k] > 0:
                assert nu[:k] + (nu[k] - 1,) + nu[k + 1:] in members
    # Every total-degree-1 index and the pure powers up to the order are members.
    for k in range(4):
        for deg in range(10):
            assert tuple(deg if i == k else 0 for i in range(4)) in members
        assert tuple(10 if i == k else 0 for i in range(4)) not in members


@pytest.mark.parametrize(
    "args, match",
    [((0, 3), "n_dims"), ((2.0, 3), "n_dims"), ((2, -1), "order"), ((2, 1.5), "order"),
     ((2, None), "order")],
)
def test_hyperbolic_cross_bad_arguments(args, match):
    with pytest.raises(ValueError, match=match):
        hyperbolic_cross(*args)


# ----------------------------------------------------------------- polynomial_design


def _gauss_grid(kind, n_nodes, n_dims):
    """Tensor Gauss quadrature for the probability measure of ``kind``."""
    if kind == "legendre":
        x, w = legendre.leggauss(n_nodes)
        w = w / 2.0
    else:  # Gauss-Chebyshev: equal weights at the Chebyshev nodes
        x = np.cos((2 * np.arange(1, n_nodes + 1) - 1) * np.pi / (2 * n_nodes))
        w = np.full(n_nodes, 1.0 / n_nodes)
    points = np.array(list(itertools.product(x, repeat=n_dims)))
    weights = np.prod(np.array(list(itertools.product(w, repeat=n_dims))), axis=1)
    return points, weights


@pytest.mark.parametrize("kind", ["legendre", "chebyshev"])
def test_polynomial_design_orthonormal_by_quadrature(kind):
    # Products of two polynomials of degree <= 7 per variable: 8 Gauss nodes
    # integrate them exactly, so the Gram matrix is the identity to rounding.
    indices = hyperbolic_cross(3, 7)
    assert indices.max() == 7
    points, qw = _gauss_grid(kind, 8, 3)
    design, _ = polynomial_design(points, indices, kind=kind)
    gram = design.T @ (qw[:, None] * design)
    np.testing.assert_allclose(gram, np.eye(len(indices)), atol=1e-11)


@pytest.mark.parametrize("kind", ["legendre", "chebyshev"])
def test_polynomial_design_monte_carlo(kind):
    rng = np.random.RandomState(0)
    u = rng.uniform(-1, 1, size=(40000, 2)) if kind == "legendre" else \
        np.cos(np.pi * rng.uniform(0, 1, size=(40000, 2)))
    design, _ = polynomial_design(u, hyperbolic_cross(2, 4), kind=kind)
    gram = design.T @ design / len(u)
    # Entries of the empirical Gram matrix have sd <= max|Phi|^2 / sqrt(n) = 0.45 here,
    # typically much less; the tolerance is about 5 typical sd.
    assert np.abs(gram - np.eye(len(gram))).max() < 0.15


def test_polynomial_design_matches_numpy_in_one_variable():
    x = np.linspace(-1, 1, 13)
    indices = np.arange(9)[:, None]
    leg, _ = polynomial_design(x[:, None], indices, kind="legendre")
    che, _ = polynomial_design(x[:, None], indices, kind="chebyshev")
    for n in range(9):
        e = np.zeros(n + 1)
        e[n] = 1.0
        np.testing.assert_allclose(leg[:, n], np.sqrt(2 * n + 1) * legendre.legval(x, e),
                                   atol=1e-12)
        np.testing.assert_allclose(che[:, n], (np.sqrt(2) if n else 1.0)
                                   * chebyshev.chebval(x, e), atol=1e-12)


def test_polynomial_design_is_a_tensor_product():
    rng = np.random.RandomState(1)
    points = rng.uniform(-1, 1, size=(7, 3))
    indices = np.array([[0, 0, 0], [2, 0, 1], [1, 3, 0], [0, 0, 5]])
    for kind in ("legendre", "chebyshev"):
        design, _ = polynomial_design(points, indices, kind=kind)
        for j, nu in enumerate(indices):
            factors = [polynomial_design(points[:, [k]], [[nu[k]]], kind=kind)[0][:, 0]
                       for k in range(3)]
            np.testing.assert_allclose(design[:, j], np.prod(factors, axis=0), rtol=1e-12)
        np.testing.assert_array_equal(design[:, 0], 1.0)


@pytest.mark.parametrize("kind", ["legendre", "chebyshev"])
def test_polynomial_design_weights_are_sup_norms(kind):
    indices = hyperbolic_cross(2, 6)
    _, weights = polynomial_design(np.zeros((1, 2)), indices, kind=kind)
    nu = indices
    if kind == "legendre":
        expected = np.sqrt(2 * nu[:, 0] + 1) * np.sqrt(2 * nu[:, 1] + 1)
    else:
        expected = np.sqrt(2.0) ** ((nu[:, 0] > 0).astype(int) + (nu[:, 1] > 0))
    np.testing.assert_allclose(weights, expected, rtol=1e-14)
    # u_nu = max |Phi_nu| on [-1, 1]^2, attained at the corner (1, 1).
    grid = np.array(list(itertools.product(np.linspace(-1, 1, 101), repeat=2)))
    design, _ = polynomial_design(grid, indices, kind=kind)
    np.testing.assert_allclose(np.abs(design).max(axis=0), weights, rtol=1e-12)


def test_polynomial_design_does_not_modify_inputs():
    points = np.array([[0.5, -0.25], [1.0, -1.0]])
    indices = np.array([[0, 1], [2, 2]], dtype=np.int32)
    p0, i0 = points.copy(), indices.copy()
    design, _ = polynomial_design(points, indices.tolist())
    design32, _ = polynomial_design(points, indices)
    np.testing.assert_array_equal(design, design32)
    np.testing.assert_array_equal(points, p0)
    np.testing.assert_array_equal(indices, i0)


@pytest.mark.parametrize(
    "points, indices, kwargs, error, match",
    [
        ([[0.5, 2.0]], [[0, 1]], {}, ValueError, r"\[-1, 1\]"),
        ([[0.5, np.nan]], [[0, 1]], {}, ValueError, "NaN"),
        ([[0.5, np.inf]], [[0, 1]], {}, ValueError, "infinity"),
        ([0.5, 0.1], [[0, 1]], {}, ValueError, "2D array"),
        ([[0.5, 0.1]], [[0, 1, 2]], {}, ValueError, "indices must have shape"),
        ([[0.5, 0.1]], [0, 1], {}, ValueError, "indices must have shape"),
        ([[0.5, 0.1]], np.zeros((0, 2), dtype=int), {}, ValueError, "indices must have shape"),
        ([[0.5, 0.1]], [[0, -1]], {}, ValueError, "nonnegative"),
        ([[0.5, 0.1]], [[0.0, 1.0]], {}, TypeError, "integers"),
        ([[0.5, 0.1]], [[0, 1]], {"kind": "hermite"}, ValueError, "kind"),
        ("abc", [[0, 1]], {}, ValueError, "points"),
    ],
)
def test_polynomial_design_bad_input(points, indices, kwargs, error, match):
    with pytest.raises(error, match=match):
        polynomial_design(points, indices, **kwargs)
