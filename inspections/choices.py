from django.db import models
from django.utils.translation import gettext_lazy as _


class VisitMode(models.TextChoices):
    OPEN = "open", _("明察")
    COVERT = "covert", _("暗访")


class VisitStatus(models.TextChoices):
    DRAFT = "draft", _("草稿")
    SUBMITTED = "submitted", _("已提交")


class FindingCategory(models.TextChoices):
    ATTITUDE = "attitude", _("服务态度差（门难进、脸难看）")
    INEFFICIENCY = "inefficiency", _("办事拖沓、效率低")
    UNLAWFUL = "unlawful", _("违规办理")
    LAZINESS = "laziness", _("庸懒散")
    INACTION = "inaction", _("不作为")
    MISCONDUCT = "misconduct", _("乱作为")
    OTHER = "other", _("其他")


class Severity(models.TextChoices):
    MINOR = "minor", _("轻微")
    MAJOR = "major", _("较重")
    SERIOUS = "serious", _("严重")


class FindingStatus(models.TextChoices):
    SUBMITTED = "submitted", _("待审核")
    CONFIRMED = "confirmed", _("已确认")
    DISMISSED = "dismissed", _("不予认定")


class AppealStatus(models.TextChoices):
    NONE = "", _("无申诉")
    PENDING = "pending", _("申诉待裁定")
    UPHELD = "upheld", _("不属实（申诉成立，已冲销）")
    REJECTED = "rejected", _("属实（维持认定）")
