"""Pure tests of the section-4 guards (pwa.governance.back_in_care): make-ups, re-engagement, repeat misses,
closure, notice of absence and support requests. Each rule a table; no Flask, no database."""
from datetime import timedelta

import pytest

from pwa.governance import back_in_care as rules
from tests.support.clock import ny

NOW = ny(2026, 11, 17, 10, 30)  # Tuesday
MISSED = NOW - timedelta(minutes=45)
TODAY = NOW.date()


@pytest.mark.parametrize(("option", "outcome", "accepted", "at", "fields"), [
    ("make_up_session", "reached", "yes", NOW + timedelta(days=1), set()),
    ("rebook", "reached", "yes", NOW + timedelta(days=1), set()),
    ("alternate_slot", "reached", None, None, set()),
    ("alternate_slot", "reached", "no", None, set()),
    ("make_up_session", "reached", "yes", None, {"makeup_at"}),
    ("make_up_session", "reached", "yes", NOW - timedelta(minutes=1), {"makeup_at"}),
    ("make_up_session", "no_answer", "yes", NOW + timedelta(days=1), {"offer_accepted"}),
    ("tech_support", "reached", "yes", NOW + timedelta(days=1), {"offer_accepted"}),
    ("alternate_slot", "reached", "no", NOW + timedelta(days=1), {"makeup_at"}),
    ("alternate_slot", "reached", None, NOW + timedelta(days=1), {"makeup_at"}),
])
def test_an_accepted_slot_books_a_make_up_with_its_time(option, outcome, accepted, at, fields):
    errors = rules.makeup_field_errors(rescue_option=option, outcome=outcome, offer_accepted=accepted, makeup_at=at,
                                       missed_at=MISSED, now=NOW)
    assert set(errors) == fields


@pytest.mark.parametrize(("accepted", "late", "books"), [("yes", False, True), ("yes", True, False),
                                                         ("no", False, False), (None, False, False)])
def test_a_late_attempt_books_nothing(accepted, late, books):
    assert rules.books_makeup(offer_accepted=accepted, late=late) is books


@pytest.mark.parametrize(("status", "attended_at", "closes"), [
    ("open", MISSED + timedelta(days=1), True),
    ("instructed", MISSED + timedelta(days=1), True),
    ("dispositioned", MISSED + timedelta(hours=2), True),
    ("closed", MISSED + timedelta(days=1), False),
    ("open", MISSED - timedelta(days=7), False),  # a session before the miss is not a return
    ("open", MISSED, False),
])
def test_attending_after_the_miss_reengages(status, attended_at, closes):
    assert rules.reengages(recovery_status=status, missed_at=MISSED, attended_at=attended_at) is closes


@pytest.mark.parametrize(("high_risk", "repeat_of", "raised"), [(False, None, False), (False, 7, True),
                                                                (True, None, True), (True, 7, True)])
def test_a_repeat_miss_is_raised_in_priority(high_risk, repeat_of, raised):
    assert rules.raised_priority(high_risk=high_risk, repeat_of=repeat_of) is raised
    assert rules.is_repeat_miss(makeup_for_event_id=repeat_of) is (repeat_of is not None)


EVIDENCE = "Attended Wednesday's group in person, confirmed by reception."


@pytest.mark.parametrize(("reason", "evidence", "attended", "review", "attempts", "fields"), [
    ("reengaged", EVIDENCE, True, None, 0, set()),
    ("reengaged", EVIDENCE, False, None, 0, {"closure_reason"}),
    ("transferred", "Transferred to the county ACT team.", False, None, 0, set()),
    ("declined_service", "short", False, None, 0, {"evidence"}),
    ("declined_service", "Please call us back when ready", False, None, 0, {"evidence"}),
    ("unreachable_after_outreach", EVIDENCE, False, None, 0, {"closure_reason"}),
    ("unreachable_after_outreach", EVIDENCE, False, TODAY + timedelta(days=1), 3, {"closure_reason"}),
    ("unreachable_after_outreach", EVIDENCE, False, TODAY, 0, {"closure_reason"}),
    ("unreachable_after_outreach", EVIDENCE, False, TODAY, 2, set()),
    ("unreachable_after_outreach", EVIDENCE, False, TODAY - timedelta(days=3), 1, set()),
])
def test_closure_needs_its_reason_proved(reason, evidence, attended, review, attempts, fields):
    errors = rules.closure_field_errors(closure_reason=reason, evidence=evidence, attended_after_miss=attended,
                                        continued_outreach_review_date=review, attempts_since_instruction=attempts,
                                        today=TODAY)
    assert set(errors) == fields


def test_a_closed_case_cannot_be_closed_again():
    assert rules.closure_refusals(status="closed")
    assert not any(rules.closure_refusals(status=s) for s in ("instructed", "open", "dispositioned"))


START = NOW + timedelta(hours=2)


@pytest.mark.parametrize(("notified_at", "reason", "makeup", "fields"), [
    (NOW, "Hospital appointment", None, set()),
    (NOW, "Hospital appointment", NOW + timedelta(days=2), set()),
    (START, "Hospital appointment", None, {"notified_at"}),          # at the start is not in advance
    (START + timedelta(minutes=5), "Overslept", None, {"notified_at"}),
    (NOW + timedelta(minutes=30), "Ill", None, {"notified_at"}),     # in the future
    (NOW, " ", None, {"reason"}),
    (NOW, "Ill", NOW - timedelta(hours=1), {"makeup_at"}),
])
def test_notice_is_given_before_the_start(notified_at, reason, makeup, fields):
    errors = rules.notice_field_errors(notified_at=notified_at, scheduled_at=START, now=NOW, reason=reason,
                                       makeup_at=makeup)
    assert set(errors) == fields


@pytest.mark.parametrize(("state", "refused"), [
    ({}, False), ({"cancelled": True}, True), ({"already_notified": True}, True), ({"attended": True}, True),
    ({"has_event": True}, True)])
def test_notice_is_refused_once_the_appointment_has_an_outcome(state, refused):
    args = {"cancelled": False, "already_notified": False, "attended": False, "has_event": False, **state}
    assert bool(rules.notice_refusals(**args)) is refused


@pytest.mark.parametrize(("barrier", "factors", "opens"), [
    ("technology", (), True), ("transport", (), False), (None, ("technology", "health"), True),
    (None, ("transport",), False), ("none", (), False)])
def test_a_technology_barrier_opens_a_support_request(barrier, factors, opens):
    assert rules.opens_support_request(barrier_signal=barrier, contributing_factors=factors) is opens


def test_a_support_request_is_due_before_the_next_virtual_session():
    session = NOW + timedelta(days=1)
    fallback = NOW + timedelta(hours=8)
    assert rules.support_due(next_virtual_session_at=session, fallback=fallback) == session
    assert rules.support_due(next_virtual_session_at=None, fallback=fallback) == fallback


@pytest.mark.parametrize(("status", "due", "flagged"), [
    ("open", NOW - timedelta(minutes=1), True), ("not_resolved", NOW - timedelta(minutes=1), True),
    ("resolved", NOW - timedelta(minutes=1), False), ("open", NOW + timedelta(minutes=1), False)])
def test_an_unresolved_request_at_the_next_session_is_flagged(status, due, flagged):
    assert rules.support_flagged(status=status, due_at=due, now=NOW) is flagged
    assert bool(rules.resolve_refusals(status=status)) is (status != "open")


@pytest.mark.parametrize(("state", "modality", "refused"), [
    ({}, "in_person", False), ({"cancelled": True}, "in_person", True), ({"notified": True}, "in_person", True),
    ({}, "virtual", True)])
def test_an_arrival_is_for_an_in_person_appointment_that_still_stands(state, modality, refused):
    args = {"cancelled": False, "notified": False, **state}
    assert bool(rules.arrival_refusals(modality=modality, **args)) is refused


@pytest.mark.parametrize(("explained_on", "text", "fields"), [
    (None, None, set()), (TODAY, "Three missed sessions without notice lead to a review.", set()),
    (TODAY, None, {"expectations_text"}), (None, "Three strikes", {"expectations_explained_on"}),
    (TODAY + timedelta(days=1), "Three strikes", {"expectations_explained_on"})])
def test_expectations_come_with_the_day_they_were_explained(explained_on, text, fields):
    assert set(rules.expectations_field_errors(explained_on=explained_on, text=text, today=TODAY)) == fields
