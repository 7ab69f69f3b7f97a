"""Workflow 3 endpoints: threshold policy, threshold reviews (3a–3c), restrictions, weekly governance."""
import re
from datetime import date

from flask import jsonify, request
from flask_login import current_user

from ..errors import InvalidInput
from ..governance import access
from ..governance.vocab import REVIEW_STATUSES
from ..review import operations as review_ops
from ..review import restrictions, weekly
from ..review.policy import create_policy_version, policy_versions
from ..review.queries import visible_reviews
from ..security import requires
from .blueprint import bp, choice_arg, committed, json_body
from .schemas import (
    CommunicationOut, DeterminationOut, RestrictionOut, ThresholdPolicyOut, ThresholdReviewDetailOut,
    ThresholdReviewOut, WeeklyGovernanceOut,
)



@bp.get("/threshold-policies")
@requires(*access.READ_POLICY)
def list_threshold_policies():
    """Every version of the threshold policy, newest (current) first.
    ---
    get:
      tags: [workflow 3]
      responses:
        200: {content: {application/json: {schema: {type: object, properties: {current: ThresholdPolicyOut, items: {type: array, items: ThresholdPolicyOut}}}}}}
    """
    def listed():
        versions = policy_versions()  # the first call creates version 1
        return {"current": ThresholdPolicyOut().dump(versions[0]), "items": ThresholdPolicyOut(many=True).dump(versions)}

    return committed(listed)


@bp.post("/threshold-policies")
@requires(*access.CHANGE_POLICY)
def create_threshold_policy():
    """A new version of the threshold policy (levels, rolling window, whether service-side failures count).
    Earlier versions and the reviews judged under them are never changed.
    ---
    post:
      tags: [workflow 3]
      requestBody: {content: {application/json: {schema: ThresholdPolicyInput}}}
      responses:
        201: {content: {application/json: {schema: ThresholdPolicyOut}}}
        422: {content: {application/json: {schema: ErrorOut}}}
    """
    return committed(lambda: ThresholdPolicyOut().dump(create_policy_version(json_body(), current_user)), 201)


@bp.get("/threshold-reviews")
@requires(*access.READ_REVIEWS)
def list_threshold_reviews():
    """Threshold reviews by status, nearest deadline first.
    ---
    get:
      tags: [workflow 3]
      parameters: [{name: status, in: query, schema: {type: string, enum: [awaiting_review, awaiting_determination, awaiting_communication, complete, superseded]}}]
      responses:
        200: {content: {application/json: {schema: {type: object, properties: {items: {type: array, items: ThresholdReviewOut}}}}}}
        422: {content: {application/json: {schema: ErrorOut}}}
    """
    status = choice_arg("status", REVIEW_STATUSES)
    return jsonify(items=ThresholdReviewOut(many=True).dump(visible_reviews(current_user, status)))


@bp.get("/threshold-reviews/<int:review_id>")
@requires(*access.READ_REVIEWS)
def read_threshold_review(review_id):
    """One review with its three figures computed from the archive and the records behind each,
    its determination, communication and restrictions.
    ---
    get:
      tags: [workflow 3]
      parameters: [{name: review_id, in: path, required: true, schema: {type: integer}}]
      responses:
        200: {content: {application/json: {schema: ThresholdReviewDetailOut}}}
        404: {content: {application/json: {schema: ErrorOut}}}
    """
    return jsonify(ThresholdReviewDetailOut().dump(review_ops.get_review(review_id)))


@bp.post("/threshold-reviews/<int:review_id>/review")
@requires(*access.REVIEW)
def complete_threshold_review(review_id):
    """Step 3a: the threshold review. Each figure must equal the one computed from the archive.
    ---
    post:
      tags: [workflow 3]
      parameters: [{name: review_id, in: path, required: true, schema: {type: integer}}]
      requestBody: {content: {application/json: {schema: ThresholdReviewInput}}}
      responses:
        200: {content: {application/json: {schema: ThresholdReviewOut}}}
        404: {content: {application/json: {schema: ErrorOut}}}
        409: {content: {application/json: {schema: ErrorOut}}}
        422: {content: {application/json: {schema: ErrorOut}}}
    """
    return committed(lambda: ThresholdReviewOut().dump(review_ops.complete_review(review_id, json_body(), current_user)))


@bp.post("/threshold-reviews/<int:review_id>/determination")
@requires(*access.DETERMINE)
def panel_determination(review_id):
    """Step 3b: the panel determination. Restrictive decisions need an affirmative proportionality
    result; E8 when restrictive with unresolved dependencies.
    ---
    post:
      tags: [workflow 3]
      parameters: [{name: review_id, in: path, required: true, schema: {type: integer}}]
      requestBody: {content: {application/json: {schema: DeterminationInput}}}
      responses:
        201: {content: {application/json: {schema: DeterminationOut}}}
        404: {content: {application/json: {schema: ErrorOut}}}
        409: {content: {application/json: {schema: ErrorOut}}}
        422: {content: {application/json: {schema: ErrorOut}}}
    """
    return committed(lambda: DeterminationOut().dump(review_ops.determine(review_id, json_body(), current_user)), 201)


@bp.post("/threshold-reviews/<int:review_id>/communication")
@requires(*access.COMMUNICATE)
def decision_communication(review_id):
    """Step 3c: the person-facing decision communication (an objection goes to the weekly governance review).
    ---
    post:
      tags: [workflow 3]
      parameters: [{name: review_id, in: path, required: true, schema: {type: integer}}]
      requestBody: {content: {application/json: {schema: CommunicationInput}}}
      responses:
        201: {content: {application/json: {schema: CommunicationOut}}}
        404: {content: {application/json: {schema: ErrorOut}}}
        409: {content: {application/json: {schema: ErrorOut}}}
        422: {content: {application/json: {schema: ErrorOut}}}
    """
    return committed(lambda: CommunicationOut().dump(review_ops.communicate(review_id, json_body(), current_user)), 201)


@bp.post("/cases/<ref>/restrictions")
@requires(*access.REQUEST_RESTRICTION)
def request_restriction(ref):
    """Implement a warning, service-intensity change or closure. Refused with 409 and E7 while the
    threshold review is not complete, E9 while the decision is not communicated, and refused when
    the panel did not affirmatively decide this kind.
    ---
    post:
      tags: [workflow 3]
      parameters: [{name: ref, in: path, required: true, schema: {type: string}}]
      requestBody: {content: {application/json: {schema: RestrictionInput}}}
      responses:
        201: {content: {application/json: {schema: RestrictionOut}}}
        404: {content: {application/json: {schema: ErrorOut}}}
        409: {content: {application/json: {schema: ErrorOut}}}
        422: {content: {application/json: {schema: ErrorOut}}}
    """
    return committed(lambda: RestrictionOut().dump(restrictions.request_restriction(ref, json_body(), current_user)), 201)


@bp.get("/governance/weekly")
@requires(*access.READ_WEEKLY)
def weekly_governance():
    """The weekly attendance governance review: objections, escalations raised and acknowledged,
    3a/3b deadline breaches and restrictions (implemented and refused) of the week containing `week`.
    ---
    get:
      tags: [workflow 3]
      parameters: [{name: week, in: query, description: any day of the week (YYYY-MM-DD); this week by default, schema: {type: string, format: date}}]
      responses:
        200: {content: {application/json: {schema: WeeklyGovernanceOut}}}
        422: {content: {application/json: {schema: ErrorOut}}}
    """
    raw = request.args.get("week")
    week = None
    if raw is not None:
        try:
            week = date.fromisoformat(raw) if re.fullmatch(r"\d{4}-\d{2}-\d{2}", raw) else None
        except ValueError:
            week = None
        if week is None or not 1900 <= week.year <= 2999:
            raise InvalidInput({"week": ["Give a date as YYYY-MM-DD."]})
    return jsonify(WeeklyGovernanceOut().dump(weekly.weekly_governance(week)))
