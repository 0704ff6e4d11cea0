import datetime

import pytest
from django.test import Client
from django.utils import timezone

from agencies.scheme import DIMENSIONS
from surveys.anomalies import response_anomalies
from surveys.models import Response
from tests.factories import AgencyFactory, WindowFactory

from .conftest import aware

pytestmark = pytest.mark.django_db


def rows(survey, agency, window, levels, start, step=datetime.timedelta(hours=3), status="valid"):
    return [Response(survey=survey, agency=agency, window=window, status=status, fingerprint=f"f{i}",
                     submitted_at=start + i * step, **{f"r_{d}": level for d in DIMENSIONS})
            for i, level in enumerate(levels)]


def test_ceiling_windows_bursts_and_doubtful_shares_are_flagged(survey, group):
    windows = [WindowFactory(agency=AgencyFactory(group=group, name=f"局{i}"), name=f"窗口{i}") for i in range(5)]
    start = aware(2026, 3, 2, 9)
    batch = []
    for w in windows[:4]:  # ordinary windows: a mix of levels
        batch += rows(survey, w.agency, w, [5, 4, 4, 3, 5, 4] * 6, start)
    batch += rows(survey, windows[4].agency, windows[4], [5] * 40, start)  # everything 非常满意
    batch += rows(survey, windows[0].agency, windows[0], [4] * 20, start, step=datetime.timedelta(minutes=2))  # burst
    batch += rows(survey, windows[1].agency, windows[1], [3] * 15, start, status="duplicate")
    Response.objects.bulk_create(batch)
    hints = response_anomalies(survey=survey, since=aware(2026, 3, 1), until=aware(2026, 4, 1))
    by_window = {h.window_name: h for h in hints}
    assert "满分答卷占 100%" in by_window["窗口4"].reasons[0]
    assert any("集中提交" in r for r in by_window["窗口0"].reasons)
    assert any("重复或可疑" in r for r in by_window["窗口1"].reasons)
    assert by_window["窗口2"].reasons == [] and by_window["窗口2"].ceiling == 12
    assert [h.window_name for h in hints[:3]] == ["窗口0", "窗口1", "窗口4"]  # flagged first


def test_the_anomaly_page_is_for_the_office(survey, admin, group, django_assert_max_num_queries):
    # A quarter of responses at eight windows of eight agencies, two of them flagged: the guard counts
    # the page's queries on real rows, so a query per window or per agency would show.
    windows = [WindowFactory(agency=AgencyFactory(group=group, name=f"局{i}"), name=f"窗口{i}") for i in range(8)]
    start = min(timezone.now(), survey.closes_at) - datetime.timedelta(days=60)
    batch = []
    for w in windows[:6]:
        batch += rows(survey, w.agency, w, [5, 4, 4, 3, 5, 4] * 6, start)
    batch += rows(survey, windows[6].agency, windows[6], [5] * 40, start)
    batch += rows(survey, windows[7].agency, windows[7], [3] * 15, start, status="duplicate")
    Response.objects.bulk_create(batch)
    office = Client()
    office.force_login(admin)
    with django_assert_max_num_queries(6):
        page = office.get(f"/s/{survey.slug}/anomalies/?days=90")
    assert page.status_code == 200
    html = page.content.decode()
    assert all(f"窗口{i}" in html for i in range(8)) and "满分答卷占 100%" in html
    bad = office.get(f"/s/{survey.slug}/anomalies/?days=x")  # shown as an error beside the switch, not ignored
    assert bad.status_code == 400 and "data-filter-error" in bad.content.decode()
    assert "窗口0" not in bad.content.decode()
    assert Client().get(f"/s/{survey.slug}/anomalies/").status_code == 302
