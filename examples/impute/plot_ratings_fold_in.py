"""
==================================================
Ratings of new users: fold-in without refitting
==================================================

A recommender system sees a users x items matrix of star ratings of which
only a few percent are known, and must predict the rest.  The classic model
is a global mean, a bias per user and per item, and a low-rank interaction
term: :class:`~lrsparse.impute.SoftImputer` fits exactly that
(``center="biases"`` fits the biases jointly with the low-rank part,
soft-impute regularises the latter, and ``alpha="auto"`` chooses the
shrinkage on held-out ratings).

When a *new* user arrives with a handful of ratings, refitting the whole
model is wasteful.  ``transform`` folds the new rows into the fitted model
instead: it keeps the item factors (``components_``) and the item biases,
and estimates only the new user's bias and coordinates from their ratings.
This example measures how good that is against the user + item bias
baseline and against a full refit, how it improves with the number of
ratings a new user has given, and tunes the shrinkage for new users with
:class:`~sklearn.model_selection.GridSearchCV` and
:func:`~lrsparse.metrics.make_completion_scorer`.  See the
:ref:`user guide <completion_ratings>` for the model.
"""

# %%
# A synthetic ratings matrix
# --------------------------
#
# :func:`~lrsparse.datasets.make_ratings` draws MovieLens-like star ratings:
# user ``u`` rates item ``i`` ``clip(rint(t_ui + noise), 1, 5)`` stars, where
# the taste ``t_ui = mu + b_u + c_i + <p_u, q_i>`` has user and item biases
# and (here) rank-5 factors whose interaction has standard deviation 1
# (``taste_scale``); the rating noise has standard deviation 0.6.  Which
# ratings are observed is not uniform: item popularity follows a power
# law, user activity is log-normal, and every user has at least 20
# ratings.  1000 users, 200 items and 25000
# ratings (about 12% of the matrix); missing ratings are NaN
# (``sparse_output=False``; the default is a CSR matrix, see the end).
import matplotlib.pyplot as plt
import numpy as np
from matplotlib.ticker import FormatStrFormatter, LogLocator, NullFormatter
from scipy.stats import norm

from lrsparse.datasets import make_ratings

n_users, n_items = 1000, 200
R, truth = make_ratings(n_users=n_users, n_items=n_items, n_ratings=25_000, rank=5,
                        taste_scale=1.0, noise=0.6, sparse_output=False, random_state=0)
observed = ~np.isnan(R)
n_ratings = observed.sum(axis=1)
print(f"{n_users} users x {n_items} items, {observed.sum()} ratings "
      f"({observed.mean():.1%} observed)")
print(f"ratings per user: median {np.median(n_ratings):.0f}, "
      f"10% of users <= {np.percentile(n_ratings, 10):.0f}, max {n_ratings.max()}")
print("share of each star value:",
      {k: f"{np.mean(R[observed] == k):.0%}" for k in range(1, 6)})

# The best any predictor can do: the expected stars given the noiseless
# taste, ``E[stars | t] = 1 + sum_k Phi((t - k - 0.5) / noise)``.
taste = (truth.mean + truth.user_bias[:, None] + truth.item_bias[None, :]
         + truth.user_factors @ truth.item_factors.T)
expected_stars = 1 + sum(norm.cdf((taste - k - 0.5) / truth.noise) for k in range(1, 5))

# %%
# Training users and new users
# ----------------------------
#
# 200 users arrive later ("new users"), 40 for each number ``k`` of revealed
# ratings in 1, 2, 4, 8, 16: a new user with ``k`` revealed ratings is
# drawn among the users with at least ``k + 5`` ratings.  Each new user's
# ratings are shuffled; the first ``k`` are revealed to the models and the
# last 5 are the test ratings (the others are not used).  The model is
# fitted on the other 800 users only.
rng = np.random.RandomState(0)
ks = [1, 2, 4, 8, 16]
new_users, n_revealed = [], []
for k in ks[::-1]:  # the most demanding first
    candidates = np.setdiff1d(np.flatnonzero(n_ratings >= k + 5), new_users)
    new_users.extend(rng.choice(candidates, 40, replace=False))
    n_revealed.extend([k] * 40)
new_users, n_revealed = np.array(new_users), np.array(n_revealed)
train_users = np.setdiff1d(np.arange(n_users), new_users)
R_train = R[train_users]

R_new = R[new_users]
revealed = np.zeros(R_new.shape, dtype=bool)
test = np.zeros(R_new.shape, dtype=bool)
for i, k in enumerate(n_revealed):
    items = rng.permutation(np.flatnonzero(~np.isnan(R_new[i])))
    revealed[i, items[:k]] = True
    test[i, items[-5:]] = True
X_new = np.where(revealed, R_new, np.nan)
print(f"train: {R_train.shape[0]} users, {np.sum(~np.isnan(R_train))} ratings; "
      f"new: {len(new_users)} users, {revealed.sum()} revealed and {test.sum()} test ratings")

# %%
# Fit on the training users
# -------------------------
#
# ``SoftImputer()`` with its defaults: biases fitted jointly, shrinkage
# ``alpha`` chosen on 10% of the training ratings held out, and the solver
# chosen by the observed fraction (``solver_``: the SVD iteration above 5%
# observed entries, alternating least squares below).
import time

from lrsparse.impute import SoftImputer

# The first fit compiles lrsparse's numba kernels (or loads them from the
# disk cache): a fit on 100 users first, so that the time printed below is
# that of the fit alone.
SoftImputer(random_state=0).fit(R_train[:100])
t0 = time.perf_counter()
soft = SoftImputer(random_state=0).fit(R_train)
fit_time = time.perf_counter() - t0
print(f"fit: {fit_time:.1f} s, solver_ = {soft.solver_!r}, alpha_ = {soft.alpha_:.2f}, "
      f"rank_ = {soft.rank_}")
print(f"largest singular values of the low-rank part: {np.round(soft.singular_values_[:6], 1)}")

# %%
# ``alpha_path_`` and ``validation_errors_`` show the automatic choice: the
# path starts at the largest singular value of the (centred) training
# ratings, where the low-rank part is 0 and the model *is* the bias
# baseline, and decreases by factors of 0.7 until the held-out RMSE rises;
# the best point is then refined by the midpoints with its neighbours.  The
# chosen ``alpha_`` is the largest within 0.2% of the best held-out error.
#
# The fit keeps many more than the five true dimensions: five large
# singular values, then a tail of small ones fitted to noise.  Soft-impute
# shrinks *every* singular value by ``alpha``, the five strong ones
# included, so the held-out error prefers a small ``alpha`` that biases them
# less, at the price of a tail of weak noise directions.
fig, ax = plt.subplots(figsize=(6, 3.2))
ax.semilogx(soft.alpha_path_, soft.validation_errors_, "o-")
ax.axvline(soft.alpha_, color="tab:red", ls="--", label=f"alpha_ = {soft.alpha_:.2f}")
ax.invert_xaxis()
ax.xaxis.set_major_locator(LogLocator(subs=(1, 2, 5)))
ax.xaxis.set_major_formatter(FormatStrFormatter("%g"))
ax.xaxis.set_minor_formatter(NullFormatter())
ax.set(xlabel="alpha (decreasing along the path)", ylabel="held-out RMSE (stars)",
       title="SoftImputer(alpha='auto') on the training users")
ax.legend()
fig.tight_layout()
plt.show()
for a, e in zip(soft.alpha_path_, soft.validation_errors_):
    print(f"alpha {a:7.2f}: held-out RMSE {e:.4f}")

# %%
# Three predictions for the new users
# -----------------------------------
#
# * **fold-in**: ``soft.transform(X_new)``, no refit.  Each new user's bias
#   and coordinates on ``components_`` solve one small ridge regression on
#   their revealed ratings (the row step of the model's objective), with the
#   item biases and factors fixed.
# * **bias baseline**: the same model without the low-rank part.  A
#   ``SoftImputer`` whose ``alpha`` exceeds every singular value has rank 0:
#   its ``transform`` predicts ``mean + user bias + item bias``.
# * **refit**: a new ``SoftImputer`` fitted on the training users *and* the
#   new users' revealed ratings, read at the test ratings with
#   ``predict_entries``.
#
# All three are scored by the RMSE (in stars) on the 5 test ratings of each
# new user, which none of them has seen.
soft.transform(X_new[:2])  # compiles the fold-in kernel (or loads it): not timed
t0 = time.perf_counter()
pred_fold_in = soft.transform(X_new)
fold_in_time = time.perf_counter() - t0

bias_model = SoftImputer(alpha=1e9).fit(R_train)
pred_bias = bias_model.transform(X_new)

t0 = time.perf_counter()
refit = SoftImputer(random_state=0).fit(np.vstack([R_train, X_new]))
refit_time = time.perf_counter() - t0
rows, cols = np.nonzero(test)
pred_refit = np.full(R_new.shape, np.nan)
pred_refit[rows, cols] = refit.predict_entries(len(train_users) + rows, cols)

predictions = {"bias baseline": pred_bias, "fold-in": pred_fold_in, "refit": pred_refit}


def rmse(pred, mask):
    return np.sqrt(np.mean((pred[mask] - R_new[mask]) ** 2))


for name, pred in predictions.items():
    print(f"{name:>13}: test RMSE {rmse(pred, test):.3f}")
print(f"fold-in of {len(new_users)} users: {1e3 * fold_in_time:.1f} ms; "
      f"refit: {refit_time:.1f} s (rank {refit.rank_})")
noiseless = expected_stars[new_users]
print(f"  noise floor: test RMSE {rmse(noiseless, test):.3f} (expected stars of the true taste)")

# %%
# Fold-in is far better than the biases alone, and here even better than
# the refit, at a tiny fraction of its cost.  Refitting does not help
# the new users because 800 training users already pin down the item
# factors.  And the two shrink a new user's coordinates differently: the
# refit's soft-impute shrinks every singular value by the same ``alpha_``,
# the strong directions included, whereas ``transform``'s ridge prior is
# fitted to the variance of each component and shrinks the strong
# directions little.  The noise floor (rounding and rating noise) is the
# error of the best prediction from the true, noiseless tastes.
#
# How many ratings does a new user need?
# --------------------------------------
#
# The test RMSE of each method for the new users who revealed ``k``
# ratings (40 users, 200 test ratings per point, so the curves are noisy):
curves = {name: [rmse(pred, test & (n_revealed == k)[:, None]) for k in ks]
          for name, pred in predictions.items()}
print(f"{'k':>3}" + "".join(f"{name:>15}" for name in predictions))
for j, k in enumerate(ks):
    print(f"{k:>3}" + "".join(f"{curves[name][j]:15.3f}" for name in predictions))

# sphinx_gallery_thumbnail_number = 2
fig, ax = plt.subplots(figsize=(6.5, 3.6))
for (name, values), marker in zip(curves.items(), "sov"):
    ax.plot(ks, values, marker=marker, label=name)
ax.axhline(rmse(noiseless, test), color="gray", ls=":", label="noise floor")
ax.set_xscale("log", base=2)
ax.set_xticks(ks, [str(k) for k in ks])
ax.set(xlabel="ratings revealed by the new user (k)", ylabel="test RMSE (stars)",
       title="New users: fold-in vs bias baseline vs refit")
ax.legend()
fig.tight_layout()
plt.show()

# %%
# With a single rating, all three are close to the bias model: the ridge
# prior keeps a new user's coordinates near 0 until their ratings say
# otherwise, so fold-in does not do worse than the baseline.  From two
# ratings on, the low-rank term pays off, and fold-in improves, up to the
# noise of each point, as the user rates more items, while the bias model
# stays flat: a user bias is one number, learned from a few ratings
# already.
#
# Sparse input gives the same model
# ---------------------------------
#
# Ratings are usually stored as a sparse matrix.  The imputers take
# ``scipy.sparse`` input directly: the *stored* entries are the
# observations (explicit zeros included) and the unstored ones are missing,
# so the CSR matrix of the training ratings describes exactly the same data
# as ``R_train`` with NaN.  Fitting on it gives the same model, and the same
# fold-in (new users can be given as CSR too).
import scipy.sparse as sp

train_rows, train_cols = np.nonzero(~np.isnan(R_train))
R_train_csr = sp.csr_array((R_train[train_rows, train_cols], (train_rows, train_cols)),
                           shape=R_train.shape)
soft_csr = SoftImputer(random_state=0).fit(R_train_csr)
new_rows, new_cols = np.nonzero(revealed)
X_new_csr = sp.csr_array((X_new[new_rows, new_cols], (new_rows, new_cols)), shape=X_new.shape)
diff = np.abs(soft_csr.transform(X_new_csr) - pred_fold_in).max()
print(f"CSR input: {R_train_csr.nnz} stored ratings, alpha_ = {soft_csr.alpha_:.2f}")
print(f"largest difference of its fold-in from that of the NaN input: {diff:.1e}")

# %%
# Tuning the shrinkage for new users
# ----------------------------------
#
# ``alpha="auto"`` picks ``alpha`` on ratings held out of the *training*
# users.  To tune it for what the model is used for here, predicting the
# ratings of users it has not seen, cross-validate over users:
# :class:`~sklearn.model_selection.GridSearchCV` splits the rows, and the
# scorer of :func:`~lrsparse.metrics.make_completion_scorer` hides 20% of
# the ratings of each test-fold user, folds the users in with ``transform``
# from the rest, and returns minus the RMSE on the hidden ratings.  The
# grid brackets the automatic choice (0.7, 1 and 1.4 times ``alpha_``);
# the search runs 7 fits of the default solver (3 values x 2 folds, and
# the refit of the best value on all the training users): a small grid,
# to keep the example fast.
from sklearn.model_selection import GridSearchCV

from lrsparse.metrics import make_completion_scorer

grid = {"alpha": list(np.round(soft.alpha_ * np.array([0.7, 1.0, 1.4]), 2))}
search = GridSearchCV(SoftImputer(random_state=0), grid,
                      scoring=make_completion_scorer(held_out=0.2, random_state=0), cv=2)
search.fit(R_train)
for alpha, score in zip(search.cv_results_["param_alpha"],
                        search.cv_results_["mean_test_score"]):
    print(f"alpha {alpha:7.2f}: cross-validated RMSE on new users' hidden ratings {-score:.4f}")
tuned = search.best_estimator_
best_alpha = search.best_params_["alpha"]
print(f"best alpha {best_alpha:.2f} ({best_alpha / soft.alpha_:.1f} x alpha_): test RMSE of "
      f"the fold-in {rmse(tuned.transform(X_new), test):.3f} "
      f"(alpha='auto': {rmse(pred_fold_in, test):.3f})")

# %%
# The two criteria differ: the automatic choice scores held-out ratings of
# the training users themselves, the search scores the ratings of users the
# model has not seen, folded in from a few of their ratings.  The lines
# above say which ``alpha`` the search prefers and whether it also helps
# on the test ratings of the new users.
