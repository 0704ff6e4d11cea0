"""Each rule of inspections lives in its service, so the page and the API answer alike."""
import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from conduct_eval.errors import ConflictError
from inspections import services
from inspections.models import Finding, Visit
from scoring.models import ScoreEntry

from .conftest import VISITED, jpeg_with_gps, png
from .test_api import VISIT

pytestmark = pytest.mark.django_db


def test_a_visit_with_nothing_to_review_is_refused_by_api_page_and_service(client_for, client, inspector, agency,
                                                                           cycle):
    empty = {**VISIT, "summary": "", "findings": []}
    response = client_for(inspector).post("/api/v1/visits/", empty, format="json")
    assert response.status_code == 400 and "findings" in response.json()["errors"], response.json()
    assert not Visit.objects.exists()
    with pytest.raises(ValidationError) as error:
        services.visit_create(inspector=inspector, agency=agency, visited_at=VISITED, mode="open", submit=True)
    assert "findings" in error.value.message_dict
    client.force_login(inspector)
    page = client.post("/inspect/new/", {"agency": agency.pk, "window": "", "visited_at": "2026-03-02T10:30",
                                         "mode": "covert", "summary": "", "submit": "1", "f-TOTAL_FORMS": "0",
                                         "f-INITIAL_FORMS": "0", "f-MIN_NUM_FORMS": "0", "f-MAX_NUM_FORMS": "20"})
    assert page.status_code == 200 and "提交前请填写概况或至少一个问题" in page.content.decode()
    assert not Visit.objects.filter(status="submitted").exists()
    # A visit that found nothing wrong says so, and may be submitted.
    nothing = client_for(inspector).post("/api/v1/visits/", {**empty, "summary": "窗口秩序良好"}, format="json")
    assert nothing.status_code == 201 and nothing.json()["status"] == "submitted"


def test_no_evidence_is_added_once_the_office_reviewed_the_visit(client_for, api, inspector, visit, cycle):
    url = f"/api/v1/visits/{visit.pk}/evidence/"
    assert client_for(inspector).post(url, {"file": png()}, format="multipart").status_code == 201  # under review
    finding = visit.findings.get()
    assert api.post(f"/api/v1/findings/{finding.pk}/confirm/").status_code == 200
    late = client_for(inspector).post(url, {"file": jpeg_with_gps()}, format="multipart")
    assert late.status_code == 409, late.json()
    with pytest.raises(ConflictError):
        services.evidence_add(visit=visit, upload=png())
    assert visit.evidence.count() == 1


@pytest.fixture
def confirmed(visit, admin, cycle):
    return services.finding_confirm(finding=visit.findings.get(), actor=admin)


def test_the_appeal_needs_a_reason_and_the_agencys_own_liaison_who_is_recorded(confirmed, liaison, other_liaison,
                                                                               admin):
    with pytest.raises(ValidationError) as error:
        services.finding_appeal(finding=confirmed, actor=liaison, reason="  ")
    assert "reason" in error.value.message_dict
    for stranger in (other_liaison, admin):
        with pytest.raises(PermissionDenied):
            services.finding_appeal(finding=confirmed, actor=stranger, reason="不属实")
    services.finding_appeal(finding=confirmed, actor=liaison, reason="当时窗口正常办理")
    finding = Finding.objects.get(pk=confirmed.pk)
    assert (finding.appeal_status, finding.appealed_by, finding.appeal_text) == ("pending", liaison, "当时窗口正常办理")


def test_the_office_adjudicates_appeals_on_their_page(client, confirmed, liaison, admin, leader):
    services.finding_appeal(finding=confirmed, actor=liaison, reason="当时窗口正常办理")
    client.force_login(admin)
    review = client.get("/dashboard/findings/").content.decode()
    assert "/dashboard/findings/appeals/" in review
    queue = client.get("/dashboard/findings/appeals/").content.decode()
    assert "当时窗口正常办理" in queue and f"/dashboard/findings/{confirmed.pk}/adjudicate/" in queue
    assert client.post(f"/dashboard/findings/{confirmed.pk}/adjudicate/", {"verdict": "maybe"}).status_code == 302
    assert Finding.objects.get(pk=confirmed.pk).appeal_status == "pending"
    client.post(f"/dashboard/findings/{confirmed.pk}/adjudicate/", {"verdict": "false", "note": "监控显示正常"})
    finding = Finding.objects.get(pk=confirmed.pk)
    assert (finding.appeal_status, finding.appeal_note) == ("upheld", "监控显示正常")
    assert sum(e.points for e in ScoreEntry.objects.filter(source_key__startswith=f"finding:{finding.pk}")) == 0
    assert "没有待裁定的申诉" in client.get("/dashboard/findings/appeals/").content.decode()
    client.force_login(leader)
    assert client.get("/dashboard/findings/appeals/").status_code == 403
    assert client.post(f"/dashboard/findings/{confirmed.pk}/adjudicate/", {"verdict": "true"}).status_code == 403
