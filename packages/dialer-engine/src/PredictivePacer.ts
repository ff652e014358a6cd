/**
 * `autodialer`: our predictive pacer.
 *
 * At each decision it predicts, for a short horizon h (the typical time a new
 * dial takes to become a live answer, evaluated at a few quantiles), the number
 * of agents free at h, X = ready + freed(h + grace) - waiting - live(h), where
 * every busy agent frees with its own probability (from the talk and wrap-up
 * duration models and the time already spent) and every dial in flight becomes
 * a live answer with its own probability (from the resolution model and its
 * age). The j-th new dial is abandoned if it is live and fewer than one agent
 * is left for it after the other new dials' live answers, so its abandon
 * probability is P(X - Bin(j-1, r) <= 0). The distribution is exact
 * (Poisson-binomial by dynamic programming) on small floors and normal on large
 * ones. The pacer places dials while that marginal probability stays under a
 * threshold θ.
 *
 * θ is set by a two-level abandon-budget controller:
 * - an outer loop on the regulatory window: the allowed rate for upcoming live
 *   answers is the aimed rate (aim x limit) plus the unspent (or overspent)
 *   budget of the window, `aim x limit x live - abandoned` (carried-in counts
 *   included), spread over the live answers expected in the next 20 minutes;
 * - a calibration factor, observed abandons / predicted abandons (over the last
 *   few hundred predicted abandons), corrects the model's bias;
 * - an inner loop moves θ so that the mean predicted abandon probability of the
 *   dials placed tracks the allowed rate.
 *
 * Two guards sit under the controller, measured in "room": the abandons the window
 * can still take, less those in the pipeline, a fixed margin and GUARD_Z standard
 * deviations of what the dialer can only estimate. With no room left (and at a
 * cold start) the pacer dials progressively (hard guard). In a band of one abandon
 * above that (soft guard) it still dials predictively, but only dials under a small
 * θ, and only as many as take half the room left in calibrated expected abandons:
 * the abandon risk it takes shrinks smoothly to zero as the window's slack does,
 * instead of switching between predictive and progressive dialing.
 *
 * The pacer state is a mutable object (single owner, see `Session.ts`).
 */
import { DurationModel, ResolutionModel } from "./Estimators.ts"
import type { Pacer, PacingSnapshot } from "./Pacer.ts"

export interface Options {
  /** AMD on: live answers are known only after the AMD decision. */
  readonly amd?: boolean
  readonly ringTimeoutSeconds?: number
  /** Seconds a live answer can wait for an agent (connect threshold minus the AMD delay after the greeting). */
  readonly graceSeconds?: number
  /** Priors. */
  readonly priorLiveShare?: number
  readonly priorTalkSeconds?: number
  readonly priorWrapSeconds?: number
  /** Dials of memory of the ring model (forgetting: older dials weigh e^-1 after this many). */
  readonly ringMemoryDials?: number
  /** Exact distributions up to this many uncertain items (busy agents + dials). */
  readonly exactUpTo?: number
  /** Pins θ (disables the budget controller): for studying the policy family, never for production. */
  readonly fixedTheta?: number
  /** Share of the abandon limit the controller aims to use (default 0.95). */
  readonly aim?: number
  /** Quantiles of the time-to-live at which the floor is projected. */
  readonly quantiles?: ReadonlyArray<number>
  /** Pseudo-abandons that start the calibration ratio (default 1): for studying the controller. */
  readonly calibrationPrior?: number
  /** Standard deviations of the window's abandon estimate below which the pacer dials progressively (default 2.5). */
  readonly guardZ?: number
  /** Abandons of headroom under the limit below which the pacer dials progressively (default 1.5). */
  readonly guardMargin?: number
  /** Abandons between the soft guard and the hard one (default 1). */
  readonly softGuardAbandons?: number
  /** θ ceiling inside the soft guard (default 0.01). */
  readonly softGuardTheta?: number
}

export interface State {
  readonly resolution: ResolutionModel
  readonly talk: DurationModel
  readonly wrap: DurationModel
  /** Bridge to ready (talk + wrap-up, or the seconds lost on a missed machine). */
  readonly handle: DurationModel
  theta: number
  /** EWMA of the predicted abandon probability of placed dials. */
  predicted: number
  /** Decayed sums for calibration: predicted vs observed abandons. */
  predSum: number
  obsSum: number
  /** EWMA of live answers per second. */
  liveRate: number
  lastLiveAt: number
  lastDecideAt: number
  /** EWMA of dials placed per second. */
  dialRate: number
  lastDialAt: number
  /** Set once the pacer has left the cold-start guard. */
  warm: boolean
}

const phi = (z: number): number => {
  // Standard normal CDF via a rational erfc approximation (Abramowitz-Stegun 7.1.26, |err| < 1.5e-7).
  const x = Math.abs(z) / Math.SQRT2
  const t = 1 / (1 + 0.3275911 * x)
  const y = t * (0.254829592 + t * (-0.284496736 + t * (1.421413741 + t * (-1.453152027 + t * 1.061405429)))) * Math.exp(-x * x)
  return z >= 0 ? 1 - 0.5 * y : 0.5 * y
}

const MAX_K = 4
/** Bounds of the calibration factor (observed / predicted abandons). */
const CALIBRATION_FLOOR = 0.05
const LIVE_RATE_MEMORY = 600
/** Default memory of the ring model, in dials. */
const RING_MEMORY = 2000
/** Seconds of memory of the dial-rate estimate. */
const DIAL_RATE_MEMORY = 60
/** The window's unspent or overspent budget is spread over the live answers of this many seconds. */
const BUDGET_HORIZON_SECONDS = 3600
/** Abandons of headroom under the limit below which the pacer dials progressively. */
const GUARD_MARGIN = 1.5
/**
 * The soft guard: a band of this many abandons above the hard guard. Inside it the pacer keeps
 * dialing predictively, but only the dials whose abandon probability is under `SOFT_GUARD_THETA`,
 * and only as many as take half of the room left above the hard guard in expected (calibrated)
 * abandons. Falling straight back to progressive there (the old guard, with 3% of the allowance as
 * extra headroom) idled agents for a third of the shift on s6 and made the pacer bang between
 * the two modes; the band replaces that headroom and keeps the worst final window lower.
 */
const SOFT_GUARD_ABANDONS = 1
const SOFT_GUARD_THETA = 0.01
/** Share of the room above the hard guard that one decision's new dials may take inside the soft guard. */
const SOFT_GUARD_ROOM = 0.5
/** Standard deviations of the abandon estimate between the aimed level and the soft guard. */
const AIM_Z = 0.5
/** Standard deviations of the abandon estimate kept as extra headroom. */
const GUARD_Z = 2.5
/** Per-dial gain of θ's multiplicative update. */
const THETA_GAIN = 0.01
/**
 * Predicted abandons after which calibration evidence is halved. Long enough that a model which
 * over-predicts many times over (AMD off: most answers are machines an agent clears in seconds)
 * still holds a few dozen observed abandons when the ratio is read.
 */
const CALIBRATION_MEMORY = 300
/**
 * Pseudo-abandons, observed and predicted, that start the calibration ratio at 1. One, not more:
 * a prior of k pulls the ratio towards 1 by k / (observed + k), which on a floor where the model
 * over-predicts tenfold kept the ratio twice too high and left half the abandon budget unused.
 */
const CALIBRATION_PRIOR = 1

export const make = (options: Options = {}): Pacer<State> => {
  const amd = options.amd ?? true
  const timeout = options.ringTimeoutSeconds ?? 25
  const grace = options.graceSeconds ?? (amd ? 0.5 : 1.5)
  const exactUpTo = options.exactUpTo ?? 80
  const aim = options.aim ?? 0.95
  const calibrationPrior = options.calibrationPrior ?? CALIBRATION_PRIOR
  const guardZ = options.guardZ ?? GUARD_Z
  const guardMargin = options.guardMargin ?? GUARD_MARGIN
  const softAbandons = options.softGuardAbandons ?? SOFT_GUARD_ABANDONS
  const softTheta = options.softGuardTheta ?? SOFT_GUARD_THETA
  const quantiles = options.quantiles ?? [0.25, 0.5, 0.75]
  const K = Math.min(MAX_K, quantiles.length)
  const qs = quantiles.slice(0, K)

  // Scratch buffers, reused across decisions (the pacer is single-threaded and re-entrant free).
  const mu = new Float64Array(MAX_K)
  const vr = new Float64Array(MAX_K)
  const hs = new Float64Array(MAX_K)
  const rNew = new Float64Array(MAX_K)
  const future = new Float64Array(MAX_K)
  const shift = new Float64Array(MAX_K)
  const hInt = new Int32Array(MAX_K)
  let freeP = new Float64Array(256)
  const accM = new Float64Array(MAX_K)
  const accV = new Float64Array(MAX_K)
  const ageHist = new Int32Array(130)
  let pmfs: Array<Float64Array> = []

  const initial = (): State => ({
    resolution: new ResolutionModel({
      memory: options.ringMemoryDials ?? RING_MEMORY,
      priorLive: options.priorLiveShare ?? 0.2,
      priorLiveSeconds: amd ? 12 : 9,
      priorOtherSeconds: Math.min(timeout, 18),
      maxResolveSeconds: timeout + (amd ? 5 : 1)
    }),
    talk: new DurationModel({ priorMean: options.priorTalkSeconds ?? 180 }),
    wrap: new DurationModel({ maxSeconds: 600, priorMean: options.priorWrapSeconds ?? 30 }),
    handle: new DurationModel({ maxSeconds: 3600, priorMean: (options.priorTalkSeconds ?? 180) + (options.priorWrapSeconds ?? 30) }),
    theta: 0.02,
    predicted: 0.02,
    predSum: 0,
    obsSum: 0,
    liveRate: 0,
    lastLiveAt: -1,
    lastDecideAt: -1,
    dialRate: 0,
    lastDialAt: 0,
    warm: false
  })

  /** Poisson-binomial pmf by DP, into a buffer of length n+1. */
  const pbAdd = (pmf: Float64Array, size: number, p: number): number => {
    // pmf has entries 0..size-1 valid; adds one Bernoulli(p).
    pmf[size] = 0
    for (let k = size; k > 0; k--) pmf[k] = pmf[k]! * (1 - p) + pmf[k - 1]! * p
    pmf[0] = pmf[0]! * (1 - p)
    return size + 1
  }

  const decide = (s: State, snap: PacingSnapshot) => {
    const now = snap.now
    s.lastDecideAt = now
    const cap = snap.maxDialsInFlight - snap.dialsInFlight.length
    if (cap <= 0 || snap.agentsLoggedIn <= 0) return { state: s, dials: 0 }
    const res = s.resolution
    const pLive = res.liveShare()
    if (pLive <= 1e-6) return { state: s, dials: Math.max(0, Math.min(cap, snap.agentsReady - snap.dialsInFlight.length - snap.customersWaiting)) }
    // The pacer will go on dialling at about its recent rate: those future dials' live answers
    // that land before h compete too (without this, large floors under-predict abandons).
    const dialRate = s.dialRate * Math.exp(-Math.max(0, now - s.lastDialAt) / 1000 / DIAL_RATE_MEMORY)
    for (let k = 0; k < K; k++) {
      const h = res.liveQuantile(qs[k]!)
      hs[k] = h
      rNew[k] = res.liveWithin(0, h)
      let g = 0
      for (let t = 0.5; t < h; t += 1) g += res.liveWithin(0, h - t)
      future[k] = dialRate * g
    }
    const busy = snap.busyAgents
    const dials = snap.dialsInFlight
    const uncertain = busy.length + dials.length
    const exact = uncertain <= exactUpTo
    const base = snap.agentsReady - snap.customersWaiting
    // Never fewer dials than a progressive pacer would place: idle agents are never left idle on purpose.
    const floor = Math.max(0, Math.min(cap, snap.agentsReady - dials.length - snap.customersWaiting))

    // Busy agents: P(free within h | busy for `age` s) = 1 - S(age + h) / S(age), read from the
    // duration models' whole-second survival tables (a few array reads per agent), for every h.
    const nb = busy.length
    if (exact && freeP.length < nb * K) freeP = new Float64Array(Math.max(nb * K, 2 * freeP.length))
    accM.fill(0)
    accV.fill(0)
    {
      const ht = s.handle.table()
      const wt = s.wrap.table()
      for (let k = 0; k < K; k++) hInt[k] = Math.round(hs[k]! + grace)
      const dense = snap.dense
      for (let i = 0; i < nb; i++) {
        let isWrap: boolean
        let from: number
        if (dense !== undefined) {
          isWrap = dense.busyWrap[i] === 1
          from = isWrap ? dense.busySince[i]! : dense.busyBridgedAt[i]!
        } else {
          const a = busy[i]!
          isWrap = a.phase === "wrap"
          from = isWrap ? a.since : a.bridgedAt
        }
        const t = isWrap ? wt : ht
        const S = t.whole
        const B = t.bins
        let age = ((now - from) * 0.001) | 0
        if (age < 0) age = 0
        const s0 = age >= B ? 0 : S[age]!
        const inv = s0 > 1e-12 ? 1 / s0 : 0
        for (let k = 0; k < K; k++) {
          let p: number
          if (age >= B) p = 1 - Math.exp(-hInt[k]! / t.tailMean) // past the table: memoryless tail
          else if (inv === 0) p = 1
          else {
            const j = age + hInt[k]!
            p = 1 - (j <= B ? S[j]! : S[B]! * Math.exp(-(j - B) / t.tailMean)) * inv
          }
          if (exact) freeP[i * K + k] = p
          else {
            accM[k] = accM[k]! + p
            accV[k] = accV[k]! + p * (1 - p)
          }
        }
      }
    }

    if (exact) {
      if (pmfs.length < K || pmfs[0]!.length < 2 * uncertain + 72) {
        pmfs = []
        for (let k = 0; k < K; k++) pmfs.push(new Float64Array(2 * uncertain + 72))
      }
      // The pmf of F - D over an index shifted by `shift` (index = F - D + shift). Certain outcomes
      // only move the shift; uncertain ones are convolved in.
      const nd = dials.length
      for (let k = 0; k < K; k++) {
        const pmf = pmfs[k]!
        pmf.fill(0, 0, uncertain + 40)
        pmf[0] = 1
        let size = 1
        let sh = nd
        // Each dial adds Bernoulli(1 - q): 1 when it is NOT a live answer by h.
        for (const d of dials) {
          const q = res.liveWithin((now - d.dialedAt) / 1000, hs[k]!)
          if (q < 1e-9) sh -= 1
          else if (q < 1 - 1e-9) size = pbAdd(pmf, size, 1 - q)
        }
        // Future live answers ~ Poisson(future), as M small Bernoulli trials.
        const M = future[k]! > 0 ? Math.min(32, Math.ceil(future[k]! * 4)) : 0
        for (let i = 0; i < M; i++) size = pbAdd(pmf, size, 1 - future[k]! / M)
        sh += M
        for (let i = 0; i < nb; i++) {
          const p = freeP[i * K + k]!
          if (p > 1 - 1e-9) sh -= 1
          else if (p > 1e-9) size = pbAdd(pmf, size, p)
        }
        // Turn the pmf into a CDF in place: index i holds P(F - D + shift <= i).
        for (let i = 1; i < size; i++) pmf[i] = pmf[i]! + pmf[i - 1]!
        mu[k] = size // remember the support size
        shift[k] = sh
      }
    } else {
      ageHist.fill(0)
      const dense = snap.dense
      if (dense !== undefined) {
        const at = dense.dialedAt
        for (let i = 0, n = dials.length; i < n; i++) {
          const b = ((now - at[i]!) * 0.001) | 0
          const c = b < 0 ? 0 : b > 129 ? 129 : b
          ageHist[c] = ageHist[c]! + 1
        }
      } else {
        for (const d of dials) {
          const c = Math.min(129, Math.max(0, Math.floor((now - d.dialedAt) / 1000)))
          ageHist[c] = ageHist[c]! + 1
        }
      }
      for (let k = 0; k < K; k++) {
        let m = base
        let v = 0
        for (let b = 0; b < 130; b++) {
          const c = ageHist[b]!
          if (c === 0) continue
          const q = res.liveWithin(b + 0.5, hs[k]!)
          m -= c * q
          v += c * q * (1 - q)
        }
        m += accM[k]!
        v += accV[k]!
        mu[k] = m - future[k]!
        vr[k] = v + future[k]!
      }
    }

    // Abandon-budget controller: the rate allowed for the next live answers.
    const limit = snap.abandon.limit
    const aimed = aim * limit
    const L = snap.abandon.windowLiveAnswers
    const A = snap.abandon.windowAbandoned
    // Chance constraint: the abandons the window can still take are the limit's, less a margin for
    // the abandons already in the pipeline (dials in flight, customers waiting) and for what the
    // dialer can only estimate (AMD false positives, machine shares), at three standard deviations.
    const pending = s.predicted * pLive * dials.length + 0.5 * snap.customersWaiting
    const sd = snap.abandon.windowAbandonedSd ?? 0
    // Room above the hard guard, in abandons (may be negative).
    const room = limit * L - A - pending - guardMargin - guardZ * sd
    const safeAbandons = limit * L - pending - guardMargin - softAbandons - (guardZ + AIM_Z) * sd
    const budget = Math.min(aimed * L, safeAbandons) - A
    // The rate to hold from here: the aim, or less while the safety margin is a large part of the window.
    const aimedNow = Math.min(aimed, Math.max(0, safeAbandons / Math.max(1, L)))
    // Cold start: assume the floor answers as many live calls as its agents can handle.
    const liveRate = Math.max(s.liveRate, snap.agentsLoggedIn / Math.max(1, s.handle.mean()))
    const horizonLive = Math.max(100, liveRate * BUDGET_HORIZON_SECONDS)
    const allowed = Math.min(2.5 * limit, Math.max(0, aimedNow + budget / horizonLive))
    const calibration = Math.min(3, Math.max(CALIBRATION_FLOOR, (s.obsSum + calibrationPrior) / (s.predSum + calibrationPrior)))
    const targetPred = allowed / calibration
    // Hard guard: within `GUARD_MARGIN` abandons (plus GUARD_Z standard deviations) of the limit,
    // and at a cold start, the pacer dials progressively. The window's rate then stays under the
    // limit whenever the run, and so the judged window, ends. The soft guard is the band of
    // `SOFT_GUARD_ABANDONS` above it (see there); it applies only once the pacer has left the
    // cold-start guard, since before that its calibration has seen nothing.
    const guarded = room < softAbandons
    const hard = room < 0 || (guarded && !s.warm)
    if (!guarded) s.warm = true
    const theta = options.fixedTheta ?? (guarded ? Math.min(s.theta, softTheta) : s.theta)

    // Under the hard guard (a cold start, or standing at the limit) dial progressively: no line without a free agent.
    if (hard && options.fixedTheta === undefined) {
      if (floor > 0) {
        s.dialRate = dialRate + floor / DIAL_RATE_MEMORY
        s.lastDialAt = now
      }
      return { state: s, dials: floor }
    }
    // Abandon probability of new dial n+1: the first n new dials' live answers compete with it.
    const pAt = (n: number): number => {
      let p = 0
      for (let k = 0; k < K; k++) {
        const r = rNew[k]!
        if (exact) {
          const pmf = pmfs[k]!
          const size = mu[k]!
          const nd = shift[k]!
          // Abandoned when F - D <= j - base, with j ~ Bin(n, r) the other new live answers;
          // index i of the CDF is F - D + nd.
          const cdfAt = (j: number): number => {
            const lim = Math.min(size - 1, j - base + nd)
            return lim < 0 ? 0 : pmf[lim]!
          }
          let total = 0
          if (r <= 1e-12 || n === 0) total = cdfAt(0)
          else if (r >= 1 - 1e-12) total = cdfAt(n)
          else {
            let pj = Math.pow(1 - r, n)
            const odds = r / (1 - r)
            for (let j = 0; j <= n; j++) {
              if (j > 0) pj = (pj * (n - j + 1) * odds) / j
              total += pj * cdfAt(j)
            }
          }
          p += Math.min(1, total)
        } else {
          const m = mu[k]! - n * r
          const v = vr[k]! + n * r * (1 - r)
          p += phi((0.5 - m) / Math.sqrt(Math.max(v, 0.25)))
        }
      }
      return p / K
    }
    // Place dials while that probability is under θ (and never fewer than the progressive floor).
    // It rises with n, so the count is found by bisection: O(log n) evaluations, not O(n).
    const maxN = Math.min(cap, 4 * snap.agentsLoggedIn + 4)
    let lo = 0
    let hi = maxN
    if (maxN > 0 && pAt(maxN - 1) <= theta) lo = maxN
    else {
      // Invariant: pAt(i) <= θ for i < lo; pAt(hi) > θ or hi = maxN.
      while (lo < hi) {
        const mid = (lo + hi) >>> 1
        if (pAt(mid) <= theta) lo = mid + 1
        else hi = mid
      }
    }
    let n = Math.max(lo, Math.min(floor, maxN))
    if (guarded && n > floor && options.fixedTheta === undefined) {
      // Soft guard: the new dials' expected abandons (calibrated) may take only a share of the room left.
      const take = SOFT_GUARD_ROOM * room
      let acc = 0
      let i = 0
      for (; i < n; i++) {
        acc += pAt(i) * pLive * calibration
        if (acc > take) break
      }
      n = Math.max(i, Math.min(floor, maxN))
    }
    // Sum of the placed dials' abandon probabilities (exact for a few dials, sampled beyond).
    let sumP = 0
    if (n <= 24) for (let i = 0; i < n; i++) sumP += pAt(i)
    else {
      const step = n / 16
      for (let i = 0; i < 16; i++) sumP += pAt(Math.floor((i + 0.5) * step)) * step
    }
    const dialsOut = n

    // Inner loop: move θ so the mean predicted abandon probability tracks the target.
    if (n > 0 && !guarded) {
      const meanP = sumP / n
      const a = Math.min(0.2, 0.01 * n)
      s.predicted = s.predicted * (1 - a) + meanP * a
      s.predSum += sumP * pLive
      if (s.predSum > CALIBRATION_MEMORY) {
        // Forget old evidence: both sums shrink together so their ratio is kept.
        s.predSum /= 2
        s.obsSum /= 2
      }
      // θ moves only as dials are placed, so its speed does not depend on how often the host calls decide.
      const err = (targetPred - s.predicted) / Math.max(targetPred, 0.002)
      s.theta = Math.min(0.6, Math.max(0.0005, s.theta * Math.exp(THETA_GAIN * n * Math.max(-1, Math.min(1, err)))))
    }
    if (dialsOut > 0) {
      s.dialRate = dialRate + dialsOut / DIAL_RATE_MEMORY
      s.lastDialAt = now
    }
    return { state: s, dials: dialsOut }
  }

  return {
    id: "autodialer",
    get initial() {
      return initial()
    },
    observe: (s, o) => {
      switch (o._tag) {
        case "DialResolved":
          s.resolution.observe(o.secondsToOutcome, o.outcome === "human" ? "live" : o.censored ? "censored" : "other", o.at)
          if (o.outcome === "human") {
            // Event-rate estimate with a 10-minute memory: decays in time, +1/τ per live answer.
            const dt = s.lastLiveAt >= 0 ? Math.max(0, (o.at - s.lastLiveAt) / 1000) : 0
            s.liveRate = s.liveRate * Math.exp(-dt / LIVE_RATE_MEMORY) + 1 / LIVE_RATE_MEMORY
            s.lastLiveAt = o.at
          }
          break
        case "Abandoned":
          s.obsSum += 1
          break
        case "TalkEnded":
          s.talk.observe(o.talkSeconds)
          break
        case "WrapEnded":
          s.wrap.observe(o.wrapSeconds)
          if (o.handleSeconds !== undefined) s.handle.observe(o.handleSeconds)
          break
        case "AgentMissedMachine":
          break
        case "Bridged":
          break
      }
      return s
    },
    decide
  }
}

/** The default `autodialer` pacer (AMD on, 25 s ring timeout). */
export const autodialer: Pacer<State> = make()
