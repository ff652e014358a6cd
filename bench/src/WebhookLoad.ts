/**
 * An open-loop, constant-rate HTTP load generator for the webhook
 * benchmark's fixed-rate phase, and the latency summary both phases report.
 *
 * Why not autocannon's `overallRate`: autocannon 9 lets each connection send
 * its whole per-second quota as fast as it can at the start of every second
 * and then idle (a burst of `rate` requests per second, not one every
 * 1/rate s), and its coordinated-omission correction records each response
 * with a 1 ms "expected interval" whatever the rate, which adds synthetic
 * samples. Here request i is due at start + i/rate; it is sent then (on a
 * keep-alive socket, queued by the agent if all are busy) and its latency is
 * measured from the moment it was due, so a stalled server shows up in the
 * percentiles instead of silently slowing the sender down.
 */
import { Agent, request } from "node:http"

export interface LatencySummary {
  readonly p50: number
  readonly p90: number
  readonly p99: number
  readonly max: number
}

export interface OpenLoopResult extends LatencySummary {
  readonly sent: number
  readonly ok: number
  readonly non2xx: number
  readonly errors: number
  /** Answers per second over the run (sending window plus the drain of the last answers). */
  readonly rps: number
  /** p99 of how late the sender itself was (ms): a loaded machine delays the sender too, and that is in the latencies. */
  readonly sendLagP99: number
  /** The slowest answer (ms) to the requests due in each second of the run: shows whether the tail is spread or a few stalls. */
  readonly maxBySecond: ReadonlyArray<number>
}

/** Nearest-rank percentile of ascending `sorted` (ms); 0 for no samples. */
export const percentile = (sorted: ReadonlyArray<number>, p: number): number =>
  sorted.length === 0 ? 0 : sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))]!

export const summarize = (latencies: ReadonlyArray<number>): LatencySummary => {
  const sorted = [...latencies].sort((a, b) => a - b)
  return { p50: percentile(sorted, 50), p90: percentile(sorted, 90), p99: percentile(sorted, 99), max: sorted.at(-1) ?? 0 }
}

export interface OpenLoopOptions {
  readonly url: string
  /** Requests per second. */
  readonly rate: number
  readonly durationSec: number
  /** Keep-alive sockets at most (requests beyond them wait in the agent's queue, and that wait counts). */
  readonly sockets: number
  readonly headers: Readonly<Record<string, string>>
  /** The next request's body and extra headers. */
  readonly next: () => { readonly body: string; readonly headers: Readonly<Record<string, string>> }
  /** Give up on answers still missing this long after the last request was due. */
  readonly drainTimeoutMs?: number
}

export const openLoop = (options: OpenLoopOptions): Promise<OpenLoopResult> =>
  new Promise((resolve) => {
    const agent = new Agent({ keepAlive: true, maxSockets: options.sockets })
    const total = Math.round(options.rate * options.durationSec)
    const latencies: Array<number> = []
    const lags: Array<number> = []
    const maxBySecond: Array<number> = Array.from({ length: Math.ceil(options.durationSec) }, () => 0)
    let sent = 0
    let ok = 0
    let non2xx = 0
    let errors = 0
    let settled = 0
    const start = performance.now()
    let finished = false
    const finish = () => {
      if (finished) return
      finished = true
      agent.destroy()
      const elapsed = (performance.now() - start) / 1000
      // Requests still unanswered when the drain timed out count as errors.
      resolve({ sent, ok, non2xx, errors: errors + (sent - settled), rps: ok / elapsed, ...summarize(latencies), sendLagP99: summarize(lags).p99, maxBySecond })
    }
    const fire = (due: number) => {
      lags.push(performance.now() - due)
      const { body, headers } = options.next()
      const req = request(options.url, {
        method: "POST", agent, headers: { ...options.headers, ...headers, "content-length": Buffer.byteLength(body).toString() }
      }, (res) => {
        res.resume()
        res.on("end", () => {
          const latency = performance.now() - due
          latencies.push(latency)
          const second = Math.min(maxBySecond.length - 1, Math.floor((due - start) / 1000))
          maxBySecond[second] = Math.max(maxBySecond[second]!, Math.round(latency * 10) / 10)
          if (res.statusCode !== undefined && res.statusCode >= 200 && res.statusCode < 300) ok++
          else non2xx++
          if (++settled === total) finish()
        })
      })
      req.on("error", () => {
        errors++
        if (++settled === total) finish()
      })
      req.end(body)
    }
    const tick = () => {
      const now = performance.now()
      const due = Math.min(total, Math.floor(((now - start) * options.rate) / 1000) + 1)
      while (sent < due) fire(start + (sent++ * 1000) / options.rate)
      if (sent < total) setTimeout(tick, Math.max(0, start + (sent * 1000) / options.rate - performance.now()))
      else setTimeout(finish, options.drainTimeoutMs ?? 10_000).unref()
    }
    if (total === 0) finish()
    else tick()
  })
