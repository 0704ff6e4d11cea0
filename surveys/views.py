"""The citizen's and the evaluator's pages, and the office's QR sheets and invitation lists.

Every write goes through the same services as the API. Trouble a citizen can meet (a closed
survey, an unknown agency, too many submissions) is a plain message page, never a stack trace.
"""
from __future__ import annotations

import base64
import csv
import functools
import io
from datetime import timedelta

from django.core import signing
from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods

from agencies.access import role_required
from agencies.choices import Role
from conduct_eval.errors import ConflictError

from . import privacy, qr, selectors, services
from .anomalies import response_anomalies
from .choices import Channel, ResponseStatus
from .forms import BallotForm, InvitationForm, ResponseForm, TrackForm
from .limits import BALLOT_RATE_LIMIT, over_limit

DEVICE_COOKIE_AGE = 2 * 365 * 24 * 3600
THANKS_SALT = "surveys.thanks"


def message(request, title: str, text: str, *, status: int) -> HttpResponse:
    return render(request, "surveys/message.html", {"title": title, "text": text}, status=status)


def with_device_cookie(view):
    """Give each browser a random, long-lived, HttpOnly device cookie: the base of the fingerprint."""

    @functools.wraps(view)
    def wrapped(request, *args, **kwargs):
        response = view(request, *args, **kwargs)
        if privacy.DEVICE_COOKIE not in request.COOKIES:
            response.set_cookie(privacy.DEVICE_COOKIE, privacy.new_token(), max_age=DEVICE_COOKIE_AGE,
                                httponly=True, samesite="Lax", secure=request.is_secure())
        return response

    return wrapped


def _open_survey(request, slug):
    """(survey, None) or (None, the message page to answer)."""
    survey = selectors.survey_public(slug)
    if survey is None:
        return None, message(request, _("未找到该调查"), _("链接可能有误，请从首页进入正在进行的网上民评。"),
                             status=404)
    if not survey.is_open():
        return None, message(request, _("该调查当前未开放"),
                             _("“%(title)s”的开放时间为 %(opens)s 至 %(closes)s。感谢您的关注。") % {
                                 "title": survey.title, "opens": f"{survey.opens_at:%Y-%m-%d}",
                                 "closes": f"{survey.closes_at:%Y-%m-%d}"}, status=409)
    return survey, None


def _agency_and_window(request, survey, agency_code, window_code=None):
    agency = selectors.agencies_rated_publicly().filter(code=agency_code).first()
    if agency is None:
        return None, None, message(request, _("未找到该单位"), _("该单位不存在或不参加网上民评，请返回重新选择。"),
                                   status=404)
    window = None
    if window_code is not None:
        window = selectors.window_of(agency, window_code)
        if window is None:
            return None, None, message(request, _("未找到该窗口"),
                                       _("%(agency)s没有这个窗口，请返回重新选择。") % {"agency": agency.name},
                                       status=404)
    return agency, window, None


# --- citizens --------------------------------------------------------------------------

@with_device_cookie
def survey_start(request, slug):
    """Pick the agency (then the window on the next page)."""
    survey, refusal = _open_survey(request, slug)
    if refusal:
        return refusal
    return render(request, "surveys/start.html", {
        "survey": survey, "groups": selectors.groups_with_agencies(window_agencies_only=True)})


@with_device_cookie
@require_http_methods(["GET", "POST"])
def survey_respond(request, slug, agency_code, window_code=None):
    survey, refusal = _open_survey(request, slug)
    if refusal:
        return refusal
    agency, window, refusal = _agency_and_window(request, survey, agency_code, window_code)
    if refusal:
        return refusal
    initial = {"window": window.code if window else "",
               "channel": Channel.QR if request.GET.get("via") == "qr" else Channel.WEB}
    form = ResponseForm(request.POST or None, survey=survey, agency=agency, initial=initial)
    if request.method == "POST":
        if over_limit(request, group="survey-response"):
            return message(request, _("提交过于频繁"), _("同一网络在短时间内提交次数过多，请稍后再试。"), status=429)
        if form.is_valid():
            try:
                result = services.response_submit(survey=survey, fingerprint=privacy.request_fingerprint(request),
                                                  **form.submission())
            except ConflictError as exc:
                return message(request, _("该调查当前未开放"), str(exc), status=409)
            except ValidationError as exc:
                for field, errors in exc.message_dict.items():
                    form.add_error(field if field in form.fields else None, errors)
            else:
                # A honeypot catch is thanked like any valid response: a bot learns nothing it could adapt to.
                shown = "duplicate" if result.status == ResponseStatus.DUPLICATE else "valid"
                token = signing.dumps({"s": shown, "r": result.receipt, "a": agency.name}, salt=THANKS_SALT)
                return redirect(reverse("surveys:thanks", args=[survey.slug]) + f"?t={token}")
    return render(request, "surveys/respond.html", {"survey": survey, "agency": agency, "window": window,
                                                    "form": form}, status=400 if form.errors else 200)


def survey_thanks(request, slug):
    try:
        outcome = signing.loads(request.GET.get("t", ""), salt=THANKS_SALT, max_age=24 * 3600)
    except signing.BadSignature:
        return redirect("surveys:start", slug=slug)
    return render(request, "surveys/thanks.html", {"slug": slug, "status": outcome["s"], "receipt": outcome["r"],
                                                   "agency_name": outcome["a"]})


@require_http_methods(["GET", "POST"])
def track(request):
    """Look up an opinion by its receipt: a form (POST, CSRF) or a link from the thanks page (GET)."""
    data = request.POST if request.method == "POST" else (request.GET if "receipt" in request.GET else None)
    form = TrackForm(data)
    progress, status = None, 200
    if data is not None and form.is_valid():
        progress = selectors.opinion_progress(form.cleaned_data["receipt"])
        if progress is None:
            form.add_error("receipt", _("未找到该回执码，请核对后重试"))
            status = 404
    return render(request, "surveys/track.html", {"form": form, "progress": progress,
                                                  "opinion": progress.opinion if progress else None}, status=status)


# --- evaluators --------------------------------------------------------------------------

@never_cache
@require_http_methods(["GET", "POST"])
def ballot(request, token):
    """The appraisal ballot, in two steps: the form, then a summary to confirm. Only the confirmation
    consumes the token; 返回修改 brings the form back with the choices made (no JavaScript needed)."""
    invitation = selectors.invitation_by_token(token)
    if invitation is None:
        return message(request, _("评议码无效"), _("请核对邀请函上的链接或二维码。"), status=404)
    if invitation.used_at:
        return message(request, _("该评议码已使用"), _("每个评议码只能提交一次，感谢您的参与。"), status=409)
    survey = invitation.survey
    groups = selectors.groups_with_agencies(window_agencies_only=False)
    form = BallotForm(request.POST or None, groups=groups)
    confirming = request.method == "POST" and request.POST.get("step") == "confirm"
    if not confirming and not (invitation.valid_from <= timezone.now() < invitation.valid_until
                               and survey.is_open()):
        return message(request, _("评议未开放"), _("“%(title)s”的评议时间为 %(opens)s 至 %(closes)s。") % {
            "title": survey.title, "opens": f"{survey.opens_at:%Y-%m-%d}", "closes": f"{survey.closes_at:%Y-%m-%d}"},
            status=409)
    context = {"survey": survey, "invitation": invitation, "form": form}
    if request.method == "POST":
        if over_limit(request, group="ballot", rate=BALLOT_RATE_LIMIT):
            return message(request, _("提交过于频繁"), _("请稍后再试。"), status=429)
        if form.is_valid() and request.POST.get("step") == "review":
            return render(request, "surveys/ballot_confirm.html", {**context, "summary": form.summary()})
        if form.is_valid() and confirming:
            try:
                services.ballot_submit(token=token, ratings=form.ratings())
            except ConflictError as exc:
                return message(request, _("无法提交"), str(exc), status=409)
            except ValidationError as exc:
                form.add_error(None, [m for messages in exc.message_dict.values() for m in messages])
            else:
                return render(request, "surveys/ballot_done.html", {"survey": survey})
    return render(request, "surveys/ballot.html", context, status=400 if form.errors else 200)


# --- the office: QR codes, sheets, invitations --------------------------------------------

def _qr_target(request, slug, agency_code, window_code=None):
    survey = selectors.survey_public(slug)
    if survey is None:
        return None
    agency, window, refusal = _agency_and_window(request, survey, agency_code, window_code)
    return None if refusal else qr.absolute(request, qr.survey_path(survey, agency, window))


def _qr_view(kind: str):
    @role_required(Role.ADMIN)
    def view(request, slug, agency_code, window_code=None):
        url = _qr_target(request, slug, agency_code, window_code)
        if url is None:
            return message(request, _("未找到"), _("调查、单位或窗口不存在。"), status=404)
        if kind == "svg":
            return HttpResponse(qr.svg(url), content_type="image/svg+xml")
        return HttpResponse(qr.png(url), content_type="image/png")

    return view


qr_svg = _qr_view("svg")
qr_png = _qr_view("png")


@role_required(Role.ADMIN)
def office_surveys(request):
    """The office's list of surveys: counts, the QR sheets of a public survey, an appraisal's invitations."""
    return render(request, "surveys/office_list.html", {"surveys": selectors.surveys_for_office(),
                                                         "now": timezone.now()})


@role_required(Role.ADMIN)
def anomalies(request, slug):
    """Windows whose ratings deserve a second look: ceiling shares, bursts, duplicates."""
    survey = selectors.survey_public(slug)
    if survey is None:
        return message(request, _("未找到该调查"), "", status=404)
    raw = request.GET.get("days") or "30"
    days = int(raw) if raw.isascii() and raw.isdigit() and 1 <= int(raw) <= 366 else None
    until = min(timezone.now(), survey.closes_at)
    # A number of days that means nothing is an error beside the switch and no list, not the default silently.
    hints = response_anomalies(survey=survey, since=until - timedelta(days=days), until=until) if days else []
    return render(request, "surveys/anomalies.html", {
        "survey": survey, "hints": hints, "days": days, "flagged": sum(bool(h.reasons) for h in hints),
        "days_error": None if days else _("应为 1 至 366 之间的整数天数：%(value)s") % {"value": raw},
    }, status=200 if days else 400)


@role_required(Role.ADMIN)
def qr_index(request, slug):
    survey = selectors.survey_public(slug)
    if survey is None:
        return message(request, _("未找到该调查"), "", status=404)
    return render(request, "surveys/qr_index.html", {
        "survey": survey, "groups": selectors.groups_with_agencies(window_agencies_only=True)})


@role_required(Role.ADMIN)
def qr_sheet(request, slug, agency_code):
    """A printable sheet for an agency: its QR code and one per window, to post at the counters."""
    survey = selectors.survey_public(slug)
    agency = selectors.agencies_rated_publicly().filter(code=agency_code).first()
    if survey is None or agency is None:
        return message(request, _("未找到"), _("调查或单位不存在。"), status=404)
    codes = [(None, qr.absolute(request, qr.survey_path(survey, agency)))] + [
        (window, qr.absolute(request, qr.survey_path(survey, agency, window))) for window in agency.windows.all()]
    return render(request, "surveys/qr_sheet.html", {
        "survey": survey, "agency": agency,
        "codes": [(window, url, qr.svg_inline(url, scale=6)) for window, url in codes]})


def _tokens_csv(rows: list[tuple[str, str]]) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(["token", "url"])
    writer.writerows(rows)
    return buffer.getvalue()


INLINE_QR_LIMIT = 300  # above this a page of QR codes gets too heavy to print; the CSV carries the rest


@never_cache
@role_required(Role.ADMIN)
@require_http_methods(["GET", "POST"])
def invitations(request, slug):
    """Issue tokens and show them once: a printable list with QR codes and a CSV of the same batch."""
    survey = selectors.survey_appraisal(slug)
    if survey is None:
        return message(request, _("未找到该年度评议"), "", status=404)
    form = InvitationForm(request.POST or None)
    issued = None
    if request.method == "POST" and form.is_valid():
        tokens = services.invitations_issue(survey=survey, **form.cleaned_data)
        rows = [(token, qr.absolute(request, qr.ballot_path(token))) for token in tokens]
        if request.POST.get("format") == "csv":
            response = HttpResponse(_tokens_csv(rows), content_type="text/csv; charset=utf-8")
            filename = f"{survey.slug}-{form.cleaned_data['category']}.csv"
            response["Content-Disposition"] = f'attachment; filename="{filename}"'
            return response
        issued = {
            "category": form.cleaned_data["category"],
            "rows": [(token, url, qr.svg_inline(url, scale=3) if len(rows) <= INLINE_QR_LIMIT else "")
                     for token, url in rows],
            "csv": base64.b64encode(_tokens_csv(rows).encode("utf-8-sig")).decode(),
        }
        form = InvitationForm()
    return render(request, "surveys/invitations.html", {
        "survey": survey, "form": form, "issued": issued, "rates": selectors.invitation_response_rates(survey)})
