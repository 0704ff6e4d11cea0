"""Photo evidence: checked by content, hashed for the chain of custody, served without EXIF.

The original is kept as uploaded (its SHA-256 proves it unchanged); what anyone downloads is
a re-encoded copy that carries no EXIF (no GPS, no device serials), made once at upload together
with a thumbnail (conduct_eval.uploads).
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.utils import timezone
from PIL import ExifTags, Image

from conduct_eval import uploads


@dataclass(frozen=True)
class Facts:
    content_type: str
    extension: str
    size: int
    sha256: str
    width: int
    height: int
    captured_at: datetime | None
    gps_latitude: Decimal | None
    gps_longitude: Decimal | None


def _refuse(message: str):
    raise ValidationError({"file": message})


def _rational(value) -> float:
    return float(value.numerator) / float(value.denominator) if hasattr(value, "numerator") else float(value)


def _gps(exif) -> tuple[Decimal | None, Decimal | None]:
    gps = exif.get_ifd(ExifTags.IFD.GPSInfo)
    try:
        def degrees(dms, ref) -> Decimal:
            d, m, s = (_rational(x) for x in dms)
            value = d + m / 60 + s / 3600
            return Decimal(f"{-value if ref in ('S', 'W') else value:.6f}")

        return (degrees(gps[ExifTags.GPS.GPSLatitude], gps.get(ExifTags.GPS.GPSLatitudeRef, "N")),
                degrees(gps[ExifTags.GPS.GPSLongitude], gps.get(ExifTags.GPS.GPSLongitudeRef, "E")))
    except (KeyError, TypeError, ValueError, ZeroDivisionError):
        return None, None


def _captured_at(exif) -> datetime | None:
    raw = exif.get_ifd(ExifTags.IFD.Exif).get(ExifTags.Base.DateTimeOriginal) or exif.get(ExifTags.Base.DateTime)
    try:
        # EXIF times carry no zone; a phone in this city records local time.
        naive = datetime.strptime(str(raw).strip("\x00 "), "%Y:%m:%d %H:%M:%S")  # noqa: DTZ007 — EXIF has no zone
        return timezone.make_aware(naive)
    except (TypeError, ValueError):
        return None


def inspect_upload(upload) -> Facts:
    """Check an uploaded file and read what we keep about it; ValidationError names `file`."""
    if upload is None:
        _refuse("请选择照片文件")
    photo = uploads.check_photo(upload, field="file")
    digest = uploads.sha256_of(upload)
    try:
        with Image.open(upload) as image:  # checked above; opened again for its EXIF
            exif = image.getexif()
    finally:
        upload.seek(0)
    latitude, longitude = _gps(exif)
    return Facts(content_type=photo.content_type, extension=photo.extension, size=upload.size, sha256=digest,
                 width=photo.width, height=photo.height, captured_at=_captured_at(exif), gps_latitude=latitude,
                 gps_longitude=longitude)


def store_copies(item, upload) -> None:
    """The clean copy and the thumbnail of an evidence photo, made once, from the checked upload."""
    uploads.attach_copies(item, upload, stem=item.token)


def ensure_copies(item) -> None:
    """Rows from before the copies existed get them once, the first time they are viewed."""
    uploads.ensure_copies(item, stem=item.token)
