"""Numba conventions shared by every kernel module.

* :func:`jit` is ``numba.njit(cache=..., nogil=True)``.  The disk cache is on
  unless the environment variable ``LRSPARSE_NUMBA_CACHE`` is ``0`` (read once,
  when the first kernel module is imported).  Full ``fastmath`` is never used:
  it silently breaks ``isnan`` and convergence checks.
* :func:`numba_threads` maps a scikit-learn style ``n_jobs`` to numba's thread
  count for the duration of a ``with`` block and restores it afterwards, even
  when the block raises.
"""

import os
from contextlib import contextmanager

import numba
from joblib import effective_n_jobs

__all__ = ["CACHE", "jit", "numba_threads", "resolve_n_jobs"]

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
    context says otherwise (a cluster backend, Dask or Ray, does not: its
    count is the cluster's, not this process's cores); negative values count
    back from the number of CPUs.
    The result is capped by numba's own limit (``NUMBA_NUM_THREADS``), which
    joblib's workers set to avoid oversubscription.
    """
    if n_jobs is None and _cluster_backend():
        return 1
    n = effective_n_jobs(n_jobs)
    return int(max(1, min(n, numba.config.NUMBA_NUM_THREADS)))


def _cluster_backend():
    """Whether joblib's active backend is a cluster's (Dask, Ray).

    There ``effective_n_jobs(None)`` is the whole cluster's thread count,
    also inside the tasks it runs; the workers are the parallelism, so
    ``n_jobs=None`` means one numba thread per task (as on loky workers).
    """
    from joblib.parallel import get_active_backend

    name = type(get_active_backend()[0]).__name__
    return "Dask" in name or "Ray" in name


@contextmanager
def numba_threads(n_jobs):
    """Run the block with ``resolve_n_jobs(n_jobs)`` numba threads."""
    previous = numba.get_num_threads()
    numba.set_num_threads(resolve_n_jobs(n_jobs))
    try:
        yield
    finally:
        numba.set_num_threads(previous)
