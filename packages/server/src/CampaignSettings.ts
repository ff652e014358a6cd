/**
 * Translation between the API's flat campaign settings, the domain's stored
 * JSON columns (`calling_window`, `abandon_policy`, `attempt_rules`,
 * `retry_rules`, `pacing`, `amd`) and the workflow's `CampaignConfig`. Pure.
 */
import type { CampaignConfig } from "@autodialer/workflows/CampaignConfig"

export interface Window { readonly days: ReadonlyArray<number>; readonly start: string; readonly end: string }

export interface Settings {
  readonly timeZone: string
  readonly windows: ReadonlyArray<Window>
  readonly abandonLimit: number
  readonly maxAttempts: number
  readonly retryDelayMinutes: number
  readonly linesPerAgent: number
}

export const defaults: Settings = {
  timeZone: "America/New_York",
  windows: [{ days: [1, 2, 3, 4, 5], start: "09:00", end: "20:00" }, { days: [6], start: "10:00", end: "17:00" }],
  abandonLimit: 0.03,
  maxAttempts: 3,
  retryDelayMinutes: 240,
  linesPerAgent: 2.5
}

/** Every day, all day: what the embedded demo uses so it dials whenever it is started. */
export const alwaysOpen: ReadonlyArray<Window> = [{ days: [1, 2, 3, 4, 5, 6, 7], start: "00:00", end: "23:59" }]

const parse = (v: unknown): Record<string, unknown> =>
  (typeof v === "string" ? JSON.parse(v) : v ?? {}) as Record<string, unknown>

/** The JSON columns of a campaign row for these settings (domain shapes, plus `windows` for several windows). */
export const toColumns = (s: Settings) => {
  const first = s.windows[0] ?? defaults.windows[0]!
  return {
    callingWindow: JSON.stringify({
      // The domain keeps one window with days 0 (Sunday) .. 6; the full list rides along.
      days: first.days.map((d) => d % 7),
      start: first.start,
      end: first.end,
      fallbackTimeZone: s.timeZone,
      windows: s.windows
    }),
    abandonPolicy: JSON.stringify({ maxAbandonRate: s.abandonLimit, periodDays: 30, safeHarborSeconds: 2, safeHarborRecordingId: null }),
    attemptRules: JSON.stringify({ maxAttemptsPerContact: s.maxAttempts, maxAttemptsPerDay: Math.min(s.maxAttempts, 3), ringTimeoutSeconds: 25 }),
    retryRules: JSON.stringify((["no_answer", "busy", "answering_machine", "abandoned"] as const).map((outcome) => ({
      outcome, delayMinutes: s.retryDelayMinutes, maxRetries: Math.max(0, s.maxAttempts - 1)
    }))),
    pacing: JSON.stringify({ linesPerAgent: s.linesPerAgent, maxConcurrentCalls: 100 }),
    amd: JSON.stringify({ enabled: true, onMachine: "hangup", voicemailRecordingId: null })
  }
}

/** Settings back from a stored row's JSON columns. */
export const fromColumns = (row: {
  readonly callingWindow: unknown; readonly abandonPolicy: unknown; readonly attemptRules: unknown
  readonly retryRules: unknown; readonly pacing: unknown
}): Settings => {
  const w = parse(row.callingWindow)
  const windows = Array.isArray(w["windows"])
    ? (w["windows"] as ReadonlyArray<Window>)
    : [{ days: ((w["days"] as ReadonlyArray<number> | undefined) ?? [1, 2, 3, 4, 5]).map((d) => (d === 0 ? 7 : d)), start: String(w["start"] ?? "09:00"), end: String(w["end"] ?? "20:00") }]
  const retry = (typeof row.retryRules === "string" ? JSON.parse(row.retryRules) : row.retryRules) as ReadonlyArray<{ delayMinutes?: number }> | null
  return {
    timeZone: String(w["fallbackTimeZone"] ?? defaults.timeZone),
    windows,
    abandonLimit: Number(parse(row.abandonPolicy)["maxAbandonRate"] ?? defaults.abandonLimit),
    maxAttempts: Number(parse(row.attemptRules)["maxAttemptsPerContact"] ?? defaults.maxAttempts),
    retryDelayMinutes: Number(retry?.[0]?.delayMinutes ?? defaults.retryDelayMinutes),
    linesPerAgent: Number(parse(row.pacing)["linesPerAgent"] ?? defaults.linesPerAgent)
  }
}

const pacingOf = (mode: string): CampaignConfig["pacing"] =>
  mode === "preview" || mode === "progressive" || mode === "agentless" ? mode : "predictive"

/** The workflow's configuration for a campaign. */
export const toWorkflowConfig = (mode: string, s: Settings): CampaignConfig => ({
  timeZone: s.timeZone,
  windows: s.windows.map((w) => ({ days: [...w.days], start: w.start, end: w.end })),
  pacing: pacingOf(mode),
  maxAttempts: s.maxAttempts,
  retryDelaySeconds: s.retryDelayMinutes * 60,
  abandonLimit: s.abandonLimit,
  maxLinesPerAgent: Math.max(1, Math.floor(s.linesPerAgent)),
  sessionHeartbeatTimeoutSeconds: 30
})
