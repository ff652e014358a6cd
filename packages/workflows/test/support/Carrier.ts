/** The simulated carrier's profile for the session tests: short rings and talks so a campaign runs in seconds. */
import type { SimulatedCarrier } from "@autodialer/telephony"

export const fastCarrier: SimulatedCarrier.Options = {
  seed: 7,
  profile: { busy: 0.1, failed: 0.05, answer: 0.85, machine: 0.2, ringMedianMs: 400, talkMeanMs: 1_000, amdMedianMs: 150, greetingMedianMs: 600, promptMs: 100 }
}
