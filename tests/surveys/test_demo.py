import io

import pytest
import time_machine

from demo import ratings as demo
from surveys import selectors
from surveys.models import Ballot, Invitation, Opinion, RatingMonthly, Response
from tests.factories import AgencyFactory, WindowFactory

from .conftest import aware
from .test_services import brute_force

pytestmark = pytest.mark.django_db


@time_machine.travel(aware(2026, 11, 26, 15), tick=False)
def test_demo_is_plausible_consistent_and_idempotent(cycle, group, monkeypatch):
    monkeypatch.setattr(demo, "VOLUME", 0.2)
    for code in ["zwb", "cgj", "gaj"]:
        WindowFactory(agency=AgencyFactory(code=code, group=group), code="w01")
    AgencyFactory(code="fgw", group=group, has_service_window=False)
    out = io.StringIO()
    demo.demo_load(cycle=cycle, stdout=out)
    counts = (Response.objects.count(), Opinion.objects.count(), Invitation.objects.count(), Ballot.objects.count())
    assert counts[0] > 500 and counts[2] == 200 and counts[3] > 0
    assert "/ballot/" in out.getvalue()

    demo.demo_load(cycle=cycle, stdout=io.StringIO())
    assert (Response.objects.count(), Opinion.objects.count(), Invitation.objects.count(),
            Ballot.objects.count()) == counts

    until = aware(2026, 11, 26)
    fast = selectors.public_level_counts(cycle=cycle, until=until)
    assert {a: (c.n, c.counts) for a, c in fast.items()} == brute_force(cycle, until)
    assert RatingMonthly.objects.count() == 3 * 11
    assert not Response.objects.filter(submitted_at__gte=aware(2026, 11, 26)).exists()  # nothing from the future

    def mean(code):
        c = next(c for a, c in fast.items() if Response.objects.filter(agency_id=a, agency__code=code).exists())
        levels = [(level, n) for per in c.counts.values() for level, n in per.items()]
        return sum(level * n for level, n in levels) / sum(n for _, n in levels)

    assert mean("zwb") > mean("gaj") > mean("cgj")  # the model window beats the average, the poor one trails
    weekdays = [r.submitted_at.weekday() for r in Response.objects.only("submitted_at")]
    assert weekdays.count(0) > 3 * weekdays.count(6)  # Mondays are busy, Sundays quiet


@time_machine.travel(aware(2027, 2, 20, 15), tick=False)
def test_the_demo_loads_in_a_year_chinesecalendar_does_not_know(group, monkeypatch):
    """chinesecalendar 1.11.0 stops at 2026: the demo asks the office's holiday calendar, Monday–Friday without it."""
    import datetime

    from rectification.models import CalendarDay
    from tests.factories import CycleFactory

    monkeypatch.setattr(demo, "VOLUME", 0.2)
    cycle = CycleFactory(code="2027", starts_on=datetime.date(2027, 1, 1), ends_on=datetime.date(2027, 12, 31))
    CalendarDay.objects.create(day=datetime.date(2027, 2, 8), kind="holiday", name="春节")
    WindowFactory(agency=AgencyFactory(code="gaj", group=group), code="w01")
    demo.demo_load(cycle=cycle, stdout=io.StringIO())
    assert Response.objects.filter(survey__cycle=cycle).exists()
