"""Demo data of inspections: a year of open and covert visits with findings in every state. Idempotent."""
import random
from datetime import datetime, time, timedelta

from django.utils import timezone

from agencies.choices import Role
from agencies.models import Agency, Cycle, User
from inspections import services
from inspections.choices import FindingStatus
from inspections.models import Finding, Visit
from scoring.services import snapshot_compute

FINDINGS = [
    ("attitude", "minor", "窗口工作人员接待群众时态度生硬，未使用文明用语"),
    ("attitude", "major", "群众咨询时工作人员边玩手机边答复，敷衍了事"),
    ("inefficiency", "minor", "取号后等候超过四十分钟，叫号系统长时间无人处理"),
    ("inefficiency", "major", "材料齐全的事项被要求次日再来，未落实一次性告知"),
    ("laziness", "minor", "工作时间窗口无人值守约二十分钟"),
    ("inaction", "major", "群众反映的问题被相互推诿，无人受理"),
    ("unlawful", "serious", "要求群众提供法定清单以外的证明材料"),
    ("misconduct", "major", "未按规定公示收费标准，口头告知收费项目"),
    ("other", "minor", "办事指南张贴内容与网上公布不一致"),
]


def demo_load(*, cycle: Cycle, stdout) -> None:
    inspector = User.objects.filter(role=Role.INSPECTOR).order_by("id").first()
    admin = User.objects.filter(is_superuser=True).order_by("id").first()
    if inspector is None or admin is None or Visit.objects.filter(inspector=inspector).exists():
        return
    rng = random.Random(2026)
    agencies = list(Agency.objects.filter(has_service_window=True, active=True).prefetch_related("windows"))
    today = min(timezone.localdate(), cycle.ends_on)
    days = (today - cycle.starts_on).days
    for n in range(36):
        agency = rng.choice(agencies)
        day = cycle.starts_on + timedelta(days=rng.randrange(max(days, 1)))
        visited_at = timezone.make_aware(datetime.combine(day, time(rng.randrange(9, 17), rng.randrange(60))))
        windows = list(agency.windows.all())
        picked = rng.sample(FINDINGS, rng.choice([0, 1, 1, 2]))
        visit = services.visit_create(
            inspector=inspector, agency=agency, window=rng.choice(windows) if windows else None,
            visited_at=visited_at, mode=rng.choice(["open", "covert", "covert"]),
            summary="按计划开展暗访，记录窗口服务情况。" if picked else "窗口秩序良好，未发现问题。",
            findings=[{"category": c, "severity": s, "description": d} for c, s, d in picked],
            submit=n % 9 != 0)  # a few drafts stay with the inspector
        if visit.status != "submitted" or day > today - timedelta(days=5):
            continue  # recent findings wait in the review queue
        for finding in visit.findings.all():
            if rng.random() < 0.75:
                services.finding_confirm(finding=finding, actor=admin, reason="经核实属实")
            else:
                services.finding_dismiss(finding=finding, actor=admin, reason="证据不足，不予认定")
    confirmed = Finding.objects.filter(status=FindingStatus.CONFIRMED).count()
    # The office recomputes after the year's visits, so the demo dashboard already counts their deductions.
    snapshot = snapshot_compute(cycle=cycle)
    stdout.write(f"明察暗访：{Visit.objects.count()} 次察访，{confirmed} 个问题已确认；排名快照 #{snapshot.pk} 已更新")
