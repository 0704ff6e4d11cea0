import uuid

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from agencies.models import Agency, Cycle, Window
from agencies.scheme import DIMENSIONS

from .choices import Channel, EvaluatorCategory, OpinionStatus, ResponseStatus, SurveyKind

LEVEL_RANGE = range(1, 6)


def default_dimensions() -> list[str]:
    return list(DIMENSIONS)


class Survey(models.Model):
    """调查 — a public survey (网上民评) or an annual appraisal (年度评议) of a cycle."""

    slug = models.SlugField(_("编码"), max_length=60, unique=True)
    cycle = models.ForeignKey(Cycle, models.PROTECT, related_name="surveys", verbose_name=_("评议周期"))
    kind = models.CharField(_("类型"), max_length=10, choices=SurveyKind.choices)
    title = models.CharField(_("标题"), max_length=200)
    description = models.TextField(_("说明"), blank=True)
    opens_at = models.DateTimeField(_("开始时间"))
    closes_at = models.DateTimeField(_("结束时间"))
    dimensions = models.JSONField(_("评价维度"), default=default_dimensions)

    class Meta:
        verbose_name = _("调查")
        verbose_name_plural = _("调查")
        ordering = ["-opens_at"]
        constraints = [
            models.CheckConstraint(condition=models.Q(closes_at__gt=models.F("opens_at")),
                                   name="survey_closes_after_open"),
        ]

    def __str__(self):
        return self.title

    def is_open(self, at=None) -> bool:
        at = at or timezone.now()
        return self.opens_at <= at < self.closes_at


def rating_column(dimension: str) -> str:
    """The column of a Response that holds its rating on `dimension` (1–5, NULL = 不适用)."""
    return f"r_{dimension}"


def count_column(dimension: str, level: int) -> str:
    """The rollup column counting ratings of `level` on `dimension`."""
    return f"{dimension}_{level}"


class Response(models.Model):
    """民评答卷 — one citizen's rating of one agency (and window) on the eight dimensions.

    One row per response with a small column per dimension: a submission is one INSERT, and
    a row per rating would cost 8× the rows and about 4× the scan (DESIGN.md's figures).
    No raw address is stored; `fingerprint` is a keyed hash of the device.
    """

    # No index of the survey alone: response_dedup and response_survey_time both begin with it. The window's
    # index holds only the rows that name one (response_window). Each index is paid on every INSERT.
    survey = models.ForeignKey(Survey, models.PROTECT, related_name="responses", verbose_name=_("调查"),
                               db_index=False)
    agency = models.ForeignKey(Agency, models.PROTECT, related_name="responses", verbose_name=_("机关"))
    window = models.ForeignKey(Window, models.PROTECT, null=True, blank=True, related_name="responses",
                               verbose_name=_("窗口"), db_index=False)
    channel = models.CharField(_("渠道"), max_length=10, choices=Channel.choices, default=Channel.WEB)
    status = models.CharField(_("状态"), max_length=10, choices=ResponseStatus.choices, default=ResponseStatus.VALID)
    fingerprint = models.CharField(_("设备指纹"), max_length=64)
    submitted_at = models.DateTimeField(_("提交时间"), default=timezone.now)
    # False only for rows of the Redis-decided submission path (surveys/fastpath.py), which inserts
    # without touching the rollups; surveys.rollups.catch_up counts them in batches and sets it.
    counted = models.BooleanField(_("已计入汇总"), default=True, db_default=True)
    for _dimension, _label in DIMENSIONS.items():
        locals()[rating_column(_dimension)] = models.PositiveSmallIntegerField(_(_label), null=True, blank=True)
    del _dimension, _label

    class Meta:
        verbose_name = _("民评答卷")
        verbose_name_plural = _("民评答卷")
        indexes = [
            # The duplicate check: one valid response per survey, agency and device within a window.
            models.Index(fields=["survey", "agency", "fingerprint", "submitted_at"], name="response_dedup"),
            models.Index(fields=["survey", "submitted_at"], name="response_survey_time"),
            models.Index(fields=["window"], condition=models.Q(window__isnull=False), name="response_window"),
            # The catch-up's queue: tiny (only rows not yet counted), read oldest first.
            models.Index(fields=["id"], condition=models.Q(counted=False), name="response_uncounted"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(**{f"{rating_column(d)}__range": (1, 5)})
                | models.Q(**{f"{rating_column(d)}__isnull": True}),
                name=f"response_{d}_level",
            )
            for d in DIMENSIONS
        ]

    def __str__(self):
        return f"{self.agency_id} @ {self.submitted_at:%Y-%m-%d %H:%M}"

    def ratings(self) -> dict[str, int | None]:
        return {d: getattr(self, rating_column(d)) for d in DIMENSIONS}


class RatingMonthly(models.Model):
    """民评月度汇总 — per survey, agency and month: valid responses and the count of each level per dimension.

    Kept up to date in the submission's transaction (one UPSERT). Scoring reads these rows
    for whole months (2,000 agencies × 12 months = 24 k rows for a province-sized year)
    and GROUP BYs only the compact response rows of a partly covered month.
    """

    survey = models.ForeignKey(Survey, models.CASCADE, related_name="+", verbose_name=_("调查"))
    agency = models.ForeignKey(Agency, models.CASCADE, related_name="+", verbose_name=_("机关"))
    month = models.DateField(_("月份"))
    n = models.PositiveIntegerField(_("有效答卷数"), db_default=0)
    for _dimension in DIMENSIONS:
        for _level in LEVEL_RANGE:
            locals()[count_column(_dimension, _level)] = models.PositiveIntegerField(db_default=0)
    del _dimension, _level

    class Meta:
        verbose_name = _("民评月度汇总")
        verbose_name_plural = _("民评月度汇总")
        constraints = [models.UniqueConstraint(fields=["survey", "agency", "month"], name="rating_monthly_key")]

    def __str__(self):
        return f"{self.agency_id} {self.month:%Y-%m}"


class RatingDaily(models.Model):
    """民评日汇总 — the same counts as RatingMonthly, per local day, kept in the same statements.

    Scoring reads these rows for the days of a partly covered month, so that a period ending
    mid-month (every period ends at local midnight) reads no response rows: at most
    2,000 agencies × 30 days = 60 k small rows instead of a month's millions.
    """

    survey = models.ForeignKey(Survey, models.CASCADE, related_name="+", verbose_name=_("调查"),
                               db_index=False)  # the (survey, day) index leads with it
    agency = models.ForeignKey(Agency, models.CASCADE, related_name="+", verbose_name=_("机关"))
    day = models.DateField(_("日期"))
    n = models.PositiveIntegerField(_("有效答卷数"), db_default=0)
    for _dimension in DIMENSIONS:
        for _level in LEVEL_RANGE:
            locals()[count_column(_dimension, _level)] = models.PositiveIntegerField(db_default=0)
    del _dimension, _level

    class Meta:
        verbose_name = _("民评日汇总")
        verbose_name_plural = _("民评日汇总")
        constraints = [models.UniqueConstraint(fields=["survey", "agency", "day"], name="rating_daily_key")]
        # A period reads the days of its partly covered months (a few of a year's 365): by day, not by
        # scanning the survey's rows (0.1 s at 560 k rows). Also serves the survey's own foreign key.
        indexes = [models.Index(fields=["survey", "day"], name="rating_daily_survey_day")]

    def __str__(self):
        return f"{self.agency_id} {self.day}"


class Opinion(models.Model):
    """群众意见 — the text a citizen left, with a receipt code to follow it at /track/.

    The contact is personal information: kept only as given (for triage staff), shown masked
    everywhere else, never logged or exported in plain text.
    """

    survey = models.ForeignKey(Survey, models.PROTECT, related_name="opinions", verbose_name=_("调查"))
    agency = models.ForeignKey(Agency, models.PROTECT, related_name="opinions", verbose_name=_("机关"))
    window = models.ForeignKey(Window, models.PROTECT, null=True, blank=True, related_name="+", verbose_name=_("窗口"))
    response = models.OneToOneField(Response, models.SET_NULL, null=True, blank=True, related_name="opinion",
                                    verbose_name=_("答卷"))
    text = models.TextField(_("意见内容"))
    contact = models.CharField(_("联系方式"), max_length=100, blank=True)
    contact_masked = models.CharField(_("联系方式（脱敏）"), max_length=100, blank=True)
    receipt = models.CharField(_("回执码"), max_length=16, unique=True)
    status = models.CharField(_("状态"), max_length=10, choices=OpinionStatus.choices, default=OpinionStatus.NEW)
    merged_into = models.ForeignKey("self", models.PROTECT, null=True, blank=True, related_name="merged",
                                    verbose_name=_("合并至"))
    created_at = models.DateTimeField(_("提交时间"), default=timezone.now)

    class Meta:
        verbose_name = _("群众意见")
        verbose_name_plural = _("群众意见")
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["status", "created_at"], name="opinion_queue")]

    def __str__(self):
        return self.receipt


class OpinionEvent(models.Model):
    """意见办理记录 — one step of an opinion's history, shown to the citizen on /track/."""

    opinion = models.ForeignKey(Opinion, models.CASCADE, related_name="events", verbose_name=_("意见"))
    at = models.DateTimeField(_("时间"), default=timezone.now)
    status = models.CharField(_("状态"), max_length=10, choices=OpinionStatus.choices)
    note = models.TextField(_("说明"), blank=True)

    class Meta:
        verbose_name = _("意见办理记录")
        verbose_name_plural = _("意见办理记录")
        ordering = ["at", "id"]

    def __str__(self):
        return f"{self.at:%Y-%m-%d %H:%M} {self.get_status_display()}"


class Invitation(models.Model):
    """评议邀请 — a one-time token of an evaluator category. Only a keyed hash of the token is stored."""

    survey = models.ForeignKey(Survey, models.PROTECT, related_name="invitations", verbose_name=_("调查"))
    category = models.CharField(_("评议人类别"), max_length=12, choices=EvaluatorCategory.choices)
    token_hash = models.CharField(_("令牌摘要"), max_length=64, unique=True)
    valid_from = models.DateTimeField(_("生效时间"))
    valid_until = models.DateTimeField(_("失效时间"))
    used_at = models.DateTimeField(_("使用时间"), null=True, blank=True)
    created_at = models.DateTimeField(_("生成时间"), default=timezone.now)

    class Meta:
        verbose_name = _("评议邀请")
        verbose_name_plural = _("评议邀请")
        indexes = [models.Index(fields=["survey", "category"], name="invitation_rate")]

    def __str__(self):
        return f"{self.get_category_display()} · {_('已使用') if self.used_at else _('未使用')}"


class Ballot(models.Model):
    """评议票 — one evaluator's ratings. Keeps its category, never its token: who voted and what
    they said are stored apart. A random key and a date (not a time) leave no order to join on.
    """

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    survey = models.ForeignKey(Survey, models.PROTECT, related_name="ballots", verbose_name=_("调查"))
    category = models.CharField(_("评议人类别"), max_length=12, choices=EvaluatorCategory.choices)
    submitted_on = models.DateField(_("提交日期"))

    class Meta:
        verbose_name = _("评议票")
        verbose_name_plural = _("评议票")

    def __str__(self):
        return f"{self.get_category_display()} · {self.submitted_on}"


class BallotRating(models.Model):
    """评议票中对一个机关的评价（1–5）；"不了解"的机关不记录。"""

    ballot = models.ForeignKey(Ballot, models.CASCADE, related_name="ratings", verbose_name=_("评议票"))
    agency = models.ForeignKey(Agency, models.PROTECT, related_name="+", verbose_name=_("机关"))
    level = models.PositiveSmallIntegerField(_("等级"))

    class Meta:
        verbose_name = _("评议评价")
        verbose_name_plural = _("评议评价")
        constraints = [
            models.UniqueConstraint(fields=["ballot", "agency"], name="ballot_rates_agency_once"),
            models.CheckConstraint(condition=models.Q(level__range=(1, 5)), name="ballot_level_range"),
        ]
        indexes = [models.Index(fields=["agency", "level"], name="ballot_rating_agency")]

    def __str__(self):
        return f"{self.agency_id}: {self.level}"


def ballot_level_column(level: int) -> str:
    """The column of a BallotDaily row counting ratings of `level`."""
    return f"level_{level}"


class BallotDaily(models.Model):
    """评议日汇总 — per appraisal survey, agency, evaluator category and day: the ballots rating it at each level.

    Kept up to date in the ballot's transaction (one UPSERT for all the agencies it rates),
    so that scoring reads 2,000 agencies × 4 categories × the days of the appraisal instead
    of every rating (10 M at 5,000 ballots). Ballots keep only a date: so do these rows.
    """

    survey = models.ForeignKey(Survey, models.CASCADE, related_name="+", verbose_name=_("调查"),
                               db_index=False)  # the (survey, day) index leads with it
    agency = models.ForeignKey(Agency, models.CASCADE, related_name="+", verbose_name=_("机关"))
    category = models.CharField(_("评议人类别"), max_length=12, choices=EvaluatorCategory.choices)
    day = models.DateField(_("日期"))
    for _level in LEVEL_RANGE:
        locals()[ballot_level_column(_level)] = models.PositiveIntegerField(db_default=0)
    del _level

    class Meta:
        verbose_name = _("评议日汇总")
        verbose_name_plural = _("评议日汇总")
        constraints = [models.UniqueConstraint(fields=["survey", "agency", "category", "day"],
                                               name="ballot_daily_key")]
        indexes = [models.Index(fields=["survey", "day"], name="ballot_daily_survey_day")]  # as RatingDaily's

    def __str__(self):
        return f"{self.agency_id} {self.category} {self.day}"


class BallotMonthly(models.Model):
    """评议月汇总 — BallotDaily summed by local month: what a period reads for its whole months.

    Kept in the ballot's transaction beside the daily row (surveys.rollups.ballot_add), so that a year's
    appraisal is 2,000 agencies × 4 categories × its months, whatever the days it ran; the daily rows
    count only the days of a partly covered month.
    """

    survey = models.ForeignKey(Survey, models.CASCADE, related_name="+", verbose_name=_("调查"))
    agency = models.ForeignKey(Agency, models.CASCADE, related_name="+", verbose_name=_("机关"))
    category = models.CharField(_("评议人类别"), max_length=12, choices=EvaluatorCategory.choices)
    month = models.DateField(_("月份"))
    for _level in LEVEL_RANGE:
        locals()[ballot_level_column(_level)] = models.PositiveIntegerField(db_default=0)
    del _level

    class Meta:
        verbose_name = _("评议月汇总")
        verbose_name_plural = _("评议月汇总")
        constraints = [models.UniqueConstraint(fields=["survey", "agency", "category", "month"],
                                               name="ballot_monthly_key")]

    def __str__(self):
        return f"{self.agency_id} {self.category} {self.month:%Y-%m}"
