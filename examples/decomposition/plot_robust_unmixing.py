"""
===========================================
Robust unmixing of a scene with noisy bands
===========================================

Real hyperspectral images have *bad bands*: water-absorption channels and
low-sensitivity detector ranges whose signal is buried in noise.  A least
squares loss weighs every band equally, so a few such bands can pull the
abundances, and through them the endmembers, far off.  The usual remedy is
to remove them by hand; the two robust estimators of
:mod:`lrsparse.decomposition` learn instead how much to trust each band:

* :class:`~lrsparse.decomposition.CorrentropyNMF` (CENMF) replaces the squared
  loss by the correntropy-induced loss of each band's residual, which
  half-quadratic optimisation turns into iteratively *band-reweighted* NMF;
* :class:`~lrsparse.decomposition.RobustGuidedNMF` measures the error with the
  l2,1 norm over bands (also a band reweighting) and learns a per-pixel lp
  sparsity from a *guidance map* of how pure each pixel is.

This example corrupts 12% of the bands of a synthetic scene, compares both
with scikit-learn's :class:`~sklearn.decomposition.NMF` and
:class:`~lrsparse.decomposition.StructuredSparseNMF`, looks at the learned
band weights and guidance map, and, if the Samson benchmark image is
available, unmixes a real scene.  See the :ref:`user guide <unmixing>` for
the models.
"""

# %%
# A scene with noisy bands
# ------------------------
#
# With ``outlier_band_fraction=0.12``,
# :func:`~lrsparse.datasets.make_hyperspectral` adds to 12 of the 100 bands,
# in every pixel, Gaussian noise with a standard deviation of half the
# largest value of the image (a per-band SNR of about -5 dB), on top of the
# 25 dB white noise of all bands.  ``return_outlier_bands=True`` also returns
# the indices of these bands; the estimators never see them.
import matplotlib.pyplot as plt
import numpy as np

from lrsparse.datasets import make_hyperspectral

image_shape = (50, 50)
n_endmembers, n_bands = 4, 100
X, endmembers, abundances, noisy_bands = make_hyperspectral(
    image_shape,
    n_endmembers,
    n_bands,
    snr_db=25,
    outlier_band_fraction=0.12,
    return_outlier_bands=True,
    random_state=0,
)
print(f"X: {X.shape}, noisy bands: {noisy_bands.tolist()}")

bands = np.arange(n_bands)
rng = np.random.RandomState(0)
fig, ax = plt.subplots(figsize=(8, 3))
ax.plot(bands, X[rng.choice(X.shape[0], 5, replace=False)].T, linewidth=0.8)
ax.plot(noisy_bands, np.zeros_like(noisy_bands), "rv", label="noisy bands")
ax.set(xlabel="band", ylabel="value", title="Five pixel spectra")
ax.legend(loc="upper right")
fig.tight_layout()
plt.show()

# %%
# Four unmixing methods
# ---------------------
#
# All four get the same number of endmembers and a fixed seed.
# :class:`~lrsparse.decomposition.StructuredSparseNMF` is the least squares
# reference of the family (here with its spatial graph, which denoises the
# image its endmembers are fitted to); scikit-learn's NMF
# has no sum-to-one constraint, so its abundances are rescaled to sum to one
# per pixel before scoring, as in Zhu's evaluation protocol.
from sklearn.decomposition import NMF

from lrsparse.decomposition import CorrentropyNMF, RobustGuidedNMF, StructuredSparseNMF

estimators = {
    "sklearn NMF": NMF(n_endmembers, init="nndsvda", max_iter=1000, random_state=0),
    "SS-NMF": StructuredSparseNMF(n_endmembers, image_shape=image_shape, random_state=0),
    "CENMF": CorrentropyNMF(n_endmembers, random_state=0),
    "RGNMF": RobustGuidedNMF(n_endmembers, random_state=0),
}
fitted = {}
for name, est in estimators.items():
    A_est = est.fit_transform(X)
    A_est = A_est / np.maximum(A_est.sum(axis=1, keepdims=True), 1e-20)
    fitted[name] = est.components_, A_est

# %%
# Scores
# ------
#
# The endmembers are matched to the true ones with
# :func:`~lrsparse.metrics.match_components`; the spectral angle (SAD) is
# taken over all bands, the noisy ones included.
from lrsparse.metrics import abundance_rmse, match_components, spectral_angle_distance

sad, rmse = {}, {}
print(f"{'method':>12} | mean SAD (rad) | abundance RMSE")
for name, (E_est, A_est) in fitted.items():
    perm = match_components(endmembers, E_est)
    sad[name] = spectral_angle_distance(endmembers, E_est[perm])
    rmse[name] = abundance_rmse(abundances, A_est[:, perm])
    print(f"{name:>12} | {sad[name]:14.4f} | {rmse[name]:14.4f}")
print(f"SS-NMF's graph_strength_: {estimators['SS-NMF'].graph_strength_:.2f}")

fig, axes = plt.subplots(1, 2, figsize=(9, 3))
names = list(fitted)
colors = ["tab:gray", "tab:blue", "tab:orange", "tab:green"]
for ax, values, label in zip(axes, (sad, rmse), ("mean SAD (rad)", "abundance RMSE")):
    ax.bar(names, [values[n] for n in names], color=colors)
    ax.set(ylabel=label)
    ax.tick_params(axis="x", labelsize="small")
fig.suptitle("12% noisy bands, 25 dB")
fig.tight_layout()
plt.show()

# %%
# Both robust estimators give much better abundances than the least
# squares ones (about a third of SS-NMF's error, RGNMF slightly ahead of
# CENMF).  The noisy bands hurt SS-NMF through its
# abundances: they are a tenth of the bands but carry most of the residual
# energy, and its abundances are those of the noisy pixels.  Its endmembers
# fare better than its abundances: the graph denoises the pixels they are
# fitted to (the noisy bands make the noise level high, so
# ``graph_strength="auto"`` picks a strong graph, ``graph_strength_`` = 1),
# which brings its spectral angle level with CENMF's.  Without the graph
# (``graph_strength=0``) SS-NMF's spectral angle and abundance error on
# this scene are 1.7 and 1.9 times those above (our measurement).
# scikit-learn's NMF suffers above all from its start (see
# :ref:`sphx_glr_auto_examples_decomposition_plot_unmixing_synthetic.py`).
#
# Learned band weights
# --------------------
#
# ``band_weights_`` are the weights of the bands in the data term at the end
# of the fit, scaled to mean 1.  Both robust estimators give the noisy bands
# (red) weights near 0 without being told which they are; SS-NMF's weights
# are all 1.
fig, ax = plt.subplots(figsize=(8, 3))
for name, marker in (("CENMF", "o"), ("RGNMF", "s")):
    ax.plot(bands, estimators[name].band_weights_, marker, markersize=3, label=name)
for i, b in enumerate(noisy_bands):
    label = "noisy bands" if i == 0 else None
    ax.axvline(b, color="red", alpha=0.2, linewidth=3, zorder=0, label=label)
ax.set(xlabel="band", ylabel="band weight", title="Learned band weights")
ax.legend(loc="center right")
fig.tight_layout()
plt.show()
# sphinx_gallery_thumbnail_number = 3

for name in ("CENMF", "RGNMF"):
    w = estimators[name].band_weights_
    clean = np.setdiff1d(bands, noisy_bands)
    print(
        f"{name}: mean weight of noisy bands {w[noisy_bands].mean():.3f}, "
        f"of clean bands {w[clean].mean():.3f}"
    )

# %%
# The correntropy weights ``exp(-r_l / (2 sigma^2))`` fall off exponentially
# with a band's residual energy ``r_l``, the l2,1 weights
# ``1 / (2 ||e_l||)`` only as its inverse square root.
#
# The guidance map
# ----------------
#
# :class:`~lrsparse.decomposition.RobustGuidedNMF` sets the sparsity of each
# pixel from a guidance map ``h`` that it re-learns from the abundances:
# ``h`` is 1 for a pure pixel and 0 for an even mix of all endmembers, and
# the pixel's penalty exponent is ``p = 1 - (1 - p_min) h``, so pure pixels
# are pushed harder towards a single endmember.  ``guidance_map_`` holds the
# final map; reshaped to the image it follows the *purity* of the true
# abundances, here shown as their largest entry per pixel.
guidance = estimators["RGNMF"].guidance_map_
purity = abundances.max(axis=1)
print(f"correlation of guidance map and true purity: {np.corrcoef(guidance, purity)[0, 1]:.3f}")

fig, axes = plt.subplots(1, 2, figsize=(8, 3.8), layout="constrained")
for ax, img, title in zip(
    axes,
    (guidance, purity),
    ("RGNMF guidance_map_", "true max abundance (purity)"),
):
    im = ax.imshow(img.reshape(image_shape), cmap="magma", vmin=0, vmax=1)
    ax.set(title=title, xticks=[], yticks=[])
fig.colorbar(im, ax=axes, shrink=0.8)
plt.show()

# %%
# The two maps differ in scale (``h`` is one minus a normalised entropy, so a
# two-material 50/50 mix of four endmembers still gets ``h = 0.5``) but
# show the same structure: dark seams where materials meet, bright patches
# inside them.
#
# A real image: Samson (if the file is available)
# ------------------------------------------------
#
# Samson is a 95 x 95 pixel, 156-band airborne image (a sub-image of a
# scene of the Opticks sample data) with three materials (soil, tree,
# water) and a reference ("ground truth") labelled by F. Zhu: the file
# ``samson.mat`` of Zhu's hyperspectral unmixing ground-truth release
# (arXiv:1708.05125).  Its licence is unknown, so it is not shipped with
# lrsparse and nothing downloads it: put ``samson.mat`` in the data folder
# of :func:`~lrsparse.datasets.get_data_home` (or in a ``hyperspectral``
# subfolder of it).  That folder is the ``data_home`` argument of the
# loaders if given, else the environment variable ``LRSPARSE_DATA``, else
# ``~/lrsparse_data``; this example uses the default (``data_home=None``).
# :func:`~lrsparse.datasets.load_samson` reads the file and converts
# MATLAB's column-major pixel order to lrsparse's row-major one.
#
# **The rest of this example runs only if the file is found**; otherwise it
# prints a message and the cells below do nothing (the output shown on this
# page tells which case the machine that built it was in).  If the file is
# found, RGNMF unmixes the image
# with three endmembers (HySime,
# :func:`~lrsparse.decomposition.estimate_n_endmembers`, counts far more
# signal dimensions in this image, from band-correlated noise and variation
# within the materials, so the number is given), and the spectral angle of
# each estimated spectrum to its reference is printed.
from lrsparse.datasets import load_samson
from lrsparse.decomposition import estimate_n_endmembers
from lrsparse.metrics import rescale_abundances

try:
    samson = load_samson()  # data_home=None: $LRSPARSE_DATA, else ~/lrsparse_data
except FileNotFoundError:
    samson = None
    print("samson.mat is not in the data folder (see lrsparse.datasets.get_data_home):\n"
          "the Samson part of this example is skipped.")

materials = ("soil", "tree", "water")
if samson is not None:
    print(f"Samson: {samson.X.shape[0]} pixels x {samson.X.shape[1]} bands, {samson.image_shape}")
    print(f"HySime's count: {estimate_n_endmembers(samson.X)}")
    rgnmf = RobustGuidedNMF(3, random_state=0)
    A_samson = rgnmf.fit_transform(samson.X)
    perm = match_components(samson.endmembers, rgnmf.components_)
    E_samson, A_samson = rgnmf.components_[perm], A_samson[:, perm]
    sad_samson = spectral_angle_distance(samson.endmembers, E_samson, average=False)
    for material, angle in zip(materials, sad_samson):
        print(f"  SAD {material:>5}: {angle:.4f} rad ({np.degrees(angle):.1f} degrees)")
    print(f"  mean SAD: {sad_samson.mean():.4f} rad")

# %%
# Abundances in two conventions
# -----------------------------
#
# The reference spectra of ``samson.mat`` are each scaled to a maximum of 1
# while the image is scaled as a whole, and the reference abundances are
# the per-pixel normalised nonnegative least squares on these spectra: the
# water spectrum, dark in the image, is about 30 times too bright there, the
# others about twice (see :func:`~lrsparse.datasets.load_samson`).  The
# estimated endmembers carry the image's own scale, so the same pixel has
# different fractions of them than of the reference spectra.
# :func:`~lrsparse.metrics.rescale_abundances` expresses the estimated
# abundances as fractions of the reference spectra (each estimated spectrum
# is a multiple ``t_k`` of its reference), which is the reference's
# convention.  If the file is found, the code below prints both errors and a
# summary of the results computed from them, and draws the spectra and the
# abundance maps.
if samson is not None:
    A_ref_conv, scales = rescale_abundances(
        A_samson, E_samson, samson.endmembers, return_scales=True
    )
    rmse_as_estimated = abundance_rmse(samson.abundances, A_samson)
    rmse_ref_scale = abundance_rmse(samson.abundances, A_ref_conv)
    print(f"scale of the estimated spectra relative to the reference: {np.round(scales, 2)}")
    print(f"abundance RMSE as estimated:             {rmse_as_estimated:.3f}")
    print(f"abundance RMSE in the reference's scale: {rmse_ref_scale:.3f}")

    fig, axes = plt.subplots(3, 3, figsize=(9, 8.5), layout="constrained")
    for k, material in enumerate(materials):
        ax = axes[0, k]
        ax.plot(samson.endmembers[k], color="black", linewidth=2, label="reference")
        ax.plot(E_samson[k] / E_samson[k].max(), "--", label="RGNMF (max-normalised)")
        ax.set(title=f"{material}: SAD {sad_samson[k]:.3f}", xlabel="band")
        ax.legend(fontsize="small")
        for row, (maps, label) in enumerate(
            ((samson.abundances, "reference"), (A_ref_conv, "RGNMF, rescaled")), 1
        ):
            ax = axes[row, k]
            ax.imshow(maps[:, k].reshape(samson.image_shape), vmin=0, vmax=1)
            ax.set(title=f"{material}: {label}", xticks=[], yticks=[])
    plt.show()

    # The summary is written from the numbers above, so it holds for the
    # file that was found.
    worst = materials[int(np.argmax(sad_samson))]
    print(f"Summary: the spectra are within {np.degrees(sad_samson.max()):.1f} degrees of the "
          f"reference ({worst} the farthest);")
    print(f"in the reference's convention, the abundance RMSE goes from "
          f"{rmse_as_estimated:.3f} to {rmse_ref_scale:.3f}.")

# %%
# The :ref:`user guide <unmixing>` explains how to read abundance maps in
# each convention.
