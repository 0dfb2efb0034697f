"""HySime: the number of endmembers (``estimate_n_endmembers``) and its noise step."""

from pathlib import Path

import numpy as np
import pytest

from lrsparse.datasets import load_samson, load_urban_semireal, make_hyperspectral
from lrsparse.decomposition._hysime import _estimate_noise, estimate_n_endmembers

DATA_HOME = Path(__file__).resolve().parents[3] / "shared" / "data"


def _scene(n_endmembers=4, n_bands=100, image_shape=(32, 32), snr_db=30.0, seed=0):
    return make_hyperspectral(image_shape, n_endmembers=n_endmembers, n_bands=n_bands,
                              snr_db=snr_db, random_state=seed)


@pytest.mark.parametrize("n_endmembers", [3, 4, 5, 6, 7, 8])
def test_true_count_on_synthetic_scenes(n_endmembers):
    # Realistic sizes (48 x 48 pixels, 100-156 bands) at 30 dB, five seeds each.
    for seed in range(5):
        n_bands = (100, 128, 156)[seed % 3]
        X, _, _ = _scene(n_endmembers, n_bands, (48, 48), seed=seed)
        assert estimate_n_endmembers(X, method="hysime") == n_endmembers, (seed, n_bands)


@pytest.mark.parametrize("n_endmembers", [3, 4, 5, 6, 7, 8])
def test_eigengap_counts_all_but_a_weak_material(n_endmembers):
    # The same scenes: the largest eigenvalue gap inside HySime's subspace is
    # the true count, or one less when the weakest material (a few percent of
    # the mass) has a smaller gap than a stronger one before it (seen twice
    # in 30: 2.4% and 1.1% of the mass).
    for seed in range(5):
        n_bands = (100, 128, 156)[seed % 3]
        X, _, A = _scene(n_endmembers, n_bands, (48, 48), seed=seed)
        k = estimate_n_endmembers(X, method="eigengap")
        if k != n_endmembers:
            assert k == n_endmembers - 1 and A.mean(axis=0).min() < 0.03, (seed, k)


def test_hysime_keeps_the_rare_material_where_the_gap_does_not():
    # make_rare_material_scene: 4 similar USGS minerals, one in 5% of the
    # pixels, never pure.  HySime counts it; the eigenvalue gap often does not.
    from lrsparse.datasets import make_rare_material_scene

    gap = []
    for seed in range(4):
        try:
            data = make_rare_material_scene((48, 48), data_home=DATA_HOME, random_state=seed)
        except FileNotFoundError:
            pytest.skip("usgs_cuprite_12_spectra.mat is not in ../shared/data")
        assert estimate_n_endmembers(data.X) == 4
        gap.append(estimate_n_endmembers(data.X, method="eigengap"))
    assert min(gap) < 4


def test_a_material_weaker_than_the_noise_is_not_counted():
    # Seed 6 of the 8-endmember scene: one material holds 0.5 % of the abundance
    # mass and no pixel is more than 90 % of it.  Its signal power along its own
    # direction (8th eigenvalue of the clean second moment) is below the noise
    # variance, so projecting onto it adds more noise than signal: the
    # minimum-error subspace has 7 dimensions.  With 10 dB less noise it counts.
    X, E, A = _scene(8, 100, (48, 48), seed=6)
    clean = A @ E
    eig = np.linalg.eigvalsh(clean.T @ clean / len(clean))[::-1]
    noise_var = np.mean((X - clean) ** 2)
    assert eig[7] < noise_var < eig[6]
    assert estimate_n_endmembers(X, method="hysime") == 7
    X40, _, _ = _scene(8, 100, (48, 48), snr_db=40.0, seed=6)
    assert estimate_n_endmembers(X40, method="hysime") == 8


def test_details_are_consistent():
    X, E, A = _scene(5, 80, seed=1)
    k, d = estimate_n_endmembers(X, method="hysime", return_details=True)
    assert isinstance(k, int) and k == d.n_signal == 5
    L = X.shape[1]
    assert d.noise_variance.shape == d.eigenvalues.shape == d.costs.shape == (L,)
    assert d.eigenvectors.shape == (L, L) and d.mse.shape == (L + 1,)
    assert np.all(np.diff(d.eigenvalues) <= 0)
    assert int(np.argmin(d.mse)) == k == np.count_nonzero(d.costs < 0)
    # the noise variance is that of the noise that was added (30 dB)
    true_var = np.mean(X**2) / 1e3
    assert d.noise_variance.mean() == pytest.approx(true_var, rel=0.1)


def test_noise_step_matches_per_band_regression():
    X, _, _ = _scene(3, 20, (10, 12), seed=0)
    n, L = X.shape
    W = np.empty_like(X)
    for band in range(L):
        others = np.delete(np.arange(L), band)
        coef, *_ = np.linalg.lstsq(X[:, others], X[:, band], rcond=None)
        W[:, band] = X[:, band] - X[:, others] @ coef
    noise_var, m = _estimate_noise(X, full=True)
    np.testing.assert_allclose(noise_var, (W**2).mean(axis=0), rtol=1e-5)
    Rn_ref = W.T @ W / n
    np.testing.assert_allclose(m.Rn, Rn_ref, atol=2e-3 * np.abs(Rn_ref).max())
    Rx_ref = (X - W).T @ (X - W) / n
    np.testing.assert_allclose(m.Rx, Rx_ref, atol=1e-5 * np.abs(Rx_ref).max())
    np.testing.assert_allclose(m.C, X.T @ X / n, rtol=1e-12)
    # the same from the second moment alone (the form the unmixing weights use)
    np.testing.assert_allclose(_estimate_noise(second_moment=X.T @ X / n), noise_var,
                               rtol=1e-10)


@pytest.mark.parametrize("factor", [1e-100, 1e-6, 1.0, 1e6, 1e100])
def test_scale_invariance(factor):
    X, _, _ = _scene(4, 60, seed=2)
    k, d = estimate_n_endmembers(X, method="hysime", return_details=True)
    k_f, d_f = estimate_n_endmembers(X * factor, method="hysime", return_details=True)
    assert k_f == k == 4
    for name in ("noise_variance", "eigenvalues", "costs", "mse"):
        np.testing.assert_allclose(d_f[name], d[name] * factor**2, rtol=1e-8,
                                   atol=1e-12 * np.abs(d[name]).max() * factor**2)


def test_count_at_any_representable_scale():
    X, _, _ = _scene(4, 60, seed=2)
    for method in ("hysime", "eigengap"):
        big = estimate_n_endmembers(X * 1e300, method=method)
        assert big == estimate_n_endmembers(X * 1e-300, method=method) == 4
    with pytest.raises(ValueError, match="do not fit in float64"):
        estimate_n_endmembers(X * 1e300, method="hysime", return_details=True)
    with pytest.raises(ValueError, match="too small for float64"):
        estimate_n_endmembers(X * 1e-310, method="hysime")


def test_float32_and_input_untouched():
    X, _, _ = _scene(5, 80, seed=3)
    X32 = X.astype(np.float32)
    keep64, keep32 = X.copy(), X32.copy()
    k64, d64 = estimate_n_endmembers(X, method="hysime", return_details=True)
    k32, d32 = estimate_n_endmembers(X32, method="hysime", return_details=True)
    assert k64 == k32 == 5
    np.testing.assert_allclose(d32.noise_variance, d64.noise_variance, rtol=1e-3)
    np.testing.assert_array_equal(X, keep64)
    np.testing.assert_array_equal(X32, keep32)


def test_max_components_and_degenerate_data():
    X, _, _ = _scene(6, 60, seed=4)
    assert estimate_n_endmembers(X, method="hysime", max_components=4) == 4
    assert estimate_n_endmembers(X, method="hysime", max_components=100) == 6
    rng = np.random.default_rng(0)
    # zero-mean white noise has no signal subspace; the answer is still >= 1
    assert estimate_n_endmembers(rng.standard_normal((500, 30))) == 1
    assert estimate_n_endmembers(np.zeros((10, 5))) == 1
    # never more than min(n_pixels, n_bands)
    assert estimate_n_endmembers(rng.random((3, 20))) <= 3
    # nonnegativity is not required
    assert estimate_n_endmembers(-X, method="hysime") == 6


@pytest.mark.parametrize(
    "X, match",
    [
        (np.array([[1.0, np.nan], [1.0, 2.0]]), "NaN"),
        (np.array([[1.0, np.inf], [1.0, 2.0]]), "infinity"),
        (np.ones(5), "2D array"),
        (np.ones((1, 5)), "at least 2 pixels"),
        (np.ones((5, 1)), "at least 2 pixels"),
    ],
)
def test_bad_input(X, match):
    with pytest.raises(ValueError, match=match):
        estimate_n_endmembers(X, method="hysime")


@pytest.mark.parametrize("value", [0, -1, 2.5, "3"])
def test_bad_max_components(value):
    with pytest.raises(ValueError, match="max_components"):
        estimate_n_endmembers(np.ones((5, 5)), max_components=value)


def test_semireal_urban_has_six_endmembers():
    try:
        data = load_urban_semireal(data_home=DATA_HOME, random_state=0)
    except FileNotFoundError:
        pytest.skip("urban_end6_groundtruth.mat is not in ../shared/data")
    assert estimate_n_endmembers(data.X, method="hysime") == 6
    assert estimate_n_endmembers(data.X, method="eigengap") == 6


def test_samson_is_not_under_estimated():
    # Real Samson: HySime finds many more than the 3 labelled materials, because
    # 3 % of the image energy lies outside the span of the 3 reference spectra,
    # spatially structured (variability within the materials), far above the
    # noise.  What can be asserted is that the 3 materials are all counted.
    try:
        data = load_samson(data_home=DATA_HOME)
    except FileNotFoundError:
        pytest.skip("samson.mat is not in ../shared/data")
    assert estimate_n_endmembers(data.X, method="hysime") >= 3
    # The eigenvalue gap counts the materials.
    assert estimate_n_endmembers(data.X, method="eigengap") == 3


def test_band_correlated_noise_is_under_estimated_and_over_counted():
    # The assumption behind the regression noise estimate, and why real scenes
    # such as Samson give large counts: noise smoothed over about one band is
    # predicted by the neighbouring bands, so its variance is under-estimated
    # and noise directions pass for signal.
    from scipy.ndimage import gaussian_filter1d

    X, _, _ = _scene(4, 100, (32, 32), snr_db=None, seed=0)
    noise = gaussian_filter1d(np.random.default_rng(0).standard_normal(X.shape), 1.0, axis=1)
    noise *= np.sqrt(np.mean(X**2) / 1e3) / noise.std()  # 30 dB
    k, d = estimate_n_endmembers(X + noise, method="hysime", return_details=True)
    assert d.noise_variance.mean() < 0.05 * noise.var()
    assert k > 10
    white = np.random.default_rng(0).standard_normal(X.shape) * noise.std()
    assert estimate_n_endmembers(X + white, method="hysime") == 4
