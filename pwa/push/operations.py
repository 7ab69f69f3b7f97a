"""Subscribing devices, queueing alerts and sending them with pywebpush.

Queueing: a PushDelivery row per (dedupe_key, user) is the claim; the unique constraint decides, inside a
SAVEPOINT, so two sweeps (or two app instances) cannot both queue the same alert. Sending: each pending
delivery is taken with a conditional UPDATE (a short lease) that only one process can win, committed before the
network call, so two senders never send the same delivery. Log lines carry ids, statuses and HTTP codes only.
"""
import json
import logging
from datetime import datetime, timedelta

import sqlalchemy as sa
from flask import current_app
from sqlalchemy.exc import IntegrityError

from ..accounts.models import SignInSession, User, UserRole, digest
from ..clock import utcnow
from ..errors import InvalidInput, NotFound, WorkflowRefused
from ..extensions import db
from ..schema_fields import load
from . import keys
from .endpoints import endpoint_problem, unsafe_address
from .models import PushDelivery, PushSubscription
from .schemas import SubscriptionInput, UnsubscribeInput

log = logging.getLogger("continuity.push")
TITLE = "Continuity"
TTL_SECONDS = 86400          # a day: an alert older than that is no use
LEASE = timedelta(minutes=2)  # a sender that died mid-send frees its delivery after this
MAX_AGE = timedelta(days=1)   # deliveries older than this are not retried
MAX_ATTEMPTS = 10


# --- subscriptions ---------------------------------------------------------------------------------

def device_label(user_agent: str | None) -> str:
    """A short label for the settings list ("Chrome on Android"), not the whole User-Agent."""
    ua = user_agent or ""
    browser = next((name for token, name in (("Edg/", "Edge"), ("Firefox/", "Firefox"), ("Chrome/", "Chrome"),
                                             ("Chromium/", "Chromium"), ("Safari/", "Safari")) if token in ua),
                   "Browser")
    system = next((name for token, name in (("Android", "Android"), ("iPhone", "iPhone"), ("iPad", "iPad"),
                                            ("Windows", "Windows"), ("Mac OS", "macOS"), ("Linux", "Linux"))
                   if token in ua), "a device")
    return f"{browser} on {system}"


def session_record(secret: str | None) -> SignInSession | None:
    if not secret:
        return None
    return db.session.scalar(sa.select(SignInSession).filter_by(session_digest=digest(secret)))


def subscribe_device(data, *, user: User, sign_in_session: SignInSession | None,
                     user_agent: str | None) -> PushSubscription:
    """Keep this device's subscription for `user`. The same endpoint again from the same user (re-subscribing)
    updates the one row. Another user's endpoint is refused (409): re-posting a known endpoint must not take
    someone's alerts away; on a shared device the first user's sign-out there removes it."""
    values = load(SubscriptionInput(), data)
    fields = {"user_id": user.id, "sign_in_session_id": sign_in_session.id if sign_in_session else None,
              "p256dh": values["keys"]["p256dh"], "auth": values["keys"]["auth"],
              "user_agent": device_label(user_agent)[:120], "failure_count": 0}
    subscription = db.session.scalar(sa.select(PushSubscription).filter_by(endpoint=values["endpoint"]))
    if subscription is not None and subscription.user_id != user.id:
        log.warning("push subscription refused: endpoint held by another user subscription_id=%s user_id=%s",
                    subscription.id, user.id)
        raise WorkflowRefused("push_endpoint_taken", [
            "This device's alerts belong to another user. They must sign out on it (or remove it under "
            "Alerts) before you can turn alerts on here."])
    if subscription is None:
        subscription = PushSubscription(endpoint=values["endpoint"], **fields)
        db.session.add(subscription)
    else:
        for name, value in fields.items():
            setattr(subscription, name, value)
    db.session.flush()
    log.info("push subscribed subscription_id=%s user_id=%s", subscription.id, user.id)
    return subscription


def unsubscribe_device(data, *, user: User) -> None:
    """Remove the user's subscription with this endpoint (DELETE /api/v1/push/subscriptions)."""
    values = load(UnsubscribeInput(), data)
    subscription = db.session.scalar(sa.select(PushSubscription).filter_by(endpoint=values["endpoint"],
                                                                            user_id=user.id))
    if subscription is None:
        raise NotFound("no such subscription for you")
    _delete(subscription, "unsubscribed")


def remove_device(subscription_id: int, *, user: User) -> None:
    """Remove one of the user's devices from the settings screen."""
    subscription = db.session.get(PushSubscription, subscription_id)
    if subscription is None or subscription.user_id != user.id:
        raise NotFound("no such device")
    _delete(subscription, "removed")


def forget_session_devices(sign_in_session_id: int) -> int:
    """Signing out on a device removes the subscriptions made in that sign-in."""
    subscriptions = db.session.scalars(sa.select(PushSubscription).filter_by(
        sign_in_session_id=sign_in_session_id)).all()
    for subscription in subscriptions:
        _delete(subscription, "signed_out")
    return len(subscriptions)


def devices_of(user: User) -> list[PushSubscription]:
    return db.session.scalars(sa.select(PushSubscription).filter_by(user_id=user.id)
                              .order_by(PushSubscription.created_at, PushSubscription.id)).all()


def _delete(subscription: PushSubscription, why: str) -> None:
    log.info("push subscription removed subscription_id=%s user_id=%s why=%s", subscription.id,
             subscription.user_id, why)
    db.session.delete(subscription)
    db.session.flush()


# --- queueing --------------------------------------------------------------------------------------

def subscribed_users(role: str | None = None, user_ids=None) -> list[int]:
    """Active users with at least one device, holding `role` (when given)."""
    query = (sa.select(User.id).join(PushSubscription, PushSubscription.user_id == User.id)
             .where(User.active.is_(True)).distinct())
    if role:
        query = query.join(UserRole, UserRole.user_id == User.id).where(UserRole.role == role)
    if user_ids is not None:
        query = query.where(User.id.in_(list(user_ids)))
    return sorted(db.session.scalars(query).all())


def queue_alert(dedupe_key: str, user_id: int, *, reason: str, url: str, urgency: str = "normal") -> bool:
    """Claim (dedupe_key, user) by inserting its delivery. False when it was already claimed, here or by
    another process: the unique constraint decides, in a SAVEPOINT so the caller's work is kept."""
    if db.session.scalar(sa.select(PushDelivery.id).filter_by(dedupe_key=dedupe_key, user_id=user_id)):
        return False
    try:
        with db.session.begin_nested():
            db.session.add(PushDelivery(dedupe_key=dedupe_key, user_id=user_id, status="pending", urgency=urgency,
                                        title=TITLE, reason=reason[:200], url=url[:200]))
    except IntegrityError:
        return False
    return True


# --- sending ---------------------------------------------------------------------------------------

def payload(delivery: PushDelivery) -> str:
    """What crosses the push service: a title, a short reason, the in-app link and a tag. No PHI."""
    return json.dumps({"title": delivery.title, "body": delivery.reason, "url": delivery.url,
                       "tag": delivery.dedupe_key}, separators=(",", ":"))


def due_delivery_ids(now: datetime) -> list[int]:
    query = sa.select(PushDelivery.id).where(
        PushDelivery.status.in_(("pending", "failed")), PushDelivery.attempts < MAX_ATTEMPTS,
        PushDelivery.created_at > now - MAX_AGE,
        sa.or_(PushDelivery.claimed_until.is_(None), PushDelivery.claimed_until < now),
    ).order_by(PushDelivery.id)
    return list(db.session.scalars(query))


def _claim(delivery_id: int, now: datetime) -> bool:
    result = db.session.execute(
        sa.update(PushDelivery)
        .where(PushDelivery.id == delivery_id, PushDelivery.status.in_(("pending", "failed")),
               sa.or_(PushDelivery.claimed_until.is_(None), PushDelivery.claimed_until < now))
        .values(claimed_until=now + LEASE, attempts=PushDelivery.attempts + 1)
        .execution_options(synchronize_session=False))
    return result.rowcount == 1


def send_due_alerts() -> dict[str, int]:
    """Send every pending (or earlier failed) delivery. Commits per delivery: the claim before the
    network call, the outcome after it (the CLI command is the only caller)."""
    counts = {"sent": 0, "failed": 0, "gone": 0}
    private = keys.private_key()
    if not private:
        log.warning("push not configured (no VAPID key): deliveries kept for later")
        return counts
    if not str(current_app.config.get("VAPID_SUBJECT", "")).startswith(("mailto:", "https://")):
        log.warning("push not configured (VAPID_SUBJECT must be a mailto: or https: address)")
        return counts
    for delivery_id in due_delivery_ids(utcnow()):
        claimed = _claim(delivery_id, utcnow())
        db.session.commit()
        if not claimed:
            continue
        delivery = db.session.get(PushDelivery, delivery_id)
        db.session.refresh(delivery)
        outcome = _send(delivery, private)
        delivery.claimed_until = None
        db.session.commit()
        counts[outcome] += 1
    return counts


def _send(delivery: PushDelivery, private: str) -> str:
    from pywebpush import WebPushException, webpush

    subscriptions = db.session.scalars(sa.select(PushSubscription).filter_by(user_id=delivery.user_id)
                                       .order_by(PushSubscription.id)).all()
    data = payload(delivery)
    delivered, errors = False, []
    for subscription in subscriptions:
        # Checked again at send time: the allowlist may have changed, and a host's address can change.
        unsafe = endpoint_problem(subscription.endpoint) or unsafe_address(subscription.endpoint)
        if unsafe:
            log.warning("push endpoint refused delivery_id=%s subscription_id=%s: %s", delivery.id,
                        subscription.id, unsafe)
            _delete(subscription, "unsafe_endpoint")  # never retried: a safe device subscribes again
            continue
        try:
            webpush(subscription.info(), data=data, vapid_private_key=private,
                    vapid_claims={"sub": current_app.config["VAPID_SUBJECT"]}, ttl=TTL_SECONDS,
                    headers={"Urgency": delivery.urgency}, content_encoding="aes128gcm",
                    timeout=current_app.config.get("PUSH_TIMEOUT_SECONDS", 10))
        except WebPushException as err:
            status = getattr(err.response, "status_code", None)
            if status in (404, 410):
                log.info("push endpoint gone delivery_id=%s subscription_id=%s status=%s", delivery.id,
                         subscription.id, status)
                _delete(subscription, f"gone_{status}")
                continue
            errors.append(f"HTTP {status}" if status else "WebPushException")
            subscription.failure_count += 1
            log.warning("push failed delivery_id=%s subscription_id=%s status=%s", delivery.id, subscription.id,
                        status)
            continue
        except Exception as err:  # network errors, timeouts: kept for the next sweep
            errors.append(type(err).__name__)
            subscription.failure_count += 1
            log.warning("push failed delivery_id=%s subscription_id=%s error=%s", delivery.id, subscription.id,
                        type(err).__name__)
            continue
        delivered = True
        subscription.last_success_at = utcnow()
        subscription.failure_count = 0
        delivery.subscription_id = subscription.id
        log.info("push sent delivery_id=%s user_id=%s subscription_id=%s key=%s", delivery.id, delivery.user_id,
                 subscription.id, delivery.dedupe_key)
    if delivered:
        delivery.status, delivery.sent_at, delivery.last_error = "sent", utcnow(), None
        return "sent"
    if errors:
        delivery.status, delivery.last_error = "failed", "; ".join(dict.fromkeys(errors))[:200]
        return "failed"
    delivery.status, delivery.last_error = "gone", "no subscribed device"
    return "gone"


def invalid_if_missing_key() -> None:
    if not keys.public_key():
        raise InvalidInput({"_schema": ["Push alerts are not configured on this server."]})


# --- what the sweep alerts about -------------------------------------------------------------------

HIGH_RISK_RULES = {"E4", "E5", "E6"}


def queue_escalation_alerts(now: datetime) -> int:
    """Every open escalation raised in the last day alerts the subscribed users holding its level's role."""
    from ..escalations.models import Escalation
    from ..governance.escalations import ESCALATION_TITLES

    queued = 0
    query = sa.select(Escalation).where(Escalation.raised_at > now - MAX_AGE, Escalation.acknowledged_at.is_(None))
    for escalation in db.session.scalars(query.order_by(Escalation.id)):
        urgency = "high" if escalation.rule in HIGH_RISK_RULES else "normal"
        for user_id in subscribed_users(escalation.level):
            queued += queue_alert(f"escalations:{escalation.id}:raised", user_id,
                                  reason=ESCALATION_TITLES[escalation.rule], url="/escalations", urgency=urgency)
    return queued


def queue_recovery_mark_alerts(now: datetime) -> int:
    """A high-risk recovery case still open (instructed or open, no disposition restoring continuity) at a
    mark of its business day (PUSH_MARKS_BEFORE_CLOSE_HOURS) alerts the subscribed service supervisors."""
    from ..governance.push_marks import mark_label, parse_marks, push_marks
    from ..recovery.models import RecoveryCase
    from ..recovery.operations import restored
    from ..timekeeping import calendar, local_time

    hours = parse_marks(current_app.config.get("PUSH_MARKS_BEFORE_CLOSE_HOURS", "2,0"))
    supervisors = subscribed_users("service_supervisor")
    if not supervisors or not hours:
        return 0
    queued = 0
    cal = calendar()
    query = sa.select(RecoveryCase).where(RecoveryCase.high_risk.is_(True),
                                          RecoveryCase.status.in_(("instructed", "open")),
                                          RecoveryCase.instructed_at > now - timedelta(days=7))
    for recovery in db.session.scalars(query.order_by(RecoveryCase.id)):
        if restored(recovery):
            continue
        close = cal.end_of_business_day(recovery.instructed_at)
        for h in hours:
            mark = push_marks(cal, close, [h])[0]
            # Due once passed, if the case was already instructed then, and not stale (older than a day).
            if not (recovery.instructed_at <= mark <= now and now - mark < MAX_AGE):
                continue
            reason = f"High-risk recovery case still open at {local_time(mark):%H:%M}"
            for user_id in supervisors:
                queued += queue_alert(f"recovery_cases:{recovery.id}:{mark_label(h)}", user_id, reason=reason,
                                      url=f"/recovery/{recovery.id}", urgency="high")
    return queued
