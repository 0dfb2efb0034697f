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
