import pytest

from lrsparse import __main__ as tour


def test_every_estimator_has_a_demo():
    from lrsparse.utils import all_estimators

    demos = {d.estimator for d in tour.DEMOS}
    missing = {name for name, _ in all_estimators()} - demos
    assert not missing, f"add a demo to lrsparse/__main__.py for {missing}"
    stale = demos - {name for name, _ in all_estimators()}
    assert not stale, f"demos of no public estimator in lrsparse/__main__.py: {stale}"


def test_every_family_has_a_demo():
    families = {d.family for d in tour.DEMOS}
    assert families == set(tour.FAMILIES), "every demo names one of the nine families"
    assert len(tour.FAMILIES) == 9


def test_tour_runs_and_reports(capsys):
    assert tour.main(["--only", "FastRP"]) == 0
    out = capsys.readouterr().out
    assert "FastRP" in out and "micro-F1" in out and "FAILED" not in out


def test_failing_demo_makes_nonzero_exit(monkeypatch, capsys):
    def broken(random_state):
        raise RuntimeError("boom")

    monkeypatch.setattr(tour, "DEMOS", [tour.Demo("Broken", "always fails", broken)])
    assert tour.main([]) == 1
    assert "FAILED" in capsys.readouterr().out


def test_unknown_demo_name():
    with pytest.raises(SystemExit):
        tour.main(["--only", "NoSuchEstimator"])


def test_families_run_in_worker_processes(capsys):
    # two cheap families in two spawned workers: the rows come back in tour order
    assert tour.main(["--only", "OneSidedCompletion", "--only", "SqrtLasso", "--jobs", "2"]) == 0
    out = capsys.readouterr().out
    assert "in 2 worker processes" in out and "FAILED" not in out
    assert "s in 2 worker processes." in out  # the CPU time of each
    table = out[out.index("family "):]
    assert table.index("OneSidedCompletion") < table.index("SqrtLasso")
    assert "one-sided completion" in table and "weighted sparse recovery" in table


def test_worker_reports_a_failing_demo(monkeypatch, capsys):
    def broken(random_state):
        raise RuntimeError("boom")

    monkeypatch.setattr(tour, "DEMOS", [tour.Demo("Broken", "always fails", broken, "sparse")])
    [(row, failed)], pid, cpu = tour._run_group(["Broken"], 0)
    assert failed and row.value == "FAILED" and row.family == "weighted sparse recovery"


def test_bad_jobs():
    with pytest.raises(SystemExit):
        tour.main(["--jobs", "0"])
