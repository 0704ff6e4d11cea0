"""Settings of the Celery worker processes that the real-service tests start: the product's settings,
with e-mail written to files (so the test counts messages across processes) and a short claim lease
(so a test need not wait ten minutes for the sweep to take over a dead sender's claim)."""
from conduct_eval.settings import *  # noqa: F403

EMAIL_BACKEND = "tests.rectification.mailbackends.SlowFileBackend"
NOTIFICATION_CLAIM_LEASE = 3
