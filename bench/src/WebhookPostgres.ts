/**
 * The webhook benchmark's Postgres side: its binaries, a throwaway cluster of
 * its own (`--own-postgres`), the time-ordered ids its rows carry, and reading
 * pgbench's rate.
 *
 * Why a cluster of its own: on a shared development server every other
 * user's `CREATE DATABASE` (each integration test file makes one) forces a
 * checkpoint, and the checkpoint's sync stalls every commit in the cluster
 * for tens to hundreds of milliseconds, which lands in the webhook p99 and
 * in pgbench alike. The private cluster has the stock settings (fsync and
 * synchronous_commit on, 128 MB shared buffers) except for its checkpoints,
 * which are spaced as production servers space them (`checkpointSettings`);
 * it still shares the cores and the disk.
 */
import { execFile, execFileSync } from "node:child_process"
import { chownSync, existsSync, mkdtempSync, readdirSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"

/**
 * Checkpoints spaced as on a production server (the stock 1 GB of WAL is
 * reached within a minute of this benchmark's writes). After a checkpoint the
 * first change to each page logs the whole page, so a checkpoint forced in the
 * middle of a phase charges that phase for every page it then touches: the
 * webhook path, which updates existing call rows, far more than pgbench's
 * appends. With these settings no checkpoint falls inside a run; each phase's
 * count is reported.
 */
export const checkpointSettings: ReadonlyArray<string> = ["max_wal_size=8GB", "checkpoint_timeout=30min"]

/** A Postgres client or server binary from PATH, else the newest /usr/lib/postgresql/N/bin. */
export const postgresBinary = (name: "pgbench" | "psql" | "initdb" | "pg_ctl"): string => {
  try {
    const found = execFileSync("sh", ["-c", `command -v ${name}`], { encoding: "utf8" }).trim()
    if (found !== "") return found
  } catch { /* not on PATH */ }
  const base = "/usr/lib/postgresql"
  const versions = existsSync(base) ? readdirSync(base).filter((v) => /^\d+$/.test(v)).sort((a, b) => Number(b) - Number(a)) : []
  for (const v of versions) if (existsSync(`${base}/${v}/bin/${name}`)) return `${base}/${v}/bin/${name}`
  throw new Error(`${name} not found on PATH or in ${base}/*/bin: install postgresql (apt-get install -y postgresql)`)
}

const exec = (file: string, args: ReadonlyArray<string>, timeoutMs: number) =>
  new Promise<string>((done, fail) =>
    execFile(file, args, { timeout: timeoutMs }, (error, stdout, stderr) =>
      error ? fail(new Error(`${file} ${args.join(" ")} failed: ${error.message}\n${stderr}`)) : done(`${stdout}${stderr}`)))

export interface PrivatePostgres {
  /** Superuser URL of the cluster's `postgres` database. */
  readonly url: string
  readonly stop: () => Promise<void>
}

/**
 * initdb + pg_ctl start on `port` (127.0.0.1 only, trust auth), data in a
 * temporary directory removed by `stop`. As root, the server runs as the
 * `postgres` user (Postgres refuses to run as root).
 */
export const startPrivatePostgres = async (port: number): Promise<PrivatePostgres> => {
  const initdb = postgresBinary("initdb")
  const pgCtl = postgresBinary("pg_ctl")
  const dir = mkdtempSync(join(tmpdir(), "autodialer-bench-pg-"))
  const root = process.getuid?.() === 0
  const asOwner = (file: string, args: ReadonlyArray<string>): [string, ReadonlyArray<string>] =>
    root ? ["runuser", ["-u", "postgres", "--", file, ...args]] : [file, args]
  if (root) {
    const uid = Number(execFileSync("id", ["-u", "postgres"], { encoding: "utf8" }).trim())
    const gid = Number(execFileSync("id", ["-g", "postgres"], { encoding: "utf8" }).trim())
    chownSync(dir, uid, gid)
  }
  const data = join(dir, "data")
  await exec(...asOwner(initdb, ["-D", data, "-A", "trust", "-U", "postgres", "--no-sync"]), 60_000)
  await exec(...asOwner(pgCtl, [
    "-D", data, "-l", join(dir, "server.log"), "-w", "-t", "30",
    "-o", `-p ${port} -k ${dir} -c listen_addresses=127.0.0.1 ${checkpointSettings.map((c) => `-c ${c}`).join(" ")}`, "start"
  ]), 40_000)
  return {
    url: `postgres://postgres@127.0.0.1:${port}/postgres`,
    stop: async () => {
      await exec(...asOwner(pgCtl, ["-D", data, "-m", "fast", "-w", "stop"]), 30_000).catch(() => undefined)
      rmSync(dir, { recursive: true, force: true })
    }
  }
}

/**
 * SQL for a UUID that sorts by creation like the app's UUIDv7 ids (a 48-bit
 * millisecond prefix, version 7, the RFC variant, random bits from `md5(seed)`):
 * the server stores calls and events under such ids, so index inserts land near
 * each other, and the seeded calls and pgbench's rows must do the same.
 * `millis` is an SQL expression for the milliseconds, `seed` one for the random part.
 */
export const timeOrderedUuid = (seed: string, millis = "(extract(epoch FROM clock_timestamp()) * 1000)::bigint"): string => {
  const ts = `lpad(to_hex(${millis}), 12, '0')`
  const r = `md5((${seed})::text)`
  return `(substr(${ts}, 1, 8) || '-' || substr(${ts}, 9, 4) || '-7' || substr(${r}, 1, 3) || '-8' || substr(${r}, 4, 3) || '-' || substr(${r}, 7, 12))::uuid`
}

/** pgbench's per-second tps from its `-P 1` progress lines, first second first. */
export const pgbenchSeconds = (output: string): Array<number> =>
  [...output.matchAll(/progress: ([\d.]+) s, ([\d.]+) tps/g)].map((m) => Number(m[2]))

/**
 * pgbench's rate after `leadInSec` seconds: the mean of its per-second progress
 * lines (`-P 1`) past the lead-in, the same seconds the webhook phases count.
 * Without progress lines (a run shorter than the lead-in), its overall `tps = …`.
 */
export const parsePgbenchTps = (output: string, leadInSec = 0): number => {
  const seconds = pgbenchSeconds(output).slice(leadInSec)
  if (seconds.length > 0) return seconds.reduce((a, b) => a + b, 0) / seconds.length
  const match = /tps = ([\d.]+) \(without initial connection time\)/.exec(output) ?? /tps = ([\d.]+)/.exec(output)
  if (match === null) throw new Error(`pgbench printed no "tps = …" line:\n${output}`)
  return Number(match[1])
}
