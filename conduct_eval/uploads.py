"""Uploaded photos, checked the same way wherever they arrive (inspection evidence, rectification evidence).

The type is read from the content, never from the name or the client's header; the pixel count
is checked from the header before anything is decoded, so a decompression bomb is refused cheaply.
"""
from __future__ import annotations

import hashlib
import warnings
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from PIL import Image, UnidentifiedImageError

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
