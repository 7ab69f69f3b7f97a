"""Allowlist input schemas for support requests."""
from ..governance import vocab
from ..schema_fields import InputSchema, choice, text


class ResolveSupportInput(InputSchema):
    resolution = choice(vocab.SUPPORT_RESOLUTIONS)
    resolution_note = text(2000)
