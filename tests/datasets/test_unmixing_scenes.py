"""Dev scenes for unmixing: data home, Samson, semi-real Urban, rare-material generator.

Most tests run on small fake files written to ``tmp_path`` in the layouts of the
reference files (never skipped); the tests marked with ``_needs(...)`` read the
real files from ``../shared/data/hyperspectral`` and skip when they are absent.
"""

import itertools
import os
from pathlib import Path

import numpy as np
import pytest
from scipy.io import savemat
from scipy.ndimage import binary_erosion, gaussian_filter

from lrsparse.datasets import (
    get_data_home,
    load_hyperspectral_mat,
    load_samson,
    load_urban_semireal,
    make_rare_material_scene,
)
from lrsparse.datasets._unmixing_scenes import _data_file
from lrsparse.metrics import spectral_angle_distance

REPO_ROOT = Path(__file__).resolve().parents[2]
DATA = REPO_ROOT.parent / "shared" / "data"
URBAN, USGS = "urban_end6_groundtruth.mat", "usgs_cuprite_12_spectra.mat"


def _needs(name):
    return pytest.mark.skipif(
        not (DATA / "hyperspectral" / name).is_file(), reason=f"{name} is not available"
    )


def _snr_db(clean, noisy):
    return 10 * np.log10(np.mean(clean**2) / np.mean((noisy - clean) ** 2))


def _neighbour_corr(cube, axis):
    """Mean over the maps of the correlation between each pixel and its neighbour on ``axis``."""
    a = np.moveaxis(cube, axis, 0)
    u, v = a[:-1].reshape(-1, a.shape[-1]), a[1:].reshape(-1, a.shape[-1])
    return np.mean([np.corrcoef(u[:, k], v[:, k])[0, 1] for k in range(a.shape[-1])])


# ---------------------------------------------------------------- fake files
FAKE_SHAPE = (12, 9)  # non-square: a row/column mix-up cannot go unnoticed


def _cellstr(names):
    cells = np.empty((len(names), 1), dtype=object)
    for i, name in enumerate(names):
        cells[i, 0] = np.array([name])
    return cells


def _fake_cube(rng, shape, K):
    Z = np.stack([gaussian_filter(rng.standard_normal(shape), 2.0) for _ in range(K)], -1)
    A = np.exp(8 * Z)
    return A / A.sum(-1, keepdims=True)


@pytest.fixture
def fake_urban(tmp_path):
    """An Urban-layout file: A stored MATLAB column-major, (K, nRow * nCol)."""
    rng = np.random.default_rng(0)
    n_rows, n_cols = FAKE_SHAPE
    cube = _fake_cube(rng, FAKE_SHAPE, 3)
    M = rng.uniform(0.05, 0.6, (20, 3))  # (n_bands, K)
    A = cube.transpose(1, 0, 2).reshape(-1, 3).T  # MATLAB reshape(cube, [], K)'
    savemat(tmp_path / URBAN, {
        "M": M, "A": A, "nRow": np.uint16(n_rows), "nCol": np.uint16(n_cols),
        "nEnd": np.uint8(3), "cood": _cellstr(["1-Asphalt Road", "2-Grass", "3-Metal"]),
    })
    return tmp_path, cube, M.T


@pytest.fixture
def fake_usgs(tmp_path):
    """A USGS-layout file: 6 spectra on 30 bands, 24 selected (1-based); 0 and 5 nearly equal."""
    rng = np.random.default_rng(1)
    M = rng.uniform(0.1, 0.9, (30, 6))
    M[:, 5] = 1.1 * M[:, 0] + 0.001
    bands = np.arange(4, 28)  # 1-based
    M[bands[0] - 2] = 50.0  # the band before the first selected one: caught if read 0-based
    savemat(tmp_path / USGS, {
        "M": M, "slctBnds": bands.astype(np.uint8)[None], "waveLength": np.arange(30.0)[None],
        "nEnd": np.uint8(6), "cood": _cellstr([f"#{i + 1} Mineral_{i + 1}" for i in range(6)]),
    })
    return tmp_path, M[bands - 1].T


# ------------------------------------------------------------ get_data_home
def test_get_data_home(monkeypatch, tmp_path):
    assert get_data_home(tmp_path) == str(tmp_path)
    assert get_data_home("~/x") == os.path.expanduser("~/x")
    monkeypatch.setenv("LRSPARSE_DATA", str(tmp_path / "env"))
    assert get_data_home() == str(tmp_path / "env")
    assert get_data_home(tmp_path) == str(tmp_path)  # the argument wins
    monkeypatch.setenv("HOME", str(tmp_path))
    monkeypatch.setenv("LRSPARSE_DATA", "")  # empty: as unset
    assert get_data_home() == str(tmp_path / "lrsparse_data")
    monkeypatch.delenv("LRSPARSE_DATA")
    assert get_data_home() == str(tmp_path / "lrsparse_data")
    assert not (tmp_path / "lrsparse_data").exists()  # never created
    with pytest.raises(ValueError, match="data_home"):
        get_data_home(3)


def test_data_file_both_places(tmp_path):
    (tmp_path / "a.mat").write_bytes(b"")
    (tmp_path / "hyperspectral").mkdir()
    (tmp_path / "hyperspectral" / "b.mat").write_bytes(b"")
    assert _data_file("a.mat", tmp_path) == str(tmp_path / "a.mat")
    assert _data_file("b.mat", tmp_path) == str(tmp_path / "hyperspectral" / "b.mat")


@pytest.mark.parametrize(
    "loader, name, source",
    [
        (load_samson, "samson.mat", "Zhu"),
        (load_urban_semireal, URBAN, "Urban scene from F. Zhu"),
        (make_rare_material_scene, USGS, "USGS spectral library"),
    ],
)
def test_missing_file_message(loader, name, source, tmp_path, monkeypatch):
    for kwargs in ({"data_home": tmp_path}, {}):
        monkeypatch.setenv("LRSPARSE_DATA", str(tmp_path))  # also the env var route
        with pytest.raises(FileNotFoundError) as info:
            loader(**kwargs)
        msg = str(info.value)
        for part in (str(tmp_path / "hyperspectral" / name), str(tmp_path / name),
                     "LRSPARSE_DATA", source, "not bundled with lrsparse (licence unknown)"):
            assert part in msg


@_needs("samson.mat")
def test_env_var_is_honoured(monkeypatch):
    monkeypatch.setenv("LRSPARSE_DATA", str(DATA))
    assert load_samson().X.shape == (9025, 156)


# ------------------------------------------------------------------ Samson
@_needs("samson.mat")
def test_load_samson():
    data = load_samson(data_home=DATA)
    assert data.X.shape == (9025, 156) and data.endmembers.shape == (3, 156)
    assert data.abundances.shape == (9025, 3) and data.image_shape == (95, 95)
    assert data.X.dtype == data.endmembers.dtype == np.float64
    np.testing.assert_allclose(data.abundances.sum(axis=1), 1.0, atol=1e-6)
    assert data.endmember_names == ("soil", "tree", "water")
    # Bands 401-889 nm: water is dark in the near infrared, tree dark in the
    # visible and bright beyond the red edge, soil in between.
    wl = np.linspace(401, 889, 156)
    E = dict(zip(data.endmember_names, data.endmembers))
    nir, visible = wl > 780, (wl > 450) & (wl < 680)
    assert E["water"][nir].mean() < 0.5 * min(E["soil"][nir].mean(), E["tree"][nir].mean())
    assert E["tree"][visible].mean() < 0.5 * E["soil"][visible].mean()
    # And in the image: the purest water pixels are the darkest in the NIR.
    purest = data.abundances.argmax(axis=0)
    assert data.X[purest[2], nir].mean() < 0.2 * data.X[purest[:2]][:, nir].mean()


# -------------------------------------------------------------- semi-real Urban
def test_urban_pixel_order_and_names(fake_urban):
    home, cube, E = fake_urban
    data = load_urban_semireal(data_home=home, snr_db=None, illumination=0.0, random_state=0)
    assert data.image_shape == FAKE_SHAPE
    np.testing.assert_array_equal(data.abundances, cube.reshape(-1, 3))  # row-major
    np.testing.assert_array_equal(data.endmembers, E)
    np.testing.assert_allclose(data.X, data.abundances @ E)
    np.testing.assert_array_equal(data.illumination, 1.0)
    assert data.endmember_names == ("asphalt road", "grass", "metal")
    assert data.corrupted_bands.shape == (0,)
    # The convention of load_hyperspectral_mat: the same file with Y = M A reads the same.
    A = cube.transpose(1, 0, 2).reshape(-1, 3).T
    savemat(home / "y.mat", {"Y": E.T @ A, "nRow": FAKE_SHAPE[0], "nCol": FAKE_SHAPE[1]})
    np.testing.assert_allclose(load_hyperspectral_mat(home / "y.mat").X, data.X)


def test_urban_crop(fake_urban):
    home, cube, _ = fake_urban
    data = load_urban_semireal(data_home=home, crop=(2, 3, 5, 4), snr_db=None, random_state=0)
    assert data.image_shape == (5, 4) and data.X.shape == (20, 20)
    np.testing.assert_array_equal(data.abundances, cube[2:7, 3:7].reshape(-1, 3))
    full = load_urban_semireal(data_home=home, crop=[0, 0, 12, 9], snr_db=None, illumination=0)
    np.testing.assert_array_equal(full.abundances, cube.reshape(-1, 3))


def test_urban_illumination_noise_and_seed(fake_urban):
    home, _, E = fake_urban
    kw = dict(data_home=home, snr_db=None, illumination=0.3)
    data = load_urban_semireal(random_state=0, **kw)
    s = data.illumination
    assert s.shape == (108,) and s.min() >= 0.7 and s.max() <= 1.3
    assert s.min() < 0.8 and s.max() > 1.2  # the whole range is used
    np.testing.assert_allclose(data.X, s[:, None] * (data.abundances @ E))
    again = load_urban_semireal(random_state=0, **kw)
    other = load_urban_semireal(random_state=1, **kw)
    np.testing.assert_array_equal(data.X, again.X)
    assert not np.allclose(data.X, other.X)
    for snr in (20.0, 30.0):
        noisy = load_urban_semireal(data_home=home, snr_db=snr, illumination=0.3, random_state=0)
        np.testing.assert_array_equal(noisy.illumination, s)  # drawn first, same seed
        assert abs(_snr_db(data.X, noisy.X) - snr) < 1.0
        assert noisy.X.min() >= 0


def test_urban_corrupted_bands(fake_urban):
    home, _, _ = fake_urban
    clean = load_urban_semireal(data_home=home, snr_db=None, random_state=0)
    data = load_urban_semireal(data_home=home, snr_db=None, corrupted_band_fraction=0.2,
                               random_state=0)
    bad = data.corrupted_bands
    assert bad.dtype == np.intp and len(bad) == 4 and np.all(np.diff(bad) > 0)
    good = np.setdiff1d(np.arange(20), bad)
    np.testing.assert_array_equal(data.X[:, good], clean.X[:, good])
    spread = np.abs(data.X[:, bad] - clean.X[:, bad]).mean()
    assert spread > 0.1 * clean.X.max()
    assert data.X.min() >= 0


@pytest.mark.parametrize(
    "kwargs, name",
    [
        ({"snr_db": -200.0}, "snr_db"),
        ({"snr_db": "high"}, "snr_db"),
        ({"illumination": 1.0}, "illumination"),
        ({"illumination": -0.1}, "illumination"),
        ({"illumination": np.nan}, "illumination"),
        ({"corrupted_band_fraction": 1.0}, "corrupted_band_fraction"),
        ({"crop": (0, 0, 13, 9)}, "crop"),
        ({"crop": (-1, 0, 2, 2)}, "crop"),
        ({"crop": (0, 0, 0, 2)}, "crop"),
        ({"crop": (0, 0, 2)}, "crop"),
        ({"crop": (0.0, 0, 2, 2)}, "crop"),
        ({"crop": "all"}, "crop"),
        ({"data_home": 1}, "data_home"),
    ],
)
def test_urban_bad_parameters(fake_urban, kwargs, name):
    home, _, _ = fake_urban
    kwargs = {"data_home": home, **kwargs}
    with pytest.raises(ValueError, match=name):
        load_urban_semireal(**kwargs)


@_needs(URBAN)
def test_real_urban():
    from scipy.io import loadmat

    data = load_urban_semireal(data_home=DATA, snr_db=None, illumination=0.0)
    assert data.X.shape == (94249, 162) and data.endmembers.shape == (6, 162)
    assert data.image_shape == (307, 307)
    assert data.endmember_names == ("asphalt road", "grass", "tree", "roof", "metal", "dirt")
    A = data.abundances
    np.testing.assert_allclose(A.sum(axis=1), 1.0, atol=1e-9)  # stored sums are 1
    mass = A.sum(axis=0) / A.sum()
    assert 0.025 < mass[4] < 0.04 and 0.07 < mass[3] < 0.09  # rare metal and roof
    # The documented convention, checked on the stored array: column r + c * 307.
    stored = loadmat(DATA / "hyperspectral" / URBAN)["A"]
    for r, c in [(0, 1), (5, 200), (306, 17)]:
        np.testing.assert_array_equal(A[r * 307 + c], stored[:, r + c * 307])
    # A crop is the window of the full scene.
    crop = load_urban_semireal(data_home=DATA, crop=(100, 50, 60, 90), snr_db=None)
    cube = A.reshape(307, 307, 6)
    np.testing.assert_array_equal(crop.abundances, cube[100:160, 50:140].reshape(-1, 6))
    # Row-major order gives smooth maps: neighbours correlate strongly both ways,
    # and the non-square window read with rows and columns swapped does not.
    window = crop.abundances.reshape(60, 90, 6)
    assert _neighbour_corr(window, 0) > 0.7 and _neighbour_corr(window, 1) > 0.7
    swapped = crop.abundances.reshape(90, 60, 6)
    assert _neighbour_corr(swapped, 0) < 0.4


@_needs(URBAN)
def test_real_urban_snr_and_illumination():
    kw = dict(data_home=DATA, crop=(0, 0, 40, 50), illumination=0.2, random_state=3)
    clean = load_urban_semireal(snr_db=None, **kw)
    noisy = load_urban_semireal(snr_db=30.0, **kw)
    assert abs(_snr_db(clean.X, noisy.X) - 30.0) < 1.0
    s = clean.illumination
    assert 0.8 <= s.min() < 0.82 and 1.18 < s.max() <= 1.2


# ---------------------------------------------------------- rare-material scene
def _rare_checks(data, fraction, peak):
    A = data.abundances
    a = A[:, data.rare_index]
    n_pixels = A.shape[0]
    assert data.X.shape == (n_pixels, data.endmembers.shape[1])
    assert data.X.dtype == A.dtype == data.endmembers.dtype == np.float64
    assert A.min() >= 0 and data.X.min() >= 0
    np.testing.assert_allclose(A.sum(axis=1), 1.0, atol=1e-12)
    assert a.max() == pytest.approx(peak, abs=1e-12)  # never pure
    assert abs((a > 0.05).sum() - fraction * n_pixels) <= 3
    assert np.all((a == 0) | (a >= 0.01))
    return a


@pytest.mark.parametrize(
    "shape, fraction, peak", [((40, 48), 0.05, 0.7), ((64, 64), 0.02, 0.5), ((30, 30), 0.1, 0.9)]
)
def test_rare_fraction_and_peak(fake_usgs, shape, fraction, peak):
    home, library = fake_usgs
    data = make_rare_material_scene(shape, 3, rare_fraction=fraction, rare_max_abundance=peak,
                                    data_home=home, random_state=0)
    a = _rare_checks(data, fraction, peak)
    assert data.image_shape == shape
    # Thin curvilinear structures: nothing survives an erosion by a 9 x 9 square,
    # and the structure is long compared with its area.
    mask = (a > 0.05).reshape(shape)
    assert not binary_erosion(mask, np.ones((9, 9))).any()
    rows, cols = np.nonzero(mask)
    extent = np.hypot(np.ptp(rows), np.ptp(cols))
    assert extent > 1.3 * np.sqrt(mask.sum())  # a disc: 1.13


def test_rare_scene_library_and_names(fake_usgs):
    home, library = fake_usgs
    seen = set()
    for seed in range(12):
        data = make_rare_material_scene((16, 16), 4, data_home=home, random_state=seed)
        idx = [int(name.split("_")[1]) - 1 for name in data.endmember_names]
        assert idx == sorted(idx) and len(set(idx)) == 4
        np.testing.assert_array_equal(data.endmembers, library[idx])  # 1-based slctBnds
        assert not {0, 5} <= set(idx)  # the near-duplicate pair is never chosen together
        seen.add(data.rare_index)
        assert isinstance(data.rare_index, int)
    assert seen == {0, 1, 2, 3}


def test_rare_scene_seed_and_noise(fake_usgs):
    home, _ = fake_usgs
    kw = dict(image_shape=(32, 32), n_endmembers=3, data_home=home)
    a = make_rare_material_scene(random_state=5, **kw)
    b = make_rare_material_scene(random_state=5, **kw)
    c = make_rare_material_scene(random_state=6, **kw)
    for key in ("X", "abundances", "endmembers"):
        np.testing.assert_array_equal(a[key], b[key])
    assert a.rare_index == b.rare_index and not np.array_equal(a.X, c.X)
    clean = make_rare_material_scene(snr_db=None, random_state=5, **kw)
    np.testing.assert_allclose(clean.X, clean.abundances @ clean.endmembers)
    for snr in (15.0, 30.0):
        noisy = make_rare_material_scene(snr_db=snr, random_state=5, **kw)
        assert abs(_snr_db(clean.X, noisy.X) - snr) < 1.0


@pytest.mark.parametrize(
    "kwargs, name",
    [
        ({"image_shape": (0, 5)}, "image_shape"),
        ({"image_shape": (4, 5, 6)}, "image_shape"),
        ({"image_shape": "big"}, "image_shape"),
        ({"n_endmembers": 1}, "n_endmembers"),
        ({"n_endmembers": 6}, "n_endmembers"),  # the library's largest set is 5
        ({"rare_fraction": 0.0}, "rare_fraction"),
        ({"rare_fraction": 0.6}, "rare_fraction"),
        ({"rare_max_abundance": 1.0}, "rare_max_abundance"),
        ({"rare_max_abundance": 0.05}, "rare_max_abundance"),
        ({"snr_db": np.nan}, "snr_db"),
        ({"random_state": "x"}, "random_state"),
    ],
)
def test_rare_scene_bad_parameters(fake_usgs, kwargs, name):
    home, _ = fake_usgs
    with pytest.raises(ValueError, match=name):
        make_rare_material_scene(**{"data_home": home, **kwargs})


def test_rare_scene_too_many_endmembers_message(fake_usgs):
    home, _ = fake_usgs
    with pytest.raises(ValueError, match="largest set .* has 5 spectra"):
        make_rare_material_scene(n_endmembers=6, data_home=home)


@_needs(USGS)
def test_real_rare_scene():
    data = make_rare_material_scene((48, 48), 4, rare_fraction=0.05, data_home=DATA,
                                    random_state=0)
    _rare_checks(data, 0.05, 0.7)
    assert data.endmembers.shape == (4, 188)
    names = ("alunite", "andradite", "buddingtonite", "dumortierite", "kaolinite_1",
             "kaolinite_2", "muscovite", "montmorillonite", "nontronite", "pyrope",
             "sphene", "chalcedony")
    assert set(data.endmember_names) <= set(names)
    pairs = list(itertools.combinations(range(4), 2))
    angles = spectral_angle_distance(data.endmembers[[i for i, _ in pairs]],
                                     data.endmembers[[j for _, j in pairs]], average=False)
    assert angles.min() >= 0.1
    # The purest rare pixel is not the rare spectrum: a pure-pixel method stays away from it.
    rare = data.endmembers[data.rare_index]
    best = data.abundances[:, data.rare_index].argmax()
    purest = data.abundances[best] @ data.endmembers
    assert spectral_angle_distance(rare[None], purest[None]) > 0.01
    with pytest.raises(ValueError, match="has 8 spectra"):
        make_rare_material_scene((8, 8), 9, data_home=DATA)
