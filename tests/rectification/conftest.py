import datetime
import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from PIL import Image

from rectification import services
from surveys.models import Survey
from surveys.services import opinion_create


def aware(*args) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime(*args))


def png_file(name: str = "photo.png") -> SimpleUploadedFile:
    buffer = io.BytesIO()
    Image.new("RGB", (8, 8), "red").save(buffer, format="PNG")
    return SimpleUploadedFile(name, buffer.getvalue(), content_type="image/png")


@pytest.fixture
def mailable(liaison, other_liaison, leader, agency, other_agency):
    """Everyone who is notified has an address; the leader in charge has an account."""
    for user in (liaison, other_liaison, leader):
        user.email = f"{user.username}@example.gov.cn"
        user.save(update_fields=["email"])
    for a in (agency, other_agency):
        a.leader_account = leader
        a.save(update_fields=["leader_account"])
    return liaison


@pytest.fixture
def survey(cycle):
    return Survey.objects.create(slug="pub", cycle=cycle, kind="public", title="网上民评",
                                 opens_at=aware(2026, 1, 1), closes_at=aware(2027, 1, 1))


@pytest.fixture
def make_opinion(survey, agency):
    def make(text="户政窗口排队时间太长，工作人员态度冷淡", at=None, **kwargs):
        return opinion_create(survey=survey, agency=kwargs.pop("agency", agency), text=text,
                              contact="13812345678", at=at or timezone.now(), **kwargs)
    return make


@pytest.fixture
def notice(agency, cycle, admin, mailable):
    return services.notice_issue(agency=agency, cycle=cycle, source="manual", text="窗口服务态度差，限期整改",
                                 actor=admin, source_key="manual:test")


@pytest.fixture
def responded(notice, liaison):
    return services.notice_respond(notice=notice, actor=liaison, measures="已开展作风教育并调整窗口排班",
                                   files=[png_file()])


@pytest.fixture
def other_notice(other_agency, cycle, admin, mailable):
    return services.notice_issue(agency=other_agency, cycle=cycle, source="manual", text="办事效率低",
                                 actor=admin, source_key="manual:other")
