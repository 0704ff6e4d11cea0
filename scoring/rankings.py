"""The rankings as the API answers them (and the exports and pages show them): one shape.

`{snapshot, computed_at, period, final, rows: [{agency, group, components: {name: {score,
weight, n, included}}, bonus, deduction, total, rank_overall, rank_in_group, outcome}]}`
plus, per row, what explains the number (why a component was left out, the small-sample
flag, the veto, the 95% intervals).
"""
from __future__ import annotations

from collections.abc import Iterable
from decimal import Decimal
from typing import Any

from .models import RankingSnapshot, Scorecard
from .selectors import veto_reasons_of

COMPONENT_NUMBERS = ("score", "weight", "weight_share")
COMPONENT_KEYS = ("n", "included", "reason", "reason_label", "small_sample")
EXTRA_NUMBERS = ("base", "bonus_booked", "total_low", "total_high")
EXTRA_KEYS = ("rank_low", "rank_high", "rank_in_group_low", "rank_in_group_high")


def _number(value) -> Decimal | None:
    """The method writes Decimals as strings; the API answers numbers (as every other endpoint does)."""
    return None if value is None else Decimal(str(value))


def _component(component: dict[str, Any]) -> dict[str, Any]:
    return {**{key: _number(component.get(key)) for key in COMPONENT_NUMBERS},
            **{key: component.get(key) for key in COMPONENT_KEYS}}


def ranking_row(scorecard: Scorecard, veto_reasons: dict[int, str] | None = None) -> dict[str, Any]:
    """One row; `veto_reasons` (from `selectors.veto_reasons_of`) gives a vetoed agency's reason."""
    card = scorecard.full_card
    return {
        "agency": scorecard.agency.code,
        "agency_name": scorecard.agency.name,
        "group": scorecard.group_code,
        "components": {name: _component(component) for name, component in card.get("components", {}).items()},
        "bonus": _number(card.get("bonus")),
        "deduction": _number(card.get("deduction")),
        "veto": scorecard.veto,
        "veto_reason": (veto_reasons or {}).get(scorecard.agency_id) if scorecard.veto else None,
        "total": scorecard.total,
        "rank_overall": scorecard.rank_overall,
        "rank_in_group": scorecard.rank_in_group,
        "outcome": scorecard.outcome,
        **{key: _number(card.get(key)) for key in EXTRA_NUMBERS},
        **{key: card.get(key) for key in EXTRA_KEYS},
    }


def group_order(row: dict[str, Any]) -> tuple:
    """Sort key of rows within a group: by rank in group, unrated agencies (no rank) last, then code."""
    return (row["rank_in_group"] is None, row["rank_in_group"] or 0, row["agency"])


def ranking_rows(snapshot: RankingSnapshot, scorecards: Iterable[Scorecard]) -> list[dict[str, Any]]:
    """The rows of a snapshot, vetoed agencies with their reasons (one query for all, only if any is vetoed)."""
    scorecards = list(scorecards)
    reasons = veto_reasons_of(snapshot) if any(card.veto for card in scorecards) else {}
    return [ranking_row(scorecard, reasons) for scorecard in scorecards]


def ranking_payload(snapshot: RankingSnapshot, scorecards: Iterable[Scorecard]) -> dict[str, Any]:
    return {
        "snapshot": snapshot.pk,
        "computed_at": snapshot.computed_at,
        "period": snapshot.period,
        "final": snapshot.final,
        "digest": snapshot.digest,
        "rows": ranking_rows(snapshot, scorecards),
    }
