from django import template

from .. import selectors

register = template.Library()


@register.simple_tag
def feedback_notice(receipt):
    """The notice a citizen may answer about on /track/ (None when there is nothing to answer)."""
    return selectors.notice_for_receipt(receipt or "")


@register.simple_tag
def calendar_years_missing():
    """The years whose holiday schedule is not entered yet (this one; from November also the next)."""
    return selectors.calendar_years_missing()


@register.filter
def days_left(notice):
    from django.utils import timezone

    return (notice.deadline_applied - timezone.localdate()).days
