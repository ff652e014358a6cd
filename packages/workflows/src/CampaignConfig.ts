/**
 * The campaign configuration the workflow runs with, and its validator.
 *
 * The validator is plain TypeScript because it runs inside the workflow
 * sandbox (as the update validator of `configure`) where the Effect runtime is
 * not allowed. It reports every problem at once, each naming the field, the bad
 * value and what was expected, so an operator can fix a config in one go.
 */
import { parseTimeOfDay } from "./CallingWindow.ts"

export type PacingMode = "preview" | "progressive" | "predictive" | "agentless"
export const pacingModes: ReadonlyArray<PacingMode> = ["preview", "progressive", "predictive", "agentless"]

/** One weekly calling window in local wall-clock time. */
export interface WindowSpec {
  /** ISO weekdays the window applies to: 1 = Monday ... 7 = Sunday. */
  readonly days: ReadonlyArray<number>
  /** Local opening time, "HH:MM" or "HH:MM:SS", inclusive. */
  readonly start: string
  /** Local closing time, "HH:MM" or "HH:MM:SS", exclusive; after `start` (no midnight crossing). */
  readonly end: string
}

export interface CampaignConfig {
  /** IANA time zone of the campaign's windows and of contacts without their own zone. */
  readonly timeZone: string
  /** Weekly windows; the campaign dials only inside one. */
  readonly windows: ReadonlyArray<WindowSpec>
  readonly pacing: PacingMode
  /** Dial attempts per contact before it is final (>= 1). */
  readonly maxAttempts: number
  /** Delay before a retry becomes due (seconds, >= 0). */
  readonly retryDelaySeconds: number
  /** Abandoned / live-answered ceiling in the regulatory window, e.g. 0.03. */
  readonly abandonLimit: number
  /** Hard cap of dials in flight per logged-in agent. */
  readonly maxLinesPerAgent: number
  /** How long a dialing session may go without a heartbeat before Temporal retries it elsewhere. */
  readonly sessionHeartbeatTimeoutSeconds: number
}

export const defaultCampaignConfig: CampaignConfig = {
  timeZone: "America/New_York",
  windows: [{ days: [1, 2, 3, 4, 5], start: "09:00", end: "20:00" }, { days: [6], start: "10:00", end: "17:00" }],
  pacing: "predictive",
  maxAttempts: 3,
  retryDelaySeconds: 4 * 3600,
  abandonLimit: 0.03,
  maxLinesPerAgent: 3,
  sessionHeartbeatTimeoutSeconds: 30
}

export interface ConfigIssue {
  readonly path: string
  readonly value: unknown
  readonly expected: string
}

export type ConfigValidation =
  | { readonly ok: true; readonly config: CampaignConfig }
  | { readonly ok: false; readonly issues: ReadonlyArray<ConfigIssue> }

const show = (value: unknown): string => {
  if (value === undefined) return "missing"
  try {
    return JSON.stringify(value) ?? String(value)
  } catch {
    return String(value)
  }
}

/** One line per issue: "abandonLimit: got 0.5, expected a fraction in (0, 0.2]". */
export const formatIssues = (issues: ReadonlyArray<ConfigIssue>): string =>
  issues.map((i) => `${i.path}: got ${show(i.value)}, expected ${i.expected}`).join("; ")

/** True when the runtime (including the workflow sandbox) knows the IANA zone. */
export const isKnownTimeZone = (zone: string): boolean => {
  try {
    new Intl.DateTimeFormat("en-US", { timeZone: zone })
    return true
  } catch {
    return false
  }
}

const isRecord = (u: unknown): u is Record<string, unknown> => typeof u === "object" && u !== null && !Array.isArray(u)

const numberIn = (
  issues: Array<ConfigIssue>, path: string, value: unknown, ok: (n: number) => boolean, expected: string
): void => {
  if (typeof value !== "number" || !Number.isFinite(value) || !ok(value)) issues.push({ path, value, expected })
}

/** Validates an untrusted value as a campaign config, collecting every issue. */
export const validateCampaignConfig = (input: unknown): ConfigValidation => {
  const issues: Array<ConfigIssue> = []
  if (!isRecord(input)) return { ok: false, issues: [{ path: "config", value: input, expected: "an object" }] }
  const c = input
  if (typeof c["timeZone"] !== "string" || !isKnownTimeZone(c["timeZone"])) {
    issues.push({ path: "timeZone", value: c["timeZone"], expected: "an IANA time zone such as \"America/New_York\"" })
  }
  const windows = c["windows"]
  if (!Array.isArray(windows) || windows.length === 0) {
    issues.push({ path: "windows", value: windows, expected: "a non-empty array of {days, start, end}" })
  } else {
    windows.forEach((w: unknown, i) => {
      const at = `windows[${i}]`
      if (!isRecord(w)) {
        issues.push({ path: at, value: w, expected: "an object {days, start, end}" })
        return
      }
      const days = w["days"]
      if (!Array.isArray(days) || days.length === 0 || days.some((d) => !Number.isInteger(d) || d < 1 || d > 7)) {
        issues.push({ path: `${at}.days`, value: days, expected: "a non-empty array of ISO weekdays 1 (Mon) .. 7 (Sun)" })
      }
      const start = typeof w["start"] === "string" ? parseTimeOfDay(w["start"]) : undefined
      const end = typeof w["end"] === "string" ? parseTimeOfDay(w["end"]) : undefined
      if (start === undefined) issues.push({ path: `${at}.start`, value: w["start"], expected: "a time \"HH:MM\" or \"HH:MM:SS\"" })
      if (end === undefined) issues.push({ path: `${at}.end`, value: w["end"], expected: "a time \"HH:MM\" or \"HH:MM:SS\"" })
      if (start !== undefined && end !== undefined && end <= start) {
        issues.push({ path: `${at}.end`, value: w["end"], expected: `a time after start ${show(w["start"])} (split windows that cross midnight)` })
      }
    })
  }
  if (typeof c["pacing"] !== "string" || !pacingModes.includes(c["pacing"] as PacingMode)) {
    issues.push({ path: "pacing", value: c["pacing"], expected: `one of ${pacingModes.join(", ")}` })
  }
  numberIn(issues, "maxAttempts", c["maxAttempts"], (n) => Number.isInteger(n) && n >= 1 && n <= 100, "an integer from 1 to 100")
  numberIn(issues, "retryDelaySeconds", c["retryDelaySeconds"], (n) => n >= 0 && n <= 90 * 86400, "seconds from 0 to 7776000 (90 days)")
  numberIn(issues, "abandonLimit", c["abandonLimit"], (n) => n > 0 && n <= 0.2, "a fraction in (0, 0.2], e.g. 0.03 for 3%")
  numberIn(issues, "maxLinesPerAgent", c["maxLinesPerAgent"], (n) => n >= 1 && n <= 20, "a number from 1 to 20")
  numberIn(issues, "sessionHeartbeatTimeoutSeconds", c["sessionHeartbeatTimeoutSeconds"], (n) => n >= 1 && n <= 600,
    "seconds from 1 to 600")
  if (issues.length > 0) return { ok: false, issues }
  return { ok: true, config: input as unknown as CampaignConfig }
}
