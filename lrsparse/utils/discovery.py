"""Discovery of lrsparse's public estimators (used by the common tests and the demo)."""

import importlib
import inspect
import pkgutil

from sklearn.base import BaseEstimator

__all__ = ["all_estimators"]

# Subpackages that hold estimators (sklearn module names); only those that
# exist are imported, so a family appears here as soon as it lands.
_FAMILIES = (
    "covariance",
    "decomposition",
    "embedding",
    "impute",
    "linear_model",
    "mixture",
)


def all_estimators():
    """List every public lrsparse estimator.

    Returns
    -------
    estimators : list of (name, class) tuples
        Sorted by name; abstract and private classes are excluded.
    """
    import lrsparse

    present = {m.name for m in pkgutil.iter_modules(lrsparse.__path__)}
    found = {}
    for family in _FAMILIES:
        if family not in present:
            continue
        module = importlib.import_module(f"lrsparse.{family}")
        for name in getattr(module, "__all__", ()):
            obj = getattr(module, name)
            if (
                inspect.isclass(obj)
                and issubclass(obj, BaseEstimator)
                and not name.startswith("_")
                and not inspect.isabstract(obj)
            ):
                found[name] = obj
    return sorted(found.items())
