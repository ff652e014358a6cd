/**
 * Migration 7: campaign settings the agent desk and the caller-id choice need
 * and the first schema lacked. Additive only; existing campaigns get the
 * defaults below.
 *
 * - `campaigns.pause_codes`: the pause codes agents of the campaign may use,
 *   a JSON array of `{ "code", "label" }` (1 to 20 entries; the server checks
 *   the codes' format and uniqueness when it writes them).
 * - `campaigns.caller_id_strategy`: which number a call shows.
 *   `org_default` is the organization's default number; `fixed` is the one
 *   number in `caller_id_pool`; `local_presence` rotates over the
 *   organization's active numbers, preferring one that shares the contact's
 *   area code (the dialing session makes the pick).
 *
 * The AMD policy needs no column: `campaigns.amd` (JSON) already holds
 * `enabled`, `onMachine` and, for a voicemail drop, the message.
 */
export const defaultPauseCodes: ReadonlyArray<{ readonly code: string; readonly label: string }> = [
  { code: "break", label: "Break" },
  { code: "lunch", label: "Lunch" },
  { code: "training", label: "Training" },
  { code: "meeting", label: "Meeting" }
]

export const callerIdStrategies = ["org_default", "fixed", "local_presence"] as const

export const campaignDeskSettings: ReadonlyArray<string> = [
  `ALTER TABLE campaigns
  ADD COLUMN pause_codes jsonb NOT NULL DEFAULT '${JSON.stringify(defaultPauseCodes)}'
    CHECK (jsonb_typeof(pause_codes) = 'array' AND jsonb_array_length(pause_codes) BETWEEN 1 AND 20),
  ADD COLUMN caller_id_strategy text NOT NULL DEFAULT 'org_default'
    CHECK (caller_id_strategy IN (${callerIdStrategies.map((s) => `'${s}'`).join(", ")}))`,
  // A fixed caller id names exactly one number; the other strategies name none.
  `ALTER TABLE campaigns
  ADD CONSTRAINT campaigns_caller_id_pool_check CHECK (
    CASE caller_id_strategy WHEN 'fixed' THEN cardinality(caller_id_pool) = 1 ELSE true END
  )`
]
