from django.db import models
from django.utils.translation import gettext_lazy as _


class SurveyKind(models.TextChoices):
    PUBLIC = "public", _("网上民评")
    APPRAISAL = "appraisal", _("年度评议")


class Channel(models.TextChoices):
    WEB = "web", _("网页")
    QR = "qr", _("扫码")
    KIOSK = "kiosk", _("评价器")
    APP = "app", _("移动应用")
    IMPORT = "import", _("批量导入")


class ResponseStatus(models.TextChoices):
    VALID = "valid", _("有效")
    DUPLICATE = "duplicate", _("重复")
    SUSPICIOUS = "suspicious", _("可疑")


class OpinionStatus(models.TextChoices):
    NEW = "new", _("待处理")
    ROUTED = "routed", _("已转交单位整改")
    MERGED = "merged", _("已合并")
    REJECTED = "rejected", _("不予采纳")
    RESPONDED = "responded", _("单位已答复")
    RESOLVED = "resolved", _("已办结")
    REOPENED = "reopened", _("群众反馈未解决，重新核查")


class EvaluatorCategory(models.TextChoices):
    DEPUTY = "deputy", _("两代表一委员")
    GRASSROOTS = "grassroots", _("基层单位")
    ENTERPRISE = "enterprise", _("企业")
    CITIZEN = "citizen", _("群众")
