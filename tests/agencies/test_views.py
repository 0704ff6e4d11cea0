import pytest
from django.contrib.admin.sites import site
from django.urls import reverse

from surveys.models import Survey
from tests.factories import CycleFactory

pytestmark = pytest.mark.django_db


def test_home_lists_open_public_surveys_in_chinese(client, cycle):
    from django.utils import timezone

    now = timezone.now()
    Survey.objects.create(slug="pub", cycle=cycle, kind="public", title="窗口满意度调查",
                          opens_at=now - timezone.timedelta(days=1), closes_at=now + timezone.timedelta(days=1))
    Survey.objects.create(slug="old", cycle=cycle, kind="public", title="去年的调查",
                          opens_at=now - timezone.timedelta(days=9), closes_at=now - timezone.timedelta(days=8))
    page = client.get("/").content.decode()
    assert '<html lang="zh-hans">' in page
    assert "窗口满意度调查" in page and "/s/pub/" in page
    assert "去年的调查" not in page
    assert "登录" in page


def test_home_shows_the_entry_of_each_role(client, inspector, liaison):
    client.force_login(inspector)
    assert "/inspect/" in client.get("/").content.decode()
    client.force_login(liaison)
    page = client.get("/").content.decode()
    assert "/agency/" in page and "/inspect/" not in page


def test_english_is_available(client, db):
    response = client.post("/i18n/setlang/", {"language": "en", "next": "/"})
    assert response.status_code == 302
    assert '<html lang="en">' in client.get("/").content.decode()


def test_login_and_logout(client, admin):
    page = client.get(reverse("login")).content.decode()
    assert "用户名" in page and "密码" in page
    response = client.post(reverse("login"), {"username": "admin", "password": "pass-Word-123"})
    assert response.status_code == 302
    assert "admin" in client.get("/").content.decode()
    client.post(reverse("logout"))
    assert client.get("/api/v1/agencies/").status_code == 403


def test_wrong_login_shows_an_error(client, admin):
    response = client.post(reverse("login"), {"username": "admin", "password": "wrong"})
    assert response.status_code == 200
    assert "alert-danger" in response.content.decode()


def test_pages_use_no_cdn(client, db):
    page = client.get("/").content.decode()
    assert "/static/vendor/bootstrap-5.3.9/" in page and "/static/vendor/htmx-2.0.11/" in page
    assert "http://" not in page.replace("http://testserver", "") and "https://" not in page


def test_every_model_is_in_the_admin_with_chinese_names(client, admin):
    admin.is_superuser = admin.is_staff = True
    admin.save()
    client.force_login(admin)
    CycleFactory()
    for model in site._registry:
        assert any("\u4e00" <= ch <= "\u9fff" for ch in str(model._meta.verbose_name)), model
        url = reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_changelist")
        assert client.get(url).status_code == 200, url
    assert "机关作风评议系统" in client.get("/admin/").content.decode()


def test_healthz(client, db):
    assert client.get("/healthz/").json()["status"] == "ok"
