from datetime import datetime
from decimal import Decimal

import factory

from scoring.models import Indicator, RankingSnapshot, Scorecard
from scoring.periods import TZ


class IndicatorFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Indicator

    code = factory.Sequence(lambda n: f"i{n}")
    name = factory.Sequence(lambda n: f"指标{n}")
    max_points = 20
    assessor_unit = "市委组织部"


def rate_fully(cycle, *agencies, code="rated"):
    """Full marks on one organizational indicator: the agencies are rated (DESIGN.md) and their base stays 100."""
    from scoring.services import assessment_put

    indicator = IndicatorFactory(cycle=cycle, code=code, max_points=10)
    for agency in agencies:
        assessment_put(indicator=indicator, agency=agency, points=10)
    return indicator


def card_of(agency, *, total, rank, rank_in_group, outcome="none", veto=False):
    """A scorecard's JSON as the method gives it (for page tests that need no recompute)."""
    component = {"score": 80, "weight": 30, "weight_share": 0.3, "n": 12, "included": True, "reason": "",
                 "small_sample": True}
    return {
        "agency": agency.code, "group": agency.group.code, "base": total, "bonus": 0, "bonus_booked": 0,
        "deduction": 0, "veto": veto, "total": total, "rank_overall": rank, "rank_in_group": rank_in_group,
        "outcome": outcome, "total_low": total - 2, "total_high": total + 2, "rank_low": 1, "rank_high": rank + 1,
        "components": {
            "public_survey": component, "appraisal": {**component, "score": 70},
            "organizational": {**component, "score": None, "n": 0, "included": False, "reason": "no_data",
                               "reason_label": "暂无数据"},
            "inspection": {**component, "score": 97, "weight": 20, "small_sample": False},
        },
    }


def snapshot_with(cycle, agencies, *, period="cycle", final=False):
    """A stored snapshot ranking `agencies` in the given order."""
    snapshot = RankingSnapshot.objects.create(cycle=cycle, period=period, until=datetime(2027, 1, 1, tzinfo=TZ),
                                              final=final, digest="d" * 64, scheme={"bonus_cap": 5})
    for rank, agency in enumerate(agencies, start=1):
        total = 90 - 5 * rank
        outcome = "commended" if rank == 1 else "warned" if rank == len(agencies) else "none"
        Scorecard.objects.create(snapshot=snapshot, agency=agency, group_code=agency.group.code,
                                 total=Decimal(total), rank_overall=rank, rank_in_group=rank, outcome=outcome,
                                 card=card_of(agency, total=total, rank=rank, rank_in_group=rank, outcome=outcome),
                                 inputs={"public_counts": {"service_attitude": {"5": 7, "3": 5}}, "public_n": 12,
                                         "appraisal_counts": {"deputy": {"4": 2}}, "appraisal_n": 2,
                                         "assessment_points": None, "assessment_max": None,
                                         "inspection_deduction": "3"})
    return snapshot
