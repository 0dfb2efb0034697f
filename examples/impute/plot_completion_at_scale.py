"""
=====================================================
Completion at scale: ScaledGD(lambda) and ALS solvers
=====================================================

Ratings and interaction matrices have 0.1-1% of their entries observed.
There the fixed-point iterations of soft-impute and SVT slow down: each step
refills the unobserved entries from the previous iterate and corrects them
only through the observed ones, so the error on the unobserved entries
shrinks by a factor of about ``1 - p`` per iteration (``p`` the observed
fraction).  Factored solvers have no refill:

* :class:`~lrsparse.impute.ScaledGDImputer`, ScaledGD(lambda) of Xu, Shen,
  Chi & Ma: gradient steps on the factors ``L`` and ``R`` of ``X ~ L R^T``,
  preconditioned by ``(R^T R + lambda I)^-1`` and ``(L^T L + lambda I)^-1``;
* ``SoftImputer(solver="als")``: soft-impute's objective by alternating
  ridge regressions (Hastie, Mazumder, Lee & Zadeh), the same fixed point as
  the SVD iteration.

This example measures (1) what the preconditioner buys on ill-conditioned
truth, against plain gradient descent on the same loss, and (2) the three
solvers on a 2000 x 2000 matrix with 2.5% of its entries observed (small
enough for the example to run in seconds; the benchmark below goes to
100k x 100k).  See the :ref:`user guide <completion_large>`.
"""

# %%
# Iterations against the condition number
# ---------------------------------------
#
# 500 x 500 matrices of rank 5 whose singular values are spaced
# geometrically from ``s_1`` to ``s_1 / kappa`` (``condition_number`` of the
# generator), with ``m = 8 d_r`` observed entries, ``d_r = r (n1 + n2 - r)``
# the degrees of freedom of a rank-``r`` matrix (16% observed).  The solver
# behind :class:`~lrsparse.impute.ScaledGDImputer`,
# ``scaled_gd_completion``, takes a ``callback`` called after every
# iteration with the factors; it records the relative error on 5000
# unobserved entries, and stops the solver at 1e-3.  ``precondition=False``
# runs plain gradient descent on the same loss (step ``eta / ||X||_2``).
# Both use ``n_components = 5``, the true rank, and all the observed
# entries (``validation_fraction=None``: no rank selection).  Plain gradient
# descent is capped at 300 iterations.  The solver's many small QR and
# solve calls run faster on one BLAS thread (the estimators limit it
# themselves; here the solver is called directly).
import time

import matplotlib.pyplot as plt
import numpy as np
from threadpoolctl import threadpool_limits

from lrsparse.datasets import make_low_rank_matrix_with_missing
from lrsparse.impute._base import observed_entries
from lrsparse.impute._scaled_gd import scaled_gd_completion

n, rank = 500, 5
d_r = rank * (2 * n - rank)
kappas = [1, 10, 100]
target, cap = 1e-3, 300


class Reached(Exception):
    """Raised by the callback to stop the solver at the target error."""


def held_out(X, A, B, size, seed):
    """Rows, columns and true values of ``size`` random unobserved entries."""
    rng = np.random.default_rng(seed)
    rows, cols = rng.integers(0, X.shape[0], 2 * size), rng.integers(0, X.shape[1], 2 * size)
    unobserved = np.asarray(X[rows, cols] == 0).ravel()  # no stored entry there
    rows, cols = rows[unobserved][:size], cols[unobserved][:size]
    return rows, cols, np.einsum("ij,ij->i", A[rows], B[cols])


def error_history(obs, scale, held, precondition):
    """Held-out relative error after each iteration, until ``target`` or ``cap``."""
    rows, cols, truth = held
    history = []

    def callback(n_iter, L, R):
        pred = scale * np.einsum("ij,ij->i", L[rows], R[cols])
        history.append(np.linalg.norm(pred - truth) / np.linalg.norm(truth))
        if history[-1] <= target:
            raise Reached

    with threadpool_limits(1, user_api="blas"):
        try:
            scaled_gd_completion(obs, rank, precondition=precondition,
                                 validation_fraction=None, scale=scale, tol=0.0,
                                 max_iter=cap, random_state=0, callback=callback)
        except Reached:
            pass
    return history


histories = {}
for kappa in kappas:
    X, A, B = make_low_rank_matrix_with_missing(
        n, n, rank=rank, n_observed=8 * d_r, condition_number=kappa,
        sparse_output=True, return_factors=True, random_state=0)
    held = held_out(X, A, B, 5000, seed=1)
    obs = observed_entries(X, np.nan)
    scale = float(np.abs(obs.values).max())  # the solver works on X / scale
    for precondition in (True, False):
        histories[kappa, precondition] = error_history(obs, scale, held, precondition)

print(f"{n} x {n}, rank {rank}, {8 * d_r} observed entries ({8 * d_r / n**2:.1%})")
print(f"iterations to a held-out relative error of {target:g}:")
print(f"{'kappa':>6} {'ScaledGD(lambda)':>18} {'gradient descent':>18}")


def reached(history):
    return f"{len(history)}" if history[-1] <= target else f"> {cap} ({history[-1]:.1e})"


for kappa in kappas:
    print(f"{kappa:>6} {reached(histories[kappa, True]):>18} "
          f"{reached(histories[kappa, False]):>18}")

# sphinx_gallery_thumbnail_number = 1
fig, axes = plt.subplots(1, 2, figsize=(10, 3.8))
colors = dict(zip(kappas, ["tab:blue", "tab:orange", "tab:red"]))
for (kappa, precondition), history in histories.items():
    axes[0].semilogy(np.arange(1, len(history) + 1), history, color=colors[kappa],
                     ls="-" if precondition else "--",
                     label=f"{'ScaledGD(lambda)' if precondition else 'gradient descent'}, "
                           f"kappa = {kappa}")
axes[0].axhline(target, color="gray", lw=0.8, ls=":")
axes[0].set(xlabel="iteration", ylabel="held-out relative error",
            title=f"{n} x {n}, rank {rank}, m = 8 d_r")
axes[0].legend(fontsize=7)
width = 0.38
x = np.arange(len(kappas))
for offset, precondition, label in ((-width / 2, True, "ScaledGD(lambda)"),
                                    (width / 2, False, "gradient descent")):
    counts = [len(histories[k, precondition]) for k in kappas]
    bars = axes[1].bar(x + offset, counts, width, label=label)
    for bar, k in zip(bars, kappas):
        if histories[k, precondition][-1] > target:
            axes[1].annotate(f"> {cap}", (bar.get_x() + bar.get_width() / 2, bar.get_height()),
                             ha="center", va="bottom", fontsize=8)
axes[1].set_yscale("log")
axes[1].set_xticks(x, [f"kappa = {k}" for k in kappas])
axes[1].set(ylabel=f"iterations to {target:g}", title="Iterations against the condition number")
axes[1].legend()
fig.tight_layout()
plt.show()

# %%
# The preconditioner makes every direction of the truth converge at one
# rate, whatever its singular value: the iteration count of ScaledGD(lambda)
# barely moves from ``kappa = 1`` to ``kappa = 100``.  Plain gradient
# descent converges at a rate set by the smallest singular value relative
# to the largest, so it needs many more iterations at ``kappa = 10`` and
# does not reach 1e-3 within the cap at ``kappa = 100``.  An iteration of
# either costs the same: two passes over the observed entries.
#
# Three solvers on a 2000 x 2000 matrix at 2.5%
# ---------------------------------------------
#
# Rank 5, ``m = 5 d_r`` observed entries (2.5% of the matrix), noise of 0.1
# times the standard deviation of the entries, given as a CSR matrix (never
# densified).  The estimators:
#
# * ``ScaledGDImputer(n_components=10)``: twice the true rank, the rank cut
#   on its 2% validation share;
# * ``SoftImputer(alpha=ALPHA, solver="als")``: soft-impute by ALS at a
#   fixed shrinkage (``alpha="auto"`` runs a path of such fits);
# * ``SoftImputer(alpha=ALPHA, solver="svd", n_components=10)``: the same
#   objective by the SVD iteration, capped at 60 iterations (it warns that
#   it stopped early).
#
# ``ALPHA = 5`` is set by hand, just above the noise: the observed part of
# the noise has a largest singular value of about 3 here (computed below
# from the truth), and soft-impute keeps every direction whose singular
# value exceeds ``alpha``.  A smaller ``alpha`` keeps noise directions
# (soft-impute's solution then has a high rank, and ALS needs many more
# iterations to reach it); a larger one shrinks the signal more.
# ``alpha="auto"`` would choose it on held-out entries, at the cost of a
# path of fits.
#
# Each is scored by the relative error on 20000 unobserved entries of the
# noiseless truth, read with ``predict_entries``: the completion itself
# (4 million entries) is never formed.  A tiny fit of each first compiles
# the numba kernels (or loads them from the disk cache), so that the
# timings do not include compilation.
import warnings

from scipy.sparse.linalg import svds
from sklearn.exceptions import ConvergenceWarning

from lrsparse.impute import ScaledGDImputer, SoftImputer

ALPHA = 5.0
SVD_MAX_ITER = 60
n, rank = 2000, 5
d_r = rank * (2 * n - rank)
X, A, B = make_low_rank_matrix_with_missing(
    n, n, rank=rank, n_observed=5 * d_r, noise=0.1 * np.sqrt(rank), sparse_output=True,
    return_factors=True, random_state=0)
rows, cols, truth = held_out(X, A, B, 20_000, seed=1)
print(f"{n} x {n}, rank {rank}: {X.nnz} observed entries ({X.nnz / n**2:.1%}), "
      f"CSR of {(X.data.nbytes + X.indices.nbytes + X.indptr.nbytes) / 2**20:.1f} MiB")
# The observed noise (observed entries minus the truth) and its largest singular value.
noise_part = X.tocoo()
noise_part.data = noise_part.data - np.einsum("ij,ij->i", A[noise_part.row], B[noise_part.col])
noise_norm = svds(noise_part.tocsr(), k=1, return_singular_vectors=False)[0]
print(f"largest singular value of the observed noise: {noise_norm:.1f}; ALPHA = {ALPHA:g}")

models = {
    "ScaledGD(lambda)": ScaledGDImputer(n_components=10, random_state=0),
    "soft-impute, ALS": SoftImputer(alpha=ALPHA, solver="als", random_state=0),
    "soft-impute, SVD": SoftImputer(alpha=ALPHA, solver="svd", n_components=10,
                                    max_iter=SVD_MAX_ITER, random_state=0),
}
X_tiny, _ = make_low_rank_matrix_with_missing(50, 40, rank=2, random_state=0)
results = {}
for name, model in models.items():
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        max_iter = model.max_iter
        model.set_params(max_iter=2).fit(X_tiny)  # compile, not timed
        model.set_params(max_iter=max_iter)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", ConvergenceWarning)
        start = time.perf_counter()
        model.fit(X)
        seconds = time.perf_counter() - start
    error = np.linalg.norm(model.predict_entries(rows, cols) - truth) / np.linalg.norm(truth)
    results[name] = (seconds, error, model.n_iter_, model.rank_, bool(caught))

print(f"{'solver':>18} {'fit (s)':>8} {'n_iter_':>8} {'rank_':>6} {'held-out error':>15}")
for name, (seconds, error, n_iter, rank_, warned) in results.items():
    print(f"{name:>18} {seconds:8.2f} {n_iter:8d} {rank_:6d} {error:15.3g}"
          + ("  (max_iter reached)" if warned else ""))

fig, axes = plt.subplots(1, 2, figsize=(9, 3.4))
names = list(results)
colors = ["tab:green", "tab:blue", "tab:gray"]
axes[0].bar(names, [results[k][0] for k in names], color=colors)
axes[0].set(ylabel="fit time (s)", title="Wall time")
axes[1].bar(names, [results[k][1] for k in names], color=colors)
axes[1].set_yscale("log")
axes[1].set(ylabel="relative error, unobserved entries", title="Held-out error")
for ax in axes:
    ax.tick_params(axis="x", labelsize=8)
fig.suptitle(f"{n} x {n}, rank {rank}, {X.nnz / n**2:.1%} observed, noise 0.1")
fig.tight_layout()
plt.show()

# %%
# ScaledGD(lambda) has the smallest error, with no shrinkage to bias it.
# ALS reaches soft-impute's fixed point in a few iterations, with an error
# set by the shrinkage ``alpha`` (the price of a convex, regularised
# objective: every singular value is shrunk by ``alpha``).  The SVD
# iteration of the same objective is far from its fixed point after its
# 60 iterations: each iteration refills the unobserved entries, 97.5% of
# the matrix, from the previous iterate.  With ``solver="auto"`` (default),
# :class:`~lrsparse.impute.SoftImputer` picks ALS below 5% observed
# entries.  ``python -m benchmarks completion`` runs the same comparison at
# 10k, 30k and 100k squared and 1% observed or less.
