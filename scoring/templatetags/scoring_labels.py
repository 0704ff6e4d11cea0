"""Human words for ConductEval's internal codes on pages: `{{ snapshot.period|period_label }}`.

Every page (and every view message or chart label) shows a period through `period_label`, so that
`cycle` reads 全年累计, `2026-W05` 2026年第5周, `2026-03` 2026年3月 and `2026-Q1` 2026年第1季度, in the
visitor's language. Exports and the API keep the codes: they are the contract.
"""
from __future__ import annotations

import re
from datetime import date

from django import template
from django.utils import formats
from django.utils.translation import gettext

from scoring.periods import CYCLE

register = template.Library()

_WEEK = re.compile(r"^(\d{4})-W(\d{2})$")
_MONTH = re.compile(r"^(\d{4})-(\d{2})$")
_QUARTER = re.compile(r"^(\d{4})-Q([1-4])$")


@register.filter
def period_label(name) -> str:
    """The period called `name` in words; a name that is no period code comes back as it is."""
    name = "" if name is None else str(name)
    if name == CYCLE:
        return gettext("全年累计")
    if m := _WEEK.match(name):
        return gettext("%(year)s年第%(week)s周") % {"year": m[1], "week": int(m[2])}
    if (m := _MONTH.match(name)) and 1 <= int(m[2]) <= 12:
        return formats.date_format(date(int(m[1]), int(m[2]), 1), "YEAR_MONTH_FORMAT")
    if m := _QUARTER.match(name):
        return gettext("%(year)s年第%(quarter)s季度") % {"year": m[1], "quarter": m[2]}
    return name
