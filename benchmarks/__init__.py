"""Benchmarks of lrsparse against peer implementations.

Run ``python -m benchmarks NAME [--quick] [--threads N] [--repeats K]`` from
the repository root; see ``benchmarks/README.md``.  Each public module
``benchmarks/<NAME>.py`` exposes ``run(quick, threads, repeats) -> list[dict]``.
"""

import pkgutil

__all__ = ["available"]


def available():
    """Names of the benchmark modules (every module not starting with ``_``)."""
    return sorted(m.name for m in pkgutil.iter_modules(__path__) if not m.name.startswith("_"))
