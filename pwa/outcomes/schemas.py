"""Output schemas of GET /api/v1/outcomes (also its OpenAPI components). Shares are fractions from 0 to 1;
a value is null when there is nothing to divide or measure ("no data"), never 0."""
from marshmallow import Schema, fields


class OutcomeFiltersOut(Schema):
    from_ = fields.Date(data_key="from", attribute="from", metadata={"description": "first local date"})
    to = fields.Date(metadata={"description": "last local date, inclusive"})
    team = fields.String(allow_none=True, metadata={"description": "the team of the person's case"})
    worker = fields.Integer(allow_none=True,
                            metadata={"description": "a user id; its meaning is each figure's `worker`"})
    timezone = fields.String(metadata={"description": "the business calendar's time zone that decides local dates"})
    as_of = fields.String(metadata={"description": "when the figures were taken (UTC); undecided records wait"})


class OutcomeValueOut(Schema):
    key = fields.String()
    value = fields.Float(allow_none=True)
    numerator = fields.Integer(allow_none=True)
    denominator = fields.Integer(allow_none=True)


class OutcomeFigureOut(OutcomeValueOut):
    label = fields.String()
    group = fields.String()
    unit = fields.String(metadata={"enum": ["share", "count", "minutes", "hours", "days"]})
    definition = fields.String()
    worker = fields.String(metadata={"description": "what the worker filter and breakdown mean for this figure"})


class EscalationLevelOut(Schema):
    level = fields.String()
    raised = fields.Integer()
    acknowledged = fields.Integer()
    median_minutes_to_acknowledge = fields.Float(allow_none=True)


class OutcomeGroupOut(Schema):
    label = fields.String()
    figures = fields.List(fields.Nested(OutcomeValueOut))


class OutcomeBreakdownOut(Schema):
    by = fields.String(metadata={"enum": ["team", "worker"]})
    groups = fields.List(fields.Nested(OutcomeGroupOut))


class OutcomeBucketOut(Schema):
    start = fields.Date(metadata={"description": "the bucket's first local date inside the period"})
    figures = fields.List(fields.Nested(OutcomeValueOut))


class OutcomeTrendOut(Schema):
    bucket = fields.String(metadata={"enum": ["day", "week", "month"]})
    buckets = fields.List(fields.Nested(OutcomeBucketOut))


class OutcomesOut(Schema):
    filters = fields.Nested(OutcomeFiltersOut)
    figures = fields.List(fields.Nested(OutcomeFigureOut))
    escalations_by_level = fields.List(fields.Nested(EscalationLevelOut))
    breakdown = fields.Nested(OutcomeBreakdownOut, metadata={"description": "with ?breakdown=team or worker"})
    trend = fields.Nested(OutcomeTrendOut, metadata={"description": "with ?bucket=day, week or month"})
