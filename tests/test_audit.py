"""The audit trail answers "who changed what" for the office's decisions."""
import pytest
from auditlog.models import LogEntry

from inspections import services as inspections
from tests.inspections.conftest import VISITED

pytestmark = pytest.mark.django_db


def test_confirming_a_finding_is_logged_with_the_actor(client, admin, inspector, agency, cycle):
    visit = inspections.visit_create(inspector=inspector, agency=agency, visited_at=VISITED, mode="open",
                                     findings=[{"category": "attitude", "severity": "minor", "description": "冷淡"}],
                                     submit=True)
    finding = visit.findings.get()
    client.force_login(admin)
    client.post(f"/dashboard/findings/{finding.pk}/confirm/", {"reason": "属实"})
    entry = LogEntry.objects.get_for_object(finding).filter(action=LogEntry.Action.UPDATE).latest("timestamp")
    assert entry.actor == admin
    assert entry.changes_dict["status"] == ["submitted", "confirmed"]


def test_agency_changes_are_logged_through_the_api(api, admin, agency):
    api.patch(f"/api/v1/agencies/{agency.code}/", {"leader_in_charge": "李副市长"})
    entry = LogEntry.objects.get_for_object(agency).latest("timestamp")
    assert entry.actor == admin and entry.changes_dict["leader_in_charge"][1] == "李副市长"


def test_token_clients_are_attributed_too(client_for, admin, agency):
    from rest_framework.authtoken.models import Token

    client = client_for()
    client.credentials(HTTP_AUTHORIZATION=f"Token {Token.objects.create(user=admin).key}")
    assert client.patch(f"/api/v1/agencies/{agency.code}/", {"name": "市公安局（更名）"}).status_code == 200
    assert LogEntry.objects.get_for_object(agency).latest("timestamp").actor == admin


def test_opinion_contacts_never_enter_the_audit_trail(admin, cycle, agency):
    from surveys import services
    from surveys.models import Opinion
    from tests.surveys.conftest import aware

    survey = services.survey_create(slug="p", cycle=cycle, kind="public", title="t", opens_at=aware(2026, 1, 1),
                                    closes_at=aware(2027, 1, 1))
    opinion = services.opinion_create(survey=survey, agency=agency, text="太慢", contact="13812341234")
    services.opinion_set_status(opinion=opinion, status="rejected", note="重复")
    logged = " ".join(str(e.changes) for e in LogEntry.objects.get_for_model(Opinion))
    assert "rejected" in logged and "1381234" not in logged and "****" not in logged
