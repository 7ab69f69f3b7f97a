"""Marshmallow field helpers with the wording of our forms: no defaults, explicit answers."""
from marshmallow import EXCLUDE, RAISE, Schema, ValidationError, fields, validate

from .errors import InvalidInput

# One wording for every question left empty, whatever kind of answer it takes.
ANSWER = REQUIRED = "Answer this question."
# Plausible years for any date or time a person or feed enters: far enough inside Python's datetime range
# that converting to UTC and adding deadlines can never overflow (year 9999 at -05:00 is year 10000 in UTC).
EARLIEST_YEAR, LATEST_YEAR = 1900, 2999
OUT_OF_RANGE = f"Give a date between {EARLIEST_YEAR} and {LATEST_YEAR}."


class WholeNumber(fields.Integer):
    """An integer that refuses a number with a fraction (1.5) instead of silently truncating it."""

    def _validated(self, value):
        if isinstance(value, float) and not value.is_integer():
            raise self.make_error("invalid", input=value)
        return super()._validated(value)


class PlausibleAwareDateTime(fields.AwareDateTime):
    def _deserialize(self, value, attr, data, **kwargs):
        result = super()._deserialize(value, attr, data, **kwargs)
        if not EARLIEST_YEAR <= result.year <= LATEST_YEAR:
            raise self.make_error("out_of_range")
        return result


class PlausibleDate(fields.Date):
    def _deserialize(self, value, attr, data, **kwargs):
        result = super()._deserialize(value, attr, data, **kwargs)
        if not EARLIEST_YEAR <= result.year <= LATEST_YEAR:
            raise self.make_error("out_of_range")
        return result


def choice(values, **kwargs) -> fields.String:
    values = tuple(values)
    return fields.String(
        required=kwargs.pop("required", True),
        validate=validate.OneOf(values, error="Choose one of: " + ", ".join(values) + "."),
        error_messages={"required": ANSWER, "null": ANSWER, "invalid": "Choose one of the listed answers."},
        **kwargs,
    )


def text(max_length: int, required: bool = True, pattern: str | None = None, **kwargs) -> fields.String:
    validators = [validate.Length(min=1 if required else 0, max=max_length,
                                  error=f"Write between 1 and {max_length} characters." if required
                                  else f"Keep this under {max_length} characters.")]
    if pattern:
        validators.append(validate.Regexp(pattern, error="Use letters, digits, dot, dash or underscore."))
    return fields.String(
        required=required,
        allow_none=not required,
        validate=validators,
        error_messages={"required": REQUIRED, "null": REQUIRED, "invalid": "Give text."},
        **kwargs,
    )


def when(required: bool = True, **kwargs) -> fields.AwareDateTime:
    return PlausibleAwareDateTime(
        required=required,
        allow_none=not required,
        error_messages={"required": REQUIRED, "null": REQUIRED,
                        "invalid": "Give a date and time in ISO 8601, e.g. 2026-11-24T10:30:00-05:00.",
                        "invalid_awareness": "Include the time zone offset, e.g. -05:00 or Z.",
                        "out_of_range": OUT_OF_RANGE},
        **kwargs,
    )


def day(required: bool = True, **kwargs) -> fields.Date:
    return PlausibleDate(
        required=required,
        allow_none=not required,
        error_messages={"required": REQUIRED, "null": REQUIRED, "invalid": "Give a date as YYYY-MM-DD.",
                        "out_of_range": OUT_OF_RANGE},
        **kwargs,
    )


def count(**kwargs) -> fields.Integer:
    return WholeNumber(
        required=True, strict=False, validate=validate.Range(min=0, max=1000, error="Give a whole number from 0 to 1000."),
        error_messages={"required": ANSWER, "null": ANSWER, "invalid": "Give a whole number."}, **kwargs,
    )


def flatten_errors(messages) -> dict[str, list[str]]:
    """Marshmallow's nested messages as {field: [messages]} (nested keys joined with dots)."""
    out: dict[str, list[str]] = {}

    def walk(prefix, value):
        if isinstance(value, dict):
            for key, inner in value.items():
                walk(f"{prefix}.{key}" if prefix else str(key), inner)
        elif isinstance(value, list):
            for item in value:
                if isinstance(item, (dict, list)):
                    walk(prefix, item)
                else:
                    out.setdefault(prefix or "_schema", []).append(str(item))
        else:
            out.setdefault(prefix or "_schema", []).append(str(value))

    walk("", messages)
    return out


def load(schema: Schema, data) -> dict:
    """Validate input (a mapping) against an allowlist schema, or raise InvalidInput."""
    if not isinstance(data, dict):
        raise InvalidInput({"_schema": ["Send a JSON object."]})
    try:
        return schema.load(data)
    except ValidationError as err:
        raise InvalidInput(flatten_errors(err.messages)) from None


class InputSchema(Schema):
    """Unknown fields are refused: input is an allowlist."""

    class Meta:
        unknown = RAISE


__all__ = ["InputSchema", "WholeNumber", "choice", "text", "when", "day", "count", "load", "flatten_errors",
           "fields",
           "validate", "EXCLUDE"]
