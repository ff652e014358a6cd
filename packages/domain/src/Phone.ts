/**
 * Phone numbers in E.164 (`+14155550123`), the only form stored or dialled.
 * Parsing goes through libphonenumber-js with a default region for national
 * input such as "(415) 555-0123", so CSV imports and CRM payloads keep working
 * while the rest of the code sees one canonical, branded form.
 */
import { Effect, Result, Schema, SchemaGetter, SchemaIssue } from "effect"
import { type CountryCode, getCountries, parsePhoneNumberWithError, ParseError } from "libphonenumber-js/max"

const countries: ReadonlySet<string> = new Set(getCountries())

/** An ISO 3166-1 alpha-2 region understood by libphonenumber, e.g. "US". */
export const Region = Schema.String.pipe(
  Schema.check(Schema.makeFilter((s: string) =>
    countries.has(s) ? undefined : `region '${s}' is not a known ISO 3166-1 alpha-2 code (expected e.g. US, GB, DE)`
  )),
  Schema.brand("Region")
)
export type Region = typeof Region.Type

const example = "+14155550123"

const expected = `expected E.164, e.g. ${example}`

/** Why `input` is not a valid phone number, or undefined when it is valid E.164. */
const e164Problem = (input: string): string | undefined => {
  if (!/^\+[1-9]\d{6,14}$/.test(input)) return `phone '${input}' is not in E.164 form (${expected})`
  try {
    const parsed = parsePhoneNumberWithError(input)
    if (!parsed.isValid()) return `phone '${input}' is not a valid number (${expected})`
    if (parsed.number !== input) return `phone '${input}' is not canonical E.164 (expected ${parsed.number})`
    return undefined
  } catch {
    return `phone '${input}' is not a valid number (${expected})`
  }
}

/** A valid phone number in canonical E.164 form. */
export const E164 = Schema.String.pipe(
  Schema.check(Schema.makeFilter((s: string) => e164Problem(s))),
  Schema.brand("E164")
)
export type E164 = typeof E164.Type

export class InvalidPhoneNumber extends Schema.TaggedError<InvalidPhoneNumber>()("InvalidPhoneNumber", {
  input: Schema.String,
  region: Schema.optionalKey(Schema.String),
  message: Schema.String
}) {}

/**
 * Parses a phone number as a person or a CRM wrote it. National numbers are
 * read in `defaultRegion`; numbers starting with "+" ignore it.
 */
export const parse = (input: string, defaultRegion?: Region): Result.Result<E164, InvalidPhoneNumber> => {
  const trimmed = input.trim()
  const where = defaultRegion === undefined ? "" : ` for region ${defaultRegion}`
  const fail = () =>
    Result.fail(new InvalidPhoneNumber({
      input,
      ...(defaultRegion === undefined ? {} : { region: defaultRegion }),
      message: `phone '${input}' is not a valid number${where} (${expected})`
    }))
  if (trimmed === "") return fail()
  try {
    const parsed = parsePhoneNumberWithError(trimmed, defaultRegion as CountryCode | undefined)
    if (!parsed.isValid()) return fail()
    return Result.succeed(parsed.number as E164)
  } catch (error) {
    if (error instanceof ParseError) return fail()
    throw error
  }
}

/** `parse` as an Effect, for use at boundaries. */
export const parseEffect = (input: string, defaultRegion?: Region): Effect.Effect<E164, InvalidPhoneNumber> =>
  Effect.fromResult(parse(input, defaultRegion))

/**
 * A schema that accepts national or international input and decodes to E164,
 * reading national numbers in `defaultRegion`. Encoding yields the E.164 string.
 */
export const fromInput = (defaultRegion: Region) =>
  Schema.String.pipe(
    Schema.decodeTo(E164, {
      decode: SchemaGetter.transformEffect((input: string) => {
        const result = parse(input, defaultRegion)
        return Result.isSuccess(result)
          ? Effect.succeed(result.success as string)
          : Effect.fail(new SchemaIssue.InvalidValue({ message: result.failure.message }, input))
      }),
      encode: SchemaGetter.passthrough<string>()
    })
  )
