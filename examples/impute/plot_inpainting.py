"""
==============================================
Image inpainting by low-rank matrix completion
==============================================

A grayscale image is a matrix of pixel intensities, and a photograph is
*approximately* low rank: neighbouring rows (and columns) look alike, so a
few singular vectors carry most of the picture.  When pixels are lost, a
low-rank completion can guess them from the pixels that remain.  This
example removes pixels from a photograph bundled with scikit-learn in two
ways, at random and in rectangular blocks, and fills them in with

* :class:`~lrsparse.impute.SoftImputer`, nuclear-norm regularised least
  squares with its shrinkage chosen on held-out pixels (``alpha="auto"``),
* :class:`~lrsparse.impute.SVTImputer`, singular value thresholding, which
  reproduces the observed pixels exactly, and its one-shot variant USVT
  (``method="usvt"``),

against the simplest baseline, filling every missing pixel with the mean of
the observed ones.  See the :ref:`user guide <completion>` for the
estimators.
"""

# %%
# The image and how low rank it is
# --------------------------------
#
# :func:`~sklearn.datasets.load_sample_image` ships two photographs with
# scikit-learn (reading them needs Pillow).  We convert "china.jpg" to
# grayscale with values in [0, 1] and average blocks of 4 x 4 pixels, which
# leaves a 106 x 160 image: small enough for every fit below to take about a
# second.
import matplotlib.pyplot as plt
import numpy as np
from matplotlib.ticker import FormatStrFormatter, LogLocator, NullFormatter
from sklearn.datasets import load_sample_image

rgb = load_sample_image("china.jpg").astype(float) / 255.0
gray = rgb @ np.array([0.299, 0.587, 0.114])  # ITU-R 601 luma
f = 4
h, w = gray.shape[0] // f, gray.shape[1] // f
image = gray[: h * f, : w * f].reshape(h, f, w, f).mean(axis=(1, 3))
print(f"image: {image.shape[0]} x {image.shape[1]} pixels")

# %%
# The singular values of the image decay quickly, but not to zero: a natural
# image is only *approximately* low rank.  The best rank-``k`` approximation
# (truncated SVD, Eckart-Young) leaves a relative error that falls slowly
# once the coarse structure is captured.  This is the floor a low-rank
# completion is up against: even with every pixel observed, a rank-20 model
# misses 6-7% of the image.
singular_values = np.linalg.svd(image, compute_uv=False)
energy = np.cumsum(singular_values**2) / np.sum(singular_values**2)
tail = np.sqrt(np.clip(1.0 - energy, 0.0, None))  # ||X - X_k||_F / ||X||_F
for k in (1, 5, 10, 20, 40):
    print(f"best rank-{k:<2} approximation: relative error {tail[k - 1]:.3f}")

fig, (ax0, ax1) = plt.subplots(1, 2, figsize=(8, 3))
ax0.imshow(image, cmap="gray", vmin=0, vmax=1)
ax0.set(xticks=[], yticks=[], title="original (106 x 160)")
ax1.semilogy(np.arange(1, singular_values.size + 1), singular_values, ".-")
ax1.set(xlabel="index", ylabel="singular value", title="singular values of the image")
fig.tight_layout()
plt.show()

# %%
# Two ways of losing pixels
# -------------------------
#
# * **random**: each pixel is missing independently with probability 1/2,
#   the setting of matrix completion theory (every row and column keeps
#   about half of its entries);
# * **blocks**: six rectangles of 10-20 x 12-25 pixels are cut out, as by
#   scratches or a text overlay.  Far fewer pixels are missing (about 8%),
#   but all together.
#
# Missing pixels are marked with NaN, the default ``missing_values`` of the
# imputers.
rng = np.random.RandomState(0)
random_mask = rng.uniform(size=image.shape) < 0.5
block_mask = np.zeros(image.shape, dtype=bool)
for _ in range(6):
    r, c = rng.randint(0, h - 20), rng.randint(0, w - 25)
    block_mask[r : r + rng.randint(10, 21), c : c + rng.randint(12, 26)] = True
masks = {"random": random_mask, "blocks": block_mask}
for name, mask in masks.items():
    print(f"{name:>6} mask: {mask.mean():.1%} of the pixels missing")

# %%
# Completion
# ----------
#
# Each imputer's ``fit_transform`` returns the completed image with the
# observed pixels unchanged.  The score is
# :func:`~lrsparse.metrics.relative_error` on the *missing* pixels only,
# ``||X_hat - X||_F / ||X||_F`` over the entries the imputer had to guess.
#
# SVT's default threshold ``tau = 5 ||P(M)||_2 / p`` is relative to the
# data (its authors' ``5 sqrt(n1 n2)`` made scale-free), so pixel values in
# [0, 1] and in 0-255 give the same completion up to the factor.  SVT drives
# the error on the observed pixels to ``tol``; an image is not exactly
# low rank, so it stops at ``max_iter`` (or its divergence guard restarts it
# with a safe step) with a ``ConvergenceWarning``, which we record and print.
import textwrap
import warnings

from sklearn.base import clone

from lrsparse.impute import SoftImputer, SVTImputer
from lrsparse.metrics import relative_error

imputers = {
    "SoftImputer": SoftImputer(random_state=0),
    "SVTImputer": SVTImputer(random_state=0),
    "USVT": SVTImputer(method="usvt", random_state=0),
}
completed = {}
errors = {}
fitted = {}
for mask_name, mask in masks.items():
    X = image.copy()
    X[mask] = np.nan
    mean_fill = np.where(mask, np.nanmean(X), X)
    completed[mask_name] = {"masked": X, "mean fill": mean_fill}
    errors[mask_name] = {"mean fill": relative_error(image, mean_fill, mask=mask)}
    fitted[mask_name] = {}
    for est_name, est in imputers.items():
        est = fitted[mask_name][est_name] = clone(est)
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            X_hat = est.fit_transform(X)
        completed[mask_name][est_name] = X_hat
        errors[mask_name][est_name] = relative_error(image, X_hat, mask=mask)
        print(f"{mask_name:>6} | {est_name:<11} | rank {est.rank_:3d}", end="")
        if est_name == "SoftImputer":
            print(f" | alpha_ = {est.alpha_:.3f}", end="")
        if est_name == "SVTImputer":
            print(f" | {est.n_iter_} iterations, residual {est.residual_:.3f}", end="")
        print()
        for w_ in caught:
            print(textwrap.fill(f"{type(w_.message).__name__}: {w_.message}", 88,
                                initial_indent="       ", subsequent_indent="         ",
                                break_on_hyphens=False))

# %%
# The relative errors on the missing pixels:
print(f"{'':>12}" + "".join(f"{name:>10}" for name in masks))
for est_name in ["mean fill", *imputers]:
    print(f"{est_name:>12}" + "".join(f"{errors[m][est_name]:10.3f}" for m in masks))

# %%
# With half of the pixels missing at random, both iterative methods guess
# the missing pixels to a relative error of 0.13-0.14, about that of the
# best rank-5 approximation of the *complete* image, and far below the mean
# fill.  The soft-impute fit (rank in the seventies, every singular value
# shrunk by ``alpha_``) and SVT's interpolation of the observed pixels land
# close to each other.  USVT keeps only the singular values above a
# noise threshold, a rank-2 sketch here: good for a one-shot estimate of a
# noisy bounded matrix, too coarse for image detail.
#
# Blocks are harder, although far fewer pixels are missing.  A low-rank
# completion guesses a missing pixel from the *other* pixels of its row
# (expressed on the row factors) and of its column (on the column factors).
# Within a rectangle, a whole segment of each crossing row and column is
# gone, so the prediction is an extrapolation from the rows above and below
# and the columns left and right of the hole: it works where the image
# continues straight across the hole, and blurs or smears where it does not.
# The theory of matrix completion assumes entries missing at random, not
# this structured loss.
# sphinx_gallery_thumbnail_number = 2
fig, axes = plt.subplots(2, 5, figsize=(11, 3.9))
for i, mask_name in enumerate(masks):
    panels = {"masked": completed[mask_name]["masked"]}
    panels.update({name: completed[mask_name][name]
                   for name in ("mean fill", "SoftImputer", "SVTImputer", "USVT")})
    for ax, (name, img) in zip(axes[i], panels.items()):
        shown = np.ma.masked_invalid(img)
        cmap = plt.get_cmap("gray").with_extremes(bad="tab:red")
        ax.imshow(shown, cmap=cmap, vmin=0, vmax=1)
        ax.set(xticks=[], yticks=[])
        if name != "masked":
            name = f"{name}\nerror {errors[mask_name][name]:.3f}"
        ax.set_title(name, fontsize=9)
    axes[i, 0].set_ylabel(f"{mask_name} mask")
fig.tight_layout()
plt.show()

# %%
# The held-out choice of the shrinkage
# ------------------------------------
#
# ``SoftImputer(alpha="auto")`` sets aside 10% of the observed pixels and
# solves the problem along a decreasing sequence of ``alpha`` (each step
# warm-started from the last); ``alpha_path_`` and ``validation_errors_``
# hold the path and the held-out RMSE.  On the image the error falls
# quickly, then flattens as the rank grows into the tail of small singular
# values; the path stops once the error rises again.  The chosen ``alpha_``
# is the largest whose held-out error is within 0.2% of the best: a lower
# rank for no loss of accuracy.  Here is the path of the fit on the
# random mask.
soft = fitted["random"]["SoftImputer"]
fig, ax = plt.subplots(figsize=(6, 3.2))
ax.semilogx(soft.alpha_path_, soft.validation_errors_, "o-")
ax.axvline(soft.alpha_, color="tab:red", ls="--", label=f"alpha_ = {soft.alpha_:.3f}")
ax.invert_xaxis()
ax.xaxis.set_major_locator(LogLocator(subs=(1, 2, 5)))
ax.xaxis.set_major_formatter(FormatStrFormatter("%g"))
ax.xaxis.set_minor_formatter(NullFormatter())
ax.set(xlabel="alpha (decreasing along the path)", ylabel="held-out RMSE",
       title="SoftImputer: shrinkage chosen on held-out pixels")
ax.legend()
fig.tight_layout()
plt.show()
print(f"path of {soft.alpha_path_.size} alphas, chosen alpha_ = {soft.alpha_:.3f} "
      f"(rank {soft.rank_}), held-out RMSE {soft.validation_errors_.min():.4f}")
