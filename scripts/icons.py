"""Draw the PNG app icons from our own artwork (pwa/static/icons/icon.svg) with Debian's chromium.

    .venv/bin/python scripts/icons.py

writes pwa/static/icons/icon-192.png, icon-512.png (rounded, as drawn), icon-maskable-512.png (full-bleed
square, the mark inside the 80 % safe circle that launchers may crop to) and apple-touch-icon.png (180,
full-bleed: iOS rounds the corners itself). The PNGs are committed; run this again after changing the SVG.
"""
import os
import re
import sys
from pathlib import Path

ICONS = Path(__file__).resolve().parents[1] / "pwa" / "static" / "icons"
CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
BRAND = "#1f4e5f"


def full_bleed(svg: str, scale: float) -> str:
    """The mark on a square background with no rounded corners, shrunk to `scale` around the centre."""
    mark = re.search(r"<path[^>]*/>", svg).group(0)
    offset = 96 * (1 - scale)
    return ('<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 192 192">'
            f'<rect width="192" height="192" fill="{BRAND}"/>'
            f'<g transform="translate({offset} {offset}) scale({scale})">{mark}</g></svg>')


def main() -> int:
    from playwright.sync_api import sync_playwright

    svg = (ICONS / "icon.svg").read_text()
    jobs = [("icon-192.png", 192, svg, True), ("icon-512.png", 512, svg, True),
            ("icon-maskable-512.png", 512, full_bleed(svg, 0.72), False),
            ("apple-touch-icon.png", 180, full_bleed(svg, 0.86), False)]
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox", "--disable-gpu"])
        for name, size, source, transparent in jobs:
            page = browser.new_page(viewport={"width": size, "height": size}, device_scale_factor=1)
            page.set_content("<!doctype html><html><body style='margin:0;background:transparent'>"
                             f"<div style='width:{size}px;height:{size}px'>{source}</div></body></html>")
            page.eval_on_selector("svg", "(el, size) => { el.setAttribute('width', size); "
                                         "el.setAttribute('height', size); el.style.display = 'block'; }", size)
            page.screenshot(path=str(ICONS / name), omit_background=transparent,
                            clip={"x": 0, "y": 0, "width": size, "height": size})
            page.close()
            print(f"wrote {ICONS / name}")
        browser.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
