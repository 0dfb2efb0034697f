"""
=========================================================
Incremental classification of handwritten digits
=========================================================

:class:`~lrsparse.mixture.IncrementalGMMClassifier` learns the joint density
of the inputs and the one-hot class labels with an incremental Gaussian
mixture (the fast IGMN of Pinto & Engel), one pass over the stream, and
predicts a class from the conditional mean of the one-hot block given the
inputs.  Nothing is kept of the points it has seen: each batch updates the
components' means, precisions and log-determinants by rank-one updates, and
new components are created where the data are novel.

This example streams scikit-learn's handwritten digits (after a PCA to 20
dimensions) through ``partial_fit`` in batches, measures the accuracy on a
held-out split after every batch, and compares it with two batch
classifiers that see the whole training set at once:
:class:`~sklearn.naive_bayes.GaussianNB` (one diagonal Gaussian per class)
and :class:`~sklearn.discriminant_analysis.QuadraticDiscriminantAnalysis`
(one full-covariance Gaussian per class).  See the :ref:`user guide
<mixture>` for the model.
"""

# %%
# The data: digits in 20 dimensions
# ---------------------------------
#
# 1797 images of 8 x 8 pixels, ten classes.  A quarter is held out for
# testing; the PCA is fitted on the training split only (20 components keep
# about 90% of its variance).  The training split arrives in random order,
# in 20 batches of about 67 images.
import time

import matplotlib.pyplot as plt
import numpy as np
from sklearn.datasets import load_digits
from sklearn.decomposition import PCA
from sklearn.discriminant_analysis import QuadraticDiscriminantAnalysis
from sklearn.model_selection import train_test_split
from sklearn.naive_bayes import GaussianNB

from lrsparse.mixture import IncrementalGMMClassifier

X, y = load_digits(return_X_y=True)
classes = np.unique(y)


def split(seed):
    """PCA-20 features of a stratified 75/25 split."""
    X_train, X_test, y_train, y_test = train_test_split(
        X, y, test_size=0.25, stratify=y, random_state=seed)
    pca = PCA(n_components=20, svd_solver="full").fit(X_train)
    return pca.transform(X_train), pca.transform(X_test), y_train, y_test, pca


Z_train, Z_test, y_train, y_test, pca = split(0)
print(f"{len(y_train)} training and {len(y_test)} test images, "
      f"{pca.explained_variance_ratio_.sum():.0%} of the variance in 20 dimensions")

# %%
# Learning from the stream
# ------------------------
#
# ``partial_fit`` needs every class at its first call (as scikit-learn's
# incremental classifiers do).  ``delta`` sets the size of a new component
# relative to the running spread of the data: the default ``0.5`` makes
# small components (many per class), ``delta=1.0`` larger ones.  After each
# batch we record the test accuracy and the number of components.
batches = np.array_split(np.arange(len(y_train)), 20)
settings = {"IGMN, default (delta=0.5)": {}, "IGMN, delta=1.0": {"delta": 1.0}}
curves, components, final = {}, {}, {}
for name, params in settings.items():
    clf = IncrementalGMMClassifier(**params)
    accuracy, n_components, tic = [], [], time.perf_counter()
    for rows in batches:
        clf.partial_fit(Z_train[rows], y_train[rows], classes=classes)
        accuracy.append(clf.score(Z_test, y_test))
        n_components.append(clf.n_components_)
    curves[name], components[name], final[name] = accuracy, n_components, clf
    print(f"{name}: test accuracy {accuracy[-1]:.3f} with {clf.n_components_} components "
          f"(stream and 20 evaluations in {time.perf_counter() - tic:.2f} s)")

batch_models = {"GaussianNB": GaussianNB(), "QDA": QuadraticDiscriminantAnalysis()}
batch_accuracy = {name: model.fit(Z_train, y_train).score(Z_test, y_test)
                  for name, model in batch_models.items()}
for name, accuracy in batch_accuracy.items():
    print(f"{name} (batch): test accuracy {accuracy:.3f}")

# %%
# Accuracy against points seen
# ----------------------------
#
# The horizontal lines are the batch classifiers trained on the whole
# training split.  With ``delta=1.0`` the incremental classifier keeps about
# one component per class and its accuracy climbs steadily.  With the
# default ``delta`` most early points are novel in the 30-dimensional joint
# space (20 inputs and 10 one-hot coordinates), so the model reaches its
# ``max_components=100`` cap within a few hundred images; pruning only
# starts once a component is older than ``v_min = 20 (30 + 1) = 620``
# points, and then removes the components that gathered too little mass.
# The dip in accuracy just after 620 images is that clean-up; the model
# settles at a few dozen components and recovers.
seen = np.cumsum([len(rows) for rows in batches])
for name, accuracy in curves.items():
    above = seen[np.flatnonzero(np.array(accuracy) > batch_accuracy["GaussianNB"])]
    print(f"{name}: first above GaussianNB after {above[0]} images, at most "
          f"{max(components[name])} components along the stream")
fig, (ax_acc, ax_k) = plt.subplots(1, 2, figsize=(10, 4), layout="constrained")
for (name, accuracy), marker in zip(curves.items(), "os"):
    ax_acc.plot(seen, accuracy, marker=marker, markersize=4, label=name)
    ax_k.plot(seen, components[name], marker=marker, markersize=4, label=name)
for (name, accuracy), style in zip(batch_accuracy.items(), ["--", ":"]):
    ax_acc.axhline(accuracy, color="k", linestyle=style, label=f"{name} (batch)")
ax_acc.set(xlabel="training images seen", ylabel="test accuracy", ylim=(0.6, 1.0),
           title="Test accuracy")
ax_acc.legend(loc="lower right")
ax_k.set(xlabel="training images seen", ylabel="components", ylim=(0, 115),
         title="Components in use")
for ax in (ax_acc, ax_k):
    ax.axvline(620, color="0.6", linewidth=0.8)
ax_k.annotate("v_min = 620", (620, 5), xytext=(5, 0), textcoords="offset points", color="0.4")
ax_k.legend(loc="upper right")
plt.show()

# %%
# Over several splits
# -------------------
#
# One split is one draw; the final accuracies over five stratified splits
# (each with its own PCA and its own random stream order) show the spread.
rows = []
for seed in range(5):
    Z_tr, Z_te, y_tr, y_te, _ = split(seed)
    row = [GaussianNB().fit(Z_tr, y_tr).score(Z_te, y_te),
           QuadraticDiscriminantAnalysis().fit(Z_tr, y_tr).score(Z_te, y_te)]
    for params in settings.values():
        clf = IncrementalGMMClassifier(**params)
        for part in np.array_split(np.arange(len(y_tr)), 20):
            clf.partial_fit(Z_tr[part], y_tr[part], classes=classes)
        row.append(clf.score(Z_te, y_te))
    rows.append(row)
rows = np.array(rows)
names = ["GaussianNB", "QDA", "IGMN default", "IGMN delta=1"]
print(f"{'split':>5}" + "".join(f"{name:>14}" for name in names))
for seed, row in enumerate(rows):
    print(f"{seed:5d}" + "".join(f"{value:14.3f}" for value in row))
print(f"{'mean':>5}" + "".join(f"{value:14.3f}" for value in rows.mean(axis=0)))

# %%
# What to take from it
# --------------------
#
# * In one pass, without storing a point and without being told how many
#   Gaussians to use, the incremental classifier beats GaussianNB (whose
#   diagonal covariances cannot model the correlated PCA features) on every
#   split, and reaches 0.95 or more on every split with both settings.
# * QDA, one full-covariance Gaussian per class fitted on the whole training
#   split at once, is ahead of the default setting on every split, by 1.5 to
#   3.5 points.  ``delta=1.0`` (about one component per class: the QDA model,
#   learned incrementally) comes within 1.5 points of QDA on every split and
#   beats it on one, and it is steadier along the stream than the default,
#   whose many small components come and go.
