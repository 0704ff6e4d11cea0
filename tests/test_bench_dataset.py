"""The benchmark data set: realistic enough to measure, and counted exactly as the product counts."""
import pytest
from django.core.management import CommandError, call_command
from django.db import connection

from surveys.models import Ballot, BallotRating, Opinion, RatingMonthly, Response, Survey


@pytest.mark.django_db
def test_sqlite_is_refused_with_a_clear_message():
    if connection.vendor != "sqlite":
        pytest.skip("the refusal is SQLite's")
    with pytest.raises(CommandError, match="needs it: set DATABASE_URL=postgres"):
        call_command("bench_dataset", "--agencies", "3", "--responses", "10")


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_a_small_data_set_has_its_rows_and_rollups_equal_a_group_by(capsys):
    from bench.scale import _rollups_equal_group_by

    call_command("bench_dataset", "--agencies", "30", "--responses", "6000", "--ballots", "8", "--cycle", "t",
                 "--seed", "3")
    survey = Survey.objects.get(slug="t-public")
    responses = Response.objects.filter(survey=survey)
    assert responses.count() == 6000
    assert 0.97 < responses.filter(status="valid").count() / 6000 < 0.995  # a few duplicates and suspicious ones
    assert 0.01 < Opinion.objects.filter(survey=survey).count() / 6000 < 0.08
    assert responses.values("agency").distinct().count() > 15  # only agencies with a service window, most of them
    assert Ballot.objects.filter(survey__slug="t-appraisal").count() == 8
    assert BallotRating.objects.filter(ballot__survey__slug="t-appraisal").count() == 8 * 30
    assert RatingMonthly.objects.filter(survey=survey).exists() and _rollups_equal_group_by(survey)
    with pytest.raises(CommandError, match="already exists"):
        call_command("bench_dataset", "--agencies", "30", "--responses", "10", "--cycle", "t")
