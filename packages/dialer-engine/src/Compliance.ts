/**
 * Dial-time compliance guards: do-not-call lists, attempt caps and the drop
 * lockout.
 *
 * Every guard is checked at the moment of dialling, not when the contact is
 * loaded: a DNC entry added a second ago blocks the next dial. DNC is kept at
 * three levels (org, campaign, global/national registry). Attempt caps apply
 * per contact and per number: lifetime, per local calendar day, and per rolling
 * 24 hours. After an abandon the number is locked out for `lockoutHours` unless
 * an agent is guaranteed (Ofcom).
 *
 * Ownership: mutable, owned by one session state.
 */
import type { AttemptCaps } from "./Config.ts"
import { localTime } from "./CallingWindow.ts"

const DAY = 24 * 3600_000

export class Dnc {
  readonly org = new Set<string>()
  readonly campaign = new Set<string>()
  readonly global = new Set<string>()

  add(number: string, scope: "org" | "campaign" | "global"): void {
    this[scope].add(number)
  }

  has(number: string): boolean {
    return this.org.has(number) || this.campaign.has(number) || this.global.has(number)
  }
}

export interface AttemptRecord {
  lifetime: number
  recent: Array<{ at: number; day: string }>
}

/** True when every cap is infinite, so attempt bookkeeping can be skipped. */
export const unlimited = (c: AttemptCaps): boolean =>
  c.perContactLifetime === Infinity && c.perContactPerDay === Infinity && c.perContactRolling24h === Infinity &&
  c.perNumberLifetime === Infinity && c.perNumberPerDay === Infinity && c.perNumberRolling24h === Infinity

const prune = (r: AttemptRecord, now: number): void => {
  let i = 0
  while (i < r.recent.length && r.recent[i]!.at <= now - 2 * DAY) i++
  if (i > 0) r.recent.splice(0, i)
}

/** Why a record is over its caps at `now` (undefined: under all caps). */
export const capReached = (
  r: AttemptRecord, now: number, zone: string | undefined, lifetime: number, perDay: number, rolling: number
): "lifetime" | "perDay" | "rolling24h" | undefined => {
  if (r.lifetime >= lifetime) return "lifetime"
  if (perDay === Infinity && rolling === Infinity) return undefined
  prune(r, now)
  let in24 = 0
  let today = 0
  const day = zone === undefined ? "" : localTime(zone, now).date
  for (const a of r.recent) {
    if (a.at > now - DAY) in24++
    if (a.day === day) today++
  }
  if (in24 >= rolling) return "rolling24h"
  if (today >= perDay) return "perDay"
  return undefined
}

export const record = (r: AttemptRecord, now: number, zone: string | undefined): void => {
  r.lifetime++
  r.recent.push({ at: now, day: zone === undefined ? "" : localTime(zone, now).date })
}

/** Seeds a record from a contact's known attempt history. */
export const fromHistory = (history: ReadonlyArray<number>, prior: number, zone: string | undefined): AttemptRecord => ({
  lifetime: prior + history.length,
  recent: history.map((at) => ({ at, day: zone === undefined ? "" : localTime(zone, at).date }))
})

/** Numbers locked out after an abandon, until an instant. */
export class Lockouts {
  private readonly until = new Map<string, number>()

  lock(number: string, until: number): void {
    this.until.set(number, Math.max(until, this.until.get(number) ?? 0))
  }

  locked(number: string, now: number): boolean {
    const u = this.until.get(number)
    if (u === undefined) return false
    if (u <= now) {
      this.until.delete(number)
      return false
    }
    return true
  }
}
