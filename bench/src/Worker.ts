/**
 * Worker-thread entry of the benchmark: runs the jobs it is sent against the
 * scenarios it was started with, and replies with each result by job index.
 */
import { parentPort, workerData } from "node:worker_threads"
import type { Scenario } from "@autodialer/dialer-engine/Scenario"
import type { Job } from "./Runner.ts"
import { runJob } from "./Simulation.ts"

const { scenarios } = workerData as { readonly scenarios: ReadonlyArray<Scenario> }

parentPort?.on("message", ({ index, job }: { readonly index: number; readonly job: Job }) => {
  try {
    parentPort?.postMessage({ index, result: runJob(scenarios[job.scenario]!, job) })
  } catch (e) {
    parentPort?.postMessage({ index, error: e instanceof Error ? (e.stack ?? e.message) : String(e) })
  }
})
