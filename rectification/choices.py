from django.db import models


class NoticeSource(models.TextChoices):
    OPINION = "opinion", "群众意见"
    FINDING = "finding", "明察暗访发现问题"
    RANKING = "ranking", "排名靠后"
    MANUAL = "manual", "办公室交办"


class NoticeStatus(models.TextChoices):
    ISSUED = "issued", "待整改"
    RESPONDED = "responded", "已反馈待核验"
    VERIFIED = "verified", "已核验办结"
    RETURNED = "returned", "已退回重新整改"


class NoticeAction(models.TextChoices):
    """The steps of a notice's history."""

    ISSUED = "issued", "下发整改通知"
    RESPONDED = "responded", "单位反馈整改情况"
    VERIFIED = "verified", "办公室核验通过"
    RETURNED = "returned", "办公室退回"
    OVERDUE = "overdue", "逾期未办结"
    CITIZEN_FIXED = "citizen_fixed", "群众确认已解决"
    REOPENED = "reopened", "群众反馈未解决，重新核查"


class NotificationKind(models.TextChoices):
    ISSUED = "issued", "整改通知"
    RETURNED = "returned", "整改退回"
    OVERDUE = "overdue", "逾期提醒"
    REMINDER_TALK = "reminder_talk", "谈话提醒"
    REOPENED = "reopened", "群众反馈未解决"


class CitizenAnswer(models.TextChoices):
    FIXED = "fixed", "已解决"
    NOT_FIXED = "not_fixed", "未解决"


class TriageAction(models.TextChoices):
    ROUTE = "route", "转交单位整改"
    MERGE = "merge", "合并到相似意见"
    REJECT = "reject", "不予采纳"
