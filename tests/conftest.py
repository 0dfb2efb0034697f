"""Fixtures of the test suite (the session-wide ones, numba warm-up and one BLAS
thread, are in the root ``conftest.py`` so that the doctests get them too)."""

import numpy as np
import pytest


@pytest.fixture
def rng():
    return np.random.default_rng(0)
