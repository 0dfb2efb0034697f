"""
=======================================================
Robust PCA of handwritten digits with planted outliers
=======================================================

Principal component analysis finds the directions of largest variance, and
the variance is a mean of squares: a small group of samples that all sit
far out along the *same* direction can create a direction of large variance
of their own.  They need not be extreme in any pixel.  This example plants
such outliers in scikit-learn's digits and compares

* scikit-learn's :class:`~sklearn.decomposition.PCA`, whose first
  components are hijacked by the outliers, with
* :class:`~lrsparse.decomposition.RobustPCA`, which filters them out and
  recovers the components of the clean digits,

by their components (as 8 x 8 images), the distance of their subspaces to
that of PCA on the clean digits, the variance they explain on the clean
digits, and the weights the filter gave the samples.  It ends with the
single-pass :class:`~lrsparse.decomposition.StreamingRobustPCA`.  See the
:ref:`user guide <robust_pca>` for the algorithms.
"""

# %%
# The digits and the outliers
# ---------------------------
#
# :func:`~sklearn.datasets.load_digits` has 1797 images of 8 x 8 pixels with
# values from 0 to 16, one image per row of ``X_clean`` (1797 x 64).  We
# replace 10% of the rows, chosen at random, by two fixed *artefact*
# patterns, as a faulty scanner might produce: a checkerboard and horizontal
# stripes, each with a random sign (phase), plus a little noise, all within
# the ordinary 0-16 pixel range.  Half of the outliers carry each pattern.
import matplotlib.pyplot as plt
import numpy as np
from sklearn.datasets import load_digits

X_clean = load_digits().data
n_samples, n_features = X_clean.shape

rows, cols = np.indices((8, 8))
checkerboard = ((rows + cols) % 2 * 2.0 - 1.0).ravel()  # +-1 pixels
stripes = (rows % 2 * 2.0 - 1.0).ravel()

rng = np.random.RandomState(0)
n_outliers = round(0.1 * n_samples)
outlier_idx = rng.choice(n_samples, n_outliers, replace=False)
is_outlier = np.zeros(n_samples, dtype=bool)
is_outlier[outlier_idx] = True
patterns = np.where((np.arange(n_outliers) % 2 == 0)[:, None], checkerboard, stripes)
signs = rng.choice([-1.0, 1.0], size=(n_outliers, 1))
noise = rng.normal(scale=1.0, size=(n_outliers, n_features))
X = X_clean.copy()
X[outlier_idx] = np.clip(8.0 + 8.0 * signs * patterns + noise, 0.0, 16.0)
print(f"X: {X.shape}, {is_outlier.sum()} outliers ({is_outlier.mean():.0%})")

fig, axes = plt.subplots(2, 6, figsize=(7, 2.8))
examples = np.concatenate([np.flatnonzero(~is_outlier)[:6], outlier_idx[:6]])
for ax, i in zip(axes.ravel(), examples):
    ax.imshow(X[i].reshape(8, 8), cmap="gray_r", vmin=0, vmax=16)
    ax.set(xticks=[], yticks=[])
axes[0, 0].set_ylabel("inliers")
axes[1, 0].set_ylabel("outliers")
fig.tight_layout()
plt.show()

# %%
# The digits vary little from one pixel to the next, so along the
# checkerboard and the stripes (the unit vectors ``pattern / 8``) their
# variance is small.  The outliers, though, sit at about +-60 along one of
# these directions (a little less than ``8 * 8 = 64`` because of the
# clipping), and 5% of the samples at +-60 give a variance of about
# ``0.05 * 60**2 = 180``: as much as the largest variance of the clean
# digits, 179.
for name, pattern in (("checkerboard", checkerboard), ("stripes", stripes)):
    u = pattern / np.linalg.norm(pattern)
    print(
        f"variance along the {name:>12}: clean digits {np.var(X_clean @ u):6.1f}, "
        f"contaminated digits {np.var(X @ u):6.1f}"
    )

# %%
# Three fits
# ----------
#
# The reference is PCA on the clean digits.  PCA and
# :class:`~lrsparse.decomposition.RobustPCA` then see the contaminated data;
# ``contamination=0.1`` is the share of outliers the filter has to withstand
# (here the true share; overstating it a little is safe).
from sklearn.decomposition import PCA

from lrsparse.decomposition import RobustPCA

n_components = 4
reference = PCA(n_components).fit(X_clean)
pca = PCA(n_components).fit(X)
robust = RobustPCA(n_components, contamination=0.1, random_state=0).fit(X)
print(f"RobustPCA: {robust.n_iter_} filter rounds")

print("explained variance")
for name, est in (
    ("PCA, clean digits", reference),
    ("PCA, contaminated", pca),
    ("RobustPCA, contaminated", robust),
):
    print(f"  {name + ':':<25} {np.round(est.explained_variance_, 1)}")

# %%
# The components as images
# ------------------------
#
# Each row shows the first four components of one fit as 8 x 8 images
# (red positive, blue negative; the sign of a component is arbitrary, so
# each is flipped to agree with the reference component of the same rank).
# PCA's first two components on the contaminated digits *are* the
# stripes and the checkerboard; the digits' own components are pushed down
# to the last two places and mixed together there.  RobustPCA's components
# are those of the clean digits.


def aligned(components):
    signs = np.sign(np.sum(components * reference.components_, axis=1))
    return components * np.where(signs == 0, 1.0, signs)[:, None]


fits = {
    "PCA\nclean digits": reference.components_,
    "PCA\ncontaminated": aligned(pca.components_),
    "RobustPCA\ncontaminated": aligned(robust.components_),
}
# sphinx_gallery_thumbnail_number = 2
fig, axes = plt.subplots(3, n_components, figsize=(7, 5.6))
for i, (name, components) in enumerate(fits.items()):
    for j, (ax, component) in enumerate(zip(axes[i], components)):
        vmax = np.abs(component).max()
        ax.imshow(component.reshape(8, 8), cmap="RdBu_r", vmin=-vmax, vmax=vmax)
        ax.set(xticks=[], yticks=[])
        if j == 0:
            ax.set_ylabel(name)
        if i == 0:
            ax.set_title(f"component {j + 1}")
fig.tight_layout()
plt.show()

# %%
# Two numbers
# -----------
#
# :func:`~lrsparse.metrics.subspace_distance` is the sine of the largest
# principal angle between two subspaces: 0 for the same subspace, 1 when a
# direction of one is orthogonal to the other.  Measured against the
# reference subspace (the span of the clean-data components), PCA's is at
# the maximum, 1: the checkerboard is orthogonal to everything the digits
# vary along.  As a floor, the last line fits PCA on the inliers alone (an
# oracle that knows which rows are outliers): even with the outliers
# perfectly removed, 10% fewer digits move the subspace a little.
#
# :func:`~lrsparse.metrics.trimmed_variance` is the variance of data along
# each direction after dropping the largest ``trim`` share of the squared
# projections.  On the clean digits it says how much of the digits' own
# variation each set of components captures (the reference is the best
# possible, up to the trimming).  On the contaminated data, with ``trim``
# twice the outlier share, it gives the same ranking without knowing which
# rows are outliers: that is how to compare directions on real data.
from lrsparse.metrics import subspace_distance, trimmed_variance

oracle = PCA(n_components).fit(X[~is_outlier])
# Columns: distance to the reference subspace, trimmed variance on the
# clean digits (trim=0.1) and on the contaminated ones (trim=0.2).
print(f"{'':>23} | {'distance':>8} | {'clean, 0.1':>10} | {'contam., 0.2':>12}")
for name, est in (
    ("PCA, clean digits", reference),
    ("PCA, contaminated", pca),
    ("RobustPCA, contaminated", robust),
    ("PCA, inliers only", oracle),
):
    dist = subspace_distance(est.components_.T, reference.components_.T)
    tv_clean = trimmed_variance(X_clean, est.components_, trim=0.1).sum()
    tv_cont = trimmed_variance(X, est.components_, trim=0.2).sum()
    print(f"{name:>23} | {dist:8.3f} | {tv_clean:10.1f} | {tv_cont:12.1f}")

# %%
# Sample weights
# --------------
#
# The filter works by down-weighting samples.  Each round it finds the top
# directions of the *weighted* data (the ``n_components`` asked for plus
# ``n_oversamples`` more), compares the variance along each with a trimmed
# variance that ignores the largest ``2 * contamination`` of the squared
# deviations, and, where the first is inflated, cuts the weight of the
# samples whose scores along the inflated directions are improbably large
# for Gaussian data.  It stops when no direction is inflated.
# ``sample_weight_`` holds the final weights: the outliers end near 0,
# almost all inliers at 1 (a few unusual digits lose part of their weight).
weights = robust.sample_weight_
print(
    f"outliers: weights {weights[is_outlier].min():.4f} to {weights[is_outlier].max():.4f}; "
    f"inliers: {np.mean(weights[~is_outlier] == 1.0):.1%} at 1, "
    f"smallest {weights[~is_outlier].min():.2f}"
)

fig, ax = plt.subplots(figsize=(7, 3))
bins = np.logspace(-4, 0, 41)
ax.hist(
    [np.maximum(weights[~is_outlier], 1e-4), np.maximum(weights[is_outlier], 1e-4)],
    bins=bins,
    label=["inliers", "planted outliers"],
    color=["tab:blue", "tab:red"],
)
ax.set(
    xscale="log",
    yscale="log",
    xlabel="sample_weight_",
    ylabel="number of samples",
    title="RobustPCA filter weights",
)
ax.legend(loc="upper center")
fig.tight_layout()
plt.show()

# %%
# The weights also make an outlier detector for free: here every planted
# outlier has a smaller weight than every inlier.  For new samples,
# :meth:`~lrsparse.decomposition.RobustPCA.score_samples` gives the
# log-likelihood under the probabilistic PCA model of the robust fit.  The
# artefacts lie far outside that model and score much lower than any digit,
# whereas PCA, whose model was bent to include them, finds them typical.
print(
    f"largest outlier weight < smallest inlier weight: "
    f"{weights[is_outlier].max() < weights[~is_outlier].min()}"
)
for name, est in (("RobustPCA", robust), ("PCA", pca)):
    log_lik = est.score_samples(X)
    print(
        f"{name:>9} score_samples: outliers {log_lik[is_outlier].min():7.1f} to "
        f"{log_lik[is_outlier].max():7.1f}, inliers {log_lik[~is_outlier].min():7.1f} to "
        f"{log_lik[~is_outlier].max():7.1f}"
    )

# %%
# One pass over a stream
# ----------------------
#
# :class:`~lrsparse.decomposition.StreamingRobustPCA` runs the same filter on
# each batch it is given by ``partial_fit`` and averages the filtered
# batches into a block power method, keeping only
# O(``n_features * (n_components + n_oversamples)``) numbers between
# batches.  On 1797 samples it completes a single averaging round, so it is
# less accurate than the batch filter; it is meant for streams too large for
# memory.
from lrsparse.decomposition import StreamingRobustPCA

streaming = StreamingRobustPCA(n_components, contamination=0.1, random_state=0)
for batch in np.array_split(rng.permutation(n_samples), 6):
    streaming.partial_fit(X[batch])
dist = subspace_distance(streaming.components_.T, reference.components_.T)
print(
    f"StreamingRobustPCA: {streaming.n_samples_seen_} samples, "
    f"{streaming.n_rounds_} round(s), distance to reference {dist:.3f}"
)
