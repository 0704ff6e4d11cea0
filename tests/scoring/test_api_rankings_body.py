"""The rankings API renders a snapshot's body once and serves it from the cache afterwards (snapshots never change)."""
import json

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from scoring import services
from tests.factories import AgencyFactory

from .factories import rate_fully

pytestmark = pytest.mark.django_db


def test_the_second_request_reads_no_scorecard_and_answers_the_same_body(api, cycle, group):
    agencies = [AgencyFactory(code=f"b{i:02d}", group=group) for i in range(25)]
    rate_fully(cycle, *agencies)
    snapshot = services.snapshot_compute(cycle=cycle, period="cycle")
    url = f"/api/v1/cycles/{cycle.code}/rankings/"
    first = api.get(url)
    assert first.status_code == 200 and first["Content-Type"].startswith("application/json")
    with CaptureQueriesContext(connection) as queries:
        second = api.get(url)
    assert second.status_code == 200 and second.content == first.content
    assert len(queries) <= 3, [q["sql"] for q in queries]  # the cycle, the newest snapshot (and no scorecard)
    assert not any("scoring_scorecard" in q["sql"] for q in queries)
    body = json.loads(second.content)
    assert body["snapshot"] == snapshot.pk and len(body["rows"]) == 25
    assert isinstance(body["rows"][0]["total"], int | float)  # numbers, as before


def test_a_new_snapshot_is_served_at_once(api, cycle, agency, other_agency):
    rate_fully(cycle, agency, other_agency)
    first = services.snapshot_compute(cycle=cycle, period="cycle")
    url = f"/api/v1/cycles/{cycle.code}/rankings/"
    assert api.get(url).json()["snapshot"] == first.pk
    services.score_entry_book(cycle=cycle, agency=agency, kind="bonus", points="2", reason="表彰")
    second = services.snapshot_compute(cycle=cycle, period="cycle")
    body = api.get(url).json()
    assert body["snapshot"] == second.pk
    assert {r["agency"]: r["bonus"] for r in body["rows"]}[agency.code] == 2


def test_a_worker_that_served_the_body_asks_the_cache_for_its_token_alone(api, cycle, agency, other_agency,
                                                                           monkeypatch):
    from scoring.api import views

    rate_fully(cycle, agency, other_agency)
    services.snapshot_compute(cycle=cycle, period="cycle")
    url = f"/api/v1/cycles/{cycle.code}/rankings/"
    first = api.get(url).content
    asked, real_get = [], views.cache.get

    def get(key, *args, **kwargs):
        asked.append(key)
        return real_get(key, *args, **kwargs)

    monkeypatch.setattr(views.cache, "get", get)
    assert api.get(url).content == first
    assert len(asked) == 1 and asked[0].endswith(":token")  # not the body
    views._bodies.clear()  # another worker: the body comes from the cache, with no scorecard read
    asked.clear()
    with CaptureQueriesContext(connection) as queries:
        assert api.get(url).content == first
    assert len(asked) == 1 and not asked[0].endswith(":token")
    assert not any("scoring_scorecard" in q["sql"] for q in queries)
