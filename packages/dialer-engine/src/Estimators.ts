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
/** Dials of memory of the fast live-share estimate used to detect a change. */
const FAST_DIALS = 150
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
  /** Change detection: a fast EWMA of the live indicator, compared with the model every few dials. */
  private fastLive = -1
  private sinceCheck = 0
  private changes = 0

  constructor(options: { bins?: number; memory?: number; priorLive: number; priorLiveSeconds: number; priorOtherSeconds: number; priorWeight?: number }) {
    this.bins = options.bins ?? 128
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

  observe(seconds: number, kind: "live" | "other" | "censored"): void {
    this.detectChange(kind === "live" ? 1 : 0)
    const w = this.bump()
    const b = Math.min(this.bins - 1, Math.max(0, Math.floor(seconds)))
    const arr = kind === "live" ? this.live : kind === "other" ? this.other : this.censored
    arr[b] = arr[b]! + w
  }

  /**
   * When the live share of the last ~150 dials departs from the model's by more than 4.5 standard
   * errors (a shift change, a new list), the model takes that recent share at once: live and
   * non-live evidence are rescaled so that their ratio matches it (the timing of each is kept),
   * and the evidence is cut to `AFTER_CHANGE_DIALS` dials' worth so that the model goes on
   * re-learning quickly. Shrinking the old evidence alone (tenfold) left the share a blend of
   * the old and new for a thousand dials: 15 minutes of under-dialling after s5's step.
   */
  private detectChange(x: number): void {
    if (this.fastLive < 0) this.fastLive = this.liveShare()
    this.fastLive += (x - this.fastLive) / FAST_DIALS
    if (++this.sinceCheck < 50) return
    this.sinceCheck = 0
    const p = Math.min(0.99, Math.max(0.01, this.liveShare()))
    if (Math.abs(this.fastLive - p) <= 4.5 * Math.sqrt((p * (1 - p)) / (2 * FAST_DIALS))) return
    this.changes++
    const fresh = Math.min(0.99, Math.max(0.005, this.fastLive))
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
