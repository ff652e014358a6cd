/** Seeds a campaign's queue and agents in the test database, and reads back what happened. */
import { Array as Arr, Effect, type Layer } from "effect"
import { SqlClient } from "effect/sql"

export interface Seed {
  readonly campaignId: string
  readonly contacts: number
  readonly agents: number
  readonly agentState?: "ready" | "loggedOut"
  /** IANA zone per contact index, or null for the campaign's. */
  readonly zoneOf?: (i: number) => string | null
}

export const seedCampaign = (seed: Seed) =>
  Effect.gen(function*() {
    const sql = yield* SqlClient.SqlClient
    const rows = Array.from({ length: seed.contacts }, (_, i) => ({
      id: `${seed.campaignId}-p${i}`,
      phone: `+1415${String(1_000_000 + i).slice(-7)}`,
      time_zone: seed.zoneOf?.(i) ?? null
    }))
    if (Arr.isArrayNonEmpty(rows)) {
      yield* sql`INSERT INTO contacts ${sql.insert(rows)}`
      yield* sql`INSERT INTO campaign_contacts ${sql.insert(Arr.map(rows, (r, i) => ({
        id: `${seed.campaignId}-q${i}`, campaign_id: seed.campaignId, contact_id: r.id, priority: 0
      })))}`
    }
    const agents = Array.from({ length: seed.agents }, (_, i) => ({ campaign_id: seed.campaignId, agent_id: `agent-${i}`, state: seed.agentState ?? "ready" }))
    if (Arr.isArrayNonEmpty(agents)) yield* sql`INSERT INTO campaign_agents ${sql.insert(agents)}`
  })

export const query = <A extends object>(layer: Layer.Layer<SqlClient.SqlClient, unknown>, text: string, params: ReadonlyArray<unknown> = []) =>
  Effect.runPromise(Effect.scoped(Effect.gen(function*() {
    const sql = yield* SqlClient.SqlClient
    return (yield* sql.unsafe<A>(text, params as Array<never>)) as ReadonlyArray<A>
  }).pipe(Effect.provide(layer))))
