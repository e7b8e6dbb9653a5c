"""Mail from the newsroom: sent by a background task after the change that caused it commits.

A mail server that is down never turns a step that is done (a submission, an approval, a comment) into an
error page: the step commits, the mail is handed to a task, the task tries again a few times, and if it still
cannot send it, it writes a "mail.failed" audit event, which staff see in the audit log and, for a gallery, in
its history on the gallery's page.
"""

import logging
from datetime import timedelta
from functools import partial

from django.apps import apps
from django.core.mail import send_mail
from django.db import models, transaction
from django.tasks import task
from django.utils import timezone

from galleries.audit import record
from galleries.text import one_line

logger = logging.getLogger(__name__)

# Waits before the second, third and fourth attempts, where the task backend can wait (a worker's queue).
RETRY_DELAYS = (timedelta(minutes=1), timedelta(minutes=10), timedelta(hours=1))
MAX_ATTEMPTS = len(RETRY_DELAYS) + 1


def send_after_commit(*, subject: str, body: str, recipients: list[str], about: models.Model | None = None) -> None:
    """Queue one mail once the current transaction commits (at once outside one); `about` is what failures name."""
    recipients = sorted({address for address in recipients if address})
    if not recipients:
        return
    message = {
        # A subject is one header line: a title saved with a line break must not stop the mail.
        "subject": one_line(subject),
        "body": body,
        "recipients": recipients,
        "about": [about._meta.label_lower, about.pk] if about is not None else None,
    }
    transaction.on_commit(partial(_enqueue, message=message, attempt=1))


def _enqueue(*, message: dict, attempt: int) -> None:
    job = deliver_mail
    if attempt > 1 and job.get_backend().supports_defer:
        job = job.using(run_after=timezone.now() + RETRY_DELAYS[attempt - 2])
    try:
        job.enqueue(message=message, attempt=attempt)
    except Exception as error:
        # The queue itself is down: the step that caused the mail is done all the same.
        logger.exception("Could not queue mail “%s”", message["subject"])
        _record_failure(message, attempt=attempt, error=error)


@task()
def deliver_mail(*, message: dict, attempt: int = 1) -> str:
    try:
        send_mail(message["subject"], message["body"], None, message["recipients"])
    except Exception as error:
        if attempt < MAX_ATTEMPTS:
            logger.warning("Mail “%s” failed (attempt %s), trying again: %s", message["subject"], attempt, error)
            _enqueue(message=message, attempt=attempt + 1)
            return "retrying"
        logger.exception("Mail “%s” failed %s times; giving up", message["subject"], attempt)
        _record_failure(message, attempt=attempt, error=error)
        return "failed"
    return "sent"


def _record_failure(message: dict, *, attempt: int, error: Exception) -> None:
    about = None
    if message["about"]:
        label, pk = message["about"]
        about = apps.get_model(label)._default_manager.filter(pk=pk).first()
    count = len(message["recipients"])
    # Addresses stay out of the log (a reader's address is not every editor's business); the count says enough.
    record(
        about,
        "mail.failed",
        note=f"Not sent after {attempt} attempt(s): “{message['subject']}” to {count} recipient(s). "
        f"{type(error).__name__}: {error}"[:2000],
        data={"subject": message["subject"], "recipients": count, "attempts": attempt},
    )
