from django import template

from ..sources import notice_sources

register = template.Library()


@register.inclusion_tag("rectification/partials/notice_sources.html", takes_context=True)
def notice_source_links(context, notice):
    """The notice's sources as links (opinion, finding, ranking, overdue deduction)."""
    return {"links": notice_sources(notice, context["request"].user)}
