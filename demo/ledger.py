"""Demo data of scoring: indicators per member unit, their assessments, a few ledger entries
and a recompute of the whole cycle. Idempotent: run it as often as you like.
"""
from __future__ import annotations

import random
from decimal import Decimal

from agencies.models import Agency, Cycle
from demo.city import ASSESSOR_UNITS
from scoring import services
from scoring.models import Assessment, Indicator

# (unit, code, name, max points): each member unit scores the indicators of its function.
INDICATORS = [
    (ASSESSOR_UNITS[0], "leadership", "领导班子作风建设", 30),
    (ASSESSOR_UNITS[0], "cadres", "干部队伍管理", 20),
    (ASSESSOR_UNITS[1], "integrity", "党风廉政建设", 20),
    (ASSESSOR_UNITS[2], "openness", "政务公开与宣传", 10),
    (ASSESSOR_UNITS[3], "tasks", "重点工作完成情况", 20),
]

# (agency code, kind, points, reason)
ENTRIES = [
    ("zwb", "bonus", "2", "“一窗通办”获评省级服务品牌"),
    ("gjj", "bonus", "1", "获市级文明窗口表彰"),
    ("bdc", "bonus", "3", "不动产登记“一小时办结”获国务院通报表扬"),
    ("cgj", "deduction", "2", "市容管理不作为被电视问政曝光"),
    ("jtysj", "deduction", "1", "网约车投诉处理超时被媒体曝光"),
    ("xfj", "inspection", "3", "暗访发现接访窗口脸难看、态度生硬（较重）"),
    ("sbzx", "inspection", "1", "暗访发现窗口人员上班时间玩手机（轻微）"),
]


def demo_load(*, cycle: Cycle, stdout) -> None:
    if cycle.is_locked:
        return
    agencies = list(Agency.objects.filter(active=True).order_by("code"))
    by_code = {agency.code: agency for agency in agencies}
    for unit, code, name, max_points in INDICATORS:
        indicator = Indicator.objects.filter(cycle=cycle, code=code).first() or services.indicator_create(
            cycle=cycle, code=code, name=name, max_points=max_points, assessor_unit=unit)
        if Assessment.objects.filter(indicator=indicator).exists():
            continue
        for agency in agencies:
            rng = random.Random(f"{cycle.code}:{code}:{agency.code}")
            points = (Decimal(max_points) * Decimal(rng.randint(72, 100)) / 100).quantize(Decimal("0.5"))
            services.assessment_put(indicator=indicator, agency=agency, points=points, note="演示数据")
    for agency_code, kind, points, reason in ENTRIES:
        if agency_code in by_code:
            services.score_entry_book(cycle=cycle, agency=by_code[agency_code], kind=kind, points=points,
                                      reason=reason, source="finding" if kind == "inspection" else "manual",
                                      source_key=f"demo:{cycle.code}:{agency_code}:{kind}")
    # A correction: the exposure of 市公安局 was a misreport, so it is reversed, not deleted.
    if "gaj" in by_code:
        _reverse_misreport(cycle, by_code["gaj"])
    snapshot = services.snapshot_compute(cycle=cycle)
    stdout.write(f"评分：{len(INDICATORS)} 项考评指标，{len(ENTRIES) + 1} 笔台账，"
                 f"排名快照 #{snapshot.pk}（{snapshot.period}）")


def _reverse_misreport(cycle: Cycle, agency: Agency) -> None:
    misreport = services.score_entry_book(cycle=cycle, agency=agency, kind="deduction", points="1",
                                          reason="户政窗口排队超时被曝光",
                                          source_key=f"demo:{cycle.code}:gaj:deduction")
    services.score_entry_reverse(entry=misreport, reason="经核实为误报，予以冲销",
                                 source_key=f"demo:{cycle.code}:gaj:deduction:reversed")
