/**
 * The bounds reported beside the pacers: the exact CMDP optimum (and its
 * frontier along abandon rates) for Markovian scenarios, and the clairvoyant
 * ceiling for every scenario.
 */
import { type Scenario } from "@autodialer/dialer-engine/Scenario";
import * as Cmdp from "./Cmdp.ts";
/** Abandon limits along which the frontier is solved. */
export declare const frontierLimits: readonly [0.0025, 0.005, 0.01, 0.015, 0.02, 0.025, 0.03, 0.035, 0.04, 0.05, 0.06];
/** The Markov model of a Markovian scenario: K = floor(maxLinesPerAgent x count). */
export declare const markovModelOf: (s: Scenario) => Cmdp.MarkovModel | null;
export interface Bound {
    readonly scenario: string;
    readonly cmdpOptimal: {
        readonly utilization: number;
        readonly abandonRate: number;
    } | null;
    readonly cmdpFrontier: ReadonlyArray<readonly [number, number]> | null;
    readonly clairvoyant: {
        readonly utilization: number;
    };
}
/**
 * The clairvoyant ceiling. A pacer that knows every outcome in advance times
 * its dials so that a live answer lands exactly when an agent frees up: it
 * never abandons and never idles an agent, unless the line cap cannot carry
 * enough dials to feed every agent. So its utilisation is
 * min(1, supply / demand), with supply = K x delivered-human share / mean
 * line-holding time and demand = N / mean handle time, taken at the worst
 * outcome step. Degenerate by design: report it only as a ceiling.
 */
export declare const clairvoyantUtilization: (s: Scenario) => number;
export declare const boundsOf: (s: Scenario) => Bound;
/** The CMDP optimum at an arbitrary abandon rate (for judging a pacer at the rate it reached). */
export declare const optimumAt: (s: Scenario, abandonRate: number) => number | null;
//# sourceMappingURL=Bounds.d.ts.map