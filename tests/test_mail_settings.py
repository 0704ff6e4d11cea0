"""A real deployment's mail server comes from the environment (README's configuration table)."""
import json
import subprocess

from tests.test_production import BASE_DIR, PYTHON, production_env

PROBE = ("import json, django; django.setup(); from django.core.mail import get_connection; "
         "c = get_connection(); print(json.dumps([type(c).__module__, c.host, c.port, c.username, c.password, "
         "c.use_tls, c.use_ssl, c.timeout]))")


def run(tmp_path, code: str, **extra) -> subprocess.CompletedProcess:
    env = production_env(f"sqlite:///{tmp_path / 'db.sqlite3'}", tmp_path, 8000, **extra)
    return subprocess.run([PYTHON, *code.split(" ", 1)] if code.startswith("manage.py") else [PYTHON, "-c", code],
                          cwd=BASE_DIR, env=env, capture_output=True, text=True)


def test_the_smtp_connection_takes_every_setting_from_the_environment(tmp_path):
    out = run(tmp_path, PROBE, EMAIL_BACKEND="django.core.mail.backends.smtp.EmailBackend",
              EMAIL_HOST="smtp.example.gov.cn", EMAIL_PORT="587", EMAIL_HOST_USER="pingyi",
              EMAIL_HOST_PASSWORD="s3cret", EMAIL_USE_TLS="1", EMAIL_TIMEOUT="7")
    assert out.returncode == 0, out.stderr
    assert json.loads(out.stdout.strip().splitlines()[-1]) == [
        "django.core.mail.backends.smtp", "smtp.example.gov.cn", 587, "pingyi", "s3cret", True, False, 7]


def test_implicit_tls_and_the_file_backend(tmp_path):
    out = run(tmp_path, PROBE, EMAIL_BACKEND="django.core.mail.backends.smtp.EmailBackend", EMAIL_PORT="465",
              EMAIL_USE_SSL="1")
    assert json.loads(out.stdout.strip().splitlines()[-1])[5:7] == [False, True]
    folder = tmp_path / "outbox"
    send = ("import django; django.setup(); from django.core.mail import send_mail; "
            "send_mail('整改通知', '请按期整改', None, ['liaison@example.gov.cn'])")
    out = run(tmp_path, send, EMAIL_BACKEND="django.core.mail.backends.filebased.EmailBackend",
              EMAIL_FILE_PATH=str(folder))
    assert out.returncode == 0, out.stderr
    (message,) = folder.iterdir()
    assert "liaison@example.gov.cn" in message.read_text()


def test_tls_and_ssl_together_are_refused_by_the_system_check(tmp_path):
    out = run(tmp_path, "manage.py check", EMAIL_USE_TLS="1", EMAIL_USE_SSL="1")
    assert out.returncode != 0
    assert "conduct_eval.E001" in out.stderr + out.stdout
