"""The office books and reverses ledger entries on a page, through the same services as the API."""
import pytest

from scoring.models import ScoreEntry

pytestmark = pytest.mark.django_db


def test_admin_books_a_bonus_a_deduction_and_a_veto_then_reverses_one(client, cycle, agency, other_agency, admin):
    client.force_login(admin)
    assert "登记加分、扣分或一票否决" in client.get("/dashboard/ledger/").content.decode()
    for kind, points, reason in (("bonus", "2.5", "获评省级文明窗口"), ("deduction", "1", "被媒体曝光"),
                                 ("veto", "", "发生严重违纪")):
        agency_code = "scjgj" if kind == "veto" else "gaj"
        r = client.post(f"/dashboard/ledger/?cycle={cycle.code}",
                        {"agency": agency_code, "kind": kind, "points": points, "reason": reason})
        assert r.status_code == 302, r.content.decode()[:400]
    booked = {e.kind: e for e in ScoreEntry.objects.all()}
    assert (booked["bonus"].points, booked["bonus"].created_by, booked["bonus"].agency) == (2.5, admin, agency)
    assert (booked["veto"].points, booked["veto"].agency) == (0, other_agency)
    page = client.get(f"/dashboard/ledger/?cycle={cycle.code}").content.decode()
    assert "获评省级文明窗口" in page and f"/dashboard/ledger/{booked['bonus'].pk}/reverse/" in page
    assert client.post(f"/dashboard/ledger/{booked['bonus'].pk}/reverse/", {"reason": ""}).status_code == 302
    assert not ScoreEntry.objects.filter(reverses=booked["bonus"]).exists()  # a reason is required
    client.post(f"/dashboard/ledger/{booked['bonus'].pk}/reverse/", {"reason": "材料有误"})
    reversal = ScoreEntry.objects.get(reverses=booked["bonus"])
    assert (reversal.points, reversal.reason) == (-2.5, "材料有误")
    client.post(f"/dashboard/ledger/{booked['bonus'].pk}/reverse/", {"reason": "再冲一次"})
    assert ScoreEntry.objects.filter(reverses=booked["bonus"]).count() == 1
    assert "已冲销" in client.get(f"/dashboard/ledger/?cycle={cycle.code}&agency=gaj").content.decode()


def test_the_services_rules_reach_the_page(client, cycle, agency, admin):
    client.force_login(admin)
    for body, field in (({"kind": "bonus", "points": "0", "reason": "x"}, "分值必须大于 0"),
                        ({"kind": "bonus", "points": "1.234", "reason": "x"}, "is-invalid"),
                        ({"kind": "veto", "points": "3", "reason": "x"}, "一票否决的分值必须为 0"),
                        ({"kind": "inspection", "points": "3", "reason": "x"}, "is-invalid")):
        r = client.post("/dashboard/ledger/", {"agency": "gaj", **body})
        assert r.status_code == 400 and field in r.content.decode(), body
    assert not ScoreEntry.objects.exists()


@pytest.mark.parametrize("who", ["leader", "liaison", "inspector"])
def test_only_the_office_uses_the_ledger_page(request, client, cycle, agency, who):
    client.force_login(request.getfixturevalue(who))
    assert client.get("/dashboard/ledger/").status_code == 403
    assert client.post("/dashboard/ledger/", {"agency": "gaj", "kind": "bonus", "points": "1",
                                              "reason": "x"}).status_code == 403
    assert not ScoreEntry.objects.exists()
