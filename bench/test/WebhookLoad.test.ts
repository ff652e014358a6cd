import { createServer, type Server } from "node:http"
import { afterEach, describe, expect, it } from "vitest"
import { openLoop, percentile, summarize } from "../src/WebhookLoad.ts"

/** A loopback server that answers 204 after `delayMs`, serially when `serial` (one request at a time). */
const serve = (delayMs: number, serial = false) =>
  new Promise<{ server: Server; url: string; seen: () => number }>((resolve) => {
    let seen = 0
    let busyUntil = 0
    const server = createServer((req, res) => {
      req.resume()
      req.on("end", () => {
        seen++
        const now = Date.now()
        const at = serial ? Math.max(now, busyUntil) + delayMs : now + delayMs
        busyUntil = at
        setTimeout(() => res.writeHead(204).end(), at - now)
      })
    })
    server.listen(0, "127.0.0.1", () => {
      const address = server.address()
      resolve({ server, url: `http://127.0.0.1:${typeof address === "object" && address !== null ? address.port : 0}/hook`, seen: () => seen })
    })
  })

let open: Server | undefined
afterEach(() => new Promise<void>((done) => open === undefined ? done() : open.close(() => done())))

const next = () => ({ body: "a=1", headers: { "x-test": "1" } })

describe("openLoop", () => {
  it("sends at the given rate and measures each answer from when it was due", async () => {
    const { server, url, seen } = await serve(5)
    open = server
    const result = await openLoop({ url, rate: 200, durationSec: 1, sockets: 16, headers: {}, next })
    expect(result.sent).toBe(200)
    expect(seen()).toBe(200)
    expect(result.ok).toBe(200)
    expect(result.non2xx + result.errors).toBe(0)
    expect(result.p50).toBeGreaterThanOrEqual(5)
    expect(result.rps).toBeGreaterThan(150)
    expect(result.rps).toBeLessThanOrEqual(205)
  })

  it("counts the time a request waits behind a slow server (no coordinated omission)", async () => {
    // The server takes 20 ms per request, one at a time: 50 answers/s against 100 sent/s.
    const { server, url } = await serve(20, true)
    open = server
    const result = await openLoop({ url, rate: 100, durationSec: 1, sockets: 1, headers: {}, next })
    expect(result.ok).toBe(100)
    // The last requests were due ~1 s in and answered ~2 s in: a closed-loop tool would report ~20 ms.
    expect(result.p99).toBeGreaterThan(700)
    expect(result.p50).toBeGreaterThan(200)
  })
})

describe("percentiles", () => {
  it("uses nearest rank", () => {
    const xs = Array.from({ length: 100 }, (_, i) => i + 1)
    expect(percentile(xs, 50)).toBe(50)
    expect(percentile(xs, 99)).toBe(99)
    expect(percentile([], 99)).toBe(0)
    expect(summarize([3, 1, 2])).toEqual({ p50: 2, p90: 3, p99: 3, max: 3 })
  })
})
