"""Pure tests of the workflow-2 guards (pwa.governance.recovery) and deadlines (2a, 2c, E4).

Each rule is a table: state × action → expected outcome. No Flask, no database.
"""
from datetime import datetime, timedelta
from itertools import product

import pytest

from pwa.governance import deadlines
from pwa.governance import recovery as rules
from pwa.governance.calendar import BusinessCalendar
from pwa.governance.vocab import (MODALITIES, RECOVERY_STATUSES, RESCUE_OPTIONS, SLOT_OPTIONS)
from tests.support.clock import UTC, ny

CAL = BusinessCalendar()  # New York, Mon–Fri 09:00–17:00, US public holidays


NOW = ny(2026, 11, 17, 10, 30)  # Tuesday
TODAY = NOW.date()
SPECIFIC = "Thu 19 Nov 14:00 with the same counsellor"  # names a day and a time: fine for every option


# --- 2a: open_field_errors ---------------------------------------------------------------------

def open_errors(high_risk=False, tier="1", route_ok=True, checkpoint=TODAY):
    return rules.open_field_errors(high_risk=high_risk, tier=tier, route_ok=route_ok,
                                   next_checkpoint_date=checkpoint, today=TODAY)


@pytest.mark.parametrize(("high_risk", "tier", "fields"), [
    (True, "1", set()),
    (True, "2", {"recovery_priority_tier"}),
    (True, "3", {"recovery_priority_tier"}),
    (False, "1", set()),
    (False, "2", set()),
    (False, "3", set()),
])
def test_a_high_risk_case_must_be_tier_1(high_risk, tier, fields):
    errors = open_errors(high_risk=high_risk, tier=tier)
    assert set(errors) == fields
    if fields:
        assert "tier must be 1" in errors["recovery_priority_tier"][0]


@pytest.mark.parametrize(("route_ok", "checkpoint", "fields"), [
    pytest.param(True, TODAY, set(), id="approved-route-checkpoint-today"),
    pytest.param(True, TODAY + timedelta(days=30), set(), id="checkpoint-in-a-month"),
    pytest.param(False, TODAY, {"approved_contact_route"}, id="route-not-approved"),
    pytest.param(True, TODAY - timedelta(days=1), {"next_checkpoint_date"}, id="checkpoint-yesterday"),
    pytest.param(False, TODAY - timedelta(days=365), {"approved_contact_route", "next_checkpoint_date"},
                 id="both"),
])
def test_open_route_and_checkpoint(route_ok, checkpoint, fields):
    assert set(open_errors(route_ok=route_ok, checkpoint=checkpoint)) == fields


def test_every_open_error_at_once_names_three_fields_with_one_message_each():
    errors = open_errors(high_risk=True, tier="3", route_ok=False, checkpoint=TODAY - timedelta(days=1))
    assert set(errors) == {"recovery_priority_tier", "approved_contact_route", "next_checkpoint_date"}
    assert all(len(messages) == 1 and messages[0] for messages in errors.values())


# --- 2a: open_refusals -------------------------------------------------------------------------

@pytest.mark.parametrize(("status", "assigned"), list(product(RECOVERY_STATUSES, (True, False))))
def test_only_the_assigned_worker_opens_an_instructed_case(status, assigned):
    reasons = rules.open_refusals(status=status, is_assigned_worker=assigned)
    expected = (status != "instructed") + (not assigned)
    assert len(reasons) == expected
    if status != "instructed":
        assert any(status in reason for reason in reasons)
    if not assigned:
        assert any("assigned" in reason for reason in reasons)


# --- 2b: rescue_detail_errors -------------------------------------------------------------------

# Which rescue fits which missed service (written out, not read from vocab): the virtual programme
# offers make-ups, recorded sessions and tech support (seed 002); an in-person miss gets transport
# help or a move to video; a missed home visit or phone session gets another slot or video.
FITS = {
    "virtual": {"rebook", "make_up_session", "alternate_slot", "tech_support", "recorded_session", "home_visit",
                "welfare_check", "none_offered"},
    "in_person": {"rebook", "make_up_session", "alternate_slot", "switch_to_video", "transport_support",
                  "home_visit", "welfare_check", "none_offered"},
    "home_visit": {"rebook", "alternate_slot", "switch_to_video", "welfare_check", "none_offered"},
    "phone": {"rebook", "alternate_slot", "switch_to_video", "home_visit", "welfare_check", "none_offered"},
}


def test_the_fit_table_covers_every_modality_and_option():
    assert set(FITS) == set(MODALITIES)
    assert set().union(*FITS.values()) <= set(RESCUE_OPTIONS)


@pytest.mark.parametrize(("option", "modality"), list(product(RESCUE_OPTIONS, MODALITIES)))
def test_every_rescue_option_against_every_modality(option, modality):
    detail = None if option == "none_offered" else SPECIFIC
    messages = rules.rescue_detail_errors(option, detail, modality)
    if option in FITS[modality]:
        assert messages == []
    else:
        assert len(messages) == 1 and "does not fit" in messages[0]
        assert modality.replace("_", " ") in messages[0]


def test_an_unknown_modality_fits_nothing():
    assert rules.rescue_detail_errors("rebook", SPECIFIC, "carrier_pigeon")


GENERIC_CALLBACKS = [
    "Please call us back",
    "please call us back to rebook",
    "Call us back when ready",
    "Callback requested",
    "Call back requested",
    "Ring back please",
    "Please ring us",
    "phone us back",
    "Call the office",
    "Please call the clinic back",
    "Please contact the service",
    "Contact us to rebook",
    "Get in touch with us",
    "Get in touch with the team",
    "reach us back",
    "Call back tomorrow at 3pm",  # a day and a time do not make a callback a rescue
    "Ring us back on Thu 19 Nov 14:00",
    "Contact the office to rebook for Thu 19 Nov 14:00",
    "  ...Please call us back",
    "Asked her to call us back",
    "Left a voicemail asking them to call us back",
    "Give us a ring when you can",
    "Please reach out to us",
    "Requested callback",
]


@pytest.mark.parametrize("option", ["alternate_slot", "transport_support", "welfare_check"])
@pytest.mark.parametrize("detail", GENERIC_CALLBACKS)
def test_a_generic_callback_is_refused_for_any_option(option, detail):
    modality = "in_person"
    messages = rules.rescue_detail_errors(option, detail, modality)
    assert messages, detail
    if len(detail.strip()) >= rules.MIN_DETAIL:
        assert any("generic callback" in m for m in messages), messages


SLOT_PHRASINGS = [
    ("Thu 19 Nov 14:00", True),
    ("tomorrow at 3pm", True),
    ("2026-11-19 09:30", True),
    ("Offered Thursday 19 Nov at 14:00 with the same counsellor", True),
    ("Monday at 10am with Dr Lee", True),
    ("Nov 19, 2:30 pm", True),
    ("Thu 19 Nov 2:30pm", True),
    ("Tues 24 Nov 10:30am", True),
    ("11/19 at 2.30pm", True),
    ("today 16:30 video slot", True),
    ("Friday 27 Nov 9:15", True),
    ("Wed 10h30 group session", True),
    ("Weds 25th at 9am", True),
    ("Offered 19.11.2026 at 14:30", True),
    ("next week", False),
    ("Thursday", False),
    ("at 14:00", False),
    ("Offered another slot next week sometime", False),
    ("Thursday afternoon", False),
    ("Offered a slot at 14:00", False),
    ("Offered at 14.30", False),  # a dotted time is not a date
    ("Monthly review at 3pm", False),  # "Mon" inside a word is not a day
    ("A friendly chat at 3pm", False),
    ("Offered 19.11.2026", False),  # a date alone is not a slot
    ("Offered 2026-11-19", False),
    ("3pm", False),
]


@pytest.mark.parametrize("option", SLOT_OPTIONS)
@pytest.mark.parametrize(("detail", "ok"), SLOT_PHRASINGS)
def test_a_slot_option_must_name_a_day_and_a_time(option, detail, ok):
    messages = rules.rescue_detail_errors(option, detail, "in_person")
    assert (messages == []) is ok, messages


@pytest.mark.parametrize(("option", "detail"), [
    ("transport_support", "Booked a taxi voucher for the next session"),
    ("switch_to_video", "Sent the video link and tested it with her"),
    ("welfare_check", "Duty worker visiting this afternoon"),
    ("home_visit", "Keyworker visiting next week"),
])
def test_a_non_slot_option_needs_specific_words_but_no_day_or_time(option, detail):
    assert rules.rescue_detail_errors(option, detail, "in_person") == []


@pytest.mark.parametrize("detail", [None, "", "   ", "ok", "taxi", "123456789", "  short   "])
@pytest.mark.parametrize("option", ["rebook", "transport_support", "welfare_check"])
def test_a_too_short_detail_is_refused(option, detail):
    messages = rules.rescue_detail_errors(option, detail, "in_person")
    assert messages and "specifically" in messages[0]


def test_ten_characters_after_trimming_is_enough_for_a_non_slot_option():
    assert rules.rescue_detail_errors("transport_support", "  Taxi: paid  ", "in_person") == []


@pytest.mark.parametrize("detail", [None, "", "   ", "Please call us back"])
@pytest.mark.parametrize("modality", MODALITIES)
def test_none_offered_needs_no_detail(detail, modality):
    assert rules.rescue_detail_errors("none_offered", detail, modality) == []


# --- 2b: attempt_field_errors -------------------------------------------------------------------

OPENED = ny(2026, 11, 17, 10, 0, 30)
APPROVED = {"phone_call", "sms"}


def attempt_errors(attempt_at=NOW, now=NOW, channel="phone_call", reason=None, option="alternate_slot",
                   detail=SPECIFIC, modality="in_person", **kwargs):
    return rules.attempt_field_errors(attempt_at=attempt_at, opened_at=OPENED, now=now, channel=channel,
                                      approved_channels=APPROVED, emergency_exception_reason=reason,
                                      rescue_option=option, rescue_detail=detail, modality=modality, **kwargs)


@pytest.mark.parametrize(("attempt_at", "fields"), [
    pytest.param(NOW, set(), id="now"),
    pytest.param(OPENED, set(), id="the-instant-it-opened"),
    pytest.param(ny(2026, 11, 17, 10, 0), set(), id="same-minute-as-opening"),
    pytest.param(ny(2026, 11, 17, 9, 59, 59), {"attempt_at"}, id="second-before-the-opening-minute"),
    pytest.param(ny(2026, 11, 16, 10, 0), {"attempt_at"}, id="day-before"),
    pytest.param(NOW + timedelta(minutes=1), set(), id="1-min-ahead"),
    pytest.param(NOW + timedelta(minutes=2), set(), id="2-min-ahead-tolerated"),
    pytest.param(NOW + timedelta(minutes=2, seconds=1), {"attempt_at"}, id="just-beyond-tolerance"),
    pytest.param(NOW + timedelta(hours=1), {"attempt_at"}, id="an-hour-ahead"),
    pytest.param(NOW.astimezone(UTC), set(), id="same-instant-in-utc"),
])
def test_attempt_time(attempt_at, fields):
    assert set(attempt_errors(attempt_at=attempt_at)) == fields


def test_the_future_tolerance_is_a_parameter():
    assert set(attempt_errors(attempt_at=NOW + timedelta(seconds=1), future_tolerance=timedelta(0))) == {"attempt_at"}


@pytest.mark.parametrize(("channel", "reason", "fields"), [
    ("phone_call", None, set()),
    ("sms", None, set()),
    ("phone_call", "Not needed but given", set()),
    ("email", None, {"channel"}),
    ("email", "", {"channel"}),
    ("email", "   ", {"channel"}),
    ("emergency_contact", None, {"channel"}),
    ("home_visit", None, {"channel"}),
    ("emergency_contact", "Phone disconnected; crisis plan names her sister", set()),
    ("home_visit", "No answer on any route and medication due today", set()),
])
def test_an_unapproved_channel_needs_an_emergency_reason(channel, reason, fields):
    errors = attempt_errors(channel=channel, reason=reason)
    assert set(errors) == fields
    if fields:
        assert "emergency exception" in errors["channel"][0]


def test_is_emergency_exception():
    assert rules.is_emergency_exception("email", APPROVED)
    assert not rules.is_emergency_exception("sms", APPROVED)


@pytest.mark.parametrize(("option", "detail", "modality", "fields"), [
    ("alternate_slot", SPECIFIC, "in_person", set()),
    ("transport_support", SPECIFIC, "virtual", {"rescue_option"}),
    ("alternate_slot", "Please call us back", "in_person", {"rescue_detail"}),
    ("alternate_slot", "next week sometime", "in_person", {"rescue_detail"}),
    ("rebook", None, "in_person", {"rescue_detail"}),
    ("tech_support", "Please call us back", "in_person", {"rescue_option", "rescue_detail"}),
    ("none_offered", None, "phone", set()),
])
def test_attempt_rescue_errors_go_to_the_right_field(option, detail, modality, fields):
    assert set(attempt_errors(option=option, detail=detail, modality=modality)) == fields


def test_every_attempt_error_at_once():
    errors = attempt_errors(attempt_at=OPENED - timedelta(hours=1), channel="letter", option="recorded_session",
                            detail="call back", modality="in_person")
    assert set(errors) == {"attempt_at", "channel", "rescue_option", "rescue_detail"}


# --- 2b: who logs attempts -------------------------------------------------------------------------

@pytest.mark.parametrize(("status", "assigned"), list(product(RECOVERY_STATUSES, (True, False))))
def test_attempts_need_an_opened_case_and_the_assigned_worker(status, assigned):
    reasons = rules.attempt_refusals(status=status, is_assigned_worker=assigned)
    assert len(reasons) == (status == "instructed") + (not assigned)
    if status == "instructed":
        assert any("Open the recovery case" in r for r in reasons)


# --- 2c: disposition_field_errors ----------------------------------------------------------------

def disposition_errors(**overrides):
    kwargs = dict(continuity_restored="yes", evidence_attempt_ids=[1], case_attempt_ids={1, 2}, rebooked=False,
                  replacement_route_ok=True, replacement_route_failed=False, locked_instruction="alternate_modality",
                  instruction_detail="Video for two weeks", owner_ok=False, rebook_at=None, review_date=TODAY,
                  today=TODAY, now=NOW)
    kwargs.update(overrides)
    return rules.disposition_field_errors(**kwargs)


@pytest.mark.parametrize(("restored", "evidence", "rebooked", "fields"), [
    ("yes", [1], False, set()),
    ("yes", [1, 2], False, set()),
    ("yes", [], False, {"continuity_evidence"}),
    ("partial", [2], False, set()),
    ("partial", [], False, {"continuity_evidence"}),
    ("no", [], False, set()),
    ("no", [1], False, set()),
    ("yes", [], True, set()),  # the rebooked appointment is the evidence
    ("partial", [], True, set()),
    ("yes", [99], False, {"continuity_evidence"}),
    ("no", [99], False, {"continuity_evidence"}),  # unknown ids are refused even when none are needed
    ("yes", [1, 99, 98], False, {"continuity_evidence"}),
])
def test_continuity_evidence(restored, evidence, rebooked, fields):
    overrides = dict(continuity_restored=restored, evidence_attempt_ids=evidence, rebooked=rebooked)
    if rebooked:
        overrides.update(locked_instruction="rebook", rebook_at=NOW + timedelta(days=1))
    assert set(disposition_errors(**overrides)) == fields


def test_unknown_attempt_ids_are_named_in_order():
    errors = disposition_errors(evidence_attempt_ids=[1, 99, 98])
    assert errors["continuity_evidence"] == ["These are not attempts of this case: 98, 99."]


@pytest.mark.parametrize(("route_ok", "failed", "message"), [
    (True, False, None),
    (False, False, "contact routes on record"),
    (True, True, "failed"),
    (False, True, "contact routes on record"),  # a missing route is reported once, as missing
])
def test_replacement_contact_route(route_ok, failed, message):
    errors = disposition_errors(replacement_route_ok=route_ok, replacement_route_failed=failed)
    if message is None:
        assert errors == {}
    else:
        assert len(errors["replacement_contact_route"]) == 1
        assert message in errors["replacement_contact_route"][0]


@pytest.mark.parametrize(("instruction", "detail", "owner_ok", "rebook_at", "fields"), [
    ("continued_outreach", "olu", True, None, set()),
    ("continued_outreach", "nobody", False, None, {"instruction_detail"}),
    ("continued_outreach", None, False, None, {"instruction_detail"}),
    ("welfare_escalation", None, False, None, set()),
    ("alternate_modality", "Video for two weeks", False, None, set()),
    ("rebook", None, False, NOW + timedelta(days=1), set()),
    ("rebook", None, False, NOW + timedelta(minutes=1), set()),
    ("rebook", None, False, None, {"rebook_at"}),
    ("rebook", None, False, NOW, {"rebook_at"}),
    ("rebook", None, False, NOW - timedelta(days=1), {"rebook_at"}),
    ("welfare_escalation", None, False, NOW - timedelta(days=1), set()),  # ignored when not rebooking
    ("alternate_modality", "x" * 4001, False, None, {"instruction_detail"}),
    ("alternate_modality", "x" * 4000, False, None, set()),
])
def test_locked_instruction_details(instruction, detail, owner_ok, rebook_at, fields):
    errors = disposition_errors(continuity_restored="no", evidence_attempt_ids=[], locked_instruction=instruction,
                                instruction_detail=detail, owner_ok=owner_ok, rebook_at=rebook_at)
    assert set(errors) == fields


@pytest.mark.parametrize(("review_date", "fields"), [
    (TODAY, set()),
    (TODAY + timedelta(days=7), set()),
    (TODAY - timedelta(days=1), {"review_date"}),
])
def test_the_disposition_review_date_cannot_be_in_the_past(review_date, fields):
    assert set(disposition_errors(review_date=review_date)) == fields


@pytest.mark.parametrize("status", RECOVERY_STATUSES)
def test_a_disposition_needs_an_opened_case(status):
    reasons = rules.disposition_refusals(status=status)
    assert bool(reasons) is (status == "instructed")


# --- deadlines ------------------------------------------------------------------------------------

def open_due(at, high_risk=False, hours=1, minutes=15):
    return deadlines.recovery_open_due(at, high_risk, CAL, hours, minutes)


@pytest.mark.parametrize(("instructed", "expected"), [
    pytest.param(ny(2026, 11, 17, 10, 0), ny(2026, 11, 17, 10, 15), id="business-hours"),
    pytest.param(ny(2026, 11, 17, 16, 55), ny(2026, 11, 17, 17, 10), id="across-17h"),
    pytest.param(ny(2026, 11, 17, 23, 50), ny(2026, 11, 18, 0, 5), id="at-night-across-midnight"),
    pytest.param(ny(2026, 11, 21, 3, 0), ny(2026, 11, 21, 3, 15), id="saturday-3am"),
    pytest.param(ny(2026, 11, 26, 12, 0), ny(2026, 11, 26, 12, 15), id="thanksgiving"),
    pytest.param(ny(2026, 3, 8, 1, 50), ny(2026, 3, 8, 3, 5), id="spring-forward-gap"),
])
def test_high_risk_open_due_is_15_minutes_wall_clock(instructed, expected):
    # The app passes UTC instants (aware arithmetic in one zone would be naive wall-time arithmetic).
    due = open_due(instructed.astimezone(UTC), high_risk=True)
    assert due.astimezone(UTC) == expected.astimezone(UTC)
    assert due - instructed == timedelta(minutes=15)  # real elapsed time, even across the DST gap


def test_the_high_risk_minutes_are_configurable():
    assert open_due(ny(2026, 11, 17, 10, 0), high_risk=True, minutes=5) == ny(2026, 11, 17, 10, 5)


@pytest.mark.parametrize(("instructed", "expected"), [
    pytest.param(ny(2026, 11, 17, 10, 0), ny(2026, 11, 17, 11, 0), id="tuesday-10"),
    pytest.param(ny(2026, 11, 17, 16, 0), ny(2026, 11, 17, 17, 0), id="ends-exactly-at-closing"),
    pytest.param(ny(2026, 11, 17, 16, 30), ny(2026, 11, 18, 9, 30), id="across-17h"),
    pytest.param(ny(2026, 11, 17, 17, 0), ny(2026, 11, 18, 10, 0), id="at-closing"),
    pytest.param(ny(2026, 11, 17, 20, 0), ny(2026, 11, 18, 10, 0), id="evening"),
    pytest.param(ny(2026, 11, 17, 7, 0), ny(2026, 11, 17, 10, 0), id="before-opening"),
    pytest.param(ny(2026, 11, 20, 16, 30), ny(2026, 11, 23, 9, 30), id="friday-across-weekend"),
    pytest.param(ny(2026, 11, 21, 11, 0), ny(2026, 11, 23, 10, 0), id="saturday"),
    pytest.param(ny(2026, 11, 25, 16, 30), ny(2026, 11, 27, 9, 30), id="day-before-thanksgiving"),
    pytest.param(ny(2026, 11, 26, 10, 0), ny(2026, 11, 27, 10, 0), id="on-thanksgiving"),
    pytest.param(ny(2026, 3, 6, 16, 30), ny(2026, 3, 9, 9, 30), id="friday-across-spring-forward"),
    pytest.param(ny(2026, 10, 30, 16, 30), ny(2026, 11, 2, 9, 30), id="friday-across-fall-back"),
    pytest.param(ny(2026, 12, 24, 16, 30), ny(2026, 12, 28, 9, 30), id="christmas"),
])
def test_open_due_is_1_business_hour(instructed, expected):
    assert open_due(instructed) == expected


def test_the_spring_forward_deadline_is_9_30_daylight_time():
    due = open_due(ny(2026, 3, 6, 16, 30))
    assert due.utcoffset() == timedelta(0)  # stored in UTC
    assert due == datetime(2026, 3, 9, 13, 30, tzinfo=UTC)  # 09:30 EDT (-04:00), not 09:30 EST


def test_the_business_hours_are_configurable():
    assert open_due(ny(2026, 11, 17, 16, 30), hours=2) == ny(2026, 11, 18, 10, 30)


def disposition_due(at, high_risk=False, hours=2):
    return deadlines.disposition_due(at, high_risk, CAL, hours)


@pytest.mark.parametrize(("instructed", "expected"), [
    pytest.param(ny(2026, 11, 17, 10, 0), ny(2026, 11, 17, 17, 0), id="same-day"),
    pytest.param(ny(2026, 11, 17, 16, 59), ny(2026, 11, 17, 17, 0), id="a-minute-before-close"),
    pytest.param(ny(2026, 11, 17, 17, 0), ny(2026, 11, 18, 17, 0), id="at-close-next-day"),
    pytest.param(ny(2026, 11, 17, 7, 0), ny(2026, 11, 17, 17, 0), id="before-opening"),
    pytest.param(ny(2026, 11, 20, 18, 0), ny(2026, 11, 23, 17, 0), id="friday-evening-to-monday"),
    pytest.param(ny(2026, 11, 22, 12, 0), ny(2026, 11, 23, 17, 0), id="sunday"),
    pytest.param(ny(2026, 11, 25, 18, 0), ny(2026, 11, 27, 17, 0), id="over-thanksgiving"),
    pytest.param(ny(2026, 3, 6, 18, 0), ny(2026, 3, 9, 17, 0), id="over-spring-forward"),
])
def test_disposition_due_is_the_end_of_the_business_day(instructed, expected):
    assert disposition_due(instructed) == expected


@pytest.mark.parametrize(("instructed", "expected"), [
    pytest.param(ny(2026, 11, 17, 10, 0), ny(2026, 11, 17, 12, 0), id="morning"),
    pytest.param(ny(2026, 11, 17, 15, 0), ny(2026, 11, 17, 17, 0), id="exactly-at-close"),
    # Never later than the close of that business day ("or sooner" than a normal case).
    pytest.param(ny(2026, 11, 17, 16, 0), ny(2026, 11, 17, 17, 0), id="capped-at-close"),
    pytest.param(ny(2026, 11, 17, 19, 0), ny(2026, 11, 18, 11, 0), id="evening"),
    pytest.param(ny(2026, 11, 20, 16, 0), ny(2026, 11, 20, 17, 0), id="friday-capped-at-close"),
    pytest.param(ny(2026, 11, 21, 2, 0), ny(2026, 11, 23, 11, 0), id="saturday-night"),
    pytest.param(ny(2026, 11, 25, 16, 30), ny(2026, 11, 25, 17, 0), id="before-thanksgiving-capped"),
    pytest.param(ny(2026, 11, 25, 18, 0), ny(2026, 11, 27, 11, 0), id="across-thanksgiving"),
    pytest.param(ny(2026, 3, 6, 18, 0), ny(2026, 3, 9, 11, 0), id="across-spring-forward"),
])
def test_high_risk_disposition_due_is_2_business_hours_capped_at_close(instructed, expected):
    assert disposition_due(instructed, high_risk=True) == expected


def test_the_high_risk_disposition_hours_are_configurable():
    assert disposition_due(ny(2026, 11, 17, 10, 0), high_risk=True, hours=3) == ny(2026, 11, 17, 13, 0)


@pytest.mark.parametrize(("done", "due", "expected"), [
    (NOW, NOW, "met"), (NOW, NOW + timedelta(seconds=1), "met"), (NOW + timedelta(seconds=1), NOW, "breached"),
    (NOW, None, "met")])
def test_control_status(done, due, expected):
    assert deadlines.control_status(done, due) == expected


def test_naive_times_are_refused_by_the_calendar():
    with pytest.raises(ValueError):
        open_due(datetime(2026, 11, 17, 10, 0))
