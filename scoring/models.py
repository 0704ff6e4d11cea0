from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from agencies.models import Agency, Cycle

from .choices import EntryKind, EntrySource, Outcome


class AppendOnlyError(Exception):
    """An attempt to change or remove a row of an append-only table (the ledger, a snapshot)."""


class AppendOnlyQuerySet(models.QuerySet):
    """Bulk UPDATE and DELETE are refused; rows are only ever inserted."""

    def update(self, **kwargs):
        raise AppendOnlyError(f"{self.model._meta.verbose_name}只能追加，不能修改")

    def delete(self):
        raise AppendOnlyError(f"{self.model._meta.verbose_name}只能追加，不能删除")

    def bulk_update(self, objs, fields, batch_size=None):
        raise AppendOnlyError(f"{self.model._meta.verbose_name}只能追加，不能修改")

    def update_or_create(self, *args, **kwargs):
        raise AppendOnlyError(f"{self.model._meta.verbose_name}只能追加，不能修改")


class AppendOnlyModel(models.Model):
    """Saving an existing row or deleting one raises; a correction is a new row."""

    objects = AppendOnlyQuerySet.as_manager()

    class Meta:
        abstract = True

    def save(self, *args, **kwargs):
        if not self._state.adding:
            raise AppendOnlyError(f"{self._meta.verbose_name}只能追加，不能修改")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise AppendOnlyError(f"{self._meta.verbose_name}只能追加，不能删除")


class ScoreEntry(AppendOnlyModel):
    """计分台账 — one entry of the ledger: an inspection deduction, a bonus, a deduction or a veto.

    Points are positive magnitudes (0 for a veto); a reversing entry carries the negated
    points and points at the entry it cancels. On PostgreSQL a trigger rejects UPDATE and
    DELETE on the table, so the ledger stays append-only even outside the ORM.
    """

    cycle = models.ForeignKey(Cycle, models.PROTECT, related_name="score_entries", verbose_name=_("评议周期"))
    agency = models.ForeignKey(Agency, models.PROTECT, related_name="score_entries", verbose_name=_("机关"))
    kind = models.CharField(_("类别"), max_length=12, choices=EntryKind.choices)
    points = models.DecimalField(_("分值"), max_digits=7, decimal_places=2)
    reason = models.CharField(_("事由"), max_length=500)
    source = models.CharField(_("来源"), max_length=10, choices=EntrySource.choices, default=EntrySource.MANUAL)
    source_key = models.CharField(_("来源标识"), max_length=80, null=True, blank=True, unique=True,
                                  help_text=_("同一来源只记一次，例如 finding:12、notice:7:overdue"))
    reverses = models.OneToOneField("self", models.PROTECT, null=True, blank=True, related_name="reversed_by",
                                    verbose_name=_("冲销的台账"))
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, models.PROTECT, null=True, blank=True,
                                   related_name="+", verbose_name=_("登记人"))
    created_at = models.DateTimeField(_("登记时间"), auto_now_add=True, db_index=True)

    class Meta:
        verbose_name = _("计分台账")
        verbose_name_plural = _("计分台账")
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["cycle", "agency", "kind"], name="scoreentry_cycle_agency_kind")]
        constraints = [
            models.CheckConstraint(condition=~Q(kind=EntryKind.VETO) | Q(points=0), name="scoreentry_veto_zero"),
            models.CheckConstraint(condition=Q(kind=EntryKind.VETO) | Q(reverses__isnull=False) | Q(points__gt=0),
                                   name="scoreentry_points_positive"),
        ]

    def __str__(self):
        return f"{self.agency} {self.get_kind_display()} {self.points}"

    @property
    def is_reversal(self) -> bool:
        return self.reverses_id is not None


class Indicator(models.Model):
    """组织考评指标 — an item of the organizational assessment, scored by one member unit."""

    cycle = models.ForeignKey(Cycle, models.PROTECT, related_name="indicators", verbose_name=_("评议周期"))
    code = models.SlugField(_("编码"), max_length=40)
    name = models.CharField(_("名称"), max_length=100)
    max_points = models.DecimalField(_("满分"), max_digits=6, decimal_places=2)
    assessor_unit = models.CharField(_("考评单位"), max_length=100)

    class Meta:
        verbose_name = _("组织考评指标")
        verbose_name_plural = _("组织考评指标")
        ordering = ["cycle", "assessor_unit", "code"]
        constraints = [
            models.UniqueConstraint(fields=["cycle", "code"], name="indicator_code_unique_per_cycle"),
            models.CheckConstraint(condition=Q(max_points__gt=0), name="indicator_max_points_positive"),
        ]

    def __str__(self):
        return _("%(name)s（%(max_points)s分）") % {"name": self.name, "max_points": self.max_points}


class Assessment(AppendOnlyModel):
    """组织考评打分 — one revision of the points a member unit gives an agency on an indicator.

    Every save is a new revision; the latest revision (as of a period's end) counts.
    """

    indicator = models.ForeignKey(Indicator, models.PROTECT, related_name="assessments", verbose_name=_("指标"))
    agency = models.ForeignKey(Agency, models.PROTECT, related_name="assessments", verbose_name=_("机关"))
    revision = models.PositiveIntegerField(_("版次"))
    points = models.DecimalField(_("得分"), max_digits=6, decimal_places=2)
    note = models.CharField(_("说明"), max_length=500, blank=True)
    assessed_by = models.ForeignKey(settings.AUTH_USER_MODEL, models.PROTECT, null=True, blank=True,
                                    related_name="+", verbose_name=_("考评人"))
    assessed_at = models.DateTimeField(_("打分时间"), auto_now_add=True, db_index=True)

    class Meta:
        verbose_name = _("组织考评打分")
        verbose_name_plural = _("组织考评打分")
        ordering = ["indicator", "agency", "-revision"]
        constraints = [
            models.UniqueConstraint(fields=["indicator", "agency", "revision"], name="assessment_revision_unique"),
            models.CheckConstraint(condition=Q(points__gte=0), name="assessment_points_not_negative"),
        ]

    def __str__(self):
        return f"{self.agency} · {self.indicator.name}：{self.points}"


class RankingSnapshot(AppendOnlyModel):
    """排名快照 — the result of one recompute of a cycle for a period; immutable.

    `digest` is a hash of every input of the method (aggregates and scheme): the same
    inputs give the same digest and the same scorecards.
    """

    cycle = models.ForeignKey(Cycle, models.PROTECT, related_name="snapshots", verbose_name=_("评议周期"))
    period = models.CharField(_("期间"), max_length=10)
    until = models.DateTimeField(_("截止时间"))
    final = models.BooleanField(_("年度最终结果"), default=False)
    digest = models.CharField(_("输入摘要"), max_length=64)
    # The cycle's `inputs_version` read in the same consistent read as the inputs: while the cycle's version
    # is still this one, a recompute of the same period returns this snapshot without reading anything.
    # Null for snapshots stored before versions existed (those fall back to the digest).
    inputs_version = models.PositiveBigIntegerField(_("输入版本"), null=True, blank=True)
    scheme = models.JSONField(_("评分方案"), encoder=DjangoJSONEncoder)
    computed_at = models.DateTimeField(_("计算时间"), auto_now_add=True, db_index=True)
    computed_by = models.ForeignKey(settings.AUTH_USER_MODEL, models.PROTECT, null=True, blank=True,
                                    related_name="+", verbose_name=_("发起人"))

    class Meta:
        verbose_name = _("排名快照")
        verbose_name_plural = _("排名快照")
        ordering = ["-computed_at", "-id"]
        indexes = [models.Index(fields=["cycle", "period", "-computed_at"], name="snapshot_cycle_period")]
        constraints = [
            models.UniqueConstraint(fields=["cycle"], condition=Q(final=True), name="snapshot_one_final_per_cycle"),
        ]

    def __str__(self):
        final = f" · {_('最终')}" if self.final else ""
        return f"{self.cycle.code} · {self.period}{final} · {self.computed_at:%Y-%m-%d %H:%M}"


class Scorecard(AppendOnlyModel):
    """计分卡 — one agency's row of a snapshot: components with their inputs, total, ranks, outcome."""

    # No index of its own: the unique (snapshot, agency) leads with it (one index fewer for a recompute's 2,000 rows).
    snapshot = models.ForeignKey(RankingSnapshot, models.PROTECT, related_name="scorecards", verbose_name=_("快照"),
                                 db_index=False)
    agency = models.ForeignKey(Agency, models.PROTECT, related_name="scorecards", verbose_name=_("机关"))
    group_code = models.CharField(_("分组"), max_length=40)
    total = models.DecimalField(_("总分"), max_digits=7, decimal_places=2)
    # Null for an unrated agency (暂不排名): no public_survey, appraisal or organizational data.
    rank_overall = models.PositiveIntegerField(_("总排名"), null=True, blank=True)
    rank_in_group = models.PositiveIntegerField(_("组内排名"), null=True, blank=True)
    outcome = models.CharField(_("结果"), max_length=10, choices=Outcome.choices, default=Outcome.NONE)
    veto = models.BooleanField(_("一票否决"), default=False)
    # Snapshots stored before their documents (SnapshotDocument) keep the card and inputs on each row; newer
    # rows leave them null and readers take their row of the snapshot's document (`card`, `inputs`).
    card_json = models.JSONField(_("计分明细"), encoder=DjangoJSONEncoder, null=True, blank=True, db_column="card")
    inputs_json = models.JSONField(_("输入汇总"), encoder=DjangoJSONEncoder, null=True, blank=True,
                                   db_column="inputs")

    class Meta:
        verbose_name = _("计分卡")
        verbose_name_plural = _("计分卡")
        ordering = ["snapshot", models.F("rank_overall").asc(nulls_last=True), "agency__code"]
        constraints = [models.UniqueConstraint(fields=["snapshot", "agency"], name="scorecard_unique_per_snapshot")]

    def __str__(self):
        return f"{self.agency} {self.total}"

    @property
    def card(self) -> dict:
        """The scorecard as `method.Scorecard.to_dict()` spells it (the intervals' keys None: see `full_card`)."""
        if self.card_json is not None:
            return self.card_json
        return self._document_row()[0]

    @card.setter
    def card(self, value: dict | None) -> None:  # a row written the way snapshots were before their documents
        self.card_json = value

    @property
    def inputs(self) -> dict:
        """What the method was given for this agency, and the ids of the ledger entries and assessments counted."""
        if self.inputs_json is not None:
            return self.inputs_json
        return self._document_row()[1]

    @inputs.setter
    def inputs(self, value: dict | None) -> None:
        self.inputs_json = value

    def _document_row(self) -> tuple[dict, dict]:
        from .documents import document_of  # the document's reader lives beside its writer

        return document_of(self.snapshot).row(self.agency_id)

    @property
    def full_card(self) -> dict:
        """The card with its 95% intervals: stored after the official result (ScorecardInterval), or inside the
        card itself for snapshots stored before they were apart. Without intervals yet, their keys are None."""
        try:
            interval = self.interval
        except ScorecardInterval.DoesNotExist:
            return self.card
        return {**self.card, **interval.values}


class SnapshotDocument(AppendOnlyModel):
    """快照文档 — every scorecard and input of a snapshot as one compact document (scoring.documents).

    `body` is zlib-compressed JSON of columns (scoring.method.columns): the scorecards, the inputs and the
    ids each scorecard counted. One row per snapshot, written in the snapshot's own transaction; its
    Scorecard rows keep only what lists filter and sort on (total, ranks, outcome, veto).
    """

    snapshot = models.OneToOneField(RankingSnapshot, models.PROTECT, primary_key=True, related_name="document",
                                    verbose_name=_("快照"))
    body = models.BinaryField(_("内容"))

    class Meta:
        verbose_name = _("快照文档")
        verbose_name_plural = _("快照文档")

    def __str__(self):
        return f"{self.snapshot} · {len(self.body or b'') // 1024} KiB"


class ScorecardInterval(AppendOnlyModel):
    """计分卡区间 — the advisory 95% intervals of one scorecard's total and ranks.

    The official result (total, ranks, outcome) is committed and served first; the intervals, resampled
    (scoring.method.intervals: hundreds of draws of every agency's counts), follow in a transaction of their
    own, so they never hold a ranking back. `values` holds the interval keys of `method.Scorecard.to_dict()`,
    exactly as they were stored inside the card before; readers see them merged (`Scorecard.full_card`).
    """

    scorecard = models.OneToOneField(Scorecard, models.PROTECT, primary_key=True, related_name="interval",
                                     verbose_name=_("计分卡"))
    values = models.JSONField(_("95% 区间"), encoder=DjangoJSONEncoder)

    class Meta:
        verbose_name = _("计分卡区间")
        verbose_name_plural = _("计分卡区间")

    def __str__(self):
        return f"{self.scorecard} {self.values.get('total_low')}–{self.values.get('total_high')}"


class RecomputeRequest(models.Model):
    """重算请求 — the outbox of recomputes asked for in the full stack.

    Committed with the request, so a dead broker delays a recompute, never loses it: the
    worker's task or the sweep (scoring.recompute_sweep) runs it once. `claimed_at` is a
    compare-and-set from NULL; a claim older than the lease belongs to a worker that died.
    """

    task_id = models.UUIDField(_("任务编号"), unique=True)
    cycle = models.ForeignKey(Cycle, models.CASCADE, related_name="+", verbose_name=_("评议周期"))
    period = models.CharField(_("期间"), max_length=10)
    final = models.BooleanField(_("年度最终结果"), default=False)
    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, models.SET_NULL, null=True, blank=True,
                                     related_name="+", verbose_name=_("发起人"))
    requested_at = models.DateTimeField(_("请求时间"), auto_now_add=True)
    published_at = models.DateTimeField(_("投递时间"), null=True, blank=True)
    claimed_at = models.DateTimeField(_("开始时间"), null=True, blank=True)
    done_at = models.DateTimeField(_("完成时间"), null=True, blank=True)
    snapshot_id = models.PositiveBigIntegerField(_("排名快照"), null=True, blank=True)
    last_error = models.CharField(_("最近错误"), max_length=300, blank=True)

    class Meta:
        verbose_name = _("重算请求")
        verbose_name_plural = _("重算请求")
        ordering = ["requested_at", "id"]
        indexes = [models.Index(fields=["done_at", "claimed_at"], name="recompute_outbox")]

    def __str__(self):
        return f"{self.cycle_id} · {self.period} · {self.task_id}"


class Publication(models.Model):
    """年度结果公布执行 — the outbox row of a final snapshot: its consequences, carried out exactly once.

    Written in the transaction that stores the final snapshot. A task right after the commit, and a periodic
    sweep for whatever is still pending, claim it with a compare-and-set on `claimed_at` (a lease, so a dead
    worker's claim runs out) and announce `final_snapshot_published` inside one transaction with `done_at`:
    the commendation list, the reminder talks and the notices are all made, or none and it is tried again.
    """

    snapshot = models.OneToOneField(RankingSnapshot, models.PROTECT, related_name="publication",
                                    verbose_name=_("年度最终结果"))
    created_at = models.DateTimeField(_("生成时间"), auto_now_add=True)
    claimed_at = models.DateTimeField(_("执行认领时间"), null=True, blank=True)
    done_at = models.DateTimeField(_("执行完成时间"), null=True, blank=True)
    attempts = models.PositiveSmallIntegerField(_("执行次数"), default=0)
    last_error = models.CharField(_("最近错误"), max_length=300, blank=True)

    class Meta:
        verbose_name = _("年度结果公布执行")
        verbose_name_plural = _("年度结果公布执行")
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["done_at", "claimed_at"], name="publication_outbox")]

    def __str__(self):
        return f"{self.snapshot} · {'已执行' if self.done_at else '待执行'}"


class PublicRelease(models.Model):
    """阶段性排名公开 — the office's choice to show a period snapshot's provisional ranking on /public/.

    A final annual result is public once its cycle is published; a period result only when the office
    releases it here (and until it withdraws it). Written only by scoring.services.snapshot_release and
    snapshot_release_withdraw.
    """

    snapshot = models.OneToOneField(RankingSnapshot, models.PROTECT, related_name="public_release",
                                    verbose_name=_("排名快照"))
    released_by = models.ForeignKey(settings.AUTH_USER_MODEL, models.PROTECT, null=True, blank=True,
                                    related_name="+", verbose_name=_("公开人"))
    released_at = models.DateTimeField(_("公开时间"), auto_now_add=True, db_index=True)
    withdrawn_by = models.ForeignKey(settings.AUTH_USER_MODEL, models.PROTECT, null=True, blank=True,
                                     related_name="+", verbose_name=_("撤回人"))
    withdrawn_at = models.DateTimeField(_("撤回时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("阶段性排名公开")
        verbose_name_plural = _("阶段性排名公开")
        ordering = ["-released_at", "-id"]

    def __str__(self):
        return f"{self.snapshot} · {'已撤回' if self.withdrawn_at else '公开中'}"
