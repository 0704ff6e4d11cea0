"""`manage.py make_photo_copies`: the clean copy and thumbnail of every evidence photo stored before they
were made at upload. Idempotent; each photo is decoded once. (A photo without them also gets them the
first time it is viewed; this does all of them ahead, e.g. right after the upgrade's `migrate`.)"""
from django.core.management.base import BaseCommand, CommandError
from django.db.models import Q

from inspections import evidence as inspection_photos
from inspections.models import Evidence
from rectification import evidence as rectification_files
from rectification.models import NoticeEvidence

MISSING = Q(clean_copy="") | Q(thumbnail="")


class Command(BaseCommand):
    help = "为已有的证据照片生成无元数据查看副本和缩略图（可重复执行）"

    def handle(self, *args, **options):
        made = failed = 0
        jobs = [(item, inspection_photos.ensure_copies) for item in Evidence.objects.filter(MISSING).iterator()]
        jobs += [(item, rectification_files.ensure_copies)
                 for item in NoticeEvidence.objects.filter(MISSING).exclude(content_type="application/pdf").iterator()]
        for item, ensure in jobs:
            try:
                ensure(item)
                made += 1
            except (OSError, ValueError) as exc:  # a missing or unreadable original: reported, the rest go on
                failed += 1
                self.stderr.write(f"{type(item).__name__} {item.pk}: {exc}")
        self.stdout.write(self.style.SUCCESS(f"已生成 {made} 张照片的副本与缩略图"))
        if failed:
            raise CommandError(f"{failed} 张照片的原件无法读取，见上")
