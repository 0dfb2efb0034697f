"""
=====================================================================
Background and foreground of a video by principal component pursuit
=====================================================================

A video from a fixed camera is, frame after frame, nearly the same
background: stacked as the rows of a matrix (one frame per row), the
backgrounds form a matrix of low rank, a few dimensions for the changes of
lighting.  Objects moving in front of it cover a small share of the pixels
of each frame, in a different place every frame: a *sparse* matrix of
errors of arbitrary size.  Principal component pursuit (PCP) splits a
matrix ``X`` into exactly these two parts,

.. math:: \\min_{L, S} \\ \\lVert L \\rVert_* + \\lambda \\lVert S \\rVert_1
   \\quad \\text{subject to} \\quad L + S = X,

the nuclear norm (sum of singular values) favouring a low-rank ``L`` and the
l1 norm a sparse ``S``.  This example builds a synthetic video with a known
background, separates it with
:class:`~lrsparse.decomposition.PrincipalComponentPursuit`, compares the
result with a plain truncated SVD of the true rank, and cleans new frames
with ``transform``.  See the :ref:`user guide <robust_pca>` for the solver.
"""

# %%
# A synthetic video
# -----------------
#
# The background of every frame is a combination of three fixed images: a
# smooth gradient with a soft blob, a lamp spot and a vertical gradient.
# Their weights change slowly over the 120 frames (the overall light drifts,
# the lamp flickers), so the 120 backgrounds span a space of dimension 3:
# as a 120 x 3072 matrix (48 x 64 = 3072 pixels per frame) they have rank 3.
# Three squares of different sizes and brightness then move across the
# scene at about one pixel per frame, bouncing off its edges; they
# *replace* the background where they are.
import matplotlib.pyplot as plt
import numpy as np

height, width, n_frames = 48, 64, 120
y, x = np.mgrid[0:height, 0:width]
y, x = y / height, x / width
images = np.stack(
    [
        0.3 + 0.3 * x + 0.2 * np.exp(-((x - 0.3) ** 2 + (y - 0.6) ** 2) / 0.05),
        0.4 * np.exp(-((x - 0.75) ** 2 + (y - 0.3) ** 2) / 0.03),
        0.1 * y,
    ]
).reshape(3, -1)
t = np.arange(n_frames)
weights = np.stack(
    [
        1.0 + 0.2 * np.sin(2 * np.pi * t / n_frames),  # overall light
        0.5 + 0.5 * np.sin(2 * np.pi * t / 40),  # flickering lamp
        np.cos(2 * np.pi * t / n_frames),
    ],
    axis=1,
)
background = weights @ images  # (n_frames, n_pixels), rank 3


def bounce(position, upper):
    """Fold a straight path into [0, upper], as a ball bouncing between walls."""
    position = np.mod(position, 2 * upper)
    return np.where(position > upper, 2 * upper - position, position)


# (start row, start column), (rows, columns) per frame, side, brightness
squares = [
    ((8, 0), (0.0, 1.0), 6, 0.0),
    ((30, 58), (0.5, -0.8), 5, 1.0),
    ((0, 20), (0.8, 0.4), 5, 0.9),
]
video = background.reshape(n_frames, height, width).copy()
moving = np.zeros(video.shape, dtype=bool)
for (r0, c0), (vr, vc), side, value in squares:
    rows = np.rint(bounce(r0 + vr * t, height - side)).astype(int)
    cols = np.rint(bounce(c0 + vc * t, width - side)).astype(int)
    for f, (r, c) in enumerate(zip(rows, cols)):
        video[f, r : r + side, c : c + side] = value
        moving[f, r : r + side, c : c + side] = True
X = video.reshape(n_frames, -1)
print(f"X: {X.shape[0]} frames x {X.shape[1]} pixels")
print(f"rank of the background: {np.linalg.matrix_rank(background)}")
print(f"pixels covered by moving squares: {moving.mean():.1%}")

# %%
# Principal component pursuit
# ---------------------------
#
# We fit on the first 100 frames and keep the last 20 aside, to be cleaned
# later with ``transform``.  The defaults suffice: ``lam="auto"`` is the
# universal weight ``1 / sqrt(max(n_frames, n_pixels))`` of Candes et al.,
# and the solver, an inexact augmented Lagrangian method, stops when
# ``low_rank_ + sparse_`` reproduces the data to a relative ``tol=1e-7`` and
# the sparse part has stopped moving.  The rank is not a parameter: it comes
# out of the nuclear norm, as ``rank_``.
# :func:`~lrsparse.metrics.relative_error` is
# ``||estimate - truth||_F / ||truth||_F``.
from lrsparse.decomposition import PrincipalComponentPursuit
from lrsparse.metrics import relative_error

X_train, background_train, moving_train = X[:100], background[:100], moving[:100]
X_new, background_new = X[100:], background[100:]

pcp = PrincipalComponentPursuit(random_state=0).fit(X_train)
pcp_error = relative_error(background_train, pcp.low_rank_)
print(f"PCP: rank_ = {pcp.rank_}, {pcp.n_iter_} iterations")
print(f"relative error of the PCP background: {pcp_error:.1e}")

found = np.abs(pcp.sparse_.reshape(moving_train.shape)) > 0.01
precision = (found & moving_train).sum() / found.sum()
recall = (found & moving_train).sum() / moving_train.sum()
print(f"foreground |sparse_| > 0.01: precision {precision:.3f}, recall {recall:.3f}")

# %%
# Truncated SVD of the true rank
# ------------------------------
#
# The classical alternative keeps the top singular triplets of the data:
# the best rank-3 approximation in the least squares sense.  Here it is
# computed with :func:`~lrsparse.utils.extmath.partial_svd`, the truncated
# SVD that PCP itself uses.  Even with the right rank it is no background
# estimate: least squares spreads the squares' large errors over the whole
# fit, so the "background" keeps faint trails of the moving squares, and
# everything else is slightly off as well.
from lrsparse.utils.extmath import partial_svd

U, s, Vt, _ = partial_svd(X_train, 3, random_state=0)
svd_background = (U * s) @ Vt
svd_error = relative_error(background_train, svd_background)
print(f"relative error of the rank-3 SVD background: {svd_error:.3f}")

# %%
# Three frames
# ------------
#
# From left to right: the frame, PCP's background (``low_rank_``), PCP's
# foreground (``|sparse_|``), the SVD's background and the absolute error of
# the SVD's background.  PCP's background has no trace of the squares and
# its foreground nothing else; the SVD's error shows the squares' trails
# across the whole video.
shown = [10, 50, 90]
columns = {
    "frame": (X_train, "gray", (0, 1.2)),
    "PCP background": (pcp.low_rank_, "gray", (0, 1.2)),
    "PCP |foreground|": (np.abs(pcp.sparse_), "magma", (0, 1)),
    "SVD background": (svd_background, "gray", (0, 1.2)),
    "SVD |error|": (np.abs(svd_background - background_train), "magma", (0, 0.2)),
}
# sphinx_gallery_thumbnail_number = 1
fig, axes = plt.subplots(len(shown), len(columns), figsize=(11, 5.2), layout="constrained")
for i, f in enumerate(shown):
    for j, (title, (data, cmap, (vmin, vmax))) in enumerate(columns.items()):
        ax = axes[i, j]
        im = ax.imshow(data[f].reshape(height, width), cmap=cmap, vmin=vmin, vmax=vmax)
        ax.set(xticks=[], yticks=[])
        if i == 0:
            ax.set_title(title, fontsize="medium")
        if j == 0:
            ax.set_ylabel(f"frame {f}")
        if i == len(shown) - 1 and j == len(columns) - 1:
            fig.colorbar(im, ax=axes[:, j], shrink=0.6, label="|error| of the SVD background")
plt.show()

# %%
# Cleaning new frames with ``transform``
# --------------------------------------
#
# ``components_`` holds the row space of ``low_rank_``: here three
# background "eigen-images".  ``transform`` fits each new frame on them by
# least *absolute* deviations (the same augmented Lagrangian, with the
# nuclear-norm step replaced by the projection on that space), so the new
# frames' own moving objects are left out of their backgrounds.  The last 20
# frames were not seen by the fit, and the squares are at new places in
# them.  A least squares projection on the same three images
# (``X_new @ V.T @ V``) is pulled by the squares: they bias the three
# coefficients of the frame, so its error, smooth but not small, covers the
# whole frame.
cleaned = pcp.transform(X_new)
V = pcp.components_
projected = X_new @ V.T @ V
print("relative error of the backgrounds of the last 20 frames:")
print(f"  transform:                 {relative_error(background_new, cleaned):.1e}")
print(f"  least squares projection:  {relative_error(background_new, projected):.3f}")

fig, axes = plt.subplots(1, 4, figsize=(11, 2.5), layout="constrained")
f = 15  # frame 115
panels = [
    (X_new[f], "gray", 1.2, f"new frame {100 + f}"),
    (cleaned[f], "gray", 1.2, "transform: background"),
    (np.abs(cleaned[f] - background_new[f]), "magma", 0.05, "|error|, transform"),
    (np.abs(projected[f] - background_new[f]), "magma", 0.05, "|error|, least squares"),
]
for ax, (data, cmap, vmax, title) in zip(axes, panels):
    im = ax.imshow(data.reshape(height, width), cmap=cmap, vmin=0, vmax=vmax)
    ax.set(title=title, xticks=[], yticks=[])
fig.colorbar(im, ax=axes[2:], shrink=0.8, label="|error|")
plt.show()

# %%
# PCP needs the foreground to be sparse *and* not low-rank itself: a square
# that stood still for the whole video would be part of the background, and
# rightly so; a slow object that covers the same pixels for many frames
# makes the recovery inexact.  Sensor noise is neither low-rank nor sparse,
# and ``L + S = X`` sends it into one part or the other: with Gaussian noise
# of standard deviation 0.01 added to the 100 training frames, ``rank_``
# grows to 57 and ``sparse_`` fills with small values, but the background
# error stays below 1% (the rank-3 SVD's: 8%), and a threshold of 0.1 on
# ``|sparse_|`` still marks exactly the moving squares.
