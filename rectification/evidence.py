"""Evidence files of a response: the type is read from the content, never from the name or the client's header.

Accepted: JPEG and PNG photos (decoded by Pillow) and PDF documents, each ≤ EVIDENCE_MAX_BYTES,
at most EVIDENCE_MAX_FILES per response. Stored under MEDIA_ROOT and served only through the
notice's access check: a PDF as uploaded, a photo as the copy made at upload without EXIF
(conduct_eval.uploads), with a thumbnail.
"""
from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile

from conduct_eval import uploads

EVIDENCE_MAX_BYTES = uploads.MAX_BYTES
EVIDENCE_MAX_FILES = 10


@dataclass(frozen=True)
class Kind:
    content_type: str
    extension: str


JPEG = Kind("image/jpeg", ".jpg")
PNG = Kind("image/png", ".png")
PDF = Kind("application/pdf", ".pdf")


def _sniff(upload: UploadedFile) -> Kind | None:
    """PDF by its signature; anything else must pass the shared photo check (a ValidationError names it)."""
    upload.seek(0)
    head = upload.read(8)
    upload.seek(0)
    if head.startswith(b"%PDF-"):
        return PDF
    if not (head.startswith(b"\xff\xd8\xff") or head.startswith(b"\x89PNG\r\n\x1a\n")):
        return None
    photo = uploads.check_photo(upload, field="evidence", name=upload.name or "")
    return JPEG if photo.content_type == JPEG.content_type else PNG


def check_all(files: Sequence[UploadedFile]) -> list[tuple[UploadedFile, Kind]]:
    """Every file's kind, or a ValidationError on `evidence` naming each bad file."""
    files = list(files or [])
    if len(files) > EVIDENCE_MAX_FILES:
        raise ValidationError({"evidence": f"一次最多上传 {EVIDENCE_MAX_FILES} 个文件"})
    errors, checked = [], []
    for upload in files:
        if upload.size > EVIDENCE_MAX_BYTES:
            errors.append(f"{upload.name}：超过 {EVIDENCE_MAX_BYTES // (1024 * 1024)} MB")
            continue
        try:
            kind = _sniff(upload)
        except ValidationError as exc:
            errors.extend(exc.message_dict["evidence"])
            continue
        if kind is None:
            errors.append(f"{upload.name}：只接受 JPEG、PNG 图片或 PDF 文件")
            continue
        checked.append((upload, kind))
    if errors:
        raise ValidationError({"evidence": errors})
    return checked


def store(*, notice, upload: UploadedFile, kind: Kind, actor, round: int):
    from .models import NoticeEvidence

    evidence = NoticeEvidence(notice=notice, name=(upload.name or "evidence")[:200], content_type=kind.content_type,
                              extension=kind.extension, size=upload.size, sha256=uploads.sha256_of(upload),
                              uploaded_by=actor, round=round)
    if kind is not PDF:
        uploads.attach_copies(evidence, upload, stem=evidence.sha256[:16])  # viewed instead of the original
    evidence.file.save(upload.name or "evidence", upload, save=False)
    evidence.save()
    return evidence


def is_photo(evidence) -> bool:
    return evidence.content_type != PDF.content_type


def ensure_copies(evidence) -> None:
    """Photos stored before the copies existed get them once, the first time they are viewed."""
    if is_photo(evidence):
        uploads.ensure_copies(evidence, stem=evidence.sha256[:16])
