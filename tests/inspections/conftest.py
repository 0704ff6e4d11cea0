import datetime
import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from PIL import ExifTags, Image

from inspections import services
from tests.uploads import png_bomb  # noqa: F401 — re-exported for the inspection tests

VISITED = timezone.make_aware(datetime.datetime(2026, 3, 2, 10, 30))


def jpeg_with_gps(name="photo.jpg") -> SimpleUploadedFile:
    """A phone photo: EXIF capture time and GPS position (Changzhou)."""
    image = Image.new("RGB", (64, 48), "red")
    exif = Image.Exif()
    exif[ExifTags.Base.Make] = "Phone"
    exif[ExifTags.IFD.GPSInfo] = {1: "N", 2: (31.0, 46.0, 12.5), 3: "E", 4: (119.0, 57.0, 30.0)}
    exif.get_ifd(ExifTags.IFD.Exif)[ExifTags.Base.DateTimeOriginal] = "2026:03:02 10:20:30"
    out = io.BytesIO()
    image.save(out, "JPEG", exif=exif)
    return SimpleUploadedFile(name, out.getvalue(), content_type="image/jpeg")


def png(name="photo.png", size=(32, 32)) -> SimpleUploadedFile:
    out = io.BytesIO()
    Image.new("RGBA", size, (0, 128, 0, 255)).save(out, "PNG")
    return SimpleUploadedFile(name, out.getvalue(), content_type="image/png")


@pytest.fixture(autouse=True)
def _media(tmp_path, settings):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def visit(inspector, agency):
    return services.visit_create(inspector=inspector, agency=agency, visited_at=VISITED, mode="covert", summary="暗访",
                                 findings=[{"category": "attitude", "severity": "major", "description": "脸难看"}],
                                 submit=True)
