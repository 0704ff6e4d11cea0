from django.db import models


class VisitMode(models.TextChoices):
    OPEN = "open", "明察"
    COVERT = "covert", "暗访"


class VisitStatus(models.TextChoices):
    DRAFT = "draft", "草稿"
    SUBMITTED = "submitted", "已提交"


class FindingCategory(models.TextChoices):
    ATTITUDE = "attitude", "服务态度差（门难进、脸难看）"
    INEFFICIENCY = "inefficiency", "办事拖沓、效率低"
    UNLAWFUL = "unlawful", "违规办理"
    LAZINESS = "laziness", "庸懒散"
    INACTION = "inaction", "不作为"
    MISCONDUCT = "misconduct", "乱作为"
    OTHER = "other", "其他"


class Severity(models.TextChoices):
    MINOR = "minor", "轻微"
    MAJOR = "major", "较重"
    SERIOUS = "serious", "严重"


class FindingStatus(models.TextChoices):
    SUBMITTED = "submitted", "待审核"
    CONFIRMED = "confirmed", "已确认"
    DISMISSED = "dismissed", "不予认定"


class AppealStatus(models.TextChoices):
    NONE = "", "无申诉"
    PENDING = "pending", "申诉待裁定"
    UPHELD = "upheld", "不属实（申诉成立，已冲销）"
    REJECTED = "rejected", "属实（维持认定）"
