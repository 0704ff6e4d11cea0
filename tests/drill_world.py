"""One agency's year with something behind every point of its scorecard, for the drill-down tests (view tests and
the browser test): public-survey responses (one with an opinion and a phone number), an indicator assessed twice,
a bonus and its reversal, an overdue-style deduction, and a covert visit whose confirmed finding has a photo
and an appeal the office ruled 属实. Then the snapshot of the whole cycle."""
from __future__ import annotations

import datetime
import io
from dataclasses import dataclass

from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from PIL import Image

from inspections import services as inspections
from scoring import services as scoring
from surveys import services as surveys
from tests.factories import WindowFactory
from tests.scoring.factories import IndicatorFactory

PHONE = "13812345678"
MASKED = "138****5678"


def photo() -> SimpleUploadedFile:
    out = io.BytesIO()
    Image.new("RGB", (64, 48), (200, 30, 30)).save(out, "PNG")
    return SimpleUploadedFile("photo.png", out.getvalue(), content_type="image/png")


@dataclass
class World:
    snapshot: object
    responses: list
    indicator: object
    revisions: list
    bonus: object
    bonus_reversal: object
    finding: object
    evidence: object
    inspection_entry: object


def build(*, cycle, agency, admin, liaison, inspector, assessor) -> World:
    now = timezone.now()
    window = WindowFactory(agency=agency, code="hz", name="户政窗口")
    days = datetime.timedelta(days=60)
    survey = surveys.survey_create(slug="pub", cycle=cycle, kind="public", title="网上民评", opens_at=now - days,
                                   closes_at=now + days)
    ratings = [
        ({"service_attitude": 2, "efficiency": 3}, "qr", window, "窗口人员态度生硬", PHONE),
        ({"service_attitude": 5, "efficiency": 5, "integrity": 4}, "web", None, "", ""),
        ({"service_attitude": 4}, "kiosk", window, "", ""),
    ]
    responses = []
    for i, (rated, channel, win, text, contact) in enumerate(ratings):
        done = surveys.response_submit(survey=survey, agency=agency, ratings=rated, fingerprint=f"device-{i}",
                                       window=win, channel=channel, opinion=text, contact=contact,
                                       at=now - datetime.timedelta(days=3, hours=i))
        responses.append(done.response_id)
    indicator = IndicatorFactory(cycle=cycle, code="lead", name="班子建设", max_points=20,
                                 assessor_unit=assessor.assessor_unit)
    revisions = [scoring.assessment_put(indicator=indicator, agency=agency, points=points, actor=assessor)
                 for points in (12, 16)]
    bonus = scoring.score_entry_book(cycle=cycle, agency=agency, kind="bonus", points="2", reason="省级服务品牌",
                                     actor=admin)
    bonus_reversal = scoring.score_entry_reverse(entry=bonus, reason="品牌认定撤回", actor=admin)
    scoring.score_entry_book(cycle=cycle, agency=agency, kind="deduction", points="1", reason="媒体曝光",
                             actor=admin)
    visit = inspections.visit_create(
        inspector=inspector, agency=agency, window=window, mode="covert", summary="暗访户政窗口",
        visited_at=now - datetime.timedelta(days=10),
        findings=[{"category": "attitude", "severity": "major", "description": "工作人员玩手机，群众等候20分钟"}])
    finding = visit.findings.get()
    evidence = inspections.evidence_add(visit=visit, upload=photo(), finding=finding)
    inspections.visit_submit(visit=visit)
    inspections.finding_confirm(finding=finding, actor=admin, reason="照片为证")
    inspections.finding_appeal(finding=finding, actor=liaison, reason="当日系统故障")
    inspections.finding_adjudicate(finding=finding, actor=admin, finding_true=True, note="监控显示确有其事")
    snapshot = scoring.snapshot_compute(cycle=cycle, actor=admin)
    from scoring.selectors import score_entry_by_source

    return World(snapshot=snapshot, responses=responses, indicator=indicator, revisions=revisions, bonus=bonus,
                 bonus_reversal=bonus_reversal, finding=finding, evidence=evidence,
                 inspection_entry=score_entry_by_source(f"finding:{finding.pk}"))
