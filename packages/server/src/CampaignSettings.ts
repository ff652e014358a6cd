/**
 * Translation between the API's flat campaign settings, the domain's stored
 * columns (JSON `calling_window`, `abandon_policy`, `attempt_rules`,
 * `retry_rules`, `pacing`, `amd`, `pause_codes`; `caller_id_strategy` and
 * `caller_id_pool`) and the workflow's `CampaignConfig`. Pure.
 */
import type { CampaignConfig } from "@autodialer/workflows/CampaignConfig"

export interface Window { readonly days: ReadonlyArray<number>; readonly start: string; readonly end: string }

export interface PauseCode { readonly code: string; readonly label: string }

/** Answering-machine detection, and what happens when a machine answers. */
export interface Amd {
  readonly enabled: boolean
  readonly onMachine: "hangup" | "drop_voicemail"
  /** Spoken after the beep when `onMachine` is drop_voicemail. */
  readonly voicemailMessage: string | null
}

/** Which number the callee sees (see migration 7 in the domain package). */
export type CallerId =
  | { readonly strategy: "org_default" }
  | { readonly strategy: "fixed"; readonly phoneNumberId: string }
  | { readonly strategy: "local_presence" }

export interface Settings {
  readonly timeZone: string
  readonly windows: ReadonlyArray<Window>
  readonly abandonLimit: number
  readonly maxAttempts: number
  readonly retryDelayMinutes: number
  readonly linesPerAgent: number
  readonly pauseCodes: ReadonlyArray<PauseCode>
  readonly amd: Amd
  readonly callerId: CallerId
}

export const defaults: Settings = {
  timeZone: "America/New_York",
  windows: [{ days: [1, 2, 3, 4, 5], start: "09:00", end: "20:00" }, { days: [6], start: "10:00", end: "17:00" }],
  abandonLimit: 0.03,
  maxAttempts: 3,
  retryDelayMinutes: 240,
  linesPerAgent: 2.5,
  // The same list is the column default of migration 7, which keeps its own copy: a migration never changes.
  pauseCodes: [
    { code: "break", label: "Break" },
    { code: "lunch", label: "Lunch" },
    { code: "training", label: "Training" },
    { code: "meeting", label: "Meeting" }
  ],
  amd: { enabled: true, onMachine: "hangup", voicemailMessage: null },
  callerId: { strategy: "org_default" }
}

/** The settings after a create or patch body: the fields it names replace those of `base`. */
export const merge = (base: Settings, patch: { readonly [K in keyof Settings]?: Settings[K] | undefined }): Settings => ({
  timeZone: patch.timeZone ?? base.timeZone,
  windows: patch.windows ?? base.windows,
  abandonLimit: patch.abandonLimit ?? base.abandonLimit,
  maxAttempts: patch.maxAttempts ?? base.maxAttempts,
  retryDelayMinutes: patch.retryDelayMinutes ?? base.retryDelayMinutes,
  linesPerAgent: patch.linesPerAgent ?? base.linesPerAgent,
  pauseCodes: patch.pauseCodes ?? base.pauseCodes,
  amd: patch.amd ?? base.amd,
  callerId: patch.callerId ?? base.callerId
})

/**
 * What the schema cannot say about one field alone: undefined when the
 * settings are consistent, otherwise the field and what to fix. Checks that
 * need the database (the caller id's number) are the handler's.
 */
export const problem = (s: Settings): { readonly field: string; readonly message: string } | undefined => {
  const seen = new Set<string>()
  for (const p of s.pauseCodes) {
    if (seen.has(p.code)) return { field: "pauseCodes", message: `pause code '${p.code}' is listed twice; each code may appear once` }
    seen.add(p.code)
  }
  if (s.amd.onMachine === "drop_voicemail" && (s.amd.voicemailMessage === null || s.amd.voicemailMessage.trim() === "")) {
    return {
      field: "amd.voicemailMessage",
      message: "leaving a voicemail needs the message to speak after the beep (amd.voicemailMessage), or set amd.onMachine to 'hangup'"
    }
  }
  if (s.amd.onMachine === "drop_voicemail" && !s.amd.enabled) {
    return { field: "amd.onMachine", message: "leaving a voicemail needs answering-machine detection: set amd.enabled to true, or amd.onMachine to 'hangup'" }
  }
  return undefined
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
    // The domain's AmdPolicy shape, plus the spoken message of a voicemail drop.
    amd: JSON.stringify({ enabled: s.amd.enabled, onMachine: s.amd.onMachine, voicemailRecordingId: null, voicemailMessage: s.amd.voicemailMessage }),
    pauseCodes: JSON.stringify(s.pauseCodes.map((p) => ({ code: p.code, label: p.label }))),
    callerIdStrategy: s.callerId.strategy,
    // A Postgres array literal: the parameter takes the column's type (uuid[]).
    callerIdPool: s.callerId.strategy === "fixed" ? `{${s.callerId.phoneNumberId}}` : "{}"
  }
}

const uuids = (v: unknown): ReadonlyArray<string> =>
  Array.isArray(v) ? v.map(String) : typeof v === "string" ? v.replace(/^\{|\}$/g, "").split(",").filter((x) => x !== "") : []

const amdOf = (v: unknown): Amd => {
  const a = parse(v)
  return {
    enabled: a["enabled"] !== false,
    // The domain also knows connect_agent, which the API does not offer: such a row reads as hangup.
    onMachine: a["onMachine"] === "drop_voicemail" ? "drop_voicemail" : "hangup",
    voicemailMessage: typeof a["voicemailMessage"] === "string" ? a["voicemailMessage"] : null
  }
}

/** A stored `pause_codes` column (JSON text or value); the defaults when it is missing or empty. */
export const pauseCodesOf = (v: unknown): ReadonlyArray<PauseCode> => {
  const list = typeof v === "string" ? JSON.parse(v) as unknown : v
  const codes = Array.isArray(list)
    ? list.filter((p): p is PauseCode => typeof p === "object" && p !== null && typeof p.code === "string" && typeof p.label === "string")
    : []
  return codes.length > 0 ? codes.map((p) => ({ code: p.code, label: p.label })) : defaults.pauseCodes
}

const callerIdOf = (strategy: unknown, pool: unknown): CallerId => {
  const first = uuids(pool)[0]
  if (strategy === "fixed" && first !== undefined) return { strategy: "fixed", phoneNumberId: first }
  return strategy === "local_presence" ? { strategy: "local_presence" } : { strategy: "org_default" }
}

/** Settings back from a stored row's JSON columns. */
export const fromColumns = (row: {
  readonly callingWindow: unknown; readonly abandonPolicy: unknown; readonly attemptRules: unknown
  readonly retryRules: unknown; readonly pacing: unknown; readonly amd?: unknown; readonly pauseCodes?: unknown
  readonly callerIdStrategy?: unknown; readonly callerIdPool?: unknown
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
    linesPerAgent: Number(parse(row.pacing)["linesPerAgent"] ?? defaults.linesPerAgent),
    pauseCodes: pauseCodesOf(row.pauseCodes),
    amd: row.amd === undefined ? defaults.amd : amdOf(row.amd),
    callerId: callerIdOf(row.callerIdStrategy, row.callerIdPool)
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
