"""Independent references for :func:`lrsparse.covariance.mtp2_graphical_model`.

The solver minimises, over symmetric positive definite ``Theta``,

    f(Theta) = -log det Theta + tr(S Theta) + sum_{i != j} Lam_ij |Theta_ij|

subject to ``Theta_ij <= 0`` (i != j, "m_matrix"), and additionally
``Theta @ 1 >= 0`` ("diagonally_dominant").  On the feasible set the penalty
is linear (``Lam_ij |Theta_ij| = -Lam_ij Theta_ij``), so the problem is smooth
and convex on a polyhedral cone.  Checked here against what is not the
solver's own code:

1. the optimum of the same problem written in cvxpy (SCS, eps 1e-9);
2. the KKT conditions of the problem, with the multipliers recovered from the
   solution (see :func:`_kkt_residuals`);
3. at ``alpha = 0``, the MTP2 maximum likelihood estimate computed by the
   Lauritzen-Uhler-Zwiernik coordinate ascent on ``Sigma`` (written below);
4. the constraints hold exactly on every output;
5. adaptive (SCAD / MCP) stages reduce the relative error on MTP2 ground
   truth.
"""

import numpy as np
import pytest

from lrsparse.covariance import mtp2_graphical_model

CONSTRAINTS = ["m_matrix", "diagonally_dominant"]
# A duality gap of ``tol`` nats bounds the objective's excess, so entries of
# the precision are only guaranteed to about sqrt(tol) relative (the objective
# is quadratic along free directions): 1e-10 leaves them ~1e-6 off (measured),
# hence the tighter tolerance where precisions are compared entrywise.
TIGHT = 1e-14


# ------------------------------------------------------------------ problems
def _m_precision(p, seed, extra=0.15):
    """An M-matrix precision on a random tree with a hub.

    ``(1 + extra) lambda_max(W) I - W`` for the weighted adjacency ``W`` of a
    tree in which about half the nodes hang from node 0: positive definite,
    off-diagonal <= 0, and *not* diagonally dominant at the hub (its row sum
    is negative), so the row-sum constraints of the DD problem bind.
    """
    rng = np.random.default_rng(seed)
    W = np.zeros((p, p))
    for i in range(1, p):
        j = rng.integers(0, i) if rng.random() < 0.5 else 0
        W[i, j] = W[j, i] = rng.uniform(0.5, 1.0)
    return (1 + extra) * np.linalg.eigvalsh(W)[-1] * np.eye(p) - W


def _sample_cov(precision, n, seed, *, centered=True):
    rng = np.random.default_rng(seed)
    p = precision.shape[0]
    X = rng.multivariate_normal(np.zeros(p), np.linalg.inv(precision), size=n)
    if centered:
        X = X - X.mean(axis=0)
    return X.T @ X / n


def _lam(alpha, p):
    """The penalty matrix the spec defines: alpha off the diagonal, diagonal ignored."""
    Lam = np.full((p, p), float(alpha)) if np.ndim(alpha) == 0 else np.array(alpha, dtype=float)
    np.fill_diagonal(Lam, 0.0)
    return Lam


def _objective(S, Lam, Theta):
    sign, logdet = np.linalg.slogdet(Theta)
    assert sign > 0
    return -logdet + np.sum(S * Theta) + np.sum(Lam * np.abs(Theta))


def _offdiag(p):
    return ~np.eye(p, dtype=bool)


def _weights(p, seed):
    """A random symmetric nonnegative (p, p) alpha, with a nonzero diagonal
    (the solver must ignore it)."""
    rng = np.random.default_rng(seed)
    A = rng.uniform(0.0, 0.3, size=(p, p))
    return (A + A.T) / 2


# ------------------------------------------------------------------ 1. cvxpy
def _cvxpy_solution(S, Lam, constraint):
    """The problem in cvxpy (notes 1.6): the penalty as the linear term
    ``-<Lam, Theta>``, which equals ``sum Lam_ij |Theta_ij|`` on the feasible
    set.  SCS with eps 1e-9 agrees with Clarabel (tight tolerances) to
    1e-11 in objective on these instances (checked when writing the test)."""
    cp = pytest.importorskip("cvxpy")
    p = S.shape[0]
    Th = cp.Variable((p, p), symmetric=True)
    objective = -cp.log_det(Th) + cp.trace(S @ Th) - cp.sum(cp.multiply(Lam, Th))
    cons = [cp.multiply(1.0 - np.eye(p), Th) <= 0]
    if constraint == "diagonally_dominant":
        cons.append(cp.sum(Th, axis=1) >= 0)
    problem = cp.Problem(cp.Minimize(objective), cons)
    problem.solve(solver="SCS", eps=1e-9, max_iters=200000, warm_start=False)
    assert problem.status == "optimal", problem.status
    return problem.value, Th.value


def _reference_problem():
    """p = 12, n = 36 samples of the hub-tree M-matrix model, in units where
    the optimal objective is well away from 0 (the problem is scale-equivariant:
    S -> c S shifts the optimum by p log c), so that a relative comparison of
    objectives means something."""
    p = 12
    return 0.1 * _sample_cov(_m_precision(p, 0), 3 * p, 100)


@pytest.mark.cvxpy
@pytest.mark.parametrize("constraint", CONSTRAINTS)
@pytest.mark.parametrize("weighted", [False, True], ids=["scalar", "weighted"])
def test_matches_cvxpy(constraint, weighted):
    S = _reference_problem()
    p = S.shape[0]
    scale = np.mean(np.diag(S))
    alpha = scale * _weights(p, 7) if weighted else 0.1 * scale
    Lam = _lam(alpha, p)
    ref_value, ref_theta = _cvxpy_solution(S, Lam, constraint)
    # the instance is not trivial: exact zeros and nonzeros in the optimum
    off = ref_theta[_offdiag(p)]
    assert (np.abs(off) < 1e-6).sum() >= p and (off < -1e-3).sum() >= p
    _, precision = mtp2_graphical_model(S, alpha, constraint=constraint, penalty="l1",
                                        n_stages=1, tol=1e-10, max_iter=100000)
    ours = _objective(S, Lam, precision)
    assert abs(ref_value) > 10.0  # see _reference_problem
    assert abs(ours - ref_value) <= 1e-5 * abs(ref_value), (ours, ref_value)
    assert (np.linalg.norm(precision - ref_theta) / np.linalg.norm(ref_theta)) < 1e-3
    if constraint == "diagonally_dominant":
        # a row-sum constraint binds, in the reference and in ours
        theta_scale = np.mean(np.diag(ref_theta))
        assert np.abs(ref_theta.sum(axis=1)).min() <= 1e-6 * theta_scale
        assert np.abs(precision.sum(axis=1)).min() <= 1e-8 * theta_scale


@pytest.mark.cvxpy
def test_diagonal_dominance_binds_on_the_reference_problem():
    """The DD test instances are meaningful: the M-matrix optimum violates
    diagonal dominance, and the DD optimum has a zero row sum."""
    S = _reference_problem()
    p = S.shape[0]
    Lam = _lam(0.1 * np.mean(np.diag(S)), p)
    _, theta_m = _cvxpy_solution(S, Lam, "m_matrix")
    assert theta_m.sum(axis=1).min() < -0.1 * np.mean(np.diag(theta_m))
    _, precision = mtp2_graphical_model(S, Lam, constraint="diagonally_dominant",
                                        penalty="l1", n_stages=1, tol=1e-10,
                                        max_iter=100000)
    scale = np.mean(np.diag(precision))
    assert np.abs(precision.sum(axis=1)).min() <= 1e-8 * scale


# ------------------------------------------------------------------ 2. KKT
def _kkt_residuals(S, Lam, Theta, constraint):
    """Scaled KKT residuals of the problem at ``Theta``.

    Write ``G = S - Lam - inv(Theta)`` (the gradient of the smooth objective
    ``-log det Theta + <S - Lam, Theta>``, Lam with zero diagonal).

    M-matrix: with multipliers ``nu_ij >= 0`` of ``Theta_ij <= 0``, the
    Lagrangian's stationarity is ``G + nu = 0``; hence

    - ``G_ii = 0``;
    - ``nu_ij = -G_ij >= 0`` for i != j (dual feasibility: ``G_ij <= 0``);
    - ``nu_ij Theta_ij = 0`` (complementarity: ``G_ij = 0`` where
      ``Theta_ij < 0``; a zero entry may have ``G_ij < 0``).

    Diagonally dominant: add multipliers ``mu_i >= 0`` of ``-(Theta 1)_i <= 0``.
    The term ``-sum_i mu_i sum_j Theta_ij`` has gradient
    ``-(mu 1^T + 1 mu^T) / 2`` on symmetric matrices, so stationarity is
    ``G + nu - (mu 1^T + 1 mu^T) / 2 = 0``:

    - ``mu_i = G_ii`` (recovered from the diagonal) with ``mu_i >= 0`` and
      ``mu_i (Theta 1)_i = 0``;
    - ``nu_ij = (mu_i + mu_j) / 2 - G_ij >= 0`` and ``nu_ij Theta_ij = 0``.

    (The same conditions follow from the reparametrisation
    ``Theta = -W + diag(W 1 + v)``, ``W, v >= 0``: the gradient in ``v`` is
    ``diag(G)``, in ``w_ij`` it is ``G_ii + G_jj - 2 G_ij``.)

    Everything is made dimensionless with ``s = mean(diag(S))``: ``G``, ``mu``,
    ``nu`` are divided by ``s``, ``Theta`` multiplied by it.  Returns the
    largest violation of each condition.
    """
    p = S.shape[0]
    s = np.mean(np.diag(S))
    off = _offdiag(p)
    G = (S - Lam - np.linalg.inv(Theta)) / s
    T = Theta * s
    if constraint == "m_matrix":
        mu = np.zeros(p)
        stationarity = np.abs(np.diag(G)).max()
    else:
        mu = np.diag(G).copy()
        stationarity = 0.0  # mu is defined by the diagonal
    nu = (mu[:, None] + mu[None, :]) / 2 - G
    out = {
        "stationarity": stationarity,
        "nu_feasibility": max(0.0, -nu[off].min()),
        "nu_complementarity": np.abs(nu[off] * T[off]).max(),
        # the same, entrywise where Theta_ij is clearly negative
        "active_gradient": np.abs(nu[off][T[off] < -1e-6]).max(initial=0.0),
    }
    if constraint == "diagonally_dominant":
        row = T.sum(axis=1)
        out["mu_feasibility"] = max(0.0, -mu.min())
        out["mu_complementarity"] = np.abs(mu * row).max()
        out["n_binding_rows"] = int((mu > 1e-3).sum())
    return out


@pytest.mark.parametrize("constraint", CONSTRAINTS)
@pytest.mark.parametrize("weighted", [False, True], ids=["scalar", "weighted"])
def test_kkt_conditions(constraint, weighted):
    p = 15
    S = _sample_cov(_m_precision(p, 3), 3 * p, 103)
    scale = np.mean(np.diag(S))
    alpha = scale * _weights(p, 11) if weighted else 0.1 * scale
    Lam = _lam(alpha, p)
    _, precision = mtp2_graphical_model(S, alpha, constraint=constraint, penalty="l1",
                                        n_stages=1, tol=TIGHT, max_iter=100000)
    res = _kkt_residuals(S, Lam, precision, constraint)
    if constraint == "diagonally_dominant":
        # some row-sum constraints bind with a positive multiplier
        assert res.pop("n_binding_rows") >= 1
    for name, value in res.items():
        assert value <= 1e-7, (name, value)
    # not vacuous: zero and clearly negative entries both occur
    off = precision[_offdiag(p)] * np.mean(np.diag(S))
    assert (off > -1e-8).sum() >= p and (off < -1e-3).sum() >= p


# ------------------------------------------------------------------ 3. MLE
def _luz_mle(S, tol=1e-13, max_sweeps=20000):
    """The Gaussian MTP2 MLE of the covariance by coordinate ascent on Sigma.

    Lauritzen, Uhler & Zwiernik (2019), Algorithm 4; the R function
    ``coord2Sig`` of ``pzwiernik/MTP2``: the dual problem is
    ``max log det Sigma`` s.t. ``Sigma_ii = S_ii``, ``Sigma_ij >= S_ij``; for
    each pair (i, j), with B the other indices,
    ``Sigma_ij <- max(S_ij, Sigma_{i,B} Sigma_BB^{-1} Sigma_{B,j})``, sweeping
    all pairs until ``sum |Sigma - Sigma_old| < tol``.  The start must be
    feasible and positive definite: ``coord2Sig`` starts from S (fine when S
    is), here from S when it is positive definite, else from the dominating
    ultrametric of the correlations (the single-linkage ``Zmatrix`` of the
    same package), which is feasible and positive definite when no
    correlation is 1.
    """
    p = S.shape[0]
    try:
        np.linalg.cholesky(S)
        Sig = S.copy()
    except np.linalg.LinAlgError:
        d = np.sqrt(np.diag(S))
        R = S / np.outer(d, d)
        Z = np.where(R > 0, R, 0.0)
        np.fill_diagonal(Z, 1.0)
        for k in range(p):  # bottleneck (max-min) path closure = single linkage
            Z = np.maximum(Z, np.minimum(Z[:, [k]], Z[[k], :]))
        Sig = Z * np.outer(d, d)
    for _ in range(max_sweeps):
        old = Sig.copy()
        for i in range(p - 1):
            for j in range(i + 1, p):
                B = np.r_[0:i, i + 1:j, j + 1:p]
                rows = Sig[np.ix_([i, j], B)]
                value = rows[0] @ np.linalg.solve(Sig[np.ix_(B, B)], rows[1])
                Sig[i, j] = Sig[j, i] = max(value, S[i, j])
        if np.abs(Sig - old).sum() < tol * np.abs(S).max():
            return Sig
    raise AssertionError("the reference coordinate ascent did not converge")


@pytest.mark.parametrize("p", [8, 10, 12])
def test_alpha_zero_is_the_mtp2_mle(p):
    S = _sample_cov(_m_precision(p, p), 3 * p, 200 + p)
    sigma_ref = _luz_mle(S)
    theta_ref = np.linalg.inv(sigma_ref)
    covariance, precision = mtp2_graphical_model(S, 0.0, constraint="m_matrix",
                                                 penalty="l1", n_stages=1, tol=TIGHT,
                                                 max_iter=100000)
    # the duality gap bounds the objective's excess (nats)
    zero = np.zeros((p, p))
    assert _objective(S, zero, precision) - _objective(S, zero, theta_ref) <= 1e-12
    # the MLE reference is an M-matrix matching S on the diagonal
    assert theta_ref[_offdiag(p)].max() <= 1e-10 * np.abs(theta_ref).max()
    assert (np.linalg.norm(precision - theta_ref) / np.linalg.norm(theta_ref)) < 1e-6
    assert (np.linalg.norm(covariance - sigma_ref) / np.linalg.norm(sigma_ref)) < 1e-6
    np.testing.assert_allclose(np.diag(covariance), np.diag(S), rtol=1e-6)


@pytest.mark.parametrize("centered, seed", [(True, 9), (False, 6)],
                         ids=["n3_centred", "n2_uncentred"])
def test_alpha_zero_small_sample_mle(centered, seed):
    """The MTP2 MLE exists (almost surely) as soon as S has rank 2 -- no
    sample correlation is then +1 (Slawski & Hein 2015; Lauritzen, Uhler &
    Zwiernik 2019): n = 2 samples around a known mean, or n = 3 when the mean
    is estimated (centring removes one degree of freedom; n = 2 centred gives
    rank 1, all correlations +-1, and no MLE)."""
    p = 6
    n = 3 if centered else 2
    S = _sample_cov(_m_precision(p, 2, extra=1.0), n, seed, centered=centered)
    assert np.linalg.matrix_rank(S) == 2
    d = np.sqrt(np.diag(S))
    # a well-posed draw (the MLE is badly conditioned when a correlation nears 1)
    assert (S / np.outer(d, d))[_offdiag(p)].max() < 0.95
    sigma_ref = _luz_mle(S)
    theta_ref = np.linalg.inv(sigma_ref)
    covariance, precision = mtp2_graphical_model(S, 0.0, constraint="m_matrix",
                                                 penalty="l1", n_stages=1, tol=TIGHT,
                                                 max_iter=100000)
    zero = np.zeros((p, p))
    assert _objective(S, zero, precision) - _objective(S, zero, theta_ref) <= 1e-12
    assert (np.linalg.norm(precision - theta_ref) / np.linalg.norm(theta_ref)) < 1e-6
    assert (np.linalg.norm(covariance - sigma_ref) / np.linalg.norm(sigma_ref)) < 1e-6


@pytest.mark.cvxpy
@pytest.mark.parametrize("constraint", CONSTRAINTS)
def test_alpha_zero_ill_conditioned_small_sample_mle(constraint):
    """The small-sample MLE as it usually comes: without choosing the draw.

    M-matrix: p = 10, n = 3 centred samples (rank-2 S, a sample correlation
    of 0.999), the MLE's condition number is about 9e3.  Diagonally dominant:
    one uncentred sample (rank-1 S; Truell et al. 2021: the MLE exists from
    n = 1), two coordinates of the sample close (0.346 and 0.330), condition
    number about 1.5e4.  The reference is cvxpy (SCS and Clarabel agree to
    1e-9 and 1e-7 relative in objective on these two instances).
    """
    if constraint == "m_matrix":
        p = 10
        S = _sample_cov(_m_precision(p, 1), 3, 5)
    else:
        p = 5
        y = np.random.default_rng(1).standard_normal(p)
        S = np.outer(y, y)
    zero = np.zeros((p, p))
    ref_value, _ = _cvxpy_solution(S, zero, constraint)
    _, precision = mtp2_graphical_model(S, 0.0, constraint=constraint, penalty="l1",
                                        n_stages=1, tol=1e-10, max_iter=20000)
    ours = _objective(S, zero, precision)
    assert abs(ours - ref_value) <= 1e-5 * abs(ref_value), (ours, ref_value)


# ------------------------------------------------------------------ 4. exact constraints
def _assert_exactly_feasible(precision, constraint):
    p = precision.shape[0]
    assert np.array_equal(precision, precision.T)
    assert (precision[_offdiag(p)] <= 0).all()
    if constraint == "diagonally_dominant":
        assert (precision.sum(axis=1) >= 0).all()
    np.linalg.cholesky(precision)  # positive definite


@pytest.mark.parametrize("constraint", CONSTRAINTS)
@pytest.mark.parametrize("penalty", ["l1", "scad", "mcp"])
@pytest.mark.parametrize("tol", [1e-4, 1e-10])
def test_constraints_hold_exactly(constraint, penalty, tol):
    p = 20
    S = _sample_cov(_m_precision(p, 5), 2 * p, 105)
    scale = np.mean(np.diag(S))
    for alpha in [0.0, 0.05 * scale, scale * _weights(p, 3)]:
        covariance, precision = mtp2_graphical_model(
            S, alpha, constraint=constraint, penalty=penalty, n_stages=3, tol=tol,
            max_iter=100000)
        _assert_exactly_feasible(precision, constraint)
        np.testing.assert_allclose(covariance, covariance.T, rtol=1e-12, atol=0)
        np.testing.assert_allclose(covariance @ precision, np.eye(p), atol=1e-8)


@pytest.mark.parametrize("constraint", CONSTRAINTS)
def test_constraints_hold_exactly_small_sample(constraint):
    # rank-deficient S (n < p): the binding constraints are many
    p = 12
    S = _sample_cov(_m_precision(p, 6, extra=1.0), 4, 106)
    _, precision = mtp2_graphical_model(S, 0.02 * np.mean(np.diag(S)),
                                        constraint=constraint, penalty="scad",
                                        n_stages=3, tol=1e-8, max_iter=100000)
    _assert_exactly_feasible(precision, constraint)


@pytest.mark.parametrize("constraint", CONSTRAINTS)
@pytest.mark.parametrize("factor", [1e-100, 1e-6, 1e6, 1e100])
def test_constraints_hold_exactly_at_extreme_scales(constraint, factor):
    """Data multiplied by ``factor`` (alpha by the same factor: it is in the
    units of S): the output is exactly feasible, finite, and the unscaled
    solution scaled back."""
    p = 10
    S = _sample_cov(_m_precision(p, 8), 3 * p, 108)
    alpha = 0.1 * np.mean(np.diag(S))
    kwargs = dict(constraint=constraint, penalty="scad", n_stages=2, tol=TIGHT,
                  max_iter=100000)
    _, reference = mtp2_graphical_model(S, alpha, **kwargs)
    covariance, precision = mtp2_graphical_model(factor * S, factor * alpha, **kwargs)
    assert np.isfinite(precision).all() and np.isfinite(covariance).all()
    _assert_exactly_feasible(precision, constraint)
    np.testing.assert_allclose(precision * factor, reference, rtol=1e-6,
                               atol=1e-6 * np.abs(reference).max())


# ------------------------------------------------------------------ 5. adaptive stages
# Margins: with the exact optima of each stage (cvxpy/SCS standing in for the
# solver when the test was written) the errors were, 1 stage -> 3 stages,
# grid 0.250 -> 0.234 (SCAD) / 0.230 (MCP); Barabasi-Albert 0.305 -> 0.188
# (SCAD) / 0.197 (MCP).
@pytest.mark.parametrize("graph, penalty, margin", [
    ("grid", "scad", 0.01), ("grid", "mcp", 0.01),
    ("barabasi_albert", "scad", 0.05), ("barabasi_albert", "mcp", 0.05),
])
def test_adaptive_stages_reduce_error(graph, penalty, margin):
    """SCAD / MCP reweighting (3 stages) beats the l1 problem (1 stage) at the
    same alpha: p = 36, n = 3 p, standardised data, alpha = 0.5 sqrt(log p / n)."""
    from lrsparse.datasets import make_mtp2_precision
    from lrsparse.metrics import relative_error

    p = 36
    n = 3 * p
    theta_true, _ = make_mtp2_precision(p, graph=graph, random_state=0)
    rng = np.random.default_rng(1)
    X = rng.multivariate_normal(np.zeros(p), np.linalg.inv(theta_true), size=n)
    X = X - X.mean(axis=0)
    d = X.std(axis=0)
    R = (X / d).T @ (X / d) / n  # standardised data: alpha in correlation units
    alpha = 0.5 * np.sqrt(np.log(p) / n)
    errors = {}
    for n_stages in (1, 3):
        _, precision_std = mtp2_graphical_model(R, alpha, constraint="m_matrix",
                                                penalty=penalty, n_stages=n_stages,
                                                tol=1e-8, max_iter=10000)
        # back to the units of X: Theta_X = D^-1 Theta_R D^-1
        precision = precision_std / np.outer(d, d)
        errors[n_stages] = relative_error(theta_true, precision)
    assert errors[3] < errors[1] - margin, errors
