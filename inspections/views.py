from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from agencies.access import require_role
from agencies.choices import Role
from agencies.models import Window
from conduct_eval import uploads
from conduct_eval.errors import ConflictError

from . import evidence as photos
from . import selectors, services
from .choices import VisitStatus
from .forms import AdjudicateForm, FindingFormSet, ReasonForm, VisitForm


@login_required
def visit_list(request):
    require_role(request.user, Role.INSPECTOR)
    visits = selectors.visits_for(request.user).prefetch_related("findings")
    return render(request, "inspections/visit_list.html", {"visits": visits})


def _save_visit(request, visit=None):
    """The one form for a new visit and for a draft: findings in a formset, photos from the camera."""
    form = VisitForm(request.POST or None, initial=visit and {
        "agency": visit.agency, "window": visit.window, "summary": visit.summary, "mode": visit.mode,
        "visited_at": visit.visited_at and timezone.localtime(visit.visited_at).strftime("%Y-%m-%dT%H:%M")})
    # A posted formset is judged on what was posted: with `initial` an untouched finding would count as unchanged
    # and be dropped.
    formset = FindingFormSet(request.POST or None, prefix="f", initial=None if request.POST or not visit else [
        {"category": f.category, "severity": f.severity, "description": f.description} for f in visit.findings.all()])
    if request.method == "POST" and form.is_valid() and formset.is_valid():
        findings = [f for f in formset.cleaned_data if f and not f.get("DELETE")]
        data = {**form.cleaned_data, "findings": findings}
        submit = "submit" in request.POST
        try:
            with transaction.atomic():
                if visit is None:
                    visit = services.visit_create(inspector=request.user, **data)
                else:
                    visit = services.visit_update(visit=visit, **data)
                for upload in request.FILES.getlist("photos"):
                    services.evidence_add(visit=visit, upload=upload)
                if submit:
                    services.visit_submit(visit=visit)
        except ValidationError as exc:
            for field, errors in exc.message_dict.items():
                form.add_error(field if field in form.fields else None, errors)
        except ConflictError as exc:
            messages.error(request, str(exc))
            return redirect("inspections:visit", pk=visit.pk)
        else:
            messages.success(request, _("察访记录已提交，等待办公室审核") if submit else _("草稿已保存"))
            return redirect("inspections:visit", pk=visit.pk)
    return render(request, "inspections/visit_form.html", {"form": form, "formset": formset, "visit": visit})


@login_required
def visit_new(request):
    require_role(request.user, Role.INSPECTOR)
    return _save_visit(request)


@login_required
def visit_detail(request, pk):
    visit = get_object_or_404(selectors.visits_for(request.user).prefetch_related("findings", "evidence"), pk=pk)
    if visit.status == VisitStatus.DRAFT and visit.inspector_id == request.user.pk:
        return _save_visit(request, visit)
    return render(request, "inspections/visit_detail.html", {"visit": visit})


@login_required
def windows(request):
    """htmx: the window choices of the chosen agency."""
    options = Window.objects.filter(agency_id=request.GET.get("agency") or 0) if str(
        request.GET.get("agency", "")).isdigit() else Window.objects.none()
    return render(request, "inspections/partials/window_options.html", {"windows": options})


@login_required
def evidence_file(request, pk):
    """The photo re-encoded without EXIF (`?size=thumb`: its thumbnail), for users allowed to see its finding.

    Streams the copy made at upload; the original is never decoded here."""
    item = get_object_or_404(selectors.evidence_for(request.user), pk=pk)
    try:
        photos.ensure_copies(item)
        return uploads.copy_response(item.thumbnail if request.GET.get("size") == "thumb" else item.clean_copy)
    except FileNotFoundError:
        raise Http404 from None


@login_required
def review_queue(request):
    require_role(request.user, Role.ADMIN)
    return render(request, "inspections/review_queue.html", {"findings": selectors.review_queue(),
                                                              "appeals": selectors.appeal_queue().count(),
                                                              "form": ReasonForm()})


@login_required
@require_POST
def review(request, pk, verdict):
    require_role(request.user, Role.ADMIN)
    finding = get_object_or_404(selectors.findings_for(request.user), pk=pk)
    form = ReasonForm(request.POST)
    form.is_valid()
    reason = form.cleaned_data.get("reason", "")
    try:
        if verdict == "confirm":
            services.finding_confirm(finding=finding, actor=request.user, reason=reason)
            messages.success(request, _("已确认：%(finding)s，已记入扣分并下发整改通知") % {"finding": finding})
        else:
            services.finding_dismiss(finding=finding, actor=request.user, reason=reason)
            messages.success(request, _("已不予认定：%(finding)s") % {"finding": finding})
    except (ValidationError, ConflictError) as exc:
        messages.error(request, "；".join(exc.messages) if isinstance(exc, ValidationError) else str(exc))
    return redirect("inspections:review")


@login_required
def appeal_queue(request):
    """申诉裁定: the agencies' appeals beside the findings review, each ruled 属实 or 不属实."""
    require_role(request.user, Role.ADMIN)
    return render(request, "inspections/appeal_queue.html", {"findings": selectors.appeal_queue(),
                                                              "form": AdjudicateForm()})


@login_required
@require_POST
def adjudicate(request, pk):
    require_role(request.user, Role.ADMIN)
    finding = get_object_or_404(selectors.findings_for(request.user), pk=pk)
    form = AdjudicateForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("请选择“属实”或“不属实”"))
        return redirect("inspections:appeals")
    finding_true = form.cleaned_data["verdict"] == "true"
    try:
        services.finding_adjudicate(finding=finding, actor=request.user, finding_true=finding_true,
                                    note=form.cleaned_data["note"])
    except (ValidationError, ConflictError) as exc:
        messages.error(request, "；".join(exc.messages) if isinstance(exc, ValidationError) else str(exc))
    else:
        messages.success(request, (_("已裁定属实：%(finding)s，扣分维持") if finding_true else
                                   _("已裁定不属实：%(finding)s，扣分已冲销")) % {"finding": finding})
    return redirect("inspections:appeals")


@login_required
def agency_findings(request):
    """The liaison's view of its agency's confirmed findings: evidence, no inspector, an appeal button."""
    require_role(request.user, Role.AGENCY)
    findings = list(selectors.findings_for(request.user).prefetch_related("visit__evidence")
                    .order_by("-visit__visited_at"))
    for finding in findings:  # the finding's own photos and those of its visit as a whole
        finding.shown_evidence = [e for e in finding.visit.evidence.all() if e.finding_id in (None, finding.pk)]
    return render(request, "inspections/agency_findings.html", {"findings": findings, "form": ReasonForm()})


@login_required
@require_POST
def agency_appeal(request, pk):
    require_role(request.user, Role.AGENCY)
    finding = get_object_or_404(selectors.findings_for(request.user), pk=pk)
    form = ReasonForm(request.POST)
    try:
        services.finding_appeal(finding=finding, actor=request.user,
                                reason=form.cleaned_data["reason"] if form.is_valid() else "")
        messages.success(request, _("申诉已提交，等待办公室裁定"))
    except (ValidationError, ConflictError) as exc:
        messages.error(request, "；".join(exc.messages) if isinstance(exc, ValidationError) else str(exc))
    return redirect("inspections:agency-findings")


