"""lrsparse: scikit-learn compatible low-rank and sparse estimators.

Every estimator is a thin scikit-learn facade (validation, parameters, fitted
attributes) over a module-level solver function and numba kernels
(``lrsparse._kernels``).  Shared today: singular-value shrinkage
(``PrincipalComponentPursuit`` and the imputers), row norms and row
normalisation (``FastRP``, ``spatial_affinity_graph``, robust PCA, the
unmixing metrics), products on
observed entries (the completion estimators; FastRP uses the CSR products of
the same module) and the NMF kernels (the three unmixing estimators); the
developer guide keeps the full kernel -> estimator map.

Importing :mod:`lrsparse` is cheap: the subpackages (found on disk) and their
numba kernels are imported only when first used.

Examples
--------
>>> import lrsparse
>>> "decomposition" in lrsparse.__all__
True
>>> lrsparse.embedding.FastRP
<class 'lrsparse.embedding._fastrp.FastRP'>
"""

import importlib
import pkgutil

__version__ = "0.1.0.dev0"

# The public subpackages, found on disk (no import): a new family folder is
# reachable as ``lrsparse.<name>`` and scanned by ``all_estimators`` as soon
# as it exists, without registering it anywhere.
_SUBMODULES = tuple(
    sorted(m.name for m in pkgutil.iter_modules(__path__) if m.ispkg and not m.name.startswith("_"))
)

__all__ = list(_SUBMODULES) + ["__version__"]


def __getattr__(name):
    # Lazy subpackages (PEP 562): ``lrsparse.embedding`` works without an
    # explicit import while ``import lrsparse`` stays fast.
    if name in _SUBMODULES:
        return importlib.import_module(f"lrsparse.{name}")
    raise AttributeError(f"module 'lrsparse' has no attribute {name!r}")


def __dir__():
    return sorted(__all__)
