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
from .choices import BulkAction
from .filters import NoticeBoardFilterSet, OpinionQueueFilterSet
from .forms import BulkTriageForm, FeedbackForm, RespondForm, TriageForm, VerifyForm
from .models import RectificationNotice

PAGE_SIZE = 30
# The status each triage action gives an opinion: the label the citizen reads on /track/.
TRIAGE_STATUSES = {"route": OpinionStatus.ROUTED, "merge": OpinionStatus.MERGED, "reject": OpinionStatus.REJECTED}


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
    filters = NoticeBoardFilterSet(request.GET or None, queryset=selectors.notices_visible(request.user))
    # A filter value that means nothing is an error under its field and an empty list, never the whole board.
    valid = not filters.is_bound or filters.is_valid()
    notices = (filters.qs if valid else RectificationNotice.objects.none()).order_by("-overdue", "status",
                                                                                   "deadline", "id")
    return render(request, "rectification/board.html", {
        "filters": filters, "page": _page(request, notices), "cycle": cycle,
        "stats": selectors.notice_stats(cycle=cycle) if cycle else None,
        "overdue": selectors.notices_visible(request.user).filter(overdue=True)
        .exclude(status__in=selectors.CLOSED_STATUSES).order_by("deadline")[:20],
    }, status=200 if valid else 400)


CLUSTERS_PAGE_SIZE = 20
TRIAGE_VIEWS = ("list", "clusters")


def _query(request, *drop: str) -> str:
    """The page's query string without `drop`, ending in "&" when not empty (the pager appends page=…)."""
    query = request.GET.copy()
    for key in drop:
        query.pop(key, None)
    return f"{query.urlencode()}&" if query else ""


def _bulk_apply(request, form: BulkTriageForm) -> bool:
    """Run the bulk action of a valid form; False (with the errors on the form) when the input is refused."""
    data = form.cleaned_data
    action = data["action"]
    try:
        if action in (BulkAction.TAG, BulkAction.UNTAG):
            categories = list(data["categories"])
            changed = services.opinion_tags_change(
                opinion_ids=data["ids"], actor=request.user, add=categories if action == BulkAction.TAG else (),
                remove=categories if action == BulkAction.UNTAG else ())
            messages.success(request, _("问题类别已更新：%(n)s 处标记。") % {"n": changed})
            return True
        merge_into = None
        if action == BulkAction.MERGE:
            merge_into = Opinion.objects.filter(pk=data["merge_into"]).first()
            if merge_into is None:
                form.add_error("merge_into", _("没有这条意见"))
                return False
        outcome = services.opinions_triage_bulk(
            opinion_ids=data["ids"], action=action, agency=data["agency"], merge_into=merge_into,
            note=data["note"], internal_note=data["internal_note"], actor=request.user)
    except ValidationError as exc:
        _errors_to_form(form, exc)
        return False
    label = BulkAction(action).label
    messages.success(request, _("%(action)s：成功 %(done)s 条，未能处理 %(failed)s 条。")
                     % {"action": label, "done": len(outcome.done), "failed": len(outcome.failed)})
    if outcome.failed:
        messages.warning(request, _("未能处理：%(list)s") % {"list": "；".join(
            f"#{pk}（{reason}）" for pk, reason in outcome.failed)})
    return True


@login_required
def triage_queue(request):
    """The office's queue: filters, sorting, page numbers, problem-category counts, near-duplicate groups,
    and bulk actions on the ticked opinions (POST to the same address, so the filters survive)."""
    require_role(request.user, Role.ADMIN)
    view = request.GET.get("view") or "list"
    if view not in TRIAGE_VIEWS:
        return HttpResponseBadRequest(_("view：应为 list 或 clusters"))
    data = request.GET.copy()
    data.setdefault("status", OpinionStatus.NEW)
    filters = OpinionQueueFilterSet(data, queryset=selectors.opinions_for_triage())
    bulk = BulkTriageForm(request.POST if request.method == "POST" else None)
    status = 200
    if request.method == "POST":
        if bulk.is_valid() and _bulk_apply(request, bulk):
            return redirect(request.get_full_path())
        status = 400
    if not filters.is_valid():
        status = 400
    opinions = filters.qs if filters.is_valid() else Opinion.objects.none()
    if view == "clusters":
        page = Paginator(selectors.opinion_clusters(opinions), CLUSTERS_PAGE_SIZE).get_page(request.GET.get("page"))
    else:
        page = _page(request, opinions)
    first = next(iter(page.object_list), None)
    sample = (first[0] if view == "clusters" else first) if first else None
    deadlines: dict[int, object] = {}  # one working-day count per cycle, not per opinion
    for opinion in page.object_list if view == "list" else ():
        if opinion.survey.cycle_id not in deadlines:
            deadlines[opinion.survey.cycle_id] = services.route_deadline(opinion)
        deadline = deadlines[opinion.survey.cycle_id]
        opinion.route_template = services.triage_public_note(action="route", agency_name="{agency}", deadline=deadline)
        opinion.route_note = services.triage_public_note(action="route", agency_name=opinion.agency.name,
                                                         deadline=deadline)
    bulk_deadline = (deadlines.get(sample.survey.cycle_id) or services.route_deadline(sample)) if sample else None
    return render(request, "rectification/triage.html", {
        "filters": filters, "page": page, "view": view, "bulk": bulk, "selected": set(request.POST.getlist("ids")),
        "page_range": page.paginator.get_elided_page_range(page.number, on_each_side=2, on_ends=1),
        "query": _query(request, "page"), "tab_query": _query(request, "page", "view"),
        "category_query": _query(request, "page", "category", "status"),
        "suggestions": selectors.opinion_suggestions(list(page.object_list)) if view == "list" else {},
        "category_counts": selectors.opinion_category_counts(opinions),
        "agencies": Agency.objects.filter(active=True).only("code", "name"), "form": TriageForm(),
        "bulk_route_template": bulk_deadline and services.triage_public_note(
            action="route", agency_name="{agency}", deadline=bulk_deadline),
        "bulk_route_note": bulk_deadline and services.triage_public_note(
            action="route", agency_name=sample.agency.name, deadline=bulk_deadline),
        "bulk_agency": sample.agency.name if sample else "", "merge_note": services.triage_public_note(action="merge"),
        "statuses": {action: OpinionStatus(status).label for action, status in TRIAGE_STATUSES.items()},
    }, status=status)


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
                                    note=form.cleaned_data["note"], internal_note=form.cleaned_data["internal_note"])
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
