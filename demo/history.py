"""A year of history for the demo city: the ranking snapshots the period-end job would have filed.

* Every week, month and quarter of the current cycle that has ended gets its snapshot, computed by the
  real recompute (`scoring.services.snapshot_compute`) from the data as of that period's end, so trends,
  the period switch and the charts have something real to show.
* The previous year is a published cycle: a year of public survey responses and its appraisal, its
  monthly and quarterly snapshots, and its final annual result with its consequences carried out.

Runs after the survey data and before the ledger (whose demo entries are booked today, so a past
period counts none of them either way); the whole cycle's snapshot the later steps compute stays the
newest, which the dashboard opens on. Idempotent: a period whose inputs have not changed keeps its snapshot.
"""
from __future__ import annotations

from datetime import date

from django.utils import timezone

from agencies import services as agencies
from agencies.choices import CycleStatus
from agencies.models import Cycle
from scoring.models import RankingSnapshot
from scoring.periods import periods_ended
from scoring.services import snapshot_compute

KINDS = ("week", "month", "quarter")


def _file_periods(cycle: Cycle, kinds: tuple[str, ...]) -> int:
    today = timezone.localdate()
    before = RankingSnapshot.objects.filter(cycle=cycle).count()
    for kind in kinds:
        for name in periods_ended(kind, starts_on=cycle.starts_on, ends_on=cycle.ends_on, today=today):
            snapshot_compute(cycle=cycle, period=name)
    return RankingSnapshot.objects.filter(cycle=cycle).count() - before


def previous_cycle(cycle: Cycle) -> Cycle:
    year = cycle.starts_on.year - 1
    return Cycle.objects.filter(code=str(year)).first() or agencies.cycle_create(
        code=str(year), name=f"{year}年度机关作风评议", starts_on=date(year, 1, 1), ends_on=date(year, 12, 31),
        status=CycleStatus.OPEN, scheme={})


def demo_load(*, cycle: Cycle, stdout) -> None:
    from demo import ratings  # the survey data of a cycle (the current one's is loaded before this step)

    filed = _file_periods(cycle, KINDS)
    stdout.write(f"历史快照：{cycle.code} 年已结束的每周、每月、每季度，新增 {filed} 个快照")
    previous = previous_cycle(cycle)
    if previous.status == CycleStatus.PUBLISHED:
        return
    ratings.demo_load(cycle=previous, stdout=stdout)
    filed = _file_periods(previous, ("month", "quarter"))
    snapshot_compute(cycle=previous)
    if previous.status == CycleStatus.OPEN:
        previous = agencies.cycle_status_change(cycle=previous, status=CycleStatus.CLOSED)
    if not RankingSnapshot.objects.filter(cycle=previous, final=True).exists():
        snapshot_compute(cycle=previous, final=True)
    previous = agencies.cycle_status_change(cycle=previous, status=CycleStatus.PUBLISHED)
    stdout.write(f"上一周期 {previous.code}：{filed} 个月度和季度快照，年度最终结果已生成并公布")
