/**
 * Migration 4: what a durable dialing session (`@autodialer/workflows`) needs
 * on top of the base schema, so the calls a campaign places are ordinary rows
 * of `calls` / `call_events` that the server, the ETL roll-ups and the CRM
 * outbox already read.
 *
 * - `calls.idempotency_key` (`<queue entry>:<attempt>`, unique per org): one
 *   call row per attempt, the same key the carrier dedupes originates on;
 *   `calls.session_call_id` (the engine's id for the call, unique per org) and
 *   `calls.dialing_session` (which session attempt dialled it);
 *   `calls.carrier_call_id` (the `Telephony` port's call id, unique per org,
 *   first in its index so carrier-event ingress finds the call without knowing
 *   the tenant).
 * - `call_commands`: each engine command, stored before it runs, numbered per
 *   session; append-only.
 * - `campaign_agents`: the agents assigned to a campaign and their live state
 *   as the session sees it (history goes to `agent_state_log`).
 *
 * Same rules as the base schema: composite tenant foreign keys, RLS forced
 * with a tenant policy and a system policy, portable to Postgres 15 and PGlite.
 */
import * as Enums from "../Enums.ts"
import { appRole, systemRole } from "./schemaSql.ts"

const list = (values: ReadonlyArray<string>) => values.map((v) => `'${v}'`).join(", ")

/** Tenant tables added by this migration (RLS: `org_id = app_current_org()`). */
export const sessionTenantTables = ["call_commands", "campaign_agents"] as const

export const dialingSession: ReadonlyArray<string> = [
  `ALTER TABLE calls ADD COLUMN idempotency_key text`,
  `ALTER TABLE calls ADD COLUMN session_call_id text`,
  `ALTER TABLE calls ADD COLUMN dialing_session text`,
  `ALTER TABLE calls ADD COLUMN carrier_call_id text`,
  `CREATE UNIQUE INDEX calls_idempotency_key ON calls (org_id, idempotency_key) WHERE idempotency_key IS NOT NULL`,
  `CREATE UNIQUE INDEX calls_session_call_key ON calls (org_id, session_call_id) WHERE session_call_id IS NOT NULL`,
  `CREATE UNIQUE INDEX calls_carrier_call_key ON calls (carrier_call_id, org_id) WHERE carrier_call_id IS NOT NULL`,
  `CREATE TABLE call_commands (
  id uuid PRIMARY KEY,
  org_id uuid NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
  campaign_id uuid NOT NULL,
  session_key text NOT NULL,
  sequence integer NOT NULL CHECK (sequence >= 1),
  session_call_id text,
  command_type text NOT NULL,
  command jsonb NOT NULL,
  recorded_at timestamptz NOT NULL,
  UNIQUE (session_key, sequence),
  FOREIGN KEY (org_id, campaign_id) REFERENCES campaigns (org_id, id) ON DELETE CASCADE
)`,
  `CREATE INDEX call_commands_campaign_idx ON call_commands (org_id, campaign_id, recorded_at)`,
  `CREATE TRIGGER call_commands_append_only BEFORE UPDATE ON call_commands FOR EACH ROW EXECUTE FUNCTION reject_update()`,
  `CREATE TABLE campaign_agents (
  org_id uuid NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
  campaign_id uuid NOT NULL,
  agent_id uuid NOT NULL,
  state text NOT NULL CHECK (state IN (${list(Enums.AgentState.literals)})),
  call_id uuid,
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (campaign_id, agent_id),
  FOREIGN KEY (org_id, campaign_id) REFERENCES campaigns (org_id, id) ON DELETE CASCADE,
  FOREIGN KEY (org_id, agent_id) REFERENCES users (org_id, id) ON DELETE CASCADE,
  FOREIGN KEY (org_id, call_id) REFERENCES calls (org_id, id) ON DELETE SET NULL (call_id)
)`,
  `CREATE TRIGGER campaign_agents_set_updated_at BEFORE UPDATE ON campaign_agents FOR EACH ROW EXECUTE FUNCTION set_updated_at()`,
  // The default privileges of migration 3 cover tables made by the same owner; granted explicitly in case another role migrates.
  `GRANT SELECT, INSERT, UPDATE, DELETE ON call_commands, campaign_agents TO ${appRole}, ${systemRole}`,
  ...sessionTenantTables.flatMap((t) => [
    `ALTER TABLE ${t} ENABLE ROW LEVEL SECURITY`,
    `ALTER TABLE ${t} FORCE ROW LEVEL SECURITY`,
    `CREATE POLICY ${t}_system ON ${t} TO ${systemRole} USING (true) WITH CHECK (true)`,
    `CREATE POLICY ${t}_tenant ON ${t} USING (org_id = app_current_org()) WITH CHECK (org_id = app_current_org())`
  ])
]

/**
 * Migration 5: a lookup of calls by idempotency key alone, for a carrier-side
 * call store (`@autodialer/telephony`'s `CallStorePg`) that claims keys without
 * knowing the tenant (keys embed a queue-entry UUID, so they are globally
 * unique in practice; uniqueness stays enforced per organization).
 */
export const callStoreLookup: ReadonlyArray<string> = [
  `CREATE INDEX calls_idempotency_lookup_idx ON calls (idempotency_key) WHERE idempotency_key IS NOT NULL`
]
