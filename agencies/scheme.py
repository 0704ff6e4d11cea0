"""The scheme of a cycle: every number of the scoring method, validated over DESIGN.md's defaults.

Pure Python (no ORM). The codes, labels and defaults themselves live with the method
(`scoring.method.defaults`), which must import without Django; this module validates a
cycle's scheme against them. A scheme is stored as JSON on the cycle; omitted keys take
the defaults.
"""
from __future__ import annotations

import copy
from decimal import Decimal, InvalidOperation
from typing import Any

# The codes, labels and defaults are the method's (pure data, no Django): re-exported here for the app.
from scoring.method.defaults import (
    CATEGORIES,
    COMPONENTS,
    DEFAULT_SCHEME,
    DIMENSIONS,
    LEVELS,
    SEVERITIES,
)

__all__ = ["CATEGORIES", "COMPONENTS", "DEFAULT_SCHEME", "DIMENSIONS", "LEVELS", "MAX_LEDGER_POINTS", "SEVERITIES",
           "SchemeError", "normalize_scheme"]

# Keys of the scheme's mappings that must be present, and the integers that must be counts.
_MAPPING_KEYS: dict[str, tuple[str, ...]] = {
    "level_points": ("1", "2", "3", "4", "5"),
    "dimension_weights": tuple(DIMENSIONS),
    "category_weights": tuple(CATEGORIES),
    "weights": tuple(COMPONENTS),
    "severity_points": tuple(SEVERITIES),
}
_INTEGER_KEYS = ("warn_bottom", "commend_group_top", "commend_overall_top", "min_sample",
                 "rectification_working_days")
_NUMBER_KEYS = ("bonus_cap", "overdue_deduction")

# Numbers the ledger books (or compares with what it booked) must be numbers the ledger can hold: points
# have two decimals and at most MAX_LEDGER_POINTS, and a severity books an inspection entry, which must be
# above 0. Key -> must it be above 0?
MAX_LEDGER_POINTS = Decimal("100")
_LEDGER_NUMBERS: dict[str, bool] = {"severity_points": True, "overdue_deduction": False, "bonus_cap": False}
_CENT = Decimal("0.01")


def _ledger_problem(value: Any, positive: bool) -> str | None:
    """Why the ledger could not book `value` (already a number ≥ 0), or None."""
    number = _number(value)
    if number is None:
        return None
    if number != number.quantize(_CENT, rounding="ROUND_DOWN"):
        return "at most 2 decimals (the ledger books points to the cent)"
    if positive and number <= 0:
        return "must be above 0 (the ledger books it as an entry)"
    if number > MAX_LEDGER_POINTS:
        return f"at most {MAX_LEDGER_POINTS} (the ledger's largest entry)"
    return None


class SchemeError(ValueError):
    """A scheme that breaks the method's rules; `messages` lists every problem found."""

    def __init__(self, messages: list[str]):
        super().__init__("; ".join(messages))
        self.messages = messages


def _number(value: Any) -> Decimal | None:
    if isinstance(value, bool) or not isinstance(value, (int, float, str, Decimal)):
        return None
    try:
        number = Decimal(str(value))
    except InvalidOperation:
        return None
    return number if number.is_finite() else None


def normalize_scheme(raw: Any) -> dict[str, Any]:
    """Return a complete scheme: the defaults overlaid with `raw`, validated.

    Raises SchemeError naming every broken key (e.g. ``weights: must sum to 100``).
    """
    if raw is None:
        raw = {}
    if not isinstance(raw, dict):
        raise SchemeError(["scheme must be an object"])
    errors: list[str] = []
    unknown = sorted(set(raw) - set(DEFAULT_SCHEME))
    if unknown:
        errors.append(f"unknown keys: {', '.join(unknown)}")
    scheme = copy.deepcopy(DEFAULT_SCHEME)
    for key, keys in _MAPPING_KEYS.items():
        if key not in raw:
            continue
        given = raw[key]
        if not isinstance(given, dict):
            errors.append(f"{key}: must be an object")
            continue
        given = {str(k): v for k, v in given.items()}
        extra = sorted(set(given) - set(keys))
        if extra:
            errors.append(f"{key}: unknown keys {', '.join(extra)}")
        merged = {**scheme[key], **{k: v for k, v in given.items() if k in keys}}
        for k, v in merged.items():
            number = _number(v)
            if number is None or number < 0:
                errors.append(f"{key}.{k}: must be a number ≥ 0")
        scheme[key] = merged
    for key in _INTEGER_KEYS:
        if key in raw:
            v = raw[key]
            if isinstance(v, bool) or not isinstance(v, int) or v < 0:
                errors.append(f"{key}: must be an integer ≥ 0")
            scheme[key] = v
    for key in _NUMBER_KEYS:
        if key in raw:
            number = _number(raw[key])
            if number is None or number < 0:
                errors.append(f"{key}: must be a number ≥ 0")
            scheme[key] = raw[key]
    for key, positive in _LEDGER_NUMBERS.items():
        if key not in raw:
            continue
        values = scheme[key].items() if isinstance(scheme[key], dict) else [(None, scheme[key])]
        for sub_key, value in values:
            problem = _ledger_problem(value, positive)
            if problem:
                errors.append(f"{key}{'.' + sub_key if sub_key else ''}: {problem}")
    if not errors:
        total = sum(Decimal(str(v)) for v in scheme["weights"].values())
        if total != 100:
            errors.append(f"weights: must sum to 100 (they sum to {total})")
        for key in ("dimension_weights", "category_weights"):
            if sum(Decimal(str(v)) for v in scheme[key].values()) <= 0:
                errors.append(f"{key}: at least one weight must be above 0")
        points = [Decimal(str(scheme["level_points"][k])) for k in _MAPPING_KEYS["level_points"]]
        if any(p > 100 for p in points):
            errors.append("level_points: each level is worth at most 100")
        if points != sorted(points):
            errors.append("level_points: a higher level may not be worth less than a lower one")
    if errors:
        raise SchemeError(errors)
    return scheme
