/**
 * Debian's Chromium driven by playwright-core, headless and offline-minded
 * (no background networking, no component updates), plus the accessibility
 * check (axe-core injected from the local package, never fetched) and
 * screenshots into the git-ignored `screenshots/` folder of this package.
 */
import { mkdirSync } from "node:fs"
import { createRequire } from "node:module"
import { join } from "node:path"
import { chromium, type Browser, type Page } from "playwright-core"
import { webRoot } from "./ConsoleServer.ts"

export const launch = (executablePath: string): Promise<Browser> =>
  chromium.launch({
    executablePath,
    headless: true,
    timeout: 30_000,
    args: ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
      "--disable-component-update", "--disable-sync"]
  })

export const screenshotDir = join(webRoot, "screenshots")

export const screenshot = async (page: Page, name: string): Promise<string> => {
  mkdirSync(screenshotDir, { recursive: true })
  const path = join(screenshotDir, `${name}.png`)
  await page.screenshot({ path, fullPage: true })
  return path
}

const axePath = createRequire(import.meta.url).resolve("axe-core/axe.min.js")

export interface AxeViolation { readonly id: string; readonly impact: string | null; readonly help: string; readonly nodes: ReadonlyArray<{ readonly target: ReadonlyArray<string> }> }

/** Runs axe-core (WCAG 2 A/AA rules) on the page and returns the violations of at least `serious` impact. */
export const accessibilityViolations = async (page: Page): Promise<ReadonlyArray<AxeViolation>> => {
  await page.addScriptTag({ path: axePath })
  const result = await page.evaluate(async () => {
    const axe = (globalThis as unknown as { axe: { run: (ctx: unknown, opts: unknown) => Promise<{ violations: Array<AxeViolation> }> } }).axe
    return axe.run(document, { runOnly: { type: "tag", values: ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"] } })
  })
  return result.violations
    .filter((v) => v.impact === "critical" || v.impact === "serious")
    .map((v) => ({ id: v.id, impact: v.impact, help: v.help, nodes: v.nodes.map((n) => ({ target: n.target })) }))
}
