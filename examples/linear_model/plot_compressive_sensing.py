"""
===============================================
Compressive sensing with corrupted measurements
===============================================

Compressive sensing recovers a sparse vector :math:`x \\in \\mathbb{R}^N`
from :math:`m < N` random linear measurements :math:`y = A x + e`.
Orthogonal matching pursuit (OMP) and the LASSO do this well when the error
:math:`e` is small and Gaussian.  When a few measurements are **grossly
corrupted** (a faulty sensor, a transmission error), least squares lets
those few values pull every coefficient, and the recovery fails.

This example compares, on the Gaussian setting of Mohammad-Taheri &
Brugiapaglia (``N = 300`` unknowns, ``s = 10`` nonzeros, noise of norm
``1e-3``), with no corrupted measurement and with 10% of them corrupted:

* scikit-learn's :class:`~sklearn.linear_model.OrthogonalMatchingPursuit`
  against :class:`~lrsparse.linear_model.WeightedOMP` with the LAD losses
  (``loss="lad"``: greedy selection by the decrease of the l1 norm of the
  residual, least-absolute-deviation refits), and
* the convex :class:`~lrsparse.linear_model.WeightedLasso` against
  :class:`~lrsparse.linear_model.LADLasso`.

See the :ref:`user guide <linear_model>` for the selection rules and the
objectives.
"""

# %%
# The measurements
# ----------------
#
# :func:`~lrsparse.datasets.make_sparse_recovery` draws a Gaussian matrix
# with unit-norm columns, a 10-sparse vector with standard normal entries and
# noise with :math:`\|e\|_2 = 10^{-3}`.  With ``corruption_fraction=0.1``,
# 10% of the measurements also get an error of standard deviation 100: the
# signal itself has entries of order 1.
import matplotlib.pyplot as plt
import numpy as np
from sklearn.linear_model import OrthogonalMatchingPursuit

from lrsparse.datasets import make_sparse_recovery
from lrsparse.linear_model import LADLasso, WeightedLasso, WeightedOMP

m, N, s = 100, 300, 10
problems = {
    f"{fraction:.0%} corrupted": make_sparse_recovery(
        m, N, s, noise=1e-3, corruption_fraction=fraction, random_state=0)
    for fraction in (0.0, 0.1)
}


def relative_error(coef, truth):
    return np.linalg.norm(coef - truth) / np.linalg.norm(truth)


# %%
# Greedy recovery: OMP against LAD-OMP
# ------------------------------------
#
# All the greedy estimators select ``n_nonzero_coefs = s`` columns (the
# sparsity is assumed known, as in the paper's experiments).
# ``WeightedOMP(loss="lasso", alpha=0)`` is standard OMP (it selects and
# refits exactly as scikit-learn's); the two LAD variants select by the
# decrease of :math:`\|r\|_1 + \lambda P(z)` along each coordinate (a
# weighted median per column) and refit by least absolute deviations.
# ``alpha`` is the paper's :math:`\lambda` on unit-norm columns; a small
# value makes the penalty (l0: a price per feature, l1: the weighted l1
# norm) a tie-breaker.  The measurements have no intercept.
greedy = {
    "OMP (scikit-learn)": OrthogonalMatchingPursuit(n_nonzero_coefs=s, fit_intercept=False),
    "WeightedOMP lasso": WeightedOMP(loss="lasso", alpha=0.0, n_nonzero_coefs=s,
                                     fit_intercept=False),
    "WeightedOMP lad-l0": WeightedOMP(loss="lad", penalty="l0", alpha=1e-6,
                                      n_nonzero_coefs=s, fit_intercept=False),
    "WeightedOMP lad-l1": WeightedOMP(loss="lad", penalty="l1", alpha=1e-6,
                                      n_nonzero_coefs=s, fit_intercept=False),
}

# %%
# Convex recovery: LASSO against LAD-LASSO
# ----------------------------------------
#
# The convex estimators use scikit-learn's scaling of the objective, with
# ``n = m`` samples: :class:`~lrsparse.linear_model.WeightedLasso` minimises
# :math:`\frac{1}{2n}\|y - Xc\|_2^2 + \alpha\|c\|_1` and
# :class:`~lrsparse.linear_model.LADLasso`
# :math:`\frac{1}{n}\|y - Xc\|_1 + \alpha\|c\|_1`.  The paper's
# :math:`\lambda` (its objectives have no :math:`1/(2n)` or :math:`1/n`)
# converts as ``alpha = lambda / (2 n)`` and ``alpha = lambda / n``.
#
# The LASSO's ``alpha`` is in the units of ``y`` (times those of ``X``), so
# we set it relative to ``alpha_max = max |X^T y| / n``, the smallest value
# whose solution is zero: ``alpha = 0.003 alpha_max``, a light penalty for
# this tiny noise.  The LAD-LASSO's ``alpha`` does not depend on the scale
# of ``y`` (the loss and the penalty both grow linearly with it): we take
# the paper's order of magnitude, :math:`\lambda = 1.8`, i.e.
# ``alpha = 1.8 / n``.


def convex_estimators(X, y):
    alpha_max = np.max(np.abs(X.T @ y)) / len(y)
    return {
        "WeightedLasso": WeightedLasso(alpha=0.003 * alpha_max, fit_intercept=False,
                                       max_iter=10_000),
        "LADLasso": LADLasso(alpha=1.8 / len(y), fit_intercept=False),
    }


results = {}
for problem, (X, y, coef) in problems.items():
    truth = set(np.flatnonzero(coef))
    for name, estimator in {**greedy, **convex_estimators(X, y)}.items():
        estimator.fit(X, y)
        found = set(np.flatnonzero(np.abs(estimator.coef_) > 1e-3))
        results[problem, name] = estimator.coef_.copy()
        print(f"{problem:>13} {name:<20} relative error "
              f"{relative_error(estimator.coef_, coef):9.2e}, support "
              f"{'exact' if found == truth else 'wrong'}")

# %%
# Without corruption every method recovers the vector, the greedy ones to the
# noise level; the LASSO's small bias comes from its shrinkage.  With 10% of
# the measurements corrupted, OMP (and so ``WeightedOMP(loss="lasso")``) and
# the LASSO fail: the gross errors dominate the residual, and least squares
# spreads them over many coefficients.  The LAD variants, greedy and convex,
# ignore them.
#
# The recovered coefficients
# --------------------------
#
# The true coefficients (circles) and two estimates of each kind, on both
# problems: the least-squares estimate (crosses) and the LAD one (plus
# signs); only entries above ``1e-3`` in magnitude are drawn.  The vertical
# axis is linear between -1 and 1 and logarithmic beyond, so that the
# spurious coefficients of order 100 of the least-squares estimates on the
# corrupted measurements fit in the same picture as the true ones.
# sphinx_gallery_thumbnail_number = 1
fig, axes = plt.subplots(2, 2, figsize=(10, 6.5), sharex=True, sharey=True, layout="constrained")
pairs = (("OMP (scikit-learn)", "WeightedOMP lad-l0"), ("WeightedLasso", "LADLasso"))
for row, (problem, (X, y, coef)) in zip(axes, problems.items()):
    for ax, (least_squares, lad) in zip(row, pairs):
        ax.axhline(0, color="0.8", lw=0.8)
        support = np.flatnonzero(coef)
        ax.plot(support, coef[support], "o", mfc="none", mec="k", ms=9, label="true")
        for name, marker, color in ((least_squares, "x", "tab:red"), (lad, "+", "tab:blue")):
            estimate = results[problem, name]
            shown = np.flatnonzero(np.abs(estimate) > 1e-3)
            ax.plot(shown, estimate[shown], marker, color=color, ms=8, mew=1.5,
                    label=f"{name} ({relative_error(estimate, coef):.1e})")
        ax.set_yscale("symlog", linthresh=1.0)  # linear in [-1, 1], logarithmic beyond
        ax.set_ylim(-300, 300)
        ax.set_title(problem)
        ax.legend(fontsize=7, loc="lower right", framealpha=0.9)
for ax in axes[1]:
    ax.set_xlabel("coefficient index")
for ax in axes[:, 0]:
    ax.set_ylabel("value")
fig.suptitle("True and recovered coefficients (relative error in the legend)")

# %%
# Recovery rate against the number of measurements
# ------------------------------------------------
#
# A single draw proves little.  Over 8 random problems for each number of
# measurements ``m``, we count how often OMP and LAD-OMP find the support
# exactly, with 10% of the measurements corrupted, and OMP also without
# corruption for reference.  OMP fails at every ``m`` once measurements are
# corrupted: they are a fixed fraction, so more measurements bring more
# outliers.  LAD-OMP needs somewhat more measurements than OMP needs on
# clean data (a corrupted measurement carries no information, and least
# absolute deviations use the clean ones less efficiently than least
# squares), then succeeds.  ``python -m benchmarks sparse_recovery`` runs
# the full comparison: all six selection rules, 30 trials, with and without
# corruption.
m_values = (40, 60, 80, 120)
trials = 8
curves = {
    "OMP, no corruption": (greedy["OMP (scikit-learn)"], 0.0),
    "OMP, 10% corrupted": (greedy["OMP (scikit-learn)"], 0.1),
    "WeightedOMP lad-l0, 10% corrupted": (greedy["WeightedOMP lad-l0"], 0.1),
}
rates = {name: [] for name in curves}
for m_ in m_values:
    for name, (estimator, fraction) in curves.items():
        hits = 0
        for trial in range(trials):
            X, y, coef = make_sparse_recovery(m_, N, s, noise=1e-3,
                                              corruption_fraction=fraction,
                                              random_state=100 + trial)
            hits += set(np.flatnonzero(estimator.fit(X, y).coef_)) == set(np.flatnonzero(coef))
        rates[name].append(hits / trials)

fig, ax = plt.subplots(figsize=(6, 3.5), layout="constrained")
for (name, rate), style in zip(rates.items(), ("o--", "o-", "s-")):
    ax.plot(m_values, rate, style, label=name)
ax.set_xlabel("number of measurements m")
ax.set_ylabel("support recovered (fraction of trials)")
ax.set_title(f"N = {N}, s = {s}, {trials} trials per m")
ax.set_ylim(-0.05, 1.05)
ax.legend()
plt.show()
