"""
============================================================
One-sided completion: the row space from two entries per row
============================================================

Take a tall ``m x d`` matrix ``X`` of low rank ``r`` and reveal only **two**
entries of every row, chosen at random.  Full matrix completion is hopeless:
each row has ``r`` unknown coordinates and only two observations.  But the
``d x d`` second moment ``X^T X / m``, and with it the top right singular
vectors of ``X`` (its row space, what PCA would give), can still be
recovered once there are enough rows (Cao, Liang & Valiant, 2023).
:class:`~lrsparse.impute.OneSidedCompletion` does that.

This example grows the number of rows ``m`` from 1000 to 30000 with
``d = 50`` and ``r = 3`` and compares how well four estimates of the row
space match the truth:

* :class:`~lrsparse.impute.OneSidedCompletion`,
* PCA of the zero-filled matrix,
* the right singular vectors (``components_``) of the completions of
  :class:`~lrsparse.impute.SVTImputer` and
  :class:`~lrsparse.impute.SoftImputer`.

See the :ref:`user guide <one_sided>` for the estimator.
"""

# %%
# Two observations per row
# ------------------------
#
# :func:`~lrsparse.datasets.make_low_rank_matrix_with_missing` with
# ``pattern="two_per_row"`` draws ``X_true = A B^T`` with standard normal
# factors and reveals exactly two distinct entries of each row; the rest is
# NaN.  The target is the span of the top ``r`` right singular vectors of
# ``X_true``.
import matplotlib.pyplot as plt
import numpy as np

from lrsparse.datasets import make_low_rank_matrix_with_missing

d, rank = 50, 3
X, X_true = make_low_rank_matrix_with_missing(1000, d, rank=rank, pattern="two_per_row",
                                              random_state=0)
print(f"X: {X.shape}, observed entries per row: "
      f"{sorted(set(np.sum(~np.isnan(X), axis=1).tolist()))}")
print("row 0, observed:", {int(j): round(float(X[0, j]), 2)
                           for j in np.flatnonzero(~np.isnan(X[0]))})

# %%
# Why the row space is recoverable and the rows are not
# -----------------------------------------------------
#
# Write row ``i`` as ``x_i = z_i^T V^T`` with ``V`` (``d x r``) the right
# singular vectors and ``z_i`` its ``r = 3`` coordinates.  Two observed
# entries give two equations for three unknowns: even with ``V`` known
# exactly, the row is not determined, and no method can complete it.  The
# left factor is lost, row by row.
#
# The second moment is another matter.  Which entries a row reveals does
# not depend on its values, so for a row that reveals columns ``a`` and
# ``b``, ``x_a x_b`` is an unbiased estimate of ``(X^T X / m)_ab`` and
# ``x_a^2`` of the diagonal.  Each row contributes one product to a
# ``d x d`` matrix with only about ``d r`` degrees of freedom, and the rows
# pool their information: with ``m`` of order ``r^2 d log d`` rows the
# products determine ``X^T X / m``, hence ``V``.
#
# Zero-filling the missing entries and running PCA looks similar but is
# badly biased: a row contributes to a *diagonal* entry ``a`` whenever it
# reveals ``a`` (probability ``2 / d``), but to an off-diagonal ``(a, b)``
# only when it reveals both (probability ``2 / (d (d - 1))``).  The
# zero-filled second moment is nearly diagonal, and its top eigenvectors
# point at whichever columns happen to have the largest variance.
# :class:`~lrsparse.impute.OneSidedCompletion` divides each product sum by
# its pair count ``C_ab`` (rows revealing both ``a`` and ``b``) and fits a
# rank-``r`` model ``V V^T`` to the result, weighting each entry by
# ``C_ab``.
X0 = np.nan_to_num(X)
M = (~np.isnan(X)).astype(float)
C = M.T @ M  # pair counts
off = ~np.eye(d, dtype=bool)
print(f"m = 1000: mean pair count on the diagonal {C[~off].mean():.1f}, "
      f"off the diagonal {C[off].mean():.2f}")

# %%
# Fitting the four estimates
# --------------------------
#
# For each ``m``:
#
# * ``OneSidedCompletion(n_components=3)``: its ``components_``;
# * :class:`~sklearn.decomposition.PCA` on the zero-filled matrix;
# * ``SVTImputer()`` with its defaults but ``max_iter=30``;
# * ``SoftImputer(alpha=0.3 * s1, max_iter=20)``, with ``s1`` the largest
#   singular value of the zero-filled matrix.  ``alpha="auto"`` is of no
#   help here: its held-out entries cannot be predicted (see below), so its
#   held-out error barely changes along the path.  We picked ``0.3 * s1``
#   by looking at the truth, about the best the path has for the row space:
#   the benefit of the doubt, which a user would not have.
#
# For the imputers we take the top three of their ``components_``.  Both
# imputers warn (SVT diverges, soft-impute stops at ``max_iter``): we
# record the warnings, count them, and print those of the smallest ``m``.
import textwrap
import time
import warnings

from sklearn.decomposition import PCA

from lrsparse.impute import OneSidedCompletion, SoftImputer, SVTImputer
from lrsparse.metrics import relative_error, subspace_distance


def top_right_singular_vectors(A, k):
    return np.linalg.svd(A, full_matrices=False)[2][:k].T


def distance(components, V):
    # An imputer whose completion has rank < 3 misses a direction: distance 1.
    if components.shape[0] < rank:
        return 1.0
    return subspace_distance(components[:rank].T, V)


# The first fit of each estimator compiles its numba kernels (or loads them
# from the disk cache): one untimed fit of each on a small matrix first, so
# that the fit times printed below are those of the fits alone.
X_small, _ = make_low_rank_matrix_with_missing(300, d, rank=rank, pattern="two_per_row",
                                               random_state=1)
with warnings.catch_warnings():
    warnings.simplefilter("ignore")
    OneSidedCompletion(n_components=rank, random_state=0).fit(X_small)
    SVTImputer(max_iter=2, random_state=0).fit(X_small)
    SoftImputer(alpha=1.0, max_iter=2, random_state=0).fit(X_small)

ms = [1000, 3000, 10000, 30000]
names = ["OneSidedCompletion", "PCA, zero-filled", "SVTImputer", "SoftImputer"]
short = {"OneSidedCompletion": "one-sided", "PCA, zero-filled": "PCA (0-filled)",
         "SVTImputer": "SVT", "SoftImputer": "soft-impute"}
dist = {name: [] for name in names}
completion_error = {name: [] for name in ["OneSidedCompletion", "SVTImputer", "SoftImputer",
                                          "true V (oracle)"]}
n_warnings = {name: 0 for name in names}
first_warnings = []
timings = {name: 0.0 for name in names}
for m in ms:
    X, X_true = make_low_rank_matrix_with_missing(m, d, rank=rank, pattern="two_per_row",
                                                  random_state=0)
    missing = np.isnan(X)
    X0 = np.nan_to_num(X)
    V = top_right_singular_vectors(X_true, rank)
    s1 = np.linalg.norm(X0, 2)
    estimators = {
        "OneSidedCompletion": OneSidedCompletion(n_components=rank, random_state=0),
        "PCA, zero-filled": PCA(n_components=rank),
        "SVTImputer": SVTImputer(max_iter=30, random_state=0),
        "SoftImputer": SoftImputer(alpha=0.3 * s1, max_iter=20, random_state=0),
    }
    for name, est in estimators.items():
        t0 = time.perf_counter()
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            est.fit(X0 if name.startswith("PCA") else X)
        timings[name] += time.perf_counter() - t0
        n_warnings[name] += len(caught)
        if m == ms[0]:
            first_warnings += [f"{name}, {w.category.__name__}: {w.message}" for w in caught]
        dist[name].append(distance(est.components_, V))
        # Completion of the missing entries of the training rows.
        if name == "OneSidedCompletion":
            X_hat = est.inverse_transform(est.transform(X))
        elif name.startswith("PCA"):
            continue
        else:
            X_hat = np.where(missing, 0.0, X)
            X_hat[missing] = est.predict_entries(*np.nonzero(missing))
        completion_error[name].append(relative_error(X_true, X_hat, mask=missing))
    print(f"m = {m:5d}: " + ", ".join(f"{short[name]} {dist[name][-1]:.3f}" for name in names))

print(f"warnings at m = {ms[0]}:")
for message in first_warnings:
    print(textwrap.fill(message, 88, initial_indent="  ", subsequent_indent="    ",
                        break_on_hyphens=False))
print("warnings, all m: " + ", ".join(f"{short[name]} {n}" for name, n in n_warnings.items()))
print("fit times, all m: " + ", ".join(f"{short[name]} {t:.1f} s" for name, t in timings.items()))

# %%
# The subspace distance is the sine of the largest principal angle between
# the estimated and the true row space: 0 when they agree, 1 when some true
# direction is missed entirely.
# sphinx_gallery_thumbnail_number = 1
fig, ax = plt.subplots(figsize=(6.5, 3.8))
for (name, values), marker, ls in zip(dist.items(), "os^v", ["-", "-", "--", "-"]):
    ax.plot(ms, values, marker=marker, ls=ls, label=name)
ax.set(xscale="log", xlabel="number of rows m (two observed entries each)",
       ylabel="subspace distance to the truth", ylim=(0, 1.05),
       title=f"Row space of a rank-{rank}, {d}-column matrix")
ax.legend(loc="lower left")
fig.tight_layout()
plt.show()

# %%
# :class:`~lrsparse.impute.OneSidedCompletion` improves steadily with ``m``,
# roughly as ``1 / sqrt(m)``: each row adds one more product to the pooled
# second moment.  PCA of the zero-filled matrix stays near 1 however many
# rows there are: more rows do not fix a bias.  SVT, which interpolates the
# observed entries exactly with a nuclear norm penalty, diverges: with two
# entries per row, a matrix of rank 2 already has more unknowns than there
# are observations (``rank (m + d - rank) > 2 m``), its divergence guard
# fires, and the iterate it falls back to has rank 2 at most, too low to
# contain the row space.  Soft-impute, with its ``alpha`` tuned on the
# truth, does better than chance: the leading directions of a penalised
# fit of 2 m products do carry some of ``X^T X``, but without the
# debiasing by pair counts they converge more slowly and only for a narrow
# range of ``alpha``.
#
# The rows themselves cannot be completed
# ---------------------------------------
#
# The relative error on the *missing* entries of the training rows (1 is
# the error of predicting 0 everywhere).  For
# :class:`~lrsparse.impute.OneSidedCompletion`, ``transform`` computes each
# row's coordinates from its two entries (the posterior mean under a
# Gaussian prior with the fitted second moments) and ``inverse_transform``
# maps them back.  The oracle does the same with the *true* ``V`` and
# second moments: the best possible from two entries per row.
for m_index, m in enumerate(ms):
    X, X_true = make_low_rank_matrix_with_missing(m, d, rank=rank, pattern="two_per_row",
                                                  random_state=0)
    missing = np.isnan(X)
    U, s, Vt = np.linalg.svd(X_true, full_matrices=False)
    Vt, prior = Vt[:rank], s[:rank] ** 2 / m  # coordinates z ~ N(0, diag(prior))
    rows, cols = np.nonzero(~missing)
    W = Vt.T[cols].reshape(m, 2, rank)  # the rows of V at the two observed columns
    x_obs = X[rows, cols].reshape(m, 2)
    # Posterior mean of z given W z = x_obs (noise free): prior W^T (W prior W^T)^-1 x.
    K = np.einsum("nik,k,njk->nij", W, prior, W)
    z = np.einsum("nik,k,ni->nk", W, prior, np.linalg.solve(K, x_obs[..., None])[..., 0])
    completion_error["true V (oracle)"].append(relative_error(X_true, z @ Vt, mask=missing))

print(f"{'m':>6}" + "".join(f"{name:>20}" for name in completion_error))
for i, m in enumerate(ms):
    print(f"{m:>6}" + "".join(f"{completion_error[name][i]:20.3f}" for name in completion_error))

# %%
# The completions of SVT and soft-impute are little or no better than
# predicting 0, whatever ``m``.  One-sided completion's rows get better as its ``V``
# improves, but even the oracle, with the exact row space and second
# moments, leaves more than half of the norm of the missing entries
# unexplained: three coordinates cannot be read off two entries.  With two
# observations per row, the row space is the thing to estimate, and
# :class:`~lrsparse.impute.OneSidedCompletion` estimates it.
