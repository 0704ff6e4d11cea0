from django.db import models


class Role(models.TextChoices):
    ADMIN = "admin", "管理员"
    INSPECTOR = "inspector", "察访员"
    ASSESSOR = "assessor", "考评员"
    AGENCY = "agency", "单位联络员"
    LEADER = "leader", "市领导"


class CycleStatus(models.TextChoices):
    DRAFT = "draft", "草稿"
    OPEN = "open", "进行中"
    CLOSED = "closed", "已结束"
    PUBLISHED = "published", "已公布"
