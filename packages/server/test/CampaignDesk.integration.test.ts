/**
 * What the agent console relies on, over HTTP against Postgres: a campaign's
 * pause codes, AMD policy and caller-id choice (stored, validated, editable by
 * managers only); pausing refuses a code the campaign does not list;
 * `GET /agents/me` restores an agent's state, campaign and current call; and
 * `GET /calls?contactId=` pages through one contact's history.
 */
import { postgres } from "@autodialer/testkit"
import { Tenancy, UuidV7 } from "@autodialer/domain"
import type { OrganizationId } from "@autodialer/domain/Ids"
import { Effect } from "effect"
import { SqlClient } from "effect/sql"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { recordState } from "../src/http/AgentHandlers.ts"
import type { State } from "../src/AgentStates.ts"
import { api, start, type TestServer } from "./support/TestServer.ts"

const pg = postgres()

describe.skipIf(pg.skip)("campaign desk settings, /agents/me and contact history", () => {
  let server: TestServer
  let org: { orgId: string; apiKey: string }
  let agent: { userId: string; apiKey: string }
  let manager: { userId: string; apiKey: string }
  let admin: ReturnType<typeof api>
  let asAgent: ReturnType<typeof api>

  beforeAll(async () => {
    server = await start({ databaseUrl: pg.value!, label: "server_campaign_desk" })
    org = await server.provision("deskset")
    agent = await server.addUser(org.orgId, "agent", "ana@deskset.test")
    manager = await server.addUser(org.orgId, "manager", "max@deskset.test")
    admin = api(server.url, org.apiKey)
    asAgent = api(server.url, agent.apiKey)
  }, 60_000)
  afterAll(async () => {
    await server?.close()
  })

  const tenant = <A, E, R>(effect: Effect.Effect<A, E, R>) => Tenancy.withTenant(org.orgId as OrganizationId)(effect)

  /** A call row of the campaign to the contact, as the dialer writes it. */
  const insertCall = (input: {
    campaignId: string; contactId: string; agentId: string | null; status: string; outcome?: string
    dispositionId?: string; notes?: string
  }) =>
    server.run(Effect.gen(function*() {
      const sql = yield* SqlClient.SqlClient
      const id = yield* UuidV7.generate
      yield* tenant(sql`INSERT INTO calls ${sql.insert({
        id, orgId: org.orgId, campaignId: input.campaignId, contactId: input.contactId, agentId: input.agentId,
        provider: "simulated", direction: "outbound", fromNumber: "+14155550100", toNumber: "+14155550181",
        status: input.status, outcome: input.outcome ?? null, dispositionId: input.dispositionId ?? null, notes: input.notes ?? null
      })}`)
      return id
    }))

  /** What the dialer does when it bridges a call or ends it: a state row for the agent. */
  const setState = (state: State, campaignId: string, callId: string | null) =>
    server.run(tenant(recordState({ orgId: org.orgId, agentId: agent.userId, state, campaignId, callId })))

  it("stores defaults, and validates and edits pause codes, AMD and the caller id", async () => {
    const plain = await admin("POST", "/campaigns", { name: "Defaults", mode: "progressive" })
    expect(plain.status).toBe(201)
    expect(plain.body.pauseCodes.map((p: { code: string }) => p.code)).toEqual(["break", "lunch", "training", "meeting"])
    expect(plain.body.amd).toEqual({ enabled: true, onMachine: "hangup", voicemailMessage: null })
    expect(plain.body.callerId).toEqual({ strategy: "org_default" })

    // A fixed caller id must be an active number of the organization.
    const stranger = "0190a3c2-7b1e-7cde-8f00-1a2b3c4d5e6f"
    const unknownNumber = await admin("POST", "/campaigns", { name: "Fixed", mode: "predictive", callerId: { strategy: "fixed", phoneNumberId: stranger } })
    expect(unknownNumber.status).toBe(400)
    expect(unknownNumber.body).toMatchObject({ _tag: "InvalidRequest", field: "callerId.phoneNumberId" })
    expect(unknownNumber.body.message).toContain(stranger)
    expect(unknownNumber.body.message).toMatch(/POST \/phone-numbers/)
    const noNumbers = await admin("POST", "/campaigns", { name: "Local", mode: "predictive", callerId: { strategy: "local_presence" } })
    expect(noNumbers.status).toBe(400)
    expect(noNumbers.body.field).toBe("callerId.strategy")

    const sf = await admin("POST", "/phone-numbers", { number: "+14155550100", provider: "simulated", isDefault: true })
    const ny = await admin("POST", "/phone-numbers", { number: "+12125550100", provider: "simulated" })
    expect([sf.status, ny.status]).toEqual([201, 201])

    const created = await admin("POST", "/campaigns", {
      name: "Renewals", mode: "predictive",
      pauseCodes: [{ code: "break", label: "Short break" }, { code: "coaching", label: "Coaching with a supervisor" }],
      amd: { enabled: true, onMachine: "drop_voicemail", voicemailMessage: "Hi, this is Acme about your renewal; please call us back." },
      callerId: { strategy: "fixed", phoneNumberId: ny.body.id }
    })
    expect(created.status).toBe(201)
    const id = created.body.id as string
    const read = await admin("GET", `/campaigns/${id}`)
    expect(read.body.pauseCodes).toEqual([{ code: "break", label: "Short break" }, { code: "coaching", label: "Coaching with a supervisor" }])
    expect(read.body.amd).toEqual({ enabled: true, onMachine: "drop_voicemail", voicemailMessage: "Hi, this is Acme about your renewal; please call us back." })
    expect(read.body.callerId).toEqual({ strategy: "fixed", phoneNumberId: ny.body.id })
    // The stored columns the dialing session reads.
    const stored = await server.run(Effect.gen(function*() {
      const sql = yield* SqlClient.SqlClient
      return yield* tenant(sql<{ readonly amd: unknown; readonly callerIdStrategy: string; readonly callerIdPool: unknown }>`
        SELECT amd, caller_id_strategy, caller_id_pool FROM campaigns WHERE id = ${id}`)
    }))
    expect(stored[0]!.callerIdStrategy).toBe("fixed")
    expect(String(stored[0]!.callerIdPool)).toContain(ny.body.id)
    const amd = typeof stored[0]!.amd === "string" ? JSON.parse(stored[0]!.amd) : stored[0]!.amd
    expect(amd).toMatchObject({ enabled: true, onMachine: "drop_voicemail", voicemailRecordingId: null })

    // Inconsistent or malformed settings are refused with the field named; nothing changes.
    const noMessage = await admin("PATCH", `/campaigns/${id}`, { amd: { enabled: true, onMachine: "drop_voicemail", voicemailMessage: "  " } })
    expect(noMessage.status).toBe(400)
    expect(noMessage.body).toMatchObject({ field: "amd.voicemailMessage" })
    const amdOff = await admin("PATCH", `/campaigns/${id}`, { amd: { enabled: false, onMachine: "drop_voicemail", voicemailMessage: "hi" } })
    expect(amdOff.body).toMatchObject({ _tag: "InvalidRequest", field: "amd.onMachine" })
    const twice = await admin("PATCH", `/campaigns/${id}`, { pauseCodes: [{ code: "lunch", label: "Lunch" }, { code: "lunch", label: "Lunch again" }] })
    expect(twice.status).toBe(400)
    expect(twice.body.message).toMatch(/'lunch' is listed twice/)
    expect((await admin("PATCH", `/campaigns/${id}`, { pauseCodes: [] })).status).toBe(400)
    expect((await admin("PATCH", `/campaigns/${id}`, { pauseCodes: [{ code: "Lunch Break", label: "x" }] })).status).toBe(400)
    expect((await admin("PATCH", `/campaigns/${id}`, { amd: { enabled: true, onMachine: "explode", voicemailMessage: null } })).status).toBe(400)
    expect((await admin("PATCH", `/campaigns/${id}`, { callerId: { strategy: "fixed" } })).status).toBe(400)
    expect((await admin("GET", `/campaigns/${id}`)).body).toMatchObject({ amd: read.body.amd, callerId: read.body.callerId, pauseCodes: read.body.pauseCodes })

    // A manager edits them; other settings are kept.
    const edited = await api(server.url, manager.apiKey)("PATCH", `/campaigns/${id}`, {
      amd: { enabled: false, onMachine: "hangup", voicemailMessage: null },
      callerId: { strategy: "local_presence" },
      pauseCodes: [{ code: "break", label: "Break" }, { code: "lunch", label: "Lunch" }, { code: "coaching", label: "Coaching" }]
    })
    expect(edited.status).toBe(200)
    expect(edited.body).toMatchObject({
      name: "Renewals", mode: "predictive", amd: { enabled: false, onMachine: "hangup" }, callerId: { strategy: "local_presence" }
    })
    expect(edited.body.pauseCodes.map((p: { code: string }) => p.code)).toEqual(["break", "lunch", "coaching"])

    // An agent reads them but cannot change them.
    const refused = await asAgent("PATCH", `/campaigns/${id}`, { pauseCodes: [{ code: "nap", label: "Nap" }], amd: { enabled: true, onMachine: "hangup", voicemailMessage: null } })
    expect(refused.status).toBe(403)
    expect(refused.body._tag).toBe("Forbidden")
    const seen = await asAgent("GET", `/campaigns/${id}`)
    expect(seen.status).toBe(200)
    expect(seen.body.pauseCodes.map((p: { code: string }) => p.code)).toEqual(["break", "lunch", "coaching"])
    expect(seen.body.amd.enabled).toBe(false)

    // A fixed number removed later does not block other changes; setting it again is refused.
    const temp = await admin("POST", "/phone-numbers", { number: "+13125550100", provider: "simulated" })
    expect((await admin("PATCH", `/campaigns/${id}`, { callerId: { strategy: "fixed", phoneNumberId: temp.body.id } })).status).toBe(200)
    expect((await admin("DELETE", `/phone-numbers/${temp.body.id}`)).status).toBe(204)
    const renamed = await admin("PATCH", `/campaigns/${id}`, { name: "Renewals 2027" })
    expect(renamed.status).toBe(200)
    expect(renamed.body.callerId).toEqual({ strategy: "fixed", phoneNumberId: temp.body.id })
    expect((await admin("PATCH", `/campaigns/${id}`, { callerId: { strategy: "fixed", phoneNumberId: temp.body.id } })).body.field).toBe("callerId.phoneNumberId")
  })

  it("pauses only with one of the campaign's codes, and GET /agents/me restores state, campaign and the current call", async () => {
    const campaign = (await admin("POST", "/campaigns", {
      name: "Desk", mode: "progressive", pauseCodes: [{ code: "break", label: "Break" }, { code: "coaching", label: "Coaching" }]
    })).body
    const contact = (await admin("POST", "/contacts", { phone: "+14155550181", firstName: "Cal", timeZone: "America/Los_Angeles" })).body

    const offline = await asAgent("GET", "/agents/me")
    expect(offline.status).toBe(200)
    expect(offline.body).toMatchObject({ state: "offline", campaign: null, call: null, user: { id: agent.userId, role: "agent" } })

    expect((await asAgent("POST", "/agents/me/login", { campaignId: campaign.id })).status).toBe(200)
    const refused = await asAgent("POST", "/agents/me/pause", { code: "lunch" })
    expect(refused.status).toBe(400)
    expect(refused.body).toMatchObject({ _tag: "InvalidRequest", field: "code" })
    expect(refused.body.message).toBe("'lunch' is not a pause code of campaign Desk; use one of: break (Break), coaching (Coaching)")
    const paused = await asAgent("POST", "/agents/me/pause", { code: "coaching" })
    expect(paused.status).toBe(200)
    expect(paused.body).toMatchObject({ state: "paused", reason: "coaching" })

    const me = await asAgent("GET", "/agents/me")
    expect(me.body).toMatchObject({ state: "paused", reason: "coaching", campaign: { id: campaign.id, name: "Desk" }, call: null })
    expect(me.body.secondsInState).toBeGreaterThanOrEqual(0)
    expect(me.body.secondsInState).toBeLessThan(60)
    expect(me.body.campaign.pauseCodes.map((p: { code: string }) => p.code)).toEqual(["break", "coaching"])

    // Bridged: the state row names the call.
    expect((await asAgent("POST", "/agents/me/ready")).status).toBe(200)
    const callId = await insertCall({ campaignId: campaign.id, contactId: contact.id, agentId: agent.userId, status: "in_progress" })
    await setState("on_call", campaign.id, callId)
    const onCall = await asAgent("GET", "/agents/me")
    expect(onCall.body).toMatchObject({ state: "on_call", call: { id: callId, contactId: contact.id, status: "in_progress" } })
    // Pausing is refused by the state machine while on a call, whatever the code.
    expect((await asAgent("POST", "/agents/me/pause", { code: "break" })).status).toBe(409)

    // Wrap-up without the call named: the agent's call still waiting for a disposition.
    await server.run(Effect.flatMap(SqlClient.SqlClient, (sql) => tenant(sql`UPDATE calls SET status = 'completed', ended_at = now() WHERE id = ${callId}`)))
    await setState("wrap_up", campaign.id, null)
    const wrapUp = await asAgent("GET", "/agents/me")
    expect(wrapUp.body).toMatchObject({ state: "wrap_up", call: { id: callId, status: "completed" }, campaign: { id: campaign.id } })

    // Another user's desk is their own.
    expect((await api(server.url, manager.apiKey)("GET", "/agents/me")).body).toMatchObject({ state: "offline", call: null, user: { id: manager.userId } })
    expect((await api(server.url, "adk_not-a-key")("GET", "/agents/me")).status).toBe(401)
  })

  it("lists one contact's calls with keyset pagination; an agent sees the history of contacts they talked to", async () => {
    const campaign = (await admin("POST", "/campaigns", { name: "History", mode: "progressive" })).body
    const other = await server.addUser(org.orgId, "agent", "olga@deskset.test")
    const disposition = (await admin("POST", "/dispositions", { code: "not_interested", label: "Not interested", contact: true })).body
    const ada = (await admin("POST", "/contacts", { phone: "+14155550191", firstName: "Ada" })).body
    const bob = (await admin("POST", "/contacts", { phone: "+14155550192", firstName: "Bob" })).body
    const first = await insertCall({ campaignId: campaign.id, contactId: ada.id, agentId: other.userId, status: "no_answer", outcome: "no_answer" })
    const second = await insertCall({
      campaignId: campaign.id, contactId: ada.id, agentId: other.userId, status: "completed", outcome: "human_answered",
      dispositionId: disposition.id, notes: "asked to call back next quarter"
    })
    await insertCall({ campaignId: campaign.id, contactId: bob.id, agentId: other.userId, status: "completed", outcome: "human_answered" })
    const third = await insertCall({ campaignId: campaign.id, contactId: ada.id, agentId: agent.userId, status: "in_progress" })

    const page1 = await admin("GET", `/calls?contactId=${ada.id}&limit=2`)
    expect(page1.status).toBe(200)
    expect(page1.body.items.map((c: { id: string }) => c.id)).toEqual([third, second])
    expect(page1.body.items[1]).toMatchObject({ outcome: "human_answered", dispositionId: disposition.id, notes: "asked to call back next quarter" })
    expect(page1.body.nextCursor).not.toBeNull()
    const page2 = await admin("GET", `/calls?contactId=${ada.id}&limit=2&cursor=${encodeURIComponent(page1.body.nextCursor)}`)
    expect(page2.body.items.map((c: { id: string }) => c.id)).toEqual([first])
    expect(page2.body.nextCursor).toBeNull()
    // Filters combine.
    expect((await admin("GET", `/calls?contactId=${ada.id}&agentId=${agent.userId}`)).body.items.map((c: { id: string }) => c.id)).toEqual([third])

    // The agent talking to Ada sees her whole history (the screen-pop's), but not Bob's, whom they never called.
    const history = await asAgent("GET", `/calls?contactId=${ada.id}`)
    expect(history.body.items.map((c: { id: string }) => c.id)).toEqual([third, second, first])
    expect((await asAgent("GET", `/calls?contactId=${bob.id}`)).body.items).toEqual([])
    // Without a contact, an agent still sees only their own calls.
    expect((await asAgent("GET", `/calls?campaignId=${campaign.id}`)).body.items.map((c: { id: string }) => c.id)).toEqual([third])
    expect((await admin("GET", "/calls?contactId=not-a-uuid")).status).toBe(400)
  })
})
