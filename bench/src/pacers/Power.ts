/**
 * Power dialling: a fixed number of lines per ready agent (Five9, Genesys and
 * Cisco allow 1-15). The benchmark tunes the ratio in hindsight, per scenario,
 * by search on the same seeds (see `Tuning.ts`), which makes it a strong
 * baseline: well tuned, it comes within a few points of the optimum.
 */
import type { Pacer } from "@autodialer/dialer-engine/Pacer"
import { dialsToReach } from "./Lines.ts"

export const power = (linesPerReadyAgent: number): Pacer<null> => {
  if (!(linesPerReadyAgent >= 1)) throw new RangeError(`lines per ready agent must be >= 1, got ${linesPerReadyAgent}`)
  return {
    id: "power",
    initial: null,
    observe: (state) => state,
    decide: (state, snapshot) => ({
      state,
      dials: dialsToReach(snapshot, Math.round(linesPerReadyAgent * Math.max(0, snapshot.agentsReady - snapshot.customersWaiting)))
    })
  }
}
