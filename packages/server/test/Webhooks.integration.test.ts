import { postgres } from "@autodialer/testkit"
import { Tenancy, UuidV7 } from "@autodialer/domain"
import type { OrganizationId } from "@autodialer/domain/Ids"
import { Effect } from "effect"
import { SqlClient } from "effect/sql"
import twilio from "twilio"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { createHmac, randomBytes } from "node:crypto"
import { plivoAuthToken, start, twilioAccountSid, twilioAuthToken, type TestServer } from "./support/TestServer.ts"

const pg = postgres()
const callSid = `CA${"ab".repeat(16)}`

/** Plivo's documented V3 signature: HMAC-SHA256 over the URL, the sorted POST parameters and the nonce. */
const plivoV3 = (url: string, nonce: string, params: Record<string, string>): string => {
  const u = new URL(url)
  const query = [...u.searchParams.entries()].map(([k, v]) => `${k}=${v}`).sort()
  let base = `${u.protocol}//${u.host}${u.pathname}`
  if (query.length > 0 || Object.keys(params).length > 0) base += `?${query.join("&")}`
  if (query.length > 0 && Object.keys(params).length > 0) base += "."
  base += Object.keys(params).sort().map((k) => `${k}${params[k]}`).join("")
  return createHmac("sha256", plivoAuthToken).update(`${base}.${nonce}`).digest("base64")
}

describe.skipIf(pg.skip)("provider webhooks", () => {
  let server: TestServer
  let orgId: string
  let callId: string

  const events = () =>
    server.run(Effect.gen(function*() {
      const sql = yield* SqlClient.SqlClient
      return yield* Tenancy.withSystem(sql<{ readonly eventType: string }>`SELECT event_type FROM call_events ORDER BY received_at, id`)
    }))
  const callStatus = () =>
    server.run(Effect.gen(function*() {
      const sql = yield* SqlClient.SqlClient
      const rows = yield* Tenancy.withSystem(sql<{ readonly status: string; readonly talkDurationSeconds: number | null }>`SELECT status, talk_duration_seconds FROM calls WHERE id = ${callId}`)
      return rows[0]!
    }))

  const post = (path: string, params: Record<string, string>, signature?: string) => {
    const url = `${server.url}${path}`
    const sig = signature ?? twilio.getExpectedTwilioSignature(twilioAuthToken, url, params)
    return fetch(url, {
      method: "POST",
      headers: { "content-type": "application/x-www-form-urlencoded", "x-twilio-signature": sig },
      body: new URLSearchParams(params).toString()
    })
  }
  const status = (CallStatus: string, extra: Record<string, string> = {}) => ({ CallSid: callSid, AccountSid: twilioAccountSid, CallStatus, ...extra })

  /** An outbound call of the organization, initiated, with the provider's call id; its id. */
  const insertCall = (provider: "twilio" | "plivo", providerCallId: string, toNumber: string) =>
    Effect.gen(function*() {
      const sql = yield* SqlClient.SqlClient
      const id = yield* UuidV7.generate
      yield* Tenancy.withTenant(orgId as OrganizationId)(sql`INSERT INTO calls ${sql.insert({
        id, orgId, provider, providerCallId, direction: "outbound", fromNumber: "+14155550100", toNumber, status: "initiated"
      })}`)
      return id
    })

  beforeAll(async () => {
    server = await start({ databaseUrl: pg.value!, label: "server_webhooks" })
    orgId = (await server.provision("hooks")).orgId
    callId = await server.run(insertCall("twilio", callSid, "+14155550123"))
  }, 60_000)
  afterAll(async () => {
    await server?.close()
  })

  it("refuses a forged signature with 403 and stores nothing", async () => {
    const forged = await post("/webhooks/twilio/status", status("completed", { CallDuration: "42" }), "bm90LWEtc2lnbmF0dXJl")
    expect(forged.status).toBe(403)
    expect((await forged.json()).message).toMatch(/does not match/)
    // Signed for other parameters than the ones sent: also refused.
    const sig = twilio.getExpectedTwilioSignature(twilioAuthToken, `${server.url}/webhooks/twilio/status`, status("ringing"))
    expect((await post("/webhooks/twilio/status", status("completed"), sig)).status).toBe(403)
    expect(await events()).toEqual([])
    expect((await callStatus()).status).toBe("initiated")
  })

  it("stores a valid event once, however often it is delivered", async () => {
    const first = await post("/webhooks/twilio/status", status("ringing"))
    expect(first.status).toBe(204)
    const again = await post("/webhooks/twilio/status", status("ringing"))
    expect(again.status).toBe(204)
    expect((await events()).map((e) => e.eventType)).toEqual(["Ringing"])
    expect((await callStatus()).status).toBe("ringing")
  })

  it("never moves a call backwards on out-of-order events", async () => {
    expect((await post("/webhooks/twilio/status", status("completed", { CallDuration: "42" }))).status).toBe(204)
    expect((await post("/webhooks/twilio/status", status("in-progress"))).status).toBe(204)
    const call = await callStatus()
    expect(call.status).toBe("completed")
    expect(call.talkDurationSeconds).toBe(42)
    expect((await events()).map((e) => e.eventType)).toEqual(["Ringing", "Completed", "Answered"])
  })

  it("answers the voice URL with TwiML", async () => {
    const response = await post("/webhooks/twilio/voice", { CallSid: callSid, AccountSid: twilioAccountSid, CallStatus: "in-progress" })
    expect(response.status).toBe(200)
    expect(response.headers.get("content-type")).toMatch(/xml/)
    expect(await response.text()).toMatch(/<Response>.*<Pause/)
  })

  it("refuses a Plivo callback without a V3 signature", async () => {
    const response = await fetch(`${server.url}/webhooks/plivo/hangup`, {
      method: "POST",
      headers: { "content-type": "application/x-www-form-urlencoded" },
      body: "CallUUID=1b7b8f7e-0000-4000-8000-000000000000&Event=Hangup&CallStatus=completed"
    })
    expect(response.status).toBe(403)
    expect(await events()).toHaveLength(3)
  })

  it("counts webhooks and their latency in /metrics", async () => {
    const text = await (await fetch(`${server.url}/metrics`)).text()
    expect(text).toMatch(/autodialer_webhooks_total\{provider="twilio",status="403"\} 2/)
    expect(text).toMatch(/autodialer_webhooks_total\{provider="twilio",status="204"\} 4/)
    expect(text).toMatch(/autodialer_webhook_seconds_count\{provider="twilio"\} \d+/)
    expect(text).toMatch(/autodialer_calls\{status="completed",outcome="none"\} 1/)
  })

  it("stores signed Plivo callbacks once and answers the answer URL with Plivo XML after storing", async () => {
    const callUuid = "5a1d0c52-7c2e-4f0e-9d6a-0123456789ab"
    await server.run(insertCall("plivo", callUuid, "+14155550125"))
    const postPlivo = (kind: string, params: Record<string, string>) => {
      const url = `${server.url}/webhooks/plivo/${kind}`
      const nonce = randomBytes(10).toString("hex")
      return fetch(url, {
        method: "POST",
        headers: { "content-type": "application/x-www-form-urlencoded", "x-plivo-signature-v3": plivoV3(url, nonce, params), "x-plivo-signature-v3-nonce": nonce },
        body: new URLSearchParams(params).toString()
      })
    }
    expect((await postPlivo("ring", { CallUUID: callUuid, Event: "Ring", CallStatus: "ringing" })).status).toBe(204)
    for (let i = 0; i < 2; i++) {
      const answer = await postPlivo("answer", { CallUUID: callUuid, Event: "StartApp", CallStatus: "in-progress" })
      expect(answer.status).toBe(200)
      expect(answer.headers.get("content-type")).toMatch(/xml/)
      expect(await answer.text()).toMatch(/<Response>/)
    }
    const stored = await server.run(Effect.gen(function*() {
      const sql = yield* SqlClient.SqlClient
      return yield* Tenancy.withSystem(Effect.all({
        events: sql<{ readonly eventType: string }>`SELECT event_type FROM call_events WHERE provider = 'plivo' AND provider_call_id = ${callUuid} ORDER BY received_at`,
        call: sql<{ readonly status: string }>`SELECT status FROM calls WHERE provider_call_id = ${callUuid}`
      }))
    }))
    expect(stored.events.map((e) => e.eventType)).toEqual(["Ringing", "Answered"])
    expect(stored.call[0]?.status).toBe("in_progress")
  })

  it("answers 503 with Retry-After when the event's batch cannot commit, stores nothing, and takes the redelivery", async () => {
    const otherSid = `CA${"cd".repeat(16)}`
    await server.run(Effect.gen(function*() {
      const sql = yield* SqlClient.SqlClient
      yield* insertCall("twilio", otherSid, "+14155550124")
      // As the database owner: a trigger that makes the call's update fail after the event's INSERT has run.
      yield* sql.unsafe(`CREATE FUNCTION refuse_update() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RAISE EXCEPTION 'refused'; END $$`)
      yield* sql.unsafe(`CREATE TRIGGER refuse_update BEFORE UPDATE ON calls FOR EACH ROW EXECUTE FUNCTION refuse_update()`)
    }))
    const params = { CallSid: otherSid, AccountSid: twilioAccountSid, CallStatus: "ringing" }
    const refused = await post("/webhooks/twilio/status", params)
    expect(refused.status).toBe(503)
    expect(refused.headers.get("retry-after")).toBe("1")
    expect((await refused.json())._tag).toBe("EventStoreUnavailable")
    const storedFor = () => server.run(Effect.gen(function*() {
      const sql = yield* SqlClient.SqlClient
      return yield* Tenancy.withSystem(sql`SELECT 1 FROM call_events WHERE provider_call_id = ${otherSid}`)
    }))
    expect(await storedFor()).toHaveLength(0)
    await server.run(Effect.gen(function*() {
      const sql = yield* SqlClient.SqlClient
      yield* sql.unsafe(`DROP TRIGGER refuse_update ON calls`)
      yield* sql.unsafe(`DROP FUNCTION refuse_update()`)
    }))
    expect((await post("/webhooks/twilio/status", params)).status).toBe(204)
    expect(await storedFor()).toHaveLength(1)
  })
})
