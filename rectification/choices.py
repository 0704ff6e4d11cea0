from django.db import models
from django.utils.translation import gettext_lazy as _


class NoticeSource(models.TextChoices):
    OPINION = "opinion", _("群众意见")
    FINDING = "finding", _("明察暗访发现问题")
    RANKING = "ranking", _("排名靠后")
    MANUAL = "manual", _("办公室交办")


class NoticeStatus(models.TextChoices):
    ISSUED = "issued", _("待整改")
    RESPONDED = "responded", _("已反馈待核验")
    VERIFIED = "verified", _("已核验办结")
    RETURNED = "returned", _("已退回重新整改")
    # Its cause fell away (a finding judged untrue on appeal): never due, never overdue, out of every rate.
    WITHDRAWN = "withdrawn", _("已撤销")


class NoticeAction(models.TextChoices):
    """The steps of a notice's history."""

    ISSUED = "issued", _("下发整改通知")
    RESPONDED = "responded", _("单位反馈整改情况")
    VERIFIED = "verified", _("办公室核验通过")
    RETURNED = "returned", _("办公室退回")
    OVERDUE = "overdue", _("逾期未办结")
    CITIZEN_FIXED = "citizen_fixed", _("群众确认已解决")
    REOPENED = "reopened", _("群众反馈未解决，重新核查")
    WITHDRAWN = "withdrawn", _("撤销整改通知")


class NotificationKind(models.TextChoices):
    ISSUED = "issued", _("整改通知")
    RETURNED = "returned", _("整改退回")
    OVERDUE = "overdue", _("逾期提醒")
    REMINDER_TALK = "reminder_talk", _("谈话提醒")
    REOPENED = "reopened", _("群众反馈未解决")
    WITHDRAWN = "withdrawn", _("整改撤销")


class CitizenAnswer(models.TextChoices):
    FIXED = "fixed", _("已解决")
    NOT_FIXED = "not_fixed", _("未解决")


class TriageAction(models.TextChoices):
    ROUTE = "route", _("转交单位整改")
    MERGE = "merge", _("合并到相似意见")
    REJECT = "reject", _("不予采纳")


class CalendarDayKind(models.TextChoices):
    """A day of the State Council's holiday schedule (国务院办公厅关于部分节假日安排的通知)."""

    HOLIDAY = "holiday", _("放假")
    WORKDAY = "workday", _("调休上班")


class BulkAction(models.TextChoices):
    ROUTE = "route", _("转交单位整改")
    REJECT = "reject", _("不予采纳")
    MERGE = "merge", _("合并为一条")
    TAG = "tag", _("添加问题类别")
    UNTAG = "untag", _("移除问题类别")
