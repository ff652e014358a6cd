// The lean webhook path's routing: which requests it takes, and that everything else (and every
// request before its handler is installed) reaches the app's own listener. The handling itself is
// exercised end to end through the real server by Webhooks.integration.test.ts.
import { once } from "node:events"
import { createServer, type IncomingMessage, type ServerResponse } from "node:http"
import type { AddressInfo } from "node:net"
import { describe, expect, it } from "vitest"
import * as LeanPath from "../src/webhooks/LeanPath.ts"

describe("LeanPath.match", () => {
  it("takes one-segment webhook kinds of the two providers, with or without a query string", () => {
    expect(LeanPath.match("/webhooks/twilio/status")).toEqual({ provider: "twilio", kind: "status" })
    expect(LeanPath.match("/webhooks/twilio/voice?callId=abc")).toEqual({ provider: "twilio", kind: "voice" })
    expect(LeanPath.match("/webhooks/plivo/hangup?x=1&y=2")).toEqual({ provider: "plivo", kind: "hangup" })
  })

  it("leaves every other path to the router", () => {
    for (const url of ["/", "/webhooks", "/webhooks/", "/webhooks/twilio/", "/webhooks/twilio", "/webhooks/twilio/a/b", "/webhooks/sip/x", "/campaigns", "/webhooks/twilio/?x=1"]) {
      expect(LeanPath.match(url)).toBeUndefined()
    }
  })
})

describe("LeanPath.wrap", () => {
  it("hands requests to the app's listener until the handler is installed, and removes the listener on off", async () => {
    const lean = LeanPath.make()
    const server = lean.wrap(createServer())
    const app = (_req: IncomingMessage, res: ServerResponse) => {
      res.writeHead(418)
      res.end("app")
    }
    server.on("request", app)
    server.listen(0, "127.0.0.1")
    await once(server, "listening")
    const { port } = server.address() as AddressInfo
    try {
      const hook = await fetch(`http://127.0.0.1:${port}/webhooks/twilio/status`, { method: "POST", body: "a=1" })
      expect([hook.status, await hook.text()]).toEqual([418, "app"])
      const other = await fetch(`http://127.0.0.1:${port}/healthz`)
      expect(other.status).toBe(418)
      server.off("request", app)
      expect(server.listenerCount("request")).toBe(0)
    } finally {
      server.close()
    }
  })
})
