import { describe, expect, it } from "vitest"
import { parsePgbenchTps, timeOrderedUuid } from "../src/WebhookPostgres.ts"

const output = [
  "progress: 1.0 s, 9000.0 tps, lat 1.0 ms stddev 0.2, 0 failed",
  "progress: 2.0 s, 15000.0 tps, lat 0.6 ms stddev 0.2, 0 failed",
  "progress: 3.0 s, 18000.0 tps, lat 0.5 ms stddev 0.2, 0 failed",
  "progress: 4.0 s, 20000.0 tps, lat 0.5 ms stddev 0.2, 0 failed",
  "tps = 15000.5 (without initial connection time)"
].join("\n")

describe("parsePgbenchTps", () => {
  it("averages the per-second progress after the lead-in", () => {
    expect(parsePgbenchTps(output, 2)).toBe(19000)
    expect(parsePgbenchTps(output, 0)).toBe(15500)
  })

  it("falls back to the overall figure without progress lines, and names what it could not find", () => {
    expect(parsePgbenchTps("tps = 1234.5 (without initial connection time)", 3)).toBe(1234.5)
    expect(() => parsePgbenchTps("FATAL: role does not exist", 3)).toThrow(/printed no "tps = …" line/)
  })
})

describe("timeOrderedUuid", () => {
  it("builds a version-7, RFC-variant UUID from a millisecond prefix and a seed", () => {
    const sql = timeOrderedUuid("g", "1764000000000")
    expect(sql).toContain("lpad(to_hex(1764000000000), 12, '0')")
    expect(sql).toContain("'-7'")
    expect(sql).toContain("'-8'")
    expect(sql).toMatch(/::uuid$/)
  })
})
