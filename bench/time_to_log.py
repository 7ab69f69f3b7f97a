"""Time to log the common attempt (a phone call nobody answered) on a phone, counted in taps and keystrokes.

The demo organisation on a local server, Debian's chromium at 390x844: olu opens a case of My day and logs
"phone call, no answer" the shortest way the form allows: it taps the common answer (phone call, no answer,
no barrier, nothing offered) of every question the form does not already answer that way (opening a
closed disclosure costs a tap), then "Save attempt"; should the server still ask for something, it taps
that and saves again. It prints the taps, the keystrokes, the
height of the form and how far the thumb scrolls from the first question to "Save attempt".

    .venv/bin/python bench/time_to_log.py                      # this tree
    PYTHONPATH=/path/to/other/tree .venv/bin/python bench/time_to_log.py   # another version of the app
"""
import os
import re
import sys
import tempfile
from pathlib import Path

from live_demo import CHROMIUM_ARGS, PHONE, serve, sign_in

CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
COMMON = {"channel": "phone_call", "outcome": "no_answer", "barrier_signal": "none", "rescue_option": "none_offered"}


def main() -> None:
    from playwright.sync_api import sync_playwright

    import pwa
    source = Path(pwa.__file__).resolve().parents[1]
    with tempfile.TemporaryDirectory() as folder, sync_playwright() as pw:
        server, base = serve(Path(folder))
        browser = pw.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        page = browser.new_context(base_url=base, **PHONE).new_page()
        sign_in(page, "olu")
        cards = page.locator("main article.item").filter(has=page.locator(".item-head .status", has_text=re.compile("^Open$")))
        page.goto(cards.first.locator(".item-head a").first.get_attribute("href"))
        form = page.locator("form[data-outbox=attempt]")
        form.wait_for()
        height = form.bounding_box()["height"]
        first = form.locator("fieldset, .field").first.bounding_box()["y"]
        save_at = form.get_by_role("button", name="Save attempt").bounding_box()["y"]
        taps = keys = 0
        answered = set()

        def tap(name):
            nonlocal taps
            box = form.locator(f"input[name={name}][value={COMMON[name]}]")
            if not box.is_visible():  # inside a closed disclosure: one tap to open it
                box.locator("xpath=ancestor::details[1]/summary").tap()
                taps += 1
            box.tap()
            taps += 1
            answered.add(name)

        for name in COMMON:  # what the form does not already say
            if not form.locator(f"input[name={name}][value={COMMON[name]}]").is_checked():
                tap(name)
        for _round in range(6):
            with page.expect_response(lambda r: r.request.method == "POST"):
                form.get_by_role("button", name="Save attempt").tap()
            taps += 1
            page.wait_for_function("() => !document.querySelector('.htmx-request, .htmx-settling, .htmx-swapping')")
            if page.get_by_role("status").filter(has_text="Attempt saved").count():
                break
            form = page.locator("form[data-outbox=attempt]")
            missing = [name for name in COMMON if form.locator(f"#{name}-error").count() and name not in answered]
            if not missing:
                raise SystemExit("the attempt was refused for a reason the common answers do not cover: "
                                 + " | ".join(page.locator("main .alert").all_inner_texts()))
            for name in missing:
                tap(name)
        else:
            raise SystemExit("not saved after six rounds")
        browser.close()
        server.shutdown()
    print(f"source: {source}")
    print(f"taps: {taps}, keystrokes: {keys}")
    print(f"attempt form: {height:.0f} px tall at 390x844; first question to Save attempt: {save_at - first:.0f} px of scrolling")


if __name__ == "__main__":
    sys.exit(main())
