"""Session fixtures for the whole run: the tests in ``tests/`` and the doctests in ``lrsparse/``.

``python -m pytest`` collects both (``testpaths`` in pyproject.toml), so
what every test and every docstring example needs lives here, at the root.
"""

import os

# scikit-learn's array-API common check (NumPy under array-API dispatch) runs
# only when scipy is imported with this set, as in scikit-learn's own CI.
os.environ.setdefault("SCIPY_ARRAY_API", "1")

import pytest  # noqa: E402


@pytest.fixture(scope="session", autouse=True)
def warm_numba_kernels():
    """Compile (or load from the disk cache) every shared kernel once, for both dtypes.

    Calls ``_warm_up()`` of every module in ``lrsparse/_kernels/`` (found with
    pkgutil; ``tests/test_house_rules.py`` checks that each module has one).
    Tests then time and behave the same whatever runs first, and a cold cache
    costs its compile once here instead of inside a random test.
    """
    from lrsparse._kernels import warm_up_kernels

    warm_up_kernels()


@pytest.fixture(scope="session", autouse=True)
def single_blas_thread():
    """One BLAS thread for the whole run.

    The estimators make many small QR / SVD calls; on a machine with more
    runnable processes than cores (CI runners, the 2-core dev box running
    benchmarks) multi-threaded OpenBLAS spins and makes them 10-40x slower.
    """
    from threadpoolctl import threadpool_limits

    with threadpool_limits(1, user_api="blas"):
        yield
