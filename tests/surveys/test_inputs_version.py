"""Public responses and appraisal ballots raise their cycle's input version in their own transaction: one
bump per counted response, per ballot, per import (however many rows), none for a duplicate or a rollback."""
import io

import pytest
from django.core.management import call_command

from surveys import services
from surveys.models import Response
from tests.inputs_version import rises, rolled_back, version

from .conftest import aware
from .test_import import row, write_csv

pytestmark = pytest.mark.django_db
AT = aware(2026, 3, 5, 10)


def test_a_counted_response_raises_the_version_a_duplicate_does_not(survey, agency, cycle):
    with rises(cycle, by=1):
        services.response_submit(survey=survey, agency=agency, ratings={"fees": 5}, fingerprint="dev", at=AT)
    before = version(cycle)
    outcome = services.response_submit(survey=survey, agency=agency, ratings={"fees": 1}, fingerprint="dev", at=AT)
    assert outcome.status == "duplicate" and version(cycle) == before
    with rolled_back(cycle):
        services.response_submit(survey=survey, agency=agency, ratings={"fees": 4}, fingerprint="other", at=AT)


def test_reclassifying_a_counted_response_raises_the_version(survey, agency, cycle):
    services.response_submit(survey=survey, agency=agency, ratings={"fees": 5}, fingerprint="dev", at=AT)
    response = Response.objects.get()
    with rises(cycle, by=1):
        services.response_set_status(response=response, status="suspicious")
    with rolled_back(cycle):
        services.response_set_status(response=response, status="valid")


def test_a_ballot_raises_the_version(appraisal, agency, other_agency, cycle):
    tokens = services.invitations_issue(survey=appraisal, category="enterprise", count=2)
    at = aware(2026, 11, 20, 10)
    with rises(cycle, by=1):
        services.ballot_submit(token=tokens[0], ratings={agency.pk: 5, other_agency.pk: 3}, at=at)
    with rolled_back(cycle):
        services.ballot_submit(token=tokens[1], ratings={agency.pk: 2}, at=at)


def test_an_import_raises_the_version_once_whatever_its_rows(tmp_path, survey, agency, other_agency, cycle):
    path = write_csv(tmp_path / "paper.csv", [row(at=f"2026-0{2 + i % 3}-1{i % 9} 10:00") for i in range(40)])
    with rises(cycle, by=1):
        call_command("import_responses", "--survey", survey.slug, path, stdout=io.StringIO())
    assert Response.objects.count() == 40
    bad = write_csv(tmp_path / "bad.csv", [row(), row(agency="nobody")])
    before = version(cycle)
    with pytest.raises(Exception):  # noqa: B017 — a rejected file, all or nothing
        call_command("import_responses", "--survey", survey.slug, bad, stdout=io.StringIO(), stderr=io.StringIO())
    assert version(cycle) == before and Response.objects.count() == 40
