"""The inputs digest: one hash per set of inputs that `compute` must give the same result for.

Why array bytes: at 2,000 agencies the per-level counts are 120,000 numbers, and spelling
them as canonical JSON cost more than the method's whole exact core. They are hashed
instead as the bytes of integer arrays of a fixed layout: (agencies sorted by code,
dimensions or categories sorted by code, levels 1..5), int64, little-endian, C order. The
few other inputs (codes, groups, flags, sample sizes, ledger sums) and the effective scheme
are small and go in as canonical JSON. Every section is framed by its name and length, so
no two different inputs can spell the same byte stream.

Canonical, as before: the order of the agencies and of every mapping does not matter, a
zero count is the same as no count, and a number has one spelling (30, 30.0, "30" and
Decimal("30.00") are the same input). Levels outside 1..5 and negative counts are refused,
as `compute` refuses them.
"""
from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Mapping, Sequence
from decimal import Decimal
from typing import Any

import numpy as np

from .core import LEVELS, METHOD_VERSION, AgencyInput, InputTable, _count_cells, _exact, _parse_scheme

# The layout of the byte stream below; part of the hash, so that a change of layout changes every digest.
_LAYOUT = b"conducteval-inputs-digest/2"


def _canonical_number(value: Any) -> str:
    """One exact spelling per number (30, 30.0, "30" and Decimal("30.00") all give "30")."""
    if type(value) is Decimal and value.is_finite():  # the common case, as str(Fraction(value)) spells it
        numerator, denominator = value.as_integer_ratio()
        return str(numerator) if denominator == 1 else f"{numerator}/{denominator}"
    if type(value) is int:
        return str(value)
    return str(_exact(value))


def _optional_number(value: Any) -> str | None:
    return None if value is None else _canonical_number(value)


def _count_bytes(agencies: Sequence[AgencyInput], attribute: str, known: Iterable[str]) -> tuple[list[str], bytes]:
    """The (agencies, codes, 5) counts of `attribute` as int64 little-endian C-order bytes, and the codes.

    The columns are the scheme's codes, sorted, then any other code that has a non-zero
    count, sorted (`compute` refuses those; the digest only has to tell them apart).
    """
    rows, keys, counts = _count_cells(agencies, attribute)
    codes = sorted(known)
    column = {code: i for i, code in enumerate(codes)}
    rated = counts.any(axis=1).tolist()
    others = sorted({str(key) for key, any_count in zip(keys, rated, strict=True) if any_count and key not in column})
    if others:
        column.update({code: len(codes) + i for i, code in enumerate(others)})
        codes += others
    kept = [i for i, (key, any_count) in enumerate(zip(keys, rated, strict=True))
            if key in column or (any_count and str(key) in column)]
    slots = np.array([rows[i] * len(codes) + column[keys[i] if keys[i] in column else str(keys[i])] for i in kept],
                     dtype=np.int64)
    array = np.zeros((len(agencies) * len(codes), len(LEVELS)), dtype=np.int64)
    np.add.at(array, slots, counts[kept])
    return codes, array.astype("<i8", copy=False).tobytes(order="C")


def _feed(hasher: Any, name: str, payload: bytes) -> None:
    """One framed section: its name, its length, its bytes."""
    label = name.encode("ascii")
    hasher.update(len(label).to_bytes(2, "little") + label + len(payload).to_bytes(8, "little"))
    hasher.update(payload)


def _json(document: Any) -> bytes:
    return json.dumps(document, ensure_ascii=False, sort_keys=True, separators=(",", ":")).encode("utf-8")


def inputs_digest(agencies: Sequence[AgencyInput], scheme: Mapping | None) -> str:
    """sha256 (hex) of the method version, the effective scheme and the inputs, in a canonical layout.

    The digest is the same exactly when `compute` must give the same result: agencies in any
    order, mappings in any order, zero counts or none, numbers in any spelling.
    """
    parsed = _parse_scheme(scheme)
    ordered = sorted(agencies, key=lambda a: a.code)
    public_codes, public = _count_bytes(ordered, "public_counts", parsed.dimensions)
    appraisal_codes, appraisal = _count_bytes(ordered, "appraisal_counts", parsed.categories)
    flags = np.array([(bool(a.has_service_window), bool(a.veto), int(a.public_n), int(a.appraisal_n),
                       int(a.assessment_n), int(a.inspection_n)) for a in ordered], dtype="<i8").reshape(-1, 6)
    scalars = {
        "codes": [a.code for a in ordered],
        "groups": [a.group for a in ordered],
        "assessment_points": [_optional_number(a.assessment_points) for a in ordered],
        "assessment_max": [_optional_number(a.assessment_max) for a in ordered],
        "inspection_deduction": [_canonical_number(a.inspection_deduction) for a in ordered],
        "bonus": [_canonical_number(a.bonus) for a in ordered],
        "deduction": [_canonical_number(a.deduction) for a in ordered],
    }
    return _hashed(parsed, scalars, flags, (public_codes, public), (appraisal_codes, appraisal))


def _table_count_bytes(array: np.ndarray, given: Sequence[str], known: Iterable[str]) -> tuple[list[str], bytes]:
    """`_count_bytes` of a table's count array over its `given` codes: the same columns, the same bytes."""
    codes = sorted(known)
    column = {code: j for j, code in enumerate(given)}
    others = sorted(code for j, code in enumerate(given) if code not in set(codes) and array[:, j].any())
    codes += others
    padded = np.concatenate([array, np.zeros((array.shape[0], 1, len(LEVELS)), dtype=np.int64)], axis=1)
    taken = padded[:, [column.get(code, len(given)) for code in codes]]
    return codes, np.ascontiguousarray(taken, dtype="<i8").tobytes(order="C")


def table_digest(table: InputTable, scheme: Mapping | None) -> str:
    """`inputs_digest` of the table's agencies (`table.agency_inputs()`), from its arrays as they are."""
    parsed = _parse_scheme(scheme)
    public_codes, public = _table_count_bytes(table.public_counts, table.dimensions, parsed.dimensions)
    appraisal_codes, appraisal = _table_count_bytes(table.appraisal_counts, table.categories, parsed.categories)
    flags = np.stack([table.windows.astype(np.int64), table.veto.astype(np.int64), table.public_n,
                      table.appraisal_n, table.assessment_n, table.inspection_n], axis=1).astype("<i8")
    spelled: dict[int, str | None] = {}

    def number(value) -> str | None:  # a table shares one Fraction per sum (0 above all): spelled once, by identity
        text = spelled.get(id(value), spelled)
        if text is spelled:
            text = spelled[id(value)] = _optional_number(value)
        return text

    scalars = {
        "codes": list(table.codes),
        "groups": list(table.groups),
        **{name: [number(v) for v in getattr(table, name)]
           for name in ("assessment_points", "assessment_max", "inspection_deduction", "bonus", "deduction")},
    }
    return _hashed(parsed, scalars, flags, (public_codes, public), (appraisal_codes, appraisal))


def _hashed(parsed, scalars: dict, flags: np.ndarray, public: tuple[list[str], bytes],
            appraisal: tuple[list[str], bytes]) -> str:
    hasher = hashlib.sha256()
    _feed(hasher, "layout", _LAYOUT)
    _feed(hasher, "method", METHOD_VERSION.encode("ascii"))
    _feed(hasher, "scheme", _json(parsed.canonical))
    _feed(hasher, "scalars", _json(scalars))
    _feed(hasher, "flags", np.ascontiguousarray(flags).tobytes(order="C"))
    _feed(hasher, "public_codes", _json(public[0]))
    _feed(hasher, "public_counts", public[1])
    _feed(hasher, "appraisal_codes", _json(appraisal[0]))
    _feed(hasher, "appraisal_counts", appraisal[1])
    return hasher.hexdigest()
