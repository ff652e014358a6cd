/**
 * Migration 6: the per-agent-per-day figures seed 002 `call_metrics` has and
 * the first table lacked: answered, missed and voicemail counts, recorded
 * calls, average talk time, answer rate and recording rate. Additive only
 * (existing rows get zeros and NULL rates until the ETL recomputes their day).
 */
export const callMetricsOutcomes: ReadonlyArray<string> = [
  `ALTER TABLE call_metrics
  ADD COLUMN answered_calls integer NOT NULL DEFAULT 0 CHECK (answered_calls >= 0),
  ADD COLUMN missed_calls integer NOT NULL DEFAULT 0 CHECK (missed_calls >= 0),
  ADD COLUMN voicemail_calls integer NOT NULL DEFAULT 0 CHECK (voicemail_calls >= 0),
  ADD COLUMN recorded_calls integer NOT NULL DEFAULT 0 CHECK (recorded_calls >= 0),
  ADD COLUMN avg_talk_seconds double precision CHECK (avg_talk_seconds >= 0),
  ADD COLUMN answer_rate double precision CHECK (answer_rate BETWEEN 0 AND 1),
  ADD COLUMN recording_rate double precision CHECK (recording_rate BETWEEN 0 AND 1)`,
  // Every call made is either answered by a person or missed; voicemail is a kind of missed call,
  // and only answered calls count towards the recording rate.
  `ALTER TABLE call_metrics
  ADD CONSTRAINT call_metrics_answered_missed_check CHECK (answered_calls + missed_calls <= calls_made),
  ADD CONSTRAINT call_metrics_voicemail_check CHECK (voicemail_calls <= missed_calls),
  ADD CONSTRAINT call_metrics_recorded_check CHECK (recorded_calls <= answered_calls)`
]
