/**
 * The contract suite of Contract.test.ts (cases in support/ContractCases.ts),
 * run against the SIP adapter over real SIP: sip.js -> WebSocket -> Kamailio ->
 * UDP -> SIPp. SIP has no replayable webhooks, so each case's carrier history
 * is rendered as a SIPp scenario that sends what a real callee or proxy can
 * legitimately send for it; `hangUp` steps are the engine calling the port.
 *
 * Every case is producible on the wire, so none goes through a back door into
 * the adapter. Where a proxy may keep a message from reaching the caller
 * (RFC 3261 16.7: a stateful proxy drops provisional responses after a final
 * one), SIPp still sends it: whether Kamailio filters it or sip.js sees it, the
 * adapter must report the case's events and final state, and nothing after the
 * terminal event (placeCall collects until SIPp has sent its last message).
 * Late 2xx retransmissions do reach sip.js through Kamailio (it re-ACKs them).
 */
import { assert, describe, it } from "@effect/vitest"
import { afterAll, beforeAll } from "vitest"
import { Effect, Stream } from "effect"
import { kamailio, sipp } from "@autodialer/testkit"
import { Telephony } from "../src/Telephony.ts"
import { type ContractCaseId, contractCaseIds, contractCases, observedTags } from "./support/ContractCases.ts"
import { type Kamailio, placeCall, type PlaceOptions, startKamailio } from "./support/SipLab.ts"

const kamailioBin = kamailio()
const sippBin = sipp()

const after = (tag: "Ringing" | "Answered", then: (telephony: Telephony["Service"], callId: string) => Effect.Effect<void, unknown>) =>
  (callId: string) =>
    Effect.gen(function*() {
      const telephony = yield* Telephony
      yield* Stream.runHead(telephony.events.pipe(Stream.filter((e) => e._tag === tag)))
      yield* then(telephony, callId)
    })

/**
 * How each contract history is played over SIP. Keyed by every case id, so a
 * new contract case does not compile until it has a SIP rendering.
 */
const sipRendering: Record<ContractCaseId, { readonly scenario: string; readonly options?: PlaceOptions }> = {
  // 180, 200 (ACK), then the callee's BYE: completed is reported by the far end, as a carrier would.
  inOrder: { scenario: "contract-in-order.xml" },
  // 180 twice, a 183 in the same dialog, the 200 twice (its retransmission is re-ACKed, not re-reported),
  // then the callee's BYE and a second BYE for the ended dialog (sip.js answers 481, nothing new).
  duplicates: { scenario: "contract-duplicates.xml" },
  // 200 without any 180, a 180 after the 200 (the proxy drops it), the callee's BYE, then a late 180
  // and a retransmitted 200 after the call ended.
  outOfOrder: { scenario: "contract-out-of-order.xml" },
  // 180, our hang-up is a CANCEL (200 to the CANCEL, 487 to the INVITE), then a late 200 OK to the
  // INVITE after its 487, which the proxy's finished transaction must not pass on as an answer.
  hangUpDuringRinging: {
    scenario: "contract-hangup-ringing.xml",
    options: { during: after("Ringing", (t, callId) => t.hangUp(callId)) }
  }
}

describe.skipIf(kamailioBin.skip || sippBin.skip)("contract: sip (sip.js -> Kamailio -> SIPp)", () => {
  let lab: Kamailio
  beforeAll(async () => {
    lab = await startKamailio(kamailioBin.value ?? "kamailio")
  })
  afterAll(() => lab?.stop())

  for (const id of contractCaseIds) {
    const c = contractCases[id]
    const rendering = sipRendering[id]
    it.live(c.title, () =>
      Effect.gen(function*() {
        const result = yield* placeCall(lab, sippBin.value ?? "sipp", rendering.scenario, rendering.options)
        assert.deepStrictEqual(observedTags(result.events), c.events, result.sippOutput)
        assert.strictEqual(result.state.status, c.status)
        if ("neverAnswered" in c) assert.isUndefined(result.state.answeredBy)
        assert.strictEqual(result.exitCode, 0, result.sippOutput)
      }), 30_000)
  }
})
