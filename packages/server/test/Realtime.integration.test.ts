import { postgres } from "@autodialer/testkit"
import { Database } from "@autodialer/domain"
import * as TestDatabase from "@autodialer/domain/TestDatabase"
import { Effect, Fiber, Layer, Redacted, Stream } from "effect"
import { SqlClient } from "effect/sql"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { Realtime, userChannel } from "../src/realtime/Realtime.ts"
import { listen } from "./support/Sse.ts"
import { api, start, type TestServer } from "./support/TestServer.ts"

const pg = postgres()

describe.skipIf(pg.skip)("realtime channels (SSE)", () => {
  let server: TestServer
  let org: { orgId: string; apiKey: string }
  let agent: { userId: string; apiKey: string }
  let otherKey: string

  beforeAll(async () => {
    server = await start({ databaseUrl: pg.value!, label: "server_realtime" })
    org = await server.provision("live")
    agent = await server.addUser(org.orgId, "agent", "rita@live.test")
    otherKey = (await server.provision("elsewhere")).apiKey
  }, 60_000)
  afterAll(async () => {
    await server?.close()
  })

  it("pushes the agent's own state changes and live campaign stats to the supervisor", async () => {
    const campaign = await api(server.url, org.apiKey)("POST", "/campaigns", { name: "Live", mode: "predictive", abandonLimit: 0.02 })
    const mine = await listen(`${server.url}/realtime/me?access_token=${agent.apiKey}`)
    const supervisor = await listen(`${server.url}/realtime/campaigns/${campaign.body.id}?access_token=${org.apiKey}`)
    expect(mine.status).toBe(200)
    expect(supervisor.status).toBe(200)
    await mine.waitFor((e) => e.type === "ready")

    const asAgent = api(server.url, agent.apiKey)
    expect((await asAgent("POST", "/agents/me/ready")).status).toBe(409)
    expect((await asAgent("POST", "/agents/me/login", { campaignId: campaign.body.id })).body.state).toBe("paused")
    expect((await asAgent("POST", "/agents/me/ready")).body.state).toBe("available")

    const ready = await mine.waitFor((e) => e.type === "agent.state" && e.data.state === "available")
    expect(ready.data.campaignId).toBe(campaign.body.id)
    await supervisor.waitFor((e) => e.type === "agent.state" && e.data.agentId === agent.userId)
    const stats = await supervisor.waitFor((e) => e.type === "campaign.stats" && e.data.agents.available === 1)
    expect(stats.data.abandonLimit).toBe(0.02)
    expect(stats.data).toHaveProperty("dialLevel")
    expect(stats.data).toHaveProperty("talkMinutesPerAgentHour")

    // Another organization's events never reach this agent.
    const theirs = await api(server.url, otherKey)("POST", "/campaigns", { name: "Theirs", mode: "progressive" })
    expect(theirs.status).toBe(201)
    await mine.close()
    await supervisor.close()
    expect(mine.events.every((e) => e.type !== "agent.state" || e.data.agentId === agent.userId)).toBe(true)
  }, 30_000)

  it("refuses the supervisor channel to agents, strangers and other tenants", async () => {
    const campaign = await api(server.url, org.apiKey)("POST", "/campaigns", { name: "Private", mode: "progressive" })
    expect((await fetch(`${server.url}/realtime/campaigns/${campaign.body.id}`)).status).toBe(401)
    expect((await fetch(`${server.url}/realtime/campaigns/${campaign.body.id}?access_token=${agent.apiKey}`)).status).toBe(403)
    expect((await fetch(`${server.url}/realtime/campaigns/${campaign.body.id}?access_token=${otherKey}`)).status).toBe(404)
  })
})

describe.skipIf(pg.skip)("realtime over Postgres LISTEN/NOTIFY", () => {
  it("delivers an event published by one server process to a subscriber of another, per organization", async () => {
    const program = Effect.gen(function*() {
      const sql = yield* SqlClient.SqlClient
      const rows = yield* sql<{ readonly db: string }>`SELECT current_database() AS db`
      const url = new URL(pg.value!)
      url.pathname = `/${rows[0]!.db}`
      // Two independent clients (two "processes") on the same database.
      const a = Realtime.layerPg.pipe(Layer.provide(Database.layerPg(Redacted.make(url.href), { maxConnections: 2 })))
      const b = Realtime.layerPg.pipe(Layer.provide(Database.layerPg(Redacted.make(url.href), { maxConnections: 2 })))
      const publisher = yield* Layer.build(a)
      const subscriber = yield* Layer.build(b)
      const received = yield* Effect.gen(function*() {
        const rt = yield* Realtime
        const stream = yield* rt.subscribe("org-1", userChannel("u1"))
        return yield* Effect.forkScoped(Stream.runCollect(Stream.take(stream, 1)))
      }).pipe(Effect.provide(subscriber))
      yield* Effect.sleep("300 millis")
      yield* Effect.gen(function*() {
        const rt = yield* Realtime
        yield* rt.publish({ orgId: "org-2", channel: userChannel("u1"), type: "other.tenant", at: 1, data: {} })
        yield* rt.publish({ orgId: "org-1", channel: userChannel("u2"), type: "other.user", at: 2, data: {} })
        yield* rt.publish({ orgId: "org-1", channel: userChannel("u1"), type: "call.offered", at: 3, data: { callId: "c1" } })
      }).pipe(Effect.provide(publisher))
      return yield* Fiber.join(received).pipe(Effect.timeout("5 seconds"))
    }).pipe(Effect.scoped, Effect.provide(TestDatabase.layerPg(pg.value!, "server_notify")))
    const events = await Effect.runPromise(program)
    expect(events.map((e) => e.type)).toEqual(["call.offered"])
  }, 30_000)
})
