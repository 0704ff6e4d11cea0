"""E-mail backends that tests select through settings or the EMAIL_BACKEND environment variable."""
import os
import time
from pathlib import Path

from django.core.mail.backends.base import BaseEmailBackend
from django.core.mail.backends.filebased import EmailBackend as FileBackend


class BrokenBackend(BaseEmailBackend):
    """An SMTP server that refuses the connection."""

    def send_messages(self, email_messages):
        raise ConnectionRefusedError("mail server refused the connection")


class SlowFileBackend(FileBackend):
    """Writes each message to a file in $CE_TEST_MAIL_DIR (one file per hand-over, counted across processes)
    after a slow conversation of $CE_TEST_MAIL_DELAY seconds, announcing its pid in $CE_TEST_MAIL_DIR/sending/
    so a test can kill exactly the process that is mid-send."""

    def __init__(self, **kwargs):
        kwargs["file_path"] = os.environ["CE_TEST_MAIL_DIR"]
        super().__init__(**kwargs)

    def send_messages(self, email_messages):
        marker = Path(os.environ["CE_TEST_MAIL_DIR"]) / "sending" / f"{os.getpid()}-{time.monotonic_ns()}"
        marker.parent.mkdir(exist_ok=True)
        marker.write_text(str(os.getpid()))
        time.sleep(float(os.environ.get("CE_TEST_MAIL_DELAY", "0")))
        return super().send_messages(email_messages)
