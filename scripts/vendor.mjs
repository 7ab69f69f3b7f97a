// Copies the front-end files the pages load from node_modules into pwa/static/vendor/
// (ignored by git): the app serves them itself because the CSP allows no CDN.
import { copyFileSync, mkdirSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const files = {
  "htmx.org/dist/htmx.min.js": "htmx.min.js",
  "idb/build/umd.js": "idb.umd.js",
};
// Not served to pages: the browser tests inject axe-core (accessibility rules) into the pages they audit.
const testFiles = { "axe-core/axe.min.js": "axe.min.js" };
const target = join(root, "pwa", "static", "vendor");
mkdirSync(target, { recursive: true });
for (const [from, to] of Object.entries(files)) {
  copyFileSync(join(root, "node_modules", from), join(target, to));
}
const testTarget = join(root, "tests", "browser", "vendor");
mkdirSync(testTarget, { recursive: true });
for (const [from, to] of Object.entries(testFiles)) {
  copyFileSync(join(root, "node_modules", from), join(testTarget, to));
}
console.log(`vendor: ${Object.keys(files).length} file(s) copied to pwa/static/vendor/`);
