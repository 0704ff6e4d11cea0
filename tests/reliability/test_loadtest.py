"""The load test's verdict, without services: what makes a run fail."""
from collections import Counter

from bench.loadtest import Result, report, submission


def result(statuses: dict[int, int], answers: dict[str, int]) -> Result:
    done = Result(statuses=Counter(statuses), answers=Counter(answers), seconds=1.0)
    done.latencies = [0.01 * i for i in range(1, 101)]
    return done


def test_a_clean_run_passes_and_prints_its_percentiles(capsys):
    failures = report(result({201: 100}, {"valid": 90, "duplicate": 10}), {}, {"valid": 90, "duplicate": 10}, [],
                      submissions=100, clients=4)
    assert failures == []
    out = capsys.readouterr().out
    assert "100 req/s" in out and "p50 500 ms" in out and "p95 950 ms" in out and "p99 990 ms" in out


def test_a_5xx_a_lost_row_or_a_missing_receipt_fails_the_run():
    failures = report(result({201: 99, 502: 1}, {"valid": 99}), {"valid": 5}, {"valid": 103}, ["R1"],
                      submissions=100, clients=4)
    assert any("5xx" in f for f in failures)
    assert any("99 answered 2xx but 98 rows" in f for f in failures)
    assert any("R1" in f for f in failures)


def test_submissions_rate_known_dimensions_and_every_tenth_carries_an_opinion():
    bodies = [submission(i, ["a", "b"]) for i in range(20)]
    assert {b["agency"] for b in bodies} == {"a", "b"}
    assert sum(1 for b in bodies if b.get("opinion")) == 2
    assert all(set(b["ratings"]) <= {"service_attitude", "lawful_administration", "professional_competence"}
               for b in bodies)
