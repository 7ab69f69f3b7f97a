"""One unit of work per request, command or sync batch: the one place that commits or rolls back.

Screens (web.run_form), the API (api.committed) and sync (its retry loop) all run their operation
inside `transaction()`. The operations themselves only flush.
"""
from contextlib import contextmanager

from .errors import WorkflowRefused
from .extensions import db


@contextmanager
def transaction():
    """Commit when the block succeeds. Roll back when it raises, except a refusal that raised an
    escalation (E1, E7, E9): the refused attempt is evidence, so its escalation is committed. The
    exception goes on to the caller."""
    try:
        yield
    except WorkflowRefused as err:
        db.session.commit() if err.keeps_records else db.session.rollback()
        raise
    except BaseException:
        db.session.rollback()
        raise
    db.session.commit()


def commit_keeping_loaded():
    """Commit the request's own bookkeeping (the sign-in's idle clock, the access record) without expiring
    what the session has loaded: the signed-in user and the page's records are read once per request, not
    again after each of these commits."""
    session = db.session()
    expiring = session.expire_on_commit
    session.expire_on_commit = False
    try:
        session.commit()
    finally:
        session.expire_on_commit = expiring


def retried(work, *, retry_on: type[Exception], attempts: int = 2):
    """Run `work` in a transaction, once more (from a fresh session) when it fails with `retry_on`:
    another request wrote meanwhile, and the second run sees what it wrote."""
    for attempt in range(attempts):
        try:
            with transaction():
                return work()
        except retry_on:
            if attempt == attempts - 1:
                raise
