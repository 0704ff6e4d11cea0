"""`{% dashboard_charts cycle snapshot group %}`: the dashboard's chart panel with its scripts, in one line."""
from django import template

from scoring.chart_views import panel_context

register = template.Library()


@register.inclusion_tag("scoring/partials/charts.html", takes_context=True)
def dashboard_charts(context, cycle, snapshot, group):
    """The dashboard already read the cycle's periods and the groups: the panel reuses them."""
    return panel_context(cycle, snapshot, group or "", periods=context.get("periods"), groups=context.get("groups"))
