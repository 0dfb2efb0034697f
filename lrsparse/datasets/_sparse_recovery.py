"""Sparse recovery: Gaussian compressive sensing with gross corruption, and
tensor Legendre / Chebyshev designs on hyperbolic cross index sets."""

import numbers

import numpy as np
from sklearn.utils import check_array, check_random_state

from ..utils._sklearn import Interval, StrOptions, validate_params

__all__ = ["hyperbolic_cross", "make_sparse_recovery", "polynomial_design"]


@validate_params(
    {
        "n_samples": [Interval(numbers.Integral, 1, None, closed="left")],
        "n_features": [Interval(numbers.Integral, 1, None, closed="left")],
        "n_nonzero": [Interval(numbers.Integral, 0, None, closed="left")],
        "noise": [Interval(numbers.Real, 0, np.inf, closed="left")],
        "corruption_fraction": [Interval(numbers.Real, 0, 1, closed="both")],
        "corruption_scale": [Interval(numbers.Real, 0, np.inf, closed="left")],
        "return_corruption": ["boolean"],
        "random_state": ["random_state"],
    },
    prefer_skip_nested_validation=True,
)
def make_sparse_recovery(
    n_samples=150,
    n_features=300,
    n_nonzero=10,
    *,
    noise=0.0,
    corruption_fraction=0.0,
    corruption_scale=100.0,
    return_corruption=False,
    random_state=None,
):
    """Compressive sensing with a Gaussian design, optionally with gross corruption.

    The Gaussian setting of Mohammad-Taheri & Brugiapaglia (their first
    experiment), the ground truth for
    :class:`~lrsparse.linear_model.WeightedOMP` and the convex
    :class:`~lrsparse.linear_model.WeightedLasso`,
    :class:`~lrsparse.linear_model.SqrtLasso` and
    :class:`~lrsparse.linear_model.LADLasso`:

    - ``X``: independent standard normal entries, then every column divided
      by its l2 norm (unit-norm columns, the paper's ``A``);
    - ``coef``: ``n_nonzero`` entries on a support drawn uniformly at random,
      with independent ``N(0, 1)`` values (the paper's ``x``, ``s``-sparse);
    - ``y = X @ coef + e`` with ``e = noise * g / ||g||_2``, ``g`` standard
      normal, so that ``||e||_2 = noise`` exactly: ``noise`` is the l2
      *norm* of the whole noise vector (the paper's ``eta``), not a
      per-measurement standard deviation (that would be about
      ``noise / sqrt(n_samples)``);
    - then ``round(corruption_fraction * n_samples)`` measurements (rows of
      ``y``, at random positions) get ``corruption_scale * N(0, 1)`` added:
      gross corruption, which the least-absolute-deviation (LAD) losses
      tolerate and least squares does not.

    The paper's defaults are ``n_samples=150`` (``m``), ``n_features=300``
    (``N``), ``n_nonzero=10`` (``s``), ``noise`` in ``{1e-3, 1e-2, 1e-1}``
    and, for the LAD experiments, ``noise=1e-3`` with
    ``corruption_fraction`` in ``{0, 0.05, 0.1, 0.2}`` and
    ``corruption_scale=100``.

    Parameters
    ----------
    n_samples : int >= 1, default=150
        Number of measurements ``m`` (rows of ``X``).
    n_features : int >= 1, default=300
        Number of unknowns ``N`` (columns of ``X``).
    n_nonzero : int in [0, n_features], default=10
        Sparsity ``s`` of ``coef``.
    noise : float >= 0, default=0.0
        The l2 norm ``eta`` of the noise vector ``e`` (finite).
    corruption_fraction : float in [0, 1], default=0.0
        Fraction of the measurements that are grossly corrupted; the number
        of corrupted rows is rounded to the nearest integer.
    corruption_scale : float >= 0, default=100.0
        Standard deviation of the gross errors added to the corrupted
        measurements (finite; a ``ValueError`` if ``y`` would overflow
        float64).
    return_corruption : bool, default=False
        Whether to also return the boolean mask of the corrupted rows.
    random_state : int, RandomState instance or None, default=None
        Seed of the design, the support, the values, the noise and the
        corruption; the same seed gives the same data.

    Returns
    -------
    X : ndarray of shape (n_samples, n_features)
        Gaussian design with unit l2-norm columns (float64).
    y : ndarray of shape (n_samples,)
        Measurements ``X @ coef + e``, plus the gross errors on the
        corrupted rows.
    coef : ndarray of shape (n_features,)
        The ``n_nonzero``-sparse ground truth.
    corrupted : ndarray of shape (n_samples,), dtype=bool
        Which measurements were corrupted; only returned when
        ``return_corruption=True``.

    References
    ----------
    S. Mohammad-Taheri and S. Brugiapaglia, "The greedy side of the LASSO: New
    algorithms for weighted sparse recovery via loss function-based orthogonal
    matching pursuit", arXiv:2303.00844, 2023.

    Examples
    --------
    >>> import numpy as np
    >>> from lrsparse.datasets import make_sparse_recovery
    >>> X, y, coef, corrupted = make_sparse_recovery(
    ...     150, 300, 10, noise=1e-3, corruption_fraction=0.1, return_corruption=True,
    ...     random_state=0)
    >>> X.shape, int(np.count_nonzero(coef)), int(corrupted.sum())
    ((150, 300), 10, 15)
    >>> np.allclose(np.linalg.norm(X, axis=0), 1.0)
    True
    >>> clean = ~corrupted
    >>> float(np.linalg.norm(y[clean] - X[clean] @ coef)) <= 1e-3
    True
    """
    if n_nonzero > n_features:
        raise ValueError(
            f"n_nonzero must be at most n_features={n_features}, got {n_nonzero}."
        )
    rng = check_random_state(random_state)
    X = rng.standard_normal((n_samples, n_features))
    X /= np.linalg.norm(X, axis=0)

    coef = np.zeros(n_features)
    support = rng.choice(n_features, size=n_nonzero, replace=False)
    coef[support] = rng.standard_normal(n_nonzero)
    y = X @ coef

    g = rng.standard_normal(n_samples)
    g_norm = np.linalg.norm(g)
    n_corrupted = int(round(corruption_fraction * n_samples))
    corrupted = np.zeros(n_samples, dtype=bool)
    corrupted[rng.choice(n_samples, size=n_corrupted, replace=False)] = True
    with np.errstate(over="ignore", invalid="ignore"):  # checked below
        if noise > 0 and g_norm > 0:
            y += noise * (g / g_norm)
        y[corrupted] += corruption_scale * rng.standard_normal(n_corrupted)
    if not np.all(np.isfinite(y)):
        raise ValueError(
            "y overflows float64: lower noise (got {:.3g}) or corruption_scale "
            "(got {:.3g}).".format(noise, corruption_scale)
        )
    if return_corruption:
        return X, y, coef, corrupted
    return X, y, coef


@validate_params(
    {
        "n_dims": [Interval(numbers.Integral, 1, None, closed="left")],
        "order": [Interval(numbers.Integral, 0, None, closed="left")],
    },
    prefer_skip_nested_validation=True,
)
def hyperbolic_cross(n_dims, order):
    """Return the multi-indices of the hyperbolic cross of a given order.

    The isotropic hyperbolic cross of order ``n`` in ``d`` dimensions is the
    set of multi-indices ``nu = (nu_1, ..., nu_d)`` of nonnegative integers
    with ``prod_k (nu_k + 1) <= n + 1`` (the convention of Adcock,
    Brugiapaglia & Webster, whose ``sparse-hd-book`` code the paper's
    function-approximation experiments use).  It is downward closed, holds
    every index of total degree ``<= 1`` when ``n >= 1``, and grows only
    like ``n log(n)^(d-1)``: the index set of choice for smooth functions of
    many variables.  Combine it with :func:`polynomial_design`.

    The paper picks the largest order whose set has at most ``N_max = 500``
    indices: ``hyperbolic_cross(5, 18)`` has its ``N = 426`` indices
    (``d = 5``; order 19 would give 501) and ``hyperbolic_cross(10, 8)`` its
    ``N = 471`` (``d = 10``; order 9 gives 571).

    Parameters
    ----------
    n_dims : int >= 1
        Number of variables ``d``.
    order : int >= 0
        Order ``n`` of the cross (in one dimension: polynomials of degree
        ``<= n``).

    Returns
    -------
    indices : ndarray of shape (n_indices, n_dims), dtype=int64
        The multi-indices in lexicographic order (the first variable varies
        slowest); the first row is the zero index (the constant polynomial).

    References
    ----------
    S. Mohammad-Taheri and S. Brugiapaglia, "The greedy side of the LASSO: New
    algorithms for weighted sparse recovery via loss function-based orthogonal
    matching pursuit", arXiv:2303.00844, 2023.

    B. Adcock, S. Brugiapaglia and C. G. Webster, "Sparse Polynomial
    Approximation of High-Dimensional Functions", SIAM, 2022.

    Examples
    --------
    >>> from lrsparse.datasets import hyperbolic_cross
    >>> hyperbolic_cross(2, 3)
    array([[0, 0],
           [0, 1],
           [0, 2],
           [0, 3],
           [1, 0],
           [1, 1],
           [2, 0],
           [3, 0]])
    >>> len(hyperbolic_cross(5, 18)), len(hyperbolic_cross(10, 8))
    (426, 471)
    """
    bound = order + 1
    # Build the set one variable at a time; prods[i] = prod_k (nu_k + 1) of row i.
    indices = np.zeros((1, 0), dtype=np.int64)
    prods = np.ones(1, dtype=np.int64)
    for _ in range(n_dims):
        counts = bound // prods  # nu_new + 1 ranges over 1 .. bound // prod
        rows = np.repeat(np.arange(len(prods)), counts)
        starts = np.cumsum(counts) - counts
        new = np.arange(rows.size, dtype=np.int64) - np.repeat(starts, counts)
        indices = np.column_stack([indices[rows], new])
        prods = prods[rows] * (new + 1)
    return indices


def _orthonormal_table(x, degree, kind):
    """``(len(x), degree + 1)`` values of the orthonormal 1-D polynomials at ``x``."""
    table = np.empty((x.size, degree + 1))
    table[:, 0] = 1.0
    if degree >= 1:
        table[:, 1] = x
    if kind == "legendre":
        # (n + 1) P_{n+1} = (2n + 1) x P_n - n P_{n-1}; orthonormal: sqrt(2n + 1) P_n.
        for n in range(1, degree):
            table[:, n + 1] = ((2 * n + 1) * x * table[:, n] - n * table[:, n - 1]) / (n + 1)
        table *= np.sqrt(2.0 * np.arange(degree + 1) + 1.0)
    else:
        # T_{n+1} = 2 x T_n - T_{n-1}; orthonormal: T_0 and sqrt(2) T_n.
        for n in range(1, degree):
            table[:, n + 1] = 2.0 * x * table[:, n] - table[:, n - 1]
        table[:, 1:] *= np.sqrt(2.0)
    return table


def _check_indices(indices, n_dims):
    arr = np.asarray(indices)
    if arr.dtype.kind not in "iu" and not (arr.dtype.kind == "O" and arr.size == 0):
        raise TypeError(
            f"indices must be an array of nonnegative integers, got dtype {arr.dtype}."
        )
    if arr.ndim != 2 or arr.shape[1] != n_dims or arr.shape[0] == 0:
        raise ValueError(
            f"indices must have shape (n_indices >= 1, {n_dims}) to match the "
            f"{n_dims} columns of points, got shape {arr.shape}."
        )
    if np.any(arr < 0):
        raise ValueError("indices must be nonnegative.")
    return arr.astype(np.int64, copy=False)


@validate_params(
    {
        "points": ["array-like"],
        "indices": ["array-like"],
        "kind": [StrOptions({"legendre", "chebyshev"})],
    },
    prefer_skip_nested_validation=True,
)
def polynomial_design(points, indices, *, kind="legendre"):
    """Tensor-product orthonormal polynomials evaluated at points, and their weights.

    The measurement matrix of sparse polynomial approximation: to recover
    ``f(t) = sum_nu c_nu Phi_nu(t)`` on ``[-1, 1]^d`` from samples
    ``f(t_i)``, write ``y = A c`` with ``A[i, j] = Phi_{nu_j}(t_i)`` and
    solve a (weighted) sparse recovery problem for ``c``.  Each
    ``Phi_nu(t) = prod_k phi_{nu_k}(t_k)`` is a product of univariate
    polynomials orthonormal for

    - ``kind="legendre"``: the uniform probability measure ``dt / 2`` on
      ``[-1, 1]`` (``phi_n = sqrt(2n + 1) P_n``, ``P_n`` the Legendre
      polynomial with ``P_n(1) = 1``); draw the points uniformly,
      ``rng.uniform(-1, 1, (m, d))``;
    - ``kind="chebyshev"``: the Chebyshev (arcsine) measure
      ``dt / (pi sqrt(1 - t^2))`` (``phi_0 = 1``, ``phi_n = sqrt(2) T_n``);
      draw the points from it, ``np.cos(np.pi * rng.uniform(0, 1, (m, d)))``.

    so that ``E[Phi_mu(t) Phi_nu(t)] = [mu == nu]`` for points drawn from
    that measure, and ``A.T @ A / m`` tends to the identity.

    The intrinsic weights are the sup norms ``u_nu = max |Phi_nu|`` on
    ``[-1, 1]^d``: ``u_nu = prod_k sqrt(2 nu_k + 1)`` (Legendre) and
    ``u_nu = 2^(||nu||_0 / 2)`` (Chebyshev, ``||nu||_0`` the number of
    nonzero entries of ``nu``).  Used as ``weights`` of a weighted l1 or l0
    penalty they favour low-degree coefficients, which is what smooth
    functions need (Adcock, Brugiapaglia & Webster, chapter 7).

    The paper scales the problem as ``A / sqrt(m)`` and ``y / sqrt(m)`` (so
    that ``A`` has columns of norm about 1).  That does not change
    :class:`~lrsparse.linear_model.WeightedOMP`, which normalises the
    columns itself, but it multiplies the squared loss by ``1 / m``: the
    paper's ``lambda`` for its LASSO on the scaled problem is ``2 alpha``
    for :class:`~lrsparse.linear_model.WeightedLasso` (whose objective has
    ``1 / (2m)``) on the unscaled ``A`` and ``y``.

    Parameters
    ----------
    points : array-like of shape (n_samples, n_dims)
        Sample points ``t_i`` in ``[-1, 1]^d`` (finite).
    indices : array-like of int, shape (n_indices, n_dims)
        Multi-indices ``nu_j``, e.g. from :func:`hyperbolic_cross`.
    kind : {"legendre", "chebyshev"}, default="legendre"
        Polynomial family (and so the measure of orthonormality).

    Returns
    -------
    design : ndarray of shape (n_samples, n_indices)
        ``design[i, j] = Phi_{nu_j}(t_i)`` (float64); no ``1 / sqrt(m)``
        factor.
    weights : ndarray of shape (n_indices,)
        The intrinsic weights ``u_nu`` (all ``>= 1``; 1 for the constant).

    References
    ----------
    S. Mohammad-Taheri and S. Brugiapaglia, "The greedy side of the LASSO: New
    algorithms for weighted sparse recovery via loss function-based orthogonal
    matching pursuit", arXiv:2303.00844, 2023.

    B. Adcock, S. Brugiapaglia and C. G. Webster, "Sparse Polynomial
    Approximation of High-Dimensional Functions", SIAM, 2022.

    Examples
    --------
    >>> import numpy as np
    >>> from lrsparse.datasets import hyperbolic_cross, polynomial_design
    >>> indices = hyperbolic_cross(2, 3)
    >>> rng = np.random.RandomState(0)
    >>> points = rng.uniform(-1, 1, size=(20000, 2))
    >>> design, weights = polynomial_design(points, indices, kind="legendre")
    >>> design.shape
    (20000, 8)
    >>> weights[:3]  # nu = (0, 0), (0, 1), (0, 2)
    array([1.        , 1.73205081, 2.23606798])
    >>> gram = design.T @ design / len(points)  # Monte Carlo: close to the identity
    >>> bool(np.abs(gram - np.eye(8)).max() < 0.1)
    True
    """
    points = check_array(points, dtype=np.float64, input_name="points")
    n_dims = points.shape[1]
    indices = _check_indices(indices, n_dims)
    if np.any(np.abs(points) > 1.0):
        raise ValueError(
            "points must lie in [-1, 1]^d, the domain of the polynomials; "
            f"got coordinates up to {np.abs(points).max():.6g} in absolute value."
        )
    design = np.ones((points.shape[0], indices.shape[0]))
    for k in range(n_dims):
        nu_k = indices[:, k]
        table = _orthonormal_table(points[:, k], int(nu_k.max()), kind)
        design *= table[:, nu_k]
    if kind == "legendre":
        weights = np.prod(np.sqrt(2.0 * indices + 1.0), axis=1)
    else:
        weights = 2.0 ** (np.count_nonzero(indices, axis=1) / 2.0)
    return design, weights
