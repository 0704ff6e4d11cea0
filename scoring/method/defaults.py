"""The scheme's codes, labels and DESIGN.md's defaults: pure data, no Django.

The method falls back on DEFAULT_SCHEME for every key a cycle's scheme omits, so the
defaults live here, beside the method, and `agencies.scheme` (which validates a cycle's
scheme) reads them from here: the method never imports an app.

Labels are the Chinese source text. They are marked for the message catalog with
`gettext_noop`, which here is a local identity function of the same name: makemessages
finds the marker by its name (`--keyword=gettext_noop` is one of its defaults), while
the method stays importable without Django settings. Pages translate the labels where
they show them; exports and the method keep the source text.
"""
from __future__ import annotations

from typing import Any


def gettext_noop(message: str) -> str:
    """Mark `message` for translation and return it unchanged, as django.utils.translation.gettext_noop does."""
    return message


DIMENSIONS: dict[str, str] = {
    "service_attitude": gettext_noop("服务态度"),
    "lawful_administration": gettext_noop("依法行政"),
    "professional_competence": gettext_noop("业务素质"),
    "policy_execution": gettext_noop("政策执行"),
    "workflow": gettext_noop("工作流程"),
    "efficiency": gettext_noop("办事效率"),
    "fees": gettext_noop("收费情况"),
    "integrity": gettext_noop("廉洁自律"),
}
# Level -> label (`scoring.method.LEVELS` is the tuple of the levels themselves).
LEVELS: dict[int, str] = {
    1: gettext_noop("非常不满意"),
    2: gettext_noop("不满意"),
    3: gettext_noop("基本满意"),
    4: gettext_noop("满意"),
    5: gettext_noop("非常满意"),
}
CATEGORIES: dict[str, str] = {
    "deputy": gettext_noop("两代表一委员"),
    "grassroots": gettext_noop("基层单位"),
    "enterprise": gettext_noop("企业"),
    "citizen": gettext_noop("群众"),
}
COMPONENTS: dict[str, str] = {
    "public_survey": gettext_noop("网上民评"),
    "appraisal": gettext_noop("年度评议"),
    "organizational": gettext_noop("组织考评"),
    "inspection": gettext_noop("明察暗访"),
}
SEVERITIES: dict[str, str] = {
    "minor": gettext_noop("轻微"), "major": gettext_noop("较重"), "serious": gettext_noop("严重"),
}

DEFAULT_SCHEME: dict[str, Any] = {
    "level_points": {"1": 0, "2": 25, "3": 50, "4": 75, "5": 100},
    "dimension_weights": dict.fromkeys(DIMENSIONS, 1),
    "category_weights": {"deputy": 20, "grassroots": 30, "enterprise": 30, "citizen": 20},
    "weights": {"public_survey": 30, "appraisal": 30, "organizational": 20, "inspection": 20},
    "severity_points": {"minor": 1, "major": 3, "serious": 5},
    "bonus_cap": 5,
    "warn_bottom": 3,
    "commend_group_top": 3,
    "commend_overall_top": 10,
    "min_sample": 30,
    "rectification_working_days": 15,
    "overdue_deduction": 0.5,
}
