import pytest

from inspections.models import Evidence, Visit
from tests.factories import WindowFactory

from .conftest import jpeg_with_gps

pytestmark = pytest.mark.django_db


def form_data(agency, **extra):
    return {"agency": agency.pk, "window": "", "visited_at": "2026-03-02T10:30", "mode": "covert", "summary": "暗访",
            "f-TOTAL_FORMS": "2", "f-INITIAL_FORMS": "0", "f-MIN_NUM_FORMS": "0", "f-MAX_NUM_FORMS": "20",
            "f-0-category": "attitude", "f-0-severity": "major", "f-0-description": "脸难看",
            "f-1-category": "inefficiency", "f-1-severity": "minor", "f-1-description": "排队久", **extra}


def test_inspector_saves_a_draft_with_a_photo_then_submits(client, inspector, agency):
    client.force_login(inspector)
    page = client.get("/inspect/new/").content.decode()
    assert 'capture="environment"' in page and "保存草稿" in page and agency.name in page
    response = client.post("/inspect/new/", {**form_data(agency), "save": "1", "photos": [jpeg_with_gps()]})
    visit = Visit.objects.get()
    assert response.status_code == 302 and visit.status == "draft"
    assert visit.findings.count() == 2 and Evidence.objects.filter(visit=visit).count() == 1
    edited = form_data(agency, **{"f-1-DELETE": "on", "submit": "1"})
    client.post(f"/inspect/{visit.pk}/", edited)
    visit.refresh_from_db()
    assert visit.status == "submitted" and list(visit.findings.values_list("category", flat=True)) == ["attitude"]
    assert "已提交" in client.get("/inspect/").content.decode()


def test_invalid_form_keeps_what_was_typed(client, inspector, agency):
    client.force_login(inspector)
    response = client.post("/inspect/new/", form_data(agency, **{"f-0-description": "", "summary": "留着我"}))
    assert response.status_code == 200 and not Visit.objects.exists()
    page = response.content.decode()
    assert "留着我" in page and "is-invalid" in page


def test_window_picker_follows_the_agency(client, inspector, agency):
    WindowFactory(agency=agency, name="户政窗口")
    client.force_login(inspector)
    assert "户政窗口" in client.get(f"/inspect/windows/?agency={agency.pk}").content.decode()
    assert "户政窗口" not in client.get("/inspect/windows/?agency=x").content.decode()


def test_another_inspectors_visit_and_photo_are_404(client, inspector, other_inspector, visit):
    from inspections import services

    item = services.evidence_add(visit=visit, upload=jpeg_with_gps())
    client.force_login(other_inspector)
    assert client.get(f"/inspect/{visit.pk}/").status_code == 404
    assert client.get(f"/inspect/evidence/{item.pk}/").status_code == 404
    client.force_login(inspector)
    assert client.get(f"/inspect/evidence/{item.pk}/").status_code == 200


@pytest.mark.parametrize("path", ["/inspect/", "/inspect/new/", "/dashboard/findings/", "/agency/findings/"])
def test_pages_need_the_right_role(client, leader, path):
    assert client.get(path).status_code == 302  # anonymous → login
    client.force_login(leader)
    assert client.get(path).status_code == 403


def test_a_draft_shows_its_visit_time_in_asia_shanghai_whatever_the_process_zone(client, inspector, agency,
                                                                                 monkeypatch):
    import time

    client.force_login(inspector)
    client.post("/inspect/new/", {**form_data(agency), "save": "1"})  # visited 2026-03-02 10:30 Beijing time
    visit = Visit.objects.get()
    monkeypatch.setenv("TZ", "UTC")  # a worker started with another zone (Django sets TZ only at start-up)
    time.tzset()
    try:
        page = client.get(f"/inspect/{visit.pk}/").content.decode()
    finally:
        monkeypatch.undo()
        time.tzset()
    assert 'value="2026-03-02T10:30"' in page
