/**
 * IANA time zones ("America/Chicago"), validated by the runtime's own tz
 * database through `Intl.DateTimeFormat`, so we never ship a stale list.
 * Calling windows are local to the contact, so a wrong zone is a compliance
 * bug: reject it at the boundary. `TimeZoneSource` records how we learned it.
 */
import { Schema } from "effect"

/** Canonical name of `zone` per the runtime tz database, or undefined if unknown. */
export const canonicalize = (zone: string): string | undefined => {
  if (zone.trim() === "" || zone !== zone.trim()) return undefined
  try {
    return new Intl.DateTimeFormat("en-US", { timeZone: zone }).resolvedOptions().timeZone
  } catch {
    return undefined
  }
}

/** A zone name the runtime knows; aliases ("US/Eastern") are accepted as written. */
export const IanaTimeZone = Schema.String.pipe(
  Schema.check(Schema.makeFilter((s: string) =>
    canonicalize(s) === undefined
      ? `time zone '${s}' is not an IANA time zone name (expected e.g. America/New_York, Europe/Berlin, UTC)`
      : undefined
  )),
  Schema.brand("IanaTimeZone")
)
export type IanaTimeZone = typeof IanaTimeZone.Type

/**
 * Where a contact's time zone came from. Calling windows trust them in this
 * order: explicit CRM/user data over address geocoding over phone prefix.
 */
export const TimeZoneSource = Schema.Literals(["crm", "user", "address", "phone_prefix", "default"])
export type TimeZoneSource = typeof TimeZoneSource.Type
