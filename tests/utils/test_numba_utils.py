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


def test_kernel_modules_and_warm_up_are_found_on_disk():
    from pathlib import Path

    from lrsparse import _kernels
    from lrsparse._kernels import kernel_modules, warm_up_kernels

    on_disk = {p.stem for p in Path(_kernels.__path__[0]).glob("*.py") if p.stem != "__init__"}
    modules = kernel_modules()
    assert {m.__name__.rsplit(".", 1)[-1] for m in modules} == on_disk
    with_warm_up = sorted(m.__name__.rsplit(".", 1)[-1] for m in modules if hasattr(m, "_warm_up"))
    assert warm_up_kernels() == with_warm_up
    if with_warm_up != sorted(on_disk):
        with pytest.raises(AttributeError, match="defines no _warm_up"):
            warm_up_kernels(strict=True)
    else:
        assert warm_up_kernels(strict=True) == with_warm_up
