/**
 * `npm run bench:engine`: the cost of one pacing decision at 1,000 agents and
 * 3,000 calls in flight, and the simulator's throughput on one core.
 *
 * Goals (issue 3): a decision under 20 µs; at least 1M simulated calls per
 * minute on one core. Times are this process's CPU time (user + system), so a
 * busy machine shared with other jobs does not inflate them; timing lives here,
 * never in the engine.
 */
import { readFileSync } from "node:fs"
import { Config, Pacer, PredictivePacer, ProgressivePacer, Random, Scenario, Session, Simulator } from "@autodialer/dialer-engine"
import { Result } from "effect"

const T0 = Date.UTC(2026, 2, 2, 15, 0)
const AGENTS = 1000
const IN_FLIGHT = 3000

/** A pacer whose behaviour can be swapped: fill the floor first, then measure the real one. */
const switchable = (inner: { current: Pacer.Pacer<unknown> }): Pacer.Pacer<unknown> => ({
  id: "switchable",
  initial: inner.current.initial,
  observe: (s, o) => inner.current.observe(s, o),
  decide: (s, snap) => inner.current.decide(s, snap)
})

/** CPU microseconds used by this process so far. */
const cpu = (): number => {
  const u = process.cpuUsage()
  return u.user + u.system
}

/** Median CPU µs per call over 7 batches (other jobs on a shared machine add noise, not signal). */
const time = (label: string, iterations: number, f: (i: number) => void): number => {
  for (let i = 0; i < Math.min(2000, iterations); i++) f(i) // warm-up (JIT)
  const batches: Array<number> = []
  let i = 0
  for (let b = 0; b < 7; b++) {
    const t = cpu()
    for (let k = 0; k < iterations; k++) f(i++)
    batches.push((cpu() - t) / iterations)
  }
  batches.sort((a, b) => a - b)
  const us = batches[3]!
  console.log(`${label.padEnd(58)} ${us.toFixed(2).padStart(8)} µs (median of 7 batches; best ${batches[0]!.toFixed(2)})`)
  return us
}

// --- A floor of 1,000 agents (700 talking, 200 in wrap-up, 100 ready) and 3,000 dials in flight.
const autodialer = PredictivePacer.make({ amd: true, ringTimeoutSeconds: 25 })
const fill: Pacer.Pacer<unknown> = { id: "fill", initial: null, observe: (s) => s, decide: (s, snap) => ({ state: s, dials: IN_FLIGHT - snap.dialsInFlight.length }) }
const ref = { current: fill }
let state = Session.make(Config.make({ sessionId: "bench", maxLinesPerAgent: 4, amd: "detect", caps: Config.unlimitedCaps, retry: {} }), { now: T0, pacer: switchable(ref) })
const step = (ev: Session.SessionEvent) => {
  const r = Session.step(state, ev)
  state = r.state
  return r.commands
}
const contacts = Array.from({ length: 20_000 }, (_, i) => ({ id: `c${i}`, numbers: [{ number: `+1212${String(2000000 + i)}` }], timezone: "America/New_York", region: "NY" }))
step({ _tag: "ContactsAdded", at: T0, contacts })
for (let i = 0; i < AGENTS; i++) {
  step({ _tag: "AgentLoggedIn", at: T0, agentId: `a${i}` })
  step({ _tag: "AgentReady", at: T0 + i, agentId: `a${i}` })
}
// Answer 900 calls live (bridged to 900 agents), end 200 of them (wrap-up), refill to 3,000 in flight.
const rng = Random.make(1)
let now = T0 + 5000
const callIds = state.inFlight.map((c) => c.callId)
for (let i = 0; i < 900; i++) step({ _tag: "CallAnswered", at: (now += 10), callId: callIds[i]!, verdict: "human", amdSeconds: 2.5 })
for (let i = 0; i < 200; i++) step({ _tag: "CallEnded", at: (now += 10), callId: callIds[i]! })
// Warm the estimators with realistic observations (ring times, talk, wrap).
let ps = autodialer.initial
for (let i = 0; i < 20_000; i++) {
  const u = rng.next()
  ps = autodialer.observe(ps, u < 0.2
    ? { _tag: "DialResolved", at: now, outcome: "human", secondsToOutcome: 8 + 8 * rng.next(), censored: false }
    : u < 0.5 ? { _tag: "DialResolved", at: now, outcome: "machine", secondsToOutcome: 15 + 10 * rng.next(), censored: false }
      : { _tag: "DialResolved", at: now, outcome: "noAnswer", secondsToOutcome: 25, censored: true })
}
for (let i = 0; i < 5000; i++) {
  const talk = -240 * Math.log(rng.nextOpen())
  ps = autodialer.observe(ps, { _tag: "TalkEnded", at: now, talkSeconds: talk })
  ps = autodialer.observe(ps, { _tag: "WrapEnded", at: now, wrapSeconds: 30, handleSeconds: talk + 30 })
}
step({ _tag: "Tick", at: (now += 1000) })
const snap = state.snapshot
console.log(`floor: ${state.loggedIn} agents (${state.busy.length} busy, ${state.readyCount} ready), ${state.inFlight.length} dials in flight`)

// 1. The pacer's decision on that snapshot.
const decisionUs = time("autodialer decide (1,000 agents, 3,000 in flight)", 5_000, (i) => {
  snap.now = now + (i % 1000)
  autodialer.decide(ps, snap)
})

// 2. A whole session tick: deadlines, routing, the pacer, compliance clamps (no contacts left to dial).
ref.current = autodialer as Pacer.Pacer<unknown>
state.pacerState = ps
const tickUs = time("Session.decide tick incl. pacer and compliance", 1_000, (i) => {
  const r = Session.decide(state, now + 1000 + i)
  state = r.state
})

// 3. Simulator throughput (simulated dials per minute of wall time, one core).
const load = (name: string): Scenario.Scenario => {
  const r = Scenario.decodeScenarioText(readFileSync(new URL(`../scenarios/${name}.json`, import.meta.url), "utf8"), name)
  if (Result.isFailure(r)) throw new Error(r.failure.message)
  return r.success
}
const throughput = (name: string, pacer: Pacer.Pacer<unknown> | undefined): number => {
  const scenario = load(name)
  const t = cpu()
  let dials = 0
  for (let seed = 1; seed <= 2; seed++) dials += Simulator.simulate({ scenario, seed, ...(pacer !== undefined ? { pacer } : {}) }).dials
  const perMinute = (dials / (cpu() - t)) * 60e6
  console.log(`${`simulator ${name} (${pacer?.id ?? "autodialer"}), ${dials} dials`.padEnd(58)} ${(perMinute / 1e6).toFixed(2).padStart(8)} M calls/min`)
  return perMinute
}
const sims = [throughput("s3", undefined), throughput("s2", undefined), throughput("s3", ProgressivePacer.progressive as Pacer.Pacer<unknown>)]

console.log("")
console.log(`goal: decision < 20 µs -> ${decisionUs < 20 ? "met" : "NOT met"} (${decisionUs.toFixed(2)} µs; full session tick ${tickUs.toFixed(2)} µs)`)
console.log(`goal: >= 1M simulated calls/min -> ${Math.min(...sims) >= 1e6 ? "met" : "NOT met"} (${(Math.min(...sims) / 1e6).toFixed(2)}M..${(Math.max(...sims) / 1e6).toFixed(2)}M)`)
