/**
 * Online estimators for predictive pacing, with cold-start priors and forgetting.
 *
 * - `ResolutionModel`: how a dial resolves with the time since it was placed: a
 *   live answer (a person, as classed by AMD) or anything else (machine, busy,
 *   failed, no answer). It is a discrete-time competing-risks estimate with
 *   one-second bins: each hazard is estimated over the dials still ringing at
 *   that second (Kaplan-Meier style), so a dial's age matters. A ring cut by the
 *   no-answer timeout (or a cancel) is a censored ring time: the person might
 *   have answered later, but under the current timeout that dial ends there
 *   without a live answer, which is what a pacer must predict. So censored dials
 *   leave the risk set at their second like any non-live resolution, and no
 *   live mass is ever extrapolated past the timeout. From it: the probability
 *   that a dial of a given age becomes a live answer within the next h seconds.
 * - `DurationModel`: a decayed histogram of talk (or wrap-up) durations with an
 *   exponential tail, giving the probability that an agent busy for τ seconds
 *   frees up within the next h seconds.
 *
 * Forgetting is exponential per observation (weights grow by 1/λ, renormalised),
 * so the estimators track a drifting floor. Priors are pseudo-observations that
 * the data outweighs within minutes.
 *
 * Ownership: mutable, owned by one pacer state.
 */

const RENORM = 1e150
/** The alternatives the change detector looks for: the live share falls to 0.6x or rises to 1.5x. */
const CUSUM_DOWN = 0.6
const CUSUM_UP = 1.5
/** Alarm threshold of each CUSUM (nats); sets the false-alarm rate (see the steady-floor test). */
const CUSUM_H = 8
/** Dials observed before the change test starts, and again after an alarm. */
const HOLD_DIALS = 300
/** Pseudo-dials at the designed alternative in the fresh share estimate after an alarm. */
const CUSUM_PSEUDO = 10

interface CusumSide {
  s: number
  n: number
  live: number
}
/** Dials' worth of evidence kept after a detected step in the live share. */
const AFTER_CHANGE_DIALS = 200

export class ResolutionModel {
  readonly bins: number
  private readonly live: Float64Array
  private readonly other: Float64Array
  private readonly censored: Float64Array
  private w = 1
  private readonly growth: number
  private dirty = true
  private pending = 0
  /** S[b]: probability a dial is unresolved at the start of second b. */
  private readonly surv: Float64Array
  /** L[b]: probability a dial has become a live answer before second b. */
  private readonly cumLive: Float64Array
  /** Change detection: the two CUSUM statistics (nats), with the dials and live answers since each left zero. */
  private readonly down: CusumSide = { s: 0, n: 0, live: 0 }
  private readonly up: CusumSide = { s: 0, n: 0, live: 0 }
  private changes = 0
  private readonly pendingOrder: Array<{ readonly dialedAt: number; readonly x: number }> = []
  private readonly orderLagMs: number
  /** Dials observed, and the count from which the change test runs. */
  private observed = 0
  private testFrom = HOLD_DIALS

  constructor(options: {
    bins?: number
    memory?: number
    priorLive: number
    priorLiveSeconds: number
    priorOtherSeconds: number
    priorWeight?: number
    /** The longest a dial can take to resolve (ring timeout + AMD decision), for the change test's ordering. */
    maxResolveSeconds?: number
  }) {
    this.bins = options.bins ?? 128
    this.orderLagMs = 1000 * Math.min(this.bins, options.maxResolveSeconds ?? this.bins)
    this.live = new Float64Array(this.bins)
    this.other = new Float64Array(this.bins)
    this.censored = new Float64Array(this.bins)
    this.surv = new Float64Array(this.bins + 1)
    this.cumLive = new Float64Array(this.bins + 1)
    this.growth = 1 / (1 - 1 / (options.memory ?? 2000))
    const pw = options.priorWeight ?? 20
    // Prior: live answers spread around their typical time, the rest around theirs.
    const spread = (arr: Float64Array, total: number, center: number): void => {
      const lo = Math.max(0, Math.floor(center * 0.5))
      const hi = Math.min(this.bins - 1, Math.ceil(center * 1.5))
      const n = hi - lo + 1
      for (let b = lo; b <= hi; b++) arr[b] = arr[b]! + total / n
    }
    spread(this.live, pw * options.priorLive, options.priorLiveSeconds)
    spread(this.other, pw * (1 - options.priorLive), options.priorOtherSeconds)
  }

  private bump(): number {
    this.w *= this.growth
    if (this.w > RENORM) {
      const k = 1 / this.w
      for (let b = 0; b < this.bins; b++) {
        this.live[b] = this.live[b]! * k
        this.other[b] = this.other[b]! * k
        this.censored[b] = this.censored[b]! * k
      }
      this.w = 1
    }
    if (++this.pending >= 16) this.dirty = true
    return this.w
  }

  /**
   * Folds one resolved dial in. `at` (ms), when given, is when it resolved: the change test then
   * reads outcomes in the order the dials were placed, not the order they resolved in. A burst of
   * dials resolves as a run of live answers (fast) followed by a run of the rest (slow); read in
   * resolution order, that run looks like a step to a sequential test, which on a 100-agent floor
   * raised an alarm every few thousand dials.
   */
  observe(seconds: number, kind: "live" | "other" | "censored", at?: number): void {
    const x = kind === "live" ? 1 : 0
    if (at === undefined) this.detectChange(x, 1)
    else this.reorder(at - seconds * 1000, x, at)
    const w = this.bump()
    const b = Math.min(this.bins - 1, Math.max(0, Math.floor(seconds)))
    const arr = kind === "live" ? this.live : kind === "other" ? this.other : this.censored
    arr[b] = arr[b]! + w
  }

  /**
   * Two one-sided Bernoulli CUSUM tests against the model's share p: one for a drop to
   * `CUSUM_DOWN` x p, one for a rise to `CUSUM_UP` x p. Each statistic is the log-likelihood
   * ratio of "the share changed at some dial since the statistic was last zero" against "it did
   * not"; it alarms past `CUSUM_H` nats. A CUSUM is the fastest detector for a given false-alarm
   * rate (Lorden's optimality), and where the statistic last left zero is the estimate of the
   * change point, so the dials since then measure the new share without the old evidence in it.
   * On an alarm the model takes that fresh share at once: live and non-live evidence are
   * rescaled so that their ratio matches it (the timing of each is kept), and the evidence is cut
   * to `AFTER_CHANGE_DIALS` dials' worth so that the model goes on re-learning quickly. (The
   * EWMA-of-150-dials test this replaces needed ~200 dials to fire and then handed over a share
   * still half the old one: s5 was ~11 minutes from its new steady state.)
   */
  /**
   * Buffers (dial time, outcome) sorted by dial time and releases to the change test every dial
   * placed more than `orderLagMs` before `now`: by then every dial placed before it has resolved
   * too (a dial's resolution is bounded by the ring timeout plus the AMD decision).
   */
  private reorder(dialedAt: number, x: number, now: number): void {
    const buf = this.pendingOrder
    let i = buf.length
    while (i > 0 && buf[i - 1]!.dialedAt > dialedAt) i--
    buf.splice(i, 0, { dialedAt, x })
    const upTo = now - this.orderLagMs
    let k = 0
    // Dials placed at the same instant are one binomial draw: their order carries no information.
    while (k < buf.length && buf[k]!.dialedAt <= upTo) {
      const t = buf[k]!.dialedAt
      let n = 0
      let live = 0
      while (k < buf.length && buf[k]!.dialedAt === t) {
        live += buf[k++]!.x
        n++
      }
      this.detectChange(live, n)
    }
    if (k > 0) buf.splice(0, k)
  }

  /** `live` live answers among `n` dials placed at one instant. */
  private detectChange(live: number, n: number): void {
    // No test while the model is still learning from its prior (or re-learning after an alarm):
    // the share it would test against is itself moving.
    this.observed += n
    if (this.observed < this.testFrom) return
    const p = Math.min(0.95, Math.max(0.01, this.liveShare()))
    const cusum = (stat: CusumSide, factor: number): boolean => {
      const q = Math.min(0.99, p * factor)
      const llr = live * Math.log(q / p) + (n - live) * Math.log((1 - q) / (1 - p))
      const next = stat.s + llr
      if (next <= 0) {
        stat.s = 0
        stat.n = 0
        stat.live = 0
        return false
      }
      stat.s = next
      stat.n += n
      stat.live += live
      return stat.s > CUSUM_H
    }
    const down = cusum(this.down, CUSUM_DOWN)
    const up = cusum(this.up, CUSUM_UP)
    if (!down && !up) return
    const side = down ? this.down : this.up
    this.changes++
    this.testFrom = this.observed + HOLD_DIALS
    // The new share from the dials since the estimated change point, with a pseudo-count of the
    // alternative the test was designed for (a few dials since the change can be very few).
    const alt = Math.min(0.99, p * (down ? CUSUM_DOWN : CUSUM_UP))
    const fresh = Math.min(0.99, Math.max(0.005, (side.live + CUSUM_PSEUDO * alt) / (side.n + CUSUM_PSEUDO)))
    for (const st of [this.down, this.up]) {
      st.s = 0
      st.n = 0
      st.live = 0
    }
    const fLive = fresh / p
    const fOther = (1 - fresh) / (1 - p)
    let total = 0
    for (let b = 0; b < this.bins; b++) {
      this.live[b] = this.live[b]! * fLive
      this.other[b] = this.other[b]! * fOther
      this.censored[b] = this.censored[b]! * fOther
      total += this.live[b]! + this.other[b]! + this.censored[b]!
    }
    const dialsWorth = total / this.w
    if (dialsWorth > AFTER_CHANGE_DIALS) this.w *= dialsWorth / AFTER_CHANGE_DIALS
    this.dirty = true
  }

  /** Steps in the live share detected so far. */
  changesDetected(): number {
    return this.changes
  }

  private rebuild(): void {
    this.dirty = false
    this.pending = 0
    let atRisk = 0
    for (let b = 0; b < this.bins; b++) atRisk += this.live[b]! + this.other[b]! + this.censored[b]!
    let s = 1
    let l = 0
    for (let b = 0; b < this.bins; b++) {
      this.surv[b] = s
      this.cumLive[b] = l
      if (atRisk <= 0) continue
      const hl = this.live[b]! / atRisk
      const ho = (this.other[b]! + this.censored[b]!) / atRisk
      l += s * hl
      s *= Math.max(0, 1 - hl - ho)
      atRisk -= this.live[b]! + this.other[b]! + this.censored[b]!
    }
    this.surv[this.bins] = s
    this.cumLive[this.bins] = l
  }

  private ready(): void {
    if (this.dirty) this.rebuild()
  }

  /** Probability that a dial aged `age` s becomes a live answer within the next `h` s. */
  liveWithin(age: number, h: number): number {
    this.ready()
    const a = Math.min(this.bins, Math.max(0, Math.floor(age)))
    const e = Math.min(this.bins, Math.max(0, Math.floor(age + h)))
    const s = this.surv[a]!
    return s > 1e-9 ? Math.min(1, Math.max(0, (this.cumLive[e]! - this.cumLive[a]!) / s)) : 0
  }

  /** Probability that a new dial is eventually a live answer. */
  liveShare(): number {
    this.ready()
    return this.cumLive[this.bins]!
  }

  /** The q-quantile of the time to a live answer, given that the dial is live (seconds). */
  liveQuantile(q: number): number {
    this.ready()
    const total = this.cumLive[this.bins]!
    if (total <= 0) return 10
    for (let b = 1; b <= this.bins; b++) if (this.cumLive[b]! >= q * total) return b
    return this.bins
  }
}

export class DurationModel {
  private readonly bins: number
  private readonly counts: Float64Array
  private tailWeight = 0
  private tailExcess = 0
  private total = 0
  private sum = 0
  private w = 1
  private readonly growth: number
  private dirty = true
  private pending = 0
  /** surv[b]: probability the duration is at least b + 1 seconds. */
  private readonly surv: Float64Array
  /** whole[t]: probability the duration exceeds t whole seconds (whole[0] = 1), for t = 0..bins. */
  private readonly whole: Float64Array
  private tailMean = 60

  constructor(options: { maxSeconds?: number; memory?: number; priorMean: number; priorWeight?: number }) {
    this.bins = options.maxSeconds ?? 1800
    this.counts = new Float64Array(this.bins)
    this.surv = new Float64Array(this.bins + 1)
    this.whole = new Float64Array(this.bins + 1)
    this.growth = 1 / (1 - 1 / (options.memory ?? 500))
    // Prior: an exponential with the given mean.
    const pw = options.priorWeight ?? 5
    const m = Math.max(1, options.priorMean)
    for (let b = 0; b < this.bins; b++) this.counts[b] = pw * (Math.exp(-b / m) - Math.exp(-(b + 1) / m))
    const tail = pw * Math.exp(-this.bins / m)
    this.tailWeight = tail
    this.tailExcess = tail * m
    this.total = pw
    this.sum = pw * m
  }

  observe(seconds: number): void {
    this.w *= this.growth
    if (this.w > RENORM) {
      const k = 1 / this.w
      for (let b = 0; b < this.bins; b++) this.counts[b] = this.counts[b]! * k
      this.tailWeight *= k
      this.tailExcess *= k
      this.total *= k
      this.sum *= k
      this.w = 1
    }
    const w = this.w
    const s = Math.max(0, seconds)
    if (s >= this.bins) {
      this.tailWeight += w
      this.tailExcess += w * (s - this.bins)
    } else {
      const b = Math.floor(s)
      this.counts[b] = this.counts[b]! + w
    }
    this.total += w
    this.sum += w * s
    if (++this.pending >= 8) this.dirty = true
  }

  mean(): number {
    return this.total > 0 ? this.sum / this.total : 0
  }

  private rebuild(): void {
    this.dirty = false
    this.pending = 0
    let rem = this.total
    for (let b = 0; b < this.bins; b++) {
      rem -= this.counts[b]!
      this.surv[b] = Math.max(0, rem / this.total)
    }
    this.surv[this.bins] = Math.max(0, this.tailWeight / this.total)
    this.tailMean = this.tailWeight > 0 ? Math.max(1, this.tailExcess / this.tailWeight) : 60
    this.whole[0] = 1
    for (let t = 1; t <= this.bins; t++) this.whole[t] = this.surv[t - 1]!
  }

  /**
   * The survival at whole seconds, for hot loops: P(duration > t) = whole[t] for t <= bins; past
   * the table it decays exponentially with mean `tailMean`. Valid until the next `observe`.
   */
  table(): { readonly whole: Float64Array; readonly bins: number; readonly tailMean: number } {
    if (this.dirty) this.rebuild()
    return { whole: this.whole, bins: this.bins, tailMean: this.tailMean }
  }

  /** P(duration > t). */
  survival(t: number): number {
    if (this.dirty) this.rebuild()
    if (t < 0) return 1
    if (t < this.bins) {
      // Linear interpolation inside a one-second bin.
      const b = Math.floor(t)
      const prev = b === 0 ? 1 : this.surv[b - 1]!
      const f = t - b
      return prev + (this.surv[b]! - prev) * f
    }
    return this.surv[this.bins]! * Math.exp(-(t - this.bins) / this.tailMean)
  }

  /** Probability that a duration already `age` s long ends within the next `h` s. */
  endsWithin(age: number, h: number): number {
    if (h <= 0) return 0
    const s0 = this.survival(age)
    if (s0 <= 1e-12) return 1
    return Math.min(1, Math.max(0, 1 - this.survival(age + h) / s0))
  }
}
