/**
 * The DDL of the data model as lists of single statements (the Postgres
 * extended protocol runs one statement per query). Kept portable between
 * Postgres 15 (server) and PGlite 0.5.14 (Postgres 18): no PG16+ syntax.
 *
 * Tenant foreign keys are composite `(org_id, x_id) -> x (org_id, id)`: a
 * foreign-key check bypasses row-level security, so a single-column FK would
 * let tenant A attach its rows to tenant B's contact. `ON DELETE SET NULL (col)`
 * (PG15+) nulls only the reference and keeps the row's `org_id`.
 */
import * as Enums from "../Enums.ts"

const list = (values: ReadonlyArray<string>) => values.map((v) => `'${v}'`).join(", ")
const oneOf = (column: string, values: ReadonlyArray<string>) => `CHECK (${column} IN (${list(values)}))`
const allOf = (column: string, values: ReadonlyArray<string>) =>
  `CHECK (${column} <@ ARRAY[${list(values)}]::text[])`

/** An FK to a tenant table through the org: rows can only point inside their own tenant. */
const ref = (column: string, table: string, onDelete: "CASCADE" | "SET NULL" | "NO ACTION") =>
  `FOREIGN KEY (org_id, ${column}) REFERENCES ${table} (org_id, id) ON DELETE ${
    onDelete === "SET NULL" ? `SET NULL (${column})` : onDelete
  }`

const orgRef = `org_id uuid NOT NULL REFERENCES organizations (id) ON DELETE CASCADE`
const stamps = `created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now()`

/** Tables whose rows belong to exactly one organization (RLS: `org_id = app_current_org()`). */
export const tenantTables = [
  "teams", "users", "api_keys", "sessions", "audit_logs", "contacts", "voice_servers", "phone_numbers",
  "dispositions", "campaigns", "campaign_contacts", "calls", "call_events", "recordings", "call_notes",
  "voicemail_messages", "crm_connections", "crm_sync_logs", "agent_state_log", "org_daily_snapshots",
  "call_metrics", "contact_metrics", "campaign_daily_stats"
] as const

/** Tables with an `updated_at` column maintained by trigger. */
export const updatedAtTables = [
  "organizations", "teams", "users", "contacts", "voice_servers", "phone_numbers", "dispositions", "campaigns",
  "campaign_contacts", "calls", "recordings", "call_notes", "crm_connections", "org_daily_snapshots",
  "call_metrics", "contact_metrics", "campaign_daily_stats"
] as const

export const appRole = "autodialer_app"
export const systemRole = "autodialer_system"

/** Roles are cluster-wide: creation must tolerate another database (or a concurrent migration) having made them. */
const createRole = (role: string, attributes: string) => `DO $$
BEGIN
  IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = '${role}') THEN
    CREATE ROLE ${role} ${attributes};
  END IF;
EXCEPTION WHEN duplicate_object OR unique_violation THEN
  NULL;
END
$$`

export const rolesAndFunctions: ReadonlyArray<string> = [
  createRole(appRole, "NOLOGIN NOBYPASSRLS NOINHERIT"),
  createRole(systemRole, "NOLOGIN NOBYPASSRLS NOINHERIT"),
  // The connecting (migrating) user switches to these roles per transaction.
  `DO $$
BEGIN
  EXECUTE format('GRANT ${appRole} TO %I', current_user);
  EXECUTE format('GRANT ${systemRole} TO %I', current_user);
EXCEPTION WHEN others THEN
  -- Already a member (or the current user is a superuser that needs no grant).
  NULL;
END
$$`,
  // NULLIF: after a transaction that set app.org_id ends, the setting reads as '' (not NULL), and ''::uuid throws.
  `CREATE OR REPLACE FUNCTION app_current_org() RETURNS uuid
  LANGUAGE sql STABLE AS $$ SELECT NULLIF(current_setting('app.org_id', true), '')::uuid $$`,
  `CREATE OR REPLACE FUNCTION set_updated_at() RETURNS trigger
  LANGUAGE plpgsql AS $$
BEGIN
  NEW.updated_at := now();
  RETURN NEW;
END
$$`,
  // Call events may arrive before the provider call id is matched to our call; linking them
  // (call_id NULL -> id) is the one change allowed, everything the provider sent stays as received.
  `CREATE OR REPLACE FUNCTION call_events_link_only() RETURNS trigger
  LANGUAGE plpgsql AS $$
BEGIN
  IF OLD.call_id IS NULL AND NEW.call_id IS NOT NULL
     AND NEW.id = OLD.id AND NEW.org_id = OLD.org_id AND NEW.provider = OLD.provider
     AND NEW.provider_call_id IS NOT DISTINCT FROM OLD.provider_call_id
     AND NEW.provider_event_key = OLD.provider_event_key AND NEW.event_type = OLD.event_type
     AND NEW.payload = OLD.payload AND NEW.occurred_at = OLD.occurred_at AND NEW.received_at = OLD.received_at THEN
    RETURN NEW;
  END IF;
  RAISE EXCEPTION 'call_events is append-only: only linking an event to its call is allowed' USING ERRCODE = 'restrict_violation';
END
$$`,
  `CREATE OR REPLACE FUNCTION reject_update() RETURNS trigger
  LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION '% is append-only: rows cannot be updated', TG_TABLE_NAME USING ERRCODE = 'restrict_violation';
END
$$`
]

export const tables: ReadonlyArray<string> = [
  `CREATE TABLE organizations (
  id uuid PRIMARY KEY,
  name text NOT NULL CHECK (length(btrim(name)) > 0),
  slug text NOT NULL UNIQUE CHECK (slug ~ '^[a-z0-9][a-z0-9-]{1,62}$'),
  plan text NOT NULL ${oneOf("plan", Enums.OrganizationPlan.literals)},
  limits jsonb NOT NULL,
  settings jsonb NOT NULL,
  ${stamps}
)`,
  `CREATE TABLE teams (
  id uuid PRIMARY KEY,
  ${orgRef},
  name text NOT NULL,
  manager_id uuid,
  ${stamps},
  UNIQUE (org_id, id),
  UNIQUE (org_id, name)
)`,
  `CREATE TABLE users (
  id uuid PRIMARY KEY,
  ${orgRef},
  team_id uuid,
  email text NOT NULL,
  full_name text NOT NULL,
  role text NOT NULL ${oneOf("role", Enums.UserRole.literals)},
  crm_user_id text,
  password_hash text,
  two_factor_enabled boolean NOT NULL DEFAULT false,
  two_factor_secret_encrypted text,
  two_factor_recovery_hashes text[] NOT NULL DEFAULT '{}',
  failed_login_attempts integer NOT NULL DEFAULT 0 CHECK (failed_login_attempts >= 0),
  locked_until timestamptz,
  last_login_at timestamptz,
  is_active boolean NOT NULL DEFAULT true,
  ${stamps},
  UNIQUE (org_id, id),
  CHECK (NOT two_factor_enabled OR two_factor_secret_encrypted IS NOT NULL),
  ${ref("team_id", "teams", "SET NULL")}
)`,
  `CREATE UNIQUE INDEX users_org_email_key ON users (org_id, lower(email))`,
  `ALTER TABLE teams ADD CONSTRAINT teams_manager_fk ${ref("manager_id", "users", "SET NULL")}`,
  `CREATE TABLE api_keys (
  id uuid PRIMARY KEY,
  ${orgRef},
  user_id uuid,
  name text NOT NULL,
  prefix text NOT NULL,
  key_hash text NOT NULL UNIQUE,
  scopes text[] NOT NULL DEFAULT '{}',
  expires_at timestamptz,
  revoked_at timestamptz,
  last_used_at timestamptz,
  created_at timestamptz NOT NULL DEFAULT now(),
  ${ref("user_id", "users", "CASCADE")}
)`,
  `CREATE INDEX api_keys_prefix_active_idx ON api_keys (prefix) WHERE revoked_at IS NULL`,
  `CREATE TABLE sessions (
  id uuid PRIMARY KEY,
  ${orgRef},
  user_id uuid NOT NULL,
  token_hash text NOT NULL UNIQUE,
  ip_address text,
  user_agent text,
  expires_at timestamptz NOT NULL,
  revoked_at timestamptz,
  last_seen_at timestamptz,
  created_at timestamptz NOT NULL DEFAULT now(),
  ${ref("user_id", "users", "CASCADE")}
)`,
  `CREATE INDEX sessions_user_active_idx ON sessions (user_id, expires_at) WHERE revoked_at IS NULL`,
  `CREATE TABLE audit_logs (
  id uuid PRIMARY KEY,
  ${orgRef},
  actor_user_id uuid,
  actor_api_key_id uuid REFERENCES api_keys (id) ON DELETE SET NULL,
  action text NOT NULL,
  entity_type text NOT NULL,
  entity_id text,
  changes jsonb NOT NULL DEFAULT '{}',
  ip_address text,
  created_at timestamptz NOT NULL DEFAULT now(),
  ${ref("actor_user_id", "users", "SET NULL")}
)`,
  `CREATE INDEX audit_logs_org_created_idx ON audit_logs (org_id, created_at DESC, id DESC)`,
  `CREATE INDEX audit_logs_entity_idx ON audit_logs (org_id, entity_type, entity_id)`,
  `CREATE TABLE contacts (
  id uuid PRIMARY KEY,
  ${orgRef},
  crm_id text,
  source_crm text ${oneOf("source_crm", Enums.CrmType.literals)},
  first_name text,
  last_name text,
  company text,
  title text,
  email text,
  phone text NOT NULL CHECK (phone ~ '^\\+[1-9][0-9]{6,14}$'),
  alternate_phones text[] NOT NULL DEFAULT '{}',
  time_zone text,
  time_zone_source text ${oneOf("time_zone_source", ["crm", "user", "address", "phone_prefix", "default"])},
  lead_score integer CHECK (lead_score BETWEEN 0 AND 100),
  status text NOT NULL DEFAULT 'new' ${oneOf("status", Enums.ContactStatus.literals)},
  stage text,
  source text,
  owner_id uuid,
  tags text[] NOT NULL DEFAULT '{}',
  custom_fields jsonb NOT NULL DEFAULT '{}',
  consent jsonb NOT NULL DEFAULT '{"status":"unknown","method":null,"capturedAt":null,"evidence":null}',
  last_contacted_at timestamptz,
  ${stamps},
  UNIQUE (org_id, id),
  CHECK ((crm_id IS NULL) = (source_crm IS NULL)),
  CHECK ((time_zone IS NULL) = (time_zone_source IS NULL)),
  ${ref("owner_id", "users", "SET NULL")}
)`,
  `CREATE UNIQUE INDEX contacts_crm_key ON contacts (org_id, source_crm, crm_id) WHERE crm_id IS NOT NULL`,
  `CREATE INDEX contacts_org_phone_idx ON contacts (org_id, phone)`,
  `CREATE INDEX contacts_org_created_idx ON contacts (org_id, created_at DESC, id DESC)`,
  `CREATE INDEX contacts_tags_idx ON contacts USING gin (tags)`,
  `CREATE TABLE voice_servers (
  id uuid PRIMARY KEY,
  ${orgRef},
  name text NOT NULL,
  url text NOT NULL CHECK (url ~ '^wss?://'),
  status text NOT NULL DEFAULT 'unverified' ${oneOf("status", Enums.VoiceServerStatus.literals)},
  last_verified_at timestamptz,
  priority integer NOT NULL DEFAULT 100,
  max_concurrent_calls integer CHECK (max_concurrent_calls > 0),
  ${stamps},
  UNIQUE (org_id, id),
  UNIQUE (org_id, url)
)`,
  `CREATE INDEX voice_servers_pick_idx ON voice_servers (org_id, priority) WHERE status = 'active'`,
  `CREATE TABLE phone_numbers (
  id uuid PRIMARY KEY,
  ${orgRef},
  number text NOT NULL CHECK (number ~ '^\\+[1-9][0-9]{6,14}$'),
  provider text NOT NULL ${oneOf("provider", Enums.Provider.literals)},
  provider_sid text,
  friendly_name text,
  capabilities text[] NOT NULL DEFAULT '{voice}' ${allOf("capabilities", Enums.PhoneCapability.literals)},
  is_default boolean NOT NULL DEFAULT false,
  is_active boolean NOT NULL DEFAULT true,
  monthly_cost numeric(12, 5),
  cost_currency text CHECK (cost_currency ~ '^[A-Z]{3}$'),
  daily_call_count integer NOT NULL DEFAULT 0 CHECK (daily_call_count >= 0),
  ${stamps},
  UNIQUE (org_id, id),
  UNIQUE (org_id, number)
)`,
  `CREATE UNIQUE INDEX phone_numbers_one_default_key ON phone_numbers (org_id) WHERE is_default`,
  `CREATE UNIQUE INDEX phone_numbers_provider_sid_key ON phone_numbers (provider, provider_sid) WHERE provider_sid IS NOT NULL`,
  `CREATE TABLE dispositions (
  id uuid PRIMARY KEY,
  ${orgRef},
  code text NOT NULL CHECK (code ~ '^[a-z][a-z0-9_]{0,62}$'),
  label text NOT NULL,
  human_answered boolean NOT NULL DEFAULT false,
  contact boolean NOT NULL DEFAULT false,
  sale boolean NOT NULL DEFAULT false,
  dnc boolean NOT NULL DEFAULT false,
  callback boolean NOT NULL DEFAULT false,
  answering_machine boolean NOT NULL DEFAULT false,
  sort_order integer NOT NULL DEFAULT 0,
  is_active boolean NOT NULL DEFAULT true,
  ${stamps},
  UNIQUE (org_id, id),
  UNIQUE (org_id, code),
  CHECK (NOT (human_answered AND answering_machine)),
  CHECK (NOT sale OR contact)
)`,
  `CREATE TABLE campaigns (
  id uuid PRIMARY KEY,
  ${orgRef},
  team_id uuid,
  name text NOT NULL,
  description text,
  mode text NOT NULL ${oneOf("mode", Enums.CampaignMode.literals)},
  status text NOT NULL DEFAULT 'draft' ${oneOf("status", Enums.CampaignStatus.literals)},
  calling_window jsonb NOT NULL,
  abandon_policy jsonb NOT NULL,
  attempt_rules jsonb NOT NULL,
  retry_rules jsonb NOT NULL DEFAULT '[]',
  pacing jsonb NOT NULL,
  caller_id_pool uuid[] NOT NULL DEFAULT '{}',
  amd jsonb NOT NULL,
  script text,
  voice_server_id uuid,
  created_by uuid,
  starts_at timestamptz,
  ends_at timestamptz,
  total_calls integer NOT NULL DEFAULT 0 CHECK (total_calls >= 0),
  transferred_calls integer NOT NULL DEFAULT 0 CHECK (transferred_calls >= 0),
  conversion_rate double precision GENERATED ALWAYS AS (
    CASE WHEN total_calls > 0 THEN transferred_calls::double precision / total_calls END
  ) STORED,
  ${stamps},
  UNIQUE (org_id, id),
  CHECK (transferred_calls <= total_calls),
  CHECK (ends_at IS NULL OR starts_at IS NULL OR ends_at > starts_at),
  CHECK (mode <> 'agentless' OR script IS NOT NULL OR voice_server_id IS NOT NULL),
  ${ref("team_id", "teams", "SET NULL")},
  ${ref("voice_server_id", "voice_servers", "SET NULL")},
  ${ref("created_by", "users", "SET NULL")}
)`,
  `CREATE INDEX campaigns_org_status_idx ON campaigns (org_id, status)`,
  `CREATE TABLE campaign_contacts (
  id uuid PRIMARY KEY,
  ${orgRef},
  campaign_id uuid NOT NULL,
  contact_id uuid NOT NULL,
  priority integer NOT NULL DEFAULT 0,
  status text NOT NULL DEFAULT 'pending' ${oneOf("status", Enums.QueueStatus.literals)},
  next_attempt_at timestamptz NOT NULL DEFAULT now(),
  attempts integer NOT NULL DEFAULT 0 CHECK (attempts >= 0),
  last_attempt_at timestamptz,
  last_outcome text ${oneOf("last_outcome", Enums.CallOutcome.literals)},
  reserved_by text,
  reserved_until timestamptz,
  ${stamps},
  UNIQUE (org_id, id),
  UNIQUE (campaign_id, contact_id),
  CHECK ((status = 'reserved') = (reserved_until IS NOT NULL)),
  ${ref("campaign_id", "campaigns", "CASCADE")},
  ${ref("contact_id", "contacts", "CASCADE")}
)`,
  // The dialer's hot path: the next due rows of a campaign, best priority first.
  `CREATE INDEX campaign_contacts_due_idx ON campaign_contacts (campaign_id, priority DESC, next_attempt_at, id)
  WHERE status = 'pending'`,
  `CREATE INDEX campaign_contacts_reserved_idx ON campaign_contacts (reserved_until) WHERE status = 'reserved'`,
  `CREATE INDEX campaign_contacts_contact_idx ON campaign_contacts (contact_id)`,
  `CREATE TABLE calls (
  id uuid PRIMARY KEY,
  ${orgRef},
  campaign_id uuid,
  contact_id uuid,
  campaign_contact_id uuid,
  agent_id uuid,
  caller_id_number_id uuid,
  voice_server_id uuid,
  parent_call_id uuid,
  provider text NOT NULL ${oneOf("provider", Enums.Provider.literals)},
  provider_call_id text,
  direction text NOT NULL ${oneOf("direction", Enums.CallDirection.literals)},
  from_number text NOT NULL,
  to_number text NOT NULL,
  status text NOT NULL ${oneOf("status", Enums.CallStatus.literals)},
  answered_by text ${oneOf("answered_by", Enums.AnsweredBy.literals)},
  outcome text ${oneOf("outcome", Enums.CallOutcome.literals)},
  disposition_id uuid,
  attempt integer NOT NULL DEFAULT 1 CHECK (attempt >= 1),
  queued_at timestamptz,
  initiated_at timestamptz,
  ringing_at timestamptz,
  answered_at timestamptz,
  ended_at timestamptz,
  ring_duration_seconds integer CHECK (ring_duration_seconds >= 0),
  talk_duration_seconds integer CHECK (talk_duration_seconds >= 0),
  billable_seconds integer CHECK (billable_seconds >= 0),
  price numeric(12, 5),
  price_unit text CHECK (price_unit ~ '^[A-Z]{3}$'),
  recording_url text,
  transcript text,
  transcript_status text NOT NULL DEFAULT 'none' ${oneOf("transcript_status", Enums.TranscriptStatus.literals)},
  summary text,
  sentiment double precision CHECK (sentiment BETWEEN -1 AND 1),
  is_transferred boolean NOT NULL DEFAULT false,
  transferred_to text,
  transferred_at timestamptz,
  hangup_cause text,
  error_code text,
  error_message text,
  notes text,
  metadata jsonb NOT NULL DEFAULT '{}',
  ${stamps},
  UNIQUE (org_id, id),
  CHECK (ended_at IS NULL OR initiated_at IS NULL OR ended_at >= initiated_at),
  CHECK (NOT is_transferred OR transferred_at IS NOT NULL),
  ${ref("campaign_id", "campaigns", "SET NULL")},
  ${ref("contact_id", "contacts", "SET NULL")},
  ${ref("campaign_contact_id", "campaign_contacts", "SET NULL")},
  ${ref("agent_id", "users", "SET NULL")},
  ${ref("caller_id_number_id", "phone_numbers", "SET NULL")},
  ${ref("voice_server_id", "voice_servers", "SET NULL")},
  ${ref("parent_call_id", "calls", "SET NULL")},
  ${ref("disposition_id", "dispositions", "NO ACTION")}
)`,
  `CREATE UNIQUE INDEX calls_provider_call_key ON calls (provider, provider_call_id) WHERE provider_call_id IS NOT NULL`,
  `CREATE INDEX calls_org_created_idx ON calls (org_id, created_at DESC, id DESC)`,
  `CREATE INDEX calls_contact_idx ON calls (contact_id, created_at DESC) WHERE contact_id IS NOT NULL`,
  `CREATE INDEX calls_campaign_idx ON calls (campaign_id, created_at DESC) WHERE campaign_id IS NOT NULL`,
  // Calls in flight (replaced by migration 8's calls_open_idx, which status updates do not touch).
  `CREATE INDEX calls_live_idx ON calls (org_id, campaign_id)
  WHERE status IN ('queued', 'initiated', 'ringing', 'in_progress')`,
  `CREATE TABLE call_events (
  id uuid PRIMARY KEY,
  ${orgRef},
  call_id uuid,
  provider text NOT NULL ${oneOf("provider", Enums.Provider.literals)},
  provider_call_id text,
  provider_event_key text NOT NULL,
  event_type text NOT NULL,
  payload jsonb NOT NULL DEFAULT '{}',
  occurred_at timestamptz NOT NULL,
  received_at timestamptz NOT NULL DEFAULT now(),
  UNIQUE (provider, provider_event_key),
  ${ref("call_id", "calls", "CASCADE")}
)`,
  `CREATE INDEX call_events_call_idx ON call_events (call_id, occurred_at)`,
  `CREATE INDEX call_events_provider_call_idx ON call_events (provider, provider_call_id) WHERE call_id IS NULL`,
  `CREATE TABLE recordings (
  id uuid PRIMARY KEY,
  ${orgRef},
  call_id uuid,
  kind text NOT NULL ${oneOf("kind", ["call", "voicemail_drop", "safe_harbor", "greeting"])},
  provider text ${oneOf("provider", Enums.Provider.literals)},
  provider_recording_id text,
  url text NOT NULL,
  duration_seconds integer CHECK (duration_seconds >= 0),
  status text NOT NULL ${oneOf("status", Enums.RecordingStatus.literals)},
  content_type text,
  ${stamps},
  UNIQUE (org_id, id),
  CHECK (kind <> 'call' OR call_id IS NOT NULL),
  ${ref("call_id", "calls", "CASCADE")}
)`,
  `CREATE INDEX recordings_call_idx ON recordings (call_id) WHERE call_id IS NOT NULL`,
  `CREATE TABLE call_notes (
  id uuid PRIMARY KEY,
  ${orgRef},
  contact_id uuid NOT NULL,
  call_id uuid,
  author_id uuid,
  body text NOT NULL CHECK (length(btrim(body)) > 0),
  ${stamps},
  ${ref("contact_id", "contacts", "CASCADE")},
  ${ref("call_id", "calls", "SET NULL")},
  ${ref("author_id", "users", "SET NULL")}
)`,
  `CREATE INDEX call_notes_contact_idx ON call_notes (contact_id, created_at DESC)`,
  `CREATE TABLE voicemail_messages (
  id uuid PRIMARY KEY,
  ${orgRef},
  call_id uuid,
  contact_id uuid,
  recording_id uuid,
  direction text NOT NULL ${oneOf("direction", ["dropped", "received"])},
  from_number text,
  duration_seconds integer CHECK (duration_seconds >= 0),
  transcript text,
  listened_at timestamptz,
  created_at timestamptz NOT NULL DEFAULT now(),
  ${ref("call_id", "calls", "SET NULL")},
  ${ref("contact_id", "contacts", "CASCADE")},
  ${ref("recording_id", "recordings", "SET NULL")}
)`,
  `CREATE TABLE dnc_entries (
  id uuid PRIMARY KEY,
  org_id uuid REFERENCES organizations (id) ON DELETE CASCADE,
  scope text NOT NULL ${oneOf("scope", Enums.DncScope.literals)},
  campaign_id uuid,
  phone text NOT NULL CHECK (phone ~ '^\\+[1-9][0-9]{6,14}$'),
  reason text NOT NULL ${oneOf("reason", Enums.DncReason.literals)},
  note text,
  added_by uuid,
  added_at timestamptz NOT NULL DEFAULT now(),
  expires_at timestamptz,
  CHECK (
    (scope = 'global' AND org_id IS NULL AND campaign_id IS NULL) OR
    (scope = 'organization' AND org_id IS NOT NULL AND campaign_id IS NULL) OR
    (scope = 'campaign' AND org_id IS NOT NULL AND campaign_id IS NOT NULL)
  ),
  ${ref("campaign_id", "campaigns", "CASCADE")},
  ${ref("added_by", "users", "SET NULL")}
)`,
  `CREATE UNIQUE INDEX dnc_entries_key ON dnc_entries (
  COALESCE(org_id, '00000000-0000-0000-0000-000000000000'::uuid),
  COALESCE(campaign_id, '00000000-0000-0000-0000-000000000000'::uuid),
  phone
)`,
  `CREATE INDEX dnc_entries_phone_idx ON dnc_entries (phone)`,
  `CREATE TABLE crm_connections (
  id uuid PRIMARY KEY,
  ${orgRef},
  crm_type text NOT NULL ${oneOf("crm_type", Enums.CrmType.literals)},
  name text NOT NULL,
  external_account_id text,
  instance_url text,
  credentials_encrypted text NOT NULL,
  credentials_key_id text NOT NULL,
  status text NOT NULL DEFAULT 'active' ${oneOf("status", Enums.CrmConnectionStatus.literals)},
  sync_cursors jsonb NOT NULL DEFAULT '{}',
  last_synced_at timestamptz,
  last_error text,
  ${stamps},
  UNIQUE (org_id, id),
  UNIQUE (org_id, crm_type, name)
)`,
  `CREATE TABLE crm_sync_logs (
  id uuid PRIMARY KEY,
  ${orgRef},
  connection_id uuid,
  object_type text NOT NULL ${oneOf("object_type", Enums.CrmObjectType.literals)},
  object_id text,
  local_id text,
  action text NOT NULL ${oneOf("action", Enums.CrmSyncAction.literals)},
  status text NOT NULL ${oneOf("status", Enums.CrmSyncStatus.literals)},
  message text,
  details jsonb NOT NULL DEFAULT '{}',
  created_at timestamptz NOT NULL DEFAULT now(),
  ${ref("connection_id", "crm_connections", "SET NULL")}
)`,
  `CREATE INDEX crm_sync_logs_org_created_idx ON crm_sync_logs (org_id, created_at DESC, id DESC)`,
  `CREATE INDEX crm_sync_logs_failed_idx ON crm_sync_logs (org_id, created_at DESC) WHERE status = 'failed'`,
  `CREATE TABLE agent_state_log (
  id uuid PRIMARY KEY,
  ${orgRef},
  agent_id uuid NOT NULL,
  campaign_id uuid,
  call_id uuid,
  state text NOT NULL ${oneOf("state", Enums.AgentState.literals)},
  reason text,
  changed_at timestamptz NOT NULL DEFAULT now(),
  ${ref("agent_id", "users", "CASCADE")},
  ${ref("campaign_id", "campaigns", "SET NULL")},
  ${ref("call_id", "calls", "SET NULL")}
)`,
  `CREATE INDEX agent_state_log_agent_idx ON agent_state_log (agent_id, changed_at DESC, id DESC)`,
  `CREATE TABLE org_daily_snapshots (
  id uuid PRIMARY KEY,
  ${orgRef},
  day date NOT NULL,
  calls_made integer NOT NULL DEFAULT 0 CHECK (calls_made >= 0),
  calls_connected integer NOT NULL DEFAULT 0 CHECK (calls_connected >= 0),
  avg_duration_seconds double precision,
  connection_rate double precision CHECK (connection_rate BETWEEN 0 AND 1),
  talk_minutes double precision NOT NULL DEFAULT 0,
  ai_calls integer NOT NULL DEFAULT 0 CHECK (ai_calls >= 0),
  updated_at timestamptz NOT NULL DEFAULT now(),
  UNIQUE (org_id, day)
)`,
  `CREATE TABLE call_metrics (
  id uuid PRIMARY KEY,
  ${orgRef},
  day date NOT NULL,
  agent_id uuid NOT NULL,
  calls_made integer NOT NULL DEFAULT 0,
  calls_connected integer NOT NULL DEFAULT 0,
  talk_seconds integer NOT NULL DEFAULT 0,
  wrap_seconds integer NOT NULL DEFAULT 0,
  idle_seconds integer NOT NULL DEFAULT 0,
  sales integer NOT NULL DEFAULT 0,
  updated_at timestamptz NOT NULL DEFAULT now(),
  UNIQUE (org_id, day, agent_id),
  ${ref("agent_id", "users", "CASCADE")}
)`,
  `CREATE TABLE contact_metrics (
  id uuid PRIMARY KEY,
  ${orgRef},
  contact_id uuid NOT NULL UNIQUE,
  total_calls integer NOT NULL DEFAULT 0,
  connected_calls integer NOT NULL DEFAULT 0,
  total_talk_seconds integer NOT NULL DEFAULT 0,
  last_called_at timestamptz,
  last_connected_at timestamptz,
  updated_at timestamptz NOT NULL DEFAULT now(),
  ${ref("contact_id", "contacts", "CASCADE")}
)`,
  `CREATE TABLE campaign_daily_stats (
  id uuid PRIMARY KEY,
  ${orgRef},
  campaign_id uuid NOT NULL,
  day date NOT NULL,
  dials integer NOT NULL DEFAULT 0,
  human_answered integer NOT NULL DEFAULT 0,
  machine_answered integer NOT NULL DEFAULT 0,
  abandoned integer NOT NULL DEFAULT 0,
  transferred integer NOT NULL DEFAULT 0,
  sales integer NOT NULL DEFAULT 0,
  talk_seconds integer NOT NULL DEFAULT 0,
  abandon_rate double precision CHECK (abandon_rate BETWEEN 0 AND 1),
  updated_at timestamptz NOT NULL DEFAULT now(),
  UNIQUE (campaign_id, day),
  ${ref("campaign_id", "campaigns", "CASCADE")}
)`,
  ...updatedAtTables.map((t) =>
    `CREATE TRIGGER ${t}_set_updated_at BEFORE UPDATE ON ${t} FOR EACH ROW EXECUTE FUNCTION set_updated_at()`
  ),
  `CREATE TRIGGER call_events_append_only BEFORE UPDATE ON call_events FOR EACH ROW EXECUTE FUNCTION call_events_link_only()`,
  `CREATE TRIGGER audit_logs_append_only BEFORE UPDATE ON audit_logs FOR EACH ROW EXECUTE FUNCTION reject_update()`
]

/**
 * Row-level security. FORCE makes the table owner obey the policies too, so
 * the only ways past them are the `autodialer_system` role (a permissive
 * policy of its own) and a superuser.
 */
export const rowLevelSecurity: ReadonlyArray<string> = [
  `GRANT USAGE ON SCHEMA public TO ${appRole}, ${systemRole}`,
  `GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO ${appRole}, ${systemRole}`,
  // Tables added by later migrations (run by the same owner) get the same grants; their RLS is still per migration.
  `ALTER DEFAULT PRIVILEGES IN SCHEMA public GRANT SELECT, INSERT, UPDATE, DELETE ON TABLES TO ${appRole}, ${systemRole}`,
  ...[...tenantTables, "organizations", "dnc_entries"].flatMap((t) => [
    `ALTER TABLE ${t} ENABLE ROW LEVEL SECURITY`,
    `ALTER TABLE ${t} FORCE ROW LEVEL SECURITY`,
    `CREATE POLICY ${t}_system ON ${t} TO ${systemRole} USING (true) WITH CHECK (true)`
  ]),
  ...tenantTables.map((t) =>
    `CREATE POLICY ${t}_tenant ON ${t} USING (org_id = app_current_org()) WITH CHECK (org_id = app_current_org())`
  ),
  `CREATE POLICY organizations_tenant ON organizations USING (id = app_current_org()) WITH CHECK (id = app_current_org())`,
  // Global DNC entries (org_id NULL) are visible to every tenant but written only by the system role.
  `CREATE POLICY dnc_entries_tenant_read ON dnc_entries FOR SELECT USING (org_id IS NULL OR org_id = app_current_org())`,
  `CREATE POLICY dnc_entries_tenant_insert ON dnc_entries FOR INSERT WITH CHECK (org_id = app_current_org())`,
  `CREATE POLICY dnc_entries_tenant_update ON dnc_entries FOR UPDATE
  USING (org_id = app_current_org()) WITH CHECK (org_id = app_current_org())`,
  `CREATE POLICY dnc_entries_tenant_delete ON dnc_entries FOR DELETE USING (org_id = app_current_org())`
]
