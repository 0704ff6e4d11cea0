"""`{% dashboard_charts cycle snapshot group %}`: the dashboard's chart panel with its scripts, in one line."""
from django import template

from scoring.chart_views import panel_context

register = template.Library()


@register.inclusion_tag("scoring/partials/charts.html")
def dashboard_charts(cycle, snapshot, group):
    return panel_context(cycle, snapshot, group or "")
