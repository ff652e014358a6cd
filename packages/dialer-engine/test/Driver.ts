/**
 * A randomised host for property tests: it plays agents and a carrier around a
 * Session from a seed, records every event and command, and checks nothing
 * itself (the tests check the record). Everything random comes from the seed.
 */
import * as Config from "../src/Config.ts"
import type { SessionCommand } from "../src/Command.ts"
import type { Contact } from "../src/Contact.ts"
import type { SessionEvent } from "../src/Event.ts"
import * as Random from "../src/Random.ts"
import * as Session from "../src/Session.ts"

export interface DriveOptions {
  readonly seed: number
  readonly steps: number
  readonly agents: number
  readonly contacts: number
  readonly config?: Config.ConfigInput
  /** Epoch ms of the start. */
  readonly startAt: number
  /** Mean simulated ms between steps. */
  readonly stepMs: number
  readonly zones: ReadonlyArray<string>
  readonly dncShare: number
}

export interface Record {
  readonly events: Array<SessionEvent>
  readonly out: Array<{ readonly at: number; readonly command: SessionCommand }>
  readonly contacts: Map<string, Contact>
  /** DNC numbers with the instant they were added. */
  readonly dnc: Map<string, number>
}

const AREA = ["212", "305", "312", "415", "602", "907", "808", "720"]

export const drive = (o: DriveOptions): Record => {
  const rng = Random.make(o.seed)
  const config = Config.make({ sessionId: "p", ...o.config })
  let st = Session.make(config, { now: o.startAt })
  const rec: Record = { events: [], out: [], contacts: new Map(), dnc: new Map() }
  const ringing: Array<string> = []
  const waiting: Array<string> = []
  const talking = new Map<string, string>() // callId -> agentId
  const wrapping: Array<string> = []
  const previews: Array<{ agentId: string; contactId: string }> = []
  let now = o.startAt
  const send = (ev: SessionEvent): void => {
    rec.events.push(ev)
    const r = Session.step(st, ev)
    st = r.state
    for (const c of r.commands) {
      rec.out.push({ at: ev.at, command: c })
      switch (c._tag) {
        case "Dial":
          ringing.push(c.callId)
          break
        case "Bridge":
          talking.set(c.callId, c.agentId)
          break
        case "OfferPreview":
          previews.push({ agentId: c.agentId, contactId: c.contactId })
          break
        case "Cancel": {
          const i = ringing.indexOf(c.callId)
          if (i >= 0) {
            ringing.splice(i, 1)
            queue.push({ _tag: "CallCancelled", at: now, callId: c.callId })
          }
          break
        }
        default:
          break
      }
    }
  }
  const queue: Array<SessionEvent> = []
  // Contacts in several zones (some with the zone, some inferred from the number).
  const contacts: Array<Contact> = []
  for (let i = 0; i < o.contacts; i++) {
    const area = AREA[rng.nextInt(AREA.length)]!
    const number = `+1${area}${String(2000000 + i).padStart(7, "0")}`
    const alt = rng.next() < 0.3 ? [{ number: `+1${area}${String(5000000 + i).padStart(7, "0")}` }] : []
    const zone = rng.next() < 0.5 ? o.zones[rng.nextInt(o.zones.length)] : undefined
    const c: Contact = {
      id: `k${i}`, numbers: [{ number }, ...alt], priority: rng.nextInt(3), leadScore: rng.nextInt(100), listId: `l${rng.nextInt(3)}`,
      ...(zone !== undefined ? { timezone: zone } : {})
    }
    contacts.push(c)
    rec.contacts.set(c.id, c)
  }
  send({ _tag: "ContactsAdded", at: now, contacts })
  for (let i = 0; i < o.agents; i++) {
    send({ _tag: "AgentLoggedIn", at: now, agentId: `a${i}` })
    send({ _tag: "AgentReady", at: now, agentId: `a${i}` })
  }
  for (let s = 0; s < o.steps; s++) {
    now += Math.floor(rng.next() * 2 * o.stepMs)
    while (queue.length > 0) send({ ...queue.shift()!, at: now } as SessionEvent)
    const u = rng.next()
    if (u < 0.35 && ringing.length > 0) {
      const callId = ringing.splice(rng.nextInt(ringing.length), 1)[0]!
      const v = rng.next()
      if (v < 0.3) {
        const verdict = rng.next() < 0.8 ? "human" : "unknown"
        send({ _tag: "CallAnswered", at: now, callId, verdict, amdSeconds: 2, greetingEndedAt: now - 500 })
        waiting.push(callId)
      } else if (v < 0.45) send({ _tag: "CallAnswered", at: now, callId, verdict: "machine", amdSeconds: 2 })
      else if (v < 0.75) send({ _tag: "CallNoAnswer", at: now, callId })
      else if (v < 0.9) send({ _tag: "CallBusy", at: now, callId })
      else send({ _tag: "CallFailed", at: now, callId, reason: "503" })
    } else if (u < 0.5 && talking.size > 0) {
      const entries = [...talking.entries()]
      const [callId, agentId] = entries[rng.nextInt(entries.length)]!
      talking.delete(callId)
      send({ _tag: "CallEnded", at: now, callId, ...(rng.next() < 0.1 ? { disposition: "machine" } : {}) })
      wrapping.push(agentId)
    } else if (u < 0.62 && wrapping.length > 0) {
      const agentId = wrapping.splice(rng.nextInt(wrapping.length), 1)[0]!
      send({ _tag: "AgentReady", at: now, agentId })
    } else if (u < 0.67) {
      const agentId = `a${rng.nextInt(o.agents)}`
      if (![...talking.values()].includes(agentId) && !wrapping.includes(agentId)) {
        send(rng.next() < 0.5 ? { _tag: "AgentPaused", at: now, agentId, code: "break" } : { _tag: "AgentReady", at: now, agentId })
      }
    } else if (u < 0.72 && previews.length > 0) {
      const p = previews.splice(rng.nextInt(previews.length), 1)[0]!
      send(rng.next() < 0.7 ? { _tag: "PreviewTaken", at: now, ...p } : { _tag: "PreviewSkipped", at: now, ...p })
    } else if (u < 0.76) {
      const c = contacts[rng.nextInt(contacts.length)]!
      if (rng.next() < o.dncShare * 4) {
        const number = c.numbers[rng.nextInt(c.numbers.length)]!.number
        if (!rec.dnc.has(number)) rec.dnc.set(number, now)
        send({ _tag: "DncAdded", at: now, number, scope: (["org", "campaign", "global"] as const)[rng.nextInt(3)]! })
      }
    } else {
      send({ _tag: "Tick", at: now })
    }
    // Waiting callers may hang up.
    void waiting
  }
  return rec
}
