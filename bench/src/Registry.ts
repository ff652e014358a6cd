/**
 * Pacer ids to pacers. A `PacerSpec` is plain data (it crosses worker
 * threads); `pacerFor` builds a fresh pacer for one run of one scenario, since
 * some pacers (ours) take options from the scenario and keep mutable state.
 */
import type { Pacer } from "@autodialer/dialer-engine/Pacer"
import type { Scenario } from "@autodialer/dialer-engine/Scenario"
import * as ErlangSoonFree from "./pacers/ErlangSoonFree.ts"
import * as ImpactReplay from "./pacers/ImpactReplay.ts"
import { power } from "./pacers/Power.ts"
import { progressive } from "./pacers/Progressive.ts"
import * as UnicomPi from "./pacers/UnicomPi.ts"
import * as Vicidial from "./pacers/Vicidial.ts"
import type { PacerId } from "./Report.ts"

export interface PacerSpec {
  readonly id: PacerId
  /** Lines per ready agent, for `power` only. */
  readonly ratio?: number
}

/**
 * A fresh pacer for one run. `undefined` for `autodialer`: the simulator then
 * builds our pacer itself, tuned to the scenario's AMD, ring timeout and
 * connect threshold exactly as a deployment would configure it.
 */
export const pacerFor = (spec: PacerSpec, _scenario: Scenario): Pacer<unknown> | undefined => {
  switch (spec.id) {
    case "autodialer":
      return undefined
    case "progressive":
      return progressive as Pacer<unknown>
    case "power":
      return power(spec.ratio ?? 1) as Pacer<unknown>
    case "vicidial-hard-limit":
      return Vicidial.make("HARD_LIMIT") as Pacer<unknown>
    case "vicidial-tapered":
      return Vicidial.make("TAPERED") as Pacer<unknown>
    case "vicidial-average":
      return Vicidial.make("AVERAGE") as Pacer<unknown>
    case "unicom-pi":
      return UnicomPi.make() as Pacer<unknown>
    case "impact-replay":
      return ImpactReplay.make() as Pacer<unknown>
    case "erlang-soon-free":
      return ErlangSoonFree.make() as Pacer<unknown>
  }
}
