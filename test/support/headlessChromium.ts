/**
 * Debian's chromium, headless, driven over the DevTools protocol by playwright-core (which
 * brings no browser of its own): opens a page and reports what a user's browser would have
 * shown and complained about. .ci/run installs chromium when /usr/bin/chromium is missing.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { pathToFileURL } from "node:url";
import { chromium } from "playwright-core";

export const CHROMIUM = "/usr/bin/chromium";

/** The flags the team agreed on: no sandbox (containers), no GPU, and nothing fetched in the background. */
const FLAGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--no-first-run", "--disable-sync"];

export interface PageVisit {
  /** Console messages of type error, and uncaught page errors. */
  errors: string[];
  /** Every URL the page requested besides the file itself. */
  requests: string[];
  /** What the page computes in the browser, from `inspect`. */
  found: unknown;
}

export async function visitFile<T>(file: string, inspect: () => T, screenshot?: string): Promise<PageVisit & { found: T }> {
  const profile = mkdtempSync(path.join(tmpdir(), "chromium-profile-"));
  const context = await chromium.launchPersistentContext(profile, { executablePath: CHROMIUM, headless: true, args: FLAGS, viewport: { width: 1280, height: 900 } });
  try {
    const page = context.pages()[0] ?? (await context.newPage());
    const errors: string[] = [];
    const requests: string[] = [];
    const url = pathToFileURL(file).href;
    page.on("console", (m) => {
      if (m.type() === "error") errors.push(m.text());
    });
    page.on("pageerror", (e) => errors.push(e.message));
    page.on("request", (r) => {
      if (r.url() !== url) requests.push(r.url());
    });
    await page.goto(url, { waitUntil: "load" });
    const found = await page.evaluate(inspect);
    if (screenshot) await page.screenshot({ path: screenshot, fullPage: true });
    return { errors, requests, found };
  } finally {
    await context.close();
    rmSync(profile, { recursive: true, force: true });
  }
}
