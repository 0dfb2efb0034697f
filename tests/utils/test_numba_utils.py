import os
import subprocess
import sys

import numba
import pytest

from lrsparse.utils._numba import numba_threads, resolve_n_jobs


def test_resolve_n_jobs():
    assert resolve_n_jobs(None) == 1
    assert resolve_n_jobs(1) == 1
    assert resolve_n_jobs(-1) == min(os.cpu_count(), numba.config.NUMBA_NUM_THREADS)
    assert resolve_n_jobs(10_000) == numba.config.NUMBA_NUM_THREADS


def test_numba_threads_restores_even_on_error():
    before = numba.get_num_threads()
    with numba_threads(1):
        assert numba.get_num_threads() == 1
    assert numba.get_num_threads() == before
    with pytest.raises(RuntimeError):
        with numba_threads(1):
            raise RuntimeError("boom")
    assert numba.get_num_threads() == before


@pytest.mark.parametrize("value, expected", [("0", "False"), ("1", "True"), ("off", "False")])
def test_cache_switch_environment_variable(value, expected):
    env = dict(os.environ, LRSPARSE_NUMBA_CACHE=value)
    out = subprocess.run(
        [sys.executable, "-c", "from lrsparse.utils._numba import CACHE; print(CACHE)"],
        env=env, capture_output=True, text=True, check=True,
    )
    assert out.stdout.strip() == expected


def test_import_lrsparse_does_not_load_numba():
    code = (
        "import sys, lrsparse; import lrsparse.embedding, lrsparse.datasets, lrsparse.metrics;"
        "print('numba' in sys.modules)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"
