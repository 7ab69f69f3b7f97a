"""The other screens at phone size (390x844) with the demo organisation: a manager's escalation
inbox (acknowledging the demo's E2 with a note), the archive as the attendance supervisor, and
an outreach worker's recovery list. Screenshots go to test-artifacts/."""
import re

from playwright.sync_api import expect

from .pages import assert_no_overflow, header_kept, mark_header, sign_in


def test_manager_acknowledges_e2_with_a_note(phone_page, shoot):
    page = phone_page
    sign_in(page, "mona")
    expect(page).to_have_url(re.compile(r"/escalations$"))
    badge = page.locator("header nav .badge")
    before = int(badge.inner_text())
    # The demo's E2: case C-1010, confirmed with two unresolved dependencies and awaiting release (the
    # demo's history has E2s of its own, all acknowledged weeks ago).
    e2 = page.locator("main article.item.esc").filter(
        has_text="Person refusal confirmed with unresolved dependencies (E2)").filter(has_text="case C-1010")
    expect(e2).to_have_count(1)
    expect(e2.get_by_label("Acknowledgement note")).to_be_visible()
    shoot(page, "10-escalations")
    assert_no_overflow(page)

    mark_header(page)
    e2.get_by_role("button", name="Acknowledge").click()  # no note: refused next to the field
    expect(e2.locator("p.error")).to_be_visible()
    expect(e2.get_by_label("Acknowledgement note")).to_have_attribute("aria-invalid", "true")
    expect(page.locator("header nav [aria-current]")).to_have_text(re.compile("^Escalations"))
    shoot(page, "11-escalation-note-missing")

    e2.get_by_label("Acknowledgement note").fill(
        "Checked the two open dependencies with the team; release can go ahead.")
    e2.get_by_role("button", name="Acknowledge").click()
    expect(page.get_by_role("status")).to_have_text("Acknowledged.")
    expect(e2).to_have_count(0)
    done = page.locator("main article.item.compact").filter(has_text="Checked the two open dependencies")
    expect(done).to_have_count(1)
    expect(done).to_contain_text("Person refusal confirmed with unresolved dependencies (E2)")
    expect(done).to_contain_text("Mona Reyes")
    assert header_kept(page)
    if before > 1:
        expect(badge).to_have_text(str(before - 1))  # the header's count follows (out-of-band nav)
    else:
        expect(badge).to_have_count(0)
    shoot(page, "12-escalation-acknowledged")
    assert_no_overflow(page)
    page.console.assert_clean()


def test_archive_folders_folder_and_entry(phone_page, shoot):
    page = phone_page
    sign_in(page, "sam")
    page.locator("header nav").get_by_role("link", name="Archive").click()
    expect(page.get_by_role("heading", name="Archive", exact=True)).to_be_visible()
    folders = page.locator("ul.folders li")
    assert folders.count() >= 10
    shoot(page, "13-archive-folders")
    assert_no_overflow(page)

    page.get_by_role("link", name="Missed-contact folder").click()
    expect(page.get_by_role("heading", name="Missed-contact folder")).to_be_visible()
    rows = page.locator("table.records tbody tr")
    assert rows.count() >= 10
    shoot(page, "14-archive-folder")
    assert_no_overflow(page)

    case_ref = rows.first.locator("td").nth(4).inner_text().strip()
    page.get_by_label("Case reference").fill(case_ref)
    page.get_by_role("button", name="Filter").click()
    expect(page).to_have_url(re.compile(r"case_ref=" + case_ref))
    for cell in page.locator("table.records tbody tr td:nth-child(5)").all_inner_texts():
        assert cell.strip() == case_ref

    rows.first.locator("a").first.click()
    expect(page.get_by_role("heading", name=re.compile(r"^Archive entry \d+$"))).to_be_visible()
    expect(page.locator("dd.hash")).to_have_count(2)
    expect(page.locator(".summary")).to_contain_text(case_ref)
    expect(page.locator("pre.record")).to_contain_text("\"status\"")
    shoot(page, "15-archive-entry")
    assert_no_overflow(page)
    page.console.assert_clean()


def test_outreach_worker_recovery_list(phone_page, shoot):
    page = phone_page
    sign_in(page, "olu")
    expect(page).to_have_url(re.compile(r"/recovery$"))
    current = page.locator("header nav [aria-current=page]").inner_text()  # "My day"
    expect(page.locator("main h1")).to_have_text(current)
    cases = page.locator("main article.item")
    assert cases.count() >= 1
    # High-risk first, then nearest deadline.
    risk = [c.get_attribute("class").split().count("high") for c in cases.all()]
    assert risk == sorted(risk, reverse=True), risk
    shoot(page, "16-recovery-list")
    assert_no_overflow(page)
    page.console.assert_clean()
