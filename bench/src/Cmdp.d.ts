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
    readonly agents: number;
    /** Maximum dials in flight (K). */
    readonly maxInFlight: number;
    /** Service completion rate per busy agent (1 / mean handle seconds). */
    readonly mu: number;
    /** Resolution rate per dial in flight (1 / mean dial seconds). */
    readonly nu: number;
    /** Probability that a resolved dial is a live human. */
    readonly p: number;
}
/** A deterministic stationary policy: the dials in flight to hold after an event in pre-decision state (b, k). */
export type Policy = (busy: number, inFlight: number) => number;
export interface PolicyMetrics {
    /** E[b] / N. */
    readonly utilization: number;
    /** Abandons / human answers. */
    readonly abandonRate: number;
    /** Human answers per second. */
    readonly humanRate: number;
    /** Abandons per second. */
    readonly abandonPerSecond: number;
    /** E[k], dials in flight. */
    readonly meanInFlight: number;
}
export interface CmdpSolution {
    /** Optimal E[b]/N under the constraint. */
    readonly utilization: number;
    /** Abandon rate of the optimal (randomised) policy: the limit when it binds. */
    readonly abandonRate: number;
    /** The multiplier at the optimum (0 when the constraint does not bind). */
    readonly lambda: number;
    /** The one or two deterministic policies the optimum mixes, with their time shares. */
    readonly mix: ReadonlyArray<{
        readonly share: number;
        readonly table: Int32Array;
        readonly metrics: PolicyMetrics;
    }>;
}
/**
 * Long-run metrics of a deterministic policy, started empty: power iteration on
 * the uniformised post-decision chain until the distribution stops moving.
 */
export declare const evaluatePolicy: (m: MarkovModel, policy: Policy | Int32Array, tolerance?: number) => PolicyMetrics;
/** A policy as a table over pre-decision states, clamped to k <= k' <= K. */
export declare const tabulate: (m: MarkovModel, policy: Policy) => Int32Array;
/**
 * The constrained optimum at abandon limit α: the highest utilisation any
 * pacer that observes (b, k) can reach with abandons <= α × human answers.
 */
export declare const solve: (m: MarkovModel, alpha: number) => CmdpSolution;
/** The optimum along a set of abandon limits: [[abandonRate, utilization], ...]. */
export declare const frontier: (m: MarkovModel, limits: ReadonlyArray<number>) => Array<readonly [number, number]>;
/** Progressive 1:1 in the Markov model: each idle agent holds exactly one dial. */
export declare const progressivePolicy: (m: MarkovModel) => Policy;
/** Utilisation of progressive 1:1 in closed form: handle / (handle + dial time / p). */
export declare const progressiveUtilization: (m: MarkovModel) => number;
/** Every deterministic stationary policy of a (tiny) model, as tables; for brute-force checks. */
export declare const allPolicies: (m: MarkovModel) => Generator<Int32Array>;
//# sourceMappingURL=Cmdp.d.ts.map