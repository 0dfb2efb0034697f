"""Hyperspectral unmixing metrics: spectral angle, abundance RMSE, endmember matching."""

import numpy as np
from scipy.optimize import linear_sum_assignment
from sklearn.utils import check_array

from ..utils._sklearn import StrOptions, validate_params
from ..utils._solver import data_scale

_TINY = float(np.finfo(np.float64).tiny)

__all__ = [
    "abundance_rmse",
    "match_components",
    "rescale_abundances",
    "spectral_angle_distance",
]


def _check_spectra(E, name, *, allow_1d):
    """Validate a set of spectra (rows) and return it 2-D, float64."""
    E = check_array(
        E,
        ensure_2d=not allow_1d,
        dtype=np.float64,
        ensure_min_samples=1,
        ensure_min_features=1,
        input_name=name,
    )
    return np.atleast_2d(E)


def _unit_rows(E, name):
    """Rows scaled to unit l2 norm; a zero row is an error (its direction is undefined).

    The shared row-norm kernel (:func:`lrsparse._kernels.rows.normalize_rows`)
    neither overflows nor underflows, so spectra of any magnitude that float64
    holds at full precision (1e-300 as well as 1e300) have their direction;
    only truly zero rows are "all-zero", and subnormal rows are a ValueError.
    """
    from .._kernels.rows import normalize_rows

    U, norms = normalize_rows(np.ascontiguousarray(E))
    zero = np.flatnonzero(norms == 0)
    if zero.size:
        raise ValueError(
            f"{name} has all-zero spectra (rows {zero.tolist()}); "
            "the spectral angle of a zero vector is undefined."
        )
    for i in np.flatnonzero(np.abs(E).max(axis=1) < _TINY):
        data_scale(E[i], input_name=f"{name}[{i}]")  # raises: subnormal spectrum
    return U


def _common_scale(A, B, names=("A_true", "A_est")):
    """``A / s``, ``B / s`` and ``s``, the largest magnitude of both (1 if both are zero).

    Differences and squares of the scaled arrays neither overflow nor
    underflow, so errors computed on them and multiplied by ``s`` are
    equivariant to the scale of the data.
    """
    scale = max(data_scale(A, input_name=names[0]), data_scale(B, input_name=names[1]))
    return A / scale, B / scale, scale


def _check_same_bands(E_true, E_est):
    if E_true.shape[1] != E_est.shape[1]:
        raise ValueError(
            "E_true and E_est must have the same number of bands (columns); "
            f"got E_true with shape {E_true.shape} and E_est with shape {E_est.shape}."
        )


def _angles(U, V):
    """Angles between paired unit rows, accurate near 0 and near pi.

    ``2 * atan2(|u - v|, |u + v|)`` equals ``arccos(clip(<u, v>, -1, 1))``
    but keeps full precision for nearly parallel vectors, where ``arccos``
    loses half the digits.
    """
    return 2.0 * np.arctan2(np.linalg.norm(U - V, axis=-1), np.linalg.norm(U + V, axis=-1))


@validate_params(
    {
        "E_true": ["array-like"],
        "E_est": ["array-like"],
        "degrees": ["boolean"],
        "average": ["boolean"],
    },
    prefer_skip_nested_validation=True,
)
def spectral_angle_distance(E_true, E_est, *, degrees=False, average=True):
    """Spectral angle distance (SAD) between paired spectra.

    Row ``k`` of ``E_true`` is compared with row ``k`` of ``E_est`` (no
    matching; align the rows first with :func:`match_components`)::

        SAD_k = arccos(<a_k / ||a_k||, b_k / ||b_k||>)

    with the cosine clipped to ``[-1, 1]``.  The angle is invariant to a
    positive scaling of either spectrum.  It is computed in the equivalent,
    numerically stable form ``2 * arctan2(||a - b||, ||a + b||)`` of the unit
    vectors ``a``, ``b``, which keeps full precision for nearly parallel
    spectra (a scaled copy gives 0 up to rounding, ~1e-16 rad).

    Parameters
    ----------
    E_true : array-like of shape (n_components, n_bands) or (n_bands,)
        Reference spectra, one per row; a 1-D array is a single spectrum.
    E_est : array-like of shape (n_components, n_bands) or (n_bands,)
        Estimated spectra, in the same row order as ``E_true``.
    degrees : bool, default=False
        Return degrees instead of radians (Zhu's protocol reports radians,
        HySUPP degrees).
    average : bool, default=True
        Return the mean over the rows; otherwise the per-row angles.

    Returns
    -------
    sad : float or ndarray of shape (n_components,)
        In ``[0, pi]`` radians (or ``[0, 180]`` degrees).  Always an array of
        shape ``(n_components,)`` when ``average=False``, also for 1-D input.

    Raises
    ------
    ValueError
        If the shapes differ, a spectrum is all zeros (its angle is
        undefined) or subnormal (below about 2.2e-308, where float64 has
        lost precision).  Spectra of any other magnitude are fine.

    See Also
    --------
    match_components : Align estimated endmembers with the reference first.

    References
    ----------
    .. [1] F. Zhu, "Hyperspectral unmixing: ground truth labeling, datasets,
       benchmark performances and survey", arXiv:1708.05125 (2017).
    .. [2] F. A. Kruse et al., "The spectral image processing system (SIPS):
       interactive visualization and analysis of imaging spectrometer data",
       Remote Sensing of Environment 44 (1993).

    Examples
    --------
    >>> import numpy as np
    >>> from lrsparse.metrics import spectral_angle_distance
    >>> E = np.array([[1.0, 0.0, 0.0], [1.0, 1.0, 0.0]])
    >>> F = np.array([[0.0, 2.0, 0.0], [3.0, 3.0, 0.0]])
    >>> spectral_angle_distance(E, F, average=False, degrees=True).round(6)
    array([90.,  0.])
    >>> round(spectral_angle_distance(E, F), 6)  # mean of pi/2 and 0, radians
    0.785398
    """
    A = _check_spectra(E_true, "E_true", allow_1d=True)
    B = _check_spectra(E_est, "E_est", allow_1d=True)
    if A.shape != B.shape:
        raise ValueError(
            "E_true and E_est must have the same shape; got E_true with shape "
            f"{np.shape(E_true)} and E_est with shape {np.shape(E_est)}."
        )
    sad = _angles(_unit_rows(A, "E_true"), _unit_rows(B, "E_est"))
    if degrees:
        sad = np.degrees(sad)
    return float(sad.mean()) if average else sad


@validate_params(
    {
        "A_true": ["array-like"],
        "A_est": ["array-like"],
        "average": ["boolean"],
    },
    prefer_skip_nested_validation=True,
)
def abundance_rmse(A_true, A_est, *, average=True):
    """Root mean squared error of each abundance map.

    ``RMSE_k = sqrt(mean_n (A_true[n, k] - A_est[n, k]) ** 2)``, the per-
    component error of Zhu's benchmark protocol, averaged over the
    components when ``average=True``.  Components must already be aligned
    (see :func:`match_components`).  Zhu's protocol also rescales each
    estimated pixel to sum to one first,
    ``A_est / np.maximum(A_est.sum(axis=1, keepdims=True), 1e-20)``; this
    function does not, so that it measures what it is given.

    Parameters
    ----------
    A_true : array-like of shape (n_pixels, n_components)
        Reference abundances, one row per pixel.
    A_est : array-like of shape (n_pixels, n_components)
        Estimated abundances, columns in the same order as ``A_true``.
    average : bool, default=True
        Return the mean over the components; otherwise the per-component RMSE.

    Returns
    -------
    rmse : float or ndarray of shape (n_components,)
        Mean RMSE over the components, or the RMSE of each component when
        ``average=False``; in the units of the abundances.

    Raises
    ------
    ValueError
        If the shapes differ or the abundances are subnormal.  The RMSE is
        equivariant to the scale: ``abundance_rmse(c * A, c * B) = c *
        abundance_rmse(A, B)`` for any ``c`` that float64 carries.

    See Also
    --------
    match_components : Align estimated components with the reference first.
    rescale_abundances : Abundances in the reference's convention when its
        spectra are scaled differently from the data (e.g. Samson).

    References
    ----------
    .. [1] F. Zhu, "Hyperspectral unmixing: ground truth labeling, datasets,
       benchmark performances and survey", arXiv:1708.05125 (2017).

    Examples
    --------
    >>> import numpy as np
    >>> from lrsparse.metrics import abundance_rmse
    >>> A = np.array([[1.0, 0.0], [0.5, 0.5]])
    >>> B = np.array([[0.8, 0.2], [0.5, 0.5]])
    >>> abundance_rmse(A, B, average=False).round(6)
    array([0.141421, 0.141421])
    """
    A = check_array(A_true, dtype=np.float64, input_name="A_true")
    B = check_array(A_est, dtype=np.float64, input_name="A_est")
    if A.shape != B.shape:
        raise ValueError(
            f"A_true and A_est must have the same shape; got A_true with shape {A.shape} "
            f"and A_est with shape {B.shape}."
        )
    A, B, scale = _common_scale(A, B)
    rmse = scale * np.sqrt(np.mean((A - B) ** 2, axis=0))
    return float(rmse.mean()) if average else rmse


@validate_params(
    {
        "E_true": ["array-like"],
        "E_est": ["array-like"],
        "method": [StrOptions({"hungarian", "greedy"})],
        "metric": [StrOptions({"sad", "euclidean"})],
    },
    prefer_skip_nested_validation=True,
)
def match_components(E_true, E_est, *, method="hungarian", metric="sad"):
    """Match estimated endmembers to reference endmembers.

    Blind unmixing recovers endmembers in arbitrary order; this returns the
    permutation that aligns them, so that ``E_est[perm]`` (and the columns
    ``A_est[:, perm]`` of the abundances) line up with ``E_true`` (and
    ``A_true``).  The cost of pairing true row ``i`` with estimated row ``j``
    is their spectral angle (``metric="sad"``) or the Euclidean distance of
    the two rows scaled to unit l2 norm (``metric="euclidean"``, as in Zhu's
    evaluation code); both ignore the scale of the spectra.

    Parameters
    ----------
    E_true : array-like of shape (n_true, n_bands)
        Reference endmembers, one spectrum per row.
    E_est : array-like of shape (n_est, n_bands)
        Estimated endmembers, ``n_est >= n_true``; surplus rows stay unmatched.
    method : {"hungarian", "greedy"}, default="hungarian"
        ``"hungarian"`` minimises the total cost over all one-to-one pairings
        (:func:`scipy.optimize.linear_sum_assignment`).  ``"greedy"`` takes
        the cheapest remaining pair again and again (Zhu's protocol); it can
        end with a larger total cost.
    metric : {"sad", "euclidean"}, default="sad"
        Pairing cost.  For unit vectors the Euclidean distance is
        ``2 sin(angle / 2)``, a monotone function of the angle, so the greedy
        pairing is the same for both; the Hungarian one can differ.

    Returns
    -------
    perm : ndarray of shape (n_true,), dtype=intp
        ``perm[k]`` is the row of ``E_est`` matched to row ``k`` of ``E_true``.

    Raises
    ------
    ValueError
        If ``n_est < n_true``, the numbers of bands differ, or a spectrum is
        all zeros.

    See Also
    --------
    spectral_angle_distance : Angles of the matched pairs.
    abundance_rmse : Errors of the matched abundance maps.

    References
    ----------
    .. [1] F. Zhu, "Hyperspectral unmixing: ground truth labeling, datasets,
       benchmark performances and survey", arXiv:1708.05125 (2017).
    .. [2] H. W. Kuhn, "The Hungarian method for the assignment problem",
       Naval Research Logistics Quarterly 2 (1955).

    Examples
    --------
    >>> import numpy as np
    >>> from lrsparse.metrics import match_components, spectral_angle_distance
    >>> E_true = np.array([[1.0, 0.1, 0.1], [0.1, 1.0, 0.1], [0.1, 0.1, 1.0]])
    >>> E_est = 2.0 * E_true[[2, 0, 1]]
    >>> perm = match_components(E_true, E_est)
    >>> perm
    array([1, 2, 0])
    >>> spectral_angle_distance(E_true, E_est[perm])
    0.0
    """
    A = _check_spectra(E_true, "E_true", allow_1d=False)
    B = _check_spectra(E_est, "E_est", allow_1d=False)
    _check_same_bands(A, B)
    n_true, n_est = A.shape[0], B.shape[0]
    if n_est < n_true:
        raise ValueError(
            f"E_est must have at least as many rows as E_true; got n_est={n_est} "
            f"and n_true={n_true}."
        )
    U = _unit_rows(A, "E_true")[:, None, :]
    V = _unit_rows(B, "E_est")[None, :, :]
    if metric == "sad":
        cost = _angles(U, V)
    else:
        cost = np.linalg.norm(U - V, axis=-1)

    if method == "hungarian":
        rows, cols = linear_sum_assignment(cost)
        perm = np.empty(n_true, dtype=np.intp)
        perm[rows] = cols
        return perm

    perm = np.empty(n_true, dtype=np.intp)
    cost = cost.copy()
    for _ in range(n_true):
        i, j = np.unravel_index(np.argmin(cost), cost.shape)  # first minimum on ties
        perm[i] = j
        cost[i, :] = np.inf
        cost[:, j] = np.inf
    return perm


@validate_params(
    {
        "A_est": ["array-like"],
        "E_est": ["array-like"],
        "E_ref": ["array-like"],
        "return_scales": ["boolean"],
    },
    prefer_skip_nested_validation=True,
)
def rescale_abundances(A_est, E_est, E_ref, *, return_scales=False):
    """Express abundances of estimated endmembers in a reference's spectral scale.

    Abundances are fractions *of a given set of spectra*: ``x = sum_k a_k
    e_k``.  When the reference endmembers ``r_k`` are scaled differently from
    the estimated ones ``e_k ~ t_k r_k`` (each reference spectrum
    max-normalised, say, while the image is scaled globally), the same pixel
    has the coefficients ``a_k t_k`` on the reference spectra, and a
    reference built as the row-normalised nonnegative least squares of the
    pixels on ``r_k`` (Zhu's ground truth) is, per pixel,
    ``a_k t_k / sum_j a_j t_j``.  This function returns exactly that::

        t_k = <e_k, r_k> / <r_k, r_k>       (least-squares scale of r_k to e_k)
        B[n, k] = A_est[n, k] t_k / sum_j A_est[n, j] t_j

    so that :func:`abundance_rmse` compares like with like.  Report both
    numbers: ``abundance_rmse(A_ref, A_est)`` (the abundances of the
    estimated endmembers, which is what an estimator returns) and
    ``abundance_rmse(A_ref, rescale_abundances(A_est, E_est, E_ref))`` (the
    reference's convention).  With abundances fitted *without* a sum-to-one
    constraint (e.g. ``sum_to_one=False``, or nonnegative least squares on
    ``components_``) the result is the reference's own recipe applied to the
    estimated endmembers: per-pixel brightness (illumination) is then
    absorbed by the row normalisation, as in the reference, instead of by
    the mixture.

    Parameters
    ----------
    A_est : array-like of shape (n_pixels, n_components)
        Nonnegative abundances of the estimated endmembers, columns aligned
        with the rows of ``E_ref`` (see :func:`match_components`).
    E_est : array-like of shape (n_components, n_bands)
        Estimated endmembers, rows aligned with ``E_ref``.
    E_ref : array-like of shape (n_components, n_bands)
        Reference endmembers, in the scale the reference abundances refer to.
    return_scales : bool, default=False
        Also return the relative scales ``t``.

    Returns
    -------
    A_rescaled : ndarray of shape (n_pixels, n_components)
        Rows sum to one (an all-zero row stays zero).
    scales : ndarray of shape (n_components,)
        ``t_k``, the scale of ``E_est[k]`` relative to ``E_ref[k]``; only when
        ``return_scales=True``.  Multiplying all three inputs by factors
        leaves ``A_rescaled`` unchanged; ``scales`` moves with the ratio of
        the factors of ``E_est`` and ``E_ref``.

    Raises
    ------
    ValueError
        If the shapes do not match, ``A_est`` has negative entries, a
        spectrum is all zeros or subnormal, or an estimated endmember has a
        nonpositive projection on its reference (``<e_k, r_k> <= 0``, an
        angle of 90 degrees or more: no positive scale relates them).

    See Also
    --------
    abundance_rmse : Error of the (rescaled) abundance maps.
    match_components : Align estimated endmembers with the reference first.

    Notes
    -----
    On Samson (the common ``samson.mat``) the reference spectra are each
    scaled to a maximum of 1 and the reference abundances are the
    row-normalised nonnegative least-squares coefficients of the pixels on
    them, so each pixel's brightness is divided out (fitting ``Y ~ A_ref
    diag(s) R`` gives ``s ~ (0.45, 0.52, 0.03)`` for soil, tree and water: the
    water pixels are dark).  Endmembers estimated from the image carry its
    scale (``t ~ (0.59, 0.78, 0.06)`` relative to the reference for the
    three unmixing estimators), so sum-to-one abundances of them count a dark
    material many times over: abundance RMSE 0.25 against 0.12-0.13 after
    this rescaling, and 0.08-0.10 for nonnegative least squares on the
    estimated endmembers rescaled (the reference's recipe), for spectral
    angles of 0.07-0.09 rad.

    References
    ----------
    .. [1] F. Zhu, "Hyperspectral unmixing: ground truth labeling, datasets,
       benchmark performances and survey", arXiv:1708.05125 (2017).

    Examples
    --------
    >>> import numpy as np
    >>> from lrsparse.metrics import rescale_abundances
    >>> E_ref = np.array([[1.0, 0.5, 0.0], [0.0, 0.5, 1.0]])  # max-normalised
    >>> E_est = np.array([[0.5, 0.25, 0.0], [0.0, 0.1, 0.2]])  # the image's scale
    >>> A_est = np.array([[0.5, 0.5], [1.0, 0.0]])  # fractions of E_est
    >>> B, t = rescale_abundances(A_est, E_est, E_ref, return_scales=True)
    >>> t
    array([0.5, 0.2])
    >>> B.round(4)  # the same pixels as fractions of E_ref, rows summing to one
    array([[0.7143, 0.2857],
           [1.    , 0.    ]])
    """
    A = check_array(A_est, dtype=np.float64, input_name="A_est")
    E = _check_spectra(E_est, "E_est", allow_1d=False)
    R = _check_spectra(E_ref, "E_ref", allow_1d=False)
    if E.shape != R.shape:
        raise ValueError(
            "E_est and E_ref must have the same shape (n_components, n_bands); got "
            f"E_est with shape {E.shape} and E_ref with shape {R.shape}."
        )
    if A.shape[1] != R.shape[0]:
        raise ValueError(
            f"A_est must have one column per endmember (n_components = {R.shape[0]}); "
            f"got A_est with shape {A.shape}."
        )
    if np.any(A < 0):
        raise ValueError("A_est must be nonnegative (abundances); it has negative entries.")
    # Unit-scale rows: the products neither overflow nor underflow; a common
    # factor of all t_k (the units of E_est over those of E_ref) cancels in
    # the row normalisation, and is put back only for the returned scales.
    U, V = _unit_rows(E, "E_est"), _unit_rows(R, "E_ref")
    cos = np.einsum("kl,kl->k", U, V)
    bad = np.flatnonzero(cos <= 0)
    if bad.size:
        raise ValueError(
            f"E_est rows {bad.tolist()} make an angle of 90 degrees or more with their "
            "E_ref rows: no positive scale relates them (are the rows aligned? see "
            "match_components)."
        )
    from .._kernels.rows import normalize_rows

    norm_e = normalize_rows(np.ascontiguousarray(E))[1]
    norm_r = normalize_rows(np.ascontiguousarray(R))[1]
    # t_k = |e_k| cos_k / |r_k|, with the common factor max(|e|) / max(|r|) out.
    rel = (norm_e / norm_e.max()) * cos / (norm_r / norm_r.max())
    B = A / (data_scale(A, input_name="A_est") if np.any(A) else 1.0) * rel
    s = B.sum(axis=1, keepdims=True)
    B = np.divide(B, s, out=np.zeros_like(B), where=s > 0)
    if not return_scales:
        return B
    return B, rel * (norm_e.max() / norm_r.max())


def abundance_scorer(estimator, X, y):
    """Scorer for unmixing estimators: minus the abundance RMSE after matching.

    A callable with scikit-learn's scorer signature, for
    ``GridSearchCV(..., scoring=abundance_scorer)`` when the true abundances
    are known (synthetic scenes, labelled benchmarks).  The columns of
    ``estimator.transform(X)`` (abundance maps) are paired with those of
    ``y`` by the Hungarian algorithm on their RMSE, then
    :func:`abundance_rmse` is taken.
    Greater is better.

    Parameters
    ----------
    estimator : fitted unmixing estimator
        Anything with ``transform(X) -> (n_pixels, n_components)``.
    X : array-like of shape (n_pixels, n_bands)
        Pixels to unmix.
    y : array-like of shape (n_pixels, n_endmembers)
        True abundances, ``n_endmembers <= n_components``.

    Returns
    -------
    score : float
        ``-abundance_rmse(y, matched estimated abundances)``.

    Examples
    --------
    >>> from sklearn.model_selection import GridSearchCV
    >>> from lrsparse.datasets import make_hyperspectral
    >>> from lrsparse.decomposition import CorrentropyNMF
    >>> from lrsparse.metrics import abundance_scorer
    >>> X, E, A = make_hyperspectral((12, 12), 3, 30, random_state=0)
    >>> search = GridSearchCV(CorrentropyNMF(3, random_state=0), {"alpha": [0.0, 0.1]},
    ...                       scoring=abundance_scorer, cv=2).fit(X, A)
    >>> sorted(search.best_params_)
    ['alpha']
    """
    A_est = np.asarray(estimator.transform(X), dtype=np.float64)
    A_true = check_array(y, dtype=np.float64, input_name="y")
    if A_true.shape[0] != A_est.shape[0] or A_true.shape[1] > A_est.shape[1]:
        raise ValueError(
            f"y must have one row per pixel and at most n_components columns; got y of "
            f"shape {A_true.shape} for estimated abundances of shape {A_est.shape}."
        )
    A_true, A_est, scale = _common_scale(A_true, A_est, ("y", "transform(X)"))
    cost = np.sqrt(np.mean((A_true[:, :, None] - A_est[:, None, :]) ** 2, axis=0))
    rows, cols = linear_sum_assignment(cost)
    return -scale * float(cost[rows, cols].mean())
