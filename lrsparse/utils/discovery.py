"""Discovery of lrsparse's public estimators (used by the common tests and the demo)."""

import importlib
import inspect

from sklearn.base import BaseEstimator

__all__ = ["all_estimators"]

# The shared rooms: every family may import them, and they export no estimator.
_SHARED_SUBPACKAGES = ("datasets", "metrics", "utils")


def _families():
    """Names of the estimator families: the public subpackages other than the shared rooms.

    Derived from the package on disk, so a new family folder (``covariance``,
    ``linear_model``, ``mixture``, ...) is a family as soon as it exists.

    Returns
    -------
    names : tuple of str
        Sorted subpackage names, e.g. ``("decomposition", "embedding", "impute")``.
    """
    import lrsparse

    return tuple(name for name in lrsparse._SUBMODULES if name not in _SHARED_SUBPACKAGES)


def all_estimators():
    """List every public lrsparse estimator.

    Every name in the ``__all__`` of a family subpackage (see ``_families``)
    that is a concrete scikit-learn estimator class.

    Returns
    -------
    estimators : list of (name, class) tuples
        Sorted by name; abstract and private classes are excluded.

    Examples
    --------
    >>> from lrsparse.utils import all_estimators
    >>> dict(all_estimators())["FastRP"]
    <class 'lrsparse.embedding._fastrp.FastRP'>
    """
    found = {}
    for family in _families():
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
