"""Screen plumbing shared by every area: rendering pages or htmx fragments, navigation,
template filters, and error pages (JSON under /api/, HTML elsewhere)."""
import logging
from datetime import datetime

from flask import Blueprint, jsonify, make_response, redirect, render_template, request, url_for
from flask_login import current_user
from flask_wtf.csrf import CSRFError
from jinja2 import pass_context
from jinja2_fragments.flask import render_block
from markupsafe import Markup
from werkzeug.exceptions import HTTPException

from .clock import utcnow
from .errors import DomainError, Forbidden, InvalidInput, WorkflowRefused
from .extensions import db, htmx, login_manager
from .governance import access
from .governance.escalations import ESCALATION_TITLES
from .governance.vocab import FOLDERS, labelled
from .timekeeping import local_time, local_zone
from .transaction import transaction

bp = Blueprint("web", __name__)
log = logging.getLogger("continuity.web")

# Each role's home screen and navigation (label, endpoint).
NAV = [
    ("coordinator", "Today", "intake.today"),
    ("attendance_supervisor", "Classification queue", "intake.queue"),
    ("outreach_worker", "My day", "recovery.recovery_list"),
    ("service_supervisor", "Close the day", "recovery.close_the_day"),
    ("service_supervisor", "Recovery cases", "recovery.recovery_list"),
    ("tech_support", "Support requests", "support.support_list"),
    ("governance_lead", "Threshold reviews", "review.review_list"),
    ("panel_chair", "Panel", "review.review_list"),
    ("coordinator", "Decisions to communicate", "review.review_list"),
    ("admin", "Threshold policy", "review.policy"),
]


def render(template: str, status: int = 200, **context):
    """The page, or only its `content` block for an htmx request (the shell stays in place).
    A boosted navigation also gets the header's navigation out of band, so the current tab and
    the escalation badge follow the page."""
    if htmx and not htmx.history_restore_request:
        body = render_block(template, "content", **context)
        if htmx.boosted and current_user.is_authenticated:
            body += render_template("_partials/nav.html", oob=True)
        return body, status
    return render_template(template, **context), status


def run_form(operation, rerender):
    """Run one operation from a screen's form in a transaction. Success: (result, None). Bad input or a
    refused step (rolled back, or its escalation kept: transaction()) gives (None, rerender(status,
    errors=..., refusal=...)), the form again with the reasons."""
    try:
        with transaction():
            return operation(), None
    except InvalidInput as err:
        return None, rerender(err.status, errors=err.errors, refusal=None)
    except WorkflowRefused as err:
        return None, rerender(err.status, errors={}, refusal=err)


def form_input(*list_fields: str) -> dict:
    """The submitted form as operation input: blanks left out (so "required" speaks), lists kept,
    and datetime-local values given the business time zone's offset."""
    data = {}
    for key in request.form:
        if key == "csrf_token":
            continue
        if key in list_fields:
            data[key] = [v for v in request.form.getlist(key) if v]
            continue
        value = request.form.get(key, "").strip()
        if value:
            data[key] = _with_offset(value)
    for key in list_fields:
        data.setdefault(key, [])
    return data


def _with_offset(value: str) -> str:
    if len(value) == 16 and value[10] == "T":  # YYYY-MM-DDTHH:MM from <input type=datetime-local>
        try:
            naive = datetime.fromisoformat(value)
        except ValueError:
            return value
        return naive.replace(tzinfo=local_zone()).isoformat()
    return value


def local_input(value: datetime | None) -> str:
    """A UTC time as the value of an <input type=datetime-local>."""
    return "" if value is None else local_time(value).strftime("%Y-%m-%dT%H:%M")


# Screens that belong to a tab their address does not start with: the supervisor's disposition and closure
# forms are reached from Close the day, so that tab stays current there.
NAV_OWNER = {"recovery.disposition": "recovery.close_the_day", "recovery.close_case": "recovery.close_the_day"}


def nav_owner(items) -> str | None:
    owner = NAV_OWNER.get(request.endpoint)
    return owner if owner in {endpoint for _, endpoint in items} else None


def nav_items() -> list[tuple[str, str]]:
    if not current_user.is_authenticated:
        return []
    items = [(label, endpoint) for role, label, endpoint in NAV if current_user.has_role(role)]
    # After the workflows' screens, so those stay the home screens.
    if current_user.has_role(*access.READ_ESCALATIONS):
        items.append(("Escalations", "escalations.inbox"))
    if current_user.has_role(*access.READ_ARCHIVE):
        items.append(("Archive", "archive.folders"))
    if current_user.has_role(*access.READ_WEEKLY):
        items.append(("Weekly governance", "review.weekly"))
    if current_user.has_role(*access.READ_OUTCOMES):
        items.append(("Outcomes", "dashboard.outcomes"))
    return list(dict.fromkeys(items))


@bp.get("/")
def home():
    if not current_user.is_authenticated:
        return redirect(url_for("accounts.sign_in"))
    items = nav_items()
    return redirect(url_for(items[0][1]) if items else url_for("accounts.account"))


def time_left(due: datetime | None) -> str:
    """'25 min left', '1 h 10 min left', '5 min overdue'."""
    if due is None:
        return ""
    seconds = int((due - utcnow()).total_seconds())
    minutes = abs(seconds) // 60
    text = f"{minutes // 60} h {minutes % 60} min" if minutes >= 60 else f"{minutes} min"
    if minutes >= 60 * 24:
        text = f"{minutes // (60 * 24)} d {(minutes // 60) % 24} h"
    return f"{text} left" if seconds >= 0 else f"{text} overdue"


def local_format(value: datetime | None, fmt: str = "%a %d %b %H:%M") -> str:
    return "" if value is None else local_time(value).strftime(fmt)


# Who reads rule and step codes: the people who work the front line see plain words only; supervisors and
# governance see the code beside them, as a secondary detail (the glossary says what each one means).
FRONT_LINE = ("outreach_worker", "coordinator", "tech_support")


def shows_codes() -> bool:
    return current_user.is_authenticated and any(role not in FRONT_LINE for role in current_user.roles)


def code_detail(code: str) -> Markup:
    """The code beside a plain label, for supervisors: ' (E2)'; nothing for the front line."""
    return Markup(' <span class="rule-code">({})</span>').format(code) if code and shows_codes() else Markup("")


def rule_label(code: str) -> Markup:
    """An escalation rule in plain words, its code as a secondary detail: 'Active risk with no rescue offered (E5)'."""
    return Markup("{}").format(ESCALATION_TITLES.get(code, code)) + code_detail(code)


@bp.get("/glossary")
def glossary():
    """The words and codes of the screens in plain language: every rule and every step. For anyone signed in."""
    from .governance.escalations import RULES

    if not current_user.is_authenticated:
        return login_manager.unauthorized()
    return render("glossary.html", rules=RULES.values(), steps=STEPS)


# The steps of the three workflows and of section 4, as the specification numbers them.
STEPS = [
    ("1a", "Open the missed-contact event", "The coordinator records what happened, within 30 minutes of the miss."),
    ("1b", "Classification challenge", "The attendance supervisor checks the reason for the miss against evidence."),
    ("1c", "Code release", "Only now is an attendance code applied, with its follow-up."),
    ("2a", "Open the recovery case", "The outreach worker takes on the follow-up the same day."),
    ("2b", "Recovery attempts", "Each call, message or visit to reach the person, and what was offered."),
    ("2c", "Recovery disposition", "The service supervisor records the day's outcome and locks what happens next."),
    ("3a", "Threshold review", "The governance lead confirms the figures from the archive and judges the risk."),
    ("3b", "Panel determination", "The panel decides what, if anything, changes, and whether it is proportionate."),
    ("3c", "Decision communication", "The coordinator explains the decision to the person, with a letter."),
]


# How a letter writes a date, in each of its languages: "4 December 2026", "4 de diciembre de 2026".
LETTER_DATES = {
    "en": {"date": "d MMMM y", "weekday": "EEEE d MMMM y", "day_month": "d MMMM"},
    "es": {"date": "d 'de' MMMM 'de' y", "weekday": "EEEE d 'de' MMMM 'de' y", "day_month": "d 'de' MMMM"},
}


def letter_date(value, style: str = "date") -> str:
    """A date in the language the letter is rendered in; a time is read on the business calendar first."""
    from flask_babel import format_date, get_locale

    if value is None:
        return ""
    patterns = LETTER_DATES.get(str(get_locale().language), LETTER_DATES["en"])
    return format_date(local_time(value).date() if isinstance(value, datetime) else value, patterns[style])


def _error_page(status: int, title: str, message: str):
    if request.path.startswith("/api/"):
        return jsonify(error=title, errors={"_schema": [message]}), status
    return render("error.html", status=status, title=title, message=message)


def at_render(filter_function):
    """The filter, marked so that Jinja's compiler never folds it into a constant."""
    @pass_context
    def render_time_filter(_context, *args, **kwargs):
        return filter_function(*args, **kwargs)
    return render_time_filter


def init_app(app):
    app.jinja_env.filters["local"] = local_format
    app.jinja_env.filters["time_left"] = time_left
    app.jinja_env.filters["label"] = labelled
    app.jinja_env.filters["local_input"] = local_input
    # These read the signed-in user or the locale: they must run at each render. Jinja would otherwise
    # evaluate them once, when it compiles a template, on a constant argument ('E8'|rule), and every later
    # reader would see the first reader's view.
    app.jinja_env.filters["rule"] = at_render(rule_label)
    app.jinja_env.filters["letter_date"] = at_render(letter_date)
    app.jinja_env.filters["code"] = at_render(code_detail)
    # "contributing_factors.0" is an error of the field "contributing_factors".
    app.jinja_env.filters["base_fields"] = lambda errors: sorted({key.split(".")[0] for key in errors})
    app.jinja_env.globals.update(nav_items=nav_items, nav_owner=nav_owner, shows_codes=shows_codes, escalation_titles=ESCALATION_TITLES, folders=FOLDERS,
                                 now_local_input=lambda: local_input(utcnow()))

    @app.context_processor
    def _open_escalations():
        if not current_user.is_authenticated:
            return {}
        from .escalations.operations import count_open_escalations

        return {"open_escalation_count": count_open_escalations(current_user)}

    @app.errorhandler(CSRFError)
    def _csrf(err):
        log.warning("csrf refused %s %s: %s", request.method, request.path, err.description)
        if request.path == "/fhir" or request.path.startswith("/fhir/"):
            from .fhir.outcome import plain_error

            return plain_error(400, "security", f"CSRF: {err.description}")
        if request.path.startswith("/api/"):
            return jsonify(error="csrf", errors={"csrf": [err.description]}), 400
        return _error_page(400, "Form expired", "This form has expired or was not sent from Continuity. "
                           "Go back, reload the page and try again.")

    @app.errorhandler(DomainError)
    def _domain(err):
        # Views and the API handle InvalidInput/WorkflowRefused themselves; this is the backstop.
        db.session.rollback()
        if isinstance(err, Forbidden):
            # Same logger and shape as security.refuse: every 403 is on "continuity.access".
            logging.getLogger("continuity.access").warning(
                "refused user_id=%s roles=%s %s %s: %s", getattr(current_user, "id", None),
                ",".join(getattr(current_user, "roles", [])), request.method, request.path, err)
        if request.path.startswith("/api/"):
            body = {"error": str(err)}
            if isinstance(err, InvalidInput):
                body["errors"] = err.errors
            if isinstance(err, WorkflowRefused):
                body.update(rule=err.rule, reasons=err.reasons)
            return jsonify(body), err.status
        return _error_page(err.status, "Not possible", str(err))

    @app.errorhandler(HTTPException)
    def _http(err):
        if err.code and err.code >= 500:
            db.session.rollback()
        if request.path == "/fhir" or request.path.startswith("/fhir/"):  # no such FHIR route or method
            from .fhir.outcome import plain_error

            response = plain_error(err.code or 500, "not-supported" if err.code in (404, 405) else "processing",
                                   err.description or err.name)
        else:
            response = _error_page(err.code or 500, err.name, err.description or err.name)
        if err.code == 405 and getattr(err, "valid_methods", None):  # RFC 9110: a 405 names what is allowed
            response = make_response(*response) if isinstance(response, tuple) else response
            response.headers["Allow"] = ", ".join(sorted(err.valid_methods))
        return response

    @app.errorhandler(Exception)
    def _unexpected(err):
        db.session.rollback()
        log.exception("unexpected error on %s %s", request.method, request.path)
        return _error_page(500, "Something went wrong", "The error was logged. Nothing was saved.")

    @app.after_request
    def _push_url(response):
        # Boosted navigation that ended on another page (a redirect after a form) shows its URL.
        if htmx.boosted and response.status_code == 200 and request.method == "GET":
            response.headers.setdefault("HX-Push-Url", request.full_path.rstrip("?"))
        return response
