"""What a page must satisfy on a phone or tablet, measured in the browser:

- axe-core (pinned in package.json, copied by scripts/vendor.mjs to tests/browser/vendor/) finds no violation;
- no text in <main> is drawn under 16 px;
- every interactive element is at least 44x44 px, or spaced as WCAG 2.2 2.5.8 allows: a smaller target
  (24x24 at the least) whose 44x44 square around its centre touches no other target;
- the page does not scroll sideways.

Walk.check(page, name) runs all four on a screen; Walk.assert_clean() fails naming each problem and its screen."""
from pathlib import Path

AXE = Path(__file__).parent / "vendor" / "axe.min.js"
MIN_TEXT_PX = 16
TARGET_PX = 44
SMALLEST_PX = 24

# Every text node's element inside <main> (visible, not screen-reader-only), with its computed size.
SMALL_TEXT = """(min) => {
  const out = [];
  const walker = document.createTreeWalker(document.querySelector('main'), NodeFilter.SHOW_TEXT);
  while (walker.nextNode()) {
    const node = walker.currentNode;
    if (!node.textContent.trim()) continue;
    const el = node.parentElement;
    if (el.closest('.visually-hidden, [hidden], template, script, style')) continue;
    const rects = Array.from(el.getClientRects()).filter(r => r.width > 0 && r.height > 0);
    if (!rects.length) continue;
    const size = parseFloat(getComputedStyle(el).fontSize);
    if (size < min - 0.01) out.push(el.tagName.toLowerCase() + (el.className && el.className.baseVal === undefined ? '.' + el.className.split(' ').join('.') : '')
                                    + ' ' + size.toFixed(1) + 'px: ' + node.textContent.trim().slice(0, 40));
  }
  return Array.from(new Set(out));
}"""

# The tap targets: a radio or checkbox counts as the label around it (the label is what is tapped).
TARGETS = """([full, smallest]) => {
  const seen = new Set(), boxes = [];
  const nodes = document.querySelectorAll('a[href], button, input:not([type=hidden]), select, textarea, summary, [role=button], [tabindex]:not([tabindex="-1"])');
  for (let el of nodes) {
    if ((el.type === 'radio' || el.type === 'checkbox') && el.closest('label')) el = el.closest('label');
    if (seen.has(el)) continue;
    seen.add(el);
    if (el.closest('[hidden], .visually-hidden') || el.classList.contains('skip-link')) continue;
    const s = getComputedStyle(el);
    if (s.visibility === 'hidden' || s.display === 'none') continue;
    const r = el.getBoundingClientRect();
    if (r.width === 0 || r.height === 0) continue;
    boxes.push({el, r, name: el.tagName.toLowerCase() + ' "' + (el.innerText || el.value || el.getAttribute('aria-label') || el.name || '').trim().slice(0, 30) + '"'});
  }
  const problems = [];
  for (const b of boxes) {
    const {r} = b;
    if (r.width >= full - 0.5 && r.height >= full - 0.5) continue;
    const size = Math.round(r.width) + 'x' + Math.round(r.height);
    if (r.width < smallest - 0.5 || r.height < smallest - 0.5) { problems.push(b.name + ' is ' + size); continue; }
    const cx = r.left + r.width / 2, cy = r.top + r.height / 2, h = full / 2;
    const zone = {left: Math.min(r.left, cx - h), right: Math.max(r.right, cx + h), top: Math.min(r.top, cy - h), bottom: Math.max(r.bottom, cy + h)};
    const near = boxes.find(o => o !== b && !o.el.contains(b.el) && !b.el.contains(o.el)
      && o.r.left < zone.right && o.r.right > zone.left && o.r.top < zone.bottom && o.r.bottom > zone.top);
    if (near) problems.push(b.name + ' is ' + size + ' and within ' + full + 'px of ' + near.name);
  }
  return problems;
}"""


def axe_violations(page) -> list[str]:
    assert AXE.is_file(), f"{AXE} is missing: run `make setup` (node scripts/vendor.mjs copies axe-core)"
    if not page.evaluate("typeof window.axe !== 'undefined'"):
        page.add_script_tag(path=str(AXE))
    result = page.evaluate("axe.run(document, {resultTypes: ['violations']})")
    return [f"{v['id']} ({v['impact']}): {v['help']} — " + "; ".join(n["target"][0] if isinstance(n["target"][0], str) else str(n["target"]) for n in v["nodes"][:4])
            for v in result["violations"]]


def problems_of(page, name: str) -> list[str]:
    """Every problem of the page as it is now, each line naming the page."""
    problems = [f"axe: {v}" for v in axe_violations(page)]
    problems += [f"small text: {t}" for t in page.evaluate(SMALL_TEXT, MIN_TEXT_PX)]
    problems += [f"small target: {t}" for t in page.evaluate(TARGETS, [TARGET_PX, SMALLEST_PX])]
    width = page.evaluate("document.documentElement.scrollWidth")
    if width > page.viewport_size["width"]:
        problems.append(f"overflow: the page is {width}px wide on a {page.viewport_size['width']}px screen")
    return [f"{name}: {p}" for p in problems]


class Walk:
    """A walk through screens: check(page, name) audits the page and keeps its problems, so that one run
    lists every screen's; assert_clean() fails with all of them."""

    def __init__(self, snap):
        self.snap, self.problems, self.pages = snap, [], []

    def check(self, page, name: str) -> None:
        page.evaluate("window.scrollTo(0, 0)")
        self.snap(page, f"audit-{name}")
        self.pages.append(name)
        self.problems += problems_of(page, name)

    def assert_clean(self):
        assert not self.problems, f"{len(self.problems)} problem(s) on {len(self.pages)} screens:\n" + "\n".join(self.problems)
