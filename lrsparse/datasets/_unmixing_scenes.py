"""Development scenes for hyperspectral unmixing, built from reference files read from disk.

The reference files (Zhu's ground-truth release of Samson and Urban, and the
USGS mineral spectra used for Cuprite) are **not bundled with lrsparse**
(their licence is unknown): the loaders read them from a data folder, see
:func:`get_data_home`.  Conventions as in :mod:`lrsparse.datasets._hyperspectral`:
``X`` is (n_pixels, n_bands), endmembers (n_endmembers, n_bands), abundances
(n_pixels, n_endmembers), pixels in row-major order over ``image_shape``.
"""

import itertools
import numbers
import os
import re

import numpy as np
from scipy.io import loadmat
from scipy.spatial import cKDTree
from sklearn.utils import Bunch, check_random_state

from ..utils._sklearn import Interval, validate_params
from ._hyperspectral import (
    _SNR_PARAM,
    _add_noise,
    _check_image_shape,
    _corrupt_bands,
    _draw_abundances,
    _pairwise_min_angle,
    _scalar_int,
    load_hyperspectral_mat,
)

__all__ = [
    "get_data_home",
    "load_samson",
    "load_urban_semireal",
    "make_rare_material_scene",
]

_ENV_VAR = "LRSPARSE_DATA"
_SOURCES = {
    "samson.mat": (
        "the Samson scene with the ground truth of F. Zhu's hyperspectral unmixing "
        "ground-truth release (arXiv:1708.05125)"
    ),
    "urban_end6_groundtruth.mat": (
        "the 6-endmember ground truth (spectra 'M', abundances 'A') of the HYDICE Urban "
        "scene from F. Zhu's hyperspectral unmixing ground-truth release (arXiv:1708.05125)"
    ),
    "usgs_cuprite_12_spectra.mat": (
        "12 mineral spectra of the USGS spectral library as used for the AVIRIS Cuprite "
        "scene, from F. Zhu's hyperspectral unmixing ground-truth release (arXiv:1708.05125)"
    ),
}

# Library spectra are eligible together when every pairwise spectral angle is
# at least this (radians): the 12 USGS spectra have pairwise angles from
# 0.060 to 0.397 rad (median 0.162); at 0.1 rad sets of up to 8 exist.
_MIN_LIBRARY_ANGLE = 0.1
# A material counts as present in a pixel above this abundance.
_PRESENT = 0.05
# Rare abundances below this are set to 0 (no faint traces across the scene).
_TRACE = 0.01
# Road cross-profile standard deviation (pixels), and point spacing along a road.
_ROAD_SIGMA = (1.0, 2.0)
_ROAD_STEP = 0.2
_MAX_ROADS = 500

_DATA_HOME_PARAM = [str, os.PathLike, None]


@validate_params({"data_home": _DATA_HOME_PARAM}, prefer_skip_nested_validation=True)
def get_data_home(data_home=None):
    """Return the folder where lrsparse looks for data files it does not bundle.

    As :func:`sklearn.datasets.get_data_home`, but the folder is never
    created: lrsparse downloads nothing, the user puts the files there.

    Parameters
    ----------
    data_home : str or path-like, default=None
        The folder.  When None, the environment variable ``LRSPARSE_DATA``
        if it is set and not empty, else ``~/lrsparse_data``.  ``~`` is
        expanded.

    Returns
    -------
    data_home : str
        The folder (which may not exist).

    See Also
    --------
    load_samson, load_urban_semireal, make_rare_material_scene :
        The functions that read from it (from ``<data_home>/hyperspectral/``
        or ``<data_home>/`` itself).

    Examples
    --------
    >>> import os
    >>> from lrsparse.datasets import get_data_home
    >>> get_data_home("~/my_data") == os.path.expanduser("~/my_data")
    True
    """
    if data_home is None:
        data_home = os.environ.get(_ENV_VAR) or os.path.join("~", "lrsparse_data")
    return os.path.expanduser(os.fspath(data_home))


def _data_file(name, data_home=None):
    """Path of ``<home>/hyperspectral/<name>`` or ``<home>/<name>``, or a FileNotFoundError."""
    home = get_data_home(data_home)
    tried = [os.path.join(home, "hyperspectral", name), os.path.join(home, name)]
    for path in tried:
        if os.path.isfile(path):
            return path
    raise FileNotFoundError(
        f"{name!r} was not found: tried {tried[0]!r} and {tried[1]!r}. Pass data_home= "
        f"or set the environment variable {_ENV_VAR} to the folder that holds it "
        f"(directly or in a 'hyperspectral' subfolder). The file is "
        f"{_SOURCES.get(name, 'a reference data file')}; it is not bundled with lrsparse "
        "(licence unknown)."
    )


def _read_mat(path, keys):
    data = loadmat(path)
    missing = [k for k in keys if k not in data]
    if missing:
        present = sorted(k for k in data if not k.startswith("__"))
        raise ValueError(f"{path!r} lacks the keys {missing}; its keys are {present}.")
    return data


def _names(cood):
    """``'1-Asphalt Road'`` / ``'#1 Alunite'`` -> ``'asphalt road'`` / ``'alunite'``."""
    names = []
    for cell in np.asarray(cood, dtype=object).ravel():
        text = str(np.asarray(cell).ravel()[0]) if np.size(cell) else ""
        names.append(re.sub(r"^#?\d+\s*-?\s*", "", text).strip().lower())
    return tuple(names)


@validate_params({"data_home": _DATA_HOME_PARAM}, prefer_skip_nested_validation=True)
def load_samson(*, data_home=None):
    """Load the Samson scene with its reference endmembers and abundances.

    Samson is a 95 x 95 pixel sub-image (156 bands, 401-889 nm) of a
    952 x 952 scene from the Opticks sample data, with three materials
    (soil, tree, water) labelled by Zhu [1]_.  The image ``X`` is scaled
    globally to [0, 1], but each reference spectrum is scaled to a maximum
    of 1 on its own: fitting ``X ~ A diag(s) E`` gives ``s`` of about 0.44
    (soil), 0.52 (tree) and 0.03 (water), so the water spectrum is about 30
    times too bright and the others about twice.  Spectral angles are
    unaffected, but ``abundances @ endmembers`` does not reconstruct ``X``:
    rescale the spectra before using them for reconstruction or for fully
    constrained least squares.  The reference abundances sum to one per pixel.

    The file ``samson.mat`` is read from ``<data_home>/hyperspectral/`` or
    ``<data_home>/`` (see :func:`get_data_home`); it is not bundled with
    lrsparse (licence unknown).

    Parameters
    ----------
    data_home : str or path-like, default=None
        The data folder; see :func:`get_data_home`.

    Returns
    -------
    data : :class:`~sklearn.utils.Bunch`
        Dictionary-like object with the following attributes.

        X : ndarray of shape (9025, 156), dtype=float64
            The image, pixels in row-major order over ``image_shape``.
        endmembers : ndarray of shape (3, 156), dtype=float64
            Reference spectra, each with maximum 1 (see above).
        abundances : ndarray of shape (9025, 3), dtype=float64
            Reference abundances, rows sum to one.
        image_shape : tuple of two int
            ``(95, 95)``.
        endmember_names : tuple of str
            ``("soil", "tree", "water")``: the order of the file's spectra
            (the third is dark in the near infrared, the second low in the
            visible and bright beyond the red edge at 700 nm).

    Raises
    ------
    FileNotFoundError
        If ``samson.mat`` is in neither place.

    See Also
    --------
    load_hyperspectral_mat : The reader used here.

    References
    ----------
    .. [1] F. Zhu, "Hyperspectral unmixing: ground truth labeling, datasets,
       benchmark performances and survey", arXiv:1708.05125 (2017).

    Examples
    --------
    >>> from lrsparse.datasets import load_samson
    >>> data = load_samson(data_home="path/to/data")  # doctest: +SKIP
    >>> data.X.shape, data.endmembers.shape, data.endmember_names  # doctest: +SKIP
    ((9025, 156), (3, 156), ('soil', 'tree', 'water'))
    """
    path = _data_file("samson.mat", data_home)
    data = load_hyperspectral_mat(path)
    if data.endmembers is None or data.endmembers.shape[0] != 3 or data.abundances is None:
        raise ValueError(f"{path!r} must hold 'GT' with 3 spectra and 'S_GT' (Samson).")
    data.endmember_names = ("soil", "tree", "water")
    return data


def _check_crop(crop, image_shape):
    n_rows, n_cols = image_shape
    vals = tuple(crop) if isinstance(crop, (tuple, list, np.ndarray)) else ()
    ok = len(vals) == 4 and all(
        isinstance(v, numbers.Integral) and not isinstance(v, bool) for v in vals
    )
    if ok:
        r0, c0, nr, nc = (int(v) for v in vals)
        ok = r0 >= 0 and c0 >= 0 and nr >= 1 and nc >= 1
        ok = ok and r0 + nr <= n_rows and c0 + nc <= n_cols
    if not ok:
        raise ValueError(
            "crop must be None or (row0, col0, n_rows, n_cols): integers with row0, col0 >= 0, "
            f"n_rows, n_cols >= 1 and the window inside the {n_rows} x {n_cols} image; "
            f"got {crop!r}."
        )
    return r0, c0, nr, nc


@validate_params(
    {
        "data_home": _DATA_HOME_PARAM,
        "snr_db": _SNR_PARAM,
        "illumination": [Interval(numbers.Real, 0, 1, closed="left")],
        "corrupted_band_fraction": [Interval(numbers.Real, 0, 1, closed="left")],
        "crop": [tuple, list, np.ndarray, None],
        "random_state": ["random_state"],
    },
    prefer_skip_nested_validation=True,
)
def load_urban_semireal(
    *,
    data_home=None,
    snr_db=30.0,
    illumination=0.2,
    corrupted_band_fraction=0.0,
    crop=None,
    random_state=None,
):
    """Semi-real Urban scene: real abundance maps and real spectra, synthetic mixing.

    The reflectance cube of Urban is not used; the scene is rebuilt from
    the 6-endmember reference of Zhu [1]_ (``urban_end6_groundtruth.mat``:
    162 bands, 307 x 307 pixels of 2 m; asphalt road, grass, tree, roof,
    metal, dirt) as

    ``X = diag(s) A E + N``

    - ``A``, ``E``: the reference abundances (stored column-major, returned
      in row-major pixel order) and spectra, as stored.  The reference
      abundances sum to one per pixel (to 1e-12).  Metal holds 3.2 % of the
      abundance mass and roof 8.2 %: rare materials with real spatial
      structure.  The smallest spectral angles are asphalt/dirt 0.12 rad,
      metal/dirt 0.15 rad and asphalt/metal 0.19 rad.
    - ``s``: per-pixel illumination (shading, topography), drawn i.i.d.
      from ``U(1 - illumination, 1 + illumination)``; it is not folded into
      the returned abundances (``illumination[:, None] * abundances @
      endmembers`` is the clean image).
    - ``N``: i.i.d. Gaussian noise with variance
      ``mean(X_clean ** 2) / 10 ** (snr_db / 10)``, then ``X`` is clipped
      at 0 (as :func:`make_hyperspectral`).
    - corrupted bands: a fraction ``corrupted_band_fraction`` of the bands
      gets, in every pixel, extra Gaussian noise of standard deviation
      ``max(X) / 2`` then ``X`` is clipped at 0: the recipe of
      :func:`make_hyperspectral`'s outlier bands.

    **Pixel order.** Column ``n`` of the stored ``A`` is the pixel at row
    ``n % 307``, column ``n // 307`` (MATLAB's ``reshape(A', nRow, nCol,
    6)``), the convention of :func:`load_hyperspectral_mat`; the returned
    pixel ``r * n_cols + c`` is at row ``r``, column ``c``.

    The file is read from ``<data_home>/hyperspectral/`` or ``<data_home>/``
    (see :func:`get_data_home`); it is not bundled with lrsparse (licence
    unknown).

    Parameters
    ----------
    data_home : str or path-like, default=None
        The data folder; see :func:`get_data_home`.
    snr_db : float or None, default=30.0
        Signal-to-noise ratio in dB, at least -100; None (or inf): no noise.
    illumination : float in [0, 1), default=0.2
        Half-width of the per-pixel illumination factor's range around 1.
    corrupted_band_fraction : float in [0, 1), default=0.0
        Fraction of corrupted bands (at least one band when positive).
    crop : tuple of four int or None, default=None
        ``(row0, col0, n_rows, n_cols)``: keep this window of the scene
        (before any random draw, so small windows are fast), e.g.
        ``(0, 0, 40, 40)``.  None: the whole 307 x 307 scene.
    random_state : int, RandomState instance or None, default=None
        Seed of the illumination, noise and corrupted bands.

    Returns
    -------
    data : :class:`~sklearn.utils.Bunch`
        Dictionary-like object with the following attributes.

        X : ndarray of shape (n_pixels, 162), dtype=float64
            The image, nonnegative, pixels in row-major order.
        endmembers : ndarray of shape (6, 162), dtype=float64
            Reference spectra (reflectance).
        abundances : ndarray of shape (n_pixels, 6), dtype=float64
            Reference abundances, rows sum to one.
        image_shape : tuple of two int
            ``(n_rows, n_cols)``, (307, 307) without ``crop``.
        endmember_names : tuple of str
            From the file: ``("asphalt road", "grass", "tree", "roof",
            "metal", "dirt")``.
        illumination : ndarray of shape (n_pixels,), dtype=float64
            The per-pixel factors ``s``.
        corrupted_bands : ndarray of shape (n_corrupted,), dtype=intp
            Sorted indices of the corrupted bands (empty by default).

    Raises
    ------
    FileNotFoundError
        If ``urban_end6_groundtruth.mat`` is in neither place.
    ValueError
        If a parameter is out of range or ``crop`` leaves the image.

    See Also
    --------
    make_hyperspectral : Fully synthetic scenes.
    make_rare_material_scene : A synthetic scene with a rare material.

    References
    ----------
    .. [1] F. Zhu, "Hyperspectral unmixing: ground truth labeling, datasets,
       benchmark performances and survey", arXiv:1708.05125 (2017).

    Examples
    --------
    >>> from lrsparse.datasets import load_urban_semireal
    >>> data = load_urban_semireal(data_home="path/to/data", crop=(100, 100, 40, 50),
    ...                            random_state=0)  # doctest: +SKIP
    >>> data.X.shape, data.image_shape, data.endmember_names[4]  # doctest: +SKIP
    ((2000, 162), (40, 50), 'metal')
    """
    path = _data_file("urban_end6_groundtruth.mat", data_home)
    mat = _read_mat(path, ("M", "A", "nRow", "nCol", "cood"))
    E = np.array(np.asarray(mat["M"], dtype=np.float64).T, order="C")
    A = np.asarray(mat["A"], dtype=np.float64)
    n_rows, n_cols = _scalar_int(mat, "nRow"), _scalar_int(mat, "nCol")
    K = E.shape[0]
    if A.ndim != 2 or A.shape != (K, n_rows * n_cols):
        raise ValueError(
            f"'A' must be (n_endmembers={K}, nRow * nCol={n_rows * n_cols}); got {A.shape}."
        )
    names = _names(mat["cood"])
    if len(names) != K:
        raise ValueError(f"'cood' has {len(names)} names for {K} endmembers.")
    # Column-major pixel n = r + c * n_rows -> cube[r, c].
    cube = A.T.reshape(n_cols, n_rows, K).transpose(1, 0, 2)
    if crop is not None:
        r0, c0, n_rows, n_cols = _check_crop(crop, (n_rows, n_cols))
        cube = cube[r0:r0 + n_rows, c0:c0 + n_cols]
    abundances = np.ascontiguousarray(cube).reshape(n_rows * n_cols, K)

    rng = check_random_state(random_state)
    s = rng.uniform(1.0 - illumination, 1.0 + illumination, abundances.shape[0])
    X = _add_noise(rng, s[:, None] * (abundances @ E), snr_db)
    corrupted = _corrupt_bands(rng, X, corrupted_band_fraction)
    return Bunch(
        X=X,
        endmembers=E,
        abundances=abundances,
        image_shape=(n_rows, n_cols),
        endmember_names=names,
        illumination=s,
        corrupted_bands=corrupted,
    )


def _load_usgs(data_home):
    """The 12 USGS spectra on the 188 usable bands, (12, 188), and their names."""
    path = _data_file("usgs_cuprite_12_spectra.mat", data_home)
    mat = _read_mat(path, ("M", "slctBnds", "cood"))
    M = np.asarray(mat["M"], dtype=np.float64)
    bands = np.asarray(mat["slctBnds"]).ravel().astype(np.int64)
    # 'slctBnds' holds 1-based MATLAB indices: 3..220 without 104-113 and
    # 148-167, the bands kept for Cuprite (1-2 and 221-224 removed as well).
    if M.ndim != 2 or bands.size == 0 or bands.min() < 1 or bands.max() > M.shape[0]:
        raise ValueError(
            f"'slctBnds' must hold 1-based indices into the {M.shape[0]} rows of 'M'."
        )
    names = _names(mat["cood"])
    if len(names) != M.shape[1]:
        raise ValueError(f"'cood' has {len(names)} names for {M.shape[1]} spectra.")
    return np.ascontiguousarray(M[bands - 1].T), names


def _identifiable_subsets(library, n):
    """All n-subsets (sorted index tuples) whose pairwise angles are >= _MIN_LIBRARY_ANGLE."""
    return [
        subset
        for subset in itertools.combinations(range(library.shape[0]), n)
        if _pairwise_min_angle(library[list(subset)]) >= _MIN_LIBRARY_ANGLE
    ]


def _road(rng, image_shape, sigma, start=None):
    """Points (spacing <= _ROAD_STEP px) along a random quadratic Bezier road.

    It starts at ``start`` or else at a random pixel centre (so the rare
    abundance reaches its peak exactly there), heads in a random direction
    for 0.25-0.6 times the longer image side and bends by up to a quarter of
    its length.
    """
    if start is None:
        start = [rng.randint(image_shape[0]), rng.randint(image_shape[1])]
    p0 = np.asarray(start, dtype=np.float64)
    theta = rng.uniform(0.0, 2.0 * np.pi)
    length = rng.uniform(0.25, 0.6) * max(image_shape)
    direction = np.array([np.cos(theta), np.sin(theta)])
    p2 = p0 + length * direction
    normal = np.array([-direction[1], direction[0]])
    p1 = 0.5 * (p0 + p2) + rng.uniform(-0.25, 0.25) * length * normal
    span = 2.0 * max(np.linalg.norm(p1 - p0), np.linalg.norm(p2 - p1))
    t = np.linspace(0.0, 1.0, int(np.ceil(span / _ROAD_STEP)) + 2)[:, None]
    points = (1 - t) ** 2 * p0 + 2 * t * (1 - t) * p1 + t**2 * p2
    # Keep the road where it can touch the image (it may leave and come back).
    margin = 4.0 * sigma
    inside = np.all((points >= -margin) & (points <= np.array(image_shape) - 1 + margin), axis=1)
    inside[0] = True
    return points[inside]


def _rare_map(rng, image_shape, fraction, peak):
    """Rare-material abundances (n_pixels,): roads with a Gaussian cross-profile.

    Roads are added until ``fraction`` of the pixels have an abundance above
    ``_PRESENT``; the last road is cut where the count is closest to the
    target.  The abundance is ``peak * exp(-d**2 / (2 sigma**2))`` at
    distance ``d`` (pixels) from the nearest road, with ``sigma`` drawn per
    road from ``_ROAD_SIGMA`` (capped so that one road's end, a disc, covers
    at most half the target on small images), and 0 below ``_TRACE``.  When
    less than two such discs are missing, the next road branches off a
    previous one (a junction), so that it adds pixels a few at a time.
    """
    n_rows, n_cols = image_shape
    n_pixels = n_rows * n_cols
    grid = np.stack(np.meshgrid(np.arange(n_rows), np.arange(n_cols), indexing="ij"), -1)
    grid = grid.reshape(-1, 2).astype(np.float64)  # row-major pixel order
    pixels = cKDTree(grid)
    target = fraction * n_pixels
    # Within this many sigmas of a road a pixel's abundance exceeds _PRESENT.
    reach = np.sqrt(2.0 * np.log(peak / _PRESENT))
    sigma_max = max(0.3, min(_ROAD_SIGMA[1], np.sqrt(target / (2 * np.pi)) / reach))
    profile = np.zeros(n_pixels)
    covered = np.zeros(n_pixels, dtype=bool)
    roads = []  # (points inside the image, sigma) of the roads laid so far
    for _ in range(_MAX_ROADS):
        need = target - covered.sum()
        sigma = rng.uniform(min(_ROAD_SIGMA[0], sigma_max), sigma_max)
        start = None
        if roads and need < 2 * np.pi * (reach * sigma) ** 2:
            parent, parent_sigma = roads[rng.randint(len(roads))]
            start, sigma = parent[rng.randint(len(parent))], min(sigma, parent_sigma)
        points = _road(rng, image_shape, sigma, start)
        # First road point that brings each pixel within reach (len(points): never).
        hits = pixels.query_ball_point(points, reach * sigma)
        counts = np.fromiter((len(h) for h in hits), dtype=np.intp, count=len(hits))
        first = np.full(n_pixels, len(points))
        if counts.sum():
            np.minimum.at(first, np.concatenate(hits).astype(np.intp),
                          np.repeat(np.arange(len(points)), counts))
        new = np.bincount(first[~covered], minlength=len(points) + 1)[:-1]
        gained = np.cumsum(new)  # newly covered pixels with the first j + 1 points
        if gained[-1] == 0:
            continue
        last = gained[-1] >= need
        n_keep = int(np.argmin(np.abs(gained - need))) + 1 if last else len(points)
        points = points[:n_keep]
        # Beyond 4 sigma the distance is inf and the profile 0.
        dist, _ = cKDTree(points).query(grid, distance_upper_bound=4.0 * sigma)
        np.maximum(profile, np.exp(-0.5 * (dist / sigma) ** 2), out=profile)
        covered = peak * profile > _PRESENT
        on_image = np.all((points >= 0) & (points <= np.array(image_shape) - 1), axis=1)
        if on_image.any():
            roads.append((points[on_image], sigma))
        if last:
            break
    rare = peak * profile
    rare[rare < _TRACE] = 0.0
    return rare


@validate_params(
    {
        "image_shape": [tuple, list, np.ndarray],
        "n_endmembers": [Interval(numbers.Integral, 2, None, closed="left")],
        "rare_fraction": [Interval(numbers.Real, 0, 0.5, closed="right")],
        "rare_max_abundance": [Interval(numbers.Real, _PRESENT, 1, closed="neither")],
        "spectral_variability": [Interval(numbers.Real, 0, 0.5, closed="both")],
        "snr_db": _SNR_PARAM,
        "data_home": _DATA_HOME_PARAM,
        "random_state": ["random_state"],
    },
    prefer_skip_nested_validation=True,
)
def make_rare_material_scene(
    image_shape=(64, 64),
    n_endmembers=4,
    *,
    rare_fraction=0.05,
    rare_max_abundance=0.7,
    spectral_variability=0.0,
    snr_db=30.0,
    data_home=None,
    random_state=None,
):
    """Synthetic scene from USGS mineral spectra with one rare, never pure material.

    Blind unmixing loses materials that are rare and never pure: pure-pixel
    starts (VCA, N-FINDR) pick the common materials and the iterations share
    the rare one among them.  This scene has such a material, in the
    spatial form it takes in real scenes (roads, paths, rivers).

    - **Endmembers**: ``n_endmembers`` of the 12 USGS spectra of
      ``usgs_cuprite_12_spectra.mat`` on its 188 usable bands (the
      1-based MATLAB indices ``slctBnds``), drawn uniformly among the sets
      whose pairwise spectral angles are all at least 0.1 rad (the library's
      angles range from 0.060 to 0.397 rad, median 0.162; sets of up to 8
      spectra qualify), in library order, as stored (reflectance 0.08-0.91).
    - **Background**: the ``n_endmembers - 1`` other materials get smooth
      abundance maps, often nearly pure, from the generator of
      :func:`make_hyperspectral`.
    - **Rare material** (index ``rare_index``, drawn at random): a few
      random curved roads (quadratic Bezier curves starting at a pixel
      inside the image) with a Gaussian cross-profile of standard deviation
      1-2 pixels (less on small images or for small fractions, so that one
      road's end covers at most half of the target), abundance
      ``rare_max_abundance * exp(-d**2 / (2 sigma**2))`` at distance ``d``
      from the nearest road centre line, set to 0 below 0.01.  Roads are
      added, and the last one cut, until the material is present (abundance
      > 0.05) in ``rare_fraction`` of the pixels (to within a few pixels;
      more when one road's end alone exceeds it).  Its largest abundance is
      exactly ``rare_max_abundance``, so it is never pure; where it is
      present the background abundances are scaled by ``1 - a_rare``, so
      every row sums to one.
    - **Spectral variability** (``spectral_variability = v > 0``): in each
      pixel each material's spectrum is multiplied by
      ``1 + v * sum_j c_j g_j``, three smooth curves ``g_j`` per material
      (cosines over the band axis of 1-3 half-periods, random phases) with
      per-pixel weights ``c_j ~ N(0, 1/3)``: the within-material variation
      of real scenes (grain size, moisture, illumination geometry).  It is
      what makes pure-pixel starts lose a rare material: at ``v = 0.03`` the
      variability of the common materials carries as much variance as the
      rare material, and VCA's ``n_components``-dimensional subspace can miss
      it.  The returned ``endmembers`` are the mean spectra.
    - **Noise**: i.i.d. Gaussian at ``snr_db`` then clipped at 0, as
      :func:`make_hyperspectral`.

    A pure-pixel method cannot get closer to the rare spectrum than the
    purest rare pixel.  With the defaults (64 x 64, 4 materials, 30 dB) the
    spectral angle between that pixel and the rare spectrum is, over 40
    seeds, 0.088 rad in the median (0.05-0.22) for
    ``rare_max_abundance=0.5``, 0.057 (0.04-0.17) for 0.7 and 0.037
    (0.02-0.09) for 0.9; it depends on the background materials.

    The spectra are read from ``<data_home>/hyperspectral/`` or
    ``<data_home>/`` (see :func:`get_data_home`); the file is not bundled
    with lrsparse (licence unknown).

    Parameters
    ----------
    image_shape : tuple of two int, default=(64, 64)
        ``(n_rows, n_cols)``.
    n_endmembers : int >= 2, default=4
        Number of materials, the rare one included; at most 8.
    rare_fraction : float in (0, 0.5], default=0.05
        Fraction of the pixels where the rare material's abundance exceeds
        0.05 (the issue's range of interest is 0.02-0.10).
    rare_max_abundance : float in (0.05, 1), default=0.7
        The rare material's largest abundance (on the road centre lines).
    spectral_variability : float in [0, 0.5], default=0.0
        Relative size ``v`` of the per-pixel variation of each spectrum
        (see above); 0 gives the linear mixing model exactly.
    snr_db : float or None, default=30.0
        Signal-to-noise ratio in dB, at least -100; None (or inf): no noise.
    data_home : str or path-like, default=None
        The data folder; see :func:`get_data_home`.
    random_state : int, RandomState instance or None, default=None
        Seed; the same seed gives the same scene.

    Returns
    -------
    data : :class:`~sklearn.utils.Bunch`
        Dictionary-like object with the following attributes.

        X : ndarray of shape (n_pixels, 188), dtype=float64
            The image, nonnegative, pixels in row-major order.
        endmembers : ndarray of shape (n_endmembers, 188), dtype=float64
            The chosen library spectra.
        abundances : ndarray of shape (n_pixels, n_endmembers), dtype=float64
            Nonnegative, rows sum to one.
        image_shape : tuple of two int
            ``(n_rows, n_cols)``.
        endmember_names : tuple of str
            Mineral names from the file (e.g. ``"alunite"``).
        rare_index : int
            Index of the rare material in ``endmembers`` and the abundance
            columns.

    Raises
    ------
    FileNotFoundError
        If ``usgs_cuprite_12_spectra.mat`` is in neither place.
    ValueError
        If a parameter is out of range (``n_endmembers`` above the largest
        identifiable set of the library, 8).

    See Also
    --------
    make_hyperspectral : Scenes with synthetic spectra.
    load_urban_semireal : Real abundance maps with rare materials.

    References
    ----------
    .. [1] R. N. Clark et al., "USGS digital spectral library splib06a",
       U.S. Geological Survey, Digital Data Series 231 (2007).
    .. [2] F. Zhu, "Hyperspectral unmixing: ground truth labeling, datasets,
       benchmark performances and survey", arXiv:1708.05125 (2017).

    Examples
    --------
    >>> from lrsparse.datasets import make_rare_material_scene
    >>> data = make_rare_material_scene((32, 32), 4, data_home="path/to/data",
    ...                                 random_state=0)  # doctest: +SKIP
    >>> data.X.shape, data.abundances.shape  # doctest: +SKIP
    ((1024, 188), (1024, 4))
    >>> round(float((data.abundances[:, data.rare_index] > 0.05).mean()), 2)  # doctest: +SKIP
    0.05
    """
    image_shape = _check_image_shape(image_shape)
    library, names = _load_usgs(data_home)
    subsets = _identifiable_subsets(library, n_endmembers)
    if not subsets:
        largest = 1
        while _identifiable_subsets(library, largest + 1):
            largest += 1
        raise ValueError(
            f"n_endmembers={n_endmembers} is too large: the library's largest set with pairwise "
            f"spectral angles >= {_MIN_LIBRARY_ANGLE} rad has {largest} spectra."
        )
    rng = check_random_state(random_state)
    chosen = list(subsets[rng.randint(len(subsets))])
    rare_index = int(rng.randint(n_endmembers))
    endmembers = library[chosen]

    background = _draw_abundances(rng, image_shape, n_endmembers - 1)
    rare = _rare_map(rng, image_shape, rare_fraction, rare_max_abundance)
    abundances = np.insert(background * (1.0 - rare)[:, None], rare_index, rare, axis=1)
    if spectral_variability > 0:
        clean = _variable_mixture(rng, abundances, endmembers, spectral_variability)
    else:
        clean = abundances @ endmembers
    X = _add_noise(rng, clean, snr_db)
    return Bunch(
        X=X,
        endmembers=endmembers,
        abundances=abundances,
        image_shape=image_shape,
        endmember_names=tuple(names[i] for i in chosen),
        rare_index=rare_index,
    )


def _variable_mixture(rng, abundances, endmembers, variability, n_curves=3):
    """``sum_k a_ik e_k * (1 + v sum_j c_ikj g_kj)``: mixtures with per-pixel spectra."""
    n_bands = endmembers.shape[1]
    t = np.linspace(0.0, 1.0, n_bands)
    X = np.zeros((abundances.shape[0], n_bands))
    for k, e in enumerate(endmembers):
        G = np.cos(np.pi * np.arange(1, n_curves + 1)[:, None] * t
                   + rng.uniform(0, 2 * np.pi, (n_curves, 1)))
        C = rng.standard_normal((abundances.shape[0], n_curves)) / np.sqrt(n_curves)
        X += abundances[:, k:k + 1] * (e * np.clip(1.0 + variability * (C @ G), 0.0, None))
    return X
