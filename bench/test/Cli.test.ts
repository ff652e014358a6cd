import { execFile } from "node:child_process"
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { fileURLToPath } from "node:url"
import { Result } from "effect"
import { afterAll, describe, expect, it } from "vitest"
import * as Cli from "../src/Cli.ts"
import { metricKeys } from "../src/Metrics.ts"

const main = fileURLToPath(new URL("../src/main.ts", import.meta.url))
const dir = mkdtempSync(join(tmpdir(), "bench-cli-"))
afterAll(() => rmSync(dir, { recursive: true, force: true }))

const bench = (args: ReadonlyArray<string>): Promise<{ code: number; stdout: string; stderr: string }> =>
  new Promise((resolve) => {
    execFile(process.execPath, ["--conditions=@autodialer/source", main, ...args], { timeout: 120_000 }, (error, stdout, stderr) =>
      resolve({ code: error ? (typeof error.code === "number" ? error.code : 1) : 0, stdout, stderr })
    )
  })

describe("CLI arguments", () => {
  it("decodes repeatable flags and numbers", () => {
    const r = Cli.parse(["--scenario", "s1", "--scenario", "x.json", "--pacer", "power", "--seeds", "5", "--hours", "0.5"])
    expect(Result.isSuccess(r) && r.success).toMatchObject({ scenario: ["s1", "x.json"], pacer: ["power"], seeds: 5, hours: 0.5 })
  })
  it("names the flag, the value and what was expected", () => {
    const bad = Cli.parse(["--seeds", "ten"])
    expect(Result.isFailure(bad) && bad.failure.message).toMatch(/seeds/)
    const pacer = Cli.parse(["--pacer", "vicidial"])
    expect(Result.isFailure(pacer) && pacer.failure.message).toContain(`"vicidial-hard-limit"`)
    const unknown = Cli.parse(["--sceanrio", "s1"])
    expect(Result.isFailure(unknown) && unknown.failure.message).toContain("--sceanrio")
    expect(Result.isFailure(unknown) && unknown.failure.message).toContain("Usage: npm run bench")
  })
})

describe("npm run bench", () => {
  it("gives byte-identical JSON for the same command twice, in the documented shape", async () => {
    const args = ["--scenario", "s1", "--pacer", "progressive", "--pacer", "vicidial-average", "--pacer", "autodialer", "--seeds", "2", "--hours", "0.5", "--quiet"]
    const a = join(dir, "a.json")
    const b = join(dir, "b.json")
    const [ra, rb] = await Promise.all([bench([...args, "--json", a]), bench([...args, "--json", b, "--workers", "1"])])
    expect(ra.code, ra.stderr).toBe(0)
    expect(rb.code, rb.stderr).toBe(0)
    const text = readFileSync(a, "utf8")
    expect(readFileSync(b, "utf8")).toBe(text)
    expect(ra.stdout).toContain("| s1-b2c-small | progressive | 2 |")
    const json = JSON.parse(text) as { results: Array<Record<string, unknown>>; bounds: Array<Record<string, unknown>> }
    expect(Object.keys(json)).toEqual(["results", "bounds"])
    expect(json.results.map((r) => r["pacer"])).toEqual(["autodialer", "progressive", "vicidial-average"])
    for (const r of json.results) {
      expect(Object.keys(r)).toEqual(["scenario", "pacer", "seeds", ...metricKeys, "ci95"])
      expect(Object.keys(r["ci95"] as object)).toEqual([...metricKeys])
      expect(r["utilization"]).toBeGreaterThan(0.3)
      expect(r["utilization"]).toBeLessThan(1)
    }
    expect(json.bounds).toEqual([{ scenario: "s1-b2c-small", cmdpOptimal: null, cmdpFrontier: null, clairvoyant: { utilization: expect.any(Number) } }])
  }, 180_000)

  it("refuses a bad scenario file, naming the field and what to do", async () => {
    const file = join(dir, "bad.json")
    const s1 = JSON.parse(readFileSync(new URL("../scenarios/s1.json", import.meta.url), "utf8")) as Record<string, unknown>
    writeFileSync(file, JSON.stringify({ ...s1, talkSeconds: { dist: "lognormal", mean: 150 } }))
    const r = await bench(["--scenario", file, "--quiet"])
    expect(r.code).toBe(2)
    expect(r.stderr).toContain(`["talkSeconds"]`)
    expect(r.stderr).toContain("Fix the file")
    const missing = await bench(["--scenario", "s9", "--quiet"])
    expect(missing.code).toBe(2)
    expect(missing.stderr).toContain("not a built-in (s1, s2, s3, s4, s5, s6, s1m, s2m)")
  }, 60_000)
})
