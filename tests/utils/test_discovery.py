from sklearn.base import BaseEstimator

from lrsparse.embedding import FastRP
from lrsparse.utils import all_estimators


def test_all_estimators_lists_public_estimators():
    found = dict(all_estimators())
    assert found["FastRP"] is FastRP
    assert all(issubclass(cls, BaseEstimator) for cls in found.values())
    assert not any(name.startswith("_") for name in found)
    assert list(found) == sorted(found)
