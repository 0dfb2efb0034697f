"""Failing tests of IncrementalGMMClassifier (found by H4 on 7a63b7d..e623ec5; for the lead).

1. A first ``partial_fit`` that fails on an unknown label (``_class_index``
   in ``_learn_classes``) has already run ``_start``: the classifier keeps
   ``classes_``, a stream and ``n_samples_seen_ = 0``, so the next call is no
   longer "the first" (``classes`` is not asked for), and ``predict`` raises
   ``AttributeError: ... no attribute 'means_'`` instead of
   ``NotFittedError``.  Check the labels before ``_start``.
2. ``predict_proba`` sums the components' responsibilities per class: far
   from the data the result exceeds 1 by about 5e-14 and rows sum to 1 within
   about 1e-13 only.  Normalise the rows (and clip at 1).
3. ``_check_range`` compares float32 data with 1e140, which overflows the
   float32 cast: every float32 ``fit`` / ``partial_fit`` emits
   ``RuntimeWarning: overflow encountered in cast`` (``_igmn.py``, the
   ``top > _MAX_MAGNITUDE`` line).  Take the maximum in float64.
"""

import warnings

import numpy as np
import pytest
from sklearn.datasets import make_blobs
from sklearn.exceptions import NotFittedError

from lrsparse.mixture import (IncrementalGaussianMixture, IncrementalGMMClassifier,
                              IncrementalGMMRegressor)


def test_failed_first_partial_fit_starts_nothing():
    X, y = make_blobs(300, n_features=2, centers=3, random_state=0)
    bad = y.copy()
    bad[7] = 5
    clf = IncrementalGMMClassifier()
    with pytest.raises(ValueError, match="not in classes"):
        clf.partial_fit(X[:50], bad[:50], classes=[0, 1, 2])
    with pytest.raises(NotFittedError):
        clf.predict(X)
    with pytest.raises(ValueError, match="classes must be passed on the first call"):
        clf.partial_fit(X[:50], y[:50])


def test_predict_proba_exactly_in_unit_interval():
    X, y = make_blobs(400, n_features=3, centers=4, random_state=2)
    clf = IncrementalGMMClassifier().fit(X, y)
    X_far = 30 * np.random.default_rng(0).normal(size=(200, 3))
    proba = clf.predict_proba(np.vstack([X, X_far]))
    assert proba.min() >= 0.0 and proba.max() <= 1.0
    np.testing.assert_allclose(proba.sum(axis=1), 1.0, rtol=0, atol=4 * np.finfo(float).eps)


@pytest.mark.parametrize("cls", [IncrementalGMMClassifier, IncrementalGMMRegressor,
                                 IncrementalGaussianMixture])
def test_float32_input_without_warnings(cls):
    X, y = make_blobs(200, n_features=2, centers=3, random_state=0)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        model = cls().fit(X.astype(np.float32), y)
        model.predict(X.astype(np.float32))
