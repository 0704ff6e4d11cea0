"""Demo data of the rectification loop: notices in every state, some overdue, and the triage of a few
citizen opinions. Idempotent (each notice has a `demo:` source key)."""
from __future__ import annotations

import io
import secrets
from datetime import timedelta

from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from django.utils import timezone
from PIL import Image

from agencies import services as agency_services
from agencies.choices import Role
from agencies.models import Agency, Cycle, User
from rectification import services
from rectification.models import RectificationNotice
from surveys.choices import OpinionStatus
from surveys.models import Opinion

# (key, agency code, source, text, days ago issued, state)
NOTICES = [
    ("d1", "gaj", "finding", "户政窗口工作人员午间提前离岗，群众等候超过一小时。", 5, "issued"),
    ("d2", "gaj", "manual", "交通违法处理窗口告知不清，群众往返多次。", 40, "issued"),
    ("d3", "scjgj", "finding", "企业开办窗口要求提供法定清单外材料。", 12, "responded"),
    ("d4", "bdc", "manual", "不动产登记大厅叫号系统故障未及时处置。", 30, "verified"),
    ("d5", "sbzx", "finding", "待遇核定窗口工作人员态度生硬（脸难看）。", 20, "returned"),
    ("d6", "gjj", "manual", "公积金提取业务承诺时限未公开。", 45, "responded"),
    ("d7", "zwb", "finding", "工程建设项目窗口存在“体外循环”办理。", 60, "verified_late"),
]


def _png() -> SimpleUploadedFile:
    buffer = io.BytesIO()
    Image.new("RGB", (320, 200), (200, 30, 30)).save(buffer, format="PNG")
    return SimpleUploadedFile("整改现场照片.png", buffer.getvalue(), content_type="image/png")


def _liaison_for(agency: Agency) -> User:
    """Only an agency's own liaison may respond: the demo gives each notice's agency one (no login shown)."""
    return agency_services.user_create(username=f"liaison_{agency.code}", password=secrets.token_urlsafe(18),
                                       role=Role.AGENCY, agency=agency, first_name=f"联络员（{agency.name}）",
                                       email=f"liaison_{agency.code}@demo.example")


def demo_load(*, cycle: Cycle, stdout) -> None:
    admin = User.objects.filter(username="admin").first()
    now = timezone.now()
    made = 0
    for key, code, source, text, days_ago, state in NOTICES:
        agency = Agency.objects.filter(code=code).first()
        if agency is None or RectificationNotice.objects.filter(source_key=f"demo:{key}").exists():
            continue
        liaison = User.objects.filter(role=Role.AGENCY, agency=agency).first() or _liaison_for(agency)
        with transaction.atomic():
            notice = services.notice_issue(agency=agency, cycle=cycle, source=source, text=text, actor=admin,
                                           source_key=f"demo:{key}", issued_at=now - timedelta(days=days_ago))
            if state != "issued":
                services.notice_respond(notice=notice, actor=liaison, files=[_png()],
                                        measures="已约谈当事人，调整窗口排班并公开承诺时限。")
            if state == "returned":
                services.notice_verify(notice=notice, actor=admin, accepted=False,
                                       comment="佐证材料不足，请补充整改前后对比照片。")
            if state == "verified_late":
                services.notices_mark_overdue()  # it ran past its deadline before the office verified it
            if state in ("verified", "verified_late"):
                services.notice_verify(notice=notice, actor=admin, accepted=True, comment="经回访核实，整改到位。")
        made += 1
    # Route the first few new citizen opinions (surveys' demo makes them), so /track/ shows a loop.
    # Only once: a rerun would otherwise route three more each time.
    routed = (OpinionStatus.ROUTED, OpinionStatus.RESPONDED, OpinionStatus.RESOLVED, OpinionStatus.REOPENED)
    if not Opinion.objects.filter(status__in=routed, survey__cycle=cycle).exists():
        for opinion in Opinion.objects.filter(status=OpinionStatus.NEW, survey__cycle=cycle).order_by("created_at")[:3]:
            services.opinion_triage(opinion=opinion, action="route", agency=opinion.agency, actor=admin)
    overdue = services.notices_mark_overdue()
    stdout.write(f"整改：新增 {made} 件演示整改通知，{overdue} 件标记逾期")
