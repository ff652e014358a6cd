/**
 * Phone-number normalisation for everything a CRM hands us.
 *
 * CRMs store phone numbers as free text ("(415) 555-0123", "0044 20 7946 0958"). The dialer only
 * accepts E.164, so every number crosses this one function, with the organization's default
 * region for numbers written without a country code. The result says exactly why a number was
 * refused, so a rejected CRM record can be fixed by the person who owns it.
 */
import { isSupportedCountry, parsePhoneNumberFromString, type CountryCode } from "libphonenumber-js"
import { Result } from "effect"
import type { E164 } from "./PendingDomain.ts"

export type { CountryCode }

/** Why a phone string could not become an E.164 number. */
export interface PhoneRejection {
  readonly value: string
  readonly expected: string
  readonly message: string
}

/** True when `region` is an ISO 3166-1 alpha-2 code libphonenumber knows ("US", "GB"). */
export const isRegion = (region: string): region is CountryCode => isSupportedCountry(region)

/**
 * Normalises `raw` to E.164. Numbers with a leading '+' or international prefix keep their own
 * country; others are read as national numbers of `defaultRegion`.
 */
export const toE164 = (raw: string, defaultRegion: CountryCode): Result.Result<E164, PhoneRejection> => {
  const trimmed = raw.trim()
  const expected = `a valid phone number for region ${defaultRegion} or with a country code (E.164, e.g. +14155550123)`
  if (trimmed.length === 0) {
    return Result.fail({ value: raw, expected, message: "phone is empty" })
  }
  const parsed = parsePhoneNumberFromString(trimmed, defaultRegion)
  if (parsed === undefined) {
    return Result.fail({ value: raw, expected, message: `phone '${raw}' is not a phone number (expected ${expected})` })
  }
  if (!parsed.isValid()) {
    return Result.fail({
      value: raw,
      expected,
      message: `phone '${raw}' is not a valid number for region ${parsed.country ?? defaultRegion} (expected ${expected})`
    })
  }
  return Result.succeed(parsed.number as E164)
}
