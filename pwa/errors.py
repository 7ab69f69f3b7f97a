"""Domain exceptions raised by operations; pwa.api and the views map them to HTTP at the edge."""


class DomainError(Exception):
    status = 400


class InvalidInput(DomainError):
    """Bad input: field -> [messages]. Nothing has been written."""

    status = 422

    def __init__(self, errors: dict[str, list[str]]):
        super().__init__("invalid input")
        self.errors = errors


class WorkflowRefused(DomainError):
    """The step is refused by a workflow rule (409). `rule` names it; reasons are readable."""

    status = 409

    def __init__(self, rule: str, reasons: list[str], escalation_id: int | None = None):
        super().__init__("; ".join(reasons))
        self.rule = rule
        self.reasons = reasons
        # A refusal that raised an escalation keeps it: the edge commits instead of rolling back.
        self.escalation_id = escalation_id

    @property
    def keeps_records(self) -> bool:
        return self.escalation_id is not None


class NotFound(DomainError):
    status = 404


class Forbidden(DomainError):
    status = 403
