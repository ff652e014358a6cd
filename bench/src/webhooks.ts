/**
 * Webhook-ingestion benchmark (`npm run bench:webhooks`).
 *
 * Owns one measurement: how fast the real server (`autodialer serve`, a child
 * process) takes signed Twilio status callbacks on loopback, each one a new
 * provider event that is verified, stored in `call_events` (committed before
 * the answer) and applied to its call, against the rate of single-row inserts
 * that `pgbench` reaches on the same database.
 *
 * Each run (each throughput phase on freshly vacuumed tables): after a 3 s lead-in, a fixed `--rate` (500/s) with the open-loop
 * sender of `WebhookLoad.ts` for the latency goal; pgbench (one INSERT per
 * transaction into a copy of `call_events`' shape, as many clients as the
 * server has pooled Postgres connections, the same `synchronous_commit`);
 * maximum throughput with autocannon (closed loop) at `--connections`;
 * pgbench again (the ratio uses the mean of the two); autocannon at
 * `--low-connections`. `--runs` repeats all of it (after one warm-up) and the
 * spread is reported. A dedicated database is created on DATABASE_URL's
 * server and dropped at the end. Goals (issue 7): webhook rate >= half of
 * pgbench's, and p99 < 20 ms at 500 requests/s.
 *
 *   DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres npm run bench:webhooks [-- --runs 3 --out bench/results/webhooks]
 */
import autocannon from "autocannon"
import { execFile, spawn, type ChildProcess } from "node:child_process"
import { createHmac } from "node:crypto"
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs"
import { createServer } from "node:net"
import { cpus, loadavg, tmpdir } from "node:os"
import { dirname, join, resolve } from "node:path"
import { fileURLToPath } from "node:url"
import { parseArgs } from "node:util"
import { webhookSvg } from "./Charts.ts"
import { toPng } from "./Png.ts"
import { openLoop, type LatencySummary } from "./WebhookLoad.ts"
import { parsePgbenchTps, pgbenchSeconds, postgresBinary, startPrivatePostgres, timeOrderedUuid, type PrivatePostgres } from "./WebhookPostgres.ts"

const root = resolve(fileURLToPath(new URL("../..", import.meta.url)))
const authToken = "bench-twilio-auth-token-0123456789"
const accountSid = `AC${"b".repeat(32)}`
/** The server's Postgres pool (`Database.layerPg`'s default) and its webhook lanes (`CallEventBatcher`: at most 4, at most half the pool). */
const serverPool = 10
/** Seconds at the fixed rate before the measured ones. */
const leadIn = 3
const webhookLanes = 4
/** Statuses each seeded call receives, in order: three distinct events per call. */
const statuses = ["ringing", "in-progress", "completed"] as const

/** Twilio's documented request signature: base64 HMAC-SHA1 of the URL followed by each POST parameter, sorted by name, as name+value. */
export const twilioSignature = (token: string, url: string, params: Readonly<Record<string, string>>): string =>
  createHmac("sha1", token)
    .update(url + Object.keys(params).sort().map((k) => k + params[k]).join(""))
    .digest("base64")

const log = (line: string) => process.stderr.write(`[bench:webhooks] ${line}\n`)

const freePort = () =>
  new Promise<number>((done, fail) => {
    const s = createServer()
    s.on("error", fail)
    s.listen(0, "127.0.0.1", () => {
      const address = s.address()
      s.close(() => typeof address === "object" && address !== null ? done(address.port) : fail(new Error("no port")))
    })
  })

const run = (file: string, args: ReadonlyArray<string>, env: NodeJS.ProcessEnv = process.env, timeoutMs = 60_000) =>
  new Promise<string>((done, fail) =>
    execFile(file, args, { env, timeout: timeoutMs, maxBuffer: 16 * 1024 * 1024 }, (error, stdout, stderr) =>
      error ? fail(new Error(`${file} ${args.join(" ")} failed: ${error.message}\n${stderr}`)) : done(`${stdout}${stderr}`)))

const withDatabase = (url: string, name: string) => {
  const u = new URL(url)
  u.pathname = `/${name}`
  return u.toString()
}

const waitReady = async (url: string, child: ChildProcess, deadlineMs: number) => {
  const until = Date.now() + deadlineMs
  while (Date.now() < until) {
    if (child.exitCode !== null) throw new Error(`the server exited with code ${child.exitCode} before it was ready`)
    try {
      if ((await fetch(`${url}/readyz`)).ok) return
    } catch { /* not listening yet */ }
    await new Promise((r) => setTimeout(r, 200))
  }
  throw new Error(`the server was not ready at ${url}/readyz within ${deadlineMs} ms`)
}

interface ClosedResult extends LatencySummary {
  readonly connections: number
  readonly requests: number
  readonly ok: number
  readonly non2xx: number
  readonly errors: number
  readonly rps: number
  /** 2xx answers in each second of the phase, lead-in included. */
  readonly perSecond: ReadonlyArray<number>
}

/**
 * The first seconds of each throughput phase are not counted, on either side: the webhook phase runs
 * `duration + closedLoopLeadIn` seconds and its rate is the 2xx answers after the lead-in over the time after it;
 * pgbench runs as long and its rate is the mean of its per-second progress after the lead-in. Measured: the webhook
 * rate climbs for 2-4 s (its 100 connections open and start in step, then spread over the group-commit lanes)
 * while pgbench is level from its first second. Latency percentiles cover the whole phase.
 */
const closedLoopLeadIn = 3

const closedLoop = (title: string, options: { url: string; connections: number; duration: number; next: () => { body: string; signature: string } }) =>
  new Promise<ClosedResult>((done, fail) => {
    const startedAt = Date.now()
    const measureFrom = startedAt + closedLoopLeadIn * 1000
    let measured = 0
    const perSecond: Array<number> = []
    const instance = autocannon({
      url: options.url,
      method: "POST",
      connections: options.connections,
      duration: options.duration + closedLoopLeadIn,
      headers: { "content-type": "application/x-www-form-urlencoded" },
      requests: [{
        setupRequest: (request) => {
          const { body, signature } = options.next()
          return { ...request, body, headers: { ...request.headers, "x-twilio-signature": signature } }
        }
      }]
    }, (error, result) => {
      if (error !== null && error !== undefined) return fail(error)
      const seconds = (Date.now() - measureFrom) / 1000
      done({
        connections: options.connections, requests: result.requests.total, ok: result["2xx"], non2xx: result.non2xx,
        errors: result.errors + result.timeouts, rps: measured / seconds,
        // Array.from, not map: a second without answers is a hole in `perSecond`, and map skips holes.
        perSecond: Array.from({ length: options.duration + closedLoopLeadIn }, (_, i) => perSecond[i] ?? 0),
        p50: result.latency.p50, p90: result.latency.p90, p99: result.latency.p99, max: result.latency.max
      })
    })
    instance.on("response", (_client, statusCode) => {
      if (statusCode < 200 || statusCode >= 300) return
      const now = Date.now()
      if (now >= measureFrom) measured++
      const second = Math.floor((now - startedAt) / 1000)
      perSecond[second] = (perSecond[second] ?? 0) + 1
    })
    let second = 0
    // "tick" (once a second, with that second's request count) is emitted by autocannon 9 but missing from @types/autocannon 7.
    const ticks: NodeJS.EventEmitter = instance as unknown as NodeJS.EventEmitter
    ticks.on("tick", (tick: { counter: number }) => {
      second++
      if (second <= options.duration + closedLoopLeadIn) {
        log(`${title}: ${second}/${options.duration + closedLoopLeadIn} s${second <= closedLoopLeadIn ? " (lead-in, not counted)" : ""}, ${tick.counter} req/s`)
      }
    })
  })

interface FixedResult extends LatencySummary {
  /** Checkpoints the Postgres server ran during the measured seconds (each one's sync stalls every commit). */
  readonly checkpointsDuring: number
  readonly sendLagP99: number
  readonly maxBySecond: ReadonlyArray<number>
  readonly rate: number
  readonly sockets: number
  readonly sent: number
  readonly ok: number
  readonly non2xx: number
  readonly errors: number
  readonly rps: number
}

interface Run {
  readonly run: number
  /** 1-minute load average before the run (the machine is shared). */
  readonly loadBefore: number
  /** Checkpoints the Postgres server ran during the whole run (all phases). */
  readonly checkpointsInRun: number
  readonly max: ClosedResult
  readonly maxLow: ClosedResult | undefined
  readonly fixed: FixedResult
  /** Mean of the pgbench runs just before and just after the webhook max-throughput run. */
  readonly pgbenchTps: number
  readonly pgbenchBefore: number
  readonly pgbenchAfter: number
  /** pgbench's tps in each second of those runs, lead-in included. */
  readonly pgbenchBeforeSeconds: ReadonlyArray<number>
  readonly pgbenchAfterSeconds: ReadonlyArray<number>
  readonly ratio: number
  readonly rateGoal: boolean
  readonly latencyGoal: boolean
}

const f0 = (x: number) => x.toFixed(0)
const f1 = (x: number) => x.toFixed(1)
const median = (xs: ReadonlyArray<number>) => {
  const s = [...xs].sort((a, b) => a - b)
  return s.length === 0 ? 0 : s.length % 2 === 1 ? s[(s.length - 1) / 2]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2
}
const spread = (xs: ReadonlyArray<number>, fmt: (x: number) => string) =>
  `${fmt(Math.min(...xs))} / ${fmt(median(xs))} / ${fmt(Math.max(...xs))}`
const passFail = (ok: boolean) => ok ? "PASS" : "FAIL"

const main = async () => {
  const { values } = parseArgs({
    options: {
      duration: { type: "string", default: "10" },
      connections: { type: "string", default: "100" },
      "low-connections": { type: "string", default: "10" },
      rate: { type: "string", default: "500" },
      sockets: { type: "string", default: "64" },
      "pgbench-clients": { type: "string", default: String(serverPool) },
      runs: { type: "string", default: "1" },
      out: { type: "string" },
      "own-postgres": { type: "boolean", default: false }
    }
  })
  const duration = Number(values.duration)
  const connections = Number(values.connections)
  const lowConnections = Number(values["low-connections"])
  const rate = Number(values.rate)
  const sockets = Number(values.sockets)
  const pgbenchClients = Number(values["pgbench-clients"])
  const runs = Number(values.runs)
  for (const [name, v] of [["--duration", duration], ["--connections", connections], ["--rate", rate], ["--sockets", sockets], ["--pgbench-clients", pgbenchClients], ["--runs", runs]] as const) {
    if (!Number.isInteger(v) || v < 1) throw new Error(`${name} must be a positive integer, got '${String(v)}'`)
  }
  if (!Number.isInteger(lowConnections) || lowConnections < 0) throw new Error(`--low-connections must be 0 (skip) or a positive integer, got '${String(lowConnections)}'`)
  const ownPostgres = values["own-postgres"]
  let privatePostgres: PrivatePostgres | undefined
  if (ownPostgres) {
    const pgPort = await freePort()
    log(`starting a Postgres cluster of its own on 127.0.0.1:${pgPort}`)
    privatePostgres = await startPrivatePostgres(pgPort)
  }
  const adminUrl = privatePostgres?.url ?? process.env["DATABASE_URL"]
  if (adminUrl === undefined || adminUrl === "") {
    throw new Error("DATABASE_URL is not set: point it at a Postgres server the benchmark may create a database on (postgres://user@127.0.0.1:5432/postgres), or pass --own-postgres")
  }
  const psql = postgresBinary("psql")
  const pgbench = postgresBinary("pgbench")
  const dbName = `autodialer_bench_webhooks_${process.pid}`
  const dbUrl = withDatabase(adminUrl, dbName)
  const work = mkdtempSync(join(tmpdir(), "autodialer-bench-webhooks-"))
  const started = Date.now()
  let server: ChildProcess | undefined
  let serverLog = ""
  const sql = (url: string, text: string) => run(psql, ["-X", "-q", "-v", "ON_ERROR_STOP=1", "-At", url, "-c", text])

  const cleanup = async () => {
    if (server !== undefined && server.exitCode === null) {
      server.kill("SIGTERM")
      await new Promise((r) => { server!.once("exit", r); setTimeout(r, 5_000) })
    }
    await sql(adminUrl, `DROP DATABASE IF EXISTS ${dbName} WITH (FORCE)`).catch((e: unknown) => log(`could not drop ${dbName}: ${String(e)}`))
    await privatePostgres?.stop()
    rmSync(work, { recursive: true, force: true })
  }

  try {
    log(`creating database ${dbName}`)
    await sql(adminUrl, `CREATE DATABASE ${dbName}`)
    const port = await freePort()
    const url = `http://127.0.0.1:${port}`
    const cli = [`--conditions=@autodialer/source`, join(root, "packages/server/src/cli/main.ts")]
    const env: NodeJS.ProcessEnv = {
      ...process.env, DATABASE_URL: dbUrl, PORT: String(port), HOST: "127.0.0.1", PUBLIC_URL: url,
      TWILIO_AUTH_TOKEN: authToken, TWILIO_ACCOUNT_SID: accountSid, LOG_LEVEL: "Warn", AUTODIALER_DATA_DIR: work
    }
    delete env["TEMPORAL_ADDRESS"]
    log("migrating and creating the organization (autodialer org create)")
    await run(process.execPath, [...cli, "org", "create", "--name", "Webhook bench", "--slug", "bench", "--admin-email", "admin@bench.test"], env, 90_000)

    // Enough calls that every request of every phase is a new event (three statuses per call): what `prepare`
    // signs ahead for each phase, with room for phases that outrun it.
    const perRun = 2 * (duration + closedLoopLeadIn) * 15_000 + (duration + closedLoopLeadIn) * 6_000 + rate * (duration + leadIn)
    const calls = Math.max(30_000, Math.ceil(((2 + closedLoopLeadIn) * 15_000 + runs * perRun) / statuses.length))
    log(`seeding ${calls} calls`)
    await sql(dbUrl, `
      INSERT INTO calls (id, org_id, provider, provider_call_id, direction, from_number, to_number, status)
      SELECT ${timeOrderedUuid("g")}, o.id, 'twilio', 'CA' || lpad(to_hex(g), 32, '0'), 'outbound', '+14155550100', '+14155550123', 'initiated'
      FROM generate_series(1, ${calls}) g, (SELECT id FROM organizations WHERE slug = 'bench') o`)
    await sql(dbUrl, "VACUUM ANALYZE calls")
    const [pgVersion, syncCommit, fsync, maxWalSize, checkpointTimeout] = (await sql(dbUrl,
      "SELECT current_setting('server_version'), current_setting('synchronous_commit'), current_setting('fsync'), current_setting('max_wal_size'), current_setting('checkpoint_timeout')"
    )).trim().split("|")

    log(`starting the server (autodialer serve) on ${url}`)
    server = spawn(process.execPath, [...cli, "serve"], { env, stdio: ["ignore", "pipe", "pipe"] })
    server.stdout?.on("data", (d: Buffer) => { serverLog = (serverLog + d.toString()).slice(-8_000) })
    server.stderr?.on("data", (d: Buffer) => { serverLog = (serverLog + d.toString()).slice(-8_000) })
    await waitReady(url, server, 90_000)

    const hook = `${url}/webhooks/twilio/status`
    let generated = 0
    let sent = 0
    const make = () => {
      const i = generated++
      const status = statuses[Math.floor(i / calls)]
      if (status === undefined) throw new Error(`ran out of seeded events after ${i} requests`)
      const params = { AccountSid: accountSid, CallSid: `CA${(i % calls + 1).toString(16).padStart(32, "0")}`, CallStatus: status, ApiVersion: "2010-04-01" }
      return { body: new URLSearchParams(params).toString(), signature: twilioSignature(authToken, hook, params) }
    }
    // Requests are signed before a phase starts, so the load generator spends its share of the cores on
    // sending, not on HMACs (a phase that outruns them signs the rest on the fly).
    let ready: Array<{ readonly body: string; readonly signature: string }> = []
    let cursor = 0
    // What a phase did not use is kept for the next one: the events stay in call order, so the calls a phase
    // touches are contiguous, as the recent calls that a live dialer's callbacks concern are.
    const prepare = (count: number) => {
      ready = ready.slice(cursor)
      cursor = 0
      while (ready.length < count) ready.push(make())
    }
    const next = () => {
      sent++
      return cursor < ready.length ? ready[cursor++]! : make()
    }

    // pgbench's table: call_events' columns, defaults, checks and indexes (not its foreign keys, trigger or RLS,
    // which the webhook path pays and pgbench does not), filled with rows like the webhook's.
    await sql(dbUrl, "CREATE TABLE bench_pgbench_events (LIKE call_events INCLUDING ALL)")
    const orgId = (await sql(dbUrl, "SELECT id FROM organizations WHERE slug = 'bench'")).trim()
    const samplePayload = JSON.stringify({ AccountSid: accountSid, ApiVersion: "2010-04-01", CallSid: `CA${"0".repeat(31)}1`, CallStatus: "ringing" })
    const script = join(work, "insert.sql")
    // Ids like the server's: time-ordered (one per row, reused as its call id and in its event key, as the server's
    // rows have a time-ordered id, the seeded call's time-ordered id, and a key that follows call order).
    writeFileSync(script, `INSERT INTO bench_pgbench_events (id, org_id, call_id, provider, provider_call_id, provider_event_key, event_type, payload, occurred_at) ` +
      `SELECT u, '${orgId}', u, 'twilio', 'CA${"0".repeat(31)}1', 'twilio:' || u::text, 'Ringing', '${samplePayload}', now() FROM (SELECT ${timeOrderedUuid("random()")} AS u) x;\n`)
    // Each throughput phase starts on vacuumed tables: otherwise the autovacuum that a phase's dead rows set off
    // lands in the next one (measured: pgbench right after the webhook max run fell from about 18,000 to 9,000 tps).
    const settle = async () => {
      for (const table of ["calls", "call_events", "bench_pgbench_events"]) await sql(dbUrl, `VACUUM ANALYZE ${table}`)
    }
    const checkpoints = async () => Number((await sql(dbUrl, "SELECT checkpoints_timed + checkpoints_req FROM pg_stat_bgwriter")).trim())
    const runPgbench = () =>
      new Promise<string>((done, fail) => {
        // The server's own setting, stated explicitly: both sides commit with the same durability.
        const child = spawn(pgbench, ["-n", "-M", "prepared", "-f", script, "-c", String(pgbenchClients), "-j", "2", "-T", String(duration + closedLoopLeadIn), "-P", "1", dbUrl], {
          env: { ...process.env, PGOPTIONS: `-c synchronous_commit=${syncCommit}` }
        })
        let out = ""
        child.stdout.on("data", (d: Buffer) => { out += d.toString() })
        child.stderr.on("data", (d: Buffer) => {
          out += d.toString()
          for (const line of d.toString().split("\n")) if (line.startsWith("progress")) log(`pgbench: ${line}`)
        })
        child.on("exit", (code) => code === 0 ? done(out) : fail(new Error(`pgbench exited with ${code}:\n${out}`)))
      })

    const config = {
      date: new Date().toISOString(),
      cores: cpus().length,
      node: process.version,
      postgres: pgVersion,
      synchronousCommit: syncCommit,
      fsync,
      maxWalSize,
      checkpointTimeout,
      serverPool,
      webhookLanes,
      pgbenchClients,
      connections,
      lowConnections,
      rate,
      openLoopSockets: sockets,
      durationSec: duration,
      runs,
      seededCalls: calls,
      ownPostgres
    }
    const configLines = [
      `machine: ${config.cores} cores, shared by the load generator (autocannon and the open-loop sender, in this process), the server (one Node process) and Postgres; other work on the machine shows in each run's load average`,
      `Node ${config.node}, Postgres ${config.postgres} on loopback (${ownPostgres ? "a cluster of its own, started for this benchmark" : "the server at DATABASE_URL, shared with other users"}), synchronous_commit=${syncCommit}, fsync=${fsync} (pgbench runs with the same synchronous_commit), max_wal_size=${maxWalSize}, checkpoint_timeout=${checkpointTimeout}`,
      `server: autodialer serve, Postgres pool ${serverPool} connections, webhook group commit on up to ${webhookLanes} of them`,
      `pgbench: ${pgbenchClients} clients (= the server's pool: both sides get the same number of Postgres sessions), -j 2, -M prepared, one single-row INSERT per transaction into a table shaped like call_events, ${duration} s (after the same ${closedLoopLeadIn} s lead-in) right before and right after the webhook max run (the ratio uses their mean)`,
      `max throughput: autocannon, closed loop, ${connections} connections${lowConnections > 0 ? ` (and ${lowConnections})` : ""}, ${duration} s counted after a ${closedLoopLeadIn} s lead-in (pgbench likewise); fixed rate: ${rate} req/s open loop (latency from each request's due time), up to ${sockets} sockets, after VACUUM and a ${leadIn} s lead-in, ${duration} s measured`
    ]
    for (const line of configLines) log(line)

    prepare((2 + closedLoopLeadIn) * 15_000)
    const warm = await closedLoop("warm-up", { url: hook, connections, duration: 2, next })
    const results: Array<Run> = []
    let answered = warm.ok
    for (let r = 1; r <= runs; r++) {
      const loadBefore = loadavg()[0]!
      const checkpointsAtStart = await checkpoints()
      log(`run ${r}/${runs} (load average ${loadBefore.toFixed(2)})`)
      // The steady-rate phase first, on vacuumed tables: right after a saturating phase, autovacuum cleaning up
      // the hundreds of thousands of rows it updated competes with the commits for the disk. A lead-in at the
      // same rate (not measured) lets the first seconds' cache misses and full-page writes pass.
      await sql(dbUrl, "VACUUM ANALYZE calls")
      await sql(dbUrl, "VACUUM ANALYZE call_events")
      const sendFixed = (durationSec: number) => {
        prepare(Math.ceil(durationSec * rate))
        return openLoop({
          url: hook, rate, durationSec, sockets, headers: { "content-type": "application/x-www-form-urlencoded" },
          next: () => {
            const { body, signature } = next()
            return { body, headers: { "x-twilio-signature": signature } }
          }
        })
      }
      log(`run ${r}: fixed ${rate} req/s, open loop (${leadIn} s lead-in, then ${duration} s measured)`)
      const lead = await sendFixed(leadIn)
      const checkpointsBefore = await checkpoints()
      const fixedRun = await sendFixed(duration)
      const checkpointsDuring = (await checkpoints()) - checkpointsBefore
      const fixed: FixedResult = { rate, sockets, checkpointsDuring, ...fixedRun }
      // pgbench right before and right after the webhook run, compared with their mean: the background load of a
      // shared machine drifts, and this keeps the two sides of the ratio under the same conditions.
      log(`run ${r}: pgbench, ${pgbenchClients} clients, ${duration} s (before)`)
      await settle()
      const pgBeforeOutput = await runPgbench()
      const pgBefore = parsePgbenchTps(pgBeforeOutput, closedLoopLeadIn)
      prepare((duration + closedLoopLeadIn) * 15_000)
      await settle()
      const max = await closedLoop(`run ${r}: max, ${connections} connections`, { url: hook, connections, duration, next })
      log(`run ${r}: pgbench, ${pgbenchClients} clients, ${duration} s (after)`)
      await settle()
      const pgAfterOutput = await runPgbench()
      const pgAfter = parsePgbenchTps(pgAfterOutput, closedLoopLeadIn)
      prepare((duration + closedLoopLeadIn) * 6_000)
      if (lowConnections > 0) await settle()
      const maxLow = lowConnections > 0 ? await closedLoop(`run ${r}: max, ${lowConnections} connections`, { url: hook, connections: lowConnections, duration, next }) : undefined
      const pgbenchTps = (pgBefore + pgAfter) / 2
      const checkpointsInRun = (await checkpoints()) - checkpointsAtStart
      answered += lead.ok + max.ok + (maxLow?.ok ?? 0) + fixed.ok
      const ratio = max.rps / pgbenchTps
      results.push({
        run: r, loadBefore, checkpointsInRun, max, maxLow, fixed, pgbenchTps, pgbenchBefore: pgBefore, pgbenchAfter: pgAfter,
        pgbenchBeforeSeconds: pgbenchSeconds(pgBeforeOutput), pgbenchAfterSeconds: pgbenchSeconds(pgAfterOutput), ratio,
        rateGoal: ratio >= 0.5, latencyGoal: fixed.p99 < 20 && fixed.rps >= rate * 0.95 && fixed.errors + fixed.non2xx === 0
      })
    }

    const stored = Number((await sql(dbUrl, "SELECT count(*) FROM call_events")).trim())
    const failed = results.reduce((a, r) => a + r.max.non2xx + r.max.errors + (r.maxLow === undefined ? 0 : r.maxLow.non2xx + r.maxLow.errors) + r.fixed.non2xx + r.fixed.errors, 0)
    // Requests still in flight when autocannon's time is up are stored but not counted as answered: answered <= stored <= sent.
    const consistent = answered <= stored && stored <= sent

    const header = ["run", "load", `max req/s (${connections} conn)`, "p50 / p99 / max ms", ...(lowConnections > 0 ? [`max req/s (${lowConnections} conn)`, "p50 / p99 / max ms"] : []),
      `at ${rate}/s: achieved`, "p50 / p99 / max ms", "pgbench tps (before, after)", "ratio", "rate goal", "p99 goal"]
    const rows = results.map((r) => [
      String(r.run), r.loadBefore.toFixed(1), f0(r.max.rps), `${f1(r.max.p50)} / ${f1(r.max.p99)} / ${f1(r.max.max)}`,
      ...(r.maxLow === undefined ? [] : [f0(r.maxLow.rps), `${f1(r.maxLow.p50)} / ${f1(r.maxLow.p99)} / ${f1(r.maxLow.max)}`]),
      f0(r.fixed.rps), `${f1(r.fixed.p50)} / ${f1(r.fixed.p99)} / ${f1(r.fixed.max)}`, `${f0(r.pgbenchTps)} (${f0(r.pgbenchBefore)}, ${f0(r.pgbenchAfter)})`, `${(r.ratio * 100).toFixed(0)}%`,
      passFail(r.rateGoal), passFail(r.latencyGoal)
    ])
    const table = [
      `| ${header.join(" | ")} |`,
      `|${header.map((_, c) => c === 0 ? "---" : "---:").join("|")}|`,
      ...rows.map((r) => `| ${r.join(" | ")} |`)
    ]
    const summary = [
      `spread over ${runs} run${runs === 1 ? "" : "s"} (min / median / max):`,
      `  webhooks max req/s (${connections} conn): ${spread(results.map((r) => r.max.rps), f0)}`,
      ...(lowConnections > 0 ? [`  webhooks max req/s (${lowConnections} conn): ${spread(results.map((r) => r.maxLow?.rps ?? 0), f0)}`] : []),
      `  pgbench tps: ${spread(results.map((r) => r.pgbenchTps), f0)}`,
      `  ratio webhooks / pgbench: ${spread(results.map((r) => r.ratio * 100), (x) => `${x.toFixed(0)}%`)}`,
      `  p99 at ${rate}/s (ms): ${spread(results.map((r) => r.fixed.p99), f1)} (of which the sender's own lateness, p99: ${spread(results.map((r) => r.fixed.sendLagP99), f1)})`,
      ...results.map((r) => `  run ${r.run}, slowest answer per second at ${rate}/s (ms): ${r.fixed.maxBySecond.map(f0).join(" ")}; Postgres checkpoints meanwhile: ${r.fixed.checkpointsDuring}, in the whole run: ${r.checkpointsInRun}`),
      `goal 1, webhook rate >= 1/2 of pgbench (${connections} connections vs ${pgbenchClients} pgbench clients): ${passFail(results.every((r) => r.rateGoal))} (${results.filter((r) => r.rateGoal).length}/${runs} runs)`,
      `goal 2, p99 < 20 ms at ${rate} req/s: ${passFail(results.every((r) => r.latencyGoal))} (${results.filter((r) => r.latencyGoal).length}/${runs} runs)`,
      `events stored: ${stored}; requests answered 2xx: ${answered}; sent: ${sent}${consistent ? "" : " MISMATCH"}; failed requests: ${failed}`
    ]
    const out = ["", "Webhook ingestion benchmark", ...configLines, "", ...table, "", ...summary, `total time ${((Date.now() - started) / 1000).toFixed(0)} s`, ""]
    process.stdout.write(out.join("\n"))
    if (values.out !== undefined) {
      const base = resolve(values.out)
      mkdirSync(dirname(base), { recursive: true })
      writeFileSync(`${base}.json`, `${JSON.stringify({ config, runs: results, stored, answered, sent, failed }, null, 2)}\n`)
      writeFileSync(`${base}.md`, [`# Webhook ingestion, ${config.date.slice(0, 16).replace("T", " ")} UTC`, "", ...configLines.map((l) => `- ${l}`), "", ...table, "", "```", ...summary, "```", ""].join("\n"))
      writeFileSync(`${base}.svg`, webhookSvg({
        title: `Webhook ingestion vs pgbench, ${config.date.slice(0, 16).replace("T", " ")} UTC (${runs} run${runs === 1 ? "" : "s"}, ${config.cores} cores)`,
        runs: results.map((r) => ({
          run: r.run, webhooks: r.max.perSecond, pgbenchBefore: r.pgbenchBeforeSeconds, pgbenchAfter: r.pgbenchAfterSeconds, slowestAtRate: r.fixed.maxBySecond
        })),
        leadInSec: closedLoopLeadIn, connections, pgbenchClients, rate, p99GoalMs: 20
      }))
      const png = await toPng(`${base}.svg`, `${base}.png`, 760, 552)
      log(`wrote ${base}.json, ${base}.md and ${base}.svg${png === undefined ? ` and ${base}.png` : ` (${png})`}`)
    }
    // Every request should have been a stored event: anything else makes the figures meaningless.
    if (!consistent || failed > 0) {
      throw new Error(`some webhook requests failed (non-2xx, errors, or answered without a stored event); server log tail:\n${serverLog}`)
    }
  } finally {
    await cleanup()
  }
}

main().catch((error: unknown) => {
  process.stderr.write(`bench:webhooks failed: ${error instanceof Error ? error.message : String(error)}\n`)
  process.exitCode = 1
})
