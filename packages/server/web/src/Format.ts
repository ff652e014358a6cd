/**
 * Pure helpers the pages share: names, durations, wall-clock time in a
 * contact's or campaign's time zone (and back to an instant, for callbacks
 * entered in the contact's zone), the script with the contact's fields filled
 * in, calling windows, lead scores and CRM links. No clock reads: `now` is an
 * argument.
 */
import type { CallingWindow, Contact } from "./Types.ts"

export const contactName = (c: Pick<Contact, "firstName" | "lastName" | "phone">): string =>
  [c.firstName, c.lastName].filter((s): s is string => s !== null && s.trim() !== "").join(" ") || c.phone

/** 75 -> "1:15", 3725 -> "1:02:05". Negative values count as zero. */
export const duration = (seconds: number): string => {
  const s = Math.max(0, Math.floor(seconds))
  const h = Math.floor(s / 3600)
  const m = Math.floor((s % 3600) / 60)
  const r = String(s % 60).padStart(2, "0")
  return h > 0 ? `${h}:${String(m).padStart(2, "0")}:${r}` : `${m}:${r}`
}

export const isTimeZone = (tz: string): boolean => {
  try {
    new Intl.DateTimeFormat("en-US", { timeZone: tz })
    return true
  } catch {
    return false
  }
}

interface WallTime { readonly year: number; readonly month: number; readonly day: number; readonly hour: number; readonly minute: number; readonly second: number; readonly weekday: number }

const weekdays: Readonly<Record<string, number>> = { Mon: 1, Tue: 2, Wed: 3, Thu: 4, Fri: 5, Sat: 6, Sun: 7 }

/** The wall-clock reading of `at` in `tz`; weekday is ISO (1 = Monday). */
export const wallTime = (at: Date, tz: string): WallTime => {
  const parts = new Intl.DateTimeFormat("en-US", {
    timeZone: tz, hourCycle: "h23", year: "numeric", month: "2-digit", day: "2-digit",
    hour: "2-digit", minute: "2-digit", second: "2-digit", weekday: "short"
  }).formatToParts(at)
  const get = (t: string) => parts.find((p) => p.type === t)?.value ?? "0"
  return {
    year: Number(get("year")), month: Number(get("month")), day: Number(get("day")),
    hour: Number(get("hour")), minute: Number(get("minute")), second: Number(get("second")),
    weekday: weekdays[get("weekday")] ?? 1
  }
}

/** "14:05" in `tz`, with the zone's short name ("14:05 EST"). */
export const localClock = (at: Date, tz: string): string =>
  new Intl.DateTimeFormat("en-US", { timeZone: tz, hour: "2-digit", minute: "2-digit", hourCycle: "h23", timeZoneName: "short" }).format(at)

const offsetMinutes = (at: Date, tz: string): number => {
  const w = wallTime(at, tz)
  const asUtc = Date.UTC(w.year, w.month - 1, w.day, w.hour, w.minute, w.second)
  return Math.round((asUtc - Math.floor(at.getTime() / 1000) * 1000) / 60_000)
}

/**
 * The instant when the clocks of `tz` read `local` ("2026-03-08T02:30", as a
 * datetime-local input gives it). A time skipped by a DST jump resolves to the
 * same distance past the jump; a repeated time resolves to its first occurrence.
 */
export const zonedToInstant = (local: string, tz: string): Date => {
  const m = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})(?::(\d{2}))?$/.exec(local)
  if (m === null) throw new Error(`'${local}' is not a local date-time (expected YYYY-MM-DDTHH:MM)`)
  const [y, mo, d, h, mi, s] = m.slice(1).map((x) => Number(x ?? 0)) as [number, number, number, number, number, number]
  const naive = Date.UTC(y, mo - 1, d, h, mi, s)
  // Try the offsets in force just before and after the naive instant; keep the earliest that reads back right.
  const candidates = [...new Set([offsetMinutes(new Date(naive - 86_400_000), tz), offsetMinutes(new Date(naive + 86_400_000), tz)])]
    .map((off) => naive - off * 60_000)
    .sort((a, b) => a - b)
  for (const c of candidates) {
    const w = wallTime(new Date(c), tz)
    if (w.year === y && w.month === mo && w.day === d && w.hour === h && w.minute === mi) return new Date(c)
  }
  // In a gap: apply the offset from before the jump.
  return new Date(naive - offsetMinutes(new Date(naive - 86_400_000), tz) * 60_000)
}

/** The value a datetime-local input shows for `at` in `tz`. */
export const instantToZonedInput = (at: Date, tz: string): string => {
  const w = wallTime(at, tz)
  const p = (n: number) => String(n).padStart(2, "0")
  return `${w.year}-${p(w.month)}-${p(w.day)}T${p(w.hour)}:${p(w.minute)}`
}

const lookup = (contact: Contact, key: string): unknown => {
  const k = key.trim()
  if (k.startsWith("customFields.")) return contact.customFields[k.slice("customFields.".length)]
  const aliases: Readonly<Record<string, keyof Contact>> = {
    first_name: "firstName", last_name: "lastName", firstName: "firstName", lastName: "lastName",
    company: "company", email: "email", phone: "phone", timeZone: "timeZone", time_zone: "timeZone"
  }
  const field = aliases[k]
  if (field !== undefined) return contact[field]
  if (k === "fullName" || k === "full_name" || k === "name") return contactName(contact)
  return contact.customFields[k]
}

export interface ScriptPart { readonly text: string; readonly field?: string; readonly missing?: boolean }

/**
 * The campaign script split into literal text and `{{field}}` (or `{field}`) placeholders
 * filled from the contact (built-in fields, `customFields.x` or a bare custom
 * field name). Missing values stay visible as the placeholder name, so an
 * agent never reads out an empty gap without knowing.
 */
export const fillScript = (script: string, contact: Contact): ReadonlyArray<ScriptPart> => {
  const out: Array<ScriptPart> = []
  const re = /\{\{\s*([\w.]+)\s*\}\}|\{\s*([\w.]+)\s*\}/g
  let last = 0
  for (let m = re.exec(script); m !== null; m = re.exec(script)) {
    if (m.index > last) out.push({ text: script.slice(last, m.index) })
    const key = (m[1] ?? m[2])!
    const value = lookup(contact, key)
    out.push(value === undefined || value === null || value === ""
      ? { text: `[${key}]`, field: key, missing: true }
      : { text: String(value), field: key })
    last = m.index + m[0].length
  }
  if (last < script.length) out.push({ text: script.slice(last) })
  return out
}

/** True when `now` falls inside one of the windows, read on the clocks of `tz`. No windows means no restriction. */
export const windowOpen = (windows: ReadonlyArray<CallingWindow>, tz: string, now: Date): boolean => {
  if (windows.length === 0) return true
  const w = wallTime(now, tz)
  const hm = `${String(w.hour).padStart(2, "0")}:${String(w.minute).padStart(2, "0")}`
  return windows.some((win) => win.days.includes(w.weekday) && hm >= win.start && hm < win.end)
}

/** The lead score kept in the contact's custom fields (leadScore, lead_score or score), if numeric. */
export const leadScore = (c: Contact): number | undefined => {
  for (const k of ["leadScore", "lead_score", "score", "hs_lead_score"]) {
    const v = c.customFields[k]
    const n = typeof v === "number" ? v : typeof v === "string" && v.trim() !== "" ? Number(v) : NaN
    if (Number.isFinite(n)) return n
  }
  return undefined
}

/** A link to the contact's record in its CRM, when the record says enough to build one. */
export const crmLink = (c: Contact): string | undefined => {
  const explicit = c.customFields["crmUrl"] ?? c.customFields["crm_url"]
  if (typeof explicit === "string" && /^https:\/\//.test(explicit)) return explicit
  if (c.crmId === null) return undefined
  const id = encodeURIComponent(c.crmId)
  switch (c.sourceCrm) {
    case "hubspot": {
      const portal = c.customFields["hubspotPortalId"]
      return portal === undefined ? undefined : `https://app.hubspot.com/contacts/${encodeURIComponent(String(portal))}/record/0-1/${id}`
    }
    case "salesforce": {
      const instance = c.customFields["salesforceInstanceUrl"]
      return typeof instance === "string" && /^https:\/\//.test(instance) ? `${instance.replace(/\/+$/, "")}/lightning/r/Contact/${id}/view` : undefined
    }
    case "zoho":
      return `https://crm.zoho.com/crm/tab/Contacts/${id}`
    default:
      return undefined
  }
}

export const percent = (x: number, digits = 1): string => `${(x * 100).toFixed(digits)}%`
