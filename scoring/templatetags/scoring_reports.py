"""`{% report_links cycle snapshot group %}`: the dashboard's and scorecard's links to the exports, the bulletin
and (given an agency) its dossier — one line in each page's template."""
from urllib.parse import urlencode

from django import template
from django.utils.translation import gettext as _
from django.utils.translation import pgettext

register = template.Library()


@register.inclusion_tag("scoring/partials/report_links.html")
def report_links(cycle, snapshot, group="", agency_code=""):
    params = {"cycle": cycle.code if cycle else "", "period": snapshot.period if snapshot else "cycle"}
    if group:
        params["group"] = group
    kinds = [("rankings", _("排名与计分明细")),
             ("responses", pgettext("report", "民评答卷")),
             ("opinions", pgettext("report", "群众意见")),
             ("notices", pgettext("report", "整改通知")),
             ("ledger", pgettext("report", "计分台账"))]
    if snapshot is None:
        kinds = kinds[1:]  # no rankings without a snapshot
    return {"snapshot": snapshot, "agency_code": agency_code, "report_query": urlencode(params),
            "report_kinds": kinds}
