"""The unmixing start (find_endmembers), rare materials, stability and n_components="auto"."""

import warnings
from pathlib import Path

import numpy as np
import pytest
from sklearn.exceptions import ConvergenceWarning

from lrsparse.datasets import make_hyperspectral, make_rare_material_scene
from lrsparse.decomposition import (
    CorrentropyNMF,
    RobustGuidedNMF,
    StructuredSparseNMF,
    find_endmembers,
)
from lrsparse.metrics import match_components, spectral_angle_distance

DATA_HOME = Path(__file__).resolve().parents[3] / "shared" / "data"


@pytest.fixture(scope="module")
def scene():
    return make_hyperspectral((30, 30), 4, 60, snr_db=30, random_state=0)


def _rare_scene(seed, shape=(48, 48), variability=0.03):
    try:
        return make_rare_material_scene(shape, 4, spectral_variability=variability,
                                        data_home=DATA_HOME, random_state=seed)
    except FileNotFoundError:
        pytest.skip("usgs_cuprite_12_spectra.mat is not in ../shared/data")


def _sad(E, E_est):
    perm = match_components(E, E_est)
    return spectral_angle_distance(E, E_est[perm], average=False)


@pytest.mark.parametrize("method", ["nfindr", "vca"])
def test_finds_the_endmembers(method, scene):
    X, E, _ = scene
    X0 = X.copy()
    endmembers, indices = find_endmembers(X, 4, method=method, random_state=0)
    np.testing.assert_array_equal(X, X0)
    assert indices.shape == (4,) and len(set(indices.tolist())) == 4
    # The chosen pixels projected on the signal subspace: close to the pixels,
    # closer to the truth (their noise is left out).
    assert spectral_angle_distance(X[indices], endmembers) < 0.05
    assert np.all(endmembers >= 0)
    endmembers[:] = -1  # a copy: the caller's X is untouched
    np.testing.assert_array_equal(X, X0)
    assert _sad(E, X[indices]).max() < 0.06
    assert _sad(E, find_endmembers(X, 4, method=method, random_state=0)[0]).mean() <= \
        _sad(E, X[indices]).mean()


def test_nfindr_does_not_depend_on_the_seed(scene):
    X, _, _ = scene
    picks = {tuple(find_endmembers(X, 4, random_state=s)[1]) for s in range(4)}
    assert len(picks) == 1


@pytest.mark.parametrize("factor", [1e-100, 1e-6, 1.0, 1e6, 1e100])
def test_scale_invariant(factor, scene):
    X, _, _ = scene
    _, ref = find_endmembers(X, 4, random_state=0)
    _, idx = find_endmembers(X * factor, 4, random_state=0)
    np.testing.assert_array_equal(idx, ref)


def test_float32(scene):
    X, _, _ = scene
    E32, idx = find_endmembers(X.astype(np.float32), 4, random_state=0)
    assert E32.dtype == np.float32
    np.testing.assert_array_equal(idx, find_endmembers(X, 4, random_state=0)[1])


@pytest.mark.parametrize(
    "kwargs, match",
    [
        (dict(n_components=61), "n_components=61 must be <="),
        (dict(n_components=0), "n_components"),
        (dict(n_components=3, method="ppi"), "method"),
        (dict(n_components=3, n_dims=0), "n_dims"),
    ],
)
def test_bad_parameters(kwargs, match, scene):
    X, _, _ = scene
    with pytest.raises(ValueError, match=match):
        find_endmembers(X, **kwargs)


def test_bad_input(scene):
    X, _, _ = scene
    with pytest.raises(ValueError, match="Negative values"):
        find_endmembers(X - 1.0, 3)
    Xn = X.copy()
    Xn[0, 0] = np.nan
    with pytest.raises(ValueError, match="NaN"):
        find_endmembers(Xn, 3)


def test_start_keeps_the_rare_material():
    # Rare material in 5% of the pixels, at most 70%, with 3% spectral
    # variability of every material: the start picks one of its pixels.
    sads = []
    for seed in range(4):
        data = _rare_scene(seed)
        r = data.rare_index
        _, idx = find_endmembers(data.X, 4, random_state=0)
        perm = match_components(data.endmembers, data.X[idx])
        assert data.abundances[idx[perm[r]], r] >= 0.5, seed
        sads.append(spectral_angle_distance(data.endmembers[r], data.X[idx[perm[r]]]))
    assert np.mean(sads) <= 0.10


@pytest.mark.parametrize("cls", [CorrentropyNMF, RobustGuidedNMF, StructuredSparseNMF])
def test_rare_material_recovered_and_stable(cls):
    # The test: the rare material's SAD <= 0.10 at 30 dB, and the mean
    # SAD over random_state varies by at most 0.03 rad.
    data = _rare_scene(0, variability=0.0)
    kw = {"image_shape": data.image_shape} if cls is StructuredSparseNMF else {}
    means = []
    for rs in range(3):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ConvergenceWarning)
            est = cls(4, random_state=rs, **kw).fit(data.X)
        sad = _sad(data.endmembers, est.components_)
        assert sad[data.rare_index] <= 0.10
        means.append(sad.mean())
    assert max(means) - min(means) <= 0.03


def test_n_components_auto():
    X, E, A = make_hyperspectral((32, 32), 5, 80, snr_db=30, random_state=1)
    est = CorrentropyNMF("auto", random_state=0).fit(X)
    assert est.n_components_ == 5
    assert est.components_.shape == (5, 80)
    assert est.transform(X).shape == (1024, 5)
    assert est.inverse_transform(est.transform(X)).shape == X.shape
    assert _sad(E, est.components_).mean() < 0.05
    assert CorrentropyNMF(3, max_iter=50, tol=1e-2).fit(X).n_components_ == 3


def test_dark_pixels_keep_their_scale():
    # The perspective projection divides out a pixel's brightness, except for
    # pixels darker than half the mean pixel, which keep their scale (so shade
    # cannot make a vertex).
    from lrsparse.decomposition._endmembers import _signal_projection

    X, _, _ = make_hyperspectral((20, 20), 3, 40, snr_db=None, random_state=0)
    i = int(np.argmax(X.sum(axis=1)))  # brighter than the mean, at most 2.5x
    assert 1.0 < X[i].sum() / X.sum(axis=1).mean() < 2.5
    ref = np.linalg.norm(_signal_projection(X, 3)[0][i])
    ratios = []
    for factor in (0.8, 0.1):
        dark = X.copy()
        dark[i] *= factor
        ratios.append(np.linalg.norm(_signal_projection(dark, 3)[0][i]) / ref)
    assert abs(ratios[0] - 1.0) < 0.02  # above half the mean: scale divided out
    assert ratios[1] < 0.6  # below: keeps (most of) its darkness
