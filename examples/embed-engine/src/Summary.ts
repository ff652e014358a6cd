/**
 * Formats a simulation result as a fixed-width text summary (no timings, no
 * dates: the output depends on the seed only).
 */
import type { Simulator } from "@autodialer/dialer-engine"

const pct = (x: number): string => `${(100 * x).toFixed(2)}%`

export const summarize = (r: Simulator.SimulationResult): string => {
  const lines = [
    `scenario ${r.scenario}, seed ${r.seed}, pacer ${r.pacer}, ${r.hours.toFixed(1)} h`,
    `dials                     ${r.dials}`,
    `live answers              ${r.liveAnswers}`,
    `connects                  ${r.connects}`,
    `abandoned                 ${r.abandoned}`,
    `AMD false positives       ${r.amdFalsePositives}`,
    `machines reaching agents  ${r.missedMachines}`,
    `abandon rate (window)     ${pct(r.windowAbandonRate)}`,
    `utilisation               ${pct(r.handleSeconds / r.loggedInSeconds)}`,
    `talk minutes / agent-hour ${((60 * r.talkSeconds) / r.loggedInSeconds).toFixed(1)}`,
    `mean agent wait           ${(r.agentWaitSeconds.reduce((a, b) => a + b, 0) / Math.max(1, r.agentWaitSeconds.length)).toFixed(1)} s`,
    "",
    "hour  dial level  agents waiting  calls in flight  abandon rate (15 min)"
  ]
  for (const s of r.timeSeries ?? []) {
    lines.push(
      `${String(s.atSeconds / 3600).padStart(4)}  ${s.dialLevel.toFixed(2).padStart(10)}  ${String(s.agentsWaiting).padStart(14)}  ${String(s.callsInFlight).padStart(15)}  ${pct(s.rollingAbandonRate).padStart(21)}`
    )
  }
  return `${lines.join("\n")}\n`
}
