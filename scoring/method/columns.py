"""A computation's scorecards and inputs as columns: the compact document a snapshot is stored as.

Why columns: a snapshot of 2,000 agencies used to be 2,000 rows, each with a card and an inputs document
of its own, and building, encoding and storing those 4,000 nested documents cost more than reading the
inputs and computing the method together. Stored as columns (one list per number, one nested list per
count array), the same content is a few dozen lists that numpy hands over with `tolist()` and that encode
in one `json.dumps`; a reader takes row i of each (`card_of`, `inputs_of`), which gives exactly what
`Scorecard.to_dict()` and the inputs of the old rows gave.

Numbers of 2 decimals are kept as whole cents (ints); other numbers (weights, shares, a ledger sum that is
not whole cents) as exact decimal or fraction text.
"""
from __future__ import annotations

import base64
from collections.abc import Mapping
from decimal import Decimal
from fractions import Fraction
from typing import Any

import numpy as np

from .core import (
    APPRAISAL,
    COMPONENT_ORDER,
    LEVELS,
    PUBLIC_SURVEY,
    REASONS,
    InputTable,
    _cents,
    _Official,
    _official,
    _prepare_table,
    _Prepared,
)

FORMAT = 1
_INTERVAL_KEYS = ("total_low", "total_high", "rank_low", "rank_high", "rank_in_group_low", "rank_in_group_high")
_LEVEL_KEYS = tuple(str(level) for level in LEVELS)


def official(table: InputTable, scheme: Mapping | None) -> tuple[_Prepared, _Official]:
    """The official result of `table` (no intervals): what `compute` gives, as columns."""
    prepared = _prepare_table(table, scheme)
    return prepared, _official(prepared)


# --------------------------------------------------------------------------- scorecards

def _text(value: Decimal | None) -> str | None:
    return None if value is None else str(value)


def card_columns(prepared: _Prepared, result: _Official) -> dict[str, Any]:
    """The scorecards of one computation as JSON-ready columns (row i: the table's agency i)."""
    s = prepared.scheme
    table = prepared.table
    cents = result.cents
    components = {}
    for name in COMPONENT_ORDER:
        included = result.included[name]
        components[name] = {
            "score": [c if ok else None for c, ok in zip(cents[name], included, strict=True)],
            "weight_share": [_text(share) for share in result.shares[name]],
            "n": list(prepared.sample_sizes[name]),
            "included": included,
            "reason": prepared.reasons[name],
        }
        if name in result.part_cents:
            components[name]["small_sample"] = [ok and n < s.min_sample
                                                for ok, n in zip(included, prepared.sample_sizes[name], strict=True)]
    return {
        "format": FORMAT,
        "codes": list(table.codes),
        "groups": list(table.groups),
        "windows": table.windows.tolist(),
        "order": result.order,
        "weights": {name: _text(s.weights_shown[name]) for name in COMPONENT_ORDER},
        "components": components,
        "parts": {
            PUBLIC_SURVEY: {"codes": list(s.dimensions), "weights": [_text(w) for w in s.dimension_weights_shown],
                            "mean": _packed(result.part_cents[PUBLIC_SURVEY]),
                            "n": _packed(result.part_ns[PUBLIC_SURVEY])},
            APPRAISAL: {"codes": list(s.categories), "weights": [_text(w) for w in s.category_weights_shown],
                        "mean": _packed(result.part_cents[APPRAISAL]), "n": _packed(result.part_ns[APPRAISAL])},
        },
        **{name: cents[name] for name in ("base", "bonus", "bonus_booked", "deduction", "total")},
        "veto": table.veto.tolist(),
        "rank_overall": result.ranks,
        "rank_in_group": result.group_ranks,
        "outcome": result.outcomes,
        "rated": prepared.rated.tolist(),
    }


def cents_decimal(cents: int):
    """Whole cents as the Decimal of 2 decimals a scorecard row stores ("87.13")."""
    return _cents(cents)


# The narrowest little-endian integer type that holds an array, by the key it is stored under.
_PACKINGS = (("int16", "<i2"), ("int32", "<i4"), ("int64", "<i8"))


def _packed(array: np.ndarray) -> Any:
    """A large integer array as its little-endian bytes in base64, in the narrowest integer type that holds it
    (a tenth of the time of a nested list, both ways; counts and cents rarely need more than 4 bytes, and the
    document is half the size for it); an array that is not int64 (sums too large for it) as a nested list."""
    if array.dtype != np.int64:
        return array.tolist()
    low, high = (int(array.min()), int(array.max())) if array.size else (0, 0)
    key, dtype = next((key, dtype) for key, dtype in _PACKINGS
                      if np.iinfo(dtype).min <= low and high <= np.iinfo(dtype).max)
    return {key: base64.b64encode(np.ascontiguousarray(array, dtype=dtype).tobytes()).decode("ascii"),
            "shape": list(array.shape)}


def _array(value: Any) -> np.ndarray:
    if isinstance(value, dict):
        key, dtype = next((key, dtype) for key, dtype in _PACKINGS if key in value)
        return np.frombuffer(base64.b64decode(value[key]), dtype=dtype).astype(np.int64).reshape(value["shape"])
    return np.array(value)  # a nested list (object dtype when its numbers exceed int64)


def _listed(value: Any) -> Any:
    return _array(value).tolist() if isinstance(value, dict) else value


def cards_unpacked(columns: Mapping[str, Any]) -> dict[str, Any]:
    """`card_columns` as stored, with its packed arrays as nested lists: what `card_of` reads."""
    parts = {name: {**part, "mean": _listed(part["mean"]), "n": _listed(part["n"])}
             for name, part in columns["parts"].items()}
    return {**columns, "parts": parts}


def table_unpacked(columns: Mapping[str, Any]) -> dict[str, Any]:
    """`table_columns` as stored, with its packed arrays as nested lists: what `inputs_of` reads."""
    return {**columns, "public_counts": _listed(columns["public_counts"]),
            "appraisal_counts": _listed(columns["appraisal_counts"])}


def _money(cents: int | None) -> str | None:
    return None if cents is None else str(_cents(cents))


def card_of(columns: Mapping[str, Any], i: int) -> dict[str, Any]:
    """Row i of `card_columns` (`cards_unpacked`) as `Scorecard.to_dict()` spells it (no intervals: their keys
    are None)."""
    components = {}
    window = columns["windows"][i]
    for name in COMPONENT_ORDER:
        column = columns["components"][name]
        reason = column["reason"][i]
        parts = {}
        of_parts = columns["parts"].get(name)
        if of_parts is not None and (name == APPRAISAL or window):
            parts = {code: {"mean": None if mean < 0 else str(_cents(mean)), "n": n, "weight": weight}
                     for code, mean, n, weight in zip(of_parts["codes"], of_parts["mean"][i], of_parts["n"][i],
                                                      of_parts["weights"], strict=True)}
        small = column.get("small_sample")
        components[name] = {
            "score": _money(column["score"][i]),
            "weight": columns["weights"][name],
            "weight_share": column["weight_share"][i],
            "n": column["n"][i],
            "included": column["included"][i],
            "reason": reason,
            "reason_label": REASONS[reason] if reason else None,
            "small_sample": small[i] if small is not None else False,
            "parts": parts,
        }
    return {
        "agency": columns["codes"][i],
        "group": columns["groups"][i],
        "components": components,
        "base": _money(columns["base"][i]),
        "bonus": _money(columns["bonus"][i]),
        "bonus_booked": _money(columns["bonus_booked"][i]),
        "deduction": _money(columns["deduction"][i]),
        "veto": columns["veto"][i],
        "total": _money(columns["total"][i]),
        "rank_overall": columns["rank_overall"][i],
        "rank_in_group": columns["rank_in_group"][i],
        "outcome": columns["outcome"][i],
        "rated": columns["rated"][i],
        **dict.fromkeys(_INTERVAL_KEYS),
    }


# --------------------------------------------------------------------------- inputs

def _exact_text(value: Fraction | None) -> str | None:
    """An exact number as text: "1.50" for whole cents, else "1/3" (both read back by `Fraction`)."""
    if value is None:
        return None
    if 100 % value.denominator == 0:
        return str(_cents(value.numerator * (100 // value.denominator)))
    return str(value)


def _exact_of(text: str | None) -> Fraction | None:
    return None if text is None else Fraction(text)


_EXACT_FIELDS = ("assessment_points", "assessment_max", "inspection_deduction", "bonus", "deduction")
_INT_FIELDS = ("public_n", "appraisal_n", "assessment_n", "inspection_n")


def table_columns(table: InputTable) -> dict[str, Any]:
    """`table` as JSON-ready columns; `table_of` reads them back to the same table."""
    # Ledger sums repeat (0.00 above all), and the recompute's table shares one Fraction per value: each is
    # spelled once, found by identity (hashing a Fraction costs more than spelling it).
    texts: dict[int, str | None] = {}

    def spelled(value):
        text = texts.get(id(value), texts)
        if text is texts:
            text = texts[id(value)] = _exact_text(value)
        return text

    return {
        "format": FORMAT,
        "codes": list(table.codes),
        "groups": list(table.groups),
        "windows": table.windows.tolist(),
        "veto": table.veto.tolist(),
        "dimensions": list(table.dimensions),
        "public_counts": _packed(table.public_counts),
        "categories": list(table.categories),
        "appraisal_counts": _packed(table.appraisal_counts),
        **{name: getattr(table, name).tolist() for name in _INT_FIELDS},
        **{name: [spelled(v) for v in getattr(table, name)] for name in _EXACT_FIELDS},
    }


def table_of(columns: Mapping[str, Any]) -> InputTable:
    count = len(columns["codes"])

    def counts(name: str, parts: int) -> np.ndarray:
        return np.array(_array(columns[name]), dtype=np.int64).reshape(count, parts, len(LEVELS))

    return InputTable(
        codes=tuple(columns["codes"]),
        groups=tuple(columns["groups"]),
        windows=np.array(columns["windows"], dtype=bool).reshape(count),
        dimensions=tuple(columns["dimensions"]),
        public_counts=counts("public_counts", len(columns["dimensions"])),
        categories=tuple(columns["categories"]),
        appraisal_counts=counts("appraisal_counts", len(columns["categories"])),
        veto=np.array(columns["veto"], dtype=bool).reshape(count),
        **{name: np.array(columns[name], dtype=np.int64).reshape(count) for name in _INT_FIELDS},
        **{name: tuple(_exact_of(v) for v in columns[name]) for name in _EXACT_FIELDS},
    )


def inputs_of(columns: Mapping[str, Any], i: int) -> dict[str, Any]:
    """Row i of `table_columns` (`table_unpacked`) as the inputs a scorecard shows: `AgencyInput`'s fields,
    counts by level text ("1".."5", as JSON keeps them), zero counts left out, numbers as text."""
    def counts(codes_key: str, name: str) -> dict[str, dict[str, int]]:
        return {code: {level: n for level, n in zip(_LEVEL_KEYS, row, strict=True) if n}
                for code, row in zip(columns[codes_key], columns[name][i], strict=True) if any(row)}

    return {
        "code": columns["codes"][i],
        "group": columns["groups"][i],
        "has_service_window": columns["windows"][i],
        "public_counts": counts("dimensions", "public_counts"),
        "public_n": columns["public_n"][i],
        "appraisal_counts": counts("categories", "appraisal_counts"),
        "appraisal_n": columns["appraisal_n"][i],
        "assessment_points": columns["assessment_points"][i],
        "assessment_max": columns["assessment_max"][i],
        "assessment_n": columns["assessment_n"][i],
        "inspection_deduction": columns["inspection_deduction"][i],
        "inspection_n": columns["inspection_n"][i],
        "bonus": columns["bonus"][i],
        "deduction": columns["deduction"][i],
        "veto": columns["veto"][i],
    }


__all__ = ["FORMAT", "card_columns", "card_of", "cards_unpacked", "cents_decimal", "inputs_of", "official",
           "table_columns", "table_of", "table_unpacked"]
