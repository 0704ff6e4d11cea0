"""The dashboard's control for showing a period result in public: {% public_release_form snapshot user %}."""
from django import template

from agencies.access import is_admin
from agencies.choices import CycleStatus

from .. import selectors

register = template.Library()


@register.inclusion_tag("scoring/partials/public_release.html")
def public_release_form(snapshot, user, cycle):
    """`cycle` is the snapshot's (the page has it already)."""
    shown = snapshot is not None and not snapshot.final and cycle.status in (CycleStatus.OPEN, CycleStatus.CLOSED)
    return {"snapshot": snapshot, "may_release": shown and is_admin(user),
            "release": selectors.release_of(snapshot) if shown else None}
