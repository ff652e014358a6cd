/**
 * The dialing session seen from the agent's realtime channel, end to end on
 * the real server and Postgres: the workflows package's session (driven in
 * process, as the embedded default does without Temporal) offers a preview
 * campaign's contact on `preview.offered`; the agent skips it over HTTP (it
 * goes back to the queue), takes the next one, and gets `call.offered`,
 * `call.connected` with the screen-pop, `call.ended` and its wrap-up; a
 * disposition ends the wrap-up. The supervisor channel gets the session's
 * `campaign.pacing` snapshot.
 */
import { Effect, Layer } from "effect"
import { SqlClient } from "effect/sql"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { postgres } from "@autodialer/testkit"
import { Tenancy } from "@autodialer/domain"
import type { OrganizationId } from "@autodialer/domain/Ids"
import { SimulatedCarrier } from "@autodialer/telephony"
import * as CarrierIngress from "@autodialer/workflows/CarrierIngress"
import * as DialerEngineAdapter from "@autodialer/workflows/DialerEngineAdapter"
import { EventBus } from "@autodialer/workflows/EventBus"
import { SessionStore } from "@autodialer/workflows/SessionStore"
import * as InProcessSessions from "../src/embedded/InProcessSessions.ts"
import * as SessionEvents from "../src/realtime/SessionEvents.ts"
import { listen } from "./support/Sse.ts"
import { api, start, type TestServer } from "./support/TestServer.ts"

const pg = postgres()

describe.skipIf(pg.skip)("dialing session events on the realtime channels", () => {
  let server: TestServer<EventBus>

  beforeAll(async () => {
    server = await start({ databaseUrl: pg.value!, label: "server_session_events", services: EventBus.layerMemory })
    // Everyone answers in person after about half a second and talks for a few seconds.
    const sessions = Layer.mergeAll(
      SessionStore.layer,
      SimulatedCarrier.layer({ seed: 5, profile: { busy: 0, failed: 0, answer: 1, machine: 0, ringMedianMs: 500, talkMeanMs: 1_000 } }),
      DialerEngineAdapter.layer,
      SessionEvents.layer({ wrapUpSeconds: 90 })
    )
    server.fork(Effect.scoped(Effect.gen(function*() {
      const context = yield* Layer.build(sessions)
      yield* Effect.forkScoped(CarrierIngress.forward.pipe(Effect.provideContext(context)))
      return yield* InProcessSessions.run({ pollMs: 300, session: { tickMs: 100, wrapUpTimeoutMs: 90_000, previewAutoDialSeconds: 45 } }).pipe(
        Effect.provideContext(context)
      )
    })))
  }, 60_000)
  afterAll(async () => {
    await server?.close()
  })

  it("preview offered, skipped and taken over HTTP, then the call's connect, end and wrap-up on the agent's channel", async () => {
    const org = await server.provision("events")
    const admin = api(server.url, org.apiKey)
    const user = await server.addUser(org.orgId, "agent", "ed@events.test")
    const agent = api(server.url, user.apiKey)
    await admin("POST", "/dispositions", { code: "sale", label: "Sale", contact: true, sale: true })
    // Open all day in a zone where it is about noon now, for the campaign and its contacts (the law's
    // 08:00-21:00 applies where each contact is), so the test does not depend on the hour it runs at.
    const offset = new Date().getUTCHours() - 12
    const timeZone = offset === 0 ? "Etc/GMT" : `Etc/GMT${offset > 0 ? "+" : "-"}${Math.abs(offset)}`
    const campaign = (await admin("POST", "/campaigns", {
      name: "Preview renewals", mode: "preview", script: "Hello {{firstName}}", timeZone,
      windows: [{ days: [1, 2, 3, 4, 5, 6, 7], start: "00:00", end: "23:59" }]
    })).body
    expect(campaign.id).toBeDefined()
    const first = (await admin("POST", "/contacts", { phone: "+14155550171", firstName: "Ann", timeZone })).body.id as string
    const second = (await admin("POST", "/contacts", { phone: "+14155550172", firstName: "Bo", timeZone })).body.id as string
    expect((await admin("POST", `/campaigns/${campaign.id}/contacts`, { contactIds: [first, second] })).body.enrolled).toBe(2)

    const desk = await listen(`${server.url}/realtime/me?access_token=${user.apiKey}`)
    const board = await listen(`${server.url}/realtime/campaigns/${campaign.id}?access_token=${org.apiKey}`)
    try {
      await agent("POST", "/agents/me/login", { campaignId: campaign.id })
      await agent("POST", "/agents/me/ready")
      expect((await admin("POST", `/campaigns/${campaign.id}/start`)).status).toBe(200)

      const offered = await desk.next((e) => e.type === "preview.offered")
      expect(offered.data.campaignId).toBe(campaign.id)
      expect(offered.data.autoDialSeconds).toBeGreaterThan(40)
      const skipped = offered.data.contact.id as string
      expect([first, second]).toContain(skipped)
      expect(offered.data.contact.firstName).toBe(skipped === first ? "Ann" : "Bo")
      expect((await agent("POST", "/agents/me/preview/skip", { contactId: skipped })).status).toBe(204)

      const again = await desk.next((e) => e.type === "preview.offered")
      const taken = again.data.contact.id as string
      expect(taken).toBe(skipped === first ? second : first)
      expect((await agent("POST", "/agents/me/preview/take", { contactId: taken })).status).toBe(204)

      const ringing = await desk.next((e) => e.type === "call.offered")
      expect(ringing.data.contactId).toBe(taken)
      const connected = await desk.next((e) => e.type === "call.connected")
      expect(connected.data).toMatchObject({
        callId: ringing.data.callId, campaignId: campaign.id, contactId: taken,
        contact: { id: taken, firstName: taken === first ? "Ann" : "Bo" }, campaign: { id: campaign.id, name: "Preview renewals", script: "Hello {{firstName}}" }
      })
      expect(desk.events.some((e) => e.type === "agent.state" && e.data.state === "on_call" && e.data.callId === ringing.data.callId)).toBe(true)
      const ended = await desk.next((e) => e.type === "call.ended")
      expect(ended.data).toMatchObject({ callId: ringing.data.callId, outcome: "human_answered", wrapUpSeconds: 90 })
      const wrap = desk.events.find((e) => e.type === "wrapup.started")
      expect(wrap?.data).toMatchObject({ callId: ringing.data.callId, limitSeconds: 90 })
      expect(desk.events.some((e) => e.type === "agent.state" && e.data.state === "wrap_up")).toBe(true)

      // The call is the agent's, stored with its talk time; the skipped contact waits in the queue.
      const call = (await admin("GET", `/calls/${ringing.data.callId}`)).body.call
      expect(call).toMatchObject({ agentId: user.userId, contactId: taken, outcome: "human_answered" })
      expect(call.talkSeconds).toBeGreaterThanOrEqual(0)
      const queued = await server.run(Effect.gen(function*() {
        const sql = yield* SqlClient.SqlClient
        return yield* Tenancy.withTenant(org.orgId as OrganizationId)(sql<{ readonly status: string; readonly attempts: number; readonly nextAttemptAt: Date }>`
          SELECT status, attempts, next_attempt_at FROM campaign_contacts WHERE campaign_id = ${campaign.id} AND contact_id = ${skipped}`)
      }))
      expect(queued[0]).toMatchObject({ status: "pending", attempts: 0 })
      expect(new Date(queued[0]!.nextAttemptAt).getTime()).toBeGreaterThan(Date.now() + 30_000)

      // The disposition ends the wrap-up; the supervisors saw the session's snapshot.
      expect((await agent("POST", `/calls/${ringing.data.callId}/disposition`, { code: "sale" })).status).toBe(200)
      await desk.next((e) => e.type === "agent.state" && e.data.state === "available")
      const pacing = await board.next((e) => e.type === "campaign.pacing")
      expect(pacing.data).toMatchObject({ campaignId: campaign.id, abandonLimit: 0.03 })
      expect(Object.values(pacing.data.agents as Record<string, number>).reduce((a, b) => a + b, 0)).toBe(1)
    } finally {
      await desk.close()
      await board.close()
      await admin("POST", `/campaigns/${campaign.id}/stop`, { reason: "test over" })
    }
  }, 90_000)
})
