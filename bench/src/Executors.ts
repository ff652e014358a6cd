/**
 * Where the benchmark's jobs run: in this thread, or in a pool of worker
 * threads (the machine has 2 cores). Either way results come back in job
 * order, so the output is the same whatever the scheduling.
 */
import { Worker } from "node:worker_threads"
import type { Scenario } from "@autodialer/dialer-engine/Scenario"
import type { Executor, Job, JobResult } from "./Runner.ts"
import { runJob } from "./Simulation.ts"

export const inProcess =
  (scenarios: ReadonlyArray<Scenario>): Executor =>
  async (jobs, onDone) => {
    const out: Array<JobResult> = []
    for (const job of jobs) {
      out.push(runJob(scenarios[job.scenario]!, job))
      onDone(job)
      // let the event loop breathe (progress output, signals)
      await new Promise((r) => setImmediate(r))
    }
    return out
  }

type Reply = { readonly index: number; readonly result: JobResult } | { readonly index: number; readonly error: string }

/**
 * A pool of `size` worker threads, each running `Worker.ts` with the scenarios
 * given once at start-up. Call `close()` when done.
 */
export const workerPool = (scenarios: ReadonlyArray<Scenario>, size: number): { readonly execute: Executor; readonly close: () => Promise<void> } => {
  const workers = Array.from(
    { length: size },
    () =>
      new Worker(new URL("./Worker.ts", import.meta.url), {
        workerData: { scenarios },
        execArgv: ["--conditions=@autodialer/source", "--disable-warning=ExperimentalWarning"]
      })
  )
  const execute: Executor = (jobs, onDone) =>
    new Promise((resolve, reject) => {
      const results: Array<JobResult | undefined> = new Array(jobs.length)
      let next = 0
      let finished = 0
      let failed = false
      if (jobs.length === 0) return resolve([])
      const feed = (w: Worker) => {
        if (next < jobs.length) {
          const index = next++
          w.postMessage({ index, job: jobs[index] })
        }
      }
      const listeners = workers.map((w) => {
        const onMessage = (reply: Reply) => {
          if (failed) return
          if ("error" in reply) {
            failed = true
            cleanup()
            return reject(new Error(reply.error))
          }
          results[reply.index] = reply.result
          finished++
          onDone(jobs[reply.index]! as Job)
          if (finished === jobs.length) {
            cleanup()
            resolve(results as Array<JobResult>)
          } else feed(w)
        }
        const onError = (e: Error) => {
          if (failed) return
          failed = true
          cleanup()
          reject(e)
        }
        w.on("message", onMessage)
        w.on("error", onError)
        return { w, onMessage, onError }
      })
      const cleanup = () => {
        for (const l of listeners) {
          l.w.off("message", l.onMessage)
          l.w.off("error", l.onError)
        }
      }
      for (const w of workers) feed(w)
    })
  return { execute, close: async () => void (await Promise.all(workers.map((w) => w.terminate()))) }
}
