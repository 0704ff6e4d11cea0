"""The Django admin is a window onto the record, not a side door around the services.

Records that services write are read-only there; the office acts on them through admin actions that
call those services; deleting configuration never takes evidence or history with it; and configuration
entered in the admin obeys the rules the API enforces.
"""
import datetime
import io

import pytest
from django.contrib.admin.sites import site
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import models
from django.urls import reverse
from django.utils import timezone
from PIL import Image

from agencies.models import Agency, AgencyGroup, Cycle, LoginLockout, User, Window
from inspections import services as inspections
from inspections.models import Evidence, Finding, Visit
from rectification import services as rectification
from rectification.models import (
    CalendarDay,
    CommendationList,
    NoticeEvent,
    NoticeEvidence,
    Notification,
    ProblemCategory,
    RectificationNotice,
)
from scoring import services as scoring
from scoring.models import (
    Assessment,
    Indicator,
    PublicRelease,
    RankingSnapshot,
    RecomputeRequest,
    Scorecard,
    ScoreEntry,
)
from surveys import services as surveys
from surveys.models import (
    Ballot,
    BallotDaily,
    BallotMonthly,
    BallotRating,
    Invitation,
    Opinion,
    OpinionEvent,
    RatingDaily,
    RatingMonthly,
    Response,
    Survey,
)
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

# Written only by services: no add, change or delete in the admin (registered or not).
SERVICE_WRITTEN = [Visit, Finding, Evidence, RectificationNotice, NoticeEvent, NoticeEvidence, Notification,
                   CommendationList, ScoreEntry, Assessment, RankingSnapshot, Scorecard, Opinion, OpinionEvent,
                   Response, Ballot, BallotRating, RatingMonthly, PublicRelease]
# Configuration the office keeps in the admin, with the API's rules.
CONFIGURATION = [AgencyGroup, Agency, Window, Cycle, User, Survey, Indicator, Invitation, CalendarDay,
                 ProblemCategory]
# Failed sign-ins (django-axes): read-only, and deleting a row is the office's way to lift a lock.
SIGN_IN_RECORDS = [LoginLockout]
# A configuration row may take these along when it is deleted: they are derived or part of it.
CASCADE_ALLOWED = {
    (Window, "agency"): "an agency's windows are its configuration; a window with responses or visits is PROTECTed",
    (RatingMonthly, "survey"): "rollups are recomputed from responses, which PROTECT the survey",
    (RatingMonthly, "agency"): "rollups are recomputed from responses, which PROTECT the agency",
    (RatingDaily, "survey"): "rollups are recomputed from responses, which PROTECT the survey",
    (RatingDaily, "agency"): "rollups are recomputed from responses, which PROTECT the agency",
    (BallotDaily, "survey"): "rollups are recomputed from ballots, which PROTECT the survey",
    (BallotDaily, "agency"): "rollups are recomputed from ballot ratings, which PROTECT the agency",
    (BallotMonthly, "survey"): "rollups are recomputed from ballots, which PROTECT the survey",
    (BallotMonthly, "agency"): "rollups are recomputed from ballot ratings, which PROTECT the agency",
    (Agency, "leader_account"): "configuration pointing at configuration: the agency stays, without the account",
    (RecomputeRequest, "cycle"): "a work order of the outbox, not a record: the snapshots it made PROTECT the cycle",
    (RecomputeRequest, "requested_by"): "a work order of the outbox: it runs the same without the account",
}
VISITED = timezone.make_aware(datetime.datetime(2026, 3, 2, 10, 30))


@pytest.fixture
def office(client, admin):
    admin.is_staff = admin.is_superuser = True
    admin.save()
    client.force_login(admin)
    return client


@pytest.fixture(autouse=True)
def _media(tmp_path, settings):
    settings.MEDIA_ROOT = tmp_path / "media"


def png() -> SimpleUploadedFile:
    buffer = io.BytesIO()
    Image.new("RGB", (8, 8), "red").save(buffer, format="PNG")
    return SimpleUploadedFile("photo.png", buffer.getvalue(), content_type="image/png")


@pytest.fixture
def finding(inspector, agency, cycle):
    visit = inspections.visit_create(inspector=inspector, agency=agency, visited_at=VISITED, mode="covert",
                                     findings=[{"category": "attitude", "severity": "major", "description": "推诿"}],
                                     submit=True)
    return visit.findings.get()


@pytest.fixture
def survey(cycle):
    now = timezone.now()
    return surveys.survey_create(slug="pub", cycle=cycle, kind="public", title="网上民评",
                                 opens_at=now - datetime.timedelta(days=1), closes_at=now + datetime.timedelta(days=30))


def changelist(model) -> str:
    return reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_changelist")


def run_action(office, model, action, objects, reason=None):
    data = {"action": action, "_selected_action": [o.pk for o in objects]}
    if reason is not None:
        data |= {"apply": "1", "reason": reason}
    return office.post(changelist(model), data, follow=True)


# --- read-only records ---------------------------------------------------------------------------

def test_every_registered_model_is_classified():
    """A model newly put in the admin must be declared service-written or configuration here."""
    unclassified = [m for m in site._registry if m not in SERVICE_WRITTEN + CONFIGURATION + SIGN_IN_RECORDS
                    and m._meta.app_label in {"agencies", "surveys", "scoring", "rectification", "inspections"}]
    assert not unclassified


@pytest.mark.parametrize("model", [m for m in SERVICE_WRITTEN if m in site._registry], ids=lambda m: m.__name__)
def test_service_written_records_are_read_only_even_for_a_superuser(model, rf, admin):
    admin.is_staff = admin.is_superuser = True
    request = rf.get("/admin/")
    request.user = admin
    model_admin = site._registry[model]
    assert not model_admin.has_add_permission(request)
    assert not model_admin.has_change_permission(request)
    assert not model_admin.has_delete_permission(request)
    assert "delete_selected" not in model_admin.get_actions(request)
    for inline in model_admin.get_inline_instances(request):
        assert not inline.has_add_permission(request, None)
        assert not inline.has_change_permission(request)
        assert not inline.has_delete_permission(request)


def test_a_finding_cannot_be_edited_or_deleted_over_http(office, finding):
    opts = "admin:inspections_finding"
    change = reverse(f"{opts}_change", args=[finding.pk])
    assert office.get(change).status_code == 200  # shown, read only
    office.post(change, {"status": "confirmed", "severity": "minor"})
    assert office.post(reverse(f"{opts}_delete", args=[finding.pk]), {"post": "yes"}).status_code == 403
    assert office.get(reverse(f"{opts}_add")).status_code == 403
    finding.refresh_from_db()
    assert (finding.status, finding.severity) == ("submitted", "major")
    assert not ScoreEntry.objects.exists()


# --- actions call the services -------------------------------------------------------------------

def test_confirming_a_finding_from_the_admin_books_the_entry_and_issues_the_notice(office, finding, admin):
    page = run_action(office, Finding, "confirm", [finding])
    assert "理由" in page.content.decode()  # the intermediate page asks first
    assert Finding.objects.get().status == "submitted"
    run_action(office, Finding, "confirm", [finding], reason="暗访属实")
    finding.refresh_from_db()
    assert finding.status == "confirmed" and finding.reviewed_by == admin and finding.reason == "暗访属实"
    entry = ScoreEntry.objects.get(source_key=f"finding:{finding.pk}")
    assert entry.created_by == admin and entry.points > 0
    assert RectificationNotice.objects.filter(source_key=f"finding:{finding.pk}").count() == 1
    run_action(office, Finding, "confirm", [finding], reason="再次确认")  # the service books nothing twice
    assert ScoreEntry.objects.count() == 1


def test_dismissing_needs_a_reason_and_a_confirmed_finding_is_refused_by_the_service(office, finding):
    page = run_action(office, Finding, "dismiss", [finding], reason=" ")
    assert "请填写理由" in page.content.decode()
    assert Finding.objects.get().status == "submitted"
    run_action(office, Finding, "confirm", [finding], reason="")
    page = run_action(office, Finding, "dismiss", [finding], reason="证据不足").content.decode()
    assert "不能再不予认定" in page  # the service's 409, shown as the admin's error message
    assert Finding.objects.get().status == "confirmed"


def test_reversing_a_ledger_entry_from_the_admin_books_the_opposite_entry(office, agency, cycle, admin):
    entry = scoring.score_entry_book(cycle=cycle, agency=agency, kind="inspection", points="2", reason="察访扣分")
    run_action(office, ScoreEntry, "reverse", [entry], reason="误记")
    reversal = ScoreEntry.objects.get(reverses=entry)
    assert reversal.points == -2 and reversal.reason == "误记" and reversal.created_by == admin
    page = run_action(office, ScoreEntry, "reverse", [entry], reason="再冲一次").content.decode()
    assert "已被冲销" in page and ScoreEntry.objects.count() == 2


def test_verifying_a_notice_from_the_admin_goes_through_the_service(office, agency, cycle, liaison, admin):
    waiting = rectification.notice_issue(agency=agency, cycle=cycle, source="manual", text="窗口态度差",
                                         source_key="manual:a")
    responded = rectification.notice_issue(agency=agency, cycle=cycle, source="manual", text="办事拖延",
                                           source_key="manual:b")
    rectification.notice_respond(notice=responded, actor=liaison, measures="已整改", files=[png()])
    page = run_action(office, RectificationNotice, "verify", [waiting, responded], reason="").content.decode()
    assert "只有已反馈的整改通知可以核验" in page
    assert RectificationNotice.objects.get(pk=responded.pk).status == "verified"
    assert RectificationNotice.objects.get(pk=waiting.pk).status == "issued"
    assert NoticeEvent.objects.filter(notice=responded, action="verified", actor=admin).exists()


def test_only_the_office_may_run_the_actions(client, finding):
    """A staff account of another role that may view findings still cannot confirm one."""
    from django.contrib.auth.models import Permission

    staff = UserFactory(username="staff", role="leader", is_staff=True)
    staff.user_permissions.add(Permission.objects.get(codename="view_finding"))
    client.force_login(staff)
    assert client.get(changelist(Finding)).status_code == 200
    response = client.post(changelist(Finding), {"action": "confirm", "_selected_action": [finding.pk],
                                                 "apply": "1", "reason": ""})
    assert response.status_code == 403
    assert Finding.objects.get().status == "submitted"


# --- deleting configuration never takes evidence or history along ----------------------------------

def _configuration_foreign_keys():
    from django.apps import apps

    for model in apps.get_models():
        if model._meta.app_label not in {"agencies", "surveys", "scoring", "rectification", "inspections"}:
            continue
        for field in model._meta.get_fields():
            if isinstance(field, models.ForeignKey | models.OneToOneField) and field.concrete \
                    and field.related_model in CONFIGURATION and field.related_model is not Invitation:
                yield model, field


def test_no_foreign_key_to_configuration_cascades_or_nulls_a_record():
    loose = [f"{model.__name__}.{field.name}: {field.remote_field.on_delete.__name__}"
             for model, field in _configuration_foreign_keys()
             if field.remote_field.on_delete is not models.PROTECT and (model, field.name) not in CASCADE_ALLOWED]
    assert not loose


def test_deleting_an_agency_with_responses_is_refused_with_the_reason(office, agency, survey):
    surveys.response_submit(survey=survey, agency=agency, ratings={"service_attitude": 5}, fingerprint="f" * 64)
    page = office.post(reverse("admin:agencies_agency_delete", args=[agency.pk]), {"post": "yes"})
    assert page.status_code == 200 and "受保护的相关对象" in page.content.decode()
    assert Agency.objects.filter(pk=agency.pk).exists() and Response.objects.count() == 1


def test_deleting_a_user_who_acted_on_a_notice_is_refused(office, agency, cycle, liaison):
    notice = rectification.notice_issue(agency=agency, cycle=cycle, source="manual", text="窗口态度差",
                                        source_key="manual:a")
    rectification.notice_respond(notice=notice, actor=liaison, measures="已整改", files=[png()])
    office.post(reverse("admin:agencies_user_delete", args=[liaison.pk]), {"post": "yes"})
    office.post(changelist(User), {"action": "delete_selected", "_selected_action": [liaison.pk], "post": "yes"})
    assert User.objects.filter(pk=liaison.pk).exists()
    assert NoticeEvent.objects.filter(actor=liaison).exists() and NoticeEvidence.objects.filter(uploaded_by=liaison)


def test_deleting_a_user_named_in_the_audit_log_is_refused(office, agency, leader):
    from auditlog.models import LogEntry
    from django.contrib.contenttypes.models import ContentType

    LogEntry.objects.create(content_type=ContentType.objects.get_for_model(Agency), object_pk=str(agency.pk),
                            object_repr=str(agency), action=LogEntry.Action.UPDATE, actor=leader)
    page = office.post(reverse("admin:agencies_user_delete", args=[leader.pk]), {"post": "yes"})
    assert "1 条审计日志" in page.content.decode()
    assert User.objects.filter(pk=leader.pk).exists()
    assert LogEntry.objects.filter(actor=leader).count() == 1


def test_configuration_without_dependants_can_still_be_deleted(office, group):
    spare = Agency.objects.create(code="spare", name="备用机关", group=group)
    office.post(reverse("admin:agencies_agency_delete", args=[spare.pk]), {"post": "yes"})
    assert not Agency.objects.filter(pk=spare.pk).exists()


def test_a_used_invitation_is_history(office, survey, rf, admin):
    (token,) = surveys.invitations_issue(survey=survey, category="deputy", count=1)
    invitation = Invitation.objects.get()
    Invitation.objects.filter(pk=invitation.pk).update(used_at=timezone.now())
    office.post(reverse("admin:surveys_invitation_delete", args=[invitation.pk]), {"post": "yes"})
    assert Invitation.objects.filter(pk=invitation.pk).exists()


# --- configuration keeps the API's rules ----------------------------------------------------------

def test_no_indicator_for_a_closed_cycle(office, cycle):
    cycle.status = "closed"
    cycle.save()
    page = office.post(reverse("admin:scoring_indicator_add"), {"cycle": cycle.pk, "code": "i1", "name": "学习",
                                                                "max_points": "10", "assessor_unit": "组织部"})
    assert page.status_code == 200 and "已结束" in page.content.decode()
    assert not Indicator.objects.exists()


def test_indicator_points_must_be_positive(office, cycle):
    page = office.post(reverse("admin:scoring_indicator_add"), {"cycle": cycle.pk, "code": "i1", "name": "学习",
                                                                "max_points": "0", "assessor_unit": "组织部"})
    assert page.status_code == 200 and not Indicator.objects.exists()


def test_a_survey_rates_known_dimensions_only(office, cycle):
    page = office.post(reverse("admin:surveys_survey_add"), {
        "slug": "s2", "cycle": cycle.pk, "kind": "public", "title": "民评", "opens_at_0": "2026-01-01",
        "opens_at_1": "00:00:00", "closes_at_0": "2026-12-31", "closes_at_1": "00:00:00",
        "dimensions": '["service_attitude", "beauty"]'})
    assert page.status_code == 200 and "未知维度：beauty" in page.content.decode()
    assert not Survey.objects.exists()


def test_a_liaison_needs_an_agency_and_an_admin_gets_the_admin_site(office, agency):
    add = reverse("admin:agencies_user_add")
    base = {"username": "newbie", "password1": "Xq7-long-passphrase", "password2": "Xq7-long-passphrase",
            "usable_password": "true"}
    page = office.post(add, {**base, "role": "agency"})
    assert page.status_code == 200 and "单位联络员必须绑定一个机关" in page.content.decode()
    assert not User.objects.filter(username="newbie").exists()
    office.post(add, {**base, "role": "admin"})
    assert User.objects.get(username="newbie").is_staff


def test_duplicate_window_codes_are_refused(office, agency):
    Window.objects.create(agency=agency, code="w1", name="一号窗口")
    page = office.post(reverse("admin:agencies_window_add"), {"agency": agency.pk, "code": "w1", "name": "又一个"})
    assert page.status_code == 200 and Window.objects.count() == 1


def test_codes_printed_in_qr_codes_do_not_change(office, agency):
    window = Window.objects.create(agency=agency, code="w1", name="一号窗口")
    office.post(reverse("admin:agencies_agency_change", args=[agency.pk]), {
        "code": "renamed", "name": "新名", "group": agency.group_id, "windows-TOTAL_FORMS": "1",
        "windows-INITIAL_FORMS": "1", "windows-0-id": window.pk, "windows-0-agency": agency.pk,
        "windows-0-code": "w9", "windows-0-name": "一号窗口（新）"})
    agency.refresh_from_db()
    window.refresh_from_db()
    assert agency.code == "gaj" and agency.name == "新名"
    assert window.code == "w1" and window.name == "一号窗口（新）"
