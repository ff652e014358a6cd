import { describe, expect, it } from "vitest"
import { backoff, sseParser, toMessage } from "../src/Realtime.ts"

describe("Realtime", () => {
  it("parses SSE split anywhere, with CRLF, comments and multi-line data", () => {
    const text = ": keep-alive\r\nevent: call.connected\r\ndata: {\"callId\":\r\ndata: \"c1\"}\r\n\r\nevent: ping\ndata: {}\n\ndata: {\"type\":\"agent.state\",\"at\":5,\"data\":{\"state\":\"available\"}}\n\n"
    for (const size of [1, 2, 3, 7, 1000]) {
      const parse = sseParser()
      const events = []
      for (let i = 0; i < text.length; i += size) events.push(...parse(text.slice(i, i + size)))
      expect(events.map((e) => e.event)).toEqual(["call.connected", "ping", "message"])
      expect(events[0]!.data).toBe("{\"callId\":\n\"c1\"}")
      expect(toMessage(events[0]!, 1)).toEqual({ type: "call.connected", at: 1, data: { callId: "c1" } })
      expect(toMessage(events[2]!, 1)).toEqual({ type: "agent.state", at: 5, data: { state: "available" } })
    }
  })

  it("drops events whose data is not JSON", () => {
    expect(toMessage({ event: "x", data: "not json", id: undefined }, 0)).toBeUndefined()
  })

  it("backs off exponentially to a cap, with bounded jitter", () => {
    expect(backoff(0, 0)).toBe(500)
    expect(backoff(1, 0)).toBe(1000)
    expect(backoff(4, 0)).toBe(8000)
    expect(backoff(5, 0)).toBe(15_000)
    expect(backoff(50, 0)).toBe(15_000)
    expect(backoff(3, 0.999)).toBeGreaterThanOrEqual(Math.round(4000 * 0.7))
    expect(backoff(3, 0.999)).toBeLessThan(4000)
  })
})
