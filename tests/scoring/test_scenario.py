"""A whole cycle end to end, checked against a computation by hand of DESIGN.md's method.

Six agencies in two groups; public responses, appraisal ballots, assessments, findings
confirmed (and one appealed), and office entries — all through the REST API; recompute through
the API; every total, rank and outcome equals the hand computation written next to it.
"""
from datetime import datetime
from decimal import Decimal

import pytest
import time_machine

from agencies.models import User
from inspections.models import Finding
from scoring import method
from scoring.models import RankingSnapshot
from scoring.periods import TZ, period_parse
from scoring.selectors import scheme_of, scoring_inputs

pytestmark = pytest.mark.django_db

ALL_DIMS = ["service_attitude", "lawful_administration", "professional_competence", "policy_execution", "workflow",
            "efficiency", "fees", "integrity"]

# Hand computation (weights public 30, appraisal 30, organizational 20, inspection 20; level points 0/25/50/75/100).
#
# A gaj (window group, has window)
#   public: service_attitude 5,4,2 → (100+75+25)/3 = 66.667; efficiency 5,3 → 75; six others 5 → 100
#           (66.667 + 75 + 600) / 8 = 92.7083
#   appraisal: deputy 5 → 100, grassroots 4 → 75, enterprise 3 → 50: (20·100+30·75+30·50)/80 = 71.875
#   organizational: lead 18 revised to 16, clean 10 → 26/30 → 86.667
#   inspection: a major finding (3) → 97
#   base = (30·92.7083 + 30·71.875 + 20·86.667 + 20·97)/100 = 86.1083
#   bonus 4 + 3 = 7, capped at 5; deduction 1 → 90.1083 → 90.11
# B scjgj (window group, has window)
#   public: 2 × all 3 → 50; appraisal: deputy 75, grassroots 75 → 75; organizational 20/20 → 100
#   inspection: serious 5 + minor 1, the minor reversed on appeal → 95
#   base = (1500 + 2250 + 2000 + 1900)/100 = 76.5; deduction 8.43 → 68.07
# F zwb (window group, has window)
#   public: all 4 → 75 (a duplicate from the same device rated all 1s: not counted)
#   appraisal: grassroots 2 → 25, enterprise 5 → 100: (750 + 3000)/60 = 62.5; organizational 24/30 → 80
#   base = (2250 + 1875 + 1600 + 2000)/100 = 77.25; bonus 2 → 79.25
# C fgw (economy group, no window): appraisal deputy 50, grassroots 100, enterprise 75 → 6250/80 = 78.125
#   organizational 15/30 → 50; inspection 100; base = (2343.75 + 1000 + 2000)/70 = 76.3393 → 76.34
#   bonus 1 reversed → 0; a veto → warned although first in its group
# D czj (economy, no window): appraisal deputy 25, grassroots 50 → 2000/50 = 40; no assessment (left out)
#   base = (1200 + 2000)/50 = 64 → 64.00
# E swj (economy, no window): appraisal deputy 100, enterprise 0 → 2000/50 = 40; organizational 8/10 → 80
#   base = (1200 + 1600 + 2000)/70 = 68.5714; deduction 0.5 → 68.0714 → 68.07 (ties with B)
#
# Ranks on rounded totals: A 90.11 (1), F 79.25 (2), C 76.34 (3), B 68.07 (4), E 68.07 (4), D 64.00 (6)
# In group: window A1 F2 B3; economy C1 E2 D3.
# Outcomes with warn_bottom 2, commend_group_top 1, commend_overall_top 2 (N = 6: warned when rank > 4):
#   A commended, F commended, C warned (veto), B none, E none, D warned.
EXPECTED = {
    # code: (total, rank_overall, rank_in_group, outcome)
    "gaj": ("90.11", 1, 1, "commended"),
    "zwb": ("79.25", 2, 2, "commended"),
    "fgw": ("76.34", 3, 1, "warned"),
    "scjgj": ("68.07", 4, 3, "none"),
    "swj": ("68.07", 4, 2, "none"),
    "czj": ("64.00", 6, 3, "warned"),
}
COMPONENTS = {  # code: {component: score shown (rounded half-up to 2 decimals) or None (left out)}
    "gaj": {"public_survey": "92.71", "appraisal": "71.88", "organizational": "86.67", "inspection": "97"},
    "scjgj": {"public_survey": "50", "appraisal": "75", "organizational": "100", "inspection": "95"},
    "zwb": {"public_survey": "75", "appraisal": "62.5", "organizational": "80", "inspection": "100"},
    "fgw": {"public_survey": None, "appraisal": "78.13", "organizational": "50", "inspection": "100"},
    "czj": {"public_survey": None, "appraisal": "40", "organizational": None, "inspection": "100"},
    "swj": {"public_survey": None, "appraisal": "40", "organizational": "80", "inspection": "100"},
}


def at(month, day, hour=10):
    return datetime(2026, month, day, hour, tzinfo=TZ)


def build_city(api):
    for code, name in (("window", "窗口服务部门"), ("economy", "综合经济部门")):
        assert api.post("/api/v1/agency-groups/", {"code": code, "name": name}).status_code == 201
    for code, group, window in (("gaj", "window", True), ("scjgj", "window", True), ("zwb", "window", True),
                                ("fgw", "economy", False), ("czj", "economy", False), ("swj", "economy", False)):
        response = api.post("/api/v1/agencies/", {"code": code, "name": f"市{code}", "group": group,
                                                  "has_service_window": window, "leader_in_charge": "王副市长"})
        assert response.status_code == 201, response.json()
    response = api.post("/api/v1/cycles/", {"code": "2026", "name": "2026年度", "starts_on": "2026-01-01",
                                            "ends_on": "2026-12-31", "status": "open",
                                            "scheme": {"warn_bottom": 2, "commend_group_top": 1,
                                                       "commend_overall_top": 2}}, format="json")
    assert response.status_code == 201, response.json()
    for slug, kind in (("pub", "public"), ("app", "appraisal")):
        response = api.post("/api/v1/surveys/", {"slug": slug, "cycle": "2026", "kind": kind, "title": slug,
                                                 "opens_at": "2026-01-01T00:00:00+08:00",
                                                 "closes_at": "2027-01-01T00:00:00+08:00"})
        assert response.status_code == 201, response.json()


def respond(client_for, agency, ratings, device, when):
    """A citizen's phone posts to the public API on `when`; its device cookie drives the duplicate rule."""
    citizen = client_for()
    citizen.cookies["ce_device"] = device
    with time_machine.travel(when, tick=False):
        response = citizen.post("/api/v1/surveys/pub/responses/", {"agency": agency, "ratings": ratings},
                                format="json")
    assert response.status_code == 201, response.json()
    return response.json()["status"]


def submit_surveys(api, client_for):
    assert respond(client_for, "gaj", dict.fromkeys(ALL_DIMS, 5), "d1", at(3, 1)) == "valid"
    assert respond(client_for, "gaj", {"service_attitude": 4, "efficiency": 3, "fees": None}, "d2", at(3, 2)) == (
        "valid")
    assert respond(client_for, "gaj", {"service_attitude": 2}, "d3", at(3, 3)) == "valid"
    assert respond(client_for, "scjgj", dict.fromkeys(ALL_DIMS, 3), "d1", at(3, 4)) == "valid"
    assert respond(client_for, "scjgj", dict.fromkeys(ALL_DIMS, 3), "d2", at(3, 5)) == "valid"
    assert respond(client_for, "zwb", dict.fromkeys(ALL_DIMS, 4), "d4", at(3, 6, 9)) == "valid"
    assert respond(client_for, "zwb", dict.fromkeys(ALL_DIMS, 1), "d4", at(3, 6, 11)) == "duplicate"
    ballots = {
        "deputy": {"gaj": 5, "scjgj": 4, "fgw": 3, "czj": 2, "swj": 5},
        "grassroots": {"gaj": 4, "scjgj": 4, "fgw": 5, "czj": 3, "zwb": 2},
        "enterprise": {"gaj": 3, "fgw": 4, "swj": 1, "zwb": 5},
    }
    for category, ratings in ballots.items():
        response = api.post("/api/v1/surveys/app/invitations/", {"category": category, "count": 1})
        assert response.status_code == 201, response.json()
        [token] = response.json()["tokens"]
        response = client_for().post("/api/v1/ballots/", {"token": token, "ratings": ratings}, format="json")
        assert response.status_code == 201, response.json()


def confirm_findings(api, client_for, inspector):
    """An inspector logs three findings from a phone; the office confirms them; scjgj's liaison appeals the
    minor one and the office finds it 不属实, which books a reversing entry."""
    for agency, severities in (("gaj", ["major"]), ("scjgj", ["serious", "minor"])):
        visit = client_for(inspector).post("/api/v1/visits/", {
            "agency": agency, "visited_at": "2026-06-01T10:00:00+08:00", "mode": "covert", "summary": "暗访",
            "findings": [{"category": "attitude", "severity": s, "description": "暗访发现"} for s in severities],
        }, format="json")
        assert visit.status_code == 201, visit.json()
        for finding in visit.json()["findings"]:
            assert api.post(f"/api/v1/findings/{finding['id']}/confirm/", {}).status_code == 200
    minor = Finding.objects.get(severity="minor")
    assert api.post(f"/api/v1/findings/{minor.pk}/confirm/", {}).status_code == 200  # a replay books nothing new
    response = api.post("/api/v1/users/", {"username": "scjgj-liaison", "password": "Liaison-pass-2026",
                                           "role": "agency", "agency": "scjgj"})
    assert response.status_code == 201, response.json()
    liaison = client_for(User.objects.get(username="scjgj-liaison"))
    assert liaison.post(f"/api/v1/findings/{minor.pk}/appeal/", {"reason": "当天系统故障"}).status_code == 200
    response = api.post(f"/api/v1/findings/{minor.pk}/adjudicate/", {"verdict": "false", "note": "核实属系统故障"})
    assert response.status_code == 200 and response.json()["appeal_status"] == "upheld"


def assess(api, assessor_client):
    for code, unit, max_points in (("lead", "市委组织部", 20), ("clean", "市纪委监委", 10)):
        response = api.post("/api/v1/cycles/2026/indicators/", {"code": code, "name": code, "max_points": max_points,
                                                                 "assessor_unit": unit})
        assert response.status_code == 201
    for indicator, agency, points, client in (
        ("lead", "gaj", 18, assessor_client), ("lead", "gaj", 16, assessor_client), ("clean", "gaj", 10, api),
        ("lead", "scjgj", 20, assessor_client), ("lead", "fgw", 10, assessor_client), ("clean", "fgw", 5, api),
        ("clean", "swj", 8, api), ("lead", "zwb", 15, assessor_client), ("clean", "zwb", 9, api),
    ):
        response = client.put("/api/v1/cycles/2026/assessments/", {"indicator": indicator, "agency": agency,
                                                                    "points": points, "note": ""})
        assert response.status_code == 200, response.json()


def book_entries(api):
    def post(code, kind, points, reason="事由"):
        response = api.post("/api/v1/cycles/2026/entries/", {"agency": code, "kind": kind, "points": points,
                                                              "reason": reason})
        assert response.status_code == 201, response.json()
        return response.json()["id"]

    post("gaj", "bonus", "4")
    post("gaj", "bonus", "3")
    post("gaj", "deduction", "1")
    post("scjgj", "deduction", "8.43")
    mistaken = post("fgw", "bonus", "1")
    assert api.post(f"/api/v1/entries/{mistaken}/reverse/", {"reason": "重复登记"}).status_code == 201
    post("fgw", "veto", "0", "发生重大责任事故")
    post("swj", "deduction", "0.5")
    post("zwb", "bonus", "2")


@time_machine.travel(datetime(2026, 6, 15, 10, tzinfo=TZ), tick=False)
def test_a_cycle_end_to_end_matches_the_hand_computation(api, client_for, assessor, leader, inspector,
                                                         django_capture_on_commit_callbacks):
    build_city(api)
    submit_surveys(api, client_for)
    assess(api, client_for(assessor))
    confirm_findings(api, client_for, inspector)
    book_entries(api)

    with django_capture_on_commit_callbacks(execute=True):
        response = api.post("/api/v1/cycles/2026/recompute/", {"period": "cycle"})
    assert response.status_code == 202 and response.json()["task_id"]
    body = client_for(leader).get("/api/v1/cycles/2026/rankings/?period=cycle").json()
    assert body["period"] == "cycle" and body["final"] is False and body["snapshot"]
    rows = {row["agency"]: row for row in body["rows"]}
    got = {code: (f"{Decimal(str(r['total'])):.2f}", r["rank_overall"], r["rank_in_group"], r["outcome"])
           for code, r in rows.items()}
    assert got == EXPECTED
    for code, components in COMPONENTS.items():
        for name, score in components.items():
            component = rows[code]["components"][name]
            if score is None:
                assert component["included"] is False, (code, name, component)
            else:
                assert component["included"] is True, (code, name, component)
                assert Decimal(str(component["score"])) == Decimal(score), (code, name, component)
    assert rows["gaj"]["bonus"] == 5 and rows["gaj"]["deduction"] == 1
    assert rows["fgw"]["bonus"] == 0 and rows["fgw"]["veto"] is True
    assert rows["gaj"]["components"]["public_survey"]["n"] == 3
    assert rows["zwb"]["components"]["public_survey"]["small_sample"] is True
    assert [row["agency"] for row in body["rows"]][:3] == ["gaj", "zwb", "fgw"]

    # Recompute on unchanged inputs: the same digest, the same totals (no second snapshot is needed).
    with django_capture_on_commit_callbacks(execute=True):
        api.post("/api/v1/cycles/2026/recompute/", {"period": "cycle"})
    again = api.get("/api/v1/cycles/2026/rankings/").json()
    assert again["digest"] == body["digest"] and again["rows"] == body["rows"]
    cycle = RankingSnapshot.objects.get(pk=body["snapshot"]).cycle
    until = period_parse("cycle", starts_on=cycle.starts_on, ends_on=cycle.ends_on).until
    assert method.inputs_digest(scoring_inputs(cycle=cycle, until=until), scheme_of(cycle)) == body["digest"]

    # The first quarter counts the March responses but none of the June entries and assessments.
    with django_capture_on_commit_callbacks(execute=True):
        assert api.post("/api/v1/cycles/2026/recompute/", {"period": "2026-Q1"}).status_code == 202
    q1 = {row["agency"]: row for row in api.get("/api/v1/cycles/2026/rankings/?period=2026-Q1").json()["rows"]}
    assert q1["gaj"]["components"]["public_survey"]["included"] is True
    assert q1["gaj"]["components"]["organizational"]["included"] is False
    assert q1["gaj"]["components"]["inspection"]["score"] == 100 and q1["gaj"]["bonus"] == 0
    assert q1["fgw"]["veto"] is False
