"""Uploaded photos, checked the same way wherever they arrive (inspection evidence, rectification evidence).

The type is read from the content, never from the name or the client's header; the pixel count
is checked from the header before anything is decoded, so a decompression bomb is refused cheaply.

What anyone views is never the original: at upload the photo is decoded once into a re-encoded copy
without any metadata (no EXIF, GPS, device serials) and a thumbnail, stored beside the original, and
the views stream those files. (Decoding the original on every view took a gunicorn worker from 0.5 GB
to 4.5 GB over six views of one 79-megapixel photo.)
"""
from __future__ import annotations

import hashlib
import io
import warnings
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from PIL import Image, ImageOps, UnidentifiedImageError

MAX_BYTES = 10 * 1024 * 1024
# A phone photo is 12–50 MP; anything far beyond is a decompression bomb, refused before decoding.
MAX_PIXELS = 80_000_000
PHOTO_FORMATS = {"JPEG": ("image/jpeg", "jpg"), "PNG": ("image/png", "png")}


@dataclass(frozen=True)
class Photo:
    content_type: str
    extension: str
    width: int
    height: int


def sha256_of(upload) -> str:
    digest = hashlib.sha256()
    for chunk in upload.chunks():
        digest.update(chunk)
    upload.seek(0)
    return digest.hexdigest()


def check_photo(upload, *, field: str, name: str = "") -> Photo:
    """A JPEG or PNG within the size and pixel caps, else a ValidationError naming `field`."""
    label = f"{name}：" if name else ""

    def refuse(message: str):
        raise ValidationError({field: f"{label}{message}"})

    if upload.size > MAX_BYTES:
        refuse(f"文件不能超过 {MAX_BYTES // (1024 * 1024)} MB")
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(upload) as image:
                image_format, (width, height) = image.format, image.size
                if image_format not in PHOTO_FORMATS:
                    refuse("只接受 JPEG 或 PNG 照片")
                if width * height > MAX_PIXELS:
                    refuse("照片像素过大")
                image.verify()  # checks the file's structure without decoding all of it
    except ValidationError:
        raise
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        refuse("照片像素过大")
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError, RuntimeError):
        refuse("文件不是有效的 JPEG 或 PNG 照片")
    finally:
        upload.seek(0)
    content_type, extension = PHOTO_FORMATS[image_format]
    return Photo(content_type=content_type, extension=extension, width=width, height=height)


# --- the copies that are viewed ---------------------------------------------------------------
CLEAN_MAX_SIDE = 2560  # plenty for a screen or a printed A4 report
THUMB_MAX_SIDE = 480
COPY_TYPES = {"jpg": "image/jpeg", "png": "image/png"}


@dataclass(frozen=True)
class Copies:
    clean: bytes  # re-encoded, at most CLEAN_MAX_SIDE, no metadata
    clean_extension: str  # "png" for pictures with transparency, else "jpg"
    thumbnail: bytes  # JPEG, at most THUMB_MAX_SIDE


def _without_metadata(image: Image.Image) -> Image.Image:
    image.info = {}  # EXIF, XMP, ICC, comments: the encoders would copy some of these from here
    return image


def make_copies(fileobj) -> Copies:
    """Decode a checked photo once: the clean copy and the thumbnail."""
    fileobj.seek(0)
    with Image.open(fileobj) as original:
        # JPEG decodes straight at 1/2, 1/4 or 1/8 scale: a 79 MP photo never exists in memory at full size.
        original.draft(original.mode, (CLEAN_MAX_SIDE, CLEAN_MAX_SIDE))
        image = ImageOps.exif_transpose(original)  # upright, now that the orientation tag goes
    fileobj.seek(0)
    image.thumbnail((CLEAN_MAX_SIDE, CLEAN_MAX_SIDE))
    clean = io.BytesIO()
    if image.mode in ("RGBA", "LA", "P", "PA"):
        image = _without_metadata(image)
        image.save(clean, format="PNG", optimize=True)
        extension = "png"
        flat = Image.new("RGB", image.size, "white")
        flat.paste(image.convert("RGBA"), mask=image.convert("RGBA"))
    else:
        flat = _without_metadata(image.convert("RGB"))
        flat.save(clean, format="JPEG", quality=85, optimize=True)
        extension = "jpg"
    flat.thumbnail((THUMB_MAX_SIDE, THUMB_MAX_SIDE))
    thumbnail = io.BytesIO()
    _without_metadata(flat).save(thumbnail, format="JPEG", quality=80)
    return Copies(clean=clean.getvalue(), clean_extension=extension, thumbnail=thumbnail.getvalue())


def attach_copies(instance, source, *, stem: str) -> None:
    """Make the copies of `source` (the upload, or the stored original) and put them into `instance`'s
    `clean_copy` and `thumbnail` file fields (the caller saves the row)."""
    copies = make_copies(source)
    instance.clean_copy.save(f"{stem}.clean.{copies.clean_extension}", ContentFile(copies.clean), save=False)
    instance.thumbnail.save(f"{stem}.thumb.jpg", ContentFile(copies.thumbnail), save=False)


def ensure_copies(instance, *, stem: str) -> bool:
    """Rows from before the copies existed get them the first time they are needed (or from
    `manage.py make_photo_copies`); True if they were made now."""
    if instance.clean_copy and instance.thumbnail:
        return False
    with instance.file.open("rb") as original:
        attach_copies(instance, original, stem=stem)
    instance.save(update_fields=["clean_copy", "thumbnail"])
    return True


def copy_response(field, *, filename: str | None = None):
    """Stream a stored copy (never decoded here) with its type, for a user already allowed to see it."""
    from django.http import FileResponse

    extension = field.name.rsplit(".", 1)[-1].lower()
    response = FileResponse(field.open("rb"), content_type=COPY_TYPES.get(extension, "application/octet-stream"),
                            filename=filename)
    response["Cache-Control"] = "private, max-age=3600"
    response["X-Content-Type-Options"] = "nosniff"
    return response
