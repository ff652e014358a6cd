/**
 * The best any non-clairvoyant pacer can do on a Markov call centre (PACING.md §3).
 *
 * State (b, k): b busy agents out of N, k dials in flight out of at most K.
 * Agents finish at rate b·μ; each dial resolves at rate ν; with probability p it
 * is a human, bridged if b < N and abandoned otherwise. After every event the
 * pacer may launch dials (k -> k' with k <= k' <= K; never cancel). The goal is
 * to maximise E[b]/N subject to abandons <= α × human answers.
 *
 * We solve it exactly through Lagrangian duality. For a multiplier λ the
 * unconstrained average-reward MDP with reward rate b/N − λ·(abandon rate −
 * α·human rate) is solved by relative value iteration on the uniformised chain
 * (post-decision values, so the max over k' >= k is a suffix maximum and one
 * sweep costs O(states)). Every deterministic policy π has a line
 * U(π) − λ·C(π) in λ; the dual function is their upper envelope, convex and
 * piecewise linear, and its minimum equals the constrained optimum (strong
 * duality for finite constrained MDPs, Altman 1999). We find the kink with a
 * cutting-plane (Newton) search between a feasible and an infeasible policy;
 * the optimum is the time-sharing mix of the two that meets the constraint
 * with equality, which is the LP solution over occupation measures.
 */

export interface MarkovModel {
  /** Agents. */
  readonly agents: number
  /** Maximum dials in flight (K). */
  readonly maxInFlight: number
  /** Service completion rate per busy agent (1 / mean handle seconds). */
  readonly mu: number
  /** Resolution rate per dial in flight (1 / mean dial seconds). */
  readonly nu: number
  /** Probability that a resolved dial is a live human. */
  readonly p: number
}

/** A deterministic stationary policy: the dials in flight to hold after an event in pre-decision state (b, k). */
export type Policy = (busy: number, inFlight: number) => number

export interface PolicyMetrics {
  /** E[b] / N. */
  readonly utilization: number
  /** Abandons / human answers. */
  readonly abandonRate: number
  /** Human answers per second. */
  readonly humanRate: number
  /** Abandons per second. */
  readonly abandonPerSecond: number
  /** E[k], dials in flight. */
  readonly meanInFlight: number
}

export interface CmdpSolution {
  /** Optimal E[b]/N under the constraint. */
  readonly utilization: number
  /** Abandon rate of the optimal (randomised) policy: the limit when it binds. */
  readonly abandonRate: number
  /** The multiplier at the optimum (0 when the constraint does not bind). */
  readonly lambda: number
  /** The one or two deterministic policies the optimum mixes, with their time shares. */
  readonly mix: ReadonlyArray<{ readonly share: number; readonly table: Int32Array; readonly metrics: PolicyMetrics }>
}

const indexOf = (m: MarkovModel, b: number, k: number) => b * (m.maxInFlight + 1) + k

/** Uniformisation constant: the largest total event rate, plus a margin that guarantees self-loops (aperiodicity). */
const uniformRate = (m: MarkovModel) => (m.agents * m.mu + m.maxInFlight * m.nu) * 1.05

const validate = (m: MarkovModel): void => {
  if (!(Number.isInteger(m.agents) && m.agents >= 1)) throw new RangeError(`agents must be an integer >= 1, got ${m.agents}`)
  if (!(Number.isInteger(m.maxInFlight) && m.maxInFlight >= 1)) throw new RangeError(`maxInFlight must be an integer >= 1, got ${m.maxInFlight}`)
  if (!(m.mu > 0 && m.nu > 0)) throw new RangeError(`mu and nu must be > 0, got ${m.mu}, ${m.nu}`)
  if (!(m.p > 0 && m.p <= 1)) throw new RangeError(`p must be in (0, 1], got ${m.p}`)
}

/**
 * Long-run metrics of a deterministic policy, started empty: power iteration on
 * the uniformised post-decision chain until the distribution stops moving.
 */
export const evaluatePolicy = (m: MarkovModel, policy: Policy | Int32Array, tolerance = 1e-13): PolicyMetrics => {
  validate(m)
  const N = m.agents
  const K = m.maxInFlight
  const S = (N + 1) * (K + 1)
  const table = policy instanceof Int32Array ? policy : tabulate(m, policy)
  const L = uniformRate(m)
  let pi = new Float64Array(S)
  let next = new Float64Array(S)
  pi[indexOf(m, 0, table[indexOf(m, 0, 0)]!)] = 1
  const maxIterations = 2_000_000
  for (let it = 0; it < maxIterations; it++) {
    next.fill(0)
    for (let b = 0; b <= N; b++) {
      for (let k = 0; k <= K; k++) {
        const mass = pi[indexOf(m, b, k)]!
        if (mass === 0) continue
        const done = (b * m.mu) / L
        const resolve = (k * m.nu) / L
        const move = (bb: number, kk: number, w: number) => {
          next[indexOf(m, bb, table[indexOf(m, bb, kk)]!)]! += mass * w
        }
        if (b > 0) move(b - 1, k, done)
        if (k > 0) {
          move(b, k - 1, resolve * (1 - m.p))
          move(b < N ? b + 1 : b, k - 1, resolve * m.p)
        }
        move(b, k, 1 - done - resolve)
      }
    }
    let diff = 0
    for (let i = 0; i < S; i++) diff += Math.abs(next[i]! - pi[i]!)
    ;[pi, next] = [next, pi]
    if (diff < tolerance) break
  }
  let busy = 0
  let inFlight = 0
  let human = 0
  let abandon = 0
  for (let b = 0; b <= N; b++) {
    for (let k = 0; k <= K; k++) {
      const w = pi[indexOf(m, b, k)]!
      busy += w * b
      inFlight += w * k
      human += w * k * m.nu * m.p
      if (b === N) abandon += w * k * m.nu * m.p
    }
  }
  return {
    utilization: busy / N,
    abandonRate: human > 0 ? abandon / human : 0,
    humanRate: human,
    abandonPerSecond: abandon,
    meanInFlight: inFlight
  }
}

/** A policy as a table over pre-decision states, clamped to k <= k' <= K. */
export const tabulate = (m: MarkovModel, policy: Policy): Int32Array => {
  const table = new Int32Array((m.agents + 1) * (m.maxInFlight + 1))
  for (let b = 0; b <= m.agents; b++) {
    for (let k = 0; k <= m.maxInFlight; k++) {
      table[indexOf(m, b, k)] = Math.min(m.maxInFlight, Math.max(k, Math.round(policy(b, k))))
    }
  }
  return table
}

interface LagrangeSolution {
  /** Optimal Lagrangian gain per second. */
  readonly gain: number
  readonly table: Int32Array
  readonly values: Float64Array
}

/**
 * Relative value iteration for the Lagrangian reward b/N − λ·kνp·(1[b=N] − α).
 * `warm` holds post-decision values from a previous λ to start from.
 */
const solveLagrangian = (m: MarkovModel, alpha: number, lambda: number, warm?: Float64Array): LagrangeSolution => {
  const N = m.agents
  const K = m.maxInFlight
  const S = (N + 1) * (K + 1)
  const L = uniformRate(m)
  const reward = new Float64Array(S)
  for (let b = 0; b <= N; b++) {
    for (let k = 0; k <= K; k++) {
      reward[indexOf(m, b, k)] = (b / N - lambda * k * m.nu * m.p * ((b === N ? 1 : 0) - alpha)) / L
    }
  }
  // W: post-decision values; V: pre-decision values, V(b,k) = max_{k'>=k} W(b,k').
  let W = warm ? Float64Array.from(warm) : new Float64Array(S)
  let nextW = new Float64Array(S)
  const V = new Float64Array(S)
  const table = new Int32Array(S)
  const preDecision = (w: Float64Array) => {
    for (let b = 0; b <= N; b++) {
      let best = -Infinity
      let arg = K
      for (let k = K; k >= 0; k--) {
        const i = indexOf(m, b, k)
        // ">=" prefers the smallest k' among (numerical) ties: fewer dials, fewer abandons.
        if (w[i]! >= best - 1e-15 * Math.abs(best)) {
          if (w[i]! > best) best = w[i]!
          arg = k
        }
        V[i] = best
        table[i] = arg
      }
    }
  }
  let gain = 0
  // Stop on a relative tolerance: with a large λ the rewards are large too.
  const tolerance = 1e-11 * (1 + lambda * K * m.nu * m.p)
  const maxIterations = 5_000_000
  for (let it = 0; it < maxIterations; it++) {
    preDecision(W)
    let lo = Infinity
    let hi = -Infinity
    for (let b = 0; b <= N; b++) {
      for (let k = 0; k <= K; k++) {
        const i = indexOf(m, b, k)
        const done = (b * m.mu) / L
        const resolve = (k * m.nu) / L
        let v = reward[i]! + (1 - done - resolve) * V[i]!
        if (b > 0) v += done * V[indexOf(m, b - 1, k)]!
        if (k > 0) v += resolve * ((1 - m.p) * V[indexOf(m, b, k - 1)]! + m.p * V[indexOf(m, b < N ? b + 1 : b, k - 1)]!)
        nextW[i] = v
        const d = v - W[i]!
        if (d < lo) lo = d
        if (d > hi) hi = d
      }
    }
    const ref = nextW[0]!
    for (let i = 0; i < S; i++) nextW[i]! -= ref
    ;[W, nextW] = [nextW, W]
    gain = ((lo + hi) / 2) * L
    // The span of successive differences bounds the gain error (per step units).
    if ((hi - lo) * L < tolerance && it > 10) break
  }
  preDecision(W)
  return { gain, table: Int32Array.from(table), values: W }
}

/** C(π) = abandons − α·human answers, per second: the constraint, feasible when <= 0. */
const slack = (metrics: PolicyMetrics, alpha: number) => metrics.abandonPerSecond - alpha * metrics.humanRate

/**
 * The constrained optimum at abandon limit α: the highest utilisation any
 * pacer that observes (b, k) can reach with abandons <= α × human answers.
 */
export const solve = (m: MarkovModel, alpha: number): CmdpSolution => {
  validate(m)
  if (!(alpha >= 0 && alpha < 1)) throw new RangeError(`alpha must be in [0, 1), got ${alpha}`)
  const evaluate = (table: Int32Array) => evaluatePolicy(m, table)
  if (alpha === 0) {
    // No abandon at all means b + k <= N in every reachable state (otherwise the
    // next resolutions can all be humans and reach (N, k >= 1)); the best such
    // policy dials every idle agent's line: progressive. Solved directly, since
    // the Lagrangian search would need an unbounded multiplier.
    const table = tabulate(m, progressivePolicy(m))
    const metrics = evaluate(table)
    return { utilization: metrics.utilization, abandonRate: 0, lambda: Infinity, mix: [{ share: 1, table, metrics }] }
  }
  // λ = 0: the unconstrained optimum (dial to the cap). Feasible => done.
  const free = solveLagrangian(m, alpha, 0)
  const freeMetrics = evaluate(free.table)
  if (slack(freeMetrics, alpha) <= 0) {
    return { utilization: freeMetrics.utilization, abandonRate: freeMetrics.abandonRate, lambda: 0, mix: [{ share: 1, table: free.table, metrics: freeMetrics }] }
  }
  // Find a feasible policy by raising λ geometrically.
  let hiLambda = 1
  let warm = free.values
  let feasible: { table: Int32Array; metrics: PolicyMetrics } | undefined
  for (let i = 0; i < 80 && feasible === undefined; i++) {
    const s = solveLagrangian(m, alpha, hiLambda, warm)
    warm = s.values
    const metrics = evaluate(s.table)
    if (slack(metrics, alpha) <= 0) feasible = { table: s.table, metrics }
    else hiLambda *= 4
  }
  if (feasible === undefined) throw new Error("no feasible policy found (is alpha > 0?)")
  let infeasible = { table: free.table, metrics: freeMetrics }
  // Cutting planes: λ where the two policies' lines cross. If the best policy
  // there is one of them (no line above the crossing), the crossing is the
  // dual minimum; otherwise it replaces the one on its side.
  let lambda = 0
  for (let i = 0; i < 200; i++) {
    const cF = slack(feasible.metrics, alpha)
    const cI = slack(infeasible.metrics, alpha)
    lambda = (infeasible.metrics.utilization - feasible.metrics.utilization) / (cI - cF)
    const crossing = feasible.metrics.utilization - lambda * cF
    const s = solveLagrangian(m, alpha, lambda, warm)
    warm = s.values
    if (s.gain <= crossing + 1e-9) break
    const metrics = evaluate(s.table)
    const c = slack(metrics, alpha)
    if (c <= 0) {
      if (sameTable(s.table, feasible.table)) break
      feasible = { table: s.table, metrics }
    } else {
      if (sameTable(s.table, infeasible.table)) break
      infeasible = { table: s.table, metrics }
    }
  }
  const cF = slack(feasible.metrics, alpha)
  const cI = slack(infeasible.metrics, alpha)
  // Time-share q of the infeasible policy so that the mixed constraint is exactly 0.
  const q = -cF / (cI - cF)
  const utilization = (1 - q) * feasible.metrics.utilization + q * infeasible.metrics.utilization
  const humans = (1 - q) * feasible.metrics.humanRate + q * infeasible.metrics.humanRate
  const abandons = (1 - q) * feasible.metrics.abandonPerSecond + q * infeasible.metrics.abandonPerSecond
  return {
    utilization,
    abandonRate: abandons / humans,
    lambda,
    mix: [
      { share: 1 - q, table: feasible.table, metrics: feasible.metrics },
      { share: q, table: infeasible.table, metrics: infeasible.metrics }
    ]
  }
}

const sameTable = (a: Int32Array, b: Int32Array) => a.length === b.length && a.every((v, i) => v === b[i])

/** The optimum along a set of abandon limits: [[abandonRate, utilization], ...]. */
export const frontier = (m: MarkovModel, limits: ReadonlyArray<number>): Array<readonly [number, number]> =>
  limits.map((alpha) => {
    const s = solve(m, alpha)
    return [s.abandonRate, s.utilization] as const
  })

/** Progressive 1:1 in the Markov model: each idle agent holds exactly one dial. */
export const progressivePolicy =
  (m: MarkovModel): Policy =>
  (b) =>
    m.agents - b

/** Utilisation of progressive 1:1 in closed form: handle / (handle + dial time / p). */
export const progressiveUtilization = (m: MarkovModel): number => 1 / m.mu / (1 / m.mu + 1 / m.nu / m.p)

/** Every deterministic stationary policy of a (tiny) model, as tables; for brute-force checks. */
export const allPolicies = function* (m: MarkovModel): Generator<Int32Array> {
  const N = m.agents
  const K = m.maxInFlight
  const S = (N + 1) * (K + 1)
  const table = new Int32Array(S)
  for (let b = 0; b <= N; b++) for (let k = 0; k <= K; k++) table[indexOf(m, b, k)] = k
  while (true) {
    yield Int32Array.from(table)
    // odometer over states: each digit runs from k to K
    let i = 0
    for (; i < S; i++) {
      const k = i % (K + 1)
      if (table[i]! < K) {
        table[i]! += 1
        break
      }
      table[i] = k
    }
    if (i === S) return
  }
}
