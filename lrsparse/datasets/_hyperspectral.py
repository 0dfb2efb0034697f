"""Hyperspectral images with known endmembers and abundances: a generator and a .mat loader.

Conventions (as :class:`sklearn.decomposition.NMF`, ``X ~ W H``): ``X`` is
(n_pixels, n_bands), the endmembers are (n_endmembers, n_bands) (rows are
spectra) and the abundances (n_pixels, n_endmembers).  Pixels are in
row-major (C) order over ``image_shape = (n_rows, n_cols)``: pixel
``r * n_cols + c`` is at row ``r``, column ``c``.
"""

import numbers
import os

import numpy as np
from scipy.io import loadmat
from scipy.ndimage import gaussian_filter
from sklearn.utils import Bunch, check_random_state

from ..utils._sklearn import Interval, validate_params

__all__ = ["load_hyperspectral_mat", "make_hyperspectral"]

# Softmax sharpness of the abundance fields: with unit-variance fields about
# half of the pixels get an abundance > 0.9 for 3-6 endmembers.
_SHARPNESS = 4.0
# Smoothing width of the abundance fields, as a fraction of the shorter image side.
_FIELD_WIDTH = 0.1
# Endmembers are redrawn until every pairwise spectral angle exceeds this (radians).
_MIN_ANGLE = 0.2
_MAX_DRAWS = 50
# snr_db of the generators: inf (noiseless) and None are allowed; below
# -100 dB the noise swamps float64.
_SNR_PARAM = [Interval(numbers.Real, -100, None, closed="both"), None]


def _check_image_shape(image_shape):
    """``image_shape`` as a pair of positive Python ints, or a ValueError naming it."""
    shape = tuple(image_shape) if isinstance(image_shape, (tuple, list, np.ndarray)) else None
    if (
        shape is None
        or len(shape) != 2
        or not all(isinstance(s, numbers.Integral) and not isinstance(s, bool) for s in shape)
        or not all(s >= 1 for s in shape)
    ):
        raise ValueError(
            "image_shape must be a pair of positive integers (n_rows, n_cols); "
            f"got {image_shape!r}."
        )
    return int(shape[0]), int(shape[1])


def _pairwise_min_angle(E):
    if E.shape[0] < 2:
        return np.inf
    U = E / np.linalg.norm(E, axis=1, keepdims=True)
    cos = np.clip(U @ U.T, -1.0, 1.0)
    iu = np.triu_indices(E.shape[0], 1)
    return float(np.arccos(cos[iu]).min())


def _draw_endmembers(rng, n_endmembers, n_bands):
    """Smooth positive spectra: baseline + Gaussian bumps, max-normalised to 1.

    Endmember ``k`` has its main bump in the ``k``-th of ``n_endmembers``
    equal segments of the band axis, plus two weaker bumps anywhere, so the
    spectra differ clearly.
    """
    x = np.arange(n_bands, dtype=np.float64)
    seg = n_bands / n_endmembers
    E = np.empty((n_endmembers, n_bands))
    for k in range(n_endmembers):
        centres = np.concatenate([[(k + rng.uniform(0.2, 0.8)) * seg], rng.uniform(0, n_bands, 2)])
        widths = rng.uniform(0.03, 0.12, 3) * n_bands + 0.5
        heights = np.concatenate([[1.0], rng.uniform(0.2, 0.6, 2)])
        e = rng.uniform(0.05, 0.2) + rng.uniform(-0.05, 0.05) * x / max(n_bands - 1, 1)
        for c, w, h in zip(centres, widths, heights):
            e = e + h * np.exp(-0.5 * ((x - c) / w) ** 2)
        E[k] = e / e.max()
    return E


def _draw_abundances(rng, image_shape, n_endmembers):
    """Softmax of smooth Gaussian random fields, pixels in row-major order."""
    if n_endmembers == 1:
        return np.ones((image_shape[0] * image_shape[1], 1))
    sigma = max(1.0, _FIELD_WIDTH * min(image_shape))
    # Pointwise standard deviation of smoothed unit white noise (away from the
    # border): the l2 norm of the smoothing kernel.
    half = int(4 * sigma + 1)
    impulse = np.zeros((2 * half + 1, 2 * half + 1))
    impulse[half, half] = 1.0
    scale = np.linalg.norm(gaussian_filter(impulse, sigma, mode="constant"))
    Z = np.empty(image_shape + (n_endmembers,))
    for k in range(n_endmembers):
        Z[..., k] = gaussian_filter(rng.standard_normal(image_shape), sigma, mode="reflect")
    Z *= _SHARPNESS / scale
    Z -= Z.max(axis=-1, keepdims=True)
    A = np.exp(Z)
    A /= A.sum(axis=-1, keepdims=True)
    return A.reshape(-1, n_endmembers)


@validate_params(
    {
        "image_shape": [tuple, list, np.ndarray],
        "n_endmembers": [Interval(numbers.Integral, 1, None, closed="left")],
        "n_bands": [Interval(numbers.Integral, 1, None, closed="left")],
        "snr_db": _SNR_PARAM,
        "outlier_band_fraction": [Interval(numbers.Real, 0, 1, closed="left")],
        "return_outlier_bands": ["boolean"],
        "random_state": ["random_state"],
    },
    prefer_skip_nested_validation=True,
)
def make_hyperspectral(
    image_shape=(32, 32),
    n_endmembers=3,
    n_bands=100,
    *,
    snr_db=30.0,
    outlier_band_fraction=0.0,
    return_outlier_bands=False,
    random_state=None,
):
    """Synthetic hyperspectral image from the linear mixing model, with its ground truth.

    The image follows ``X = A E + N`` (pixels x bands), built as follows.

    - **Endmembers** ``E``: smooth, strictly positive spectra, each a small
      baseline (0.05-0.2, with a slight slope) plus three Gaussian bumps over
      the band axis, scaled to a maximum of 1.  The main bump of endmember
      ``k`` lies in the ``k``-th of ``n_endmembers`` equal segments of the
      band axis; the set is redrawn (up to 50 times) until every pairwise
      spectral angle exceeds 0.2 rad, which holds for all but degenerate
      sizes (very few bands).
    - **Abundances** ``A``: one Gaussian random field per endmember (white
      noise on the image grid smoothed by :func:`scipy.ndimage.gaussian_filter`
      with a width of a tenth of the shorter image side, at least 1 pixel,
      scaled to unit pointwise variance), then a softmax over the endmembers
      with sharpness 4.  Rows are nonnegative and sum to one, the maps are
      spatially smooth, and about half of the pixels are nearly pure
      (abundance > 0.9) for 3-6 endmembers, which blind (NMF-type)
      unmixing needs to be identifiable; the rest are mixed.
    - **Noise**: i.i.d. Gaussian with variance
      ``mean(X_clean ** 2) / 10 ** (snr_db / 10)``, then ``X`` is clipped at 0.
    - **Outlier bands**: a fraction ``outlier_band_fraction`` of the bands
      (chosen at random; at least one when the fraction is positive, never
      all when there are two bands or more) gets, in every pixel, extra
      Gaussian noise of standard deviation ``max(X) / 2`` (then clipped at
      0): channels whose signal is buried in noise, like water-absorption
      bands (per-band SNR around -5 dB).  The signal is still there on
      average, so a robust method can down-weight these bands when it
      estimates abundances and still recover the endmembers there.  The
      returned endmembers and abundances stay clean.

    Parameters
    ----------
    image_shape : tuple of two int, default=(32, 32)
        ``(n_rows, n_cols)``; ``n_pixels = n_rows * n_cols``.
    n_endmembers : int >= 1, default=3
        Number of endmembers, at most ``n_bands``.
    n_bands : int >= 1, default=100
        Number of spectral bands.
    snr_db : float or None, default=30.0
        Signal-to-noise ratio in dB, at least -100; ``None`` (or ``inf``)
        gives noiseless data.
    outlier_band_fraction : float in [0, 1), default=0.0
        Fraction of corrupted bands.
    return_outlier_bands : bool, default=False
        Also return the indices of the corrupted bands.
    random_state : int, RandomState instance or None, default=None
        Seed; the same seed gives the same image.

    Returns
    -------
    X : ndarray of shape (n_pixels, n_bands), dtype=float64
        Nonnegative image, pixels in row-major order over ``image_shape``.
    endmembers : ndarray of shape (n_endmembers, n_bands), dtype=float64
        True spectra, one per row, each with maximum 1.
    abundances : ndarray of shape (n_pixels, n_endmembers), dtype=float64
        True abundances, nonnegative, rows sum to one.
    outlier_bands : ndarray of shape (n_outlier_bands,), dtype=intp
        Sorted indices of the corrupted bands (empty when
        ``outlier_band_fraction=0``); only when ``return_outlier_bands=True``.

    See Also
    --------
    load_hyperspectral_mat : Load a real image with ground truth.

    References
    ----------
    .. [1] F. Zhu, "Hyperspectral unmixing: ground truth labeling, datasets,
       benchmark performances and survey", arXiv:1708.05125 (2017).

    Examples
    --------
    >>> import numpy as np
    >>> from lrsparse.datasets import make_hyperspectral
    >>> X, E, A = make_hyperspectral((16, 20), n_endmembers=3, n_bands=50, random_state=0)
    >>> X.shape, E.shape, A.shape
    ((320, 50), (3, 50), (320, 3))
    >>> bool(np.all(X >= 0)), bool(np.allclose(A.sum(axis=1), 1.0))
    (True, True)
    >>> X, E, A, bad = make_hyperspectral(
    ...     (8, 8), n_bands=40, outlier_band_fraction=0.1,
    ...     return_outlier_bands=True, random_state=0)
    >>> bad.shape
    (4,)
    """
    image_shape = _check_image_shape(image_shape)
    if n_endmembers > n_bands:
        raise ValueError(
            f"n_endmembers={n_endmembers} must not exceed n_bands={n_bands} "
            "(the linear mixing model is not identifiable otherwise)."
        )
    rng = check_random_state(random_state)

    best, best_angle = None, -np.inf
    for _ in range(_MAX_DRAWS):
        E = _draw_endmembers(rng, n_endmembers, n_bands)
        angle = _pairwise_min_angle(E)
        if angle > best_angle:
            best, best_angle = E, angle
        if angle > _MIN_ANGLE:
            break
    endmembers = best

    abundances = _draw_abundances(rng, image_shape, n_endmembers)
    X = _add_noise(rng, abundances @ endmembers, snr_db)
    outlier_bands = _corrupt_bands(rng, X, outlier_band_fraction)

    if return_outlier_bands:
        return X, endmembers, abundances, outlier_bands
    return X, endmembers, abundances


def _add_noise(rng, X, snr_db):
    """I.i.d. Gaussian noise at ``snr_db`` (None/inf: none), clipped at 0: make_hyperspectral's."""
    if snr_db is None or not np.isfinite(snr_db):
        return X
    with np.errstate(over="ignore"):  # 10**(snr/10) = inf at > 3080 dB: no noise
        noise_var = np.mean(X**2) / np.power(10.0, snr_db / 10.0)
    X = X + rng.standard_normal(X.shape) * np.sqrt(noise_var)
    return np.clip(X, 0.0, None, out=X)


def _corrupt_bands(rng, X, fraction):
    """make_hyperspectral's outlier bands, in place; returns their sorted indices."""
    n_bands = X.shape[1]
    if fraction <= 0:
        return np.empty(0, dtype=np.intp)
    n_out = max(1, min(int(round(fraction * n_bands)), n_bands - 1))
    bands = np.sort(rng.choice(n_bands, n_out, replace=False)).astype(np.intp)
    X[:, bands] += 0.5 * X.max() * rng.standard_normal((X.shape[0], n_out))
    np.clip(X, 0.0, None, out=X)
    return bands


def _scalar_int(data, key):
    v = np.asarray(data[key])
    if v.size != 1 or not np.isfinite(v.astype(np.float64)).all():
        raise ValueError(f"{key!r} must hold one positive integer; got {data[key]!r}.")
    f = float(v.item())
    if f < 1 or f != int(f):
        raise ValueError(f"{key!r} must hold one positive integer; got {v.item()!r}.")
    return int(f)


@validate_params(
    {"path": [str, os.PathLike]},
    prefer_skip_nested_validation=True,
)
def load_hyperspectral_mat(path):
    """Load a hyperspectral unmixing benchmark stored as a MATLAB ``.mat`` file.

    Reads the layout of the common benchmark files (Samson, Jasper Ridge,
    Urban, ... as distributed with Zhu's ground truth) and converts it to the
    lrsparse conventions.

    - ``Y`` (required): the image, (n_bands, n_pixels), one pixel per column,
      in MATLAB column-major pixel order (see below);
    - ``GT`` (optional): the endmembers, (n_endmembers, n_bands);
    - ``S_GT`` (optional): the abundance cube, (n_rows, n_cols, n_endmembers);
    - ``lines`` and ``cols``, or ``nRow`` and ``nCol`` (optional): the number
      of image rows and columns.

    The image size comes from ``lines``/``cols``, ``nRow``/``nCol`` or the
    first two dimensions of ``S_GT`` (all that are present must agree); when
    none is present and ``n_pixels`` is a perfect square the image is taken
    to be square.

    **Pixel order.** Column ``n`` of ``Y`` is the pixel at row
    ``n % n_rows``, column ``n // n_rows``, i.e. ``Y`` is the MATLAB
    ``reshape(cube, n_rows * n_cols, L)'`` of an ``(n_rows, n_cols, L)`` cube
    and ``reshape(Y', lines, cols, L)`` restores it.  ``lines`` is read as the
    number of rows (``lines`` is ENVI's and MATLAB users' word for image rows,
    the first dimension of that reshape) and ``cols`` as the number of
    columns.  On Samson the column-major order is confirmed by the data:
    least-squares abundances from ``GT`` correlate with ``S_GT`` at
    0.93/0.90/0.95 in this order against 0.61/0.20/0.24 in row-major order.
    Samson is square (95 x 95), so it cannot tell ``lines`` from ``cols``.
    The returned arrays are in lrsparse's row-major order (pixel
    ``r * n_cols + c``).

    Values are returned as stored (as float64): no band removal and no
    rescaling.  In the common Samson file each ``GT`` spectrum is scaled to
    a maximum of 1 while ``Y`` is scaled globally, so the ``GT`` spectra are
    fine for spectral angles but not for reconstructing ``Y``.

    Parameters
    ----------
    path : str or path-like
        The ``.mat`` file (MATLAB v5/v7; v7.3 HDF5 files are not supported by
        :func:`scipy.io.loadmat`).

    Returns
    -------
    data : :class:`~sklearn.utils.Bunch`
        Dictionary-like object with the following attributes.

        X : ndarray of shape (n_pixels, n_bands), dtype=float64
            The image, pixels in row-major order over ``image_shape``.
        endmembers : ndarray of shape (n_endmembers, n_bands) or None
            From ``GT``; None when absent.
        abundances : ndarray of shape (n_pixels, n_endmembers) or None
            From ``S_GT``, pixels in row-major order; None when absent.
        image_shape : tuple of two int
            ``(n_rows, n_cols)``.

    Raises
    ------
    ValueError
        If ``Y`` is missing, a key has the wrong shape, the size keys
        disagree, or the image size cannot be determined.

    See Also
    --------
    make_hyperspectral : Synthetic images with the same conventions.

    References
    ----------
    .. [1] F. Zhu, "Hyperspectral unmixing: ground truth labeling, datasets,
       benchmark performances and survey", arXiv:1708.05125 (2017).

    Examples
    --------
    >>> from lrsparse.datasets import load_hyperspectral_mat
    >>> data = load_hyperspectral_mat("samson.mat")  # doctest: +SKIP
    >>> data.X.shape, data.endmembers.shape, data.image_shape  # doctest: +SKIP
    ((9025, 156), (3, 156), (95, 95))
    """
    data = loadmat(os.fspath(path))
    if "Y" not in data:
        keys = sorted(k for k in data if not k.startswith("__"))
        raise ValueError(f"{os.fspath(path)!r} has no 'Y' (the image); its keys are {keys}.")
    Y = np.asarray(data["Y"], dtype=np.float64)
    if Y.ndim != 2 or Y.size == 0:
        raise ValueError(f"'Y' must be a 2-D (n_bands, n_pixels) array; got shape {Y.shape}.")
    n_bands, n_pixels = Y.shape

    endmembers = None
    if "GT" in data:
        endmembers = np.array(data["GT"], dtype=np.float64, order="C")
        if endmembers.ndim != 2 or endmembers.shape[1] != n_bands:
            raise ValueError(
                f"'GT' must be (n_endmembers, n_bands={n_bands}) to match 'Y' {Y.shape}; "
                f"got shape {endmembers.shape}."
            )

    cube = None
    if "S_GT" in data:
        cube = np.asarray(data["S_GT"], dtype=np.float64)
        if cube.ndim == 2:  # a single endmember loses its last axis in MATLAB
            cube = cube[:, :, None]
        if cube.ndim != 3:
            raise ValueError(
                f"'S_GT' must be an (n_rows, n_cols, n_endmembers) cube; got shape {cube.shape}."
            )
        if endmembers is not None and cube.shape[2] != endmembers.shape[0]:
            raise ValueError(
                f"'S_GT' has {cube.shape[2]} endmembers but 'GT' has {endmembers.shape[0]}."
            )

    candidates = []  # (source, (n_rows, n_cols))
    for rows_key, cols_key in (("lines", "cols"), ("nRow", "nCol")):
        present = [k in data for k in (rows_key, cols_key)]
        if all(present):
            shape = (_scalar_int(data, rows_key), _scalar_int(data, cols_key))
            candidates.append((f"'{rows_key}'/'{cols_key}'", shape))
        elif any(present):
            missing = cols_key if present[0] else rows_key
            raise ValueError(f"{missing!r} is missing while its partner key is present.")
    if cube is not None:
        candidates.append(("'S_GT'", cube.shape[:2]))
    if candidates:
        image_shape = tuple(int(s) for s in candidates[0][1])
        for source, shape in candidates[1:]:
            if tuple(shape) != image_shape:
                raise ValueError(
                    f"Inconsistent image size: {candidates[0][0]} gives {image_shape}, "
                    f"{source} gives {tuple(shape)}."
                )
        if image_shape[0] * image_shape[1] != n_pixels:
            raise ValueError(
                f"Image size {image_shape} from {candidates[0][0]} does not match the "
                f"{n_pixels} pixels (columns) of 'Y'."
            )
    else:
        side = int(round(np.sqrt(n_pixels)))
        if side * side != n_pixels:
            raise ValueError(
                f"Cannot infer the image size: no 'lines'/'cols', 'nRow'/'nCol' or 'S_GT', "
                f"and 'Y' has {n_pixels} pixels, not a perfect square."
            )
        image_shape = (side, side)

    n_rows, n_cols = image_shape
    # Column-major pixel n = r + c * n_rows  ->  row-major pixel r * n_cols + c.
    X = np.ascontiguousarray(Y.reshape(n_bands, n_cols, n_rows).transpose(2, 1, 0))
    X = X.reshape(n_pixels, n_bands)
    abundances = None
    if cube is not None:
        abundances = np.ascontiguousarray(cube).reshape(n_pixels, cube.shape[2])
    return Bunch(X=X, endmembers=endmembers, abundances=abundances, image_shape=image_shape)
