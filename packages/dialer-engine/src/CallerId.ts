/**
 * Which caller ID a dial presents, within the carrier's rate limits.
 *
 * Owns the caller-ID pool: local presence (prefer a number from the contact's
 * area code, then its region, then any), round-robin among equals, and the
 * calls-per-second and calls-per-hour caps per number and per account. A dial
 * that would break a cap is not placed now; `nextSlot` tells the host when a
 * slot frees.
 *
 * Ownership: mutable, owned by one session state.
 */
import type { CallerIdConfig, CallerIdEntry } from "./Config.ts"

/** Sliding-window counter of recent instants. */
class Recent {
  private readonly at: Array<number> = []
  private head = 0

  count(now: number, windowMs: number): number {
    while (this.head < this.at.length && this.at[this.head]! <= now - windowMs) this.head++
    if (this.head > 1024 && this.head * 2 > this.at.length) {
      this.at.splice(0, this.head)
      this.head = 0
    }
    return this.at.length - this.head
  }

  /** The instant at which the oldest counted call leaves a window of `windowMs`. */
  freesAt(windowMs: number, cap: number): number {
    const idx = this.at.length - cap
    return (this.at[Math.max(idx, this.head)] ?? 0) + windowMs
  }

  push(now: number): void {
    this.at.push(now)
  }
}

const HOUR = 3600_000

export class CallerIds {
  private readonly config: CallerIdConfig
  private readonly perNumber: Array<Recent>
  private readonly perNumberHour: Array<Recent>
  private readonly account = new Recent()
  private readonly accountHour = new Recent()
  private rr = 0
  private readonly limited: boolean

  constructor(config: CallerIdConfig) {
    this.config = config
    this.perNumber = config.pool.map(() => new Recent())
    this.perNumberHour = config.pool.map(() => new Recent())
    this.limited = config.accountCps !== undefined || config.accountHourlyCap !== undefined ||
      config.pool.some((e) => e.cps !== undefined || e.hourlyCap !== undefined)
  }

  private accountOpen(now: number): boolean {
    const c = this.config
    if (c.accountCps !== undefined && this.account.count(now, 1000) >= c.accountCps) return false
    if (c.accountHourlyCap !== undefined && this.accountHour.count(now, HOUR) >= c.accountHourlyCap) return false
    return true
  }

  private open(i: number, e: CallerIdEntry, now: number): boolean {
    if (e.cps !== undefined && this.perNumber[i]!.count(now, 1000) >= e.cps) return false
    if (e.hourlyCap !== undefined && this.perNumberHour[i]!.count(now, HOUR) >= e.hourlyCap) return false
    return true
  }

  /** Picks and consumes a caller ID for a dial to `to` (E.164) in `region`; undefined if every cap is hit. */
  take(to: string, region: string | undefined, now: number): string | undefined {
    const pool = this.config.pool
    const n = pool.length
    if (n === 0) return undefined
    if (!this.limited && !this.config.localPresence) {
      const e = pool[this.rr++ % n]!
      return e.number
    }
    if (!this.accountOpen(now)) return undefined
    let chosen = -1
    if (this.config.localPresence) {
      const area = to.startsWith("+1") ? to.slice(2, 5) : undefined
      let bestRank = 3
      for (let k = 0; k < n; k++) {
        const i = (this.rr + k) % n
        const e = pool[i]!
        const rank = area !== undefined && e.areaCodes?.includes(area) === true ? 0
          : region !== undefined && e.regions?.includes(region) === true ? 1 : 2
        if (rank < bestRank && this.open(i, e, now)) {
          bestRank = rank
          chosen = i
          if (rank === 0) break
        }
      }
    } else {
      for (let k = 0; k < n; k++) {
        const i = (this.rr + k) % n
        if (this.open(i, pool[i]!, now)) {
          chosen = i
          break
        }
      }
    }
    if (chosen < 0) return undefined
    this.rr = (chosen + 1) % n
    this.perNumber[chosen]!.push(now)
    this.perNumberHour[chosen]!.push(now)
    this.account.push(now)
    this.accountHour.push(now)
    return pool[chosen]!.number
  }

  /** When a capped pool will have a slot again (an upper bound; undefined when not capped). */
  nextSlot(now: number): number | undefined {
    if (!this.limited) return undefined
    const c = this.config
    let t = now + 1000
    if (c.accountCps !== undefined) t = Math.min(t, Math.max(now + 1, this.account.freesAt(1000, c.accountCps)))
    return t
  }
}
