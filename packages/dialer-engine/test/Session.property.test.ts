import fc from "fast-check"
import { describe, expect, it } from "vitest"
import * as CallingWindow from "../src/CallingWindow.ts"
import * as TimeZone from "../src/TimeZone.ts"
import { drive, type DriveOptions } from "./Driver.ts"

const zones = ["America/New_York", "America/Chicago", "America/Denver", "America/Los_Angeles", "Pacific/Honolulu", "Europe/London"]

/** Starts around the 2026 US DST changes (8 March and 1 November) and an ordinary day. */
const starts = [Date.UTC(2026, 2, 8, 5, 0), Date.UTC(2026, 10, 1, 4, 0), Date.UTC(2026, 5, 10, 11, 0), Date.UTC(2026, 2, 7, 23, 30)]

const arbOptions = fc.record({
  seed: fc.integer({ min: 0, max: 2 ** 31 - 1 }),
  agents: fc.integer({ min: 1, max: 6 }),
  start: fc.constantFrom(...starts),
  stepMs: fc.integer({ min: 500, max: 120_000 }),
  mode: fc.constantFrom("predictive", "progressive", "preview", "parallel"),
  perDay: fc.integer({ min: 1, max: 4 }),
  lifetime: fc.integer({ min: 1, max: 6 }),
  dncShare: fc.double({ min: 0, max: 0.3, noNaN: true })
}).map((a): DriveOptions => ({
  seed: a.seed,
  steps: 400,
  agents: a.agents,
  contacts: 40,
  startAt: a.start,
  stepMs: a.stepMs,
  zones,
  dncShare: a.dncShare,
  config: {
    mode: a.mode === "predictive" ? { _tag: "predictive" }
      : a.mode === "progressive" ? { _tag: "progressive", linesPerAgent: 2 }
        : a.mode === "preview" ? { _tag: "preview", autoDialSeconds: 20 }
          : { _tag: "parallel", linesPerAgent: 3 },
    retry: { busy: { delayMinutes: 1, maxAttempts: 5 }, noAnswer: { delayMinutes: 2, maxAttempts: 5 }, machine: { delayMinutes: 3, maxAttempts: 5 }, failed: { delayMinutes: 1, maxAttempts: 5 } },
    caps: { perContactLifetime: a.lifetime, perContactPerDay: a.perDay, perContactRolling24h: a.perDay, perNumberLifetime: a.lifetime, perNumberPerDay: a.perDay, perNumberRolling24h: a.perDay },
    callingHours: { window: { start: "08:00", end: "21:00" }, regions: { FL: { window: { start: "08:00", end: "20:00" }, noSundays: true } } },
    abandon: { lockoutHours: 72 }
  }
}))

/** Local wall clock computed independently of the engine (toLocaleString, not formatToParts). */
const localMinutes = (zone: string, at: number): { minutes: number; weekday: string } => {
  const s = new Date(at).toLocaleString("en-GB", { timeZone: zone, hour12: false, hour: "2-digit", minute: "2-digit", weekday: "short" })
  const m = /(\w+) (\d\d):(\d\d)/.exec(s)!
  return { minutes: (Number(m[2]) % 24) * 60 + Number(m[3]), weekday: m[1]! }
}

const params = { numRuns: 40 }

describe("Session invariants over random schedules", () => {
  it("never dials a number on a DNC list", () => {
    fc.assert(fc.property(arbOptions, (o) => {
      const rec = drive(o)
      for (const { at, command } of rec.out) {
        if (command._tag !== "Dial") continue
        const added = rec.dnc.get(command.number)
        expect(added === undefined || added > at, `dialled ${command.number} at ${at}, on DNC since ${added}`).toBe(true)
      }
    }), params)
  })

  it("never dials outside the contact's local calling window, across DST changes", () => {
    fc.assert(fc.property(arbOptions, (o) => {
      const rec = drive(o)
      for (const { at, command } of rec.out) {
        if (command._tag !== "Dial") continue
        const c = rec.contacts.get(command.contactId)!
        const inf = TimeZone.forContact(c.timezone, c.region, command.number)
        expect(inf.zones.length).toBeGreaterThan(0)
        for (const z of inf.zones) {
          const t = localMinutes(z, at)
          const end = inf.region === "FL" ? 20 * 60 : 21 * 60
          expect(t.minutes >= 8 * 60 && t.minutes < end, `dialled ${command.number} at ${new Date(at).toISOString()} = ${t.minutes} min local in ${z}`).toBe(true)
          if (inf.region === "FL") expect(t.weekday).not.toBe("Sun")
        }
      }
    }), params)
  })

  it("never exceeds the attempt caps per contact and per number", () => {
    fc.assert(fc.property(arbOptions, (o) => {
      const rec = drive(o)
      const caps = o.config!.caps!
      const byContact = new Map<string, Array<number>>()
      const byNumber = new Map<string, Array<number>>()
      for (const { at, command } of rec.out) {
        if (command._tag !== "Dial") continue
        for (const [m, key] of [[byContact, command.contactId], [byNumber, command.number]] as const) {
          const list = m.get(key) ?? []
          list.push(at)
          m.set(key, list)
          expect(list.length).toBeLessThanOrEqual(caps.perContactLifetime)
          expect(list.filter((t) => t > at - 24 * 3600_000).length).toBeLessThanOrEqual(caps.perContactRolling24h)
        }
      }
    }), params)
  })

  it("never bridges an agent to two calls at once", () => {
    fc.assert(fc.property(arbOptions, (o) => {
      const rec = drive(o)
      // Replay in order: when a Bridge is issued, the agent's previous call has already ended.
      const onCall = new Map<string, string>()
      const ended = new Set<string>()
      let e = 0
      for (const { at, command } of rec.out) {
        while (e < rec.events.length && rec.events[e]!.at <= at) {
          const ev = rec.events[e]!
          if (ev._tag === "CallEnded") ended.add(ev.callId)
          e++
        }
        if (command._tag !== "Bridge") continue
        const prev = onCall.get(command.agentId)
        if (prev !== undefined) expect(ended.has(prev), `agent ${command.agentId} bridged to ${command.callId} while on ${prev}`).toBe(true)
        onCall.set(command.agentId, command.callId)
      }
    }), params)
  })

  it("the random schedules exercise dialling, bridging, abandons and DST days", () => {
    let dials = 0, bridges = 0, harbours = 0, dstDials = 0
    fc.assert(fc.property(arbOptions, (o) => {
      const rec = drive(o)
      for (const { at, command } of rec.out) {
        if (command._tag === "Dial") {
          dials++
          if (Math.abs(at - Date.UTC(2026, 2, 8, 12)) < 12 * 3600_000 || Math.abs(at - Date.UTC(2026, 10, 1, 12)) < 12 * 3600_000) dstDials++
        }
        if (command._tag === "Bridge") bridges++
        if (command._tag === "PlaySafeHarbourAndRelease") harbours++
      }
    }), params)
    expect(dials).toBeGreaterThan(200)
    expect(bridges).toBeGreaterThan(20)
    expect(harbours).toBeGreaterThan(0)
    expect(dstDials).toBeGreaterThan(20)
  })

  it("releases every live answer it cannot bridge with the safe-harbour message", () => {
    fc.assert(fc.property(arbOptions, (o) => {
      const rec = drive(o)
      const bridged = new Set<string>()
      const harbour = new Set<string>()
      for (const { command } of rec.out) {
        if (command._tag === "Bridge") bridged.add(command.callId)
        if (command._tag === "PlaySafeHarbourAndRelease") {
          expect(bridged.has(command.callId), `released ${command.callId} after bridging it`).toBe(false)
          expect(harbour.has(command.callId)).toBe(false)
          harbour.add(command.callId)
        }
      }
      const last = rec.events[rec.events.length - 1]!.at
      for (const ev of rec.events) {
        if (ev._tag !== "CallAnswered" || ev.verdict === "machine" || ev.verdict === "fax") continue
        // Deadline: greeting end + 2 s; past it, the call is bridged or released.
        if ((ev.greetingEndedAt ?? ev.at) + 2000 < last) {
          expect(bridged.has(ev.callId) || harbour.has(ev.callId), `live answer ${ev.callId} neither bridged nor released`).toBe(true)
        }
      }
    }), params)
  })

  it("gives byte-identical commands for the same event sequence", () => {
    fc.assert(fc.property(arbOptions, (o) => {
      const a = drive(o)
      const b = drive(o)
      expect(JSON.stringify(b.out)).toBe(JSON.stringify(a.out))
    }), { numRuns: 15 })
  })
})

describe("calling window helpers", () => {
  it("agrees with an independent local-time computation", () => {
    fc.assert(fc.property(fc.integer({ min: Date.UTC(2026, 0, 1), max: Date.UTC(2027, 0, 1) }), fc.constantFrom(...zones), (at, zone) => {
      const v = CallingWindow.check(CallingWindow.defaultHours, { zones: [zone], provenance: "contact" }, at)
      const t = localMinutes(zone, at)
      expect(v.open).toBe(t.minutes >= 480 && t.minutes < 1260)
    }), { numRuns: 300 })
  })
})
