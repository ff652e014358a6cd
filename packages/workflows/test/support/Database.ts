/**
 * A throwaway Postgres database per test file, with the tables the session
 * store uses. The columns follow `@autodialer/domain`'s migrations for
 * campaign_contacts, calls and call_events (ids are text here, and the org and
 * foreign-key columns are left out); `carrier_call_id`, `session_key`,
 * `call_commands` and `campaign_agents` are what the session adds.
 */
import { randomUUID } from "node:crypto"
import { Effect, Layer, Redacted } from "effect"
import { PgClient } from "@effect/sql-pg"
import { SqlClient } from "effect/sql"

export const schema = [
  `CREATE TABLE contacts (id text PRIMARY KEY, phone text NOT NULL CHECK (phone ~ '^\\+[1-9][0-9]{6,14}$'), time_zone text)`,
  `CREATE TABLE campaign_contacts (
    id text PRIMARY KEY, campaign_id text NOT NULL, contact_id text NOT NULL REFERENCES contacts(id),
    priority integer NOT NULL DEFAULT 0,
    status text NOT NULL DEFAULT 'pending' CHECK (status IN ('pending','reserved','dialing','completed','exhausted','removed')),
    next_attempt_at timestamptz NOT NULL DEFAULT now(), attempts integer NOT NULL DEFAULT 0 CHECK (attempts >= 0),
    last_attempt_at timestamptz, last_outcome text, reserved_by text, reserved_until timestamptz,
    created_at timestamptz NOT NULL DEFAULT now(), updated_at timestamptz NOT NULL DEFAULT now(),
    UNIQUE (campaign_id, contact_id), CHECK ((status = 'reserved') = (reserved_until IS NOT NULL)))`,
  `CREATE INDEX campaign_contacts_due_idx ON campaign_contacts (campaign_id, priority DESC, next_attempt_at, id) WHERE status = 'pending'`,
  `CREATE TABLE calls (
    id text PRIMARY KEY, campaign_id text, contact_id text, campaign_contact_id text REFERENCES campaign_contacts(id), agent_id text,
    provider text NOT NULL, provider_call_id text, carrier_call_id text UNIQUE, direction text NOT NULL,
    from_number text NOT NULL, to_number text NOT NULL,
    status text NOT NULL CHECK (status IN ('queued','initiated','ringing','in_progress','completed','busy','no_answer','failed','canceled')),
    answered_by text, outcome text, attempt integer NOT NULL DEFAULT 1 CHECK (attempt >= 1),
    queued_at timestamptz, initiated_at timestamptz, answered_at timestamptz, ended_at timestamptz, session_key text,
    UNIQUE (campaign_contact_id, attempt))`,
  `CREATE TABLE call_events (
    id bigserial PRIMARY KEY, call_id text REFERENCES calls(id), provider text NOT NULL, provider_call_id text,
    provider_event_key text NOT NULL, event_type text NOT NULL, payload jsonb NOT NULL DEFAULT '{}',
    occurred_at timestamptz NOT NULL, received_at timestamptz NOT NULL DEFAULT clock_timestamp(),
    UNIQUE (provider, provider_event_key))`,
  `CREATE TABLE call_commands (
    id bigserial PRIMARY KEY, campaign_id text NOT NULL, session_key text NOT NULL, call_id text, command_type text NOT NULL,
    command jsonb NOT NULL, recorded_at timestamptz NOT NULL)`,
  // Test probe: every originate the simulated carrier accepted, by process, to prove no attempt is dialled twice.
  `CREATE TABLE carrier_originates (idempotency_key text NOT NULL, pid integer NOT NULL, deduplicated boolean NOT NULL,
    at timestamptz NOT NULL DEFAULT clock_timestamp())`,
  `CREATE TABLE campaign_agents (
    campaign_id text NOT NULL, agent_id text NOT NULL, state text NOT NULL, call_id text, updated_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (campaign_id, agent_id))`
]

export interface TestDatabase {
  readonly url: string
  readonly layer: Layer.Layer<PgClient.PgClient | SqlClient.SqlClient, unknown>
  drop(): Promise<void>
}

const withUrlDatabase = (url: string, database: string): string => {
  const u = new URL(url)
  u.pathname = `/${database}`
  return u.toString()
}

/** Creates `wf_<label>_<random>` with the schema; `drop()` removes it. */
export const createTestDatabase = async (adminUrl: string, label: string): Promise<TestDatabase> => {
  const name = `wf_${label}_${randomUUID().replaceAll("-", "").slice(0, 10)}`
  const admin = (effect: (sql: SqlClient.SqlClient) => Effect.Effect<unknown, unknown>) =>
    Effect.runPromise(Effect.scoped(Effect.gen(function*() {
      const sql = yield* SqlClient.SqlClient
      yield* effect(sql)
    }).pipe(Effect.provide(PgClient.layer({ url: Redacted.make(adminUrl), maxConnections: 1 })))))
  await admin((sql) => sql.unsafe(`CREATE DATABASE ${name}`))
  const url = withUrlDatabase(adminUrl, name)
  await Effect.runPromise(Effect.scoped(Effect.gen(function*() {
    const sql = yield* SqlClient.SqlClient
    for (const statement of schema) yield* sql.unsafe(statement)
  }).pipe(Effect.provide(PgClient.layer({ url: Redacted.make(url), maxConnections: 1 })))))
  return {
    url,
    layer: PgClient.layer({ url: Redacted.make(url), maxConnections: 8 }),
    drop: () => admin((sql) => sql.unsafe(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`))
  }
}
