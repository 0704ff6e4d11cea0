from django.db import models
from django.utils.translation import gettext_lazy as _


class EntryKind(models.TextChoices):
    INSPECTION = "inspection", _("明察暗访扣分")
    BONUS = "bonus", _("加分")
    DEDUCTION = "deduction", _("减分")
    VETO = "veto", _("一票否决")


class EntrySource(models.TextChoices):
    MANUAL = "manual", _("手工登记")
    FINDING = "finding", _("察访发现")
    NOTICE = "notice", _("整改通知")
    APPEAL = "appeal", _("申诉裁定")


class Outcome(models.TextChoices):
    COMMENDED = "commended", _("表彰")
    WARNED = "warned", _("谈话提醒")
    NONE = "none", "—"
    UNRATED = "unrated", _("暂不排名")
