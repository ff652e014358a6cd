/**
 * The agent desk's side of the dialing session, over HTTP on a real server
 * and Postgres with the in-process event bus: the agent endpoints tell the
 * campaign's session of each change (ready, pause, log-out, leaving for
 * another campaign, a disposition ending the wrap-up), and the preview
 * endpoints send take and skip with the contact's queue entry in the agent's
 * campaign, refusing a contact not in it and an agent logged in nowhere.
 */
import { Effect, Queue } from "effect"
import { SqlClient } from "effect/sql"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { postgres } from "@autodialer/testkit"
import { Tenancy, UuidV7 } from "@autodialer/domain"
import type { OrganizationId } from "@autodialer/domain/Ids"
import { type BusEvent, EventBus } from "@autodialer/workflows/EventBus"
import { api, start, type TestServer } from "./support/TestServer.ts"

const pg = postgres()

describe.skipIf(pg.skip)("agent desk events and preview decisions", () => {
  let server: TestServer<EventBus>
  let orgId = ""
  let admin: ReturnType<typeof api>
  let agent: ReturnType<typeof api>
  let agentId = ""

  beforeAll(async () => {
    server = await start({ databaseUrl: pg.value!, label: "server_preview", services: EventBus.layerMemory })
    const org = await server.provision("preview")
    orgId = org.orgId
    admin = api(server.url, org.apiKey)
    const user = await server.addUser(org.orgId, "agent", "pia@preview.test")
    agentId = user.userId
    agent = api(server.url, user.apiKey)
  }, 60_000)
  afterAll(async () => {
    await server?.close()
  })

  /** Subscribes to the campaigns' buses, runs `body`, and returns what each campaign's session heard. */
  const heard = async (campaignIds: ReadonlyArray<string>, body: () => Promise<void>): Promise<Record<string, Array<BusEvent>>> => {
    const out: Record<string, Array<BusEvent>> = {}
    await server.run(Effect.scoped(Effect.gen(function*() {
      const bus = yield* EventBus
      const queues = yield* Effect.forEach(campaignIds, (id) => bus.subscribe(id))
      yield* Effect.promise(body)
      for (const [i, id] of campaignIds.entries()) out[id] = [...(yield* Queue.clear(queues[i]!))]
    })))
    return out
  }
  const strip = (events: ReadonlyArray<BusEvent>) => events.map((e) => {
    const { at: _, ...rest } = e as BusEvent & { at: number }
    return rest
  })

  it("tells the campaign's session of ready, pause, log-out, a move to another campaign, and the disposition that ends a wrap-up", async () => {
    const a = (await admin("POST", "/campaigns", { name: "A", mode: "progressive" })).body.id as string
    const b = (await admin("POST", "/campaigns", { name: "B", mode: "progressive" })).body.id as string
    const events = await heard([a, b], async () => {
      expect((await agent("POST", "/agents/me/login", { campaignId: a })).status).toBe(200)
      expect((await agent("POST", "/agents/me/ready")).status).toBe(200)
      expect((await agent("POST", "/agents/me/pause", { code: "break" })).status).toBe(200)
      expect((await agent("POST", "/agents/me/logout")).status).toBe(200)
      expect((await agent("POST", "/agents/me/login", { campaignId: a })).status).toBe(200)
      expect((await agent("POST", "/agents/me/ready")).status).toBe(200)
    })
    expect(strip(events[a]!)).toEqual([
      { _tag: "AgentStateChanged", agentId, state: "paused" },
      { _tag: "AgentStateChanged", agentId, state: "ready" },
      { _tag: "AgentStateChanged", agentId, state: "paused" },
      { _tag: "AgentStateChanged", agentId, state: "loggedOut" },
      { _tag: "AgentStateChanged", agentId, state: "paused" },
      { _tag: "AgentStateChanged", agentId, state: "ready" }
    ])
    // The session put the agent on a call and then in wrap-up (as its rows say); the disposition ends the wrap-up.
    const contact = (await admin("POST", "/contacts", { phone: "+14155550191", firstName: "Wanda" })).body.id as string
    const callId = await server.run(Effect.gen(function*() {
      const sql = yield* SqlClient.SqlClient
      const id = yield* UuidV7.generate
      yield* Tenancy.withTenant(orgId as OrganizationId)(Effect.gen(function*() {
        yield* sql`INSERT INTO calls ${sql.insert({
          id, orgId, campaignId: a, contactId: contact, agentId, provider: "simulated", direction: "outbound",
          fromNumber: "+14155550100", toNumber: "+14155550191", status: "completed", answeredAt: new Date(), endedAt: new Date()
        })}`
        yield* sql`INSERT INTO agent_state_log ${sql.insert({
          id: yield* UuidV7.generate, orgId, agentId, campaignId: a, callId: id, state: "wrap_up", reason: "dialing session", changedAt: new Date()
        })}`
      }))
      return id
    }))
    await admin("POST", "/dispositions", { code: "sale", label: "Sale", contact: true, sale: true })
    const wrapped = await heard([a, b], async () => {
      expect((await agent("POST", `/calls/${callId}/disposition`, { code: "sale" })).status).toBe(200)
      // Logging in to B from A leaves A.
      expect((await agent("POST", "/agents/me/logout")).status).toBe(200)
      expect((await agent("POST", "/agents/me/login", { campaignId: b })).status).toBe(200)
    })
    expect(strip(wrapped[a]!)).toEqual([
      { _tag: "AgentAction", agentId, action: "wrapUpDone" },
      { _tag: "AgentStateChanged", agentId, state: "loggedOut" }
    ])
    expect(strip(wrapped[b]!)).toEqual([{ _tag: "AgentStateChanged", agentId, state: "paused" }])
  })

  it("sends take and skip of a previewed contact to the session with its queue entry, and refuses what it cannot route", async () => {
    await agent("POST", "/agents/me/logout")
    const campaign = (await admin("POST", "/campaigns", { name: "Preview", mode: "preview" })).body.id as string
    const inQueue = (await admin("POST", "/contacts", { phone: "+14155550192", firstName: "Quinn" })).body.id as string
    const elsewhere = (await admin("POST", "/contacts", { phone: "+14155550193", firstName: "Olga" })).body.id as string
    expect((await admin("POST", `/campaigns/${campaign}/contacts`, { contactIds: [inQueue] })).body.enrolled).toBe(1)
    const entry = await server.run(Effect.gen(function*() {
      const sql = yield* SqlClient.SqlClient
      const rows = yield* Tenancy.withTenant(orgId as OrganizationId)(sql<{ readonly id: string }>`
        SELECT id FROM campaign_contacts WHERE campaign_id = ${campaign} AND contact_id = ${inQueue}`)
      return rows[0]!.id
    }))
    // Logged in nowhere: nothing to route the decision to.
    const offline = await agent("POST", "/agents/me/preview/take", { contactId: inQueue })
    expect(offline.status).toBe(409)
    expect(offline.body.message).toContain("log in to a campaign first")
    await agent("POST", "/agents/me/login", { campaignId: campaign })
    await agent("POST", "/agents/me/ready")
    const events = await heard([campaign], async () => {
      expect((await agent("POST", "/agents/me/preview/take", { contactId: inQueue })).status).toBe(204)
      expect((await agent("POST", "/agents/me/preview/skip", { contactId: inQueue })).status).toBe(204)
      const missing = await agent("POST", "/agents/me/preview/skip", { contactId: elsewhere })
      expect(missing.status).toBe(404)
      expect(missing.body.message).toContain(`contact ${elsewhere} is not in the queue of your campaign`)
      expect((await agent("POST", "/agents/me/preview/take", { contactId: "not-an-id" })).status).toBe(400)
    })
    expect(strip(events[campaign]!)).toEqual([
      { _tag: "AgentAction", agentId, action: "previewTake", contactId: entry },
      { _tag: "AgentAction", agentId, action: "previewSkip", contactId: entry }
    ])
  })
})
