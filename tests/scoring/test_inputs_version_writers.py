"""Every write of scoring's inputs (ledger, assessments, indicators) raises the cycle's input version in its
own transaction; a rolled-back one does not; a write that changes nothing (an idempotent re-booking, an
unchanged cell) leaves it."""
import pytest

from scoring import services
from tests.inputs_version import rises, rolled_back, version

from .factories import IndicatorFactory

pytestmark = pytest.mark.django_db


def test_booking_and_reversing_ledger_entries_raise_the_version(cycle, agency, admin):
    with rises(cycle, by=1):
        entry = services.score_entry_book(cycle=cycle, agency=agency, kind="bonus", points="2", reason="表彰",
                                          source_key="k:1", actor=admin)
    before = version(cycle)
    services.score_entry_book(cycle=cycle, agency=agency, kind="bonus", points="2", reason="表彰", source_key="k:1")
    assert version(cycle) == before  # the same key again books nothing
    with rises(cycle, by=1):
        services.score_entry_reverse(entry=entry, reason="误报", actor=admin)
    with rolled_back(cycle):
        services.score_entry_book(cycle=cycle, agency=agency, kind="veto", points="0", reason="违纪")


def test_assessments_and_indicators_raise_the_version(cycle, agency, indicator):
    with rises(cycle, by=1):
        services.assessment_put(indicator=indicator, agency=agency, points="15")
    before = version(cycle)
    services.assessment_put(indicator=indicator, agency=agency, points="15")
    assert version(cycle) == before  # an unchanged cell adds no revision and changes no input
    with rises(cycle):
        services.indicator_create(cycle=cycle, code="clean", name="廉政建设", max_points="10",
                                  assessor_unit="市纪委监委")
    with rises(cycle):  # the admin changes an indicator's maximum as a plain save
        indicator.max_points = 30
        indicator.save()
    with rolled_back(cycle):
        services.assessment_put(indicator=indicator, agency=agency, points="16")
    with rolled_back(cycle):
        IndicatorFactory(cycle=cycle, code="gone").delete()
