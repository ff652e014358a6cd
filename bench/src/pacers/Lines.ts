/**
 * Shared arithmetic of the peer pacers: turning a target number of dials in
 * flight into new dials, within the policy's line cap.
 */
import type { PacingSnapshot } from "@autodialer/dialer-engine/Pacer"

/** New dials that bring dials in flight up to `target`, never below 0 nor above the line cap. */
export const dialsToReach = (snapshot: PacingSnapshot, target: number): number => {
  const inFlight = snapshot.dialsInFlight.length
  const capped = Math.min(Math.floor(target), snapshot.maxDialsInFlight)
  return Math.max(0, capped - inFlight)
}

/** Agents in the talk phase (VICIdial's "calls connected to agents"). */
export const talking = (snapshot: PacingSnapshot): number => snapshot.busyAgents.filter((a) => a.phase === "talk").length

/** Seconds between two session-clock instants (milliseconds). */
export const secondsBetween = (from: number, to: number): number => (to - from) / 1000
