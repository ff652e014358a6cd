/** The config validator used by the `configure` update: every issue names the field, the value and what was expected. */
import { describe, expect, it } from "vitest"
import { defaultCampaignConfig, formatIssues, validateCampaignConfig } from "../src/CampaignConfig.ts"

describe("validateCampaignConfig", () => {
  it("accepts the default config", () => {
    expect(validateCampaignConfig(defaultCampaignConfig)).toEqual({ ok: true, config: defaultCampaignConfig })
  })

  it("reports every problem at once, each with the field, the bad value and the expectation", () => {
    const r = validateCampaignConfig({
      ...defaultCampaignConfig,
      timeZone: "Mars/Olympus_Mons",
      windows: [{ days: [0, 8], start: "9am", end: "17:00" }, { days: [1], start: "18:00", end: "09:00" }],
      pacing: "telepathic",
      maxAttempts: 0,
      abandonLimit: 0.5,
      retryDelaySeconds: -1
    })
    expect(r.ok).toBe(false)
    if (r.ok) return
    expect(r.issues.map((i) => i.path)).toEqual([
      "timeZone", "windows[0].days", "windows[0].start", "windows[1].end", "pacing", "maxAttempts", "retryDelaySeconds", "abandonLimit"
    ])
    const text = formatIssues(r.issues)
    expect(text).toContain("timeZone: got \"Mars/Olympus_Mons\", expected an IANA time zone")
    expect(text).toContain("windows[0].start: got \"9am\", expected a time \"HH:MM\" or \"HH:MM:SS\"")
    expect(text).toContain("windows[1].end: got \"09:00\", expected a time after start \"18:00\"")
    expect(text).toContain("pacing: got \"telepathic\", expected one of preview, progressive, predictive, agentless")
    expect(text).toContain("abandonLimit: got 0.5, expected a fraction in (0, 0.2]")
  })

  it("refuses non-objects and missing fields", () => {
    expect(validateCampaignConfig(null)).toEqual({ ok: false, issues: [{ path: "config", value: null, expected: "an object" }] })
    const r = validateCampaignConfig({})
    expect(r.ok).toBe(false)
    if (!r.ok) expect(formatIssues(r.issues)).toContain("maxAttempts: got missing, expected an integer from 1 to 100")
  })
})
