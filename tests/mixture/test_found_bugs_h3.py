"""Bugs found while writing the reference tests of the incremental mixture (helper H3).

These tests fail on the code as committed; each says what is wrong and the fix.
"""

import warnings

import numpy as np

from lrsparse.mixture import IncrementalGaussianMixture


def test_float32_input_raises_no_overflow_warning():
    """``_igmn._check_range`` compares the float32 column maxima with the Python
    float ``1e140``: NumPy casts it to float32 (inf) and emits ``RuntimeWarning:
    overflow encountered in cast`` on every fit/partial_fit of float32 data.
    The check itself still passes, so the fix is only the dtype:
    ``top = np.abs(X).max(axis=0).astype(np.float64)``.
    """
    X = np.random.default_rng(0).normal(size=(100, 2)).astype(np.float32)
    with warnings.catch_warnings():
        warnings.simplefilter("error", RuntimeWarning)
        IncrementalGaussianMixture().fit(X)


def test_a_tiny_first_value_does_not_spoil_the_feature_units():
    """The units of each feature are the power of two nearest to the *first*
    point's ``|x_i|`` (``_Stream.learn``: ``self.scale = _powers_of_two(X[0])``),
    and ``_check_range`` only looks at each feature's largest magnitude.  A first
    value of 1e-200 in a feature whose other values are about 1 (all within the
    accepted range) makes those values about 1e200 in the kernel's units: their
    squares overflow and the model is NaN (165 components, NaN means and
    precisions, NaN score), silently.  Taking the units from the largest
    magnitude seen during the warm-up (the buffer is kept until then), or from
    ``_check_range``'s ``top`` of the first batch, would avoid it.
    """
    rng = np.random.default_rng(0)
    X = rng.normal(size=(300, 2))
    reference = IncrementalGaussianMixture().fit(np.vstack([[0.0, X[0, 1]], X[1:]]))
    X[0, 0] = 1e-200
    est = IncrementalGaussianMixture().fit(X)
    assert np.all(np.isfinite(est.means_)) and np.all(np.isfinite(est.precisions_))
    assert np.isfinite(est.score(X))
    assert est.n_components_ == reference.n_components_
