from pathlib import Path

import numpy as np
import pytest
from scipy.io import savemat

from lrsparse.datasets import load_hyperspectral_mat, make_hyperspectral
from lrsparse.metrics import spectral_angle_distance
from lrsparse.utils._sklearn import InvalidParameterError

REPO_ROOT = Path(__file__).resolve().parents[2]
SAMSON = REPO_ROOT.parent / "shared" / "data" / "hyperspectral" / "samson.mat"


def _snr_db(clean, noisy):
    return 10 * np.log10(np.mean(clean**2) / np.mean((noisy - clean) ** 2))


# ------------------------------------------------------------- make_hyperspectral


def test_make_shapes_and_ground_truth():
    X, E, A = make_hyperspectral((12, 20), n_endmembers=4, n_bands=60, random_state=0)
    assert X.shape == (240, 60) and E.shape == (4, 60) and A.shape == (240, 4)
    assert X.dtype == E.dtype == A.dtype == np.float64
    assert X.min() >= 0 and E.min() > 0 and A.min() >= 0
    np.testing.assert_allclose(A.sum(axis=1), 1.0)
    np.testing.assert_allclose(E.max(axis=1), 1.0)
    # Clearly distinct endmembers.
    iu = np.triu_indices(4, 1)
    pairs = spectral_angle_distance(E[iu[0]], E[iu[1]], average=False)
    assert pairs.min() > 0.2
    # Smooth spectra: band-to-band steps are small compared with the range.
    assert np.abs(np.diff(E, axis=1)).max() < 0.3


def test_make_noiseless_is_linear_mixing():
    X, E, A = make_hyperspectral((8, 8), n_endmembers=3, n_bands=20, snr_db=None, random_state=1)
    np.testing.assert_allclose(X, A @ E)
    X2, _, _ = make_hyperspectral((8, 8), 3, 20, snr_db=np.inf, random_state=1)
    np.testing.assert_array_equal(X, X2)


def test_make_extreme_snr_is_finite():
    # 10 ** (5000 / 10) overflows a Python float: the noise is then 0, no OverflowError.
    X, E, A = make_hyperspectral((4, 4), 3, 10, snr_db=5000.0, random_state=0)
    np.testing.assert_allclose(X, A @ E, rtol=1e-12)
    X, _, _ = make_hyperspectral((4, 4), 3, 10, snr_db=-100.0, random_state=0)
    assert np.isfinite(X).all() and X.max() > 1e3


def test_make_seeded():
    a = make_hyperspectral((10, 10), 3, 30, outlier_band_fraction=0.1, random_state=3)
    b = make_hyperspectral((10, 10), 3, 30, outlier_band_fraction=0.1, random_state=3)
    c = make_hyperspectral((10, 10), 3, 30, outlier_band_fraction=0.1, random_state=4)
    for u, v in zip(a, b):
        np.testing.assert_array_equal(u, v)
    assert not np.array_equal(a[0], c[0])


@pytest.mark.parametrize("snr_db", [15.0, 30.0])
def test_make_realised_snr(snr_db):
    X, E, A = make_hyperspectral((40, 40), 3, 80, snr_db=snr_db, random_state=0)
    assert abs(_snr_db(A @ E, X) - snr_db) < 1.0


def test_make_abundances_smooth_and_partly_pure():
    shape = (40, 48)
    _, _, A = make_hyperspectral(shape, 3, 50, random_state=0)
    cube = A.reshape(*shape, 3)  # row-major pixel order
    horizontal = np.abs(np.diff(cube, axis=1)).sum(-1).mean()
    vertical = np.abs(np.diff(cube, axis=0)).sum(-1).mean()
    rng = np.random.default_rng(0)
    i, j = rng.integers(0, A.shape[0], (2, 5000))
    random_pairs = np.abs(A[i] - A[j]).sum(-1).mean()
    assert horizontal < 0.3 * random_pairs and vertical < 0.3 * random_pairs
    pure = (A.max(axis=1) > 0.9).mean()
    mixed = (A.max(axis=1) < 0.7).mean()
    assert pure > 0.3 and mixed > 0.05
    # Every endmember dominates somewhere.
    assert len(np.unique(A.argmax(axis=1))) == 3


def test_make_outlier_bands():
    kw = dict(image_shape=(16, 16), n_endmembers=3, n_bands=50, snr_db=40.0, random_state=0)
    X, E, A, bad = make_hyperspectral(outlier_band_fraction=0.1, return_outlier_bands=True, **kw)
    assert bad.shape == (5,) and np.all(np.diff(bad) > 0) and bad.max() < 50
    X0, E0, A0 = make_hyperspectral(**kw)
    np.testing.assert_array_equal(E, E0)
    np.testing.assert_array_equal(A, A0)
    good = np.setdiff1d(np.arange(50), bad)
    np.testing.assert_array_equal(X[:, good], X0[:, good])
    clean = A @ E
    band_error = np.sqrt(np.mean((X - clean) ** 2, axis=0))
    assert band_error[bad].min() > 20 * band_error[good].max()
    assert X.min() >= 0
    # The signal survives on average: band means stay close to the clean ones.
    np.testing.assert_allclose(X[:, bad].mean(axis=0), clean[:, bad].mean(axis=0),
                               atol=0.3 * X0.max())
    # At least one band, never all of them; none without outliers.

    def n_outliers(n_bands, fraction):
        out = make_hyperspectral(
            (4, 4), 2, n_bands, outlier_band_fraction=fraction, return_outlier_bands=True,
            random_state=0,
        )
        return out[3].size

    assert n_outliers(30, 1e-6) == 1
    assert n_outliers(10, 0.99) == 9
    assert n_outliers(10, 0.0) == 0


def test_make_edge_sizes():
    X, E, A = make_hyperspectral((1, 1), 1, 1, random_state=0)
    assert X.shape == (1, 1) and np.allclose(A, 1.0)
    X, E, A = make_hyperspectral((1, 30), 2, 5, random_state=0)
    assert X.shape == (30, 5) and np.allclose(A.sum(1), 1.0)


@pytest.mark.parametrize(
    "kwargs, exc, match",
    [
        (dict(n_endmembers=5, n_bands=4), ValueError, "n_endmembers=5"),
        (dict(image_shape=(0, 4)), ValueError, "image_shape"),
        (dict(image_shape=(4, 4, 4)), ValueError, "image_shape"),
        (dict(image_shape=(4.0, 4)), ValueError, "image_shape"),
        (dict(image_shape=16), InvalidParameterError, "image_shape"),
        (dict(n_endmembers=0), InvalidParameterError, "n_endmembers"),
        (dict(n_bands=2.5), InvalidParameterError, "n_bands"),
        (dict(snr_db=np.nan), InvalidParameterError, "snr_db"),
        (dict(snr_db=-np.inf), InvalidParameterError, "snr_db"),
        (dict(snr_db=-1000.0), InvalidParameterError, "snr_db"),
        (dict(outlier_band_fraction=1.0), InvalidParameterError, "outlier_band_fraction"),
        (dict(outlier_band_fraction=-0.1), InvalidParameterError, "outlier_band_fraction"),
    ],
)
def test_make_bad_arguments(kwargs, exc, match):
    with pytest.raises(exc, match=match):
        make_hyperspectral(**kwargs)


# --------------------------------------------------------- load_hyperspectral_mat


def _write_mat(path, cube, *, S=None, GT=None, **extra):
    """Save ``cube`` (n_rows, n_cols, L) as MATLAB would: Y = reshape(cube, [], L)'."""
    n_rows, n_cols, L = cube.shape
    Y = cube.transpose(1, 0, 2).reshape(-1, L).T  # Fortran order over (rows, cols)
    mdict = {"Y": Y, **extra}
    if S is not None:
        mdict["S_GT"] = S
    if GT is not None:
        mdict["GT"] = GT
    savemat(path, mdict)
    return Y


@pytest.fixture
def scene():
    rng = np.random.default_rng(0)
    n_rows, n_cols, L, K = 4, 7, 5, 3
    S = rng.dirichlet(np.ones(K), size=(n_rows, n_cols))
    GT = rng.random((K, L)) + 0.1
    cube = S @ GT  # (n_rows, n_cols, L)
    return cube, S, GT


def test_load_recovers_row_major_order(tmp_path, scene):
    cube, S, GT = scene
    n_rows, n_cols, L = cube.shape
    path = tmp_path / "scene.mat"
    Y = _write_mat(path, cube, S=S, GT=GT, lines=np.uint8(n_rows), cols=np.uint8(n_cols))
    # The MATLAB order really differs from ours here (column 1 is row 1, column 0).
    np.testing.assert_array_equal(Y[:, 1], cube[1, 0])
    data = load_hyperspectral_mat(path)
    assert data.image_shape == (n_rows, n_cols)
    assert data.X.dtype == np.float64 and data.X.flags.c_contiguous
    np.testing.assert_array_equal(data.X, cube.reshape(-1, L))
    np.testing.assert_array_equal(data.X[2 * n_cols + 5], cube[2, 5])
    np.testing.assert_array_equal(data.abundances, S.reshape(-1, 3))
    np.testing.assert_array_equal(data.endmembers, GT)
    np.testing.assert_allclose(data.X, data.abundances @ data.endmembers)


@pytest.mark.parametrize("size_keys", ["nRow", "S_GT_only", "lines"])
def test_load_image_size_sources(tmp_path, scene, size_keys):
    cube, S, GT = scene
    n_rows, n_cols, L = cube.shape
    extra = {}
    if size_keys == "nRow":
        extra = dict(nRow=float(n_rows), nCol=float(n_cols))
    elif size_keys == "lines":
        extra = dict(lines=n_rows, cols=n_cols)
    path = tmp_path / "scene.mat"
    _write_mat(path, cube, S=S if size_keys == "S_GT_only" else None, **extra)
    data = load_hyperspectral_mat(str(path))
    assert data.image_shape == (n_rows, n_cols)
    np.testing.assert_array_equal(data.X, cube.reshape(-1, L))
    assert data.endmembers is None
    assert (data.abundances is None) == (size_keys != "S_GT_only")


def test_load_square_inferred(tmp_path):
    cube = np.random.default_rng(1).random((3, 3, 4))
    path = tmp_path / "square.mat"
    _write_mat(path, cube)
    data = load_hyperspectral_mat(path)
    assert data.image_shape == (3, 3)
    np.testing.assert_array_equal(data.X, cube.reshape(9, 4))
    assert data.abundances is None and data.endmembers is None


def test_load_errors(tmp_path, scene):
    cube, S, GT = scene
    n_rows, n_cols, L = cube.shape

    def write(name, **mdict):
        path = tmp_path / name
        savemat(path, mdict)
        return path

    Y = cube.transpose(1, 0, 2).reshape(-1, L).T
    with pytest.raises(ValueError, match="no 'Y'.*'GT'"):
        load_hyperspectral_mat(write("noy.mat", GT=GT))
    with pytest.raises(ValueError, match="perfect square"):
        load_hyperspectral_mat(write("nosize.mat", Y=Y))
    with pytest.raises(ValueError, match="'GT'"):
        load_hyperspectral_mat(write("gt.mat", Y=Y, GT=GT.T, nRow=n_rows, nCol=n_cols))
    with pytest.raises(ValueError, match="'S_GT'.*'GT'"):
        load_hyperspectral_mat(write("k.mat", Y=Y, GT=GT[:2], S_GT=S))
    with pytest.raises(ValueError, match="Inconsistent image size"):
        load_hyperspectral_mat(write("inc.mat", Y=Y, S_GT=S, lines=n_cols, cols=n_rows))
    with pytest.raises(ValueError, match="does not match"):
        load_hyperspectral_mat(write("mis.mat", Y=Y, nRow=3, nCol=3))
    with pytest.raises(ValueError, match="'nCol' is missing"):
        load_hyperspectral_mat(write("half.mat", Y=Y, nRow=n_rows))
    with pytest.raises(ValueError, match="'lines'"):
        load_hyperspectral_mat(write("frac.mat", Y=Y, lines=2.5, cols=n_cols))
    with pytest.raises(ValueError, match="'S_GT'"):
        load_hyperspectral_mat(write("s.mat", Y=Y, S_GT=np.ones((2, 2, 2, 2))))


@pytest.mark.skipif(not SAMSON.exists(), reason=f"{SAMSON} not available")
def test_load_samson_pixel_order():
    data = load_hyperspectral_mat(SAMSON)
    assert data.X.shape == (9025, 156) and data.image_shape == (95, 95)
    assert data.endmembers.shape == (3, 156) and data.abundances.shape == (9025, 3)

    def correlations(X):
        A_ls = np.linalg.lstsq(data.endmembers.T, X.T, rcond=None)[0].T
        return [np.corrcoef(A_ls[:, k], data.abundances[:, k])[0, 1] for k in range(3)]

    right = correlations(data.X)
    # The other order: the image transposed (MATLAB order read as row-major).
    wrong = correlations(data.X.reshape(95, 95, 156).transpose(1, 0, 2).reshape(9025, 156))
    assert min(right) > 0.85
    assert max(wrong) < 0.7
