from django import template
from django.urls import reverse

from agencies.access import has_role
from agencies.choices import Role

from ..selectors import notice_for_source
from ..sources import notice_sources

register = template.Library()


@register.inclusion_tag("rectification/partials/notice_sources.html", takes_context=True)
def notice_source_links(context, notice):
    """The notice's sources as links (opinion, finding, ranking, overdue deduction)."""
    return {"links": notice_sources(notice, context["request"].user)}


@register.inclusion_tag("rectification/partials/ranking_notice.html", takes_context=True)
def ranking_notice_link(context, snapshot, agency):
    """On a final result's scorecard: the rectification notice its ranking issued to the agency, if any."""
    notice = None
    if snapshot is not None and snapshot.final:
        notice = notice_for_source(f"ranking:{snapshot.cycle.code}:{agency.code}")
    user = context["request"].user
    return {"notice": notice, "url": notice and reverse(
        "rectification:notice" if has_role(user, Role.AGENCY) else "rectification:board-notice", args=[notice.pk])}
