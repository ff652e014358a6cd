/**
 * The demo organization of the embedded default, seeded on first run: an
 * admin (password login), four simulated agents, dispositions, a caller id
 * and a predictive campaign with 300 contacts whose window is always open.
 * On every boot the simulated agents log in and get ready, and the demo
 * campaign is (re)started, so a new user sees calls within seconds.
 */
import { Effect } from "effect"
import { SqlClient } from "effect/sql"
import { Tenancy, UuidV7 } from "@autodialer/domain"
import type { OrganizationId } from "@autodialer/domain/Ids"
import * as Passwords from "@autodialer/domain/Passwords"
import * as Settings from "../CampaignSettings.ts"
import { recordState } from "../http/AgentHandlers.ts"
import { apiKeyPrefix } from "../http/Authentication.ts"
import * as Provisioning from "../Provisioning.ts"

export const slug = "demo"
export const adminEmail = "admin@demo.local"
export const adminPassword = "autodialer-demo"
export const contactCount = 300

export interface DemoInfo {
  readonly orgId: string
  readonly campaignId: string
  readonly campaignName: string
  /** A fresh API key of the demo admin (a new one each boot; old ones stay valid until revoked). */
  readonly apiKey: string
  readonly seeded: boolean
}

const script = `Hi {first_name}, this is Sam from Autodialer Demo. I'm calling about renewing your plan before the spring price change.
1. Confirm they are the account owner.
2. Offer the annual plan (2 months free).
3. If not interested, ask whether a callback next quarter is OK and set the disposition.`

const firstNames = ["Ana", "Ben", "Chloe", "Dev", "Eli", "Fatima", "Gus", "Hana", "Ivan", "Jo", "Kai", "Lena", "Milo", "Nia", "Omar", "Pia"]
const lastNames = ["Lopez", "Nguyen", "Smith", "Okafor", "Kim", "Rossi", "Cohen", "Patel", "Schmidt", "Silva"]
/**
 * Contacts around the world (fictional-range numbers of each country): the law
 * lets a number be called 08:00-21:00 where it is, so with the US alone the
 * demo would place no call for eight hours of every day. Between them these
 * zones leave no hour of the day without a lawful contact.
 */
const regions: ReadonlyArray<{ readonly zone: string; readonly prefix: string }> = [
  { zone: "America/New_York", prefix: "+1212555" },
  { zone: "America/Chicago", prefix: "+1312555" },
  { zone: "America/Denver", prefix: "+1303555" },
  { zone: "America/Los_Angeles", prefix: "+1415555" },
  { zone: "Europe/London", prefix: "+44207946" },
  { zone: "Asia/Kolkata", prefix: "+91225555" },
  { zone: "Asia/Tokyo", prefix: "+8135555" },
  { zone: "Australia/Sydney", prefix: "+6125550" }
]

export const ensure = Effect.gen(function*() {
  const sql = yield* SqlClient.SqlClient
  const existing = yield* Tenancy.withSystem(sql<{ readonly id: string }>`SELECT id FROM organizations WHERE slug = ${slug}`)
  let orgId = existing[0]?.id
  const seeded = orgId === undefined
  if (orgId === undefined) {
    const org = yield* Provisioning.createOrganization({
      name: "Demo Inc", slug, admin: { email: adminEmail, fullName: "Demo Admin", password: adminPassword }
    })
    orgId = org.orgId
    const id = orgId
    const agents: Array<string> = []
    for (const name of ["Ada", "Grace", "Linus", "Margaret"]) {
      const user = yield* Provisioning.addUser(id, { email: `${name.toLowerCase()}@agents.demo.local`, fullName: `${name} (simulated)`, role: "agent" })
      agents.push(user.userId)
    }
    yield* Tenancy.withTenant(id as OrganizationId)(Effect.gen(function*() {
      yield* sql`UPDATE users SET crm_user_id = 'simulated' WHERE id IN ${sql.in(agents)}`
      const dispositions = [
        { code: "interested", label: "Interested", humanAnswered: true, contact: true, sale: true },
        { code: "not_interested", label: "Not interested", humanAnswered: true, contact: true },
        { code: "callback", label: "Call back later", humanAnswered: true, contact: true, callback: true },
        { code: "do_not_call", label: "Asked not to be called", humanAnswered: true, contact: true, dnc: true }
      ]
      for (const [i, d] of dispositions.entries()) {
        yield* sql`INSERT INTO dispositions ${sql.insert({ id: yield* UuidV7.generate, orgId: id, sortOrder: i, ...d })}`
      }
      yield* sql`INSERT INTO phone_numbers ${sql.insert({ id: yield* UuidV7.generate, orgId: id, number: "+14155550100", provider: "simulated", friendlyName: "Demo caller id", isDefault: true })}`
      const campaignId = yield* UuidV7.generate
      yield* sql`INSERT INTO campaigns ${sql.insert({
        id: campaignId, orgId: id, name: "Demo: spring renewals", mode: "predictive", script,
        description: "Seeded by the embedded default: 300 simulated contacts, 4 simulated agents.",
        ...Settings.toColumns({ ...Settings.defaults, windows: Settings.alwaysOpen, linesPerAgent: 3, retryDelayMinutes: 1, maxAttempts: 2 })
      })}`
      for (let i = 0; i < contactCount; i++) {
        const contactId = yield* UuidV7.generate
        yield* sql`INSERT INTO contacts ${sql.insert({
          id: contactId, orgId: id, phone: `${regions[i % regions.length]!.prefix}${String(2000 + i).padStart(4, "0")}`,
          firstName: firstNames[i % firstNames.length]!, lastName: lastNames[(i * 7) % lastNames.length]!,
          company: `Company ${1 + (i % 40)}`, timeZone: regions[i % regions.length]!.zone, timeZoneSource: "phone_prefix",
          tags: ["demo"], source: "demo-seed"
        })}`
        yield* sql`INSERT INTO campaign_contacts ${sql.insert({ id: yield* UuidV7.generate, orgId: id, campaignId, contactId })}`
      }
    }))
  }
  const id = orgId
  return yield* Tenancy.withTenant(id as OrganizationId)(Effect.gen(function*() {
    const campaign = (yield* sql<{ readonly id: string; readonly name: string }>`SELECT id, name FROM campaigns ORDER BY id LIMIT 1`)[0]!
    // A finished demo starts over, so every boot shows calls being placed.
    const left = yield* sql<{ readonly n: number }>`SELECT count(*)::int AS n FROM campaign_contacts WHERE campaign_id = ${campaign.id} AND status = 'pending'`
    if ((left[0]?.n ?? 0) === 0) {
      yield* sql`UPDATE campaign_contacts SET status = 'pending', attempts = 0, next_attempt_at = now(), reserved_by = NULL, reserved_until = NULL
        WHERE campaign_id = ${campaign.id}`
    }
    // Contacts that were mid-call when the process stopped go back to the queue.
    yield* sql`UPDATE campaign_contacts SET status = 'pending', reserved_by = NULL, reserved_until = NULL
      WHERE campaign_id = ${campaign.id} AND status IN ('dialing', 'reserved')`
    yield* sql`UPDATE calls SET status = 'canceled', ended_at = now(), outcome = COALESCE(outcome, 'failed')
      WHERE campaign_id = ${campaign.id} AND ended_at IS NULL AND status IN ('queued', 'initiated', 'ringing', 'in_progress')`
    yield* sql`UPDATE campaigns SET status = 'running' WHERE id = ${campaign.id}`
    const agents = yield* sql<{ readonly id: string }>`SELECT id FROM users WHERE crm_user_id = 'simulated' ORDER BY id`
    // The process was down since their last state change: close that stretch, so
    // talk time per agent-hour counts only time the agents were really logged in.
    yield* sql`INSERT INTO agent_state_log (id, org_id, agent_id, campaign_id, state, reason, changed_at)
      SELECT gen_random_uuid(), l.org_id, l.agent_id, l.campaign_id, 'offline', 'process stopped', l.changed_at + interval '1 millisecond'
      FROM (SELECT DISTINCT ON (agent_id) * FROM agent_state_log WHERE agent_id IN ${sql.in([...agents.map((a) => a.id), "00000000-0000-0000-0000-000000000000"])}
            ORDER BY agent_id, changed_at DESC, id DESC) l
      WHERE l.state <> 'offline'`
    for (const agent of agents) {
      yield* recordState({ orgId: id, agentId: agent.id, state: "paused", campaignId: campaign.id, reason: "login" })
      yield* recordState({ orgId: id, agentId: agent.id, state: "available", campaignId: campaign.id })
    }
    const admin = (yield* sql<{ readonly id: string }>`SELECT id FROM users WHERE email = ${adminEmail}`)[0]!
    const apiKey = yield* Passwords.generateToken(apiKeyPrefix)
    yield* sql`INSERT INTO api_keys ${sql.insert({
      id: yield* UuidV7.generate, orgId: id, userId: admin.id, name: "demo (printed at boot)", prefix: apiKey.slice(0, 12),
      keyHash: Passwords.tokenDigest(apiKey)
    })}`
    return { orgId: id, campaignId: campaign.id, campaignName: campaign.name, apiKey, seeded } satisfies DemoInfo
  }))
})
