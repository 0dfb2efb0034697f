"""The selection gains of :class:`lrsparse.linear_model.WeightedOMP` against brute force.

For A with unit-norm columns, the objective of the paper (notes 2.2) is

    G(z) = L(A z - y) + alpha * P_w(z),

with L = ||.||_2^2 ("lasso"), ||.||_2 ("sqrt_lasso") or ||.||_1 ("lad"), and
P_w(z) = sum_{z_j != 0} w_j^2 ("l0") or sum_j w_j |z_j| ("l1").  The gain of
column j at the iterate z is

    Delta_j = G(z) - min_t G(z + t e_j).

The solver computes it by closed forms (notes 2.3, with the corrected SR-l1
rule).  Here it is computed by brute force: a 1-D minimisation over t of the
objective itself, split at the point t = -z_j where the penalty is not smooth
(or, for l0, jumps), with that point and, for LAD, every breakpoint r_i / a_ij
of the piecewise-linear loss as extra candidates, so the minimum is exact.
The brute force is itself checked against the notes' formulas written out
independently below (``_notes_gains``), and the notes' remark on the
authors' SR-l1 rule is checked: without the activation condition
``|c_j| > alpha w_j ||r||`` it reports positive gains where no step helps.
"""

import itertools
import math

import numpy as np
import pytest
from scipy.optimize import minimize_scalar

LOSSES = ["lasso", "sqrt_lasso", "lad"]
PENALTIES = ["l0", "l1"]
# alpha relative to ||y|| = 1 (so ||r|| <= 1): from "no penalty" to "every
# gain is zero"; 0.6 and 3 make alpha * w_j >= 1 for most weights, the
# regime where the SR-l1 rule gives no gain outside the support.
ALPHAS = [0.0, 0.01, 0.05, 0.2, 0.6, 3.0]
SEEDS = range(3)


# ------------------------------------------------------------------ objective
def _loss(loss, v):
    if loss == "lasso":
        return float(v @ v)
    if loss == "sqrt_lasso":
        return float(np.linalg.norm(v))
    return float(np.abs(v).sum())


def _penalty(penalty, z, w):
    if penalty == "l0":
        return float(np.sum(w[z != 0] ** 2))
    return float(np.sum(w * np.abs(z)))


def _brute_gain(A, r, coef, j, *, loss, penalty, alpha, weights):
    """G(coef) - min_t G(coef + t e_j), with r = y - A coef, by 1-D minimisation."""
    a = A[:, j]
    x = coef[j]

    others = coef.copy()
    others[j] = 0.0
    rest = _penalty(penalty, others, weights)  # the penalty of the other coefficients
    wj = weights[j]

    def f(t):
        v = r - t * a
        zj = x + t  # exactly 0 at t = -x
        if loss == "lasso":
            fit = v @ v
        elif loss == "sqrt_lasso":
            fit = math.sqrt(v @ v)
        else:
            fit = np.add.reduce(np.abs(v))
        pen = (wj * wj if zj != 0 else 0.0) if penalty == "l0" else wj * abs(zj)
        return fit + alpha * (rest + pen)

    nz = a != 0
    breakpoints = r[nz] / a[nz]
    bound = 10.0 * (np.abs(breakpoints).max() + abs(x) + np.linalg.norm(r)) + 1.0
    candidates = [0.0, -x]
    if loss == "lad":
        candidates.extend(breakpoints)  # the loss is piecewise linear in t
    for lo, hi in [(-bound, -x), (-x, bound)]:  # smooth (or linear) pieces
        res = minimize_scalar(f, bounds=(lo, hi), method="bounded",
                              options={"xatol": 1e-13, "maxiter": 10_000})
        candidates.append(res.x)
    return f(0.0) - min(f(t) for t in candidates)


def _brute_gains(A, r, coef, **kwargs):
    return np.array([_brute_gain(A, r, coef, j, **kwargs) for j in range(A.shape[1])])


# ------------------------------------------------------- notes 2.3, by hand
def _lad_line_min(r, a):
    """min_t ||r - t a||_1: the loss is convex piecewise linear in t, so the
    minimum is at one of the breakpoints r_i / a_i."""
    nz = a != 0
    return min(np.abs(r - t * a).sum() for t in r[nz] / a[nz])


def _notes_gains(A, r, coef, support, *, loss, penalty, alpha, weights):
    """The table of notes 2.3, written out column by column (c_j = <a_j, r>;
    for lasso / sqrt_lasso the in-support rows assume c_j = 0)."""
    rn = np.linalg.norm(r)
    r1 = np.abs(r).sum()
    gains = np.empty(A.shape[1])
    for j in range(A.shape[1]):
        a, x, c = A[:, j], coef[j], A[:, j] @ r
        lw, lw2 = alpha * weights[j], alpha * weights[j] ** 2
        inside = support[j]
        if (loss, penalty) == ("lasso", "l0"):
            g = lw2 - x**2 if inside else c**2 - lw2
        elif (loss, penalty) == ("lasso", "l1"):
            if inside:
                g = abs(x) * (lw - abs(x)) if abs(x) <= lw / 2 else lw**2 / 4
            else:
                g = max(abs(c) - lw / 2, 0.0) ** 2
        elif (loss, penalty) == ("sqrt_lasso", "l0"):
            if inside:
                g = lw2 - (np.sqrt(rn**2 + x**2) - rn)
            else:
                g = rn - np.sqrt(max(rn**2 - c**2, 0.0)) - lw2
        elif (loss, penalty) == ("sqrt_lasso", "l1"):
            if inside:
                best = np.sqrt(rn**2 + x**2)
                if lw < 1 and abs(x) >= lw * np.sqrt(rn**2 + x**2):
                    best = min(best, rn * np.sqrt(1 - lw**2) + lw * abs(x))
                g = rn + lw * abs(x) - best
            elif lw < 1 and abs(c) > lw * rn:
                g = rn - lw * abs(c) - np.sqrt(1 - lw**2) * np.sqrt(max(rn**2 - c**2, 0.0))
            else:
                g = 0.0
        elif (loss, penalty) == ("lad", "l0"):
            move = r1 - _lad_line_min(r, a)
            if inside:
                g = max(move, r1 + lw2 - np.abs(r + x * a).sum())
            else:
                g = move - lw2
        else:  # lad, l1: append the row (lw, -lw x) to the 1-D LAD problem
            r_ext, a_ext = (np.append(r, -lw * x), np.append(a, lw)) if lw > 0 else (r, a)
            g = r1 + lw * abs(x) - _lad_line_min(r_ext, a_ext)
        gains[j] = max(g, 0.0)
    return gains


def _authors_sr_l1_outside(c, rn, lw):
    """The T-branch of the public ``greedy_criteria.m`` for SR-LASSO-l1
    (notes 2.3): the closed form without the activation condition."""
    return rn - lw * np.abs(c) - np.sqrt(1 - lw**2) * np.sqrt(rn**2 - c**2)


# ------------------------------------------------------------------ instances
def _instance(loss, seed, m=12, n_features=20):
    """Unit-norm columns, ||y|| = 1, a random support of size 3-5 and the
    state the solver is in after a refit on it: the least-squares fit for
    lasso / sqrt_lasso (so A_S^T r = 0), any coefficients for lad."""
    rng = np.random.default_rng(seed)
    A = rng.standard_normal((m, n_features))
    A /= np.linalg.norm(A, axis=0)
    y = rng.standard_normal(m)
    y /= np.linalg.norm(y)
    k = int(rng.integers(3, 6))
    S = rng.choice(n_features, size=k, replace=False)
    coef = np.zeros(n_features)
    if loss == "lad":
        coef[S] = rng.standard_normal(k) * 0.3
    else:
        coef[S] = np.linalg.lstsq(A[:, S], y, rcond=None)[0]
    support = np.zeros(n_features, dtype=bool)
    support[S] = True
    weights = rng.uniform(0.3, 2.0, size=n_features)
    r = y - A @ coef
    return A, y, r, coef, support, weights


def _cases():
    return list(itertools.product(LOSSES, PENALTIES, SEEDS))


@pytest.fixture(scope="module")
def brute():
    """Brute-force gains of every case (computed once: scipy's minimiser is
    the slow part)."""
    table = {}
    for loss, penalty, seed in _cases():
        A, y, r, coef, support, weights = _instance(loss, seed)
        for alpha in ALPHAS:
            table[loss, penalty, seed, alpha] = _brute_gains(
                A, r, coef, loss=loss, penalty=penalty, alpha=alpha, weights=weights)
    return table


def _tol(loss, r):
    """1e-8 relative to the loss of the iterate (the scale of every gain)."""
    return 1e-8 * max(_loss(loss, r), 1e-300)


# ------------------------------------------------------------------ tests
@pytest.mark.parametrize("loss", LOSSES)
@pytest.mark.parametrize("penalty", PENALTIES)
def test_brute_force_matches_notes(brute, loss, penalty):
    """The reference itself: the brute force agrees with the notes' table."""
    for seed in SEEDS:
        A, y, r, coef, support, weights = _instance(loss, seed)
        for alpha in ALPHAS:
            ref = brute[loss, penalty, seed, alpha]
            notes = _notes_gains(A, r, coef, support, loss=loss, penalty=penalty,
                                 alpha=alpha, weights=weights)
            np.testing.assert_allclose(notes, ref, rtol=0, atol=_tol(loss, r),
                                       err_msg=f"seed={seed} alpha={alpha}")


@pytest.mark.parametrize("loss", LOSSES)
@pytest.mark.parametrize("penalty", PENALTIES)
def test_selection_gains_match_brute_force(brute, loss, penalty):
    from lrsparse.linear_model._omp import _selection_gains

    n_positive = n_zero = 0
    for seed in SEEDS:
        A, y, r, coef, support, weights = _instance(loss, seed)
        A_copy, r_copy, coef_copy = A.copy(), r.copy(), coef.copy()
        for alpha in ALPHAS:
            ref = brute[loss, penalty, seed, alpha]
            gains = _selection_gains(A, r, coef, support, loss=loss, penalty=penalty,
                                     alpha=alpha, weights=weights)
            assert gains.shape == (A.shape[1],)
            np.testing.assert_allclose(gains, ref, rtol=0, atol=_tol(loss, r),
                                       err_msg=f"seed={seed} alpha={alpha}")
            n_positive += int((ref > 1e-6).sum())
            n_zero += int((ref <= 1e-12).sum())
        # inputs are not modified
        np.testing.assert_array_equal(A, A_copy)
        np.testing.assert_array_equal(r, r_copy)
        np.testing.assert_array_equal(coef, coef_copy)
    # the instances exercise both sides of every rule
    assert n_positive > 20 and n_zero > 20, (n_positive, n_zero)


def test_cases_cover_the_sr_l1_branches(brute):
    """Outside the support the SR-l1 instances include alpha w_j >= 1, the
    activation condition failing with alpha w_j < 1, and it holding."""
    counts = {"lw>=1": 0, "inactive": 0, "active": 0}
    for seed in SEEDS:
        A, y, r, coef, support, weights = _instance("sqrt_lasso", seed)
        c, rn = A.T @ r, np.linalg.norm(r)
        for alpha in ALPHAS[1:]:
            lw = alpha * weights
            out = ~support
            counts["lw>=1"] += int((out & (lw >= 1)).sum())
            counts["inactive"] += int((out & (lw < 1) & (np.abs(c) <= lw * rn)).sum())
            counts["active"] += int((out & (lw < 1) & (np.abs(c) > lw * rn)).sum())
    assert min(counts.values()) >= 10, counts


def _flagged_instance():
    """Notes 2.3: one heavily weighted column (alpha w_j = 0.9 < 1) with a small
    correlation |c_j| < alpha w_j ||r||.  No step along it helps, but the
    authors' closed form gives it ||r|| (1 - cos(asin(0.9) - asin(|c_j|/||r||)))
    > 0, larger than every true gain."""
    A, y, r, coef, support, weights = _instance("sqrt_lasso", 0)
    c = A.T @ r
    alpha = 0.05
    outside = np.flatnonzero(~support)
    j = outside[np.argmin(np.abs(c[outside]))]
    weights = weights.copy()
    weights[j] = 0.9 / alpha
    return A, r, coef, support, weights, alpha, j


def test_sr_l1_activation_condition():
    A, r, coef, support, weights, alpha, j = _flagged_instance()
    c, rn = A.T @ r, np.linalg.norm(r)
    lw = alpha * weights
    ref = _brute_gains(A, r, coef, loss="sqrt_lasso", penalty="l1", alpha=alpha,
                       weights=weights)
    # the brute force: no gain along j; some other column does gain
    assert abs(ref[j]) <= 1e-12
    assert ref.max() > 1e-3
    # the authors' rule (no activation condition) is wrong there and picks j
    outside = ~support
    authors = np.where(outside, _authors_sr_l1_outside(c, rn, np.minimum(lw, 1.0)), ref)
    assert authors[j] > 0.1 * rn and authors[j] > ref.max()
    assert np.argmax(authors) == j != np.argmax(ref)
    # the corrected rule, in the notes' table and in the solver, is right
    notes = _notes_gains(A, r, coef, support, loss="sqrt_lasso", penalty="l1",
                         alpha=alpha, weights=weights)
    np.testing.assert_allclose(notes, ref, rtol=0, atol=_tol("sqrt_lasso", r))

    from lrsparse.linear_model._omp import _selection_gains

    gains = _selection_gains(A, r, coef, support, loss="sqrt_lasso", penalty="l1",
                             alpha=alpha, weights=weights)
    np.testing.assert_allclose(gains, ref, rtol=0, atol=_tol("sqrt_lasso", r))
    assert np.argmax(gains) == np.argmax(ref)


@pytest.mark.parametrize("loss", LOSSES)
@pytest.mark.parametrize("penalty", PENALTIES)
def test_gains_at_zero_iterate(loss, penalty):
    """The first iteration: coef = 0, r = y, empty support (every column
    outside), where all six rules take their 'outside' branch."""
    from lrsparse.linear_model._omp import _selection_gains

    A, y, _, _, _, weights = _instance(loss, 7)
    coef = np.zeros(A.shape[1])
    support = np.zeros(A.shape[1], dtype=bool)
    for alpha in ALPHAS:
        ref = _brute_gains(A, y, coef, loss=loss, penalty=penalty, alpha=alpha,
                           weights=weights)
        gains = _selection_gains(A, y, coef, support, loss=loss, penalty=penalty,
                                 alpha=alpha, weights=weights)
        np.testing.assert_allclose(gains, ref, rtol=0, atol=_tol(loss, y),
                                   err_msg=f"alpha={alpha}")


# alpha per rule for the path replay below (||y|| = 1): several selections
# happen before the gains vanish, and the weights change some of them
PATH_ALPHA = {("lasso", "l0"): 0.02, ("lasso", "l1"): 0.1, ("sqrt_lasso", "l0"): 0.02,
              ("sqrt_lasso", "l1"): 0.1, ("lad", "l0"): 0.05, ("lad", "l1"): 0.1}


@pytest.mark.parametrize("loss", LOSSES)
@pytest.mark.parametrize("penalty", PENALTIES)
def test_selections_follow_the_gains(loss, penalty):
    """The whole path of WeightedOMP (alpha > 0, weights): at the state after
    each refit, the next selection is the argmax of the brute-force gains, and
    the path stops when no gain is positive or the argmax is already selected.
    The state is the least-squares refit (computed here) for lasso /
    sqrt_lasso, and WeightedOMP's own LAD refit, read from the fit stopped
    after i selections, for lad (test_reference.py checks those refits are
    exact)."""
    from lrsparse.linear_model import WeightedOMP

    A, y, _, _, _, weights = _instance(loss, 11, m=15, n_features=20)
    alpha = PATH_ALPHA[loss, penalty]
    k = 8

    def fit(n):
        return WeightedOMP(loss=loss, penalty=penalty, alpha=alpha, weights=weights,
                           n_nonzero_coefs=n, fit_intercept=False).fit(A, y)

    S = list(fit(k).support_)
    for i in range(len(S) + 1):
        coef = np.zeros(A.shape[1])
        if i and loss == "lad":
            prefix = fit(i)
            assert list(prefix.support_) == S[:i]
            coef = prefix.coef_
        elif i:
            coef[S[:i]] = np.linalg.lstsq(A[:, S[:i]], y, rcond=None)[0]
        r = y - A @ coef
        gains = _brute_gains(A, r, coef, loss=loss, penalty=penalty, alpha=alpha,
                             weights=weights)
        best = int(np.argmax(gains))
        if gains[best] <= _tol(loss, r) or best in S[:i]:
            # no step helps (the gains are zero up to rounding), or the best
            # one is a selected column: the path ends here
            assert i == len(S), (f"step {i}: selected {S[i:]} although the largest gain "
                                 f"is {gains[best]:.3g} (column {best})")
            break
        if i == len(S):
            assert len(S) == k  # it stopped only because of n_nonzero_coefs
            break
        second = np.sort(gains)[-2]
        assert gains[best] - second > 1e-6 * gains[best]  # no near-tie here
        assert best == S[i], (i, best, S)
    assert len(S) >= 3
