"""The one CSV writer every export uses. A cell a spreadsheet would read as a formula (starting with = + - @,
a tab or a carriage return) gets a leading quote, so a device id or a team name typed as `=HYPERLINK(...)`
opens as text (OWASP: CSV injection)."""
import csv
import io
from collections.abc import Iterable

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def safe_cell(value):
    """A cell as written to CSV: None empty, text that could start a formula quoted."""
    if value is None:
        return ""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def csv_text(header: list[str], rows: Iterable[list]) -> str:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(header)
    for row in rows:
        writer.writerow([safe_cell(cell) for cell in row])
    return out.getvalue()
