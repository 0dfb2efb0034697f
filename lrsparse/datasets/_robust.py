"""Generators for robust PCA and matrix completion: contaminated Gaussians,
low-rank + sparse matrices, low-rank matrices with missing entries."""

import numbers

import numpy as np
from sklearn.utils import check_random_state

from ..utils._sklearn import Interval, StrOptions, validate_params

__all__ = [
    "make_contaminated_gaussian",
    "make_low_rank_matrix_with_missing",
    "make_low_rank_plus_sparse",
]


@validate_params(
    {
        "n_samples": [Interval(numbers.Integral, 1, None, closed="left")],
        "n_features": [Interval(numbers.Integral, 2, None, closed="left")],
        "contamination": [Interval(numbers.Real, 0, 0.5, closed="left")],
        "outlier_kind": [StrOptions({"far", "low_variance", "clustered"})],
        "n_components": [Interval(numbers.Integral, 1, None, closed="left")],
        "top_variance": [Interval(numbers.Real, 1, None, closed="neither")],
        "random_state": ["random_state"],
    },
    prefer_skip_nested_validation=True,
)
def make_contaminated_gaussian(
    n_samples=1000,
    n_features=50,
    *,
    contamination=0.1,
    outlier_kind="low_variance",
    n_components=1,
    top_variance=4.0,
    random_state=None,
):
    """Gaussian samples with a known spiked covariance, a fraction replaced by outliers.

    Inliers are drawn from ``N(0, Sigma)`` with
    ``Sigma = I + sum_j (lambda_j - 1) u_j u_j^T``: ``n_components`` spiked
    directions ``u_j`` (random orthonormal) with variances
    ``lambda_j = max(top_variance / (1 + j / 2), 1)`` and unit variance
    elsewhere.
    Then ``round(contamination * n_samples)`` rows, at random positions, are
    replaced by outliers (the strong-contamination model of robust PCA):

    * ``"far"``: Gaussian points in random directions at distance
      ``10 sqrt(n_features)``: plain PCA is pulled anywhere, but their norm
      gives them away.
    * ``"low_variance"``: ``+- sqrt(n_features) w`` along a unit-variance
      direction ``w`` orthogonal to the spikes (random signs).  Their norm is
      that of a typical inlier; only their concentration along ``w`` shows.
    * ``"clustered"``: a tight cluster (spread 0.1) at ``sqrt(n_features) w``:
      it also drags the mean.

    With the default ``top_variance=4`` and ``contamination * n_features``
    above about 5, the outliers' variance along ``w`` exceeds the top
    inlier variance, so plain PCA's first component points along ``w``.

    Parameters
    ----------
    n_samples : int, default=1000
        Number of rows (inliers and outliers).
    n_features : int, default=50
        Dimension (``> n_components``).
    contamination : float in [0, 0.5), default=0.1
        Fraction of rows replaced by outliers.
    outlier_kind : {"far", "low_variance", "clustered"}, default="low_variance"
        How the outliers are placed (see above).
    n_components : int, default=1
        Number of spiked directions.
    top_variance : float > 1, default=4.0
        Variance along the first spiked direction.
    random_state : int, RandomState instance or None, default=None
        Seed; the same seed gives the same data.

    Returns
    -------
    X : ndarray of shape (n_samples, n_features)
        The data, inliers and outliers mixed.
    is_outlier : ndarray of shape (n_samples,), dtype=bool
        True for the replaced rows.
    covariance : ndarray of shape (n_features, n_features)
        ``Sigma``, the inliers' covariance.
    components : ndarray of shape (n_components, n_features)
        The spiked directions ``u_j`` (the top eigenvectors of ``Sigma``), by
        decreasing variance.

    Examples
    --------
    >>> from lrsparse.datasets import make_contaminated_gaussian
    >>> X, is_outlier, cov, U = make_contaminated_gaussian(
    ...     500, 20, contamination=0.1, random_state=0)
    >>> X.shape, int(is_outlier.sum()), cov.shape, U.shape
    ((500, 20), 50, (20, 20), (1, 20))
    """
    d, k = n_features, n_components
    if k >= d:
        raise ValueError(f"n_components={k} must be smaller than n_features={d}.")
    rng = check_random_state(random_state)
    Q, _ = np.linalg.qr(rng.standard_normal((d, k + 1)))
    U, w = Q[:, :k].T, Q[:, k]
    variances = top_variance / (1.0 + 0.5 * np.arange(k))
    scales = np.sqrt(np.maximum(variances, 1.0)) - 1.0
    Z = rng.standard_normal((n_samples, d))
    X = Z + (Z @ U.T * scales) @ U  # Sigma^(1/2) z, exactly
    covariance = np.eye(d) + (U.T * (np.maximum(variances, 1.0) - 1.0)) @ U
    n_out = int(round(contamination * n_samples))
    is_outlier = np.zeros(n_samples, dtype=bool)
    idx = rng.choice(n_samples, n_out, replace=False)
    is_outlier[idx] = True
    if n_out:
        if outlier_kind == "far":
            G = rng.standard_normal((n_out, d))
            X[idx] = 10.0 * np.sqrt(d) * G / np.linalg.norm(G, axis=1, keepdims=True)
        elif outlier_kind == "low_variance":
            signs = rng.choice([-1.0, 1.0], size=n_out)
            X[idx] = np.sqrt(d) * signs[:, None] * w
        else:  # clustered
            X[idx] = np.sqrt(d) * w + 0.1 * rng.standard_normal((n_out, d))
    return X, is_outlier, covariance, U


@validate_params(
    {
        "n_samples": [Interval(numbers.Integral, 1, None, closed="left")],
        "n_features": [Interval(numbers.Integral, 1, None, closed="left")],
        "rank": [Interval(numbers.Integral, 1, None, closed="left")],
        "sparsity": [Interval(numbers.Real, 0, 1, closed="both")],
        "magnitude": [None, Interval(numbers.Real, 0, None, closed="left")],
        "random_state": ["random_state"],
    },
    prefer_skip_nested_validation=True,
)
def make_low_rank_plus_sparse(
    n_samples=200, n_features=200, *, rank=5, sparsity=0.05, magnitude=None, random_state=None
):
    """A low-rank matrix plus sparse gross corruption, ``D = L + S``.

    In the spirit of Candes, Li, Ma & Wright's experiments:
    ``L = A B^T / sqrt(rank)`` with i.i.d. standard normal factors (so the
    entries of ``L`` have unit variance); ``S`` has
    ``round(sparsity * n_samples * n_features)`` nonzero entries at uniformly
    random positions with independent random signs and magnitude
    ``magnitude`` (default: the largest absolute entry of ``L``, so corrupted
    entries are as large as the largest clean ones).

    Parameters
    ----------
    n_samples : int, default=200
        Number of rows.
    n_features : int, default=200
        Number of columns.
    rank : int, default=5
        Rank of ``L`` (``<= min(n_samples, n_features)``).
    sparsity : float in [0, 1], default=0.05
        Fraction of corrupted entries.
    magnitude : float >= 0, default=None
        Absolute value of the corruptions; ``None`` is ``max |L_ij|``.
    random_state : int, RandomState instance or None, default=None
        Seed; the same seed gives the same data.

    Returns
    -------
    D : ndarray of shape (n_samples, n_features)
        The observed matrix ``L + S``.
    L : ndarray of shape (n_samples, n_features)
        The low-rank part, rank ``rank``.
    S : ndarray of shape (n_samples, n_features)
        The sparse part.

    Examples
    --------
    >>> import numpy as np
    >>> from lrsparse.datasets import make_low_rank_plus_sparse
    >>> D, L, S = make_low_rank_plus_sparse(50, 40, rank=3, sparsity=0.1, random_state=0)
    >>> np.linalg.matrix_rank(L), int((S != 0).sum()), bool(np.allclose(D, L + S))
    (np.int64(3), 200, True)
    """
    if rank > min(n_samples, n_features):
        raise ValueError(
            f"rank={rank} must be <= min(n_samples, n_features) = {min(n_samples, n_features)}."
        )
    rng = check_random_state(random_state)
    A = rng.standard_normal((n_samples, rank))
    B = rng.standard_normal((n_features, rank))
    L = A @ B.T / np.sqrt(rank)
    n_bad = int(round(sparsity * n_samples * n_features))
    S = np.zeros_like(L)
    if n_bad:
        flat = rng.choice(n_samples * n_features, n_bad, replace=False)
        mag = float(np.abs(L).max()) if magnitude is None else float(magnitude)
        S.flat[flat] = mag * rng.choice([-1.0, 1.0], size=n_bad)
    return L + S, L, S


# Sizes of the sparse path.  The dense output, and the sparse one up to
# _EXACT_MASK_ENTRIES matrix entries, draw the Bernoulli mask cell by cell (in
# row blocks of about _CHUNK entries: the same random stream as one
# ``uniform(size=(n_rows, n_cols))`` call), so both hold the same observations
# for the same seed and the dense output is the one of earlier releases.
# Above it the sparse output draws the positions in O(nnz) time and memory
# (same law).  ``X_true`` is formed only up to _MAX_DENSE_TRUTH entries with
# sparse output.
_EXACT_MASK_ENTRIES = 10_000_000
_MAX_DENSE_TRUTH = 100_000_000
_CHUNK = 1 << 20
_INT32_MAX = np.iinfo(np.int32).max


def _bernoulli_cells(rng, n_rows, n_cols, p):
    """Row-major ``(rows, cols)`` of the cells of a Bernoulli(p) mask, drawn cell by cell.

    The random stream is that of ``rng.uniform(size=(n_rows, n_cols)) < p``,
    consumed in row blocks, so no ``n_rows x n_cols`` array is formed.
    """
    step = max(1, _CHUNK // n_cols)
    rows, cols = [], []
    for start in range(0, n_rows, step):
        block = rng.uniform(size=(min(step, n_rows - start), n_cols)) < p
        r, c = np.nonzero(block)
        rows.append(r + start)
        cols.append(c)
    return np.concatenate(rows), np.concatenate(cols)


def _sorted_distinct(x):
    """``np.unique(x)`` for an int array, sorted in place (numpy's may hash: ~20x slower)."""
    x.sort()
    keep = np.empty(x.shape[0], dtype=bool)
    keep[:1] = True
    np.not_equal(x[1:], x[:-1], out=keep[1:])
    return x[keep]


def _distinct_uniform(rng, n_total, n_draw):
    """``n_draw`` distinct integers of ``[0, n_total)``, uniform among such sets, sorted.

    Draws with replacement and tops up the deficit until ``n_draw`` distinct
    values are seen: the first ``n_draw`` distinct values of an i.i.d. uniform
    sequence, a uniform ``n_draw``-subset.  O(n_draw) memory; when more than
    half of the range is wanted, the complement is drawn instead.
    """
    if 2 * n_draw > n_total:
        hidden = _distinct_uniform(rng, n_total, n_total - n_draw)
        keep = np.ones(n_total, dtype=bool)
        keep[hidden] = False
        return np.flatnonzero(keep).astype(np.int64, copy=False)
    idx = _sorted_distinct(rng.randint(0, n_total, size=n_draw, dtype=np.int64))
    while idx.size < n_draw:
        extra = _sorted_distinct(rng.randint(0, n_total, size=n_draw - idx.size, dtype=np.int64))
        pos = np.searchsorted(idx, extra)
        new = pos == idx.size
        new[~new] = idx[pos[~new]] != extra[~new]
        idx = np.insert(idx, pos[new], extra[new])
    return idx


def _unravel(flat, n_rows, n_cols):
    """Row and column of row-major linear indices, int32 when they fit (chunked)."""
    dtype = np.int32 if max(n_rows, n_cols) <= _INT32_MAX else np.int64
    rows = np.empty(flat.shape[0], dtype=dtype)
    cols = np.empty(flat.shape[0], dtype=dtype)
    for s in range(0, flat.shape[0], _CHUNK):
        r, c = np.divmod(flat[s:s + _CHUNK], n_cols)
        rows[s:s + _CHUNK] = r
        cols[s:s + _CHUNK] = c
    return rows, cols


def _entries(A, B, rows, cols):
    """``(A @ B.T)[rows, cols]`` without forming ``A @ B.T`` (chunked gathers)."""
    out = np.empty(rows.shape[0])
    step = max(1, _CHUNK // (4 * A.shape[1]))
    for s in range(0, rows.shape[0], step):
        e = slice(s, s + step)
        prod = np.take(A, rows[e], axis=0)  # np.take: 2x faster than A[rows[e]]
        prod *= np.take(B, cols[e], axis=0)
        prod.sum(axis=1, out=out[e])
    return out


def _low_rank_factors(rng, n_rows, n_cols, rank, condition_number):
    """Factors ``(A, B)`` with ``X_true = A @ B.T``: Gaussian, or of prescribed spectrum."""
    A = rng.standard_normal((n_rows, rank))
    B = rng.standard_normal((n_cols, rank))
    if condition_number is None:
        return A, B
    # Haar-distributed orthonormal U, V: QR of the Gaussian draws, with the
    # signs of R's diagonal moved into Q.
    (U, RU), (V, RV) = np.linalg.qr(A), np.linalg.qr(B)
    U *= np.where(np.diag(RU) < 0, -1.0, 1.0)
    V *= np.where(np.diag(RV) < 0, -1.0, 1.0)
    decay = float(condition_number) ** (-np.arange(rank) / max(rank - 1, 1))
    # sum s_k^2 = n_rows n_cols rank: entries of variance `rank`, as the Gaussian model.
    s = decay * np.sqrt(n_rows * n_cols * rank / np.sum(decay**2))
    root = np.sqrt(s)
    return np.ascontiguousarray(U * root), np.ascontiguousarray(V * root)


def _csr_from_sorted(values, rows, cols, shape):
    """CSR array of row-major sorted, distinct coordinates, int32 indices when they fit."""
    import scipy.sparse as sp

    nnz = values.shape[0]
    fits = max(shape[1], nnz) <= _INT32_MAX
    index_dtype = np.int32 if fits else np.int64
    indptr = np.zeros(shape[0] + 1, dtype=index_dtype)
    np.cumsum(np.bincount(rows, minlength=shape[0]), out=indptr[1:])
    indices = cols.astype(index_dtype, copy=False)
    X = sp.csr_array((values, indices, indptr), shape=shape)
    # scipy may choose its own index dtype: keep ours (kernels read int32).
    X.indices = indices
    X.indptr = indptr
    return X


@validate_params(
    {
        "n_rows": [Interval(numbers.Integral, 1, None, closed="left")],
        "n_cols": [Interval(numbers.Integral, 2, None, closed="left")],
        "rank": [Interval(numbers.Integral, 1, None, closed="left")],
        "observed_fraction": [Interval(numbers.Real, 0, 1, closed="right")],
        "noise": [Interval(numbers.Real, 0, np.inf, closed="left")],
        "pattern": [StrOptions({"uniform", "two_per_row"})],
        "sparse_output": ["boolean"],
        "n_observed": [None, Interval(numbers.Integral, 1, None, closed="left")],
        "condition_number": [None, Interval(numbers.Real, 1, np.inf, closed="left")],
        "return_factors": ["boolean"],
        "random_state": ["random_state"],
    },
    prefer_skip_nested_validation=True,
)
def make_low_rank_matrix_with_missing(
    n_rows=200,
    n_cols=200,
    *,
    rank=5,
    observed_fraction=0.3,
    noise=0.0,
    pattern="uniform",
    sparse_output=False,
    n_observed=None,
    condition_number=None,
    return_factors=False,
    random_state=None,
):
    """A low-rank matrix with most entries hidden: the matrix-completion setting.

    ``X_true = A B^T`` with i.i.d. standard normal factors (entries of
    variance ``rank``), exactly the setting of Cai, Candes & Shen's
    experiments, for which SVT's default ``tau = 5 sqrt(n1 n2)`` was tuned.
    With ``condition_number`` the spectrum is prescribed instead (below).
    Observed entries get i.i.d. ``N(0, noise^2)`` noise.

    * ``pattern="uniform"``: each entry is observed independently with
      probability ``observed_fraction`` (rows and columns without any
      observation are possible at very low fractions); with ``n_observed``,
      exactly ``n_observed`` distinct entries, a uniformly random set of
      that size.
    * ``pattern="two_per_row"``: every row reveals exactly two distinct
      entries chosen uniformly at random (one-sided completion, Cao, Liang &
      Valiant); ``observed_fraction`` is ignored.

    Large instances: with ``sparse_output=True`` and ``return_factors=True``
    nothing of size ``n_rows x n_cols`` is formed; time and memory are
    O(nnz + (n_rows + n_cols) rank) (a 100000 x 100000 matrix with 10M
    observed entries takes a few seconds).  The number of observations is
    then drawn from Binomial(n_rows n_cols, observed_fraction), the law of
    the Bernoulli mask, and that many distinct positions uniformly.  The
    dense output draws the mask cell by cell, and so does the sparse output
    up to 1e7 entries (``n_rows * n_cols``): there both hold the same
    observations for the same seed.  ``X_true`` itself is dense: with
    ``sparse_output=True`` it is formed only up to 1e8 entries, above which
    ``return_factors=True`` is required.

    Parameters
    ----------
    n_rows : int, default=200
        Number of rows ``n1``.
    n_cols : int, default=200
        Number of columns ``n2``.
    rank : int, default=5
        Rank of ``X_true`` (``<= min(n_rows, n_cols)``), ``r`` in the papers.
    observed_fraction : float in (0, 1], default=0.3
        Probability that an entry is observed, ``p`` in the papers
        (``pattern="uniform"``, ignored when ``n_observed`` is given).
    noise : float >= 0, default=0.0
        Standard deviation of the noise on the observed entries.
    pattern : {"uniform", "two_per_row"}, default="uniform"
        Which entries are observed.
    sparse_output : bool, default=False
        Return the observations as a ``scipy.sparse.csr_array`` whose stored
        entries are the observations (distinct positions, canonical format,
        int32 indices when they fit), instead of a dense array with NaN.
    n_observed : int >= 1, default=None
        Exact number of observed entries, ``m`` in the papers (e.g.
        ``5 * r * (n1 + n2 - r)``, five times the degrees of freedom
        ``d_r``); overrides ``observed_fraction``.  Only with
        ``pattern="uniform"``.
    condition_number : float >= 1, default=None
        If given, ``X_true = U diag(s) V^T`` with Haar-random orthonormal
        ``U`` (n1 x r) and ``V`` (n2 x r) (QR of Gaussian matrices) and
        singular values geometrically spaced from ``s_1`` to
        ``s_1 / condition_number``, ``s_1`` such that
        ``||X_true||_F^2 = n1 n2 r``: the overall scale of the Gaussian
        model, whatever the conditioning.
    return_factors : bool, default=False
        Return ``(X, A, B)`` with ``X_true = A @ B.T`` instead of
        ``(X, X_true)``: ``X_true`` is never formed.  Use it for large
        matrices; entries of ``X_true`` at ``(rows, cols)`` are
        ``np.einsum("ij,ij->i", A[rows], B[cols])``.  With
        ``condition_number``, ``A = U diag(sqrt(s))`` and
        ``B = V diag(sqrt(s))``.
    random_state : int, RandomState instance or None, default=None
        Seed; the same seed gives the same data.

    Returns
    -------
    X : ndarray of shape (n_rows, n_cols) or scipy.sparse.csr_array
        The observations; NaN marks a missing entry (dense output).
    X_true : ndarray of shape (n_rows, n_cols)
        The full noiseless low-rank matrix (only if ``return_factors=False``).
    A : ndarray of shape (n_rows, rank)
        Row factor, ``X_true = A @ B.T`` (only if ``return_factors=True``).
    B : ndarray of shape (n_cols, rank)
        Column factor (only if ``return_factors=True``).

    References
    ----------
    .. [1] J.-F. Cai, E. J. Candes and Z. Shen, "A singular value thresholding
       algorithm for matrix completion", SIAM J. Optim. 20(4), 2010.
    .. [2] X. Xu, Y. Shen, Y. Chi and C. Ma, "The power of preconditioning in
       overparameterized low-rank matrix sensing", ICML 2023 (ill-conditioned
       truth: ``condition_number``).
    .. [3] S. Cao, P. Liang and G. Valiant, "One-sided matrix completion from
       two observations per row", ICML 2023 (``pattern="two_per_row"``).

    Examples
    --------
    >>> import numpy as np
    >>> from lrsparse.datasets import make_low_rank_matrix_with_missing
    >>> X, X_true = make_low_rank_matrix_with_missing(100, 50, rank=3, random_state=0)
    >>> X.shape, np.linalg.matrix_rank(X_true), bool(0.25 < np.isnan(X).mean() < 0.75)
    ((100, 50), np.int64(3), True)
    >>> X, _ = make_low_rank_matrix_with_missing(100, 50, pattern="two_per_row", random_state=0)
    >>> set((~np.isnan(X)).sum(axis=1).tolist())
    {2}

    A large instance, kept sparse and in factored form, with ``m = 5 d_r``
    observations and an ill-conditioned truth:

    >>> n, r = 20_000, 5
    >>> X, A, B = make_low_rank_matrix_with_missing(
    ...     n, n, rank=r, n_observed=5 * r * (2 * n - r), condition_number=100.0,
    ...     sparse_output=True, return_factors=True, random_state=0)
    >>> X.nnz, A.shape, B.shape
    (999875, (20000, 5), (20000, 5))
    >>> s = np.linalg.svd(A, compute_uv=False) * np.linalg.svd(B, compute_uv=False)
    >>> round(float(s[0] / s[-1]), 6)
    100.0
    """
    if rank > min(n_rows, n_cols):
        raise ValueError(
            f"rank={rank} must be <= min(n_rows, n_cols) = {min(n_rows, n_cols)}."
        )
    n_total = int(n_rows) * int(n_cols)
    if n_observed is not None:
        if pattern != "uniform":
            raise ValueError(
                f"n_observed={n_observed} is only used with pattern='uniform' "
                f"(got pattern={pattern!r}, which observes two entries per row)."
            )
        if n_observed > n_total:
            raise ValueError(
                f"n_observed={n_observed} exceeds the number of entries "
                f"n_rows * n_cols = {n_total}."
            )
    if sparse_output and not return_factors and n_total > _MAX_DENSE_TRUTH:
        raise ValueError(
            f"X_true would be a dense {n_rows} x {n_cols} array ({n_total:.3g} entries > "
            f"{_MAX_DENSE_TRUTH:.0e}); pass return_factors=True to get its factors "
            "(A, B) with X_true = A @ B.T instead."
        )
    rng = check_random_state(random_state)
    A, B = _low_rank_factors(rng, n_rows, n_cols, rank, condition_number)
    X_true = None if return_factors else A @ B.T
    if pattern == "two_per_row":
        first = rng.randint(0, n_cols, size=n_rows)
        second = (first + rng.randint(1, n_cols, size=n_rows)) % n_cols  # distinct
        rows = np.repeat(np.arange(n_rows), 2)
        cols = np.stack([np.minimum(first, second), np.maximum(first, second)], axis=1).ravel()
    elif n_observed is None and (not sparse_output or n_total <= _EXACT_MASK_ENTRIES):
        rows, cols = _bernoulli_cells(rng, n_rows, n_cols, observed_fraction)
    else:
        m = n_observed if n_observed is not None else rng.binomial(n_total, observed_fraction)
        rows, cols = _unravel(_distinct_uniform(rng, n_total, int(m)), n_rows, n_cols)
    values = _entries(A, B, rows, cols) if X_true is None else X_true[rows, cols]
    step = _CHUNK
    for s in range(0, values.shape[0], step):  # in place, by chunks: O(1) extra memory
        values[s:s + step] += noise * rng.standard_normal(values[s:s + step].shape[0])
    truth = (A, B) if return_factors else (X_true,)
    if sparse_output:
        return (_csr_from_sorted(values, rows, cols, (n_rows, n_cols)), *truth)
    X = np.full((n_rows, n_cols), np.nan)
    X[rows, cols] = values
    return (X, *truth)
