// Debian's Chromium driven by playwright-core, and the per-page checks: a full-page screenshot and axe-core.

import { chromium } from "playwright-core";
import { AxeBuilder } from "@axe-core/playwright";
import { existsSync, mkdirSync, rmSync } from "node:fs";
import path from "node:path";
import { REPO_ROOT } from "./server.mjs";

export const CHROMIUM_ARGS = [
  "--headless",
  "--no-sandbox",
  "--disable-gpu",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
  "--no-first-run",
];

export function chromiumPath() {
  const p = process.env.RSOLV_CHROMIUM || "/usr/bin/chromium";
  if (!existsSync(p)) throw new Error(`no Chromium at ${p} (apt-get install chromium, or set RSOLV_CHROMIUM)`);
  return p;
}

export function launchBrowser() {
  return chromium.launch({ executablePath: chromiumPath(), args: CHROMIUM_ARGS, headless: true });
}

/** test-artifacts/browser/<backend>/ at the repository root, emptied once per run. */
export function artifactsDir(backend) {
  const dir = path.join(REPO_ROOT, "test-artifacts", "browser", backend);
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  return dir;
}

const BLOCKING = new Set(["serious", "critical"]);

function describeViolations(violations) {
  return violations
    .map((v) => {
      const nodes = v.nodes
        .slice(0, 8)
        .map((n) => {
          const summary = (n.failureSummary || "").split("\n").map((l) => `        ${l}`).join("\n");
          return `      at ${n.target.join(" ")}\n        ${n.html.slice(0, 200)}\n${summary}`;
        })
        .join("\n");
      const more = v.nodes.length > 8 ? `\n      ... and ${v.nodes.length - 8} more` : "";
      return `  [${v.impact}] ${v.id}: ${v.help}\n    ${v.helpUrl}\n${nodes}${more}`;
    })
    .join("\n");
}

/**
 * Checks the page a person now sees: saves `<dir>/<name>.png` (full page) and runs axe-core. Throws, listing them,
 * on any serious or critical violation; prints the minor and moderate ones.
 */
export async function checkPage(page, dir, name) {
  await page.waitForLoadState("load");
  await page.screenshot({ path: path.join(dir, `${name}.png`), fullPage: true });
  const results = await new AxeBuilder({ page }).analyze();
  const blocking = results.violations.filter((v) => BLOCKING.has(v.impact));
  const minor = results.violations.filter((v) => !BLOCKING.has(v.impact));
  if (minor.length) console.log(`axe (${name}, ${page.url()}): not blocking:\n${describeViolations(minor)}`);
  if (blocking.length)
    throw new Error(`axe-core found serious or critical violations on "${name}" (${page.url()}):\n${describeViolations(blocking)}`);
  return results;
}
