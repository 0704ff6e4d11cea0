"""The inputs digest: one hash per set of inputs that `compute` must give the same result for."""
from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping, Sequence
from decimal import Decimal
from typing import Any

from .core import METHOD_VERSION, AgencyInput, _exact, _parse_scheme


def _canonical_number(value: Any) -> str:
    """One exact spelling per number (30, 30.0, "30" and Decimal("30.00") all give "30")."""
    if type(value) is Decimal and value.is_finite():  # the common case, as str(Fraction(value)) spells it
        numerator, denominator = value.as_integer_ratio()
        return str(numerator) if denominator == 1 else f"{numerator}/{denominator}"
    if type(value) is int:
        return str(value)
    return str(_exact(value))


def _canonical_counts(counts: Mapping[str, Mapping[int, int]]) -> dict[str, dict[str, int]]:
    """Counts with zero entries dropped, so {4: 0} and {} are the same input."""
    result = {}
    for code, by_level in counts.items():
        levels = {str(int(level)): int(n) for level, n in by_level.items() if int(n)}
        if levels:
            result[str(code)] = dict(sorted(levels.items()))
    return dict(sorted(result.items()))


def _optional_number(value: Any) -> str | None:
    return None if value is None else _canonical_number(value)


def inputs_digest(agencies: Sequence[AgencyInput], scheme: Mapping | None) -> str:
    """sha256 (hex) of a canonical JSON of the method version, the effective scheme and the inputs.

    Canonical: agencies sorted by code, keys sorted, numbers in one spelling, zero counts
    dropped — so the digest is the same exactly when `compute` must give the same result.
    """
    document = {
        "method": METHOD_VERSION,
        "scheme": _parse_scheme(scheme).canonical,
        "agencies": [
            {
                "code": a.code,
                "group": a.group,
                "has_service_window": bool(a.has_service_window),
                "public_counts": _canonical_counts(a.public_counts),
                "public_n": int(a.public_n),
                "appraisal_counts": _canonical_counts(a.appraisal_counts),
                "appraisal_n": int(a.appraisal_n),
                "assessment_points": _optional_number(a.assessment_points),
                "assessment_max": _optional_number(a.assessment_max),
                "assessment_n": int(a.assessment_n),
                "inspection_deduction": _canonical_number(a.inspection_deduction),
                "inspection_n": int(a.inspection_n),
                "bonus": _canonical_number(a.bonus),
                "deduction": _canonical_number(a.deduction),
                "veto": bool(a.veto),
            }
            for a in sorted(agencies, key=lambda a: a.code)
        ],
    }
    text = json.dumps(document, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(text.encode("utf-8")).hexdigest()
