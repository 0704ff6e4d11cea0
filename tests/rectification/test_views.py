import pytest
from django.test import Client

from rectification import services
from rectification.models import RectificationNotice
from tests.factories import AgencyFactory

from .conftest import png_file

pytestmark = pytest.mark.django_db


@pytest.fixture
def browser():
    def make(user=None):
        client = Client()
        if user is not None:
            client.force_login(user)
        return client
    return make


def test_liaison_inbox_lists_own_notices_and_another_agencys_are_404(browser, liaison, notice, other_notice):
    client = browser(liaison)
    page = client.get("/agency/notices/")
    assert page.status_code == 200
    assert notice.text in page.content.decode() and other_notice.text not in page.content.decode()
    assert client.get(f"/agency/notices/{notice.pk}/").status_code == 200
    assert client.get(f"/agency/notices/{other_notice.pk}/").status_code == 404
    assert client.post(f"/agency/notices/{other_notice.pk}/", {"measures": "x"}).status_code == 404


def test_pages_refuse_anonymous_and_other_roles(browser, inspector, liaison, leader, notice):
    assert browser().get("/agency/notices/").status_code == 302
    assert browser().get("/dashboard/rectifications/").status_code == 302
    assert browser(inspector).get("/agency/notices/").status_code == 403
    assert browser(inspector).get(f"/agency/notices/{notice.pk}/").status_code == 403
    assert browser(liaison).get("/dashboard/rectifications/").status_code == 403
    assert browser(leader).get("/dashboard/opinions/").status_code == 403
    assert browser(leader).get("/dashboard/rectifications/").status_code == 200


def test_liaison_responds_with_evidence_and_admin_verifies_through_the_pages(browser, liaison, other_liaison, admin,
                                                                           notice):
    client = browser(liaison)
    refused = client.post(f"/agency/notices/{notice.pk}/", {"measures": "措施", "evidence": [
        png_file("fake.png").__class__("fake.png", b"not an image")]})
    assert "只接受" in refused.content.decode()
    done = client.post(f"/agency/notices/{notice.pk}/", {"measures": "调整排班", "evidence": [png_file()]})
    assert done.status_code == 302
    notice.refresh_from_db()
    assert notice.status == "responded"
    evidence = notice.evidence.get()
    url = f"/agency/notices/{notice.pk}/evidence/{evidence.pk}/"
    assert client.get(url).status_code == 200
    assert browser(other_liaison).get(url).status_code == 404
    assert browser(admin).post(f"/dashboard/rectifications/{notice.pk}/", {"accepted": "1"}).status_code == 302
    notice.refresh_from_db()
    assert notice.status == "verified"


def test_board_shows_overdue_items_with_a_bounded_number_of_queries(browser, admin, group, cycle,
                                                                   django_assert_max_num_queries):
    for i in range(15):
        services.notice_issue(agency=AgencyFactory(group=group), cycle=cycle, source="manual", text=f"事项{i}")
    RectificationNotice.objects.filter(pk__lte=RectificationNotice.objects.order_by("id")[4].pk).update(overdue=True)
    client = browser(admin)
    with django_assert_max_num_queries(15):
        page = client.get("/dashboard/rectifications/?status=issued")
    assert page.status_code == 200
    assert page.content.decode().count("table-danger") == 5


def test_triage_queue_suggests_and_routes(browser, admin, make_opinion, agency):
    first = make_opinion("户政窗口排队时间太长，工作人员态度冷淡")
    second = make_opinion("窗口工作人员态度冷淡，排队时间长")
    client = browser(admin)
    page = client.get("/dashboard/opinions/").content.decode()
    assert "相似意见" in page and f"#{first.pk}" in page
    client.post(f"/dashboard/opinions/{second.pk}/triage/", {"action": "merge", "merge_into": first.pk})
    client.post(f"/dashboard/opinions/{first.pk}/triage/", {"action": "route", "agency": agency.code})
    second.refresh_from_db()
    assert second.status == "merged"
    assert RectificationNotice.objects.filter(opinion=first, agency=agency).exists()


def test_citizen_answers_on_the_tracking_page(browser, admin, liaison, make_opinion, agency):
    opinion = make_opinion()
    services.opinion_triage(opinion=opinion, action="route", agency=agency, actor=admin)
    notice = RectificationNotice.objects.get(opinion=opinion)
    citizen = browser()
    track = f"/track/?receipt={opinion.receipt}"
    assert "未解决" not in citizen.get(track).content.decode()
    services.notice_respond(notice=notice, actor=liaison, measures="增设窗口", files=[png_file()])
    services.notice_verify(notice=notice, actor=admin, accepted=True)
    assert "未解决" in citizen.get(track).content.decode()  # the tracking page asks the citizen

    response = citizen.post(f"/track/{opinion.receipt}/feedback/", {"answer": "not_fixed"}, HTTP_HX_REQUEST="true")
    assert response.status_code == 200 and "重新核查" in response.content.decode()
    opinion.refresh_from_db()
    notice.refresh_from_db()
    assert (opinion.status, notice.status) == ("reopened", "responded")
    assert "重新核查" in citizen.get(track).content.decode()
    again = citizen.post(f"/track/{opinion.receipt}/feedback/", {"answer": "fixed"}, HTTP_HX_REQUEST="true")
    assert again.status_code == 409
    assert citizen.post("/track/NOSUCHCODE/feedback/", {"answer": "fixed"}).status_code == 404


def test_in_app_inbox_lists_and_marks_read(browser, liaison, notice):
    client = browser(liaison)
    assert notice.text in client.get("/notifications/").content.decode()
    client.post("/notifications/", {})
    assert not liaison.notifications.filter(read_at__isnull=True).exists()


def test_the_response_and_verification_forms_show_each_error_under_its_field(browser, liaison, admin, notice):
    client = browser(liaison)
    page = client.get(f"/agency/notices/{notice.pk}/").content.decode()
    assert 'class="form-control"' in page and 'class="form-label"' in page  # styled like the rest
    refused = client.post(f"/agency/notices/{notice.pk}/", {"measures": "措施", "evidence": [
        png_file("fake.png").__class__("fake.png", b"not an image")]}).content.decode()
    field = refused[refused.index('name="evidence"'):]
    assert 'is-invalid' in refused[refused.rindex("<input", 0, refused.index('name="evidence"')):][:300]
    assert field.index("invalid-feedback") < field.index("</div>") + 200 and "只接受" in field[:600]
    assert "措施" in refused  # what was typed stays
    services.notice_respond(notice=notice, actor=liaison, measures="调整排班", files=[png_file()])
    verify = browser(admin).post(f"/agency/notices/{notice.pk}/", {"accepted": "maybe"}).content.decode()
    assert 'form-check-input is-invalid' in verify and "invalid-feedback" in verify
