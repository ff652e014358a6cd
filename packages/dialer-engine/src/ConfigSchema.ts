/**
 * Decoding a session configuration at the boundary (an HTTP body, a stored
 * campaign row, a config file) with Effect Schema.
 *
 * Owns the Schema of `Config.ConfigInput`: every field optional (defaults come
 * from `Config.make`), unknown keys refused, and errors that name the field, the
 * bad value and what was expected. The engine itself trusts its typed inputs.
 */
import { Result, Schema } from "effect"
import * as Config from "./Config.ts"

const NonNegative = Schema.Finite.check(Schema.isGreaterThanOrEqualTo(0))
const Positive = Schema.Finite.check(Schema.isGreaterThan(0))
const Share = Schema.Finite.check(Schema.isBetween({ minimum: 0, maximum: 1 }))
/** An attempt cap; `null` means unlimited (JSON has no Infinity). */
const Cap = Schema.NullOr(NonNegative)
const Clock = Schema.String.check(Schema.isPattern(/^([01]?\d|2[0-4]):[0-5]\d$/))

const Window = Schema.Struct({ start: Clock, end: Clock })

const Mode = Schema.Union([
  Schema.Struct({ _tag: Schema.Literal("preview"), autoDialSeconds: Schema.optionalKey(Positive) }),
  Schema.Struct({ _tag: Schema.Literal("progressive"), linesPerAgent: Schema.Finite.check(Schema.isGreaterThanOrEqualTo(1)) }),
  Schema.Struct({ _tag: Schema.Literal("predictive") }),
  Schema.Struct({ _tag: Schema.Literal("parallel"), linesPerAgent: Schema.Int.check(Schema.isGreaterThanOrEqualTo(1)) }),
  Schema.Struct({ _tag: Schema.Literal("agentless"), aiChannels: Schema.Int.check(Schema.isGreaterThanOrEqualTo(0)), transferShare: Share, linesPerChannel: Positive })
])

const Abandon = Schema.Struct({
  limit: Schema.optionalKey(Schema.Finite.check(Schema.isGreaterThan(0), Schema.isLessThan(1))),
  aim: Schema.optionalKey(Share),
  connectThresholdSeconds: Schema.optionalKey(NonNegative),
  denominator: Schema.optionalKey(Schema.Literals(["live", "ofcom"])),
  amdFalsePositiveRate: Schema.optionalKey(Share),
  window: Schema.optionalKey(Schema.Literals(["campaign", "rolling24h"])),
  lockoutHours: Schema.optionalKey(NonNegative),
  windowSoFar: Schema.optionalKey(Schema.Struct({ liveAnswers: NonNegative, abandoned: NonNegative }))
})

const Retry = Schema.Struct({ delayMinutes: NonNegative, maxAttempts: Schema.Int.check(Schema.isGreaterThanOrEqualTo(1)) })

const Caps = Schema.Struct({
  perContactLifetime: Cap, perContactPerDay: Cap, perContactRolling24h: Cap,
  perNumberLifetime: Cap, perNumberPerDay: Cap, perNumberRolling24h: Cap
})

const RegionOverride = Schema.Struct({
  window: Schema.optionalKey(Window),
  noSundays: Schema.optionalKey(Schema.Boolean),
  noSaturdays: Schema.optionalKey(Schema.Boolean),
  holidays: Schema.optionalKey(Schema.Array(Schema.String))
})

const CallingHours = Schema.Struct({
  window: Window,
  weekdays: Schema.optionalKey(Schema.Struct({
    "0": Schema.optionalKey(Schema.NullOr(Window)), "1": Schema.optionalKey(Schema.NullOr(Window)), "2": Schema.optionalKey(Schema.NullOr(Window)),
    "3": Schema.optionalKey(Schema.NullOr(Window)), "4": Schema.optionalKey(Schema.NullOr(Window)), "5": Schema.optionalKey(Schema.NullOr(Window)),
    "6": Schema.optionalKey(Schema.NullOr(Window))
  })),
  holidays: Schema.optionalKey(Schema.Array(Schema.String)),
  regions: Schema.optionalKey(Schema.Record(Schema.String, RegionOverride)),
  fallbackZone: Schema.optionalKey(Schema.String)
})

const E164 = Schema.String.check(Schema.isPattern(/^\+[1-9]\d{6,14}$/))

const CallerIds = Schema.Struct({
  pool: Schema.Array(Schema.Struct({
    number: E164,
    areaCodes: Schema.optionalKey(Schema.Array(Schema.String)),
    regions: Schema.optionalKey(Schema.Array(Schema.String)),
    cps: Schema.optionalKey(Positive),
    hourlyCap: Schema.optionalKey(Positive)
  })),
  accountCps: Schema.optionalKey(Positive),
  accountHourlyCap: Schema.optionalKey(Positive),
  localPresence: Schema.Boolean
})

export const SessionConfigInput = Schema.Struct({
  sessionId: Schema.optionalKey(Schema.NonEmptyString),
  campaignId: Schema.optionalKey(Schema.NonEmptyString),
  mode: Schema.optionalKey(Mode),
  abandon: Schema.optionalKey(Abandon),
  ringTimeoutSeconds: Schema.optionalKey(Positive),
  minRingSeconds: Schema.optionalKey(NonNegative),
  minRingExempt: Schema.optionalKey(Schema.Boolean),
  amd: Schema.optionalKey(Schema.Literals(["off", "detect", "detectAndDropVoicemail"])),
  maxLinesPerAgent: Schema.optionalKey(Schema.Finite.check(Schema.isGreaterThanOrEqualTo(1))),
  retry: Schema.optionalKey(Schema.Struct({
    busy: Schema.optionalKey(Retry), noAnswer: Schema.optionalKey(Retry), machine: Schema.optionalKey(Retry),
    failed: Schema.optionalKey(Retry), fax: Schema.optionalKey(Retry)
  })),
  caps: Schema.optionalKey(Caps),
  callingHours: Schema.optionalKey(CallingHours),
  callerIds: Schema.optionalKey(CallerIds),
  safeHarbourMessage: Schema.optionalKey(Schema.NonEmptyString),
  voicemailMessage: Schema.optionalKey(Schema.String)
})

/** A configuration that does not decode; `message` names each bad field, its value and what was expected. */
export class ConfigDecodeError extends Schema.TaggedError<ConfigDecodeError>()("ConfigDecodeError", {
  message: Schema.String
}) {}

const decodeInput = Schema.decodeUnknownResult(SessionConfigInput, { onExcessProperty: "error", errors: "all" })

/** Decodes untrusted input into a full configuration (defaults filled by `Config.make`). */
export const decode = (input: unknown): Result.Result<Config.SessionConfig, ConfigDecodeError> => {
  const r = decodeInput(input)
  return Result.isFailure(r)
    ? Result.fail(new ConfigDecodeError({ message: `session configuration is invalid:\n${withValues(r.failure.message, input)}` }))
    : Result.succeed(Config.make(withCaps(r.success)))
}

/** Adds the offending value under each `at [...]` path of Schema's message. */
const withValues = (message: string, input: unknown): string =>
  message.replace(/^( *)at ((?:\[[^\]]+\])+)$/gm, (line, indent: string, path: string) => {
    let v: unknown = input
    for (const m of path.matchAll(/\[("?)([^\]"]*)\1\]/g)) {
      v = typeof v === "object" && v !== null ? (v as Record<string, unknown>)[m[2]!] : undefined
    }
    return v === undefined ? line : `${line}, got ${JSON.stringify(v)}`
  })

type Decoded = typeof SessionConfigInput.Type

const unlimited = (x: number | null): number => (x === null ? Infinity : x)

const withCaps = (d: Decoded): Config.ConfigInput => {
  const { caps, ...rest } = d
  return caps === undefined ? (rest as Config.ConfigInput) : {
    ...(rest as Config.ConfigInput),
    caps: {
      perContactLifetime: unlimited(caps.perContactLifetime), perContactPerDay: unlimited(caps.perContactPerDay),
      perContactRolling24h: unlimited(caps.perContactRolling24h), perNumberLifetime: unlimited(caps.perNumberLifetime),
      perNumberPerDay: unlimited(caps.perNumberPerDay), perNumberRolling24h: unlimited(caps.perNumberRolling24h)
    }
  }
}
