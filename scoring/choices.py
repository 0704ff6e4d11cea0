from django.db import models


class EntryKind(models.TextChoices):
    INSPECTION = "inspection", "明察暗访扣分"
    BONUS = "bonus", "加分"
    DEDUCTION = "deduction", "减分"
    VETO = "veto", "一票否决"


class EntrySource(models.TextChoices):
    MANUAL = "manual", "手工登记"
    FINDING = "finding", "察访发现"
    NOTICE = "notice", "整改通知"
    APPEAL = "appeal", "申诉裁定"


class Outcome(models.TextChoices):
    COMMENDED = "commended", "表彰"
    WARNED = "warned", "谈话提醒"
    NONE = "none", "—"
