"""The outcomes dashboard, the records behind each figure and the governance review pack (HTML and PDF),
through the Flask test client: who may open them, filters refused field by field (never a 500), the
drill-down's records, and a pack whose figures, breaches and archive hashes are those in the database."""
import hashlib
import re
import shutil
import socket
import subprocess
from datetime import date, timedelta

import pytest
import sqlalchemy as sa
from markupsafe import escape

from pwa.extensions import db
from tests.support.payloads import classification_payload, event_payload, release_payload

OUTCOMES = ("manager", "duty_manager", "quality_lead", "executive", "director", "chief_operating",
            "governance_lead", "admin", "auditor")
OTHERS = ("coordinator", "attendance_supervisor", "outreach_worker", "service_supervisor", "panel_chair",
          "integration")
TODAY = date(2026, 11, 17)  # the `now` fixture's Tuesday
PERIOD = {"from": "2026-11-11", "to": "2026-11-17"}


def error_next_to(html: str, field: str) -> str:
    match = re.search(rf'<p class="error" id="{field}-error">([^<]+)</p>', html)
    assert match, f"no error next to {field}"
    return match.group(1)


class World:
    """Two teams, each with a missed appointment: North's event opened in time and classified in time;
    South's opened 45 minutes late (a breach) and classified; both released for outreach."""

    def __init__(self, app, auth, factory):
        from pwa.cases.operations import upsert_case
        from pwa.intake import operations as ops

        self.app, self.auth = app, auth
        for role in ("coordinator", "attendance_supervisor", "outreach_worker"):
            auth.user(role, role)
        self.users = {}
        with app.app_context():
            from pwa.accounts.models import User

            for name, team in (("C-NORTH", "North"), ("C-SOUTH", "South")):
                upsert_case({"case_ref": name, "display_name": f"Person {name}", "team": team, "risk_flags": [],
                             "contact_routes": [{"channel": "phone_call", "value": "+1 555 0100", "approved": True,
                                                 "preferred": True}],
                             "assigned_outreach_worker": "outreach_worker"})
            db.session.commit()
        on_time = factory.appointment("C-NORTH", minutes_ago=20)
        late = factory.appointment("C-SOUTH", minutes_ago=90)
        with app.app_context():
            users = {u.username: u for u in db.session.scalars(sa.select(User))}
            self.ids = {}
            for key, appointment in (("north", on_time), ("south", late)):
                event = ops.open_missed_contact(event_payload(appointment), users["coordinator"])
                ops.classify_missed_contact(event.id, classification_payload(), users["attendance_supervisor"])
                ops.release_code(event.id, release_payload(), users["coordinator"])
                self.ids[key] = event.id
            db.session.commit()
            db.session.remove()

    def login(self, role: str):
        self.auth.user(role, role)
        self.auth.login(role)


@pytest.fixture
def world(app, auth, factory, now):
    return World(app, auth, factory)


# --- access ----------------------------------------------------------------------------------------------

@pytest.mark.parametrize("role", OUTCOMES)
def test_every_screen_renders_for_each_allowed_role(role, world, client):
    world.login(role)
    for path in ("/outcomes", "/outcomes/opened_within_30_minutes", "/outcomes/pack"):
        for headers in ({}, {"HX-Request": "true"}):
            response = client.get(path, headers=headers)
            assert response.status_code == 200, (role, path, headers, response.status_code)
            assert "Outcomes" in response.text or "Governance review pack" in response.text
    home = client.get("/outcomes").text
    assert 'href="/outcomes"' in home, "the navigation names the outcomes screen"


@pytest.mark.parametrize("role", OTHERS)
def test_other_roles_are_refused(role, world, client):
    world.login(role)
    for path in ("/outcomes", "/outcomes/opened_within_30_minutes", "/outcomes/pack", "/outcomes/pack.pdf"):
        assert client.get(path).status_code == 403, (role, path)
    assert 'href="/outcomes"' not in client.get("/account").text


def test_an_unknown_figure_is_a_404(world, client):
    world.login("executive")
    assert client.get("/outcomes/no_such_figure").status_code == 404


# --- the dashboard -----------------------------------------------------------------------------------------

def test_the_dashboard_shows_every_figure_with_its_definition_chart_table_and_drill_down(world, app, client):
    from pwa.outcomes.definitions import FIGURES
    from pwa.outcomes.figures import compute
    from pwa.outcomes.filters import OutcomeFilters

    world.login("executive")
    html = client.get("/outcomes", query_string=PERIOD).text
    with app.test_request_context():
        values = compute(OutcomeFilters(start=date(2026, 11, 11), end=TODAY))
    from pwa.dashboard.charts import fmt

    for figure in FIGURES:
        tile = re.search(rf'<article class="tile" id="tile-{figure.key}".*?</article>', html, re.S)
        assert tile, figure.key
        assert figure.label in tile.group(0)
        assert f'<p class="tile-value' in tile.group(0)
        assert fmt(values[figure.key].value, figure.unit) in tile.group(0), figure.key
        assert str(escape(figure.definition)) in tile.group(0)
        assert f"/outcomes/{figure.key}?" in tile.group(0), "no link to the records behind the figure"
    opened = values["opened_within_30_minutes"]
    assert (opened.numerator, opened.denominator) == (1, 2)
    assert "1 of 2: opened in time" in html
    # Every chart is an accessible SVG with the table behind it.
    charts = re.findall(r'<figure class="chart-card card".*?</figure>', html, re.S)
    assert len(charts) >= 8
    for chart in charts:
        assert re.search(r'<svg class="chart [a-z]+"[^>]* role="img" aria-labelledby="[^"]+"', chart)
        assert "<title" in chart and "<desc" in chart
        assert "Table behind this chart" in chart and "<table" in chart
    assert "style=" not in html and "<script>" not in html
    # Each chart's CSV (the API's export of the same filters) downloads.
    links = set(re.findall(r'href="(/api/v1/outcomes\.csv\?[^"]+)" download hx-boost="false"', html))
    assert len(links) >= 5
    for link in links:
        response = client.get(link.replace("&amp;", "&"))
        assert response.status_code == 200 and response.mimetype == "text/csv", link


def test_filters_narrow_the_figures_by_team(world, client):
    world.login("executive")
    north = client.get("/outcomes", query_string={**PERIOD, "team": "North"}).text
    assert "1 of 1: opened in time" in north
    south = client.get("/outcomes", query_string={**PERIOD, "team": "South"}).text
    assert "0 of 1: opened in time" in south
    assert '<option value="South" selected>' in south


@pytest.mark.parametrize("args, field", [
    ({"from": "yesterday"}, "from"),
    ({"from": "2026-02-30"}, "from"),
    ({"to": "17/11/2026"}, "to"),
    ({"from": "2026-11-17", "to": "2026-11-01"}, "to"),
    ({"from": "2020-01-01", "to": "2026-11-17"}, "to"),
    ({"team": "x" * 200}, "team"),
    ({"worker": "abc"}, "worker"),
    ({"worker": "99999999"}, "worker"),
    ({"worker": "-3"}, "worker"),
    ({"bucket": "hour"}, "bucket"),
])
def test_bad_filters_are_refused_next_to_their_field(args, field, world, client):
    world.login("manager")
    for path in ("/outcomes", "/outcomes/opened_within_30_minutes"):
        if field == "bucket" and path != "/outcomes":
            continue
        response = client.get(path, query_string=args)
        assert response.status_code == 422, (path, args, response.status_code)
        assert error_next_to(response.text, field)
        assert 'aria-invalid="true"' in response.text


GARBAGE = ["", " ", "-1", "9" * 40, "2026-11-17T10:00", "２０２６-１１-１７", "<script>", "' OR 1=1 --",
           "2026-00-10", "0000-01-01", "9999-12-31", "😀\u202e", "null", "²", "1" * 5000]
FIELDS = {"/outcomes": ("from", "to", "team", "worker", "bucket", "show"),
          "/outcomes/closures": ("from", "page"), "/outcomes/pack": ("period", "end")}


@pytest.mark.parametrize("value", GARBAGE)
def test_no_input_causes_a_server_error(value, world, client):
    world.login("auditor")
    for path, names in FIELDS.items():
        for name in names:
            response = client.get(path, query_string={name: value})
            assert response.status_code in (200, 422), (path, name, value, response.status_code)
    # The PDF checks the same two fields before rendering anything.
    for name in ("period", "end"):
        response = client.get("/outcomes/pack.pdf", query_string={name: value})
        assert response.status_code in (200, 422), (name, value, response.status_code)
        assert response.data.startswith(b"%PDF-") if response.status_code == 200 else response.mimetype == "text/html"


# --- the records behind a figure ------------------------------------------------------------------------

def test_the_drill_down_lists_the_records_behind_the_figure(world, app, client):
    from pwa.archive.models import ArchiveEntry
    from pwa.outcomes.definitions import BY_KEY

    world.login("executive")
    html = client.get("/outcomes/opened_within_30_minutes", query_string=PERIOD).text
    rows = re.findall(r"<tr><td class=\"meta\">.*?</tr>", html, re.S)
    assert len(rows) == 2
    by_case = {("C-NORTH" if "C-NORTH" in r else "C-SOUTH"): r for r in rows}
    on, off = BY_KEY["opened_within_30_minutes"].sides
    assert on in by_case["C-NORTH"] and 'tag ok' in by_case["C-NORTH"]
    assert off in by_case["C-SOUTH"] and 'tag warn' in by_case["C-SOUTH"]
    # Each row links to its archive entry (executives read the archive) but not to the coordinators'
    # event screen, which an executive may not open.
    with app.app_context():
        seqs = {key: db.session.scalar(sa.select(sa.func.min(ArchiveEntry.seq)).where(
            ArchiveEntry.entity == "missed_contacts", ArchiveEntry.entity_id == event_id))
            for key, event_id in world.ids.items()}
        db.session.remove()
    assert f'href="/archive/entries/{seqs["north"]}"' in by_case["C-NORTH"]
    assert f'href="/archive/entries/{seqs["south"]}"' in by_case["C-SOUTH"]
    assert "/missed-contacts/" not in html
    # A team filter narrows the records too.
    south = client.get("/outcomes/opened_within_30_minutes", query_string={**PERIOD, "team": "South"}).text
    assert "C-SOUTH" in south and "C-NORTH" not in south
    # An auditor may open the archive; a quality lead too; the same page for a governance lead.
    world.login("governance_lead")
    assert f'href="/archive/entries/{seqs["north"]}"' in client.get(
        "/outcomes/opened_within_30_minutes", query_string=PERIOD).text


def test_the_drill_down_pages(world, client):
    world.login("executive")
    first = client.get("/outcomes/opened_within_30_minutes", query_string={**PERIOD, "page": "1"})
    assert first.status_code == 200 and "Next 50" not in first.text
    beyond = client.get("/outcomes/opened_within_30_minutes", query_string={**PERIOD, "page": "5"})
    assert beyond.status_code == 200 and "No record behind this figure" in beyond.text
    assert "Previous 50" in beyond.text


# --- the governance review pack ------------------------------------------------------------------------------

def _breached(app):
    """The South event's 1a record (opened late) and its archive entry."""
    from pwa.archive.models import ArchiveEntry
    from pwa.intake.models import MissedContact

    with app.app_context():
        event = db.session.scalar(sa.select(MissedContact).where(MissedContact.control_status == "breached"))
        entry = db.session.scalar(sa.select(ArchiveEntry).where(ArchiveEntry.entity == "missed_contacts",
                                                                ArchiveEntry.entity_id == event.id)
                                  .order_by(ArchiveEntry.seq).limit(1))
        result = (event.case.case_ref, entry.seq, entry.hash)
        db.session.remove()
    return result


def _expected_sample(app, first: date, last: date) -> dict[str, list[str]]:
    """The pack's sample recomputed independently: per folder, the 3 entries of the period with the
    smallest SHA-256 of "continuity-pack|first|last|seq"."""
    from pwa.archive.models import ArchiveEntry
    from pwa.dashboard.pack import PackPeriod

    seed = f"continuity-pack|{first.isoformat()}|{last.isoformat()}"
    with app.app_context():
        period = PackPeriod("week", first, last)
        rows = db.session.execute(sa.select(ArchiveEntry.folder, ArchiveEntry.seq, ArchiveEntry.hash).where(
            ArchiveEntry.server_time >= period.start, ArchiveEntry.server_time < period.end)).all()
        db.session.remove()
    by_folder: dict[str, list] = {}
    for folder, seq, digest in rows:
        by_folder.setdefault(folder, []).append((hashlib.sha256(f"{seed}|{seq}".encode()).hexdigest(), digest))
    return {folder: [d for _k, d in sorted(items)[:3]] for folder, items in by_folder.items()}


def test_the_pack_holds_the_figures_breaches_escalations_and_archive_hashes(world, app, client):
    from pwa.escalations.models import Escalation
    from pwa.outcomes.definitions import FIGURES

    world.login("auditor")
    response = client.get("/outcomes/pack", query_string={"period": "week", "end": TODAY.isoformat()})
    assert response.status_code == 200
    html = response.text
    assert "Week 11 – 17 November 2026" in html
    for figure in FIGURES:
        assert figure.label in html and str(escape(figure.definition)) in html
    case_ref, seq, digest = _breached(app)
    breaches = html[html.index('id="s4"'):html.index('id="s5"')]
    assert case_ref in breaches and digest in breaches and f"/archive/entries/{seq}" in breaches
    assert "1a · Missed-contact event opened" in breaches
    for folder, hashes in _expected_sample(app, TODAY - timedelta(days=6), TODAY).items():
        for h in hashes:
            assert h in html, f"sampled entry of {folder} missing"
    assert "Hash chain intact" in html and "flask --app wsgi audit verify" in html
    with app.app_context():
        raised = db.session.scalar(sa.select(sa.func.count()).select_from(Escalation))
        db.session.remove()
    assert f"{raised} escalation" in html


def test_the_pack_refuses_a_bad_period_next_to_the_field(world, client):
    world.login("director")
    for args, field in (({"period": "year"}, "period"), ({"end": "2026-13-01"}, "end"),
                        ({"end": "2026-12-25"}, "end")):  # after today
        for path in ("/outcomes/pack", "/outcomes/pack.pdf"):
            response = client.get(path, query_string=args)
            assert response.status_code == 422, (path, args)
            assert response.mimetype == "text/html"
            assert error_next_to(response.text, field)


@pytest.mark.skipif(not shutil.which("pdftotext"), reason="pdftotext (poppler-utils) is not installed")
def test_the_pdf_pack_is_a_real_pdf_with_the_figures(world, app, client, tmp_path):
    world.login("executive")
    response = client.get("/outcomes/pack.pdf", query_string={"period": "week", "end": TODAY.isoformat()})
    assert response.status_code == 200
    assert response.mimetype == "application/pdf"
    assert response.data.startswith(b"%PDF-") and b"%%EOF" in response.data[-1024:]
    disposition = response.headers["Content-Disposition"]
    assert "attachment" in disposition and "week-2026-11-11-to-2026-11-17" in disposition
    path = tmp_path / "pack.pdf"
    path.write_bytes(response.data)
    text = subprocess.run(["pdftotext", "-layout", str(path), "-"], capture_output=True, text=True,
                          check=True).stdout
    assert "Governance review pack" in text.replace("GOVERNANCE REVIEW PACK", "Governance review pack")
    assert "Events opened within 30 minutes" in text
    assert "1 of 2: opened in time" in text
    assert "Hash chain intact" in text
    case_ref, seq, digest = _breached(app)
    flat = "".join(text.split())
    assert case_ref in flat and f"#{seq}" in flat and digest in flat
    pages = subprocess.run(["pdfinfo", str(path)], capture_output=True, text=True).stdout
    assert re.search(r"Pages:\s+\d+", pages) and "A4" in pages


def test_pdf_rendering_fetches_nothing_but_the_apps_own_static_files(app, monkeypatch, caplog):
    from pwa.dashboard import pack

    def no_network(*args, **kwargs):
        raise AssertionError("the PDF renderer tried to open a network connection")

    monkeypatch.setattr(socket.socket, "connect", no_network)
    monkeypatch.setattr(socket, "create_connection", no_network)
    html = ('<html><head><link rel="stylesheet" href="/static/css/app.css">'
            '<link rel="stylesheet" href="https://cdn.example.org/x.css"></head><body>'
            '<img src="http://127.0.0.1:9/tracker.png"><img src="file:///etc/passwd">'
            '<img src="/static/../pwa/__init__.py"><p>Pack body</p></body></html>')
    with app.test_request_context():
        body = pack.render_pdf(html, base_url="http://continuity.test/")
        fetcher = pack._fetcher_class()(app.static_folder, "/static/")
        served = fetcher.fetch("http://continuity.test/static/css/app.css")
        assert served.read().startswith(b"/*")
        for url in ("https://cdn.example.org/x.css", "file:///etc/passwd", "http://continuity.test/wsgi.py",
                    "http://continuity.test/static/../../wsgi.py", "ftp://example.org/x"):
            with pytest.raises(ValueError):
                fetcher.fetch(url)
    assert body.startswith(b"%PDF-")
