import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from civicgrid.core.models import AuditEntry, User


def post_login(client, username, password):
    return client.post(reverse("core:login"), {"username": username, "password": password})


def test_login_and_landing_page_per_role(territory, client):
    resp = post_login(client, "dispatcher_A", "pass-1234")
    assert resp.status_code == 302 and resp.url == reverse("core:home")
    home = client.get(reverse("core:home")).content.decode()
    assert "街道派遣员" in home and "A街道" in home
    assert "审计日志" not in home  # not an administrator
    client.post(reverse("core:logout"))
    post_login(client, "admin", "pass-1234")
    home = client.get(reverse("core:home")).content.decode()
    assert "系统管理员" in home and "审计日志" in home


def test_passwords_are_hashed_with_argon2(settings, db):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.Argon2PasswordHasher"]
    user = User.objects.create_user("h", password="correct horse battery")
    assert user.password.startswith("argon2$")
    assert user.check_password("correct horse battery")


def test_lockout_after_repeated_failures(territory, client, settings):
    settings.LOGIN_MAX_FAILURES = 3
    for _ in range(2):
        resp = post_login(client, "worker_A1a", "wrong")
        assert resp.status_code == 400 and "用户名或密码错误" in resp.content.decode()
    resp = post_login(client, "worker_A1a", "wrong")
    assert "锁定" in resp.content.decode()
    user = User.objects.get(username="worker_A1a")
    assert user.locked_until and user.locked_until > timezone.now()
    # The right password is refused while locked.
    resp = post_login(client, "worker_A1a", "pass-1234")
    assert resp.status_code == 400 and "锁定" in resp.content.decode()
    assert "_auth_user_id" not in client.session
    assert AuditEntry.objects.filter(action="auth.locked", object_id=str(user.pk)).count() == 1
    # After the lock lifts the right password works and the counter is reset.
    User.objects.filter(pk=user.pk).update(locked_until=timezone.now() - dt.timedelta(seconds=1))
    resp = post_login(client, "worker_A1a", "pass-1234")
    assert resp.status_code == 302
    user.refresh_from_db()
    assert user.failed_logins == 0 and user.locked_until is None


def test_unknown_user_gets_the_same_message(db, client):
    resp = post_login(client, "nobody", "x")
    assert "用户名或密码错误" in resp.content.decode()


def test_sessions_expire(settings):
    assert settings.SESSION_COOKIE_AGE <= 12 * 3600
    assert settings.SESSION_EXPIRE_AT_BROWSER_CLOSE


def test_open_redirect_is_refused(territory, client):
    resp = client.post(reverse("core:login"), {"username": "admin", "password": "pass-1234",
                                               "next": "https://evil.example.com/"})
    assert resp.status_code == 302 and resp.url == reverse("core:home")


def test_pages_need_login(db, client):
    resp = client.get(reverse("core:home"))
    assert resp.status_code == 302 and "/login/" in resp.url
