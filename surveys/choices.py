from django.db import models


class SurveyKind(models.TextChoices):
    PUBLIC = "public", "网上民评"
    APPRAISAL = "appraisal", "年度评议"


class Channel(models.TextChoices):
    WEB = "web", "网页"
    QR = "qr", "扫码"
    KIOSK = "kiosk", "评价器"
    APP = "app", "移动应用"
    IMPORT = "import", "批量导入"


class ResponseStatus(models.TextChoices):
    VALID = "valid", "有效"
    DUPLICATE = "duplicate", "重复"
    SUSPICIOUS = "suspicious", "可疑"


class OpinionStatus(models.TextChoices):
    NEW = "new", "待处理"
    ROUTED = "routed", "已转交单位整改"
    MERGED = "merged", "已合并"
    REJECTED = "rejected", "不予采纳"
    RESPONDED = "responded", "单位已答复"
    RESOLVED = "resolved", "已办结"
    REOPENED = "reopened", "群众反馈未解决，重新核查"


class EvaluatorCategory(models.TextChoices):
    DEPUTY = "deputy", "两代表一委员"
    GRASSROOTS = "grassroots", "基层单位"
    ENTERPRISE = "enterprise", "企业"
    CITIZEN = "citizen", "群众"
