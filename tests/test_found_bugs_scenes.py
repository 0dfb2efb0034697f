"""Bugs found by the helper "scenes" in files it does not own (each test fails until fixed)."""

from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[1]


def test_benchmark_samson_path_is_beside_the_project():
    # benchmarks/unmixing.py: SAMSON_CANDIDATES[1] uses parent.parent (the repo root) where
    # URBAN_CANDIDATES uses parent.parent.parent, so it looks for <repo>/shared/... and only
    # the hard-coded /work/shared fallback finds the file.  Fix: one more .parent, or
    # better lrsparse.datasets.load_samson / load_urban_semireal (data_home, LRSPARSE_DATA).
    from benchmarks import unmixing

    expected = REPO_ROOT.parent / "shared" / "data" / "hyperspectral" / "samson.mat"
    assert Path(unmixing.SAMSON_CANDIDATES[1]) == expected
