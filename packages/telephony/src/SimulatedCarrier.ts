/**
 * The simulated carrier behind the `Telephony` port: no network, no accounts.
 * Each call's fate (busy, no answer, failure, human or machine, ring time,
 * talk time, AMD decision time, greeting length) is drawn from a seeded
 * generator keyed by (seed, idempotency key), so a run is reproducible whatever
 * order calls are placed in. Delays are `Effect.sleep`s: under `TestClock` a
 * whole campaign runs in virtual time; with the live clock it runs in real
 * time for the demo.
 */
import { Clock, Context, Duration, Effect, FiberMap, Layer, Ref } from "effect"
import type { AnsweredBy, CallEvent } from "./CallEvent.ts"
import * as CallState from "./CallState.ts"
import { CallStore } from "./CallStore.ts"
import { Distribution, Random } from "@autodialer/dialer-engine"
import { hash } from "./internal/Hash.ts"
import * as Ledger from "./internal/Ledger.ts"
import {
  decodeEndpoint,
  decodeMediaStream,
  decodeOriginate,
  decodePrompt,
  decodeTransfer,
  describeEndpoint,
  Telephony,
  type TelephonyService
} from "./Telephony.ts"
import { CarrierRejected, UnsupportedOperation } from "./TelephonyError.ts"

export interface Profile {
  /** Probability the line is busy. */
  readonly busy: number
  /** Probability the carrier fails the call (unreachable, invalid). */
  readonly failed: number
  /** Probability someone (person or machine) picks up, given not busy/failed, before the ring timeout. */
  readonly answer: number
  /** Probability an answered call is a machine. */
  readonly machine: number
  /** Median ring time before answer, ms (log-normal, coefficient of variation 0.5). */
  readonly ringMedianMs: number
  /** Mean human talk time, ms (exponential). */
  readonly talkMeanMs: number
  /** Median AMD decision time, ms (log-normal, cv 0.3). */
  readonly amdMedianMs: number
  /** Median length of a voicemail greeting until the beep, ms (log-normal, cv 0.3). */
  readonly greetingMedianMs: number
  /** Length of a played prompt (safe-harbour message, voicemail), ms. */
  readonly promptMs: number
  /** Floor on ring time before an answer, ms (a real phone rings at least once). */
  readonly minRingMs: number
  /** Floor on human talk time, ms; fast test profiles lower it so agents free up sooner. */
  readonly minTalkMs: number
  /** Floor on the AMD decision time, ms. */
  readonly minAmdMs: number
}

export const defaultProfile: Profile = {
  busy: 0.08,
  failed: 0.02,
  answer: 0.55,
  machine: 0.3,
  ringMedianMs: 9_000,
  talkMeanMs: 120_000,
  amdMedianMs: 2_500,
  greetingMedianMs: 12_000,
  promptMs: 8_000,
  minRingMs: 1_000,
  minTalkMs: 5_000,
  minAmdMs: 800
}

export interface Options {
  readonly seed: number
  /**
   * Scripted mode: calls do not live on their own; the caller drives them
   * through the `Script` service (engine tests, contract tests).
   */
  readonly scripted?: boolean
  readonly profile?: Partial<Profile>
  /** Deliver every event twice, as a carrier retrying webhooks would (for contract tests). */
  readonly duplicateDelivery?: boolean
}

type Fate =
  | { readonly _tag: "Busy"; readonly afterMs: number }
  | { readonly _tag: "Failed"; readonly afterMs: number }
  | { readonly _tag: "NoAnswer" }
  | {
    readonly _tag: "Answer"
    readonly ringMs: number
    readonly machine: boolean
    readonly talkMs: number
    readonly amdMs: number
    readonly greetingMs: number
  }

/** A log-normal with the given median: the engine parameterises by mean, mean = median * sqrt(1 + cv^2). */
const logNormalByMedian = (median: number, cv: number): Distribution.Distribution => ({
  dist: "lognormal",
  mean: median * Math.sqrt(1 + cv * cv),
  cv
})

/** The profile's durations as the engine's distributions. */
export const distributions = (profile: Profile) => ({
  ring: logNormalByMedian(profile.ringMedianMs, 0.5),
  talk: { dist: "exponential", mean: profile.talkMeanMs } as Distribution.Distribution,
  amd: logNormalByMedian(profile.amdMedianMs, 0.3),
  greeting: logNormalByMedian(profile.greetingMedianMs, 0.3)
})

/** The engine's random stream reserved for carrier fates (common random numbers per call key). */
const fateStream = 0x7e1e

/**
 * Draw a call's fate with the engine's seeded generator and distributions.
 * Pure: the same seed and key give the same fate, whatever else was drawn.
 */
export const drawFate = (seed: number, idempotencyKey: string, ringTimeoutMs: number, profile: Profile): Fate => {
  const d = distributions(profile)
  const rng = Random.keyed(seed, fateStream, hash(idempotencyKey))
  const u = rng.next()
  const ringMs = Math.max(profile.minRingMs, Distribution.sample(d.ring, rng))
  const machine = rng.next() < profile.machine
  const talkMs = Math.max(profile.minTalkMs, Distribution.sample(d.talk, rng))
  const amdMs = Math.min(8_000, Math.max(profile.minAmdMs, Distribution.sample(d.amd, rng)))
  const greetingMs = Math.max(amdMs + 1_000, Distribution.sample(d.greeting, rng))
  if (u < profile.busy) return { _tag: "Busy", afterMs: 1_500 }
  if (u < profile.busy + profile.failed) return { _tag: "Failed", afterMs: 500 }
  const answers = rng.next() < profile.answer
  if (!answers || ringMs >= ringTimeoutMs) return { _tag: "NoAnswer" }
  return { _tag: "Answer", ringMs: Math.round(ringMs), machine, talkMs: Math.round(talkMs), amdMs: Math.round(amdMs), greetingMs: Math.round(greetingMs) }
}

export const make = (options: Options) =>
  Effect.gen(function*() {
    const profile: Profile = { ...defaultProfile, ...options.profile }
    const counter = yield* Ref.make(0)
    const ledger = yield* Ledger.make(
      "simulated",
      Ref.modify(counter, (n) => [`sim-${options.seed}-${n + 1}`, n + 1])
    )
    // One fiber per live call drives its remaining life; actions replace it.
    const lives = yield* FiberMap.make<string>()

    const emit = (event: CallEvent): Effect.Effect<void> =>
      Effect.gen(function*() {
        yield* ledger.ingest(event)
        if (options.duplicateDelivery === true) yield* ledger.ingest(event)
      }).pipe(Effect.orDie)

    const common = (callId: string, key: string) =>
      Clock.currentTimeMillis.pipe(
        Effect.map((at) => ({ callId, provider: "simulated" as const, providerCallId: callId, eventKey: `sim:${callId}:${key}`, at }))
      )

    const endAnswered = (callId: string, key: string) =>
      Effect.gen(function*() {
        const record = yield* ledger.record(callId).pipe(Effect.orDie)
        const base = yield* common(callId, key)
        const answeredAt = record.state.answeredAt ?? base.at
        yield* emit({ _tag: "Completed", ...base, durationSec: Math.round((base.at - answeredAt) / 1000) })
      })

    const sleep = (ms: number) => Effect.sleep(Duration.millis(ms))

    const life = (callId: string, fate: Fate, ringTimeoutMs: number, amd: "off" | "detect" | "detect_beep") =>
      Effect.gen(function*() {
        switch (fate._tag) {
          case "Busy":
            yield* sleep(fate.afterMs)
            yield* emit({ _tag: "Busy", ...(yield* common(callId, "busy")), sipCode: 486 })
            return
          case "Failed":
            yield* sleep(fate.afterMs)
            yield* emit({
              _tag: "Failed",
              ...(yield* common(callId, "failed")),
              reason: "carrier_unavailable",
              detail: "simulated network failure (SIP 503)",
              sipCode: 503
            })
            return
          case "NoAnswer":
            yield* sleep(300)
            yield* emit({ _tag: "Ringing", ...(yield* common(callId, "ringing")) })
            yield* sleep(ringTimeoutMs - 300)
            yield* emit({ _tag: "NoAnswer", ...(yield* common(callId, "no-answer")), sipCode: 480 })
            return
          case "Answer": {
            yield* sleep(300)
            yield* emit({ _tag: "Ringing", ...(yield* common(callId, "ringing")) })
            yield* sleep(Math.max(0, fate.ringMs - 300))
            if (amd === "off") {
              yield* emit({ _tag: "Answered", ...(yield* common(callId, "answered")), answeredBy: "unknown" })
            } else {
              yield* sleep(fate.amdMs)
              const answeredBy: AnsweredBy = fate.machine ? "machine_start" : "human"
              yield* emit({ _tag: "Answered", ...(yield* common(callId, "answered")), answeredBy, amdDecisionMs: fate.amdMs })
              if (fate.machine && amd === "detect_beep") {
                yield* sleep(fate.greetingMs - fate.amdMs)
                yield* emit({
                  _tag: "Answered",
                  ...(yield* common(callId, "amd-beep")),
                  answeredBy: "machine_end_beep",
                  amdDecisionMs: fate.greetingMs
                })
              }
            }
            // A person hangs up after talking; a machine records for at most 60 s after the greeting.
            yield* sleep(fate.machine ? 60_000 : fate.talkMs)
            yield* endAnswered(callId, "completed")
            return
          }
        }
      })

    const originate: TelephonyService["originate"] = (input) =>
      Effect.gen(function*() {
        const request = yield* decodeOriginate(input)
        return yield* ledger.originateOnce(
          request.idempotencyKey,
          (callId) =>
            Effect.gen(function*() {
              yield* emit({ _tag: "Initiated", ...(yield* common(callId, "initiated")) })
              const ringTimeoutMs = request.ringTimeoutSec * 1000
              if (options.scripted !== true) {
                const fate = drawFate(options.seed, request.idempotencyKey, ringTimeoutMs, profile)
                yield* FiberMap.run(lives, callId, life(callId, fate, ringTimeoutMs, request.amd))
              }
              return callId
            }),
          {
            releaseOn: () => false,
            failureEvent: (callId, error: CarrierRejected) => ({
              _tag: "Failed",
              callId,
              provider: "simulated",
              eventKey: `sim:${callId}:rejected`,
              at: 0,
              reason: "rejected",
              detail: error.message
            })
          }
        )
      })

    /** Replace a call's remaining life with `next`, e.g. a prompt then hang-up. */
    const replaceLife = <E>(callId: string, next: Effect.Effect<void, E>) => FiberMap.run(lives, callId, next).pipe(Effect.asVoid)

    const cancel: TelephonyService["cancel"] = (callId) =>
      Effect.gen(function*() {
        yield* ledger.requireStatus(callId, "cancel", CallState.unanswered)
        yield* FiberMap.remove(lives, callId)
        yield* emit({ _tag: "Canceled", ...(yield* common(callId, "canceled")) })
      })

    const hangUp: TelephonyService["hangUp"] = (callId) =>
      Effect.gen(function*() {
        const record = yield* ledger.requireStatus(callId, "hang up", CallState.live)
        yield* FiberMap.remove(lives, callId)
        if (record.state.status === "answered" || record.state.status === "bridged") {
          yield* endAnswered(callId, "hangup")
        } else {
          yield* emit({ _tag: "Canceled", ...(yield* common(callId, "canceled")) })
        }
      })

    const bridgeTo = (callId: string, operation: string, endpoint: string) =>
      Effect.gen(function*() {
        yield* ledger.requireStatus(callId, operation, CallState.connected)
        yield* emit({ _tag: "Bridged", ...(yield* common(callId, `bridged:${endpoint}`)), endpoint })
      })

    const bridge: TelephonyService["bridge"] = (callId, input) =>
      decodeEndpoint(input).pipe(Effect.flatMap((endpoint) => bridgeTo(callId, "bridge", describeEndpoint(endpoint))))

    const playThenHangUp = (callId: string, operation: string) =>
      Effect.gen(function*() {
        yield* ledger.requireStatus(callId, operation, CallState.connected)
        yield* replaceLife(callId, sleep(profile.promptMs).pipe(Effect.andThen(endAnswered(callId, operation))))
      })

    const playAndRelease: TelephonyService["playAndRelease"] = (callId, prompt) =>
      decodePrompt(prompt).pipe(Effect.andThen(playThenHangUp(callId, "safe-harbour")))

    const dropVoicemail: TelephonyService["dropVoicemail"] = (callId, prompt) =>
      decodePrompt(prompt).pipe(Effect.andThen(playThenHangUp(callId, "voicemail")))

    const transfer: TelephonyService["transfer"] = (callId, input) =>
      decodeTransfer(input).pipe(
        Effect.flatMap((request) => bridgeTo(callId, `${request.mode} transfer`, describeEndpoint(request.to)))
      )

    const connectMediaStream: TelephonyService["connectMediaStream"] = (callId, input) =>
      decodeMediaStream(input).pipe(Effect.flatMap((request) => bridgeTo(callId, "connect media stream", request.url)))

    const handleWebhook: TelephonyService["handleWebhook"] = () =>
      Effect.fail(new UnsupportedOperation({ provider: "simulated", operation: "webhooks" }))

    const deliver: ScriptService["deliver"] = (callId, step) =>
      Effect.gen(function*() {
        const base = yield* common(callId, step)
        switch (step) {
          case "ringing": return yield* emit({ _tag: "Ringing", ...base })
          case "answered": return yield* emit({ _tag: "Answered", ...base, answeredBy: "human", amdDecisionMs: 1_200 })
          case "machine": return yield* emit({ _tag: "Answered", ...base, answeredBy: "machine_start", amdDecisionMs: 2_400 })
          case "beep": return yield* emit({ _tag: "Answered", ...base, answeredBy: "machine_end_beep", amdDecisionMs: 9_000 })
          case "completed": return yield* endAnswered(callId, "completed")
          case "busy": return yield* emit({ _tag: "Busy", ...base, sipCode: 486 })
          case "no_answer": return yield* emit({ _tag: "NoAnswer", ...base, sipCode: 480 })
          case "failed": return yield* emit({ _tag: "Failed", ...base, reason: "carrier_unavailable", detail: "scripted failure", sipCode: 503 })
          case "canceled": return yield* emit({ _tag: "Canceled", ...base })
        }
      })
    const script = Script.of({ deliver })

    const telephony = Telephony.of({
      provider: "simulated",
      originate,
      cancel,
      hangUp,
      bridge,
      playAndRelease,
      dropVoicemail,
      transfer,
      connectMediaStream,
      handleWebhook,
      state: (callId) => ledger.record(callId).pipe(Effect.map((r) => r.state)),
      events: ledger.events
    })
    return { telephony, script }
  })

/** A step of a scripted call, delivered as the carrier would report it. */
export type Step = "ringing" | "answered" | "machine" | "beep" | "completed" | "busy" | "no_answer" | "failed" | "canceled"

export interface ScriptService {
  /** Report `step` for the call. Delivering a step twice is a duplicate and is absorbed. */
  readonly deliver: (callId: string, step: Step) => Effect.Effect<void>
}

/** Drives calls of a carrier built with `scripted: true`. */
export class Script extends Context.Service<Script, ScriptService>()("@autodialer/telephony/SimulatedCarrier/Script") {}

/** The simulated carrier over a call store supplied by the caller (e.g. Postgres-backed). */
export const layerWithStore = (options: Options): Layer.Layer<Telephony | Script, never, CallStore> =>
  Layer.effectContext(
    make(options).pipe(Effect.map(({ script, telephony }) => Context.make(Telephony, telephony).pipe(Context.add(Script, script))))
  )

/** The simulated carrier with its own in-memory call store. */
export const layer = (options: Options): Layer.Layer<Telephony | Script> =>
  layerWithStore(options).pipe(Layer.provide(CallStore.layerMemory))
