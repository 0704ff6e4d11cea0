import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from inspections.models import Evidence, Visit

from .conftest import jpeg_with_gps, png, png_bomb

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _cycle_2026(cycle):
    """A visit is dated inside an evaluation cycle (VISIT is in 2026)."""

VISIT = {"agency": "gaj", "visited_at": "2026-03-02T10:30:00+08:00", "mode": "covert", "summary": "暗访",
         "findings": [{"category": "attitude", "severity": "major", "description": "脸难看"},
                      {"category": "inefficiency", "severity": "minor", "description": "排队四十分钟"}]}


def test_inspector_posts_a_visit_with_findings(client_for, inspector, agency):
    response = client_for(inspector).post("/api/v1/visits/", VISIT, format="json")
    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["status"] == "submitted" and body["agency"] == "gaj"
    assert [(f["category"], f["status"]) for f in body["findings"]] == [("attitude", "submitted"),
                                                                         ("inefficiency", "submitted")]
    assert all(isinstance(f["id"], int) for f in body["findings"])


def test_visit_list_costs_the_same_queries_for_many_visits(client_for, inspector, agency,
                                                           django_assert_max_num_queries):
    from tests.factories import WindowFactory

    window = WindowFactory(agency=agency, code="w9")
    for _ in range(6):
        client_for(inspector).post("/api/v1/visits/", {**VISIT, "window": "w9"}, format="json")
    with django_assert_max_num_queries(8):
        body = client_for(inspector).get("/api/v1/visits/").json()
    assert body["count"] == 6 and all(v["window"] == window.code for v in body["results"])


def test_draft_then_list_own_visits_only(client_for, inspector, other_inspector, agency):
    mine = client_for(inspector).post("/api/v1/visits/", {**VISIT, "submit": False}, format="json").json()
    client_for(other_inspector).post("/api/v1/visits/", VISIT, format="json")
    assert mine["status"] == "draft"
    listing = client_for(inspector).get("/api/v1/visits/").json()
    assert [v["id"] for v in listing["results"]] == [mine["id"]]


@pytest.mark.parametrize("change, field", [
    ({"mode": "sneaky"}, "mode"), ({"agency": "nope"}, "agency"), ({"window": "w404"}, "window"),
    ({"findings": [{"category": "rude", "severity": "major", "description": "x"}]}, "findings"),
    ({"findings": [{"category": "attitude", "severity": "huge", "description": "x"}]}, "findings"),
    ({"findings": [{"category": "attitude", "severity": "minor", "description": ""}]}, "findings"),
    ({"visited_at": "yesterday"}, "visited_at"), ({"visited_at": "2099-01-01T00:00:00+08:00"}, "visited_at"),
])
def test_bad_visit_is_400_naming_the_field(client_for, inspector, agency, change, field):
    response = client_for(inspector).post("/api/v1/visits/", {**VISIT, **change}, format="json")
    assert response.status_code == 400, response.json()
    assert field in response.json()["errors"]
    assert not Visit.objects.exists()


def test_other_inspectors_visit_is_404_for_reading_and_evidence(client_for, inspector, other_inspector, visit):
    other = client_for(other_inspector)
    assert other.get(f"/api/v1/visits/{visit.pk}/").status_code == 404
    response = other.post(f"/api/v1/visits/{visit.pk}/evidence/", {"file": png()}, format="multipart")
    assert response.status_code == 404
    assert not Evidence.objects.exists()


@pytest.mark.parametrize("role_fixture", ["liaison", "leader", "assessor"])
def test_other_roles_cannot_log_visits(request, client_for, agency, role_fixture):
    user = request.getfixturevalue(role_fixture)
    assert client_for(user).post("/api/v1/visits/", VISIT, format="json").status_code == 403


def test_anonymous_gets_401_or_403(client_for, visit):
    anonymous = client_for()
    assert anonymous.get("/api/v1/visits/").status_code in (401, 403)
    assert anonymous.post(f"/api/v1/visits/{visit.pk}/evidence/", {}).status_code in (401, 403)
    assert anonymous.get("/api/v1/findings/").status_code in (401, 403)


def upload(client, visit, file):
    return client.post(f"/api/v1/visits/{visit.pk}/evidence/", {"file": file}, format="multipart")


def test_photo_keeps_hash_time_and_gps_but_is_served_without_exif(client, client_for, inspector, visit):
    response = upload(client_for(inspector), visit, jpeg_with_gps())
    assert response.status_code == 201, response.json()
    body = response.json()
    assert len(body["sha256"]) == 64
    assert body["gps_latitude"] == pytest.approx(31.770139) and body["captured_at"].startswith("2026-03-02T10:20:30")
    client.force_login(inspector)
    served = client.get(body["url"])
    assert served.status_code == 200 and served["Content-Type"] == "image/jpeg"
    image = Image.open(__import__("io").BytesIO(b"".join(served.streaming_content)))
    assert not image.getexif() and "exif" not in image.info
    item = Evidence.objects.get()
    assert not item.file.url.startswith("/static/") and "evidence/" in item.file.name


@pytest.mark.parametrize("file, message", [
    (SimpleUploadedFile("big.jpg", b"\xff\xd8" + b"0" * (11 * 1024 * 1024), content_type="image/jpeg"), "10 MB"),
    (SimpleUploadedFile("notes.jpg", b"%PDF-1.4 this is no picture", content_type="image/jpeg"), "JPEG"),
    (png_bomb(), "像素"),
    (SimpleUploadedFile("anim.gif", b"GIF89a\x01\x00\x01\x00\x00\x00\x00;", content_type="image/gif"), "JPEG"),
])
def test_bad_uploads_are_400_naming_file(client_for, inspector, visit, file, message):
    response = upload(client_for(inspector), visit, file)
    assert response.status_code == 400, response.json()
    assert "file" in response.json()["errors"] and message in " ".join(response.json()["errors"]["file"])
    assert not Evidence.objects.exists()


def test_missing_file_is_400(client_for, inspector, visit):
    response = client_for(inspector).post(f"/api/v1/visits/{visit.pk}/evidence/", {}, format="multipart")
    assert response.status_code == 400 and "file" in response.json()["errors"]


def test_png_is_accepted(client_for, inspector, visit):
    assert upload(client_for(inspector), visit, png()).status_code == 201
