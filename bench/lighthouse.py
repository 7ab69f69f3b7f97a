"""Lighthouse (12.2.3, pinned in package.json) on My day and Close the day, against Debian's chromium.

The demo organisation on a local server; Playwright signs in (olu, then sade) and hands the session
cookie to Lighthouse, which loads the page in its own chromium: My day as a phone (Lighthouse's mobile
defaults: 412x823, simulated slow 4G and a 4x slower CPU), Close the day as the supervisor's tablet
(1024x768, desktop throttling). It prints accessibility and performance scores, CLS, LCP and total
blocking time for each, and the machine's load average (the machine is shared: performance moves with it).

    .venv/bin/python bench/lighthouse.py            # --runs N: the median of N runs per page (default 3)
"""
import json
import os
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

from live_demo import CHROMIUM_ARGS, PHONE, serve, sign_in

ROOT = Path(__file__).resolve().parents[1]
LIGHTHOUSE = ROOT / "node_modules" / ".bin" / "lighthouse"
CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
PAGES = [
    ("My day (olu, phone)", "olu", "/recovery", []),
    ("Close the day (sade, tablet)", "sade", "/close-the-day",
     ["--preset=desktop", "--screenEmulation.width=1024", "--screenEmulation.height=768",
      "--screenEmulation.deviceScaleFactor=1"]),
]


def session_cookie(base: str, username: str) -> str:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        context = browser.new_context(base_url=base, **PHONE)
        sign_in(context.new_page(), username)
        cookies = "; ".join(f"{c['name']}={c['value']}" for c in context.cookies())
        browser.close()
    return cookies


def run(url: str, cookie: str, extra: list[str], out: Path) -> dict:
    subprocess.run([str(LIGHTHOUSE), url, "--quiet", "--output=json", f"--output-path={out}",
                    "--only-categories=accessibility,performance",
                    f"--chrome-flags=--headless=new {' '.join(CHROMIUM_ARGS)}",
                    "--extra-headers", json.dumps({"Cookie": cookie}), *extra],
                   check=True, env={**os.environ, "CHROME_PATH": CHROMIUM})
    report = json.loads(out.read_text())
    audits = report["audits"]
    return {"accessibility": round(report["categories"]["accessibility"]["score"] * 100),
            "performance": round(report["categories"]["performance"]["score"] * 100),
            "cls": audits["cumulative-layout-shift"]["numericValue"],
            "lcp_ms": audits["largest-contentful-paint"]["numericValue"],
            "tbt_ms": audits["total-blocking-time"]["numericValue"],
            "final_url": report["finalDisplayedUrl"]}


def main() -> None:
    runs = int(sys.argv[sys.argv.index("--runs") + 1]) if "--runs" in sys.argv else 3
    if not LIGHTHOUSE.exists():
        raise SystemExit(f"{LIGHTHOUSE} is missing: run `make setup` (npm ci installs lighthouse)")
    with tempfile.TemporaryDirectory() as folder:
        server, base = serve(Path(folder))
        try:
            for name, user, path, extra in PAGES:
                cookie = session_cookie(base, user)
                results = [run(base + path, cookie, extra, Path(folder) / f"lh-{user}-{i}.json") for i in range(runs)]
                for r in results:
                    assert r["final_url"].endswith(path), f"Lighthouse landed on {r['final_url']}, not {path}"
                median = {key: statistics.median(r[key] for r in results)
                          for key in ("accessibility", "performance", "cls", "lcp_ms", "tbt_ms")}
                load = os.getloadavg()
                print(f"{name}: accessibility {median['accessibility']:.0f}, performance {median['performance']:.0f} "
                      f"(runs: {', '.join(str(r['performance']) for r in results)}), CLS {median['cls']:.3f}, "
                      f"LCP {median['lcp_ms']:.0f} ms, TBT {median['tbt_ms']:.0f} ms; load average {load[0]:.1f}")
        finally:
            server.shutdown()


if __name__ == "__main__":
    main()
