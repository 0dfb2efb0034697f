"""Numba conventions shared by every kernel module.

* :func:`jit` is ``numba.njit(cache=..., nogil=True)``.  The disk cache is on
  unless the environment variable ``LRSPARSE_NUMBA_CACHE`` is ``0`` (read once,
  when the first kernel module is imported).  Full ``fastmath`` is never used:
  it silently breaks ``isnan`` and convergence checks.
* :func:`numba_threads` maps a scikit-learn style ``n_jobs`` to numba's thread
  count for the duration of a ``with`` block and restores it afterwards, even
  when the block raises.
* :func:`kernel_modules` lists the modules of :mod:`lrsparse._kernels` (found
  with :mod:`pkgutil`, so a new kernel module needs no registration) and
  :func:`warm_up_kernels` calls the ``_warm_up()`` of each: every kernel
  module defines one that compiles its kernels once on tiny float64 and
  float32 inputs (the test suite and the benchmarks call it before timing).
"""

import importlib
import os
import pkgutil
from contextlib import contextmanager

import numba
from joblib import effective_n_jobs

__all__ = [
    "CACHE",
    "jit",
    "kernel_modules",
    "numba_threads",
    "resolve_n_jobs",
    "warm_up_kernels",
]

CACHE = os.environ.get("LRSPARSE_NUMBA_CACHE", "1").strip().lower() not in (
    "0",
    "false",
    "no",
    "off",
)


def jit(*args, parallel=False, **kwargs):
    """``numba.njit`` with lrsparse's defaults (cache, nogil, no fastmath)."""
    options = dict(cache=CACHE, nogil=True, parallel=parallel)
    options.update(kwargs)
    if args and callable(args[0]):
        return numba.njit(**options)(args[0])
    return numba.njit(*args, **options)


def resolve_n_jobs(n_jobs):
    """Number of numba threads for ``n_jobs`` (``None`` -> 1, ``-1`` -> all).

    Follows scikit-learn: ``None`` means 1 unless a ``joblib.parallel_config``
    context says otherwise; negative values count back from the number of CPUs.
    The result is capped by numba's own limit (``NUMBA_NUM_THREADS``), which
    joblib's workers set to avoid oversubscription.
    """
    n = effective_n_jobs(n_jobs)
    return int(max(1, min(n, numba.config.NUMBA_NUM_THREADS)))


@contextmanager
def numba_threads(n_jobs):
    """Run the block with ``resolve_n_jobs(n_jobs)`` numba threads."""
    previous = numba.get_num_threads()
    numba.set_num_threads(resolve_n_jobs(n_jobs))
    try:
        yield
    finally:
        numba.set_num_threads(previous)


def kernel_modules():
    """The kernel modules of :mod:`lrsparse._kernels`, imported, sorted by name.

    Returns
    -------
    modules : list of module
        Every (non-package) module in ``lrsparse/_kernels/``.
    """
    from .. import _kernels

    return [
        importlib.import_module(f"{_kernels.__name__}.{info.name}")
        for info in sorted(pkgutil.iter_modules(_kernels.__path__), key=lambda m: m.name)
        if not info.ispkg
    ]


def warm_up_kernels(strict=False):
    """Compile (or load from the disk cache) every kernel: call each module's ``_warm_up()``.

    Parameters
    ----------
    strict : bool, default=False
        If True, a kernel module without a ``_warm_up`` function raises
        ``AttributeError``; otherwise it is skipped.

    Returns
    -------
    warmed : list of str
        Names of the kernel modules whose ``_warm_up`` ran.
    """
    warmed = []
    for module in kernel_modules():
        warm_up = getattr(module, "_warm_up", None)
        if warm_up is None:
            if strict:
                raise AttributeError(f"{module.__name__} defines no _warm_up()")
            continue
        warm_up()
        warmed.append(module.__name__.rsplit(".", 1)[-1])
    return warmed
