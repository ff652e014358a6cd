import type { PacingSnapshot } from "@autodialer/dialer-engine/Pacer"

/** A floor snapshot for pacer tests: `busy` agents bridged at `bridgedAt`, `inFlight` dials ringing. */
export const snapshot = (o: {
  now: number
  loggedIn: number
  ready: number
  inFlight?: number
  waiting?: number
  bridgedAt?: number
  cap?: number
  windowLiveAnswers?: number
  windowAbandoned?: number
}): PacingSnapshot => ({
  now: o.now,
  agentsLoggedIn: o.loggedIn,
  agentsReady: o.ready,
  busyAgents: Array.from({ length: o.loggedIn - o.ready }, () => ({ phase: "talk" as const, since: o.bridgedAt ?? 0, bridgedAt: o.bridgedAt ?? 0 })),
  dialsInFlight: Array.from({ length: o.inFlight ?? 0 }, () => ({ dialedAt: 0, answered: false })),
  customersWaiting: o.waiting ?? 0,
  maxDialsInFlight: o.cap ?? 3 * o.loggedIn,
  abandon: { windowLiveAnswers: o.windowLiveAnswers ?? 0, windowAbandoned: o.windowAbandoned ?? 0, limit: 0.03 }
})
