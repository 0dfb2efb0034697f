"""Spatial affinity graphs of hyperspectral images (the W of graph-regularised NMF)."""

import numbers

import numpy as np
import scipy.sparse as sp
from sklearn.utils import check_array

from ..utils._sklearn import Interval, StrOptions, validate_params
from ..utils._solver import data_scale, warn_not_converged

__all__ = ["spatial_affinity_graph"]


def _check_image_shape(image_shape, n_pixels):
    """Return ``(n_rows, n_cols)`` as Python ints, or raise naming image_shape."""
    try:
        shape = tuple(image_shape)
    except TypeError:
        shape = None
    if (
        shape is None
        or len(shape) != 2
        or not all(
            isinstance(s, numbers.Integral) and not isinstance(s, (bool, np.bool_)) and s >= 1
            for s in shape
        )
    ):
        raise ValueError(
            "image_shape must be a pair of positive ints (n_rows, n_cols); "
            f"got {image_shape!r}."
        )
    n_rows, n_cols = int(shape[0]), int(shape[1])
    if n_rows * n_cols != n_pixels:
        raise ValueError(
            f"image_shape={(n_rows, n_cols)} holds n_rows * n_cols = {n_rows * n_cols} "
            f"pixels, but X has n_pixels = {n_pixels} rows."
        )
    return n_rows, n_cols


def _check_labels(labels, n_pixels):
    """Return ``labels`` as a 1-D int64 array of length ``n_pixels``."""
    labels = np.asarray(labels)
    if labels.ndim != 1 or labels.shape[0] != n_pixels:
        raise ValueError(
            f"labels must hold one label per pixel, i.e. have shape ({n_pixels},); "
            f"got shape {labels.shape}."
        )
    if labels.dtype.kind not in "biuf" or (
        labels.dtype.kind == "f"
        and not np.all(np.isfinite(labels) & (labels == np.round(labels)))
    ):
        raise ValueError(f"labels must contain integer labels; got dtype {labels.dtype}.")
    return labels.astype(np.int64)


def _center_normalize(X):
    """Rows centred to zero mean and scaled to unit l2 norm (constant rows -> 0).

    A constant spectrum has no defined correlation: its row stays 0, so all
    its correlations are 0 (no edge).  The norms are the shared row-norm
    kernel's (:func:`lrsparse._kernels.rows.normalize_rows`).
    """
    from .._kernels.rows import normalize_rows

    Z = X - X.mean(axis=1, keepdims=True)
    # The mean of equal values can differ from them by rounding: exactly
    # constant rows are set to 0 so that rounding noise is not normalised up.
    Z[X.max(axis=1) == X.min(axis=1)] = 0.0
    return normalize_rows(Z)[0]


def _half_offsets(window):
    """Offsets (dr, dc) with Chebyshev norm in 1..window, one of each +-pair."""
    return [
        (dr, dc)
        for dr in range(0, window + 1)
        for dc in range(-window, window + 1)
        if (dr > 0 or dc > 0)
    ]


def _offset_pairs(n_rows, n_cols, dr, dc):
    """Row-major slices of the pixels i and their neighbours j = i + (dr, dc).

    ``dr >= 0``.  Returns the row/column slices of ``i`` and ``j`` and the flat
    indices of ``i`` (``j = i + dr * n_cols + dc``), or None if no pair fits.
    """
    r_stop = n_rows - dr
    c_start, c_stop = max(0, -dc), min(n_cols, n_cols - dc)
    if r_stop <= 0 or c_stop <= c_start:
        return None
    rows_i = slice(0, r_stop)
    cols_i = slice(c_start, c_stop)
    rows_j = slice(dr, dr + r_stop)
    cols_j = slice(c_start + dc, c_stop + dc)
    i = np.add.outer(np.arange(r_stop, dtype=np.int64) * n_cols, np.arange(c_start, c_stop))
    return rows_i, cols_i, rows_j, cols_j, i.ravel()


def _keep_top_fraction(indptr, data, top_fraction):
    """Mask of the entries of a canonical CSR matrix kept by ``top_fraction``.

    Each row keeps its ``ceil(top_fraction * degree)`` largest entries (at
    least one when it has any).  The entries must be in canonical CSR order
    (rows, then sorted column indices): both sorts below are stable, so ties
    go to the smaller column index and the result is deterministic.
    """
    degree = np.diff(indptr)
    rows = np.repeat(np.arange(degree.size), degree)
    order = np.argsort(-data, kind="stable")
    order = order[np.argsort(rows[order], kind="stable")]  # by row, -weight, column
    rank = np.arange(data.size) - indptr[rows]
    # ceil with a small tolerance so that e.g. 0.55 * 100 = 55.00000000000001
    # keeps 55 edges, not 56; at least one edge is kept when there is one.
    n_keep = np.ceil(top_fraction * degree - 1e-9).astype(np.int64)
    n_keep = np.clip(n_keep, np.minimum(degree, 1), degree)
    keep = np.empty(data.size, dtype=bool)
    keep[order] = rank < n_keep[rows]
    return keep


@validate_params(
    {
        "X": ["array-like"],
        "image_shape": ["array-like"],
        "window": [Interval(numbers.Integral, 1, None, closed="left")],
        "weight": [StrOptions({"heat", "correlation", "binary"})],
        "sigma": [Interval(numbers.Real, 0, None, closed="neither"), None],
        "labels": ["array-like", None],
        "n_clusters": [Interval(numbers.Integral, 1, None, closed="left"), None],
        "top_fraction": [Interval(numbers.Real, 0, 1, closed="right"), None],
        "min_weight": [Interval(numbers.Real, 0, None, closed="left"), None],
        "random_state": ["random_state"],
    },
    prefer_skip_nested_validation=True,
)
def spatial_affinity_graph(
    X,
    image_shape,
    *,
    window=1,
    weight="heat",
    sigma=None,
    labels=None,
    n_clusters=None,
    top_fraction=None,
    min_weight=None,
    random_state=None,
):
    """Spatial-window affinity graph of a hyperspectral image.

    Builds the symmetric affinity matrix ``W`` used by graph-regularised NMF
    (GNMF, and SS-NMF, whose regulariser is ``Tr(A^T L A)`` with the graph
    Laplacian ``L = D - W``, ``D = diag(W 1)``).  Two pixels are candidate
    neighbours when they lie within ``window`` of each other on the image grid
    (Chebyshev distance 1 to ``window``, i.e. inside the ``(2 * window + 1)^2``
    square around a pixel, the pixel itself excluded).  Candidate edges are
    then filtered and weighted in this order:

    1. labels: only pixels with the same label (from ``labels``, or from
       k-means when ``n_clusters`` is given) are joined;
    2. weights: ``weight`` sets each remaining edge's weight; edges of weight
       0 (negative correlations, or an underflowing heat kernel) are dropped;
    3. ``min_weight``: edges lighter than it are dropped;
    4. ``top_fraction``: each pixel keeps only its ``ceil(top_fraction *
       degree)`` heaviest remaining edges (at least one);
    5. symmetrisation: ``W = maximum(W, W^T)``, so an edge kept by either of
       its pixels is kept, with its (symmetric) weight.

    Only step 4 makes the graph directed before step 5.  The cost is
    O(n_pixels * window^2 * n_bands) time and O(n_pixels * window^2) memory,
    never O(n_pixels^2).

    Parameters
    ----------
    X : array-like of shape (n_pixels, n_bands)
        Spectra of the pixels, in row-major (C) order over ``image_shape``:
        pixel ``r * n_cols + c`` is at row ``r`` and column ``c``.  Not modified.
        Except for the heat kernel with an explicit ``sigma``, the graph does
        not depend on the scale of ``X`` (any factor whose product is a normal
        float64; subnormal data is a ``ValueError``).
    image_shape : tuple of two ints (n_rows, n_cols)
        Spatial shape of the image; ``n_rows * n_cols`` must equal ``n_pixels``.
        A line (``(1, n)``) or column (``(n, 1)``) image is allowed.
    window : int >= 1, default=1
        Half-width of the square spatial window: ``window=1`` joins each pixel
        to its 8 neighbours, ``window=5`` (Zhu et al.'s setting) to the other
        120 pixels of its 11 x 11 window.  Windows are clipped at the border.
    weight : {"heat", "correlation", "binary"}, default="heat"
        Edge weight of pixels ``i`` and ``j``:

        - ``"heat"``: ``exp(-||x_i - x_j||^2 / sigma)``;
        - ``"correlation"``: Pearson correlation of the two spectra (each
          centred to zero mean and scaled to unit norm, then the dot
          product); negative correlations give no edge, and a constant
          spectrum (no defined correlation) has no edges;
        - ``"binary"``: 1.
    sigma : float > 0, default=None
        Width of the heat kernel (not squared and without a factor 2, as in
        Zhu et al.'s code), in the units of ``X`` squared: for data
        multiplied by ``c``, multiply ``sigma`` by ``c**2`` to get the same
        graph.  ``None`` uses the mean of ``||x_i - x_j||^2`` over all
        candidate (spatial-window) edges, before any filtering, so that the
        weights do not depend on the scale of ``X`` (all weights 1 if all
        those distances are 0).  Ignored unless ``weight="heat"``.
    labels : array-like of shape (n_pixels,), default=None
        Integer label of each pixel (e.g. a clustering or a superpixel map);
        only pixels with equal labels are joined.  Not together with
        ``n_clusters``.
    n_clusters : int >= 1, default=None
        If given, the labels come from :class:`sklearn.cluster.KMeans` with
        ``n_clusters`` clusters (``n_init=3``) run on the spectra after
        centring each to zero mean and scaling it to unit l2 norm: the
        squared Euclidean distance between such spectra is ``2 * (1 -
        correlation)``, so this is k-means under the correlation distance
        (Zhu et al.'s "type 7" graph uses 8 clusters).  Not together with
        ``labels``; at most ``n_pixels``.
    top_fraction : float in (0, 1], default=None
        If given, each pixel keeps only its ``ceil(top_fraction * degree)``
        heaviest edges (at least one), ``degree`` counting its edges left
        after the ``labels`` and ``min_weight`` filters; ties go to the
        neighbour with the smaller pixel index.  The ceiling forgives
        floating-point error, so ``0.55 * 100`` keeps 55 edges, not 56.  Zhu
        et al. use 0.3.  ``None`` keeps all.
    min_weight : float >= 0, default=None
        If given, edges with weight below ``min_weight`` are dropped.  Zhu et
        al. use 0.5 with correlation weights.
    random_state : int, RandomState instance or None, default=None
        Seed of the k-means clustering; used only with ``n_clusters``.

    Returns
    -------
    W : scipy.sparse.csr_array of shape (n_pixels, n_pixels)
        Symmetric nonnegative affinity matrix (float64, int32 indices, sorted
        indices, zero diagonal, no explicitly stored zeros).

    Notes
    -----
    Differences from Zhu et al.'s MATLAB code for SS-NMF
    (``get_GraphWeightMatrix.m``):

    - Border pixels get edges: their window is clipped to the image.  Zhu's
      code gives no edges to pixels closer than ``window`` to the border.
    - Each edge is stored once per direction with its weight.  Zhu's code
      visits every pair from both centres and sums the duplicates, which
      doubles the weights (a factor that the graph strength absorbs).
    - Pixels are in row-major (C) order; Zhu's code uses MATLAB's
      column-major order.  The graph is the same up to that relabelling.
    - ``sigma=None`` picks a data-driven heat-kernel width; Zhu's code uses a
      fixed one (0.01 for G-NMF on reflectance data).
    - ``n_clusters`` runs Euclidean k-means on centred, unit-norm spectra;
      MATLAB's ``kmeans(..., 'Distance', 'correlation')`` also renormalises
      the centroids, so the clusterings can differ slightly.

    Zhu et al.'s SS-NMF graph corresponds to ``window=5,
    weight="correlation", n_clusters=8, top_fraction=0.3, min_weight=0.5``.

    References
    ----------
    .. [1] F. Zhu, Y. Wang, S. Xiang, B. Fan and C. Pan, "Structured Sparse
       Method for Hyperspectral Unmixing", ISPRS Journal of Photogrammetry
       and Remote Sensing, 88, 2014.  arXiv:1403.4682.
    .. [2] D. Cai, X. He, J. Han and T. S. Huang, "Graph Regularized
       Nonnegative Matrix Factorization for Data Representation", IEEE
       Transactions on Pattern Analysis and Machine Intelligence, 33(8), 2011.

    Examples
    --------
    >>> import numpy as np
    >>> from lrsparse.decomposition import spatial_affinity_graph
    >>> X = np.arange(24.0).reshape(12, 2) ** 0.5  # a 3 x 4 image, 2 bands
    >>> W = spatial_affinity_graph(X, (3, 4), weight="binary")
    >>> W.shape, (W != W.T).nnz, W.diagonal().max()
    ((12, 12), 0, np.float64(0.0))
    >>> W.sum(axis=1).astype(int).reshape(3, 4)  # 8 neighbours inside, fewer at the border
    array([[3, 5, 5, 3],
           [5, 8, 8, 5],
           [3, 5, 5, 3]])
    >>> labels = [0, 0, 1, 1] * 3  # left and right halves
    >>> W = spatial_affinity_graph(X, (3, 4), labels=labels)
    >>> bool(W[1, 2] == 0), bool(0 < W[1, 5] < 1)
    (True, True)
    """
    if np.ndim(X) != 2:
        raise ValueError(
            "X must be a 2-D array of shape (n_pixels, n_bands); "
            f"got a {np.ndim(X)}-D array."
        )
    X = check_array(X, dtype=np.float64, ensure_all_finite=True, input_name="X")
    # Spectra in units of their largest magnitude: correlations, k-means
    # features and the data-driven heat kernel do not depend on the units, and
    # squared distances neither overflow nor underflow (X * 1e-300 gives the
    # graph of X).  An explicit sigma is in the units of X squared, so the heat
    # kernel then works on X itself.
    explicit_sigma = weight == "heat" and sigma is not None
    if not explicit_sigma and (weight != "binary" or n_clusters is not None):
        X = X / data_scale(X, input_name="X")
    n_pixels = X.shape[0]
    n_rows, n_cols = _check_image_shape(image_shape, n_pixels)
    if labels is not None and n_clusters is not None:
        raise ValueError(
            "Give at most one of labels and n_clusters; got both "
            f"(n_clusters={n_clusters})."
        )
    if labels is not None:
        labels = _check_labels(labels, n_pixels)
    elif n_clusters is not None:
        if n_clusters > n_pixels:
            raise ValueError(
                f"n_clusters={n_clusters} must not exceed n_pixels={n_pixels}."
            )
        from sklearn.cluster import KMeans

        km = KMeans(n_clusters=n_clusters, n_init=3, random_state=random_state)
        labels = km.fit(_center_normalize(X)).labels_.astype(np.int64)

    img = X.reshape(n_rows, n_cols, -1)
    if weight == "correlation":
        img = _center_normalize(X).reshape(n_rows, n_cols, -1)
    lab_img = None if labels is None else labels.reshape(n_rows, n_cols)

    # One batch per window offset: the unordered pairs (i, j = i + offset).
    # Each unordered pair arises from exactly one offset of the half window,
    # so no pair is listed twice and nothing can be double-counted.
    edges_i, edges_j, values = [], [], []
    for dr, dc in _half_offsets(window):
        pairs = _offset_pairs(n_rows, n_cols, dr, dc)
        if pairs is None:
            continue
        ri, ci, rj, cj, i = pairs
        a, b = img[ri, ci], img[rj, cj]
        if weight == "heat":
            d = a - b
            v = np.einsum("rck,rck->rc", d, d).ravel()
        elif weight == "correlation":
            v = np.einsum("rck,rck->rc", a, b).ravel()
        else:
            v = np.ones(i.size)
        if lab_img is not None:
            same = (lab_img[ri, ci] == lab_img[rj, cj]).ravel()
        else:
            same = np.ones(i.size, dtype=bool)
        edges_i.append(i)
        edges_j.append(i + (dr * n_cols + dc))
        values.append((v, same))

    if not edges_i:
        return _empty_graph(n_pixels)
    i = np.concatenate(edges_i)
    j = np.concatenate(edges_j)
    v = np.concatenate([val for val, _ in values])
    keep = np.concatenate([same for _, same in values])

    if weight == "heat":
        if sigma is None:
            sigma = float(v.mean())  # over all candidate edges, before filtering
            if not sigma > 0:
                sigma = 1.0
        v = np.exp(-v / sigma)
    keep &= v > 0
    if min_weight is not None:
        keep &= v >= min_weight
    i, j, v = i[keep], j[keep], v[keep]

    # Directed edges, both ways; every (row, column) pair occurs once.
    rows = np.concatenate([i, j])
    cols = np.concatenate([j, i])
    v = np.concatenate([v, v])
    W = sp.coo_array((v, (rows, cols)), shape=(n_pixels, n_pixels)).tocsr()
    W.sort_indices()
    if top_fraction is not None and top_fraction < 1:
        # Filtering a canonical CSR in its own order keeps it canonical.
        keep = _keep_top_fraction(W.indptr, W.data, top_fraction)
        indptr = np.concatenate([[0], np.cumsum(keep)])[W.indptr]
        W = sp.csr_array((W.data[keep], W.indices[keep], indptr), shape=(n_pixels, n_pixels))
    W = W.maximum(W.T).tocsr()
    W.eliminate_zeros()
    W.sort_indices()
    return sp.csr_array(
        (W.data, W.indices.astype(np.int32), W.indptr.astype(np.int32)),
        shape=(n_pixels, n_pixels),
    )


def _empty_graph(n_pixels):
    return sp.csr_array(
        (
            np.zeros(0, dtype=np.float64),
            np.zeros(0, dtype=np.int32),
            np.zeros(n_pixels + 1, dtype=np.int32),
        ),
        shape=(n_pixels, n_pixels),
    )


def _graph_smooth(X, graph, strength, *, tol=1e-8, max_iter=500):
    """Graph-denoised data: ``Z = (I + strength * L)^-1 X`` with ``L = D - G``.

    ``Z`` minimises ``1/2 ||X - Z||_F^2 + strength/2 Tr(Z^T L Z)``: each pixel's
    spectrum is pulled towards those of its graph neighbours.  Used for the
    endmembers of graph-regularised unmixing, a penalty on the
    reconstruction ``Z = A M`` instead of on the abundances ``A``:
    ``Tr(M^T A^T L A M)`` does not change when the abundances contract
    towards their mean while the endmembers spread (``A T``, ``T^-1 M``),
    whereas ``Tr(A^T L A)`` does, and so rewards endmembers outside the
    data (see the user guide).  ``strength`` is dimensionless: both terms
    are in the units of ``X`` squared, so ``Z`` scales with ``X``.

    Solved by conjugate gradients with a Jacobi preconditioner, all columns
    at once (each its own step sizes); the iterations grow with the square
    root of ``1 + 2 strength max(degree)``.

    Parameters
    ----------
    X : ndarray of shape (n_pixels, n_bands)
        Data, float64 or float32 (computed in float64).  Not modified.
    graph : sparse matrix of shape (n_pixels, n_pixels)
        Symmetric nonnegative affinity ``G`` (e.g. from
        :func:`spatial_affinity_graph`).
    strength : float >= 0
        ``lambda``; 0 returns a copy of ``X``.
    tol : float, default=1e-8
        Stop when every column's preconditioned residual is below ``tol``
        times that of ``X``.
    max_iter : int, default=500
        Conjugate-gradient iterations at most (a ``ConvergenceWarning`` if
        reached).

    Returns
    -------
    Z : ndarray of shape (n_pixels, n_bands), float64
    n_iter : int
    """
    X = np.asarray(X, dtype=np.float64)
    if strength == 0 or X.size == 0:
        return X.copy(), 0
    G = sp.csr_array(graph, dtype=np.float64)
    degree = np.asarray(G.sum(axis=1)).ravel()
    scale = data_scale(X, input_name="X") if np.any(X) else 1.0
    B = X / scale
    inv_diag = (1.0 / (1.0 + strength * degree))[:, None]

    from .._kernels.sampled import csr_dense_matmul

    G.sort_indices()
    # scipy's index dtype where it fits (FastRP passes scipy's own): one compiled signature
    idx = np.int32 if G.nnz <= np.iinfo(np.int32).max else np.int64
    indptr, indices = G.indptr.astype(idx), G.indices.astype(idx)

    def apply(Y):
        # The shared CSR x dense kernel (numba threads): scipy's is serial.
        out = csr_dense_matmul(indptr, indices, G.data, Y)
        out *= -strength
        out += (1.0 + strength * degree)[:, None] * Y
        return out

    Z = B * inv_diag  # one Jacobi step from 0
    R = B - apply(Z)
    P = R * inv_diag
    S = np.empty_like(P)
    rz = np.einsum("ij,ij->j", R, P)
    # Residual of every column relative to its own right-hand side (zero columns are done).
    ref = np.einsum("ij,ij->j", B, B * inv_diag)
    target = (tol * tol) * ref
    change = np.inf
    for n_iter in range(1, max_iter + 1):
        done = rz <= target
        if np.all(done):
            break
        AP = apply(P)
        pap = np.einsum("ij,ij->j", P, AP)
        step = np.divide(rz, pap, out=np.zeros_like(rz), where=(pap > 0) & ~done)
        Z += P * step
        AP *= step
        R -= AP
        np.multiply(R, inv_diag, out=S)
        rz_new = np.einsum("ij,ij->j", R, S)
        beta = np.divide(rz_new, rz, out=np.zeros_like(rz), where=rz > 0)
        P *= beta
        P += S
        rz = rz_new
        change = float(np.sqrt(np.max(np.divide(rz, ref, out=np.zeros_like(rz), where=ref > 0))))
    else:
        warn_not_converged("_graph_smooth", max_iter, change, tol,
                           what="relative preconditioned residual")
        n_iter = max_iter
    return Z * scale, n_iter
