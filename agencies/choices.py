from django.db import models
from django.utils.translation import gettext_lazy as _


class Role(models.TextChoices):
    ADMIN = "admin", _("管理员")
    INSPECTOR = "inspector", _("察访员")
    ASSESSOR = "assessor", _("考评员")
    AGENCY = "agency", _("单位联络员")
    LEADER = "leader", _("市领导")


class CycleStatus(models.TextChoices):
    DRAFT = "draft", _("草稿")
    OPEN = "open", _("进行中")
    CLOSED = "closed", _("已结束")
    PUBLISHED = "published", _("已公布")
