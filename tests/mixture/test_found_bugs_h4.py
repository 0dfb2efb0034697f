"""Failing tests of the supervised incremental mixtures (found by H4; for the lead).

1. Units: the initial variance of a new component is floored at one value for
   every feature, ``1e-12 * max(largest running variance, (max |x|)^2)`` over
   *all* features (``_create`` in ``lrsparse/_kernels/gmm.py``); for the first
   point, when no variance is known yet, every feature gets that floor.  When
   the inputs and the targets (or the one-hot block) are in units about 1e6
   apart, the small-unit features get the large-unit features' floor: the
   regressor with ``X`` in 1e-6 and ``y`` in 1e6 units has R^2 about 0 (0.99
   in common units), the classifier with ``X * 1e-100`` predicts one class,
   and with ``X * 1e6`` its probabilities move by 0.26.
2. Range: data multiplied by 1e-300 (normal floats) are learned as one
   component and predicted by a constant, without an error; at 1e155 the
   regressor raises ``LinAlgError`` (squares overflow).  House rule: results
   scaled accordingly, or a clear ``ValueError``.
"""

import itertools

import numpy as np
import pytest
from sklearn.datasets import make_blobs

from lrsparse.mixture import IncrementalGMMClassifier, IncrementalGMMRegressor


@pytest.fixture(scope="module")
def sine():
    rng = np.random.default_rng(0)
    X = rng.uniform(-3, 3, (600, 1))
    Y = np.column_stack([np.sin(X[:, 0]), np.cos(X[:, 0])]) + 0.05 * rng.normal(size=(600, 2))
    reg = IncrementalGMMRegressor().fit(X, Y)
    return X, Y, reg, reg.predict(X)


@pytest.mark.parametrize("c, s", list(itertools.product([1e-6, 1e6], repeat=2)))
def test_regressor_separate_scales(sine, c, s):
    # inputs in one unit, targets in another: predictions in the targets' unit
    X, Y, ref, pred = sine
    reg = IncrementalGMMRegressor().fit(X * c, Y * s)
    assert reg.n_components_ == ref.n_components_
    np.testing.assert_allclose(reg.predict(X * c) / s, pred, rtol=1e-6, atol=1e-9)


@pytest.fixture(scope="module")
def blobs():
    X, y = make_blobs(300, n_features=3, centers=3, cluster_std=2.0, random_state=4)
    clf = IncrementalGMMClassifier().fit(X, y)
    return X, y, clf, clf.predict(X), clf.predict_proba(X)


@pytest.mark.parametrize("factor", [1e-100, 1e-6, 1.0, 1e6, 1e100])
def test_classifier_scale_sweep(blobs, factor):
    # only the inputs have units (the one-hot block does not): same classes,
    # same probabilities, whatever the units of X
    X, y, ref, labels, proba = blobs
    clf = IncrementalGMMClassifier().fit(X * factor, y)
    assert clf.n_components_ == ref.n_components_
    np.testing.assert_array_equal(clf.predict(X * factor), labels)
    np.testing.assert_allclose(clf.predict_proba(X * factor), proba, rtol=1e-6, atol=1e-9)


@pytest.mark.parametrize("factor", [1e-300, 1e-200, 1e155, 1e200, 1e300])
def test_regressor_beyond_the_sweep(sine, factor):
    # data of normal floats: either the scaled result or a clear ValueError
    # naming the input, never a silently wrong model or a LinAlgError
    X, Y, ref, pred = sine
    try:
        reg = IncrementalGMMRegressor().fit(X * factor, Y * factor)
    except ValueError as error:
        assert "X" in str(error) or "y" in str(error)
        return
    np.testing.assert_allclose(reg.predict(X * factor) / factor, pred, rtol=1e-6, atol=1e-9)
