import { assert, describe, it } from "@effect/vitest"
import { afterAll, beforeAll } from "vitest"
import { Effect, Redacted, Stream } from "effect"
import { kamailio, sipp } from "@autodialer/testkit"
import type { CallEvent } from "../src/CallEvent.ts"
import * as SipAdapter from "../src/SipAdapter.ts"
import { Telephony } from "../src/Telephony.ts"
import { type Kamailio, type PlaceOptions, placeCall, registerPassword, startKamailio } from "./support/SipLab.ts"

const kamailioBin = kamailio()
const sippBin = sipp()

describe.skipIf(kamailioBin.skip || sippBin.skip)("SipAdapter: sip.js -> WebSocket -> Kamailio -> UDP -> SIPp", () => {
  let lab: Kamailio
  beforeAll(async () => {
    lab = await startKamailio(kamailioBin.value ?? "kamailio")
  })
  afterAll(() => lab?.stop())

  const place = (scenario: string, options: PlaceOptions = {}) => placeCall(lab, sippBin.value ?? "sipp", scenario, options)

  const tags = (events: ReadonlyArray<CallEvent>) => events.map((e) => e._tag)

  /** What we do during the call: hang it up once the carrier reported `tag` (and `pauseMs` after it). */
  const hangUpAfter = (tag: CallEvent["_tag"], pauseMs = 0) => (callId: string) =>
    Effect.gen(function*() {
      const telephony = yield* Telephony
      yield* Stream.runHead(telephony.events.pipe(Stream.filter((e) => e._tag === tag)))
      if (pauseMs > 0) yield* Effect.sleep(`${pauseMs} millis`)
      yield* telephony.hangUp(callId)
    })

  it.live("answered call: INVITE, 180, 200, ACK, then our BYE and its 200", () =>
    Effect.gen(function*() {
      const result = yield* place("answer.xml", {
        during: hangUpAfter("Answered", 200)
      })
      assert.deepStrictEqual(tags(result.events), ["Initiated", "Ringing", "Answered", "Completed"])
      assert.strictEqual(result.state.status, "completed")
      assert.match(result.state.providerCallId ?? "", /\S+/)
      assert.strictEqual(result.exitCode, 0, result.sippOutput)
    }), 30_000)

  it.live("early media: 183 with SDP is ringing with early media, then the answer", () =>
    Effect.gen(function*() {
      const result = yield* place("early-media.xml", {
        during: hangUpAfter("Answered")
      })
      assert.deepStrictEqual(tags(result.events), ["Initiated", "Ringing", "Answered", "Completed"])
      const ringing = result.events.find((e) => e._tag === "Ringing")
      assert.isTrue(ringing?._tag === "Ringing" && ringing.earlyMedia === true)
      assert.strictEqual(result.exitCode, 0, result.sippOutput)
    }), 30_000)

  it.live("a duplicated 180 is reported once", () =>
    Effect.gen(function*() {
      const result = yield* place("ring-twice.xml", {
        during: hangUpAfter("Answered")
      })
      assert.deepStrictEqual(tags(result.events), ["Initiated", "Ringing", "Answered", "Completed"])
      assert.strictEqual(result.exitCode, 0, result.sippOutput)
    }), 30_000)

  it.live("503 from the callee: the proxy turns it into 500 (RFC 3261 16.7), reported as failed", () =>
    Effect.gen(function*() {
      const result = yield* place("service-unavailable.xml")
      assert.deepStrictEqual(tags(result.events), ["Initiated", "Failed"])
      assert.strictEqual(result.exitCode, 0, result.sippOutput)
      // A proxy must not forward 503 (that would mean "the proxy is overloaded"); Kamailio sends 500.
      assert.strictEqual(result.state.failure?.reason, "network")
      assert.include(result.state.failure?.detail ?? "", "SIP 500")
      const failed = result.events.at(-1)
      assert.strictEqual(failed?._tag === "Failed" ? failed.sipCode : undefined, 500)
    }), 30_000)

  it.live("486 Busy Here maps to busy", () =>
    Effect.gen(function*() {
      const result = yield* place("busy.xml")
      assert.deepStrictEqual(tags(result.events), ["Initiated", "Busy"])
      const busy = result.events.at(-1)
      assert.strictEqual(busy?._tag === "Busy" ? busy.sipCode : undefined, 486)
      assert.strictEqual(result.exitCode, 0, result.sippOutput)
    }), 30_000)

  it.live("603 Decline maps to failed/declined and keeps the Reason header", () =>
    Effect.gen(function*() {
      const result = yield* place("decline.xml")
      assert.deepStrictEqual(tags(result.events), ["Initiated", "Ringing", "Failed"])
      assert.strictEqual(result.state.failure?.reason, "declined")
      assert.include(result.state.failure?.detail ?? "", "603")
      assert.include(result.state.failure?.detail ?? "", "Call rejected")
      assert.strictEqual(result.exitCode, 0, result.sippOutput)
    }), 30_000)

  it.live("ringing then 480 Temporarily Unavailable maps to no-answer", () =>
    Effect.gen(function*() {
      const result = yield* place("unavailable.xml")
      assert.deepStrictEqual(tags(result.events), ["Initiated", "Ringing", "NoAnswer"])
      assert.strictEqual(result.state.status, "no_answer")
      assert.strictEqual(result.exitCode, 0, result.sippOutput)
    }), 30_000)

  it.live("ringing past our ring timeout: CANCEL, 487, reported as no-answer", () =>
    Effect.gen(function*() {
      const started = Date.now()
      const result = yield* place("ring-forever.xml", { ringTimeoutSec: 5 })
      assert.deepStrictEqual(tags(result.events), ["Initiated", "Ringing", "NoAnswer"])
      assert.isAtLeast(Date.now() - started, 4_900)
      assert.strictEqual(result.exitCode, 0, result.sippOutput)
    }), 30_000)

  it.live("hang-up during ringing sends CANCEL and ends as canceled", () =>
    Effect.gen(function*() {
      const result = yield* place("ring-forever.xml", {
        during: hangUpAfter("Ringing")
      })
      assert.deepStrictEqual(tags(result.events), ["Initiated", "Ringing", "Canceled"])
      assert.strictEqual(result.exitCode, 0, result.sippOutput)
    }), 30_000)

  it.live("REGISTER answers the proxy's digest challenge, then calls go through", () =>
    Effect.gen(function*() {
      const result = yield* place("busy.xml", { password: registerPassword })
      assert.deepStrictEqual(tags(result.events), ["Initiated", "Busy"])
      assert.strictEqual(result.exitCode, 0, result.sippOutput)
    }), 30_000)

  it.live("REGISTER with a wrong password fails the layer with CarrierRejected", () =>
    Effect.gen(function*() {
      const error = yield* Effect.flip(
        Effect.map(Telephony, (t) => t.provider).pipe(Effect.provide(SipAdapter.layer({
          server: lab.wsUrl, domain: "127.0.0.1", user: "dialer", auth: { username: "dialer", password: Redacted.make("wrong") }
        })))
      )
      assert.strictEqual(error._tag, "CarrierRejected")
      assert.include(error.message, "401")
    }), 30_000)

  it.live("no proxy listening fails the layer with CarrierUnavailable", () =>
    Effect.gen(function*() {
      const error = yield* Effect.flip(
        Effect.map(Telephony, (t) => t.provider).pipe(Effect.provide(SipAdapter.layer({ server: "ws://127.0.0.1:9", domain: "127.0.0.1", user: "dialer", connectTimeout: "2 seconds" })))
      )
      assert.strictEqual(error._tag, "CarrierUnavailable")
    }), 30_000)

  it.live("404 Not Found maps to failed/invalid_number", () =>
    Effect.gen(function*() {
      const result = yield* place("not-found.xml")
      assert.deepStrictEqual(tags(result.events), ["Initiated", "Failed"])
      assert.strictEqual(result.state.failure?.reason, "invalid_number")
      assert.strictEqual(result.exitCode, 0, result.sippOutput)
    }), 30_000)
})

describe("SipAdapter.outcomeOf", () => {
  it("maps final responses to outcomes", () => {
    const cases: ReadonlyArray<readonly [number, string]> = [
      [486, "Busy"], [600, "Busy"], [408, "NoAnswer"], [480, "NoAnswer"], [487, "NoAnswer"],
      [404, "invalid_number"], [484, "invalid_number"], [604, "invalid_number"], [503, "carrier_unavailable"], [603, "declined"], [500, "network"]
    ]
    for (const [status, expected] of cases) {
      const outcome = SipAdapter.outcomeOf(status)
      assert.strictEqual(outcome._tag === "Failed" ? outcome.reason : outcome._tag, expected, String(status))
    }
  })
})
