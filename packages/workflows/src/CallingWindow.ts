/**
 * Calling-window arithmetic: is a weekly local-time window open at an instant,
 * and when does it next open or close.
 *
 * Pure and deterministic (the instant is an argument), written in plain
 * TypeScript with `Intl` only, so the same function decides in the campaign
 * workflow (durable timers until the next opening) and in the dialing session
 * (a retry that falls due is dialled only inside the contact's local window).
 * `Intl` with full time-zone data is available in Temporal's workflow sandbox.
 */
import type { WindowSpec } from "./CampaignConfig.ts"

export type WindowState =
  | { readonly open: true; readonly closesAt: number }
  /** `opensAt` is undefined when no window ever opens (no weekday selected). */
  | { readonly open: false; readonly opensAt: number | undefined }

const timeOfDay = /^([01]\d|2[0-3]):([0-5]\d)(?::([0-5]\d))?$/

/** "HH:MM" or "HH:MM:SS" to seconds after local midnight; "24:00" is not accepted. */
export const parseTimeOfDay = (text: string): number | undefined => {
  const m = timeOfDay.exec(text)
  if (m === null) return undefined
  return Number(m[1]) * 3600 + Number(m[2]) * 60 + Number(m[3] ?? "0")
}

interface LocalParts {
  readonly year: number
  readonly month: number
  readonly day: number
  /** ISO weekday, 1 = Monday. */
  readonly weekday: number
  readonly secondsOfDay: number
}

const formatters = new Map<string, Intl.DateTimeFormat>()
const formatterFor = (zone: string): Intl.DateTimeFormat => {
  let f = formatters.get(zone)
  if (f === undefined) {
    f = new Intl.DateTimeFormat("en-US", {
      timeZone: zone, hourCycle: "h23", year: "numeric", month: "numeric", day: "numeric",
      hour: "numeric", minute: "numeric", second: "numeric"
    })
    formatters.set(zone, f)
  }
  return f
}

/** Wall-clock fields of an instant in a zone. */
export const localParts = (at: number, zone: string): LocalParts => {
  const fields: Record<string, number> = {}
  for (const p of formatterFor(zone).formatToParts(new Date(at))) {
    if (p.type !== "literal") fields[p.type] = Number(p.value)
  }
  const year = fields["year"] ?? 1970
  const month = fields["month"] ?? 1
  const day = fields["day"] ?? 1
  const dow = new Date(Date.UTC(year, month - 1, day)).getUTCDay()
  return {
    year, month, day,
    weekday: dow === 0 ? 7 : dow,
    secondsOfDay: (fields["hour"] ?? 0) * 3600 + (fields["minute"] ?? 0) * 60 + (fields["second"] ?? 0)
  }
}

/** Offset of the zone from UTC at an instant, in ms (local = utc + offset). */
const offsetAt = (at: number, zone: string): number => {
  const p = localParts(at, zone)
  const asUtc = Date.UTC(p.year, p.month - 1, p.day) + p.secondsOfDay * 1000
  return asUtc - Math.floor(at / 1000) * 1000
}

/**
 * The instant of a local wall-clock time. Two passes settle the offset across a
 * DST change; a time skipped by spring-forward maps to just after the gap.
 */
export const localToInstant = (year: number, month: number, day: number, secondsOfDay: number, zone: string): number => {
  const naive = Date.UTC(year, month - 1, day) + secondsOfDay * 1000
  const o1 = offsetAt(naive, zone)
  const o2 = offsetAt(naive - o1, zone)
  const candidate = naive - o2
  const back = localParts(candidate, zone)
  if (back.day === day && back.secondsOfDay === secondsOfDay) return candidate
  // The wall time falls in a spring-forward gap: use the offset from before the
  // change, which lands after the gap (02:30 -> 03:30), never before it: a
  // window must not open earlier than its local start.
  return naive - Math.min(o1, o2)
}

interface Interval {
  readonly start: number
  readonly end: number
}

/** Window occurrences on local days `fromDay .. fromDay + days`, as instants. */
const occurrences = (windows: ReadonlyArray<WindowSpec>, zone: string, now: number, days: number): Array<Interval> => {
  const today = localParts(now, zone)
  const out: Array<Interval> = []
  for (let offset = -1; offset <= days; offset++) {
    const date = new Date(Date.UTC(today.year, today.month - 1, today.day + offset))
    const dow = date.getUTCDay() === 0 ? 7 : date.getUTCDay()
    for (const w of windows) {
      if (!w.days.includes(dow)) continue
      const s = parseTimeOfDay(w.start)
      const e = parseTimeOfDay(w.end)
      if (s === undefined || e === undefined || e <= s) continue
      const y = date.getUTCFullYear()
      const m = date.getUTCMonth() + 1
      const d = date.getUTCDate()
      out.push({ start: localToInstant(y, m, d, s, zone), end: localToInstant(y, m, d, e, zone) })
    }
  }
  return out.sort((a, b) => a.start - b.start)
}

/** Whether any window is open at `now` and until when, or when the next one opens. */
export const windowState = (windows: ReadonlyArray<WindowSpec>, zone: string, now: number): WindowState => {
  const all = occurrences(windows, zone, now, 8)
  const current = all.find((i) => i.start <= now && now < i.end)
  if (current !== undefined) {
    // Adjacent or overlapping windows form one open stretch.
    let closesAt = current.end
    for (const i of all) if (i.start <= closesAt && i.end > closesAt) closesAt = i.end
    return { open: true, closesAt }
  }
  const next = all.find((i) => i.start > now)
  return { open: false, opensAt: next?.start }
}

/** True when a window is open at `at` in `zone`. */
export const isOpen = (windows: ReadonlyArray<WindowSpec>, zone: string, at: number): boolean =>
  windowState(windows, zone, at).open

/** The first instant >= `at` when a window is open in `zone`, or undefined if never. */
export const nextOpenAt = (windows: ReadonlyArray<WindowSpec>, zone: string, at: number): number | undefined => {
  const s = windowState(windows, zone, at)
  return s.open ? at : s.opensAt
}
