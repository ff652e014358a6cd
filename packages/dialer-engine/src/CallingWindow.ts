/**
 * Local calling windows: may this contact be called at this instant?
 *
 * Owns the calling-hour rules (default 08:00-21:00 in the called party's local
 * time, per-campaign weekly windows, holidays, per-state overrides such as
 * "08:00-20:00, no Sundays, no holidays") and their evaluation in the contact's
 * time zone through `Intl`, which applies daylight-saving rules, so DST edges
 * are exact. When the zone is ambiguous the window must be open in every
 * candidate zone (see `TimeZone.ts`).
 *
 * Local-time lookups are memoised per zone and minute: a session checks many
 * contacts in the same few zones within the same minute.
 */
import type { ZoneInference } from "./TimeZone.ts"

/** "HH:MM" in 24 h local time; "24:00" means the end of the day. */
export type Clock = string

export interface DailyWindow {
  readonly start: Clock
  readonly end: Clock
}

export interface RegionOverride {
  /** Narrows the window (the stricter of campaign and region applies). */
  readonly window?: DailyWindow
  readonly noSundays?: boolean
  readonly noSaturdays?: boolean
  /** Holidays (local YYYY-MM-DD) on which this region forbids calls. */
  readonly holidays?: ReadonlyArray<string>
}

export interface CallingHours {
  /** The default window, every day (08:00-21:00 unless configured). */
  readonly window: DailyWindow
  /** Per-weekday campaign windows (0 = Sunday ... 6 = Saturday); `null` means no calls that day. */
  readonly weekdays?: Partial<Record<"0" | "1" | "2" | "3" | "4" | "5" | "6", DailyWindow | null>>
  /** Campaign-wide holidays (local YYYY-MM-DD): no calls. */
  readonly holidays?: ReadonlyArray<string>
  /** Overrides by US state / region code, e.g. `{ "FL": { window: { start: "08:00", end: "20:00" } } }`. */
  readonly regions?: Readonly<Record<string, RegionOverride>>
  /** Used when the contact's zone cannot be inferred; without it such contacts are never called. */
  readonly fallbackZone?: string
}

export const defaultHours: CallingHours = { window: { start: "08:00", end: "21:00" } }

export type WindowVerdict =
  | { readonly open: true }
  | { readonly open: false; readonly reason: "outsideHours" | "holiday" | "closedDay" | "unknownZone"; readonly zone?: string }

const clocks = new Map<string, number>()

/** Minutes since midnight of "HH:MM" (throws on a malformed clock: configs are decoded before use). */
export const parseClock = (c: Clock): number => {
  const hit = clocks.get(c)
  if (hit !== undefined) return hit
  const v = parseClockUncached(c)
  clocks.set(c, v)
  return v
}

const parseClockUncached = (c: Clock): number => {
  const m = /^(\d{1,2}):(\d{2})$/.exec(c)
  if (m === null) throw new Error(`calling window clock '${c}' is not HH:MM (expected e.g. "08:00")`)
  const v = Number(m[1]) * 60 + Number(m[2])
  if (v > 24 * 60 || Number(m[2]) > 59) throw new Error(`calling window clock '${c}' is out of range (00:00-24:00)`)
  return v
}

export interface LocalTime {
  /** 0 = Sunday. */
  readonly weekday: number
  /** YYYY-MM-DD. */
  readonly date: string
  readonly minuteOfDay: number
}

const WEEKDAYS: Record<string, number> = { Sun: 0, Mon: 1, Tue: 2, Wed: 3, Thu: 4, Fri: 5, Sat: 6 }
const formatters = new Map<string, Intl.DateTimeFormat>()
const lastLocal = new Map<string, { minute: number; local: LocalTime }>()

/** The local wall-clock time in `zone` at epoch milliseconds `at`. */
export const localTime = (zone: string, at: number): LocalTime => {
  const minute = Math.floor(at / 60_000)
  const memo = lastLocal.get(zone)
  if (memo !== undefined && memo.minute === minute) return memo.local
  let f = formatters.get(zone)
  if (f === undefined) {
    f = new Intl.DateTimeFormat("en-US", {
      timeZone: zone, hourCycle: "h23", weekday: "short", year: "numeric", month: "2-digit", day: "2-digit", hour: "2-digit", minute: "2-digit"
    })
    formatters.set(zone, f)
  }
  let weekday = 0, y = "", mo = "", d = "", h = 0, mi = 0
  for (const p of f.formatToParts(minute * 60_000)) {
    switch (p.type) {
      case "weekday": weekday = WEEKDAYS[p.value] ?? 0; break
      case "year": y = p.value; break
      case "month": mo = p.value; break
      case "day": d = p.value; break
      case "hour": h = Number(p.value); break
      case "minute": mi = Number(p.value); break
    }
  }
  const local: LocalTime = { weekday, date: `${y}-${mo}-${d}`, minuteOfDay: h * 60 + mi }
  lastLocal.set(zone, { minute, local })
  return local
}

const openIn = (hours: CallingHours, region: string | undefined, zone: string, at: number): WindowVerdict => {
  const t = localTime(zone, at)
  if (hours.holidays?.includes(t.date) === true) return { open: false, reason: "holiday", zone }
  let window: DailyWindow | null | undefined = hours.window
  const key = String(t.weekday) as "0"
  if (hours.weekdays !== undefined && key in hours.weekdays) window = hours.weekdays[key]
  if (window === null || window === undefined) return { open: false, reason: "closedDay", zone }
  let start = parseClock(window.start)
  let end = parseClock(window.end)
  const o = region === undefined ? undefined : hours.regions?.[region]
  if (o !== undefined) {
    if (o.noSundays === true && t.weekday === 0) return { open: false, reason: "closedDay", zone }
    if (o.noSaturdays === true && t.weekday === 6) return { open: false, reason: "closedDay", zone }
    if (o.holidays?.includes(t.date) === true) return { open: false, reason: "holiday", zone }
    if (o.window !== undefined) {
      start = Math.max(start, parseClock(o.window.start))
      end = Math.min(end, parseClock(o.window.end))
    }
  }
  return t.minuteOfDay >= start && t.minuteOfDay < end ? { open: true } : { open: false, reason: "outsideHours", zone }
}

/** Whether a contact in `inference` may be called at `at` (open in every candidate zone). */
export const check = (hours: CallingHours, inference: ZoneInference, at: number): WindowVerdict => {
  const zones = inference.zones.length > 0 ? inference.zones : hours.fallbackZone !== undefined ? [hours.fallbackZone] : []
  if (zones.length === 0) return { open: false, reason: "unknownZone" }
  for (const z of zones) {
    const v = openIn(hours, inference.region, z, at)
    if (!v.open) return v
  }
  return { open: true }
}

/** The first instant, in 5-minute steps within 8 days, at which the window opens (undefined: never). */
export const nextOpen = (hours: CallingHours, inference: ZoneInference, at: number): number | undefined => {
  const step = 5 * 60_000
  let t = Math.ceil((at + 1) / step) * step
  for (let i = 0; i < 8 * 24 * 12; i++, t += step) if (check(hours, inference, t).open) return t
  return undefined
}
