"""Accounts: login lockout per (username, client address), expiring and revocable API tokens, no role by default."""
import datetime

import pytest
import time_machine
from django.conf import settings
from django.test import Client
from django.utils import timezone
from rest_framework.test import APIClient

from agencies import access
from agencies.choices import Role
from agencies.models import Agency, User
from conduct_eval.navigation import navigation
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

PASSWORD = "pass-Word-123"
OFFICE = "10.20.30.40"  # one office's NAT address


def login_page(username, password, address=OFFICE, path="/login/", **headers):
    return Client(REMOTE_ADDR=address, **headers).post(path, {"username": username, "password": password})


def signed_in(response) -> bool:
    return response.status_code == 302 and "_auth_user_id" in response.client.session


@pytest.fixture
def alice(db):
    return UserFactory(username="alice", role=Role.INSPECTOR)


@pytest.fixture
def bob(db):
    return UserFactory(username="bob", role=Role.INSPECTOR)


def test_thirty_wrong_passwords_lock_that_account_at_that_address_only(alice, bob):
    answers = [login_page("alice", f"guess-{i}").status_code for i in range(30)]
    assert answers[:settings.AXES_FAILURE_LIMIT - 1] == [200] * (settings.AXES_FAILURE_LIMIT - 1)  # the form again
    assert answers[-1] == 429
    locked = login_page("alice", PASSWORD)  # the right password, refused for a while
    assert locked.status_code == 429
    html = locked.content.decode()
    assert "登录已锁定" in html and "分钟后再试" in html and "机关作风评议系统" in html  # in the site's layout
    assert "_auth_user_id" not in locked.client.session
    # A colleague behind the same NAT signs in; so does alice from another address.
    assert signed_in(login_page("bob", PASSWORD))
    assert signed_in(login_page("alice", PASSWORD, address="10.99.0.1"))
    # After the cool-off the right password works again.
    with time_machine.travel(timezone.now() + settings.AXES_COOLOFF_TIME + datetime.timedelta(seconds=5)):
        assert signed_in(login_page("alice", PASSWORD))


def test_only_failures_count_a_sign_in_wipes_earlier_mistakes(alice):
    for round_ in range(3):
        for i in range(settings.AXES_FAILURE_LIMIT - 1):
            assert login_page("alice", f"typo-{round_}-{i}").status_code == 200
        assert signed_in(login_page("alice", PASSWORD)), round_


def test_admin_login_page_locks_the_same_way(alice):
    alice.is_staff = alice.is_superuser = True
    alice.save()
    for i in range(settings.AXES_FAILURE_LIMIT):
        login_page("alice", f"guess-{i}", path="/admin/login/")
    response = login_page("alice", PASSWORD, path="/admin/login/")
    assert response.status_code == 429
    assert "登录已锁定" in response.content.decode()
    assert login_page("alice", PASSWORD, path="/login/").status_code == 429  # one lock for every door


def test_forwarded_for_counts_only_behind_our_proxy(alice, settings):
    proxy = "127.0.0.1"
    # Not trusted: a client cannot dodge the lock by inventing X-Forwarded-For.
    settings.TRUST_X_FORWARDED_FOR = False
    for i in range(settings.AXES_FAILURE_LIMIT):
        login_page("alice", f"guess-{i}", address=OFFICE, HTTP_X_FORWARDED_FOR=f"203.0.113.{i}")
    assert login_page("alice", PASSWORD, address=OFFICE, HTTP_X_FORWARDED_FOR="203.0.113.99").status_code == 429
    # Trusted (behind our reverse proxy): the last hop is the client; two clients behind one proxy differ.
    settings.TRUST_X_FORWARDED_FOR = True
    for i in range(settings.AXES_FAILURE_LIMIT):
        login_page("alice", f"guess-{i}", address=proxy, HTTP_X_FORWARDED_FOR="6.6.6.6, 198.51.100.7")
    assert login_page("alice", PASSWORD, address=proxy, HTTP_X_FORWARDED_FOR="198.51.100.7").status_code == 429
    assert signed_in(login_page("alice", PASSWORD, address=proxy, HTTP_X_FORWARDED_FOR="198.51.100.8"))


def token_request(username, password, address=OFFICE):
    return APIClient(REMOTE_ADDR=address).post("/api/v1/auth/token/", {"username": username, "password": password})


def test_token_endpoint_locks_with_json_429_in_the_error_format(alice, bob):
    for i in range(settings.AXES_FAILURE_LIMIT - 1):
        assert token_request("alice", f"guess-{i}").status_code == 400
    assert token_request("alice", "guess-last").status_code == 429
    response = token_request("alice", PASSWORD)
    assert response.status_code == 429
    body = response.json()
    assert set(body) == {"detail", "errors"} and "锁定" in body["detail"]
    assert int(response["Retry-After"]) == int(settings.AXES_COOLOFF_TIME.total_seconds())
    assert token_request("bob", PASSWORD).status_code == 200
    assert login_page("alice", PASSWORD).status_code == 429  # the pages share the lock


def test_token_sign_in_wipes_the_pairs_failures(alice):
    for round_ in range(2):
        for i in range(settings.AXES_FAILURE_LIMIT - 1):
            token_request("alice", f"typo-{i}")
        assert token_request("alice", PASSWORD).status_code == 200, round_


def with_token(key) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    return client


def test_a_token_expires_after_token_ttl_days_and_a_new_one_is_issued(alice):
    key = token_request("alice", PASSWORD).json()["token"]
    assert with_token(key).get("/api/v1/agencies/").status_code == 200
    later = timezone.now() + datetime.timedelta(days=settings.TOKEN_TTL_DAYS, minutes=1)
    with time_machine.travel(later):
        assert with_token(key).get("/api/v1/agencies/").status_code in (401, 403)
        fresh = token_request("alice", PASSWORD).json()["token"]
        assert fresh != key
        assert with_token(fresh).get("/api/v1/agencies/").status_code == 200
        assert with_token(key).get("/api/v1/agencies/").status_code in (401, 403)


def test_a_token_from_before_the_ttl_ends_still_works(alice):
    key = token_request("alice", PASSWORD).json()["token"]
    with time_machine.travel(timezone.now() + datetime.timedelta(days=settings.TOKEN_TTL_DAYS - 1)):
        assert with_token(key).get("/api/v1/agencies/").status_code == 200
        assert token_request("alice", PASSWORD).json()["token"] == key  # same token until it expires


def test_a_token_stops_working_after_its_owner_changes_password(alice, bob):
    key = token_request("alice", PASSWORD).json()["token"]
    other = token_request("bob", PASSWORD).json()["token"]
    alice.first_name = "爱丽丝"
    alice.save()  # an unrelated change keeps the token
    assert with_token(key).get("/api/v1/agencies/").status_code == 200
    alice.set_password("another-Pass-456")
    alice.save()
    assert with_token(key).get("/api/v1/agencies/").status_code in (401, 403)
    assert with_token(other).get("/api/v1/agencies/").status_code == 200  # nobody else's
    assert token_request("alice", "another-Pass-456").status_code == 200


def test_a_password_changed_on_the_admin_form_revokes_the_token(alice, admin):
    key = token_request("alice", PASSWORD).json()["token"]
    admin.is_superuser = admin.is_staff = True
    admin.save()
    client = Client()
    client.force_login(admin)
    response = client.post(f"/admin/agencies/user/{alice.pk}/password/",
                           {"password1": "Brand-new-789", "password2": "Brand-new-789", "usable_password": "true"})
    assert response.status_code == 302, response.content.decode()[:2000]
    assert with_token(key).get("/api/v1/agencies/").status_code in (401, 403)


def test_a_token_stops_working_when_the_account_is_deactivated(alice):
    key = token_request("alice", PASSWORD).json()["token"]
    alice.is_active = False
    alice.save()
    assert with_token(key).get("/api/v1/agencies/").status_code in (401, 403)
    alice.is_active = True
    alice.save()
    assert with_token(key).get("/api/v1/agencies/").status_code in (401, 403)  # revoked, not suspended


# --- no role until one is given -------------------------------------------------------------

def test_a_user_created_without_a_role_has_none_and_sees_nothing(agency, rf):
    user = User.objects.create_user("newcomer", password=PASSWORD)
    assert user.role == "" and user.effective_role == ""
    assert access.role_of(user) is None
    assert not access.has_role(user, *Role.values)
    assert not access.scope(Agency.objects.all(), user, agency_field="pk", owner_field="pk").exists()
    request = rf.get("/")
    request.user = user
    assert navigation(request)["nav_entries"] == []
    client = APIClient()
    client.force_authenticate(user)
    assert client.get("/api/v1/cycles/").status_code == 403
    assert client.get("/api/v1/users/").status_code == 403
    page = Client()
    page.force_login(user)
    assert page.get("/dashboard/").status_code == 403


@pytest.mark.parametrize("role", [None, ""])
def test_post_users_requires_a_role(api, role):
    body = {"username": "nobody", "password": "Some-pass-123"}
    if role is not None:
        body["role"] = role
    response = api.post("/api/v1/users/", body)
    assert response.status_code == 400
    assert "role" in response.json()["errors"]
    assert not User.objects.filter(username="nobody").exists()


def test_a_role_less_user_is_listed_with_a_blank_role(api):
    User.objects.create_user("newcomer", password=PASSWORD)
    rows = {row["username"]: row for row in api.get("/api/v1/users/").json()["results"]}
    assert rows["newcomer"]["role"] == ""


def test_the_migration_makes_superusers_left_on_the_old_default_admins(db):
    from importlib import import_module

    from django.apps import apps

    migration = import_module("agencies.migrations.0003_user_role_blank_by_default")
    root = User.objects.create_superuser("root", password=PASSWORD, role=Role.LEADER)
    city_leader = UserFactory(username="mayor", role=Role.LEADER)
    migration.superusers_are_admins(apps, None)
    root.refresh_from_db()
    city_leader.refresh_from_db()
    assert root.role == Role.ADMIN
    assert city_leader.role == Role.LEADER


def test_the_office_lifts_a_lock_in_the_admin_and_guesses_are_not_stored(alice, admin):
    from agencies.models import LoginLockout

    for i in range(settings.AXES_FAILURE_LIMIT):
        login_page("alice", f"secret-guess-{i}")
    assert login_page("alice", PASSWORD).status_code == 429
    lockout = LoginLockout.objects.get(username="alice")
    assert lockout.ip_address == OFFICE and lockout.failures_since_start == settings.AXES_FAILURE_LIMIT
    assert "secret-guess" not in lockout.post_data  # what was typed as a password is masked
    admin.is_superuser = admin.is_staff = True
    admin.save()
    office = Client()
    office.force_login(admin)
    assert office.get("/admin/agencies/loginlockout/").status_code == 200
    response = office.post("/admin/agencies/loginlockout/", {"action": "unlock", "_selected_action": [lockout.pk]})
    assert response.status_code == 302
    assert signed_in(login_page("alice", PASSWORD))


def test_sign_in_without_a_request_is_decided_by_the_password_alone(alice):
    from django.contrib.auth import authenticate

    assert authenticate(username="alice", password=PASSWORD) == alice  # a shell, a management command
    assert authenticate(username="alice", password="wrong") is None
    assert Client().login(username="alice", password=PASSWORD)
