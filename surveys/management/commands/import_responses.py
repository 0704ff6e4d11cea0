"""`manage.py import_responses --survey S FILE.csv`: bulk responses, all or nothing. See surveys/imports.py."""
import hashlib
import os
import sys

from django.core.management.base import BaseCommand, CommandError
from tqdm import tqdm

from surveys import selectors
from surveys.imports import ImportRejected, responses_import


def file_digest(path: str) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


class Command(BaseCommand):
    help = ("从 CSV 导入网上民评答卷（列：agency, window, submitted_at, channel, 各维度编码…, opinion）；"
            "任一行有误则整份不导入")

    def add_arguments(self, parser):
        parser.add_argument("--survey", required=True, help="网上民评的编码（slug）")
        parser.add_argument("file", help="UTF-8 CSV 文件（可带 BOM）")

    def handle(self, *args, survey, file, **options):
        target = selectors.survey_public(survey)
        if target is None:
            raise CommandError(f"没有编码为 {survey} 的网上民评")
        try:
            digest = file_digest(file)
            with tqdm(desc="导入", total=os.path.getsize(file), unit="B", unit_scale=True, file=sys.stderr,
                      disable=not sys.stderr.isatty()) as bar:
                report = responses_import(survey=target, path=file, digest=digest, progress=bar.update,
                                          stage=lambda name: bar.set_description(f"导入·{name}"))
        except OSError as exc:
            raise CommandError(f"无法读取文件：{exc}") from None
        except UnicodeDecodeError:
            raise CommandError("文件不是 UTF-8 编码") from None
        except ImportRejected as rejected:
            for error in rejected.errors:
                self.stderr.write(error)
            raise CommandError(f"导入失败：{rejected}") from None
        self.stdout.write(self.style.SUCCESS(
            f"已导入 {report.rows} 条答卷（含意见 {report.opinions} 条），重建 {len(report.months)} 个月的汇总"
            f"（{report.rollup_rows} 行）"))
