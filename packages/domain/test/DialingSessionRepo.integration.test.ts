/**
 * The dialing-session repository (migration 4) on both backends: concurrent
 * reservations never overlap, a session that lost its reservation cannot
 * record a dial, an attempt has one call row, events are stored once, the
 * abandon budget is counted from stored calls, commands are numbered and
 * append-only, agent changes are logged, and another tenant sees none of it.
 */
import { assert, describe, layer } from "@effect/vitest"
import { Effect, Layer } from "effect"
import { SqlClient } from "effect/sql"
import type { SqlError } from "effect/sql/SqlError"
import { DialingSessionRepo, idempotencyKey } from "../src/DialingSessionRepo.ts"
import * as Ids from "../src/Ids.ts"
import type { CampaignContactId, CampaignId, OrganizationId, UserId } from "../src/Ids.ts"
import * as Tenancy from "../src/Tenancy.ts"
import { backends, layerTimeout } from "./support/backends.ts"
import * as F from "./support/fixtures.ts"

const t0 = new Date("2026-11-25T15:00:00Z")
const at = (seconds: number) => new Date(t0.getTime() + seconds * 1000)

/** An org with a campaign of `n` queued contacts. */
const seed = (slug: string, n: number) =>
  Effect.gen(function*() {
    const sql = yield* SqlClient.SqlClient
    const org = yield* F.organization(slug)
    const campaign = yield* F.campaign(org)
    const entries: Array<CampaignContactId> = []
    yield* Tenancy.withTenant(org)(Effect.gen(function*() {
      for (let i = 0; i < n; i++) {
        const contact = F.newId(Ids.ContactId)
        const entry = F.newId(Ids.CampaignContactId)
        yield* sql`INSERT INTO contacts (id, org_id, phone) VALUES (${contact}, ${org}, ${`+1415${String(5_550_000 + i)}`})`
        yield* sql`INSERT INTO campaign_contacts (id, org_id, campaign_id, contact_id, next_attempt_at)
          VALUES (${entry}, ${org}, ${campaign}, ${contact}, ${t0})`
        entries.push(entry)
      }
    }))
    return { org, campaign, entries }
  })

const agent = (org: OrganizationId) =>
  Tenancy.withTenant(org)(Effect.gen(function*() {
    const sql = yield* SqlClient.SqlClient
    const id = F.newId(Ids.UserId)
    yield* sql`INSERT INTO users (id, org_id, email, full_name, role) VALUES (${id}, ${org}, ${`${id}@example.com`}, 'Agent', 'agent')`
    return id
  }))

const dial = (campaignId: CampaignId, sessionKey: string, entryId: CampaignContactId, attempt: number, sessionCallId: string) => ({
  campaignId, sessionKey, sessionCallId, entryId, attempt, from: "+14155550100", to: "+14155550199", provider: "simulated" as const, at: at(1)
})

const count = (org: OrganizationId, text: string, params: ReadonlyArray<unknown>): Effect.Effect<number, SqlError, SqlClient.SqlClient> =>
  Tenancy.withTenant(org)(Effect.gen(function*() {
    const sql = yield* SqlClient.SqlClient
    const rows = yield* sql.unsafe<{ readonly n: number }>(text, params as Array<never>)
    return rows[0]?.n ?? 0
  }))

for (const backend of backends("dialing_session")) {
  describe.skipIf(backend.skip)(backend.name, () => {
    layer(DialingSessionRepo.layer.pipe(Layer.provideMerge(backend.layer())), { timeout: layerTimeout, excludeTestServices: true })(
      "dialing session repo",
      (it) => {
        it.effect("concurrent sessions reserve disjoint entries; a session that lost its reservation cannot record a dial", () =>
          Effect.gen(function*() {
            const repo = yield* DialingSessionRepo
            const { org, campaign, entries } = yield* seed("reserve", 60)
            assert.strictEqual(yield* repo.campaignOrg(campaign), org)
            const grab = (key: string) => Effect.gen(function*() {
              const mine: Array<string> = []
              for (;;) {
                const got = yield* repo.reserve(org, {
                  campaignId: campaign, sessionKey: key, limit: 7, now: at(0), leaseUntil: at(60), firstAttempts: true
                })
                if (got.length === 0) return mine
                mine.push(...got.map((e) => e.entryId))
              }
            })
            const [a, b] = yield* Effect.all([grab("A"), grab("B")], { concurrency: "unbounded" })
            assert.strictEqual(a.length + b.length, 60)
            assert.strictEqual(new Set([...a, ...b]).size, 60)
            // B takes over: A's reservations come back and B reserves them; A (a zombie now) cannot dial.
            assert.strictEqual(yield* repo.releaseForeign(org, campaign, "B"), a.length)
            const taken = yield* repo.reserve(org, {
              campaignId: campaign, sessionKey: "B", limit: 100, now: at(0), leaseUntil: at(60), firstAttempts: true
            })
            assert.strictEqual(taken.length, a.length)
            const first = taken[0]!.entryId
            assert.isFalse(yield* repo.recordDial(org, dial(campaign, "A", first, 1, "A:1")))
            assert.isTrue(yield* repo.recordDial(org, dial(campaign, "B", first, 1, "B:1")))
            // The same attempt cannot be recorded twice, even by its owner.
            assert.isFalse(yield* repo.recordDial(org, dial(campaign, "B", first, 1, "B:2")))
            const calls = yield* count(org, `SELECT count(*)::int AS n FROM calls WHERE idempotency_key = $1 AND dialing_session = 'B'`,
              [idempotencyKey(first, 1)])
            assert.strictEqual(calls, 1)
            assert.include(entries, first)
          }))

        it.effect("a number on any DNC list is never reserved, and a number listed after reservation is refused at dial time", () =>
          Effect.gen(function*() {
            const sql = yield* SqlClient.SqlClient
            const repo = yield* DialingSessionRepo
            const { org, campaign, entries } = yield* seed("dnc", 4)
            // Numbers of their own: a global entry applies to every organization in the database.
            const phoneOf = (i: number) => `+1415${String(5_557_700 + i)}`
            yield* Tenancy.withTenant(org)(Effect.forEach(entries, (entry, i) =>
              sql`UPDATE contacts SET phone = ${phoneOf(i)} WHERE id = (SELECT contact_id FROM campaign_contacts WHERE id = ${entry})`))
            // Entry 0 on the organization's list, entry 1 on this campaign's list, entry 2 on the global list.
            yield* Tenancy.withTenant(org)(Effect.gen(function*() {
              yield* sql`INSERT INTO dnc_entries (id, org_id, scope, phone, reason) VALUES (${F.newId(Ids.DncEntryId)}, ${org}, 'organization', ${phoneOf(0)}, 'requested')`
              yield* sql`INSERT INTO dnc_entries (id, org_id, scope, campaign_id, phone, reason) VALUES (${F.newId(Ids.DncEntryId)}, ${org}, 'campaign', ${campaign}, ${phoneOf(1)}, 'requested')`
            }))
            yield* Tenancy.withSystem(sql`INSERT INTO dnc_entries (id, scope, phone, reason) VALUES (${F.newId(Ids.DncEntryId)}, 'global', ${phoneOf(2)}, 'national_registry')`)
            const reserved = yield* repo.reserve(org, {
              campaignId: campaign, sessionKey: "S", limit: 10, now: at(0), leaseUntil: at(60), firstAttempts: true
            })
            assert.deepStrictEqual(reserved.map((e) => e.entryId), [entries[3]])
            const removed = yield* count(org, `SELECT count(*)::int AS n FROM campaign_contacts WHERE campaign_id = $1 AND status = 'removed' AND last_outcome = 'blocked'`, [campaign])
            assert.strictEqual(removed, 3)
            // The last number goes on the organization's list between reservation and dial.
            yield* Tenancy.withTenant(org)(sql`INSERT INTO dnc_entries (id, org_id, scope, phone, reason) VALUES (${F.newId(Ids.DncEntryId)}, ${org}, 'organization', ${phoneOf(3)}, 'requested')`)
            assert.isFalse(yield* repo.recordDial(org, { ...dial(campaign, "S", entries[3]!, 1, "S:1"), to: phoneOf(3) }))
            assert.strictEqual(yield* count(org, `SELECT count(*)::int AS n FROM calls WHERE campaign_id = $1`, [campaign]), 0)
            assert.strictEqual(yield* count(org, `SELECT count(*)::int AS n FROM campaign_contacts WHERE campaign_id = $1 AND status = 'removed'`, [campaign]), 4)
          }))

        it.effect("events are stored once; the abandon budget comes from stored calls; a snapshot rebuilds calls in flight", () =>
          Effect.gen(function*() {
            const repo = yield* DialingSessionRepo
            const { org, campaign } = yield* seed("events", 3)
            const reserved = yield* repo.reserve(org, {
              campaignId: campaign, sessionKey: "S#1", limit: 3, now: at(0), leaseUntil: at(60), firstAttempts: true
            })
            for (const [i, e] of reserved.entries()) assert.isTrue(yield* repo.recordDial(org, dial(campaign, "S#1", e.entryId, 1, `S#1:${i}`)))
            yield* repo.attachCarrierCall(org, "S#1:0", { carrierCallId: "carrier-0", providerCallId: "CA0", at: at(2) })
            yield* repo.attachCarrierCall(org, "S#1:1", { carrierCallId: "carrier-1", providerCallId: null, at: at(2) })
            const event = {
              provider: "simulated" as const, providerCallId: "CA0", providerEventKey: "carrier-0:answered", eventType: "Answered",
              payload: { _tag: "Answered", callId: "carrier-0" }, occurredAt: at(5)
            }
            assert.isTrue(yield* repo.recordEvent(org, "S#1:0", event))
            assert.isFalse(yield* repo.recordEvent(org, "S#1:0", event))
            yield* repo.updateCall(org, "S#1:0", { status: "in_progress", answeredBy: "human", answeredAt: at(5) })
            yield* repo.updateCall(org, "S#1:1", { status: "in_progress", answeredBy: "human", answeredAt: at(6), outcome: "abandoned" })
            yield* repo.updateCall(org, "S#1:1", { status: "completed", endedAt: at(8) })
            // A carrier clock behind ours: the end is clamped to the start, never rejected.
            yield* repo.updateCall(org, "S#1:2", { status: "failed", endedAt: at(-30) })

            const snap = yield* repo.snapshot(org, campaign, at(0))
            assert.deepStrictEqual(snap.abandon, { liveAnswers: 2, abandoned: 1 })
            assert.deepStrictEqual(snap.calls.map((c) => c.sessionCallId), ["S#1:0"])
            const live = snap.calls[0]!
            assert.strictEqual(live.carrierCallId, "carrier-0")
            assert.strictEqual(live.answeredBy, "human")
            assert.strictEqual(live.attempt, 1)
            assert.deepStrictEqual(snap.events.map((e) => e.key), ["carrier-0:answered"])
            assert.deepStrictEqual(yield* repo.callOfCarrierCall("carrier-0"), { orgId: org, campaignId: campaign, sessionCallId: "S#1:0" })
            assert.strictEqual(yield* repo.callOfCarrierCall("carrier-unknown"), undefined)
            // The abandon budget only counts answers inside the window.
            assert.deepStrictEqual((yield* repo.snapshot(org, campaign, at(6))).abandon, { liveAnswers: 1, abandoned: 1 })

            yield* repo.finishEntry(org, live.entryId, { _tag: "Retry", at: at(600), outcome: "no_answer" }, at(9))
            const backlog = yield* repo.backlog(org, campaign, at(10), true)
            assert.strictEqual(backlog.remaining, 3)
            assert.strictEqual(backlog.dueNow, 0)
            assert.strictEqual(backlog.nextDueAt?.getTime(), at(600).getTime())
            // Draining: entries never attempted are not owed.
            yield* repo.finishEntry(org, reserved[1]!.entryId, { _tag: "Done", status: "completed", outcome: "human_answered" }, at(9))
            assert.strictEqual((yield* repo.backlog(org, campaign, at(10), false)).remaining, 2)
          }))

        it.effect("commands are numbered per session and append-only; agent changes are logged; other tenants see nothing", () =>
          Effect.gen(function*() {
            const repo = yield* DialingSessionRepo
            const sql = yield* SqlClient.SqlClient
            const { org, campaign, entries } = yield* seed("commands", 1)
            const other = yield* F.organization("other")
            for (const [i, type] of ["Dial", "Bridge", "HangUp"].entries()) {
              yield* repo.appendCommand(org, {
                campaignId: campaign, sessionKey: "S#1", sessionCallId: "S#1:0", commandType: type, command: { _tag: type, i }, at: at(i)
              })
            }
            const commands = yield* Tenancy.withTenant(org)(sql<{ readonly sequence: number; readonly commandType: string }>`
              SELECT sequence, command_type AS "commandType" FROM call_commands WHERE session_key = 'S#1' ORDER BY sequence`)
            assert.deepStrictEqual(commands.map((c) => [c.sequence, c.commandType]), [[1, "Dial"], [2, "Bridge"], [3, "HangUp"]])
            const rewrite = yield* Effect.flip(Tenancy.withTenant(org)(sql`UPDATE call_commands SET command_type = 'x'`))
            // The trigger raises restrict_violation, which the client reports as a constraint error.
            assert.match(rewrite.message + String(rewrite.cause), /ConstraintError/)
            assert.strictEqual(yield* count(org, `SELECT count(*)::int AS n FROM call_commands WHERE command_type = 'x'`, []), 0)

            const a1: UserId = yield* agent(org)
            yield* repo.assignAgents(org, campaign, [a1], "offline", at(0))
            yield* repo.reserve(org, { campaignId: campaign, sessionKey: "S#1", limit: 1, now: at(0), leaseUntil: at(60), firstAttempts: true })
            assert.isTrue(yield* repo.recordDial(org, dial(campaign, "S#1", entries[0]!, 1, "S#1:0")))
            assert.isTrue(yield* repo.setAgent(org, { campaignId: campaign, agentId: a1, state: "available", sessionCallId: null, at: at(1) }))
            assert.isTrue(yield* repo.setAgent(org, { campaignId: campaign, agentId: a1, state: "on_call", sessionCallId: "S#1:0", at: at(2) }))
            assert.isTrue(yield* repo.setAgent(org, { campaignId: campaign, agentId: a1, state: "on_call", sessionCallId: "S#1:0", at: at(3) }))
            const snap = yield* repo.snapshot(org, campaign, at(0))
            assert.deepStrictEqual(snap.agents, [{ agentId: a1, state: "on_call", sessionCallId: "S#1:0" }])
            const log = yield* Tenancy.withTenant(org)(sql<{ readonly state: string; readonly onCall: boolean }>`
              SELECT state, call_id IS NOT NULL AS "onCall" FROM agent_state_log WHERE agent_id = ${a1} ORDER BY changed_at`)
            assert.deepStrictEqual(log.map((r) => [r.state, r.onCall]), [["offline", false], ["available", false], ["on_call", true]])
            // An agent not assigned to the campaign is not stored.
            const stranger = yield* agent(org)
            assert.isFalse(yield* repo.setAgent(org, { campaignId: campaign, agentId: stranger, state: "available", sessionCallId: null, at: at(4) }))

            for (const table of ["call_commands", "campaign_agents", "calls"]) {
              assert.strictEqual(yield* count(other, `SELECT count(*)::int AS n FROM ${table}`, []), 0, table)
            }
            assert.deepStrictEqual((yield* repo.snapshot(other, campaign, at(0))).calls, [])
            assert.strictEqual(yield* repo.releaseForeign(other, campaign, "X"), 0)
          }))
      }
    )
  })
}
