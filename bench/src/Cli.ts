/**
 * The command line of `npm run bench`: tokenised by node:util's parseArgs
 * (strict, so an unknown flag is an error) and decoded with Schema, so every
 * bad value is reported with the flag, the value and what was expected.
 */
import { parseArgs } from "node:util"
import { Result, Schema } from "effect"
import { pacerIds } from "./Report.ts"

export const usage = `Usage: npm run bench -- [--scenario <name|file> ...] [--pacer <name> ...] [--seeds N] [--hours H]
                         [--json out.json] [--charts dir] [--workers N] [--quiet]

  --scenario  a built-in scenario (s1 s2 s3 s4 s5 s6 s1m s2m) or a scenario JSON file; repeatable.
              Default: the standard suite.
  --pacer     one of ${pacerIds.join(", ")}; repeatable. Default: all.
  --seeds     seeds per scenario x pacer (default 5, a few minutes on 2 cores; the published table uses 100).
  --hours     override every scenario's shift length.
  --json      write the results as JSON to this file.
  --charts    write SVG (and PNG, when a renderer is available) charts into this directory.
  --workers   worker threads (default 2; 1 runs in-process).
  --quiet     no progress bar.`

const PositiveInt = Schema.FiniteFromString.check(Schema.isInt(), Schema.isGreaterThanOrEqualTo(1))

export const Options = Schema.Struct({
  scenario: Schema.Array(Schema.NonEmptyString),
  pacer: Schema.Array(Schema.Literals(pacerIds)),
  seeds: Schema.optionalKey(PositiveInt),
  hours: Schema.optionalKey(Schema.FiniteFromString.check(Schema.isGreaterThan(0))),
  json: Schema.optionalKey(Schema.NonEmptyString),
  charts: Schema.optionalKey(Schema.NonEmptyString),
  workers: Schema.optionalKey(PositiveInt),
  quiet: Schema.Boolean,
  help: Schema.Boolean
})
export type Options = typeof Options.Type

export class CliError extends Schema.TaggedError<CliError>()("CliError", { message: Schema.String }) {}

const decode = Schema.decodeUnknownResult(Options, { errors: "all" })

export const parse = (argv: ReadonlyArray<string>): Result.Result<Options, CliError> => {
  let values: Record<string, unknown>
  try {
    values = parseArgs({
      args: [...argv],
      strict: true,
      allowPositionals: false,
      options: {
        scenario: { type: "string", multiple: true },
        pacer: { type: "string", multiple: true },
        seeds: { type: "string" },
        hours: { type: "string" },
        json: { type: "string" },
        charts: { type: "string" },
        workers: { type: "string" },
        quiet: { type: "boolean" },
        help: { type: "boolean", short: "h" }
      }
    }).values
  } catch (e) {
    return Result.fail(new CliError({ message: `${e instanceof Error ? e.message : String(e)}\n\n${usage}` }))
  }
  const r = decode({ scenario: [], pacer: [], quiet: false, help: false, ...values })
  return Result.isFailure(r)
    ? Result.fail(new CliError({ message: `invalid arguments:\n${r.failure.message}\n\n${usage}` }))
    : Result.succeed(r.success)
}
