from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from agencies.models import Agency, Cycle
from surveys.models import Opinion

from .choices import CalendarDayKind, CitizenAnswer, NoticeAction, NoticeSource, NoticeStatus, NotificationKind


class RectificationNotice(models.Model):
    """整改通知 — a rectification notice to an agency, with a working-day deadline the office tracks."""

    agency = models.ForeignKey(Agency, models.PROTECT, related_name="notices", verbose_name=_("机关"))
    cycle = models.ForeignKey(Cycle, models.PROTECT, null=True, blank=True, related_name="notices",
                              verbose_name=_("评议周期"))
    source = models.CharField(_("来源"), max_length=10, choices=NoticeSource.choices)
    # What the notice was born of ("opinion:7", "finding:12", "ranking:2026:gaj"): issuing twice returns the first.
    source_key = models.CharField(_("来源标识"), max_length=100, unique=True, null=True, blank=True)
    opinion = models.ForeignKey(Opinion, models.SET_NULL, null=True, blank=True, related_name="notices",
                                verbose_name=_("群众意见"))
    text = models.TextField(_("整改事项"))
    issued_at = models.DateTimeField(_("下发时间"), default=timezone.now)
    deadline = models.DateField(_("整改期限"))
    status = models.CharField(_("状态"), max_length=10, choices=NoticeStatus.choices, default=NoticeStatus.ISSUED)
    overdue = models.BooleanField(_("逾期"), default=False)
    overdue_at = models.DateTimeField(_("标记逾期时间"), null=True, blank=True)
    # The agency's current response (earlier rounds live in the history).
    measures = models.TextField(_("整改措施"), blank=True)
    responded_at = models.DateTimeField(_("反馈时间"), null=True, blank=True)
    verified_at = models.DateTimeField(_("核验时间"), null=True, blank=True)
    # Whether the notice was late is decided by its first verification against `deadline`, whenever a job looks.
    first_verified_at = models.DateTimeField(_("首次核验时间"), null=True, blank=True)
    # A citizen's "not fixed" reopens a verified notice with a re-check deadline of its own; missing it is late.
    recheck_deadline = models.DateField(_("重新核查期限"), null=True, blank=True)
    # Each return to the agency starts a new round; notifications are keyed per round.
    round = models.PositiveSmallIntegerField(_("整改轮次"), default=1)
    citizen_answer = models.CharField(_("群众评价"), max_length=10, choices=CitizenAnswer.choices, blank=True)
    # Every user reference of a notice's record is PROTECT: a user who acted or was told is deactivated,
    # never deleted, so the history keeps its names (the admin refuses the delete and lists why).
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, models.PROTECT, null=True, blank=True,
                                   related_name="+", verbose_name=_("下发人"))

    class Meta:
        verbose_name = _("整改通知")
        verbose_name_plural = _("整改通知")
        ordering = ["-issued_at", "-id"]
        indexes = [
            models.Index(fields=["status", "deadline"], name="notice_open_by_deadline"),
            models.Index(fields=["agency", "status"], name="notice_agency_status"),
        ]

    def __str__(self):
        return f"{self.agency.name} · {self.get_source_display()} · {self.deadline}"

    @property
    def is_open(self) -> bool:
        return self.status in (NoticeStatus.ISSUED, NoticeStatus.RETURNED)

    @property
    def deadline_applied(self):
        """The deadline the notice answers to now: the re-check deadline once reopened, else the original one."""
        return self.recheck_deadline or self.deadline


def evidence_path(instance, filename: str) -> str:
    return f"rectification/evidence/{instance.notice_id}/{instance.sha256[:16]}{instance.extension}"


def evidence_copy_path(instance, filename: str) -> str:
    # Beside the original: <sha>.clean.jpg and <sha>.thumb.jpg (named by conduct_eval.uploads.attach_copies).
    return f"rectification/evidence/{instance.notice_id}/{filename}"


class NoticeEvidence(models.Model):
    """整改佐证材料 — a file the agency attached to its response (type checked by content)."""

    notice = models.ForeignKey(RectificationNotice, models.CASCADE, related_name="evidence", verbose_name=_("整改通知"))
    file = models.FileField(_("文件"), upload_to=evidence_path, max_length=200)
    # Photos only (a PDF is served as it is): what is viewed, made once at upload, without EXIF; a thumbnail.
    clean_copy = models.FileField(_("查看用副本（无元数据）"), upload_to=evidence_copy_path, max_length=200, blank=True,
                                  editable=False)
    thumbnail = models.FileField(_("缩略图"), upload_to=evidence_copy_path, max_length=200, blank=True,
                                 editable=False)
    name = models.CharField(_("原文件名"), max_length=200)
    content_type = models.CharField(_("类型"), max_length=50)
    extension = models.CharField(_("扩展名"), max_length=8)
    size = models.PositiveIntegerField(_("大小（字节）"))
    sha256 = models.CharField("SHA-256", max_length=64)
    round = models.PositiveSmallIntegerField(_("整改轮次"), default=1)
    uploaded_at = models.DateTimeField(_("上传时间"), default=timezone.now)
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, models.PROTECT, null=True, blank=True,
                                    related_name="+", verbose_name=_("上传人"))

    class Meta:
        verbose_name = _("整改佐证材料")
        verbose_name_plural = _("整改佐证材料")
        ordering = ["uploaded_at", "id"]

    def __str__(self):
        return self.name


class NoticeEvent(models.Model):
    """整改办理记录 — one step of a notice's history (who, when, what, why)."""

    notice = models.ForeignKey(RectificationNotice, models.CASCADE, related_name="events", verbose_name=_("整改通知"))
    at = models.DateTimeField(_("时间"), default=timezone.now)
    action = models.CharField(_("事项"), max_length=15, choices=NoticeAction.choices)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, models.PROTECT, null=True, blank=True, related_name="+",
                              verbose_name=_("操作人"))
    note = models.TextField(_("说明"), blank=True)

    class Meta:
        verbose_name = _("整改办理记录")
        verbose_name_plural = _("整改办理记录")
        ordering = ["at", "id"]

    def __str__(self):
        return f"{self.at:%Y-%m-%d %H:%M} {self.get_action_display()}"


class Notification(models.Model):
    """消息通知 — one message to one user about a notice: the in-app inbox row and the e-mail outbox row.

    Committed with the change that causes it; a task e-mails it after the commit and a sweep
    re-sends what is still pending. The unique key makes each message exist once; the
    compare-and-set claim on `claimed_at` makes each e-mail go out once.
    """

    notice = models.ForeignKey(RectificationNotice, models.CASCADE, related_name="notifications",
                               verbose_name=_("整改通知"))
    kind = models.CharField(_("类型"), max_length=15, choices=NotificationKind.choices)
    seq = models.PositiveSmallIntegerField(_("轮次"), default=1)
    recipient = models.ForeignKey(settings.AUTH_USER_MODEL, models.PROTECT, related_name="notifications",
                                  verbose_name=_("收件人"))
    email = models.EmailField(_("邮箱"), blank=True)
    subject = models.CharField(_("标题"), max_length=200)
    body = models.TextField(_("内容"))
    created_at = models.DateTimeField(_("生成时间"), default=timezone.now)
    claimed_at = models.DateTimeField(_("发送认领时间"), null=True, blank=True)
    sent_at = models.DateTimeField(_("邮件发送时间"), null=True, blank=True)
    attempts = models.PositiveSmallIntegerField(_("发送次数"), default=0)
    last_error = models.CharField(_("最近错误"), max_length=300, blank=True)
    read_at = models.DateTimeField(_("阅读时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("消息通知")
        verbose_name_plural = _("消息通知")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["notice", "kind", "seq", "recipient"], name="notification_once"),
        ]
        indexes = [models.Index(fields=["sent_at", "claimed_at"], name="notification_outbox")]

    def __str__(self):
        return self.subject

    @property
    def message_id(self) -> str:
        """A stable Message-ID: should a crash ever repeat a hand-over, mail clients fold the copies."""
        return f"<notice-{self.notice_id}-{self.kind}-{self.seq}-{self.recipient_id}@conduct-eval>"


class CommendationList(models.Model):
    """表彰名单 — the agencies commended by a cycle's final ranking, published once per final snapshot."""

    cycle = models.ForeignKey(Cycle, models.PROTECT, related_name="commendation_lists", verbose_name=_("评议周期"))
    snapshot_id = models.PositiveBigIntegerField(_("排名快照"), unique=True)
    published_at = models.DateTimeField(_("公布时间"), default=timezone.now)
    agencies = models.ManyToManyField(Agency, related_name="+", verbose_name=_("受表彰机关"), blank=True)

    class Meta:
        verbose_name = _("表彰名单")
        verbose_name_plural = _("表彰名单")
        ordering = ["-published_at"]

    def __str__(self):
        return _("%(cycle)s表彰名单") % {"cycle": self.cycle.name}


class CalendarDay(models.Model):
    """节假日安排 — a public holiday or an adjusted working day (调休上班) of the State Council's schedule.

    Deadlines count working days from this table: a day listed as a holiday is off, one listed
    as a working day is on (a weekend made up), every other day is Monday–Friday. The office
    enters each year from the State Council's notice, usually published in November.
    """

    day = models.DateField(_("日期"), unique=True)
    kind = models.CharField(_("类别"), max_length=10, choices=CalendarDayKind.choices)
    name = models.CharField(_("节日"), max_length=40, blank=True, help_text=_("例如 国庆节、春节"))

    class Meta:
        verbose_name = _("节假日安排")
        verbose_name_plural = _("节假日安排")
        ordering = ["day"]

    def __str__(self):
        return f"{self.day:%Y-%m-%d} {self.get_kind_display()} {self.name}".strip()


class ProblemCategory(models.Model):
    """问题类别 — a category of problem the office tags citizen opinions with, to count what people complain of.

    A managed list: the office adds, renames and retires categories in the admin. A category in use cannot be
    deleted (its tags PROTECT it); retiring it (`active=False`) keeps the counts of the opinions tagged with it.
    """

    code = models.SlugField(_("编码"), max_length=30, unique=True)
    name = models.CharField(_("名称"), max_length=30, unique=True)
    order = models.PositiveSmallIntegerField(_("排序"), default=0)
    active = models.BooleanField(_("启用"), default=True)

    class Meta:
        verbose_name = _("问题类别")
        verbose_name_plural = _("问题类别")
        ordering = ["order", "code"]

    def __str__(self):
        return self.name


class OpinionTag(models.Model):
    """意见问题类别 — one category the office set on one opinion (who, when)."""

    opinion = models.ForeignKey(Opinion, models.CASCADE, related_name="tags", verbose_name=_("群众意见"))
    category = models.ForeignKey(ProblemCategory, models.PROTECT, related_name="tags", verbose_name=_("问题类别"))
    tagged_by = models.ForeignKey(settings.AUTH_USER_MODEL, models.PROTECT, null=True, blank=True, related_name="+",
                                  verbose_name=_("标记人"))
    tagged_at = models.DateTimeField(_("标记时间"), default=timezone.now)

    class Meta:
        verbose_name = _("意见问题类别")
        verbose_name_plural = _("意见问题类别")
        constraints = [models.UniqueConstraint(fields=["opinion", "category"], name="opinion_tag_once")]

    def __str__(self):
        return f"{self.opinion_id} · {self.category_id}"


class OpinionNote(models.Model):
    """内部备注 — the office's own note on an opinion: never part of what the citizen sees on /track/."""

    opinion = models.ForeignKey(Opinion, models.CASCADE, related_name="internal_notes", verbose_name=_("群众意见"))
    text = models.TextField(_("内容"))
    author = models.ForeignKey(settings.AUTH_USER_MODEL, models.PROTECT, null=True, blank=True, related_name="+",
                               verbose_name=_("填写人"))
    at = models.DateTimeField(_("时间"), default=timezone.now)

    class Meta:
        verbose_name = _("内部备注")
        verbose_name_plural = _("内部备注")
        ordering = ["at", "id"]

    def __str__(self):
        return f"{self.at:%Y-%m-%d %H:%M} {self.text[:20]}"
