"""IncrementalGMMRegressor and IncrementalGMMClassifier: API, streams, inputs, scale.

The references of the conditioning itself (``gaussian_conditional`` against
direct formulas, accuracy on known functions) are in test_reference.py.
"""

import itertools
import warnings

import numpy as np
import pytest
from sklearn.datasets import make_blobs
from sklearn.exceptions import NotFittedError
from sklearn.utils._param_validation import InvalidParameterError

from lrsparse.mixture import IncrementalGMMClassifier, IncrementalGMMRegressor

ESTIMATORS = [IncrementalGMMRegressor, IncrementalGMMClassifier]
FITTED = ["weights_", "means_", "precisions_"]


def _sine(n=600, seed=0, n_targets=1):
    """``y = sin(x)`` (and ``cos(x)`` for a second target) plus a little noise."""
    rng = np.random.default_rng(seed)
    X = rng.uniform(-3, 3, (n, 1))
    Y = np.column_stack([np.sin(X[:, 0]), np.cos(X[:, 0])])[:, :n_targets]
    Y = Y + 0.05 * rng.normal(size=Y.shape)
    return X, (Y[:, 0] if n_targets == 1 else Y)


def _blobs(n=300, centers=3, seed=0):
    return make_blobs(n, n_features=2, centers=centers, random_state=seed)


def _data(cls):
    return _sine() if cls is IncrementalGMMRegressor else _blobs()


def _partial_fit(model, X, y, cuts, **kwargs):
    """Feed ``X, y`` to ``partial_fit`` cut at the positions ``cuts``."""
    for rows in np.split(np.arange(len(X)), cuts):
        model.partial_fit(X[rows], y[rows], **kwargs)
    return model


def _assert_same_model(a, b):
    assert a.n_components_ == b.n_components_
    assert a.n_samples_seen_ == b.n_samples_seen_
    for name in FITTED:
        np.testing.assert_array_equal(getattr(a, name), getattr(b, name), err_msg=name)


# ------------------------------------------------------------- classifier API
def test_partial_fit_needs_classes_at_first_call():
    X, y = _blobs()
    clf = IncrementalGMMClassifier()
    with pytest.raises(ValueError, match="classes must be passed on the first call"):
        clf.partial_fit(X[:50], y[:50])
    assert not hasattr(clf, "classes_")
    # later calls need not repeat them, and may repeat them in any order
    clf.partial_fit(X[:50], y[:50], classes=[0, 1, 2])
    clf.partial_fit(X[50:100], y[50:100])
    clf.partial_fit(X[100:], y[100:], classes=np.array([2, 0, 1, 1]))
    np.testing.assert_array_equal(clf.classes_, [0, 1, 2])
    assert clf.n_samples_seen_ == len(X)


@pytest.mark.parametrize("later", [[0, 1], [0, 1, 2, 3], ["0", "1", "2"]])
def test_partial_fit_other_classes_later(later):
    X, y = _blobs()
    clf = IncrementalGMMClassifier().partial_fit(X[:100], y[:100], classes=[0, 1, 2])
    means = clf.means_.copy()
    with pytest.raises(ValueError, match="is not the same as on the first call"):
        clf.partial_fit(X[100:], y[100:], classes=later)
    np.testing.assert_array_equal(clf.means_, means)
    assert clf.n_samples_seen_ == 100


def test_unknown_label():
    X, y = _blobs()
    clf = IncrementalGMMClassifier()
    bad = y.copy()
    bad[7] = 5
    with pytest.raises(ValueError, match=r"y contains labels not in classes \[0, 1, 2\]: \[5\]"):
        clf.partial_fit(X[:50], bad[:50], classes=[0, 1, 2])
    # a failed first call starts nothing: still unfitted, classes still needed
    with pytest.raises(NotFittedError):
        clf.predict(X)
    with pytest.raises(ValueError, match="classes must be passed on the first call"):
        clf.partial_fit(X[:50], y[:50])
    with pytest.raises(ValueError, match="not in classes"):
        IncrementalGMMClassifier().fit(X, bad).partial_fit(X[:50], np.full(50, 9))
    # later: the model is left as it was
    clf = IncrementalGMMClassifier().partial_fit(X[:50], y[:50], classes=[0, 1, 2])
    means = clf.means_.copy()
    with pytest.raises(ValueError, match="not in classes"):
        clf.partial_fit(X[:50], bad[:50])
    np.testing.assert_array_equal(clf.means_, means)
    assert clf.n_samples_seen_ == 50


@pytest.mark.parametrize("dtype", [object, str])
def test_string_labels(dtype):
    X, y = _blobs()
    names = np.array(["cat", "dog", "emu"])
    labels = names[y].astype(dtype)
    ref = IncrementalGMMClassifier().fit(X, y)
    clf = IncrementalGMMClassifier().fit(X, labels)
    np.testing.assert_array_equal(clf.classes_, names)
    np.testing.assert_array_equal(clf.predict(X), names[ref.predict(X)])
    np.testing.assert_array_equal(clf.predict_proba(X), ref.predict_proba(X))
    assert clf.score(X, labels) > 0.9
    streamed = _partial_fit(IncrementalGMMClassifier(), X, labels, [100, 200],
                            classes=["emu", "cat", "dog"])
    np.testing.assert_array_equal(streamed.classes_, names)
    np.testing.assert_array_equal(streamed.predict(X), clf.predict(X))
    with pytest.raises(ValueError, match="not in classes"):
        streamed.partial_fit(X[:3], np.array(["cat", "gnu", "dog"], dtype=dtype))


def test_two_classes():
    X, y = _blobs(centers=2)
    clf = IncrementalGMMClassifier().fit(X, y)
    proba = clf.predict_proba(X)
    assert proba.shape == (len(X), 2)
    assert clf.score(X, y) > 0.95
    # labels other than 0 / 1, and boolean ones
    clf = IncrementalGMMClassifier().fit(X, np.where(y == 1, 7, -3))
    np.testing.assert_array_equal(clf.classes_, [-3, 7])
    np.testing.assert_array_equal(clf.predict(X), np.where(proba[:, 1] > proba[:, 0], 7, -3))
    clf = IncrementalGMMClassifier().fit(X, y == 1)
    np.testing.assert_array_equal(clf.classes_, [False, True])
    assert clf.predict(X).dtype == bool


def test_class_attributes():
    # class-pure components: each has a class, every class has one, and the
    # input-only means and precisions
    X, y = make_blobs(300, n_features=2, centers=[[0, 0], [6, 0], [0, 6]], random_state=0)
    y = np.where(np.arange(300) < 30, 0, y)  # class 0 more frequent
    clf = IncrementalGMMClassifier().fit(X, y)
    np.testing.assert_array_equal(clf.class_count_, np.bincount(y))
    assert set(clf.component_labels_) == {0, 1, 2}
    assert clf.means_.shape == (clf.n_components_, 2)
    assert clf.precisions_.shape == (clf.n_components_, 2, 2)
    np.testing.assert_allclose(clf.weights_.sum(), 1.0)
    streamed = _partial_fit(IncrementalGMMClassifier(), X, y, [40, 41, 200], classes=[0, 1, 2])
    np.testing.assert_array_equal(streamed.component_labels_, clf.component_labels_)
    np.testing.assert_array_equal(streamed.class_count_, clf.class_count_)


def test_fit_restarts_and_partial_fit_continues():
    X, y = _blobs()
    clf = IncrementalGMMClassifier().fit(X[:150], y[:150])
    clf.partial_fit(X[150:], y[150:])  # classes_ known from fit
    _assert_same_model(clf, IncrementalGMMClassifier().fit(X, y))
    clf.fit(X[:150], y[:150])
    _assert_same_model(clf, IncrementalGMMClassifier().fit(X[:150], y[:150]))
    # fit learns the classes of its y only
    clf.fit(X[y < 2], y[y < 2])
    np.testing.assert_array_equal(clf.classes_, [0, 1])


@pytest.mark.parametrize("cls", ESTIMATORS)
def test_chunked_partial_fit_equals_fit(cls):
    X, y = _data(cls)
    full = cls().fit(X, y)
    kwargs = {"classes": np.unique(y)} if cls is IncrementalGMMClassifier else {}
    rng = np.random.default_rng(1)
    for cuts in ([1, 2, 3], np.sort(rng.choice(np.arange(1, len(X)), 12, replace=False))):
        streamed = _partial_fit(cls(), X, y, cuts, **kwargs)
        _assert_same_model(streamed, full)
        np.testing.assert_array_equal(streamed.predict(X), full.predict(X))
    assert full.n_samples_seen_ == len(X)


def test_predict_is_argmax_of_proba():
    X, y = make_blobs(400, n_features=3, centers=4, random_state=2)
    clf = IncrementalGMMClassifier().fit(X, y)
    rng = np.random.default_rng(0)
    # the data, points between the classes and points far outside them (where
    # the components' linear regressions extrapolate beyond [0, 1])
    X_test = np.vstack([X, rng.uniform(X.min(0), X.max(0), (200, 3)),
                        30 * rng.normal(size=(200, 3))])
    proba = clf.predict_proba(X_test)
    assert proba.shape == (len(X_test), 4)
    assert proba.min() >= 0.0 and proba.max() <= 1.0
    np.testing.assert_allclose(proba.sum(axis=1), 1.0, rtol=0, atol=4 * np.finfo(float).eps)
    np.testing.assert_array_equal(clf.predict(X_test), clf.classes_[proba.argmax(axis=1)])
    assert clf.score(X, y) > 0.95


# -------------------------------------------------------------- regressor API
@pytest.mark.parametrize("n_targets", [1, 2])
def test_regressor_targets_shapes(n_targets):
    X, y = _sine(n_targets=n_targets)
    reg = IncrementalGMMRegressor().fit(X, y)
    assert reg.n_outputs_ == n_targets
    assert reg.means_.shape == (reg.n_components_, 1 + n_targets)
    assert reg.precisions_.shape == (reg.n_components_, 1 + n_targets, 1 + n_targets)
    assert reg.predict(X).shape == y.shape
    assert reg.score(X, y) > 0.85  # two or three components on this stream
    # a single target given as a column stays a column
    if n_targets == 1:
        column = IncrementalGMMRegressor().fit(X, y[:, None])
        assert column.predict(X).shape == (len(X), 1)
        np.testing.assert_array_equal(column.predict(X)[:, 0], reg.predict(X))


def test_regressor_mixed_input_columns():
    # two inputs, one of them irrelevant: the prediction follows the relevant one
    rng = np.random.default_rng(3)
    X = rng.uniform(-3, 3, (800, 2))
    y = np.abs(X[:, 0]) + 0.05 * rng.normal(size=800)
    reg = IncrementalGMMRegressor().fit(X, y)
    assert reg.score(X, y) > 0.9


# ------------------------------------------------------------------ bad input
@pytest.mark.parametrize("cls", ESTIMATORS)
def test_partial_fit_other_number_of_features(cls):
    X, y = _data(cls)
    kwargs = {"classes": np.unique(y)} if cls is IncrementalGMMClassifier else {}
    model = cls().partial_fit(X[:100], y[:100], **kwargs)
    wider = np.hstack([X, X])
    with pytest.raises(ValueError, match="features"):
        model.partial_fit(wider[100:200], y[100:200])
    with pytest.raises(ValueError, match="features"):
        model.predict(wider)
    assert model.n_samples_seen_ == 100


def test_regressor_partial_fit_other_number_of_targets():
    X, y = _sine()
    reg = IncrementalGMMRegressor().partial_fit(X[:100], y[:100])
    with pytest.raises(ValueError, match="y has 2 targets, but IncrementalGMMRegressor was "
                                         "fitted with 1"):
        reg.partial_fit(X[100:], np.column_stack([y, y])[100:])
    reg = IncrementalGMMRegressor().partial_fit(X[:100], np.column_stack([y, y])[:100])
    with pytest.raises(ValueError, match="y has 1 targets"):
        reg.partial_fit(X[100:], y[100:])
    with pytest.raises(ValueError, match="y has 3 targets"):
        reg.partial_fit(X[100:], np.column_stack([y, y, y])[100:])
    assert reg.n_samples_seen_ == 100


@pytest.mark.parametrize("cls", ESTIMATORS)
@pytest.mark.parametrize("bad", [np.nan, np.inf, -np.inf])
@pytest.mark.parametrize("where", ["X", "y"])
def test_non_finite_input(cls, bad, where):
    X, y = _data(cls)
    X = X.copy()
    if where == "X":
        X[5, 0] = bad
        match = "Input X contains"
    else:
        if cls is IncrementalGMMClassifier:
            y = y.astype(float)
        y[5] = bad
        match = "Input y contains"
    kwargs = {"classes": [0.0, 1.0, 2.0]} if cls is IncrementalGMMClassifier else {}
    with pytest.raises(ValueError, match=match):
        cls().fit(X, y)
    with pytest.raises(ValueError, match=match):
        cls().partial_fit(X, y, **kwargs)
    model = cls().partial_fit(X[10:], y[10:], **kwargs)
    with pytest.raises(ValueError, match=match):
        model.partial_fit(X[:10], y[:10])
    assert model.n_samples_seen_ == len(X) - 10
    if where == "X":
        with pytest.raises(ValueError, match=match):
            model.predict(X)


@pytest.mark.parametrize("cls", ESTIMATORS)
@pytest.mark.parametrize("params, match", [
    ({"delta": 0.0}, "delta"), ({"delta": -1.0}, "delta"), ({"delta": np.inf}, "delta"),
    ({"beta": 0.0}, "beta"), ({"beta": 1.0}, "beta"), ({"beta": np.nan}, "beta"),
    ({"prior_weight": 0.0}, "prior_weight"), ({"v_min": 0.5}, "v_min"),
    ({"sp_min": -1.0}, "sp_min"), ({"max_components": 0}, "max_components"),
    ({"covariance_update": "published"}, "covariance_update"),
])
def test_bad_parameters(cls, params, match):
    X, y = _data(cls)
    with pytest.raises(InvalidParameterError, match=match):
        cls(**params).fit(X, y)


@pytest.mark.parametrize("cls", ESTIMATORS)
def test_not_fitted(cls):
    X, _ = _data(cls)
    with pytest.raises(NotFittedError):
        cls().predict(X)
    assert "random_state" not in cls().get_params()


# ----------------------------------------------------------------- input kinds
@pytest.mark.parametrize("cls", ESTIMATORS)
def test_pandas_input(cls):
    pd = pytest.importorskip("pandas")
    X, y = _data(cls)
    if X.shape[1] == 1:
        X = np.column_stack([X, np.random.default_rng(0).normal(size=len(X))])
    frame = pd.DataFrame(X, columns=["first", "second"])
    series = pd.Series(y, name="target")
    model = cls().fit(frame, series)
    np.testing.assert_array_equal(model.feature_names_in_, ["first", "second"])
    ref = cls().fit(X, y)
    _assert_same_model(model, ref)
    np.testing.assert_array_equal(model.predict(frame), ref.predict(X))
    with pytest.warns(UserWarning, match="X does not have valid feature names"):
        model.predict(X)
    with pytest.raises(ValueError, match="feature names"):
        model.predict(frame[["second", "first"]])
    kwargs = {"classes": np.unique(y)} if cls is IncrementalGMMClassifier else {}
    streamed = cls()
    for rows in np.split(np.arange(len(X)), [100, 250]):
        streamed.partial_fit(frame.iloc[rows], series.iloc[rows], **kwargs)
    np.testing.assert_array_equal(streamed.feature_names_in_, ["first", "second"])
    _assert_same_model(streamed, ref)


@pytest.mark.parametrize("cls", ESTIMATORS)
def test_inputs_not_modified_and_float32(cls):
    X, y = _data(cls)
    X32 = X.astype(np.float32)
    X32_copy, y_copy = X32.copy(), y.copy()
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # e.g. no overflow casting 1e140 to float32
        model = cls().fit(X32, y)
        model.predict(X32)
    kwargs = {"classes": np.unique(y)} if cls is IncrementalGMMClassifier else {}
    _partial_fit(cls(), X32, y, [50, 120], **kwargs)
    np.testing.assert_array_equal(X32, X32_copy)
    np.testing.assert_array_equal(y, y_copy)
    # float32 points are learned as the float64 values they hold
    ref = cls().fit(X32.astype(np.float64), y)
    _assert_same_model(model, ref)
    np.testing.assert_array_equal(model.predict(X32), ref.predict(X32.astype(np.float64)))
    assert model.means_.dtype == np.float64


def test_list_input():
    X, y = _blobs(n=120)
    clf = IncrementalGMMClassifier().fit(X.tolist(), y.tolist())
    np.testing.assert_array_equal(clf.predict(X.tolist()), IncrementalGMMClassifier().fit(X, y)
                                  .predict(X))


def test_verbose(capsys):
    X, y = _sine(n=200)
    IncrementalGMMRegressor(verbose=1).partial_fit(X, y)
    out = capsys.readouterr().out
    assert out.startswith("[IncrementalGMMRegressor] 200 points, ")
    assert "components" in out


# ---------------------------------------------------------------------- scale
FACTORS = [1e-100, 1e-6, 1.0, 1e6, 1e100]


@pytest.fixture(scope="module")
def sine_reference():
    X, y = _sine(n_targets=2)
    reg = IncrementalGMMRegressor().fit(X, y)
    return X, y, reg, reg.predict(X)


@pytest.mark.parametrize("factor", FACTORS)
def test_regressor_joint_scale_sweep(sine_reference, factor):
    # X and y in the same units, multiplied by factor: the same components, the
    # predictions (and the errors against the truth) multiplied by factor
    X, y, ref, pred = sine_reference
    reg = IncrementalGMMRegressor().fit(X * factor, y * factor)
    assert reg.n_components_ == ref.n_components_
    np.testing.assert_allclose(reg.means_, ref.means_ * factor, rtol=1e-9)
    np.testing.assert_allclose(reg.weights_, ref.weights_, rtol=1e-9)
    scaled = reg.predict(X * factor)
    assert np.all(np.isfinite(scaled))
    np.testing.assert_allclose(scaled / factor, pred, rtol=1e-8, atol=1e-10)
    error = np.linalg.norm(scaled - y * factor) / np.linalg.norm(y * factor)
    assert error == pytest.approx(np.linalg.norm(pred - y) / np.linalg.norm(y), rel=1e-6)


@pytest.mark.parametrize("c, s", list(itertools.product([1e-6, 1e6], repeat=2)))
def test_regressor_separate_scales(sine_reference, c, s):
    # inputs in one unit, targets in another: predictions in the targets' unit
    X, Y, ref, pred = sine_reference
    reg = IncrementalGMMRegressor().fit(X * c, Y * s)
    assert reg.n_components_ == ref.n_components_
    np.testing.assert_allclose(reg.predict(X * c) / s, pred, rtol=1e-6, atol=1e-9)


@pytest.fixture(scope="module")
def blobs_reference():
    X, y = make_blobs(300, n_features=3, centers=3, cluster_std=2.0, random_state=4)
    clf = IncrementalGMMClassifier().fit(X, y)
    return X, y, clf, clf.predict(X), clf.predict_proba(X)


@pytest.mark.parametrize("factor", FACTORS)
def test_classifier_scale_sweep(blobs_reference, factor):
    # only the inputs have units (the one-hot block does not): same classes,
    # same probabilities, whatever the units of X
    X, y, ref, labels, proba = blobs_reference
    clf = IncrementalGMMClassifier().fit(X * factor, y)
    assert clf.n_components_ == ref.n_components_
    np.testing.assert_array_equal(clf.predict(X * factor), labels)
    np.testing.assert_allclose(clf.predict_proba(X * factor), proba, rtol=1e-6, atol=1e-9)


@pytest.mark.parametrize("factor", [1e-130, 1e130])
def test_regressor_far_scales(sine_reference, factor):
    X, Y, ref, pred = sine_reference
    reg = IncrementalGMMRegressor().fit(X * factor, Y * factor)
    assert reg.n_components_ == ref.n_components_
    np.testing.assert_allclose(reg.predict(X * factor) / factor, pred, rtol=1e-6, atol=1e-9)


@pytest.mark.parametrize("cls", ESTIMATORS)
@pytest.mark.parametrize("factor", [1e-300, 1e-200, 1e-145, 1e145, 1e200, 1e300])
def test_beyond_float64_range(cls, factor):
    # normal floats whose squares or precisions would not fit: a clear
    # ValueError naming the input, at the first batch and at a later one
    # (which leaves the model as it was)
    X, y = _data(cls)
    name = "X" if cls is IncrementalGMMClassifier else r"\[X, y\]"
    scaled = y * factor if cls is IncrementalGMMRegressor else y
    with pytest.raises(ValueError, match=f"Feature 0 of {name} has values of magnitude .*Rescale"):
        cls().fit(X * factor, scaled)
    kwargs = {"classes": np.unique(y)} if cls is IncrementalGMMClassifier else {}
    model = cls().partial_fit(X[:100], y[:100], **kwargs)
    means = model.means_.copy()
    with pytest.raises(ValueError, match="Rescale"):
        model.partial_fit(X[100:] * factor, scaled[100:])
    np.testing.assert_array_equal(model.means_, means)
    assert model.n_samples_seen_ == 100
