"""Where one state change must carry others with it (issue #10): an appeal judged 不属实 withdraws its notice,
lateness is decided by the first verification against the deadline that applied, a reopened re-check has its
own deadline, withdrawn notices count nowhere, and one failing notice does not stop the overdue sweep."""
import datetime

import pytest
import time_machine

from inspections import services as inspections
from rectification import services
from rectification.models import NoticeEvent, RectificationNotice
from scoring.models import ScoreEntry
from scoring.selectors import scoring_inputs

from .conftest import aware, png_file

pytestmark = pytest.mark.django_db

# Issued Monday 2026-03-02 09:00: fifteen working days later the deadline is Monday 2026-03-23.
ISSUED = aware(2026, 3, 2, 9)
DEADLINE = datetime.date(2026, 3, 23)


def overdue_entries(notice):
    return ScoreEntry.objects.filter(source_key=f"notice:{notice.pk}:overdue")


def live_deductions(agency):
    return sum((e.points for e in ScoreEntry.objects.filter(agency=agency, kind="deduction")), start=0)


def sweep(*days):
    for day in days:
        with time_machine.travel(aware(*day), tick=False):
            services.notices_mark_overdue()


@pytest.fixture
def issued(agency, cycle, mailable):
    with time_machine.travel(ISSUED, tick=False):
        notice = services.notice_issue(agency=agency, cycle=cycle, source="manual", text="窗口脱岗", source_key="m:1")
    assert notice.deadline == DEADLINE
    return notice


def respond_and_verify(notice, liaison, admin, at):
    with time_machine.travel(at, tick=False):
        services.notice_respond(notice=notice, actor=liaison, measures="已整改", files=[png_file()])
        return services.notice_verify(notice=notice, actor=admin, accepted=True)


# --- an appeal judged 不属实 ------------------------------------------------------------------

@pytest.fixture
def confirmed(inspector, agency, cycle, admin, mailable):
    with time_machine.travel(ISSUED, tick=False):
        visit = inspections.visit_create(inspector=inspector, agency=agency, visited_at=aware(2026, 3, 1, 10),
                                         mode="covert", submit=True, findings=[
                                             {"category": "attitude", "severity": "major", "description": "脸难看"}])
        finding = visit.findings.get()
        inspections.finding_confirm(finding=finding, actor=admin)
    return finding


def test_an_appeal_judged_untrue_withdraws_the_notice_and_no_sweep_books_it(api, client_for, confirmed, agency, cycle,
                                                                           liaison):
    notice = RectificationNotice.objects.get(source_key=f"finding:{confirmed.pk}")
    client_for(liaison).post(f"/api/v1/findings/{confirmed.pk}/appeal/", {"reason": "当天系统故障"})
    response = api.post(f"/api/v1/findings/{confirmed.pk}/adjudicate/", {"verdict": "false", "note": "核实系统故障"})
    assert response.status_code == 200
    body = api.get(f"/api/v1/rectifications/{notice.pk}/").json()
    assert (body["status"], body["overdue"]) == ("withdrawn", False)
    event = NoticeEvent.objects.get(notice=notice, action="withdrawn")
    assert "申诉裁定问题不属实" in event.note and "核实系统故障" in event.note
    sweep((2026, 4, 1, 9), (2026, 6, 1, 9))
    assert not overdue_entries(notice).exists()
    [inputs] = [i for i in scoring_inputs(cycle=cycle, until=aware(2027, 1, 1)) if i.code == agency.code]
    assert (inputs.inspection_deduction, inputs.deduction) == (0, 0)  # inspection component back at 100
    stats = api.get(f"/api/v1/cycles/{cycle.code}/rectification-stats/").json()
    assert (stats["issued"], stats["due"], stats["overdue"]) == (0, 0, 0)


def test_an_appeal_upheld_after_the_notice_turned_overdue_reverses_that_deduction(client_for, api, confirmed, agency,
                                                                                 liaison):
    notice = RectificationNotice.objects.get(source_key=f"finding:{confirmed.pk}")
    sweep((2026, 4, 1, 9))
    assert overdue_entries(notice).count() == 1 and live_deductions(agency) == 0.5
    client_for(liaison).post(f"/api/v1/findings/{confirmed.pk}/appeal/", {"reason": "当天系统故障"})
    with time_machine.travel(aware(2026, 4, 2, 9), tick=False):
        api.post(f"/api/v1/findings/{confirmed.pk}/adjudicate/", {"verdict": "false", "note": "系统故障"})
    notice.refresh_from_db()
    assert (notice.status, notice.overdue) == ("withdrawn", False)
    assert live_deductions(agency) == 0  # booked, then reversed
    assert "逾期扣分已冲销" in notice.events.get(action="withdrawn").note
    sweep((2026, 4, 3, 9))
    assert overdue_entries(notice).count() == 1  # never booked again


def test_an_appeal_judged_true_keeps_the_notice(client_for, api, confirmed, liaison):
    client_for(liaison).post(f"/api/v1/findings/{confirmed.pk}/appeal/", {"reason": "不服"})
    api.post(f"/api/v1/findings/{confirmed.pk}/adjudicate/", {"verdict": "true"})
    assert RectificationNotice.objects.get(source_key=f"finding:{confirmed.pk}").status == "issued"


def test_a_withdrawn_notice_is_never_due_never_overdue_and_counts_in_no_rate(api, issued, cycle, admin):
    services.notice_withdraw(notice=issued, reason="来源已撤销", actor=admin)
    sweep((2026, 5, 1, 9))
    issued.refresh_from_db()
    assert (issued.status, issued.overdue, issued.get_status_display()) == ("withdrawn", False, "已撤销")
    assert not overdue_entries(issued).exists()
    with time_machine.travel(aware(2026, 5, 1, 9), tick=False):
        stats = api.get(f"/api/v1/cycles/{cycle.code}/rectification-stats/").json()
    assert stats == {"issued": 0, "due": 0, "verified": 0, "on_time": 0, "overdue": 0, "rate": None,
                     "on_time_rate": None}
    services.notice_withdraw(notice=issued, reason="again", actor=admin)
    assert issued.events.filter(action="withdrawn").count() == 1


# --- late is decided by the first verification ------------------------------------------------

def test_a_notice_verified_late_books_its_deduction_when_verified_once(issued, agency, liaison, admin):
    respond_and_verify(issued, liaison, admin, aware(2026, 3, 25, 10))  # two days late, no sweep in between
    issued.refresh_from_db()
    assert issued.overdue is True and issued.first_verified_at == aware(2026, 3, 25, 10)
    assert overdue_entries(issued).count() == 1
    sweep((2026, 3, 25, 11), (2026, 3, 26, 9))
    assert overdue_entries(issued).count() == 1 and live_deductions(agency) == 0.5


def test_a_notice_verified_late_is_booked_by_the_next_sweep_if_verification_could_not(issued, agency, liaison,
                                                                                      admin, monkeypatch):
    from rectification.services import notices

    real = notices._book_overdue_deduction
    monkeypatch.setattr(notices, "_book_overdue_deduction", lambda notice: 1 / 0)
    respond_and_verify(issued, liaison, admin, aware(2026, 3, 25, 10))
    issued.refresh_from_db()
    assert issued.status == "verified" and issued.overdue is False  # the verification stands
    monkeypatch.setattr(notices, "_book_overdue_deduction", real)
    sweep((2026, 3, 25, 11))
    issued.refresh_from_db()
    assert issued.overdue is True and overdue_entries(issued).count() == 1


def test_verified_in_time_stays_on_time_when_a_citizen_reopens_it_after_the_deadline(
        make_opinion, agency, cycle, liaison, admin, api, mailable):
    opinion = make_opinion(at=aware(2026, 3, 1, 9))
    with time_machine.travel(ISSUED, tick=False):
        notice = services.notice_issue(agency=agency, cycle=cycle, source="opinion", text="排队太久",
                                       source_key=f"opinion:{opinion.pk}", opinion=opinion)
    respond_and_verify(notice, liaison, admin, aware(2026, 3, 20, 10))  # in time
    # Monday 2026-03-30, a week after the deadline: not fixed. Re-check: fifteen working days → 2026-04-21
    # (Qingming, 04-04 … 04-06, is a holiday).
    services.notice_citizen_feedback(notice=notice, answer="not_fixed", at=aware(2026, 3, 30, 9))
    notice.refresh_from_db()
    assert (notice.status, notice.recheck_deadline) == ("responded", datetime.date(2026, 4, 21))
    sweep((2026, 3, 30, 10), (2026, 4, 21, 23))
    notice.refresh_from_db()
    assert notice.overdue is False and not overdue_entries(notice).exists()
    with time_machine.travel(aware(2026, 4, 10), tick=False):
        stats = api.get(f"/api/v1/cycles/{cycle.code}/rectification-stats/").json()
    assert (stats["due"], stats["overdue"]) == (0, 0)  # waiting for its re-check, not late
    # Missing the re-check deadline is what counts as late: once.
    sweep((2026, 4, 22, 0, 5), (2026, 4, 23, 9))
    notice.refresh_from_db()
    assert notice.overdue is True and overdue_entries(notice).count() == 1
    assert "重新核查期限 2026-04-21" in notice.events.get(action="overdue").note


def test_a_reopened_notice_reverified_after_its_recheck_deadline_is_late(make_opinion, agency, cycle, liaison, admin):
    opinion = make_opinion(at=aware(2026, 3, 1, 9))
    with time_machine.travel(ISSUED, tick=False):
        notice = services.notice_issue(agency=agency, cycle=cycle, source="opinion", text="排队太久",
                                       source_key=f"opinion:{opinion.pk}", opinion=opinion)
    respond_and_verify(notice, liaison, admin, aware(2026, 3, 20, 10))
    services.notice_citizen_feedback(notice=notice, answer="not_fixed", at=aware(2026, 3, 30, 9))
    with time_machine.travel(aware(2026, 4, 24, 9), tick=False):
        services.notice_verify(notice=notice, actor=admin, accepted=True)
    notice.refresh_from_db()
    assert notice.overdue is True and overdue_entries(notice).count() == 1
    assert notice.first_verified_at == aware(2026, 3, 20, 10)  # the first verification is kept


# --- one failing notice does not stop the sweep ---------------------------------------------------

def test_the_sweep_goes_on_past_a_failing_notice_and_retries_it(agency, other_agency, cycle, mailable, monkeypatch,
                                                               caplog):
    from rectification.services import notices

    with time_machine.travel(ISSUED, tick=False):
        broken, fine = (services.notice_issue(agency=a, cycle=cycle, source="manual", text="问题", source_key=k)
                        for a, k in ((agency, "m:a"), (other_agency, "m:b")))
    real = notices._book_overdue_deduction

    def flaky(notice):
        if notice.pk == broken.pk:
            raise RuntimeError("ledger refused")
        return real(notice)

    monkeypatch.setattr(notices, "_book_overdue_deduction", flaky)
    with time_machine.travel(aware(2026, 3, 24, 9), tick=False):
        assert services.notices_mark_overdue() == 1
    assert f"notice {broken.pk} failed" in caplog.text
    assert overdue_entries(fine).count() == 1 and not overdue_entries(broken).exists()
    assert RectificationNotice.objects.get(pk=broken.pk).overdue is False  # rolled back: tried again later
    monkeypatch.setattr(notices, "_book_overdue_deduction", real)
    with time_machine.travel(aware(2026, 3, 24, 10), tick=False):
        assert services.notices_mark_overdue() == 1
    assert overdue_entries(broken).count() == 1 and overdue_entries(fine).count() == 1


def test_a_cycle_whose_stored_scheme_the_ledger_refuses_does_not_stop_the_sweep_for_the_others(
        agency, other_agency, cycle, mailable):
    from agencies.models import Cycle
    from tests.factories import CycleFactory

    last_year = CycleFactory(code="2025", starts_on="2025-01-01", ends_on="2025-12-31")
    # Written before validation knew the ledger's precision (or behind its back): 0.333 cannot be booked.
    Cycle.objects.filter(pk=last_year.pk).update(scheme={**last_year.scheme, "overdue_deduction": 0.333})
    with time_machine.travel(aware(2025, 11, 3, 9), tick=False):
        stuck = services.notice_issue(agency=agency, cycle=last_year, source="manual", text="旧问题", source_key="o:1")
    with time_machine.travel(ISSUED, tick=False):
        fine = services.notice_issue(agency=other_agency, cycle=cycle, source="manual", text="问题", source_key="o:2")
    sweep((2026, 3, 24, 9))
    assert overdue_entries(fine).count() == 1
    assert RectificationNotice.objects.get(pk=stuck.pk).overdue is False  # left for a later sweep


def test_a_notice_of_a_closed_cycle_books_no_deduction_in_the_next_year(agency, cycle, mailable):
    from agencies.models import Cycle
    from tests.factories import CycleFactory

    with time_machine.travel(aware(2026, 12, 1, 9), tick=False):
        notice = services.notice_issue(agency=agency, cycle=cycle, source="manual", text="问题", source_key="c:1")
    Cycle.objects.filter(pk=cycle.pk).update(status="closed")  # the agency can no longer respond to it (409)
    CycleFactory(code="2027", starts_on="2027-01-01", ends_on="2027-12-31")
    sweep((2027, 2, 1, 9))
    assert RectificationNotice.objects.get(pk=notice.pk).overdue is True
    assert not overdue_entries(notice).exists()
