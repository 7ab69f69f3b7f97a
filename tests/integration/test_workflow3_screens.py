"""Workflow 3 screens through the Flask test client: the list, the review page (3a with the records
behind each figure, 3b, 3c), the decision letter, the threshold policy and the weekly governance
review. Each form: success through the screen (with the page's CSRF token), an error next to its field
(422), a refusal (409); garbage never reaches a 500."""
import re

import pytest
import sqlalchemy as sa

from conftest import csrf_from
from pwa.extensions import db
from tests.support.payloads import communication_body, determination_body, future
from tests.support.worlds import W3


@pytest.fixture
def w3(app, auth, factory, now):
    return W3(app, auth, factory)


def page(w3, path, as_user):
    w3.as_user(as_user)
    response = w3.auth.client.get(path)
    assert response.status_code == 200, (path, response.status_code)
    return response


def submit(w3, page_path, post_path, data, as_user):
    """Post a form the way a browser does: the page's CSRF token with the form's fields."""
    token = csrf_from(page(w3, page_path, as_user).text)
    return w3.auth.client.post(post_path, data={**data, "csrf_token": token})


def review_form(w3, review_id, **overrides):
    figures = w3.figures(review_id)
    data = {name: "" if figures[name]["value"] is None else str(figures[name]["value"])
            for name in ("threshold_event_count", "prior_recovery_completion_rate", "service_side_disruption_count")}
    data.update(continuity_risk_level="medium", next_checkpoint_date=future(14))
    data.update(overrides)
    return data


def status_of(app, review_id):
    from pwa.review.models import ThresholdReview
    with app.app_context():
        value = db.session.get(ThresholdReview, review_id).status
        db.session.remove()
    return value


def error_next_to(html, field):
    match = re.search(rf'<p class="error" id="{field}-error">([^<]+)</p>', html)
    assert match, f"no error next to {field}"
    return match.group(1)


def test_each_screen_renders_for_its_role(w3):
    case_ref, review_id = w3.case_at_level(route="outreach", dispose=0)
    listing = page(w3, "/threshold-reviews", "gina").text
    assert "Yours to do" in listing and case_ref in listing and "left" in listing
    html = page(w3, f"/threshold-reviews/{review_id}", "gina").text
    figures = w3.figures(review_id)
    # The figures from the archive as facts to confirm (sent as computed), and the records behind each.
    assert f'name="threshold_event_count" value="{figures["threshold_event_count"]["value"]}"' in html
    assert f'name="prior_recovery_completion_rate" value="{figures["prior_recovery_completion_rate"]["value"]}"' in html
    assert 'type="number"' not in html.split('id="f3a-h"')[1].split("</form>")[0]
    assert "/archive/entries/" in html and "Recovery case" in html and "Service-side disruption count" in html
    # Plain words; the policy version and the rule code as secondary details for the governance lead.
    assert '<span class="rule-code">(version 1)</span>' in html
    assert 'Frozen <span class="rule-code">(E7)</span>' in html
    assert 'name="continuity_risk_level"' in html and "checked" not in html
    assert "Threshold reviews" in html  # the navigation
    assert page(w3, "/threshold-reviews", "pat").status_code == 200
    assert page(w3, "/threshold-reviews", "cora").status_code == 200
    cora_view = page(w3, f"/threshold-reviews/{review_id}", "cora").text
    assert "/archive/entries/" not in cora_view  # coordinators do not read the archive: no dead links
    assert "Current: version 1" in page(w3, "/threshold-policy", "ada").text
    assert "Weekly attendance governance review" in page(w3, "/governance/weekly", "gina").text
    assert "No letter yet" in page(w3, f"/threshold-reviews/{review_id}/letter", "cora").text


def test_3a_through_the_screen(w3, app):
    _case_ref, review_id = w3.case_at_level()
    path = f"/threshold-reviews/{review_id}"
    wrong = submit(w3, path, f"{path}/review", review_form(w3, review_id, threshold_event_count="9"), "gina")
    assert wrong.status_code == 422
    assert "Does not match the archive" in error_next_to(wrong.text, "threshold_event_count")
    missing = submit(w3, path, f"{path}/review", review_form(w3, review_id, continuity_risk_level=""), "gina")
    assert missing.status_code == 422 and error_next_to(missing.text, "continuity_risk_level")
    assert status_of(app, review_id) == "awaiting_review"
    ok = submit(w3, path, f"{path}/review", review_form(w3, review_id), "gina")
    assert ok.status_code == 302 and ok.headers["Location"].endswith(f"{path}?saved=3a")
    assert status_of(app, review_id) == "awaiting_determination"
    assert "Threshold review saved" in page(w3, f"{path}?saved=3a", "gina").text
    again = w3.auth.client.post(f"{path}/review", data={**review_form(w3, review_id),
                                                       "csrf_token": csrf_from(page(w3, path, "gina").text)})
    assert again.status_code == 409 and "already been completed" in again.text


def test_3a_with_no_recovery_case_sends_a_blank_rate(w3, app):
    _case_ref, review_id = w3.case_at_level()  # follow-up went to the clinical route: no rate
    assert w3.figures(review_id)["prior_recovery_completion_rate"]["value"] is None
    path = f"/threshold-reviews/{review_id}"
    ok = submit(w3, path, f"{path}/review", review_form(w3, review_id), "gina")
    assert ok.status_code == 302, ok.text


def test_3b_through_the_screen_with_e8_shown(w3, app):
    _case_ref, review_id = w3.case_at_level()
    path = f"/threshold-reviews/{review_id}"
    early = submit(w3, "/threshold-reviews", f"{path}/determination", determination_body(), "pat")
    assert early.status_code == 409 and "must be completed before the panel" in early.text
    w3.through(review_id, upto="3a")
    html = page(w3, path, "pat").text
    assert 'name="panel_decision"' in html and "checked" not in html
    assert "Affirmative is refused when most counted events" in html
    bad = submit(w3, path, f"{path}/determination",
                 determination_body(panel_decision="closure", proportionality_result="not_affirmative"), "pat")
    assert bad.status_code == 422 and "affirmative" in error_next_to(bad.text, "proportionality_result")
    ok = submit(w3, path, f"{path}/determination",
                {**determination_body(barrier_remediation_status="not_applicable"),
                 "unresolved_dependency_count": "2"}, "pat")
    assert ok.status_code == 302, ok.text
    assert status_of(app, review_id) == "awaiting_communication"
    shown = page(w3, path, "pat").text
    assert '(E8)</span> → executive' in shown  # plain words, the rule's code beside them for the panel


def test_codes_follow_each_reader_whoever_read_the_page_first(w3, app):
    """Front-line readers see plain words; the panel sees the codes beside them, even after a coordinator was
    the first to open the page since the server started (the template compiled on the coordinator's request)."""
    _case_ref, review_id = w3.case_at_level()
    w3.through(review_id, upto="3a")
    path = f"/threshold-reviews/{review_id}"
    app.jinja_env.cache.clear()  # as after a restart: the next request compiles the page
    assert "rule-code" not in page(w3, path, "cora").text
    panel_view = page(w3, path, "pat").text
    assert '<span class="rule-code">(3a)</span>' in panel_view


def test_3c_through_the_screen_and_the_letter(w3, app):
    _case_ref, review_id = w3.case_at_level()
    path = f"/threshold-reviews/{review_id}"
    early = submit(w3, "/threshold-reviews", f"{path}/communication", communication_body(), "cora")
    assert early.status_code == 409 and "after the review" in early.text
    w3.through(review_id, upto="3b", barrier_remediation_status="not_applicable")
    html = page(w3, path, "cora").text
    assert 'name="decision_explained"' in html and "checked" not in html
    bad = submit(w3, path, f"{path}/communication", communication_body(appeal_route_provided=""), "cora")
    assert bad.status_code == 422 and error_next_to(bad.text, "appeal_route_provided")
    ok = submit(w3, path, f"{path}/communication", communication_body(), "cora")
    assert ok.status_code == 302, ok.text
    assert status_of(app, review_id) == "complete"
    for who in ("cora", "gina", "pat"):
        letter = page(w3, f"{path}/letter", who).text
        assert "We are giving you a formal written warning" in letter
        assert "Evening group on Thursdays at 18:00 with the same counsellor" in letter
        assert "Write to the governance panel within 14 days" in letter
        assert "How to appeal" in letter or "how to appeal" in letter
        assert "Three refusals in 60 days" in letter  # why: the panel's rationale
        assert "Our records do not show when our attendance expectations were explained" in letter


def test_the_letter_cites_the_expectations_explained_at_intake(w3, app):
    from pwa.cases.operations import upsert_case
    from pwa.cases.models import Case

    case_ref, review_id = w3.case_at_level()
    with app.app_context():
        case = db.session.scalar(sa.select(Case).filter_by(case_ref=case_ref))
        upsert_case({"case_ref": case_ref, "display_name": case.display_name, "risk_flags": case.risk_flags,
                     "contact_routes": [{"channel": r.channel, "value": r.value, "approved": r.approved,
                                         "preferred": r.preferred} for r in case.contact_routes],
                     "expectations_explained_on": "2026-09-01",
                     "expectations_text": "Three missed sessions in 60 days without notice lead to a review."})
        db.session.commit()
    w3.through(review_id, upto="3b", barrier_remediation_status="not_applicable")
    path = f"/threshold-reviews/{review_id}"
    assert submit(w3, path, f"{path}/communication", communication_body(), "cora").status_code == 302
    letter = page(w3, f"{path}/letter", "cora").text
    assert "on 1 September 2026, we told you" in letter
    assert "Three missed sessions in 60 days without notice lead to a review." in letter


def _feed_case(app, case_ref, **extra):
    from pwa.cases.models import Case
    from pwa.cases.operations import upsert_case

    with app.app_context():
        case = db.session.scalar(sa.select(Case).filter_by(case_ref=case_ref))
        upsert_case({"case_ref": case_ref, "display_name": case.display_name, "risk_flags": case.risk_flags,
                     "contact_routes": [{"channel": r.channel, "value": r.value, "approved": r.approved,
                                         "preferred": r.preferred} for r in case.contact_routes], **extra})
        db.session.commit()


def test_the_letter_is_written_in_the_preferred_language_on_the_case(w3, app):
    case_ref, review_id = w3.case_at_level()
    _feed_case(app, case_ref, preferred_language="es", expectations_explained_on="2026-09-01",
               expectations_text="Tres sesiones perdidas en 60 días sin aviso llevan a una revisión.")
    w3.through(review_id, upto="3b", barrier_remediation_status="not_applicable")
    path = f"/threshold-reviews/{review_id}"
    assert submit(w3, path, f"{path}/communication", communication_body(), "cora").status_code == 302
    letter = page(w3, f"{path}/letter", "cora").text
    body = letter.split('<article class="letter"')[1]
    assert body.startswith(' aria-labelledby="letter-h" lang="es"')
    assert "Nuestra decisión sobre sus citas perdidas" in body
    assert "Le damos un aviso formal por escrito sobre las citas perdidas." in body  # the panel's warning
    assert "el 1 de septiembre de 2026, le dijimos" in body  # the date in Spanish too
    assert re.search(r"Entre el \d+ de \w+ y el \d+ de \w+ de \d{4}, se contaron \d+ citas perdidas", body)
    assert "Presente su apelación antes del" in body and "Atentamente," in body
    for english in ("Our decision", "formal written warning", "Yours sincerely", "September"):
        assert english not in body, english
    assert "Back to the review" in letter  # the screen around the letter stays in English
    # The feed leaves the language out: what is on record stays. Back to English: the letter follows.
    _feed_case(app, case_ref)
    assert "Nuestra decisión" in page(w3, f"{path}/letter", "cora").text
    _feed_case(app, case_ref, preferred_language="en")
    english = page(w3, f"{path}/letter", "cora").text
    assert "Our decision about your missed appointments" in english and 'lang="en"' in english


def test_the_case_feed_refuses_a_language_letters_are_not_written_in(w3, app):
    from pwa.errors import InvalidInput

    case_ref, _review_id = w3.case_at_level()
    with pytest.raises(InvalidInput) as refused:
        _feed_case(app, case_ref, preferred_language="fr")
    assert list(refused.value.errors) == ["preferred_language"]


def test_a_restriction_from_the_screen_is_refused_with_e7_and_the_escalation_kept(w3, app):
    case_ref, review_id = w3.case_at_level()
    path = f"/threshold-reviews/{review_id}"
    refused = submit(w3, path, f"{path}/restrictions", {"kind": "warning"}, "gina")
    assert refused.status_code == 409 and "Escalation raised" in refused.text
    assert [e["rule"] for e in w3.escalations("E7")] == ["E7"]
    w3.through(review_id, barrier_remediation_status="not_applicable")
    assert "Implement an authorised restriction" in page(w3, path, "gina").text
    ok = submit(w3, path, f"{path}/restrictions", {"kind": "warning"}, "gina")
    assert ok.status_code == 302
    assert "Implemented: Warning (manual)" in page(w3, path, "gina").text


def test_the_policy_form_creates_a_new_version(w3, app):
    from pwa.review.models import ThresholdPolicy
    form = {"warning_count": "3", "step_up_count": "5", "closure_count": "7", "window_days": "90",
            "count_service_side_failures": "no", "note": "Longer window after the audit."}
    bad = submit(w3, "/threshold-policy", "/threshold-policy", {**form, "step_up_count": "2"}, "ada")
    assert bad.status_code == 422 and error_next_to(bad.text, "step_up_count")
    unanswered = submit(w3, "/threshold-policy", "/threshold-policy",
                        {k: v for k, v in form.items() if k != "count_service_side_failures"}, "ada")
    assert unanswered.status_code == 422 and error_next_to(unanswered.text, "count_service_side_failures")
    ok = submit(w3, "/threshold-policy", "/threshold-policy", form, "ada")
    assert ok.status_code == 302 and ok.headers["Location"].endswith("saved=2")
    with app.app_context():
        latest = db.session.scalar(sa.select(ThresholdPolicy).order_by(ThresholdPolicy.version.desc()))
        assert (latest.version, latest.step_up_count, latest.window_days) == (2, 5, 90)
        db.session.remove()
    html = page(w3, "/threshold-policy", "ada").text
    assert "Current: version 2" in html and "Longer window after the audit." in html
    assert "Create a new version" not in page(w3, "/threshold-policy", "gina").text


def test_weekly_review_lists_an_objection_and_navigates_weeks(w3):
    _case_ref, review_id = w3.case_at_level()
    w3.through(review_id, upto="3b", barrier_remediation_status="not_applicable")
    assert w3.communicate(review_id, objection_raised="yes",
                          objection_detail="Says the bus never came on two of the dates").status_code == 201
    html = page(w3, "/governance/weekly", "gina").text
    assert "Says the bus never came" in html and f"/threshold-reviews/{review_id}" in html
    assert "/archive/entries/" in html
    previous = re.search(r'href="(/governance/weekly\?week=[0-9-]+)">← Previous week', html).group(1)
    assert "No objection this week." in page(w3, previous, "gina").text
    bad = w3.auth.client.get("/governance/weekly?week=not-a-date")
    assert bad.status_code == 422 and error_next_to(bad.text, "week")


GARBAGE = ["", "x" * 5000, "-1", "99999999999999999999", "1.5", "null", "<script>", "\u202e", "[]", "2026-02-30"]


def test_garbage_form_values_never_500(w3, app):
    _case_ref, review_id = w3.case_at_level()
    path = f"/threshold-reviews/{review_id}"
    forms = {
        f"{path}/review": ("gina", ("threshold_event_count", "prior_recovery_completion_rate",
                                    "service_side_disruption_count", "continuity_risk_level", "next_checkpoint_date")),
        f"{path}/determination": ("pat", ("panel_decision", "barrier_remediation_status", "proportionality_result",
                                          "proportionality_rationale", "unresolved_dependency_count")),
        f"{path}/communication": ("cora", ("decision_explained", "contact_route", "alternative_pathway_offered",
                                           "appeal_route_provided", "objection_raised", "review_date")),
        f"{path}/restrictions": ("gina", ("kind", "detail", "source")),
        "/threshold-policy": ("ada", ("warning_count", "step_up_count", "closure_count", "window_days",
                                      "count_service_side_failures", "note")),
    }
    for post_path, (who, fields) in forms.items():
        token = csrf_from(page(w3, "/threshold-reviews" if who != "ada" else "/threshold-policy", who).text)
        for value in GARBAGE:
            data = {name: value for name in fields}
            response = w3.auth.client.post(post_path, data={**data, "csrf_token": token, "extra": value})
            assert response.status_code in (409, 422), (post_path, value[:20], response.status_code)
        many = w3.auth.client.post(post_path, data={"csrf_token": token, fields[0]: ["a", "b"]})
        assert many.status_code < 500
    for query in ("?week=", "?week=0000-01-01", "?week=2026-13-45", "?week=%ff", "?week=" + "9" * 300):
        w3.as_user("gina")
        assert w3.auth.client.get("/governance/weekly" + query).status_code in (200, 422)
    for bad in ("/threshold-reviews/0", "/threshold-reviews/99999999999", "/threshold-reviews/abc/letter"):
        assert w3.auth.client.get(bad).status_code == 404
    assert status_of(app, review_id) == "awaiting_review"
