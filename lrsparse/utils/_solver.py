"""The house rules every iterative solver follows: convergence warnings and data scale.

* :func:`warn_not_converged` is the one ``ConvergenceWarning`` of the library:
  a solver that reaches ``max_iter`` before its stopping test calls it, and the
  message names the estimator (or function), the iterations and the last change.
* :func:`data_scale` is the one way a solver measures the magnitude of its data,
  so that it can work on ``X / scale`` (results then scale with the data) and
  refuse, with a clear ``ValueError``, data that float64 cannot carry.
* :func:`serial_blas` runs a block with one BLAS thread: a solver whose
  iterations are many small LAPACK calls (Cholesky factorisations of a
  p x p matrix with p in the hundreds) is faster without BLAS threads, whose
  start-up per call costs more than they save, and whose busy-waiting is
  ruinous when the cores are shared (GridSearchCV's workers, other
  processes): measured 10 ms -> 11 s for one MTP2 fit at p = 25 on two
  busy cores.
"""

import warnings
from contextlib import contextmanager

import numpy as np
from sklearn.exceptions import ConvergenceWarning

__all__ = ["data_scale", "power_of_two", "serial_blas", "warn_not_converged"]

# Smallest normal float64: below it values are subnormal and lose precision,
# so no solver can give results that scale with such data.
_TINY = float(np.finfo(np.float64).tiny)


def warn_not_converged(name, n_iter, change, tol, *, what="relative change", hint=None,
                       param="max_iter", unit="iterations"):
    """Emit the library's ``ConvergenceWarning`` for a solver stopped by ``max_iter``.

    Parameters
    ----------
    name : str
        The estimator's class name (or the solver function's name).
    n_iter : int
        Iterations run (equal to ``max_iter``).
    change : float
        The stopping statistic at the last iteration.
    tol : float
        The tolerance it had to reach.
    what : str, default="relative change"
        What ``change`` measures, for the message.
    hint : str, default=None
        Extra advice appended to the message.
    param : str, default="max_iter"
        The parameter that stopped the solver (``"n_epochs"`` for Swivel).
    unit : str, default="iterations"
        What ``n_iter`` counts.
    """
    change = float(change)
    last = (f"a last {what} of {change:.4g}" if np.isfinite(change)
            else f"no {what} measured yet")
    message = (
        f"{name} did not converge: stopped at {param}={n_iter} {unit} with "
        f"{last} (tol={float(tol):.4g}). Increase {param}, or tol for a looser fit."
    )
    if hint:
        message += " " + hint
    warnings.warn(message, ConvergenceWarning, stacklevel=3)


def data_scale(values, *, input_name="X"):
    """Largest magnitude of ``values``; ``ValueError`` where float64 cannot carry the data.

    Solvers divide their data by this scale (and multiply results back), so
    that iteration counts and relative errors do not depend on the units.

    Parameters
    ----------
    values : ndarray or sparse matrix
        Finite values (sparse: the stored ones).  NaN entries are ignored.
    input_name : str, default="X"
        Name used in error messages.

    Returns
    -------
    scale : float
        ``max |values|``, or 1.0 when every value is zero (or there are none).

    Raises
    ------
    ValueError
        If the largest magnitude is below the smallest normal float64
        (about 2.2e-308): such values are subnormal and have lost precision.
    """
    data = values.data if hasattr(values, "tocsr") else np.asarray(values)
    if data.size == 0:
        return 1.0
    # max |x| without a temporary of the data's size
    scale = max(float(np.nanmax(data)), -float(np.nanmin(data)))
    if not np.isfinite(scale):
        raise ValueError(f"{input_name} must be finite; found {scale!r}.")
    if scale == 0.0:
        return 1.0
    if scale < _TINY:
        raise ValueError(
            f"The values of {input_name} are too small for float64 (largest magnitude "
            f"{scale:.3g} < {_TINY:.3g}, the smallest normal float64): they have lost "
            f"precision. Rescale {input_name}, e.g. multiply it by a power of ten."
        )
    return scale


def power_of_two(x):
    """The power of two nearest to ``x > 0``: dividing by it and multiplying back is exact.

    Solvers divide their data by ``power_of_two(data_scale(X))`` so that the
    scaled problem's results map back to the user's units without rounding.
    An array gives an array, elementwise (per-feature units, as the
    incremental mixtures use), with 1 where an entry is 0.
    """
    if np.ndim(x) == 0:
        return float(2.0 ** np.round(np.log2(x)))
    a = np.asarray(x, dtype=np.float64)
    positive = a > 0
    return np.where(positive, np.exp2(np.round(np.log2(np.where(positive, a, 1.0)))), 1.0)


_CONTROLLER = None


@contextmanager
def serial_blas(enabled=True):
    """Limit BLAS to one thread inside the ``with`` block (restored afterwards).

    The ``threadpoolctl`` controller is built once (about 0.5 ms) and reused
    (about 5 us per block).  ``enabled=False`` leaves the threads alone, for
    problems large enough to gain from them.

    Parameters
    ----------
    enabled : bool, default=True
        Whether to limit the threads.
    """
    global _CONTROLLER
    if not enabled:
        yield
        return
    if _CONTROLLER is None:
        from threadpoolctl import ThreadpoolController

        _CONTROLLER = ThreadpoolController()
    with _CONTROLLER.limit(limits=1, user_api="blas"):
        yield
