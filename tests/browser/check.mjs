// Loads each of thbwatch's pages in the Debian chromium (headless, through
// playwright-core) at a desktop and a phone width: saves a full-page
// screenshot of each, and fails on a console error, an uncaught error, a
// failed request or an accessibility violation found by axe-core.
//
//   node check.mjs CHROMIUM BASE_URL SCREENSHOT_DIR PATH...
//
// Prints one line per page and width; exits 1 when anything failed.
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import path from "node:path";
import { chromium } from "playwright-core";

const require = createRequire(import.meta.url);
const axeSource = readFileSync(require.resolve("axe-core/axe.min.js"), "utf8");

const [executablePath, base, shots, ...paths] = process.argv.slice(2);
const widths = [
  { name: "desktop", viewport: { width: 1280, height: 900 }, isMobile: false },
  { name: "phone", viewport: { width: 390, height: 844 }, isMobile: true },
];

const browser = await chromium.launch({
  executablePath,
  args: ["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage"],
});
let failed = false;
for (const width of widths) {
  const context = await browser.newContext({
    viewport: width.viewport,
    isMobile: width.isMobile,
    deviceScaleFactor: 1,
  });
  for (const page_path of paths) {
    const page = await context.newPage();
    const problems = [];
    page.on("console", (m) => {
      if (m.type() === "error") problems.push(`console ${m.type()}: ${m.text()}`);
    });
    page.on("pageerror", (e) => problems.push(`uncaught: ${e.message}`));
    page.on("requestfailed", (r) => problems.push(`request failed: ${r.url()} ${r.failure()?.errorText}`));
    page.on("response", (r) => {
      if (r.status() >= 400) problems.push(`HTTP ${r.status()}: ${r.url()}`);
    });
    const response = await page.goto(base + page_path, { waitUntil: "load" });
    if (!response || response.status() !== 200) problems.push(`status ${response && response.status()}`);
    // Is anything wider than the screen (a phone must not scroll sideways)?
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
    if (overflow > 1) problems.push(`the page is ${overflow}px wider than the window`);
    // axe is evaluated through the DevTools protocol, which the page's
    // Content-Security-Policy does not govern.
    await page.evaluate(axeSource);
    const result = await page.evaluate(() =>
      window.axe.run(document, { runOnly: { type: "tag", values: ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "best-practice"] } }),
    );
    for (const v of result.violations) {
      const where = v.nodes.slice(0, 3).map((n) => n.target.join(" ")).join("; ");
      problems.push(`axe ${v.id} (${v.impact}): ${v.help} at ${where}`);
    }
    const name = (page_path.replace(/^\//, "").replace(/[^A-Za-z0-9.-]+/g, "_") || "home") + `-${width.name}.png`;
    const file = path.join(shots, name);
    await page.screenshot({ path: file, fullPage: true });
    console.log(`${problems.length ? "FAIL" : "ok"} ${width.name} ${page_path} -> ${file} (${result.passes.length} axe rules passed)`);
    for (const p of problems) console.log(`    ${p}`);
    failed ||= problems.length > 0;
    await page.close();
  }
  await context.close();
}
await browser.close();
process.exit(failed ? 1 : 0);
