/**
 * `npm run bench`: the composition root of the pacing benchmark. It decodes the
 * command line and the scenario files, runs the suite, and writes the table
 * (stdout), the JSON report and the charts. Everything else lives in the
 * modules it calls.
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs"
import { join, resolve } from "node:path"
import { fileURLToPath } from "node:url"
import { Result } from "effect"
import { decodeScenarioText, meanOf, type Scenario } from "@autodialer/dialer-engine/Scenario"
import { boundsOf } from "./Bounds.ts"
import { frontierSvg, timeSeriesSvg } from "./Charts.ts"
import * as Cli from "./Cli.ts"
import { inProcess, workerPool } from "./Executors.ts"
import { goalsMarkdown } from "./Goals.ts"
import * as Png from "./Png.ts"
import * as Progress from "./Progress.ts"
import { pacerIds, serialize, type Report } from "./Report.ts"
import { jobCount, run } from "./Runner.ts"
import { markdown } from "./Table.ts"

export const builtIn = ["s1", "s2", "s3", "s4", "s5", "s6", "s1m", "s2m"] as const
const scenarioDir = fileURLToPath(new URL("../scenarios/", import.meta.url))

const fail = (message: string, code = 1): never => {
  process.stderr.write(`${message}\n`)
  process.exit(code)
}

const loadScenario = (ref: string): Scenario => {
  const path = (builtIn as ReadonlyArray<string>).includes(ref) ? join(scenarioDir, `${ref}.json`) : resolve(ref)
  if (!existsSync(path)) {
    return fail(`unknown scenario '${ref}': it is not a built-in (${builtIn.join(", ")}) and no file exists at ${path}. Pass a built-in name or a path to a scenario JSON file (format: PACING.md §4).`, 2)
  }
  const decoded = decodeScenarioText(readFileSync(path, "utf8"), path)
  if (Result.isFailure(decoded)) return fail(`${decoded.failure.message}\nFix the file and run again (format: PACING.md §4).`, 2)
  return decoded.success
}

const main = async () => {
  const parsed = Cli.parse(process.argv.slice(2))
  if (Result.isFailure(parsed)) return fail(parsed.failure.message, 2)
  const options = parsed.success
  if (options.help) {
    process.stdout.write(`${Cli.usage}\n`)
    return
  }
  const scenarios = (options.scenario.length > 0 ? options.scenario : builtIn).map(loadScenario).map((s) => (options.hours === undefined ? s : { ...s, hours: options.hours }))
  const names = new Set<string>()
  for (const s of scenarios) {
    if (names.has(s.name)) return fail(`scenario '${s.name}' is given twice; pass each scenario once`, 2)
    names.add(s.name)
  }
  const pacers = options.pacer.length > 0 ? pacerIds.filter((p) => options.pacer.includes(p)) : [...pacerIds]
  const plan = { scenarios, pacers, seeds: options.seeds ?? 5, timeSeriesPacer: "autodialer" as const }
  const progress = Progress.make(jobCount(plan), process.stderr, !options.quiet)
  const workers = options.workers ?? 2
  const pool = workers > 1 ? workerPool(scenarios, workers) : undefined
  const execute = pool?.execute ?? inProcess(scenarios)
  let outcomes
  try {
    outcomes = await run(plan, execute, (job) => progress.tick(`${scenarios[job.scenario]!.name} ${job.pacer.id}${job.pacer.ratio === undefined ? "" : ` x${job.pacer.ratio}`} seed ${job.seed}`))
  } finally {
    progress.done()
    await pool?.close()
  }
  const bounds = scenarios.map(boundsOf)
  const report: Report = { results: outcomes.flatMap((o) => o.rows), bounds }
  process.stdout.write(`${markdown(report)}\n\n`)
  process.stdout.write(`${goalsMarkdown(outcomes, bounds)}\n`)
  for (const o of outcomes) {
    if (o.power) process.stdout.write(`power on ${o.scenario.name}: best ${o.power.chosen} lines per ready agent (tuned in hindsight on the same seeds)\n`)
  }
  if (options.json !== undefined) {
    writeFileSync(options.json, serialize(report))
    process.stderr.write(`wrote ${options.json}\n`)
  }
  if (options.charts !== undefined) {
    mkdirSync(options.charts, { recursive: true })
    const written: Array<[string, number, number]> = []
    outcomes.forEach((o, i) => {
      const s = o.scenario
      const talk = meanOf(s.talkSeconds)
      const file = join(options.charts!, `frontier-${s.name}.svg`)
      writeFileSync(
        file,
        frontierSvg({
          scenario: s.name,
          rows: o.rows,
          bound: bounds[i],
          talkShare: talk / (talk + meanOf(s.wrapSeconds)),
          abandonLimit: s.policy.abandonLimit,
          ...(o.power ? { powerCurve: o.power.points.map((p) => powerPoint(p.ratio, p.runs)) } : {})
        })
      )
      written.push([file, 760, 480])
      if (o.timeSeries) {
        const ts = join(options.charts!, `timeseries-${s.name}.svg`)
        writeFileSync(ts, timeSeriesSvg(`${s.name}: autodialer, seed 1`, o.timeSeries, s.policy.abandonLimit))
        written.push([ts, 760, 40 + 4 * 160])
      }
    })
    process.stderr.write(`wrote ${written.length} SVG charts to ${options.charts}\n`)
    if (Png.renderer() === undefined) process.stderr.write("no Chromium found (set CHROMIUM_PATH): PNG skipped, SVG written\n")
    else {
      for (const [svg, w, h] of written) {
        const error = await Png.toPng(svg, svg.replace(/\.svg$/, ".png"), w, h)
        if (error !== undefined) process.stderr.write(`${error}\n`)
      }
    }
  }
}

const powerPoint = (ratio: number, runs: ReadonlyArray<{ readonly abandonRate: number; readonly talkMinutesPerAgentHour: number }>) =>
  [ratio, runs.reduce((a, r) => a + r.abandonRate, 0) / runs.length, runs.reduce((a, r) => a + r.talkMinutesPerAgentHour, 0) / runs.length] as const

main().catch((e: unknown) => fail(`bench failed: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}`))
