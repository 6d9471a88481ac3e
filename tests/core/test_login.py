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


def _login(client, username, password, ip):
    return client.post(reverse("core:login"), {"username": username, "password": password}, REMOTE_ADDR=ip)


def _error(resp) -> str:
    import re

    m = re.search(r'<p class="error" role="alert">(.*?)</p>', resp.content.decode())
    return m.group(1) if m else ""


def test_an_attacker_elsewhere_cannot_lock_the_owner_out(territory, client, settings):
    settings.LOGIN_PAIR_FAILURES = 3
    for _ in range(3):
        resp = _login(client, "worker_A1a", "wrong", "203.0.113.9")
        assert resp.status_code == 400 and _error(resp) == "用户名或密码错误。"
    # From the attacker's address even the right password is not tried now …
    resp = _login(client, "worker_A1a", "pass-1234", "203.0.113.9")
    assert resp.status_code == 400 and "登录尝试过于频繁" in _error(resp)
    assert "_auth_user_id" not in client.session
    # … but the owner, from their own address, signs in at once.
    resp = _login(client, "worker_A1a", "pass-1234", "10.1.2.3")
    assert resp.status_code == 302 and client.session["_auth_user_id"] == str(territory.users["worker_A1a"].pk)
    user = User.objects.get(username="worker_A1a")
    assert AuditEntry.objects.filter(action="auth.login_failed", object_id=str(user.pk)).count() == 3
    assert AuditEntry.objects.filter(action="auth.login_throttled", object_id=str(user.pk)).count() == 1


def test_old_per_account_lock_fields_are_gone():
    from django.core.exceptions import FieldDoesNotExist

    for name in ("failed_logins", "locked_until"):
        with pytest.raises(FieldDoesNotExist):
            User._meta.get_field(name)


def test_one_address_spraying_many_accounts_is_throttled(territory, client, settings):
    settings.LOGIN_ADDRESS_FAILURES = 4
    for name in ("dispatcher_A", "dispatcher_B", "nobody", "staff_A1"):
        assert _error(_login(client, name, "guess-1", "198.51.100.7")) == "用户名或密码错误。"
    resp = _login(client, "admin", "pass-1234", "198.51.100.7")
    assert resp.status_code == 400 and "登录尝试过于频繁" in _error(resp)
    assert _login(client, "admin", "pass-1234", "198.51.100.8").status_code == 302


def test_back_off_doubles_and_a_success_clears_the_pair(territory, client, settings):
    from civicgrid.core.models import LoginThrottle

    settings.LOGIN_PAIR_FAILURES, settings.LOGIN_BACKOFF_SECONDS = 2, 60
    ip = "192.0.2.50"
    for _ in range(2):
        _login(client, "staff_A1", "wrong", ip)

    def longest_block():
        return max((r.blocked_until - timezone.now()).total_seconds()
                   for r in LoginThrottle.objects.filter(blocked_until__isnull=False))

    assert 50 < longest_block() <= 60
    LoginThrottle.objects.update(blocked_until=timezone.now() - dt.timedelta(seconds=1))  # the wait is over
    _login(client, "staff_A1", "wrong", ip)
    assert 110 < longest_block() <= 120  # the third failure waits twice as long
    # The table holds keyed hashes only: neither the address nor the username.
    assert not LoginThrottle.objects.filter(key__contains=ip).exists()
    assert not LoginThrottle.objects.filter(key__contains="staff_A1").exists()
    LoginThrottle.objects.update(blocked_until=timezone.now() - dt.timedelta(seconds=1))
    assert _login(client, "staff_A1", "pass-1234", ip).status_code == 302
    assert LoginThrottle.objects.count() == 1  # the pair is cleared; the address count stays


def test_real_and_unknown_usernames_cannot_be_told_apart(territory, client, settings):
    """Same status and message at every step, and the same password-hashing work."""
    from django.contrib.auth.hashers import MD5PasswordHasher

    calls = []

    class Counting(MD5PasswordHasher):
        def encode(self, password, salt):
            calls.append(1)
            return super().encode(password, salt)

    settings.LOGIN_PAIR_FAILURES = 3
    settings.PASSWORD_HASHERS = [f"{__name__}._Counting"]
    globals()["_Counting"] = Counting
    User.objects.filter(username="dispatcher_A").update(password=MD5PasswordHasher().encode("pass-1234", "salty"))
    seen = {}
    for name, ip in (("dispatcher_A", "10.9.0.1"), ("no_such_user", "10.9.0.2")):
        steps = []
        for _ in range(5):
            calls.clear()
            resp = _login(client, name, "wrong-password", ip)
            steps.append((resp.status_code, _error(resp), len(calls)))
        seen[name] = steps
    assert seen["dispatcher_A"] == seen["no_such_user"]
    assert [s[2] for s in seen["dispatcher_A"]] == [1, 1, 1, 0, 0]  # hashed while trying, not while blocked


def test_admin_login_is_throttled_too(territory, client, settings):
    settings.LOGIN_PAIR_FAILURES = 2
    for _ in range(2):
        client.post("/admin/login/", {"username": "admin", "password": "wrong"}, REMOTE_ADDR="203.0.113.77")
    client.post("/admin/login/", {"username": "admin", "password": "pass-1234"}, REMOTE_ADDR="203.0.113.77")
    assert "_auth_user_id" not in client.session
    client.post("/admin/login/", {"username": "admin", "password": "pass-1234"}, REMOTE_ADDR="203.0.113.78")
    assert client.session["_auth_user_id"] == str(territory.users["admin"].pk)


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
