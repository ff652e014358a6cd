import { describe, expect, it } from "vitest"
import type { CallEvent as CallEvents } from "@autodialer/telephony"
import * as CallEventStore from "../src/CallEventStore.ts"
import { heldLanes } from "../src/webhooks/CallEventBatcher.ts"

type CallEvent = CallEvents.CallEvent

const event = (providerCallId: string | undefined, key: string): CallEvent => ({
  _tag: "Ringing", callId: "", provider: "twilio", eventKey: key, at: 0, ...(providerCallId === undefined ? {} : { providerCallId })
})
const item = (providerCallId: string | undefined, key: string, callIdHint?: string): CallEventStore.Incoming =>
  ({ event: event(providerCallId, key), payload: {}, callIdHint })

const hintA = "0190a0b0-0000-7000-8000-00000000000a"

describe("CallEventStore.waves", () => {
  it("keeps a batch of distinct calls in one wave, in order", () => {
    expect(CallEventStore.waves([item("CA1", "a"), item("CA2", "b"), item("CA3", "c")])).toEqual([[0, 1, 2]])
  })

  it("puts the k-th event of a call in wave k, keeping arrival order inside each wave", () => {
    const items = [item("CA1", "r"), item("CA2", "r"), item("CA1", "c"), item("CA3", "r"), item("CA1", "x"), item("CA2", "c")]
    expect(CallEventStore.waves(items)).toEqual([[0, 1, 3], [2, 5], [4]])
  })

  it("treats a shared call id hint as the same call, whatever the provider id says", () => {
    expect(CallEventStore.waves([item("CA1", "a", hintA), item(undefined, "b", hintA), item("CA1", "c")])).toEqual([[0], [1], [2]])
  })

  it("ignores hints that are not our ids (they are not used to find the call)", () => {
    expect(CallEventStore.waves([item("CA1", "a", "not-a-uuid"), item("CA2", "b", "not-a-uuid")])).toEqual([[0, 1]])
  })

  it("covers every item exactly once", () => {
    const items = Array.from({ length: 50 }, (_, i) => item(`CA${i % 7}`, `k${i}`, i % 5 === 0 ? hintA : undefined))
    const flat = CallEventStore.waves(items).flat()
    expect([...flat].sort((a, b) => a - b)).toEqual(items.map((_, i) => i))
  })
})

describe("CallEventBatcher.heldLanes", () => {
  it("holds at most half of the pool, and none of a pool too small to share (embedded PGlite has one connection)", () => {
    expect(heldLanes(4, 10)).toBe(4)
    expect(heldLanes(4, 4)).toBe(2)
    expect(heldLanes(8, 10)).toBe(5)
    expect(heldLanes(4, 3)).toBe(0)
    expect(heldLanes(4, 1)).toBe(0)
    expect(heldLanes(1, 100)).toBe(1)
  })
})
