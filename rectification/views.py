"""Pages of the rectification loop: the liaison's inbox, the office's triage queue and board, the citizen's answer."""
from __future__ import annotations

from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import FileResponse, Http404, HttpResponseBadRequest
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from agencies.access import has_role, is_admin, is_liaison_of, require_role
from agencies.choices import Role
from agencies.models import Agency
from agencies.selectors import cycle_current
from conduct_eval import uploads
from conduct_eval.errors import ConflictError
from conduct_eval.security import safe_next
from surveys.choices import OpinionStatus
from surveys.models import Opinion

from . import evidence as evidence_files
from . import links, selectors, services
from .filters import NoticeFilterSet, OpinionFilterSet
from .forms import FeedbackForm, RespondForm, TriageForm, VerifyForm
from .models import RectificationNotice

PAGE_SIZE = 30



def _errors_to_form(form, exc: ValidationError) -> None:
    for field, errors in exc.message_dict.items():
        form.add_error(field if field in form.fields else None, errors)


def _page(request, queryset):
    return Paginator(queryset, PAGE_SIZE).get_page(request.GET.get("page"))


# --- the liaison ------------------------------------------------------------------------

@login_required
def agency_inbox(request):
    require_role(request.user, Role.AGENCY)
    notices = selectors.notices_visible(request.user).order_by("status", "deadline", "id")
    return render(request, "rectification/agency_inbox.html", {
        "page": _page(request, notices),
        "counts": selectors.notice_counts_by_status(selectors.notices_visible(request.user)),
        "unread": selectors.notifications_of(request.user).filter(read_at__isnull=True)[:10],
    })


@login_required
def notice_detail(request, pk):
    """One notice: the liaison responds here, the office verifies here; another agency's notice is a 404."""
    require_role(request.user, Role.AGENCY, Role.ADMIN, Role.LEADER)
    notice = selectors.notice_visible(request.user, pk)
    respond_form = RespondForm() if is_liaison_of(request.user, notice.agency_id) and notice.is_open else None
    verify_form = VerifyForm() if is_admin(request.user) and notice.status == "responded" else None
    if request.method == "POST":
        if "measures" in request.POST and respond_form is not None:
            respond_form = RespondForm(request.POST, request.FILES)
            if respond_form.is_valid():
                try:
                    services.notice_respond(notice=notice, actor=request.user,
                                            measures=respond_form.cleaned_data["measures"],
                                            files=respond_form.cleaned_data["evidence"])
                    messages.success(request, _("整改情况已提交，等待办公室核验。"))
                    return redirect(request.path)
                except ValidationError as exc:
                    _errors_to_form(respond_form, exc)
                except ConflictError as exc:
                    messages.error(request, str(exc))
        elif "accepted" in request.POST and verify_form is not None:
            verify_form = VerifyForm(request.POST)
            if verify_form.is_valid():
                try:
                    services.notice_verify(notice=notice, actor=request.user, **verify_form.cleaned_data)
                    messages.success(request, _("核验结果已保存。"))
                    return redirect(request.path)
                except ValidationError as exc:
                    _errors_to_form(verify_form, exc)
                except ConflictError as exc:
                    messages.error(request, str(exc))
        else:
            raise PermissionDenied
    return render(request, "rectification/notice_detail.html", {
        "notice": notice, "respond_form": respond_form, "verify_form": verify_form,
        "back": "/agency/notices/" if has_role(request.user, Role.AGENCY) else "/dashboard/rectifications/",
    })


@login_required
def evidence_download(request, pk, evidence_pk):
    require_role(request.user, Role.AGENCY, Role.ADMIN, Role.LEADER)
    evidence = selectors.evidence_visible(request.user, pk, evidence_pk)
    try:
        if not evidence_files.is_photo(evidence):
            return FileResponse(evidence.file.open("rb"), content_type=evidence.content_type, filename=evidence.name,
                                as_attachment=True)
        # A photo: the copy made at upload, without EXIF (`?size=thumb`: its thumbnail); never the original.
        evidence_files.ensure_copies(evidence)
        copy = evidence.thumbnail if request.GET.get("size") == "thumb" else evidence.clean_copy
        stem = evidence.name.rsplit(".", 1)[0] or "evidence"
        return uploads.copy_response(copy, filename=f"{stem}.{copy.name.rsplit('.', 1)[-1]}")
    except FileNotFoundError:
        raise Http404 from None


# --- the office -------------------------------------------------------------------------

@login_required
def rectification_board(request):
    require_role(request.user, Role.ADMIN, Role.LEADER)
    cycle = cycle_current()
    filters = NoticeFilterSet(request.GET or None, queryset=selectors.notices_visible(request.user))
    notices = filters.qs.order_by("-overdue", "status", "deadline", "id")
    return render(request, "rectification/board.html", {
        "filters": filters, "page": _page(request, notices), "cycle": cycle,
        "stats": selectors.notice_stats(cycle=cycle) if cycle else None,
        "overdue": selectors.notices_visible(request.user).filter(overdue=True)
        .exclude(status__in=selectors.CLOSED_STATUSES).order_by("deadline")[:20],
    })


@login_required
def triage_queue(request):
    require_role(request.user, Role.ADMIN)
    data = request.GET.copy()
    data.setdefault("status", OpinionStatus.NEW)
    filters = OpinionFilterSet(data, queryset=selectors.opinions_for_triage())
    page = _page(request, filters.qs)
    return render(request, "rectification/triage.html", {
        "filters": filters, "page": page, "suggestions": selectors.opinion_suggestions(list(page.object_list)),
        "agencies": Agency.objects.filter(active=True).only("code", "name"), "form": TriageForm(),
    })


@login_required
@require_POST
def triage(request, pk):
    require_role(request.user, Role.ADMIN)
    opinion = get_object_or_404(Opinion, pk=pk)
    form = TriageForm(request.POST)
    if form.is_valid():
        merge_into = None
        if form.cleaned_data["merge_into"]:
            merge_into = Opinion.objects.filter(pk=form.cleaned_data["merge_into"]).first()
            if merge_into is None:
                form.add_error("merge_into", _("没有这条意见"))
    if form.is_valid():
        try:
            services.opinion_triage(opinion=opinion, actor=request.user, action=form.cleaned_data["action"],
                                    agency=form.cleaned_data["agency"], merge_into=merge_into,
                                    note=form.cleaned_data["note"])
            messages.success(request, _("意见 %(id)s 已处理。") % {"id": opinion.pk})
        except ValidationError as exc:
            messages.error(request, "；".join(m for ms in exc.message_dict.values() for m in ms))
        except ConflictError as exc:
            messages.error(request, str(exc))
    else:
        messages.error(request, "；".join(m for ms in form.errors.values() for m in ms))
    return redirect(safe_next(request, "rectification:triage-queue"))


# --- everyone signed in: the in-app inbox ------------------------------------------------

@login_required
def notification_inbox(request):
    """The signed-in user's messages, newest first, with absolute links; 标为已读 one or all."""
    if request.method == "POST":
        raw = request.POST.get("id") or None
        if raw is not None and not raw.isdigit():
            return HttpResponseBadRequest(_("id：应为消息编号"))
        services.notification_mark_read(user=request.user, notification_id=int(raw) if raw else None)
        return redirect("rectification:notifications")
    page = _page(request, selectors.notifications_of(request.user))
    base = links.base_url(request)
    for n in page:
        n.body_html = links.linked_html(n.body, base)
        n.target = links.first_path(n.body)
    return render(request, "rectification/notifications.html", {"page": page})


@login_required
def notification_open(request, pk: int):
    """Follow a message to what it is about, marking it read on the way."""
    notification = get_object_or_404(selectors.notifications_of(request.user), pk=pk)
    services.notification_mark_read(user=request.user, notification_id=notification.pk)
    target = links.first_path(notification.body)
    return redirect(target or "rectification:notifications")  # a site path: PATH never matches "//host"


# --- the citizen ------------------------------------------------------------------------

@require_POST
def track_feedback(request, receipt):
    """The citizen's answer on /track/: 已解决 / 未解决. Answers with the partial (htmx) or back to /track/."""
    notice = selectors.notice_for_receipt(receipt)
    if notice is None:
        return render(request, "rectification/partials/track_feedback.html", {"receipt": receipt}, status=404)
    form = FeedbackForm(request.POST)
    error = None
    if form.is_valid():
        try:
            services.notice_citizen_feedback(notice=notice, answer=form.cleaned_data["answer"])
        except ConflictError as exc:
            error = str(exc)
    else:
        error = _("请选择“已解决”或“未解决”")
    if not request.headers.get("HX-Request"):
        return redirect(f"/track/?{urlencode({'receipt': receipt})}")
    notice = RectificationNotice.objects.get(pk=notice.pk)
    status = 200 if error is None else 409 if form.is_valid() else 400
    return render(request, "rectification/partials/track_feedback.html",
                  {"receipt": receipt, "feedback_notice": notice, "feedback_error": error}, status=status)
