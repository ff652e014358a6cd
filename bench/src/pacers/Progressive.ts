/**
 * Progressive 1:1: one dial per ready agent, never more. The reference every
 * predictive pacer must beat; it abandons only when a human answers while the
 * agent it was dialled for is still there but another call took it.
 */
import type { Pacer } from "@autodialer/dialer-engine/Pacer"
import { dialsToReach } from "./Lines.ts"

export const progressive: Pacer<null> = {
  id: "progressive",
  initial: null,
  observe: (state) => state,
  decide: (state, snapshot) => ({ state, dials: dialsToReach(snapshot, snapshot.agentsReady - snapshot.customersWaiting) })
}
