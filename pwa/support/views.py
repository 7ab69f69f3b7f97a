"""The tech support screen (phone): open support requests, soonest next session first, each resolved here."""
from flask import Blueprint, redirect, request, url_for
from flask_login import current_user

from ..governance import access, vocab
from ..security import requires
from ..web import form_input, render, run_form
from . import operations as ops
from .queries import support_requests

bp = Blueprint("support", __name__)


def _page(status=200, **extra):
    context = {"open_requests": support_requests("open"),
               "done": [r for r in support_requests() if r.status != "open"][:20], "vocab": vocab,
               "form": {}, "errors": {}, "refusal": None, "form_id": None, "saved": request.args.get("saved")}
    context.update(extra)
    return render("support/list.html", status=status, **context)


@bp.get("/support")
@requires(*access.HANDLE_SUPPORT)
def support_list():
    return _page()


@bp.post("/support/<int:request_id>/resolve")
@requires(*access.HANDLE_SUPPORT)
def resolve(request_id):
    role = next(r for r in access.HANDLE_SUPPORT if current_user.has_role(r))
    _, page = run_form(lambda: ops.resolve_support_request(request_id, form_input(), current_user, role),
                       lambda status, errors, refusal: _page(status, form=request.form, errors=errors,
                                                             refusal=refusal, form_id=request_id))
    return page or redirect(url_for("support.support_list", saved=request_id))
