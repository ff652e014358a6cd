/**
 * The agent desk and voice servers over HTTP: dispositions with notes and a
 * callback, a DNC disposition, a voice server verified by a loopback health
 * endpoint, a transcript posted for a call, and a transfer to a department
 * that offers the call to its longest-idle ready agent on their channel.
 */
import { postgres } from "@autodialer/testkit"
import { Tenancy, UuidV7 } from "@autodialer/domain"
import type { OrganizationId } from "@autodialer/domain/Ids"
import { Effect } from "effect"
import { SqlClient } from "effect/sql"
import { createServer, type Server } from "node:http"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { api, start, type TestServer } from "./support/TestServer.ts"

const pg = postgres()

describe.skipIf(pg.skip)("agent desk and voice servers", () => {
  let server: TestServer
  let org: { orgId: string; apiKey: string }
  let agent: { userId: string; apiKey: string }
  let health: Server
  let healthPort = 0

  beforeAll(async () => {
    server = await start({ databaseUrl: pg.value!, label: "server_desk" })
    org = await server.provision("desk")
    agent = await server.addUser(org.orgId, "agent", "dora@desk.test")
    health = createServer((req, res) => {
      res.statusCode = req.url === "/health" ? 200 : 404
      res.end("ok")
    })
    await new Promise<void>((r) => health.listen(0, "127.0.0.1", () => r()))
    const address = health.address()
    healthPort = typeof address === "object" && address !== null ? address.port : 0
  }, 60_000)
  afterAll(async () => {
    health?.close()
    await server?.close()
  })

  /** A live call of the campaign to the contact, answered and bridged to `agentId`. */
  const liveCall = (campaignId: string, contactId: string, agentId: string | null) =>
    server.run(Effect.gen(function*() {
      const sql = yield* SqlClient.SqlClient
      const id = yield* UuidV7.generate
      yield* Tenancy.withTenant(org.orgId as OrganizationId)(sql`INSERT INTO calls ${sql.insert({
        id, orgId: org.orgId, campaignId, contactId, agentId, provider: "simulated", direction: "outbound",
        fromNumber: "+14155550100", toNumber: "+14155550181", status: "in_progress", answeredAt: new Date()
      })}`)
      return id
    }))

  it("dispositions a call with notes and a callback, and a DNC disposition lists the number", async () => {
    const admin = api(server.url, org.apiKey)
    const asAgent = api(server.url, agent.apiKey)
    await admin("POST", "/dispositions", { code: "callback", label: "Call back", contact: true, callback: true })
    await admin("POST", "/dispositions", { code: "do_not_call", label: "DNC", contact: true, dnc: true })
    const campaign = await admin("POST", "/campaigns", { name: "Desk", mode: "progressive" })
    const contact = await admin("POST", "/contacts", { phone: "+14155550181", firstName: "Cal" })
    await admin("POST", `/campaigns/${campaign.body.id}/contacts`, { contactIds: [contact.body.id] })
    const callId = await liveCall(campaign.body.id, contact.body.id, agent.userId)

    const unknown = await asAgent("POST", `/calls/${callId}/disposition`, { code: "sold" })
    expect(unknown.status).toBe(400)
    expect(unknown.body.message).toMatch(/use one of: .*callback/)
    const past = await asAgent("POST", `/calls/${callId}/disposition`, { code: "callback", callbackAt: "2001-01-01T00:00:00Z" })
    expect(past.status).toBe(400)
    const when = new Date(Date.now() + 3_600_000).toISOString()
    const ok = await asAgent("POST", `/calls/${callId}/disposition`, { code: "callback", notes: "call after 5pm", callbackAt: when })
    expect(ok.status).toBe(200)
    const detail = await asAgent("GET", `/calls/${callId}`)
    expect(detail.body.notes).toBe("call after 5pm")
    const queue = await server.run(Effect.gen(function*() {
      const sql = yield* SqlClient.SqlClient
      return yield* Tenancy.withSystem(sql<{ readonly status: string; readonly nextAttemptAt: Date }>`
        SELECT status, next_attempt_at FROM campaign_contacts WHERE contact_id = ${contact.body.id}`)
    }))
    expect(queue[0]!.status).toBe("pending")
    expect(new Date(queue[0]!.nextAttemptAt).toISOString()).toBe(when)

    // Another agent's call is not theirs to disposition.
    const other = await server.addUser(org.orgId, "agent", "otto@desk.test")
    expect((await api(server.url, other.apiKey)("POST", `/calls/${callId}/disposition`, { code: "callback" })).status).toBe(404)

    await asAgent("POST", `/calls/${callId}/disposition`, { code: "do_not_call" })
    const check = await admin("GET", "/dnc/check?phone=%2B14155550181")
    expect(check.body.listed).toBe(true)
  })

  it("verifies a voice server by its health endpoint, stores a transcript and transfers to a department", async () => {
    const admin = api(server.url, org.apiKey)
    const up = await admin("POST", "/voice-servers", { name: "Loopback AI", url: `ws://127.0.0.1:${healthPort}/media`, priority: 10 })
    expect(up.body.status).toBe("unverified")
    expect((await admin("POST", `/voice-servers/${up.body.id}/verify`)).body.status).toBe("active")
    const down = await admin("POST", "/voice-servers", { name: "Nowhere", url: "ws://127.0.0.1:9/media" })
    expect((await admin("POST", `/voice-servers/${down.body.id}/verify`)).body.status).toBe("degraded")
    expect((await admin("GET", "/voice-servers")).body.map((v: { name: string }) => v.name)).toEqual(["Loopback AI", "Nowhere"])

    const team = await admin("POST", "/teams", { name: "Billing" })
    const billing = await server.addUser(org.orgId, "agent", "bill@desk.test")
    await admin("PATCH", `/users/${billing.userId}`, { teamId: team.body.id })
    const campaign = await admin("POST", "/campaigns", { name: "AI first", mode: "agentless", voiceServerId: up.body.id })
    expect(campaign.status).toBe(201)
    const contact = await admin("POST", "/contacts", { phone: "+14155550182" })
    const callId = await liveCall(campaign.body.id, contact.body.id, null)

    const transcript = await admin("POST", `/voice-servers/calls/${callId}/transcript`, { transcript: "Caller: my invoice is wrong", summary: "Billing question", sentiment: -0.2 })
    expect(transcript.body.summary).toBe("Billing question")
    expect(transcript.body.transcriptStatus).toBe("completed")

    // Nobody in Billing is ready yet: refused with a reason.
    const busy = await admin("POST", `/voice-servers/calls/${callId}/transfer`, { target: { kind: "department", team: "Billing" } })
    expect(busy.status).toBe(409)
    expect(busy.body.message).toMatch(/nobody in department 'Billing' is available/)
    const asBilling = api(server.url, billing.apiKey)
    await asBilling("POST", "/agents/me/login", { campaignId: campaign.body.id })
    await asBilling("POST", "/agents/me/ready")
    const moved = await admin("POST", `/voice-servers/calls/${callId}/transfer`, { target: { kind: "department", team: "billing" }, reason: "invoice" })
    expect(moved.status).toBe(200)
    expect(moved.body).toEqual({ callId, transferredTo: "department:billing", agentId: billing.userId })
    expect((await asBilling("POST", "/agents/me/pause", { code: "break" })).status).toBe(409)
    const call = await admin("GET", `/calls/${callId}`)
    expect(call.body.call.isTransferred).toBe(true)
    expect(call.body.call.agentId).toBe(billing.userId)
  })
})
