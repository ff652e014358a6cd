/**
 * Progressive 1:1: one dial per ready agent, never more. The reference every
 * predictive pacer must beat. The engine ships it (`ProgressivePacer`); the
 * benchmark runs that very pacer rather than a copy, so the baseline is the
 * code a deployment would run.
 */
export { progressive } from "@autodialer/dialer-engine/ProgressivePacer"
