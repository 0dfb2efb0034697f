import numpy as np
import pytest
from scipy.optimize import nnls

from lrsparse.metrics import abundance_rmse, match_components, rescale_abundances
from lrsparse.utils._sklearn import InvalidParameterError


def _scene(seed=0, n_pixels=200, n_bands=30, K=3):
    """Zhu-style reference: max-normalised spectra R, abundances the row-normalised
    coefficients of the pixels on R; per-pixel brightness g; the estimate's
    endmembers E = t R carry the image's scale (Samson-like t)."""
    rng = np.random.default_rng(seed)
    R = rng.uniform(0.05, 1.0, size=(K, n_bands))
    R /= R.max(axis=1, keepdims=True)
    t = np.array([0.6, 0.8, 0.06])[:K]
    A_ref = rng.dirichlet(np.full(K, 0.7), size=n_pixels)
    g = rng.uniform(0.05, 1.0, size=(n_pixels, 1))
    X = g * (A_ref @ R)
    return X, R, t, A_ref


def test_recovers_the_reference_convention():
    # The sum-to-one abundances of the image-scale endmembers differ from the
    # reference; rescaled, they are the reference exactly.
    X, R, t, A_ref = _scene()
    E = t[:, None] * R
    A_ours = A_ref / t
    A_ours /= A_ours.sum(axis=1, keepdims=True)  # what a sum-to-one fit of E returns
    ratio = (A_ours @ E) / X  # the same pixels, up to a per-pixel brightness
    np.testing.assert_allclose(ratio, ratio[:, :1] * np.ones_like(ratio), rtol=1e-10)
    assert abundance_rmse(A_ref, A_ours) > 0.1
    B, scales = rescale_abundances(A_ours, E, R, return_scales=True)
    np.testing.assert_allclose(scales, t, rtol=1e-12)
    np.testing.assert_allclose(B, A_ref, atol=1e-12)
    assert abundance_rmse(A_ref, B) < 1e-12


def test_equals_the_reference_recipe_on_the_estimated_endmembers():
    # Zhu's recipe (row-normalised NNLS on the reference spectra) applied to
    # estimated endmembers = NNLS on the estimates, rescaled.
    X, R, t, A_ref = _scene(seed=1)
    rng = np.random.default_rng(1)
    E = (t[:, None] * R) * (1.0 + 0.05 * rng.standard_normal(R.shape))  # not parallel to R
    C = np.array([nnls(E.T, x)[0] for x in X])
    B = rescale_abundances(C, E, R)
    ts = np.einsum("kl,kl->k", E, R) / np.einsum("kl,kl->k", R, R)
    expected = C * ts / (C * ts).sum(axis=1, keepdims=True)
    np.testing.assert_allclose(B, expected, rtol=1e-12, atol=1e-15)
    np.testing.assert_allclose(B.sum(axis=1), 1.0, rtol=1e-12)


@pytest.mark.parametrize("factor", [1e-100, 1e-6, 1.0, 1e6, 1e100])
def test_scale_invariant(factor):
    X, R, t, A_ref = _scene(seed=2)
    E = t[:, None] * R
    A = A_ref / t
    A /= A.sum(axis=1, keepdims=True)
    B0, t0 = rescale_abundances(A, E, R, return_scales=True)
    np.testing.assert_allclose(B0, A_ref, atol=1e-12)
    B, t1 = rescale_abundances(A * factor, E * factor, R / factor, return_scales=True)
    np.testing.assert_allclose(B, B0, rtol=1e-12, atol=1e-15)
    np.testing.assert_allclose(t1, t0 * factor**2, rtol=1e-12)
    assert np.all(np.isfinite(B)) and np.all(np.isfinite(t1))


def test_zero_rows_stay_zero_and_inputs_untouched():
    X, R, t, A_ref = _scene(seed=3, n_pixels=5)
    A = A_ref.copy()
    A[2] = 0.0
    E = t[:, None] * R
    copies = [A.copy(), E.copy(), R.copy()]
    B = rescale_abundances(A, E, R)
    np.testing.assert_array_equal(B[2], 0.0)
    np.testing.assert_allclose(B[[0, 1, 3, 4]].sum(axis=1), 1.0)
    for before, after in zip(copies, [A, E, R]):
        np.testing.assert_array_equal(before, after)
    assert rescale_abundances(np.zeros((3, 3)), E, R).sum() == 0.0


def test_after_matching_a_permuted_estimate():
    X, R, t, A_ref = _scene(seed=4)
    E = t[:, None] * R
    A = A_ref / t
    A /= A.sum(axis=1, keepdims=True)
    order = [2, 0, 1]
    perm = match_components(R, E[order])
    B = rescale_abundances(A[:, order][:, perm], E[order][perm], R)
    np.testing.assert_allclose(B, A_ref, atol=1e-12)


@pytest.mark.parametrize(
    "args, match",
    [
        ((np.ones((4, 2)), np.ones((3, 5)), np.ones((3, 5))), "one column per endmember"),
        ((np.ones((4, 3)), np.ones((3, 5)), np.ones((3, 4))), "same shape"),
        ((-np.ones((4, 3)), np.ones((3, 5)), np.ones((3, 5))), "nonnegative"),
        ((np.ones((4, 3)), np.eye(3, 5), np.roll(np.eye(3, 5), 1, axis=1)), "90 degrees"),
        ((np.ones((4, 3)), np.zeros((3, 5)), np.ones((3, 5))), "all-zero"),
        ((np.ones((4, 3)), np.ones((3, 5)), np.full((3, 5), 1e-310)), "too small for float64"),
        ((np.full((4, 3), np.nan), np.ones((3, 5)), np.ones((3, 5))), "NaN"),
    ],
)
def test_bad_input(args, match):
    with pytest.raises(ValueError, match=match):
        rescale_abundances(*args)


def test_bad_parameter():
    with pytest.raises(InvalidParameterError, match="return_scales"):
        rescale_abundances(np.ones((2, 1)), np.ones((1, 3)), np.ones((1, 3)), return_scales=1.5)
