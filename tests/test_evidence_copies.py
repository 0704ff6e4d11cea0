"""Evidence photos are decoded once, at upload, into a copy without EXIF and a thumbnail stored beside the
original; viewing streams those files and never decodes the original (six views of one 79-megapixel photo
used to take a gunicorn worker from 0.5 GB to 4.5 GB)."""
import io
from pathlib import Path

import PIL.Image
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.test import Client
from PIL import ExifTags, Image

from conduct_eval import uploads
from inspections import services as inspections
from inspections.models import Evidence
from rectification import services as rectification
from rectification.models import NoticeEvidence

pytestmark = pytest.mark.django_db


def phone_photo(size=(64, 48), orientation: int | None = None, name="photo.jpg") -> SimpleUploadedFile:
    """A JPEG as a phone writes it: EXIF with the maker, GPS position, capture time (and an orientation)."""
    image = Image.new("RGB", size, "red")
    image.paste((0, 0, 255), (0, 0, size[0] // 2, size[1] // 4))  # a corner to tell the rotation by
    exif = Image.Exif()
    exif[ExifTags.Base.Make] = "Phone"
    exif[ExifTags.Base.BodySerialNumber] = "SN-123456"
    exif[ExifTags.IFD.GPSInfo] = {1: "N", 2: (31.0, 46.0, 12.5), 3: "E", 4: (119.0, 57.0, 30.0)}
    if orientation:
        exif[ExifTags.Base.Orientation] = orientation
    out = io.BytesIO()
    image.save(out, "JPEG", exif=exif, quality=90)
    return SimpleUploadedFile(name, out.getvalue(), content_type="image/jpeg")


def body_of(response) -> bytes:
    return b"".join(response.streaming_content)


def assert_no_metadata(data: bytes) -> Image.Image:
    image = Image.open(io.BytesIO(data))
    assert not image.getexif(), dict(image.getexif())
    assert "exif" not in image.info and "xmp" not in image.info and "icc_profile" not in image.info
    assert b"Exif" not in data[:4096] and b"SN-123456" not in data and b"Phone" not in data
    return image


@pytest.fixture(autouse=True)
def _media(tmp_path, settings):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def never_decode(monkeypatch):
    """During the view, opening any image fails: serving must not decode anything."""
    def refuse(*args, **kwargs):
        raise AssertionError("a view decoded an image")

    def install():
        monkeypatch.setattr(PIL.Image, "open", refuse)

    return install


@pytest.fixture
def visit(inspector, agency):
    import datetime

    from django.utils import timezone
    return inspections.visit_create(inspector=inspector, agency=agency, mode="covert", summary="暗访",
                                    visited_at=timezone.make_aware(datetime.datetime(2026, 3, 2, 10, 30)),
                                    findings=[{"category": "attitude", "severity": "minor", "description": "态度差"}])


@pytest.fixture
def inspector_client(inspector):
    client = Client()
    client.force_login(inspector)
    return client


def test_upload_stores_the_clean_copy_and_thumbnail_beside_the_original(visit):
    item = inspections.evidence_add(visit=visit, upload=phone_photo(size=(3000, 2000)))
    original, clean, thumb = (Path(f.path) for f in (item.file, item.clean_copy, item.thumbnail))
    assert clean.parent == thumb.parent == original.parent
    assert clean.name == f"{item.token}.clean.jpg" and thumb.name == f"{item.token}.thumb.jpg"
    assert max(Image.open(clean).size) == uploads.CLEAN_MAX_SIDE
    assert max(Image.open(thumb).size) == uploads.THUMB_MAX_SIDE
    assert item.gps_latitude is not None  # the facts are still read from the original's EXIF


def test_viewing_an_inspection_photo_streams_the_copies_without_decoding_or_exif(visit, inspector_client,
                                                                                 never_decode):
    item = inspections.evidence_add(visit=visit, upload=phone_photo())
    never_decode()
    full = inspector_client.get(f"/inspect/evidence/{item.pk}/")
    thumb = inspector_client.get(f"/inspect/evidence/{item.pk}/?size=thumb")
    assert full.status_code == thumb.status_code == 200
    assert full["Content-Type"] == thumb["Content-Type"] == "image/jpeg"
    assert full["Cache-Control"] == "private, max-age=3600"
    assert body_of(full) == item.clean_copy.open("rb").read()  # the stored copies, byte for byte
    assert body_of(thumb) == item.thumbnail.open("rb").read()


def test_the_served_copies_carry_no_exif(visit, inspector_client):
    item = inspections.evidence_add(visit=visit, upload=phone_photo())
    assert Image.open(item.file.path).getexif()[ExifTags.Base.Make] == "Phone"  # the original keeps it
    for url in (f"/inspect/evidence/{item.pk}/", f"/inspect/evidence/{item.pk}/?size=thumb"):
        assert_no_metadata(body_of(inspector_client.get(url)))


def test_the_copy_is_turned_upright_once_the_orientation_tag_is_gone(visit, inspector_client):
    item = inspections.evidence_add(visit=visit, upload=phone_photo(size=(64, 48), orientation=6))
    image = assert_no_metadata(body_of(inspector_client.get(f"/inspect/evidence/{item.pk}/")))
    assert image.size == (48, 64)


def test_a_transparent_png_keeps_its_alpha_in_the_copy(visit, inspector_client):
    out = io.BytesIO()
    Image.new("RGBA", (40, 30), (0, 128, 0, 100)).save(out, "PNG")
    item = inspections.evidence_add(visit=visit, upload=SimpleUploadedFile("a.png", out.getvalue()))
    served = inspector_client.get(f"/inspect/evidence/{item.pk}/")
    assert served["Content-Type"] == "image/png"
    assert assert_no_metadata(body_of(served)).mode == "RGBA"
    assert inspector_client.get(f"/inspect/evidence/{item.pk}/?size=thumb")["Content-Type"] == "image/jpeg"


def test_the_review_queue_shows_thumbnails(visit, admin):
    item = inspections.evidence_add(visit=visit, upload=phone_photo())
    inspections.visit_submit(visit=visit)
    client = Client()
    client.force_login(admin)
    page = client.get("/dashboard/findings/").content.decode()
    assert f'src="/inspect/evidence/{item.pk}/?size=thumb"' in page


def test_a_photo_stored_before_the_copies_gets_them_once(visit, inspector_client, monkeypatch):
    item = inspections.evidence_add(visit=visit, upload=phone_photo())
    Evidence.objects.filter(pk=item.pk).update(clean_copy="", thumbnail="")
    opened = []
    real_open = PIL.Image.open
    monkeypatch.setattr(PIL.Image, "open", lambda *a, **k: opened.append(1) or real_open(*a, **k))
    for _ in range(3):
        assert_no_metadata(body_of(inspector_client.get(f"/inspect/evidence/{item.pk}/")))
    assert len(opened) == 1 + 3  # decoded once to make the copies; the other 3 opens are this test's checks
    item.refresh_from_db()
    assert item.clean_copy and item.thumbnail


def test_make_photo_copies_fills_older_rows_of_both_kinds(visit, notice, liaison):
    item = inspections.evidence_add(visit=visit, upload=phone_photo())
    rectification.notice_respond(notice=notice, actor=liaison, measures="调整排班", files=[phone_photo()])
    Evidence.objects.update(clean_copy="", thumbnail="")
    NoticeEvidence.objects.update(clean_copy="", thumbnail="")
    out = io.StringIO()
    call_command("make_photo_copies", stdout=out)
    assert "2 " in out.getvalue()
    item.refresh_from_db()
    proof = NoticeEvidence.objects.get()
    assert item.clean_copy and item.thumbnail and proof.clean_copy and proof.thumbnail
    call_command("make_photo_copies", stdout=(again := io.StringIO()))
    assert "0 " in again.getvalue()


# --- rectification evidence ---------------------------------------------------------------------

@pytest.fixture
def notice(agency, cycle, admin):
    return rectification.notice_issue(agency=agency, cycle=cycle, source="manual", text="窗口服务态度差，限期整改",
                                      actor=admin, source_key="manual:copies")


def test_rectification_photos_are_served_as_the_copy_without_decoding_or_exif(notice, liaison, never_decode):
    pdf = SimpleUploadedFile("plan.pdf", b"%PDF-1.4\n% a plan\n%%EOF", content_type="application/pdf")
    rectification.notice_respond(notice=notice, actor=liaison, measures="调整排班", files=[phone_photo(), pdf])
    photo, document = NoticeEvidence.objects.order_by("id")
    assert photo.clean_copy and photo.thumbnail and not document.clean_copy
    client = Client()
    client.force_login(liaison)
    never_decode()
    full = client.get(f"/agency/notices/{notice.pk}/evidence/{photo.pk}/")
    thumb = client.get(f"/agency/notices/{notice.pk}/evidence/{photo.pk}/?size=thumb")
    as_is = client.get(f"/agency/notices/{notice.pk}/evidence/{document.pk}/")
    assert full.status_code == thumb.status_code == as_is.status_code == 200
    assert full["Content-Type"] == "image/jpeg" and 'filename="photo.jpg"' in full["Content-Disposition"]
    assert as_is["Content-Type"] == "application/pdf" and "attachment" in as_is["Content-Disposition"]
    full_bytes, thumb_bytes = body_of(full), body_of(thumb)
    assert body_of(as_is).startswith(b"%PDF-1.4")
    assert full_bytes == photo.clean_copy.open("rb").read() and thumb_bytes == photo.thumbnail.open("rb").read()
    assert b"SN-123456" in photo.file.open("rb").read()  # the original is kept as uploaded
    assert b"SN-123456" not in full_bytes and b"SN-123456" not in thumb_bytes


def test_rectification_copies_carry_no_exif(notice, liaison):
    rectification.notice_respond(notice=notice, actor=liaison, measures="调整排班", files=[phone_photo()])
    photo = NoticeEvidence.objects.get()
    client = Client()
    client.force_login(liaison)
    for suffix in ("", "?size=thumb"):
        assert_no_metadata(body_of(client.get(f"/agency/notices/{notice.pk}/evidence/{photo.pk}/{suffix}")))
