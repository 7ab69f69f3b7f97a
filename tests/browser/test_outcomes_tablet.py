"""The outcomes dashboard on a tablet (1024x768) in Debian's chromium, as the demo executive evan: the tiles
in two columns, a filter changed (boosted by htmx, the address follows), a table behind a chart opened, a
figure drilled into; no CSP violation. Screenshots: test-artifacts/outcomes-tablet-*.png, and the first page
of the PDF governance pack rasterised with pdftoppm into test-artifacts/outcomes-pack-page1.png."""
import re
import shutil
import subprocess

import pytest
from playwright.sync_api import expect

from .pages import TABLET, header_kept, mark_header, sign_in



@pytest.fixture
def tablet_page(open_page):
    return open_page(TABLET, timeout_ms=15_000)


def test_outcomes_dashboard_on_a_tablet(tablet_page, snap):
    page = tablet_page
    sign_in(page, "evan")
    page.locator("header nav").get_by_role("link", name="Outcomes").click()
    expect(page).to_have_url(re.compile(r"/outcomes$"))
    expect(page.get_by_role("heading", name="Outcomes", exact=True)).to_be_visible()

    # Headline tiles, two to a row at tablet width, each with a value, a sparkline and its drill-down.
    tiles = page.locator("article.tile")
    assert tiles.count() >= 12
    first, second = tiles.nth(0).bounding_box(), tiles.nth(1).bounding_box()
    assert abs(first["y"] - second["y"]) < 2 and second["x"] > first["x"] + first["width"] - 2, "not two columns"
    assert 400 < first["width"] < 520
    expect(tiles.first.locator(".tile-value")).to_have_text(re.compile(r"\d+(\.\d)?%"))
    expect(tiles.first.locator("svg[role=img]")).to_be_visible()
    expect(tiles.first.get_by_role("link", name=re.compile("Records behind this figure"))).to_be_visible()
    charts = page.locator("figure.chart-card")
    assert charts.count() >= 8
    # Nothing wider than the tablet.
    assert page.evaluate("document.documentElement.scrollWidth") <= 1024
    snap(page, "outcomes-tablet-01-dashboard")

    # A filter: team North. The form is boosted (header kept), the address carries the filters.
    mark_header(page)
    page.get_by_label("Team", exact=True).select_option("North")
    page.get_by_role("button", name="Show", exact=True).click()
    expect(page).to_have_url(re.compile(r"/outcomes\?.*team=North"))
    expect(page.locator(".period-line")).to_contain_text("North")
    assert header_kept(page), "the filter reloaded the whole page instead of swapping the content"
    expect(page.get_by_label("Team", exact=True)).to_have_value("North")

    # The table behind a chart: closed, then opened, with a row per period and linked cells.
    chart = charts.first
    table = chart.locator("details.behind table")
    expect(table).to_be_hidden()
    chart.get_by_text("Table behind this chart").click()
    expect(table).to_be_visible()
    assert table.locator("tbody tr").count() >= 2
    expect(table.locator("tbody td a").first).to_have_attribute("href", re.compile(r"/outcomes/\w+\?"))
    chart.scroll_into_view_if_needed()
    snap(page, "outcomes-tablet-02-north-table")

    # Drill down into a figure: the records behind it, each with its side, case and archive entry.
    tile = page.locator("#tile-same_day_reengagement")
    label = tile.locator(".tile-label").inner_text()
    tile.get_by_role("link", name=re.compile("Records behind this figure")).click()
    expect(page).to_have_url(re.compile(r"/outcomes/same_day_reengagement\?.*team=North"))
    expect(page.get_by_role("heading", name=label, level=1)).to_be_visible()
    rows = page.locator("table.drill tbody tr")
    expect(rows.first).to_be_visible()
    sides = set(page.locator("table.drill tbody .tag").all_inner_texts())
    assert sides <= {"reached the same day", "not reached the same day"} and sides, sides
    archive = rows.first.get_by_role("link", name=re.compile(r"entry #\d+"))
    expect(archive).to_be_visible()
    snap(page, "outcomes-tablet-03-drill-down")
    archive.click()
    expect(page.get_by_role("heading", name=re.compile(r"^Archive entry \d+$"))).to_be_visible()

    page.console.assert_clean()


@pytest.mark.skipif(not shutil.which("pdftoppm"), reason="pdftoppm (poppler-utils) is not installed")
def test_the_pdf_pack_first_page(tablet_page, artifacts, snap):
    page = tablet_page
    sign_in(page, "evan")
    page.goto("/outcomes/pack?period=week")
    expect(page.get_by_role("heading", name=re.compile("missed-contact continuity governance"))).to_be_visible()
    expect(page.locator(".pack-cover")).to_contain_text("Hash chain intact")
    assert page.evaluate("document.documentElement.scrollWidth") <= 1024
    snap(page, "outcomes-tablet-04-pack")
    page.console.assert_clean()
    with page.expect_download(timeout=120_000) as download:  # a PDF takes seconds to lay out
        page.get_by_role("link", name="Download PDF").click()
    assert re.fullmatch(r"continuity-governance-pack-week-\d{4}-\d\d-\d\d-to-\d{4}-\d\d-\d\d\.pdf",
                        download.value.suggested_filename)
    pdf = artifacts / "outcomes-pack.pdf"
    download.value.save_as(pdf)
    assert pdf.read_bytes().startswith(b"%PDF-")
    prefix = artifacts / "outcomes-pack-page1"
    subprocess.run(["pdftoppm", "-png", "-r", "80", "-f", "1", "-l", "1", "-singlefile", str(pdf), str(prefix)],
                   check=True)
    png = prefix.with_suffix(".png")
    assert png.stat().st_size > 10_000
    text = " ".join(subprocess.run(["pdftotext", "-f", "1", "-l", "1", str(pdf), "-"], capture_output=True,
                                   text=True, check=True).stdout.split())
    assert "Hash chain intact" in text and "Events opened within 30 minutes" in text
