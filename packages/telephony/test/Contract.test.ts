/**
 * One contract for every adapter: the same call histories, delivered the way
 * each carrier delivers them (signed webhooks for Twilio and Plivo, the script
 * for the simulated carrier), must produce the same normalised events and the
 * same final state: in order, with every event duplicated, out of order, and
 * with a hang-up during ringing. The cases live in support/ContractCases.ts;
 * ContractSip.integration.test.ts runs the same cases against the SIP adapter
 * through real Kamailio and SIPp (SIP has no replayable webhooks: each history
 * is a SIPp scenario there).
 */
import { assert, describe, it } from "@effect/vitest"
import { afterAll, beforeAll } from "vitest"
import { randomUUID } from "node:crypto"
import { Effect, Fiber, Layer, Redacted, Stream } from "effect"
import twilio from "twilio"
import { type CallEvent, isTerminal } from "../src/CallEvent.ts"
import * as PlivoAdapter from "../src/PlivoAdapter.ts"
import * as SimulatedCarrier from "../src/SimulatedCarrier.ts"
import { type CallHandle, Telephony } from "../src/Telephony.ts"
import * as TwilioAdapter from "../src/TwilioAdapter.ts"
import { nonce, type PlivoFake, signV3, startPlivoFake } from "./support/PlivoFake.ts"
import { type ContractCase, contractCaseIds, contractCases, observedTags, type Step } from "./support/ContractCases.ts"
import { sid, startTwilioFake, type TwilioFake } from "./support/TwilioFake.ts"


interface Driver<R> {
  readonly name: string
  readonly layer: () => Layer.Layer<Telephony | R>
  /** Report `step` for the call the way this carrier reports it. */
  readonly deliver: (handle: CallHandle, step: CarrierStep) => Effect.Effect<void, unknown, Telephony | R>
}

const twilioAccount = sid("AC")
const twilioToken = "0123456789abcdef0123456789abcdef"
const plivoId = "MAXXXXXXXXXXXXXXXXXX"
const plivoToken = "plivo-contract-token"
let twilioFake: TwilioFake
let plivoFake: PlivoFake
beforeAll(async () => {
  twilioFake = await startTwilioFake(twilioAccount, twilioToken)
  plivoFake = await startPlivoFake(plivoId, plivoToken)
})
afterAll(async () => {
  await twilioFake.close()
  await plivoFake.close()
})

type CarrierStep = Exclude<Step, "hangUp">

const twilioStatus: Record<CarrierStep, string> = { ringing: "ringing", answered: "in-progress", completed: "completed", canceled: "canceled" }
const plivoEvent: Record<CarrierStep, [string, string]> = { ringing: ["Ring", "ringing"], answered: ["StartApp", "in-progress"], completed: ["Hangup", "completed"], canceled: ["Hangup", "cancel"] }
const plivoCallUuids = new Map<string, string>()

const simulated: Driver<SimulatedCarrier.Script> = {
    name: "simulated",
    layer: () => SimulatedCarrier.layer({ seed: 1, scripted: true }),
    deliver: (handle, step) => SimulatedCarrier.Script.use((s) => s.deliver(handle.callId, step))
}

const twilioDriver: Driver<never> = {
    name: "twilio",
    layer: () =>
      TwilioAdapter.layer({ accountSid: twilioAccount, authToken: Redacted.make(twilioToken), webhookBaseUrl: "https://d.example.com/twilio", apiBaseUrl: twilioFake.origin }),
    deliver: (handle, step) =>
      Telephony.use((t) => {
        const url = `https://d.example.com/twilio/status?callId=${handle.callId}`
        const params = { CallSid: handle.providerCallId ?? "", AccountSid: twilioAccount, CallStatus: twilioStatus[step], CallDuration: "42" }
        return t.handleWebhook({
          method: "POST",
          url,
          headers: { "x-twilio-signature": twilio.getExpectedTwilioSignature(twilioToken, url, params) },
          body: new URLSearchParams(params).toString()
        })
      })
}

const plivoDriver: Driver<never> = {
    name: "plivo",
    layer: () =>
      PlivoAdapter.layer({ authId: plivoId, authToken: Redacted.make(plivoToken), webhookBaseUrl: "https://d.example.com/plivo", apiBaseUrl: plivoFake.origin }),
    deliver: (handle, step) =>
      Telephony.use((t) => {
        const callUuid = plivoCallUuids.get(handle.callId) ?? randomUUID()
        plivoCallUuids.set(handle.callId, callUuid)
        const [event, status] = plivoEvent[step]
        const kind = step === "ringing" ? "ring" : step === "answered" ? "answer" : "hangup"
        const url = `https://d.example.com/plivo/${kind}?callId=${handle.callId}`
        const params = { CallUUID: callUuid, RequestUUID: handle.providerCallId ?? "", Event: event, CallStatus: status, Duration: "42" }
        const n = nonce()
        return t.handleWebhook({
          method: "POST",
          url,
          headers: { "x-plivo-signature-v3": signV3(url, n, plivoToken, params), "x-plivo-signature-v3-nonce": n },
          body: new URLSearchParams(params).toString()
        })
      })
}

const run = <R>(driver: Driver<R>, key: string, script: (handle: CallHandle) => Effect.Effect<void, unknown, Telephony | R>) =>
  Effect.gen(function*() {
    const telephony = yield* Telephony
    const collected = yield* Stream.runCollect(telephony.events.pipe(Stream.takeUntil(isTerminal))).pipe(Effect.forkChild)
    yield* Effect.yieldNow
    const handle = yield* telephony.originate({ to: "+14155550123", from: "+14155550100", ringTimeoutSec: 30, amd: "off", record: false, idempotencyKey: key })
    yield* script(handle)
    const events = (yield* Fiber.join(collected)) as ReadonlyArray<CallEvent>
    const state = yield* telephony.state(handle.callId)
    return { tags: observedTags(events), state }
  }).pipe(Effect.provide(driver.layer()))

const contract = <R>(driver: Driver<R>) =>
  describe(`contract: ${driver.name}`, () => {
    for (const id of contractCaseIds) {
      const c: ContractCase = contractCases[id]
      it.effect(c.title, () =>
        Effect.gen(function*() {
          const { tags, state } = yield* run(driver, `${driver.name}-${id}`, (h) =>
            Effect.forEach(c.history, (step) => step === "hangUp" ? Telephony.use((t) => t.hangUp(h.callId)) : driver.deliver(h, step), { discard: true }))
          assert.deepStrictEqual(tags, c.events)
          assert.strictEqual(state.status, c.status)
          if (c.neverAnswered === true) assert.isUndefined(state.answeredBy)
        }))
    }
  })

contract(simulated)
contract(twilioDriver)
contract(plivoDriver)
