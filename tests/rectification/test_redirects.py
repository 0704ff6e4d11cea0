"""A redirect target taken from the request stays on this site (the triage form's `next`)."""
import pytest
from django.test import Client

pytestmark = pytest.mark.django_db


@pytest.fixture
def office(admin):
    client = Client()
    client.force_login(admin)
    return client


@pytest.mark.parametrize("target", ["https://evil.example/", "//evil.example/x", "http://testserver.evil/",
                                    "javascript:alert(1)", "https:///evil.example"])
def test_triage_next_to_another_site_is_refused(office, make_opinion, agency, target):
    opinion = make_opinion()
    r = office.post(f"/dashboard/opinions/{opinion.pk}/triage/",
                    {"action": "route", "agency": agency.code, "next": target})
    assert r.status_code == 302
    assert r["Location"] == "/dashboard/opinions/"


def test_triage_next_within_the_site_is_kept(office, make_opinion, agency):
    opinion = make_opinion()
    r = office.post(f"/dashboard/opinions/{opinion.pk}/triage/",
                    {"action": "route", "agency": agency.code, "next": "/dashboard/opinions/?status=new&page=2"})
    assert r["Location"] == "/dashboard/opinions/?status=new&page=2"


def test_citizen_feedback_redirect_stays_on_track(make_opinion):
    r = Client().post("/track/x&next=https:%2F%2Fevil.example/feedback/", {"answer": "solved"})
    assert r.status_code in (302, 404)
    if r.status_code == 302:
        assert r["Location"].startswith("/track/?receipt=")
