/**
 * Fixed-ratio pacers: progressive (one line per ready agent) and power (a fixed
 * number of lines per ready agent, as Five9, Genesys and Cisco offer).
 *
 * They keep `round(lines x ready agents)` dials in flight, net of live answers
 * already waiting for an agent. Stateless; they ignore observations.
 */
import type { Pacer } from "./Pacer.ts"

/** `lines` dials in flight per ready agent. */
export const power = (lines: number, id = lines === 1 ? "progressive" : `power-${lines}`): Pacer<null> => ({
  id,
  initial: null,
  observe: (s) => s,
  decide: (s, snap) => ({
    state: s,
    dials: Math.max(0, Math.round(lines * snap.agentsReady) - snap.dialsInFlight.length - snap.customersWaiting)
  })
})

/** Progressive dialling: one line per ready agent (id `progressive`). */
export const progressive: Pacer<null> = power(1, "progressive")
