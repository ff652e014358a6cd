import { describe, expect, it } from "vitest"
import { Effect } from "effect"
import * as Telephony from "../src/Telephony.ts"

const fail = <A, E extends { readonly message: string }>(effect: Effect.Effect<A, E>) => Effect.runSync(Effect.flip(effect))

describe("Telephony port decoders", () => {
  const valid = { to: "+14155550123", from: "+14155550100", ringTimeoutSec: 25, amd: "detect", record: false, idempotencyKey: "k" }

  it("accepts a valid originate request", () => {
    expect(Effect.runSync(Telephony.decodeOriginate(valid))).toEqual(valid)
  })

  it.each([
    [{ to: "4155550123" }, 'to: got "4155550123", expected an E.164 number'],
    [{ from: "+0123" }, 'from: got "+0123", expected an E.164 number'],
    [{ ringTimeoutSec: 2 }, "ringTimeoutSec: got 2"],
    [{ amd: "maybe" }, 'amd: got "maybe", expected "off" | "detect" | "detect_beep"'],
    [{ idempotencyKey: "" }, 'idempotencyKey: got ""']
  ])("names the field, the value and the expectation: %o", (patch, expected) => {
    const error = fail(Telephony.decodeOriginate({ ...valid, ...patch }))
    expect(error._tag).toBe("InvalidCallRequest")
    expect(error.message).toContain(expected)
  })

  it("decodes agent endpoints, prompts, transfers and media streams", () => {
    expect(Effect.runSync(Telephony.decodeEndpoint({ _tag: "Sip", uri: "sip:agent@pbx.example.com" }))).toEqual({ _tag: "Sip", uri: "sip:agent@pbx.example.com" })
    expect(fail(Telephony.decodeEndpoint({ _tag: "Sip", uri: "agent" })).message).toContain("expected a SIP URI")
    expect(fail(Telephony.decodePrompt({ _tag: "Audio", url: "ftp://x" })).message).toContain("expected an http(s) URL")
    expect(fail(Telephony.decodeMediaStream({ url: "https://ai.example.com" })).message).toContain("expected a ws:// or wss:// URL")
    expect(Effect.runSync(Telephony.decodeTransfer({ to: { _tag: "Phone", number: "+14155550199" }, mode: "warm", department: "billing" })).mode).toBe("warm")
  })

  it("describes endpoints for events", () => {
    expect(Telephony.describeEndpoint({ _tag: "Phone", number: "+14155550199" })).toBe("+14155550199")
    expect(Telephony.describeEndpoint({ _tag: "Client", identity: "agent-7" })).toBe("client:agent-7")
  })
})
