/**
 * The abandon budget as the dialer can observe it, over the policy's window.
 *
 * Owns the counts of live answers and abandons in the current regulatory window
 * (a whole campaign, or any rolling 24 h), including the counts carried in with
 * `windowSoFar`. Under the Ofcom denominator the AMD false positives the dialer
 * cannot see are estimated from the policy's false-positive rate and added to
 * both counts. An abandoned answer is weighted by the measured share of people
 * among bridged answers with the same verdict (AMD "human" verdicts include the
 * machines AMD missed; `unknown` verdicts, with AMD off, include every machine),
 * as learnt from agent dispositions, and by how long the call rang before it
 * was answered: people pick up sooner than answering machines (about 9 s
 * against 18 s), so the answer time of an abandoned call says much about
 * whether it was a person. The share is kept per 2-second bin of ring time,
 * shrunk towards the verdict's overall share where a bin has few answers.
 * That sharpens each abandon's weight towards 0 or 1 and so cuts the variance
 * of the estimate, which the pacer must keep as a safety margin: with AMD off
 * (s4: 15% of answers are people) it was most of the margin. So a
 * machine-heavy list neither inflates nor deflates the rate: it is a reasoned
 * estimate of the people abandoned.
 *
 * Ownership: mutable, owned by one session state.
 */
import type { AbandonPolicy } from "./Config.ts"

const MINUTE = 60_000
const BUCKETS = 24 * 60
/** Ring-time bins of the human-share estimate: 2 s wide, the last one open-ended. */
const RING_BIN_SECONDS = 2
const RING_BINS = 40
/** Answers of the verdict's overall share that each bin's estimate starts from. */
const RING_PRIOR = 2

export class AbandonLedger {
  private policy: AbandonPolicy
  /** Campaign window: running totals. Rolling window: per-minute buckets. */
  private live = 0
  private abandoned = 0
  private humanVerdicts = 0
  /** Variance of the true abandon count given the weighted estimate. */
  private variance = 0
  private readonly bVar = new Float64Array(BUCKETS)
  private readonly bLive = new Float64Array(BUCKETS)
  private readonly bAb = new Float64Array(BUCKETS)
  private readonly bHuman = new Float64Array(BUCKETS)
  private lastMinute = -1
  private readonly carriedUntil: number
  /** Answers bridged, and those an agent marked as machines, by verdict. */
  private unknownBridged = 0
  private unknownMachines = 0
  private humanBridged = 0
  private humanMachines = 0
  /** The same counts by ring-time bin: index 0..RING_BINS-1 for unknown verdicts, then for human ones. */
  private readonly binBridged = new Float64Array(2 * RING_BINS)
  private readonly binMachines = new Float64Array(2 * RING_BINS)

  constructor(policy: AbandonPolicy, startAt: number) {
    this.policy = policy
    this.carriedUntil = startAt + BUCKETS * MINUTE
  }

  setPolicy(policy: AbandonPolicy): void {
    this.policy = policy
  }

  private advance(now: number): void {
    if (this.policy.window !== "rolling24h") return
    const m = Math.floor(now / MINUTE)
    if (this.lastMinute < 0) this.lastMinute = m
    if (m <= this.lastMinute) return
    const steps = Math.min(BUCKETS, m - this.lastMinute)
    for (let k = 1; k <= steps; k++) {
      const i = (this.lastMinute + k) % BUCKETS
      this.live -= this.bLive[i]!
      this.abandoned -= this.bAb[i]!
      this.humanVerdicts -= this.bHuman[i]!
      this.variance -= this.bVar[i]!
      this.bVar[i] = 0
      this.bLive[i] = 0
      this.bAb[i] = 0
      this.bHuman[i] = 0
    }
    this.lastMinute = m
  }

  private add(now: number, live: number, ab: number, human: number, variance = 0): void {
    this.advance(now)
    this.live += live
    this.abandoned += ab
    this.humanVerdicts += human
    this.variance += variance
    if (this.policy.window === "rolling24h") {
      const i = Math.floor(now / MINUTE) % BUCKETS
      this.bVar[i] = this.bVar[i]! + variance
      this.bLive[i] = this.bLive[i]! + live
      this.bAb[i] = this.bAb[i]! + ab
      this.bHuman[i] = this.bHuman[i]! + human
    }
  }

  private static bin(verdict: "human" | "unknown", ringSeconds: number): number {
    const b = Math.min(RING_BINS - 1, Math.max(0, Math.floor(ringSeconds / RING_BIN_SECONDS)))
    return verdict === "unknown" ? b : RING_BINS + b
  }

  /**
   * The share of answers with this verdict (and, when given, this many seconds of ringing before
   * the answer) that are people. Priors: 1 in 2 for unknown, 9 in 10 for human; each ring-time
   * bin starts from the verdict's overall share with the weight of `RING_PRIOR` answers.
   */
  humanShare(verdict: "human" | "unknown", ringSeconds?: number): number {
    const overall =
      verdict === "unknown"
        ? (this.unknownBridged - this.unknownMachines + 1) / (this.unknownBridged + 2)
        : (this.humanBridged - this.humanMachines + 9) / (this.humanBridged + 10)
    if (ringSeconds === undefined) return overall
    const i = AbandonLedger.bin(verdict, ringSeconds)
    const n = this.binBridged[i]!
    return Math.min(1, Math.max(0, (n - this.binMachines[i]! + RING_PRIOR * overall) / (n + RING_PRIOR)))
  }

  /** A live answer was bridged to an agent (`ringSeconds`: from the dial to the answer). */
  bridged(now: number, verdict: "human" | "unknown", ringSeconds?: number): void {
    if (verdict === "unknown") this.unknownBridged++
    else this.humanBridged++
    if (ringSeconds !== undefined) {
      const i = AbandonLedger.bin(verdict, ringSeconds)
      this.binBridged[i] = this.binBridged[i]! + 1
    }
    this.add(now, 1, 0, verdict === "human" ? 1 : 0)
  }

  /** A bridged answer turned out to be a machine (agent disposition): it was never a live answer. */
  bridgedWasMachine(now: number, verdict: "human" | "unknown", ringSeconds?: number): void {
    if (verdict === "unknown") this.unknownMachines++
    else this.humanMachines++
    if (ringSeconds !== undefined) {
      const i = AbandonLedger.bin(verdict, ringSeconds)
      this.binMachines[i] = this.binMachines[i]! + 1
    }
    this.add(now, -1, 0, verdict === "human" ? -1 : 0)
  }

  /** A live answer was abandoned (safe-harbour played). */
  abandon(now: number, verdict: "human" | "unknown", ringSeconds?: number): void {
    const w = this.humanShare(verdict, ringSeconds)
    this.add(now, w, w, verdict === "human" ? w : 0, w * (1 - w))
  }

  private carried(now: number): { live: number; ab: number } {
    const so = this.policy.windowSoFar
    if (this.policy.window === "rolling24h" && now >= this.carriedUntil) return { live: 0, ab: 0 }
    return { live: so.liveAnswers, ab: so.abandoned }
  }

  /** Live answers in the window (with carried-in counts and the Ofcom estimate). */
  windowLive(now: number): number {
    this.advance(now)
    return this.carried(now).live + this.live + this.fpEstimate()
  }

  /** Abandons in the window (with carried-in counts and the Ofcom estimate). */
  windowAbandoned(now: number): number {
    this.advance(now)
    return this.carried(now).ab + this.abandoned + this.fpEstimate()
  }

  private fpEstimate(): number {
    if (this.policy.denominator !== "ofcom") return 0
    const fp = this.policy.amdFalsePositiveRate
    return fp >= 1 ? 0 : (this.humanVerdicts * fp) / (1 - fp)
  }

  /** Standard deviation of the true abandon count around `windowAbandoned`. */
  abandonedSd(now: number): number {
    this.advance(now)
    const fp = this.policy.denominator === "ofcom" ? this.policy.amdFalsePositiveRate : 0
    // AMD false positives ~ Binomial(people, fp): variance ≈ human verdicts x fp.
    return Math.sqrt(Math.max(0, this.variance) + Math.max(0, this.humanVerdicts) * fp)
  }

  rate(now: number): number {
    const l = this.windowLive(now)
    return l > 0 ? this.windowAbandoned(now) / l : 0
  }
}
