from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from agencies.models import Agency, Window

from .choices import AppealStatus, FindingCategory, FindingStatus, Severity, VisitMode, VisitStatus


class Visit(models.Model):
    """察访记录 — an inspector's open (明察) or covert (暗访) visit to an agency."""

    inspector = models.ForeignKey(settings.AUTH_USER_MODEL, models.PROTECT, related_name="visits",
                                  verbose_name=_("察访员"))
    agency = models.ForeignKey(Agency, models.PROTECT, related_name="visits", verbose_name=_("机关"))
    window = models.ForeignKey(Window, models.PROTECT, null=True, blank=True, related_name="visits",
                               verbose_name=_("窗口"))
    visited_at = models.DateTimeField(_("察访时间"))
    mode = models.CharField(_("方式"), max_length=10, choices=VisitMode.choices)
    summary = models.TextField(_("概况"), blank=True)
    status = models.CharField(_("状态"), max_length=10, choices=VisitStatus.choices, default=VisitStatus.DRAFT)
    created_at = models.DateTimeField(_("创建时间"), default=timezone.now)
    submitted_at = models.DateTimeField(_("提交时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("察访记录")
        verbose_name_plural = _("察访记录")
        ordering = ["-visited_at", "-id"]
        indexes = [models.Index(fields=["inspector", "visited_at"], name="visit_by_inspector")]

    def __str__(self):
        return f"{self.agency.name} {self.visited_at:%Y-%m-%d}（{self.get_mode_display()}）"


class Finding(models.Model):
    """察访发现的问题 — reviewed by the office: confirmed (a ledger entry and a notice follow) or dismissed."""

    visit = models.ForeignKey(Visit, models.CASCADE, related_name="findings", verbose_name=_("察访记录"))
    category = models.CharField(_("问题类别"), max_length=12, choices=FindingCategory.choices)
    severity = models.CharField(_("严重程度"), max_length=10, choices=Severity.choices)
    description = models.TextField(_("问题描述"))
    status = models.CharField(_("状态"), max_length=10, choices=FindingStatus.choices, default=FindingStatus.SUBMITTED)
    reason = models.TextField(_("审核意见"), blank=True)
    reviewed_by = models.ForeignKey(settings.AUTH_USER_MODEL, models.PROTECT, null=True, blank=True,
                                    related_name="+", verbose_name=_("审核人"))
    reviewed_at = models.DateTimeField(_("审核时间"), null=True, blank=True)
    appeal_status = models.CharField(_("申诉"), max_length=10, choices=AppealStatus.choices, default=AppealStatus.NONE,
                                     blank=True)
    appeal_text = models.TextField(_("申诉理由"), blank=True)
    appealed_at = models.DateTimeField(_("申诉时间"), null=True, blank=True)
    appealed_by = models.ForeignKey(settings.AUTH_USER_MODEL, models.PROTECT, null=True, blank=True,
                                    related_name="+", verbose_name=_("申诉人"))
    appeal_note = models.TextField(_("裁定意见"), blank=True)
    adjudicated_at = models.DateTimeField(_("裁定时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("察访问题")
        verbose_name_plural = _("察访问题")
        ordering = ["id"]
        indexes = [models.Index(fields=["status"], name="finding_review_queue")]

    def __str__(self):
        return f"{self.get_category_display()}（{self.get_severity_display()}）"


def evidence_path(instance, filename):
    # A random name outside the public URL space: MEDIA_ROOT is never served directly.
    return f"evidence/{instance.uploaded_at:%Y/%m}/{instance.token}.{instance.extension}"


def evidence_copy_path(instance, filename):
    # Beside the original: <token>.clean.jpg and <token>.thumb.jpg (named by conduct_eval.uploads.attach_copies).
    return f"evidence/{instance.uploaded_at:%Y/%m}/{filename}"


class Evidence(models.Model):
    """察访证据照片 — the original as uploaded (hash for the chain of custody), served re-encoded without EXIF."""

    visit = models.ForeignKey(Visit, models.CASCADE, related_name="evidence", verbose_name=_("察访记录"))
    finding = models.ForeignKey(Finding, models.SET_NULL, null=True, blank=True, related_name="evidence",
                                verbose_name=_("对应问题"))
    token = models.CharField(max_length=32, unique=True, editable=False)
    extension = models.CharField(max_length=4, editable=False)
    file = models.FileField(_("原始文件"), upload_to=evidence_path, max_length=200)
    # What is viewed, made once at upload: re-encoded without EXIF, and a thumbnail.
    clean_copy = models.FileField(_("查看用副本（无元数据）"), upload_to=evidence_copy_path, max_length=200, blank=True,
                                  editable=False)
    thumbnail = models.FileField(_("缩略图"), upload_to=evidence_copy_path, max_length=200, blank=True,
                                 editable=False)
    content_type = models.CharField(_("类型"), max_length=20)
    size = models.PositiveIntegerField(_("大小（字节）"))
    sha256 = models.CharField("SHA-256", max_length=64)
    width = models.PositiveIntegerField(_("宽"))
    height = models.PositiveIntegerField(_("高"))
    uploaded_at = models.DateTimeField(_("上传时间（服务器）"), default=timezone.now)
    captured_at = models.DateTimeField(_("拍摄时间（EXIF）"), null=True, blank=True)
    gps_latitude = models.DecimalField(_("纬度（EXIF）"), max_digits=9, decimal_places=6, null=True, blank=True)
    gps_longitude = models.DecimalField(_("经度（EXIF）"), max_digits=9, decimal_places=6, null=True, blank=True)

    class Meta:
        verbose_name = _("证据照片")
        verbose_name_plural = _("证据照片")
        ordering = ["uploaded_at", "id"]

    def __str__(self):
        return f"{self.sha256[:12]}…"
