/**
 * Starts the real SIP peers for the SIP adapter's tests: Kamailio as the
 * WebSocket <-> UDP proxy (config in test/fixtures/kamailio.cfg) and SIPp as
 * the called party, running one scenario from test/fixtures/sipp. Everything
 * binds 127.0.0.1 on free ports, has bounded start-up waits, and is killed by
 * process id when the test ends.
 */
import { Deferred, Effect, Redacted, Stream } from "effect"
import { type ChildProcess, spawn } from "node:child_process"
import { createSocket } from "node:dgram"
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs"
import { createConnection, createServer } from "node:net"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { type CallEvent, isTerminal } from "../../src/CallEvent.ts"
import type * as CallState from "../../src/CallState.ts"
import * as SipAdapter from "../../src/SipAdapter.ts"
import { Telephony } from "../../src/Telephony.ts"

const fixtures = new URL("../fixtures/", import.meta.url).pathname

export const freeTcpPort = (): Promise<number> =>
  new Promise((resolve, reject) => {
    const server = createServer()
    server.on("error", reject)
    server.listen(0, "127.0.0.1", () => {
      const address = server.address()
      const port = typeof address === "object" && address !== null ? address.port : 0
      server.close(() => resolve(port))
    })
  })

export const freeUdpPort = (): Promise<number> =>
  new Promise((resolve, reject) => {
    const socket = createSocket("udp4")
    socket.on("error", reject)
    socket.bind(0, "127.0.0.1", () => {
      const port = socket.address().port
      socket.close(() => resolve(port))
    })
  })

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))

const tcpOpen = (port: number): Promise<boolean> =>
  new Promise((resolve) => {
    const socket = createConnection({ host: "127.0.0.1", port })
    socket.once("connect", () => {
      socket.destroy()
      resolve(true)
    })
    socket.once("error", () => resolve(false))
  })

/** True when someone holds the UDP port (SIPp is listening). */
const udpTaken = (port: number): Promise<boolean> =>
  new Promise((resolve) => {
    const socket = createSocket("udp4")
    socket.once("error", () => resolve(true))
    socket.bind(port, "127.0.0.1", () => socket.close(() => resolve(false)))
  })

const waitFor = async (what: string, check: () => Promise<boolean>, timeoutMs: number, output: () => string) => {
  const deadline = Date.now() + timeoutMs
  while (Date.now() < deadline) {
    if (await check()) return
    await sleep(50)
  }
  throw new Error(`${what} did not start within ${timeoutMs} ms. Output:\n${output()}`)
}

const stop = (child: ChildProcess): Promise<void> =>
  new Promise((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) return resolve()
    const timer = setTimeout(() => child.kill("SIGKILL"), 3000)
    child.once("exit", () => {
      clearTimeout(timer)
      resolve()
    })
    child.kill("SIGTERM")
  })

export interface Kamailio {
  readonly wsUrl: string
  readonly uasPort: number
  readonly output: () => string
  stop(): Promise<void>
}

/** The digest password the test proxy accepts on REGISTER (any user name). */
export const registerPassword = "s3cret-test-password"

export const startKamailio = async (binary: string): Promise<Kamailio> => {
  const [wsPort, udpPort, uasPort] = [await freeTcpPort(), await freeUdpPort(), await freeUdpPort()]
  const dir = mkdtempSync(join(tmpdir(), "autodialer-kamailio-"))
  const cfg = readFileSync(join(fixtures, "kamailio.cfg"), "utf8")
    .replaceAll("__WS_PORT__", String(wsPort))
    .replaceAll("__UDP_PORT__", String(udpPort))
    .replaceAll("__UAS_PORT__", String(uasPort))
    .replaceAll("__PASSWORD__", registerPassword)
  const cfgPath = join(dir, "kamailio.cfg")
  writeFileSync(cfgPath, cfg)
  let output = ""
  // -DD: stay in the foreground (still forking workers); -E: log to stderr; -Y: own runtime dir.
  const child = spawn(binary, ["-DD", "-E", "-f", cfgPath, "-Y", dir, "-m", "64", "-M", "8"], { stdio: ["ignore", "pipe", "pipe"] })
  child.stdout?.on("data", (d: Buffer) => (output += d.toString()))
  child.stderr?.on("data", (d: Buffer) => (output += d.toString()))
  try {
    await waitFor("Kamailio", async () => {
      if (child.exitCode !== null) throw new Error(`Kamailio exited with ${child.exitCode}:\n${output}`)
      return tcpOpen(wsPort)
    }, 10_000, () => output)
  } catch (e) {
    await stop(child)
    rmSync(dir, { recursive: true, force: true })
    throw e
  }
  return {
    wsUrl: `ws://127.0.0.1:${wsPort}`,
    uasPort,
    output: () => output,
    stop: async () => {
      await stop(child)
      rmSync(dir, { recursive: true, force: true })
    }
  }
}

export interface Sipp {
  /** Resolves with SIPp's exit code (0 when the scenario completed as written). */
  readonly exited: Promise<number | null>
  readonly output: () => string
  stop(): Promise<void>
}

/** Run one SIPp UAS scenario for one call on `port`. */
export const startSipp = async (binary: string, scenario: string, port: number): Promise<Sipp> => {
  let output = ""
  const dir = mkdtempSync(join(tmpdir(), "autodialer-sipp-"))
  const errorFile = join(dir, "errors.log")
  const child = spawn(
    binary,
    [
      "-sf", join(fixtures, "sipp", scenario), "-i", "127.0.0.1", "-p", String(port), "-m", "1", "-nostdin",
      "-timeout", "30s", "-timeout_error",
      // The machine is shared: a busy CPU must not make SIPp's own watchdog fail the scenario.
      "-watchdog_minor_threshold", "5000", "-watchdog_major_threshold", "20000",
      "-trace_err", "-error_file", errorFile,
      ...(process.env["SIPP_TRACE"] !== undefined ? ["-trace_msg", "-message_file", process.env["SIPP_TRACE"]] : [])
    ],
    { stdio: ["ignore", "pipe", "pipe"] }
  )
  child.stdout?.on("data", (d: Buffer) => (output += d.toString()))
  child.stderr?.on("data", (d: Buffer) => (output += d.toString()))
  const exited = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)))
  const allOutput = () => {
    let errors = ""
    try {
      errors = readFileSync(errorFile, "utf8")
    } catch { /* no errors written */ }
    return errors === "" ? output : `${output}\nSIPp errors:\n${errors}`
  }
  try {
    await waitFor(`SIPp (${scenario})`, async () => {
      if (child.exitCode !== null) throw new Error(`SIPp exited early with ${child.exitCode}:\n${allOutput()}`)
      return udpTaken(port)
    }, 5_000, allOutput)
  } catch (e) {
    await stop(child)
    rmSync(dir, { recursive: true, force: true })
    throw e
  }
  return {
    exited,
    output: allOutput,
    stop: async () => {
      await stop(child)
      rmSync(dir, { recursive: true, force: true })
    }
  }
}

export interface PlaceOptions {
  readonly ringTimeoutSec?: number
  /** Runs once the call is placed (e.g. hang up after the answer). */
  readonly during?: (callId: string) => Effect.Effect<void, unknown, Telephony>
  readonly password?: string
}

export interface PlacedCall {
  /** Every event the adapter published for the call until SIPp exited (nothing may follow the terminal one). */
  readonly events: ReadonlyArray<CallEvent>
  /** The call's state once SIPp exited, i.e. after every late or repeated message of the scenario. */
  readonly state: CallState.CallState
  /** 0 means SIPp saw every message its scenario expects (ACK, BYE, CANCEL, 200). */
  readonly exitCode: number | null
  readonly sippOutput: string
}

/**
 * Place one call from the SIP adapter through the lab's Kamailio to a SIPp
 * scenario. Waits for a terminal event, then for SIPp to finish its scenario
 * (so messages it sends after the call ended also reach the adapter), then
 * reads the state.
 */
export const placeCall = (lab: Kamailio, sippBinary: string, scenario: string, options: PlaceOptions = {}) =>
  Effect.gen(function*() {
    const peer = yield* Effect.acquireRelease(
      Effect.promise(() => startSipp(sippBinary, scenario, lab.uasPort)),
      (p) => Effect.promise(() => p.stop())
    )
    return yield* Effect.gen(function*() {
      const telephony = yield* Telephony
      const seen: Array<CallEvent> = []
      const ended = yield* Deferred.make<void>()
      yield* telephony.events.pipe(
        Stream.runForEach((event) =>
          Effect.sync(() => seen.push(event)).pipe(Effect.andThen(isTerminal(event) ? Deferred.succeed(ended, undefined) : Effect.void))
        ),
        Effect.forkScoped
      )
      yield* Effect.yieldNow
      const handle = yield* telephony.originate({
        to: "+14155550123",
        from: "+14155550100",
        ringTimeoutSec: options.ringTimeoutSec ?? 10,
        amd: "off",
        record: false,
        idempotencyKey: `sip-${scenario}`
      })
      if (options.during !== undefined) yield* options.during(handle.callId)
      yield* Deferred.await(ended).pipe(Effect.timeoutOrElse({
        duration: "20 seconds",
        orElse: () => Effect.die(new Error(`no terminal event within 20 s; events so far: ${seen.map((e) => e._tag).join(", ")}\n${peer.output()}`))
      }))
      const exitCode = yield* Effect.promise(() => peer.exited).pipe(Effect.timeout("10 seconds"))
      // Let the adapter's inbox drain whatever SIPp sent last before reading.
      yield* Effect.sleep("300 millis")
      const state = yield* telephony.state(handle.callId)
      const placed: PlacedCall = { events: [...seen], state, exitCode, sippOutput: peer.output() }
      return placed
    }).pipe(Effect.provide(SipAdapter.layer({
      server: lab.wsUrl,
      domain: "127.0.0.1",
      user: "dialer",
      ...(options.password !== undefined ? { auth: { username: "dialer", password: Redacted.make(options.password) } } : {})
    })))
  }).pipe(Effect.scoped)
