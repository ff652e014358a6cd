/**
 * The token holder every OAuth connector uses, over an in-memory `ConnectionTokens`: a refresh
 * stores the new pair, a token stored by someone else is taken without calling the token
 * endpoint, a token this holder already moved past is not handed back, a rotated refresh
 * token is the one the next refresh sends, and a refusal caused by another worker's rotation
 * takes that worker's stored pair. (TokenStore.layerRepo against Postgres, with the real
 * connectors and fakes, is tested in packages/workflows/test/CrmSync.tokens.integration.test.ts.)
 */
import { assert, describe, it } from "@effect/vitest"
import { Effect, Redacted } from "effect"
import { type ConnectionTokens, CrmCredentialsInvalid, type Tokens } from "../src/index.ts"
import { makeTokenHolder } from "../src/internal/ConnectorKit.ts"

const pair = (access: string, refresh: string | null): Tokens => ({
  accessToken: Redacted.make(access),
  refreshToken: refresh === null ? null : Redacted.make(refresh)
})
const plain = (t: Tokens) => [Redacted.value(t.accessToken), t.refreshToken === null ? null : Redacted.value(t.refreshToken)]

/** A row in memory; `saves` counts writes. */
const memoryStore = (initial: Tokens) => {
  const row = { tokens: initial, saves: 0 }
  const store: ConnectionTokens = {
    load: Effect.sync(() => row.tokens),
    save: (tokens) => Effect.sync(() => {
      row.tokens = tokens
      row.saves++
    })
  }
  return { row, store }
}

/** A token endpoint that issues `access-N` and, when rotating, `refresh-N`; records the refresh tokens it was sent. */
const tokenEndpoint = (rotate: boolean) => {
  const sent: Array<string | null> = []
  let n = 1
  return {
    sent,
    fetch: (refresh: Redacted.Redacted<string> | null) => Effect.sync(() => {
      sent.push(refresh === null ? null : Redacted.value(refresh))
      n++
      return pair(`access-${n}`, rotate ? `refresh-${n}` : null)
    })
  }
}

describe("token holder", () => {
  it.effect("stores the refreshed token, keeping the refresh token the CRM did not rotate", () =>
    Effect.gen(function*() {
      const { row, store } = memoryStore(pair("access-1", "refresh-1"))
      const endpoint = tokenEndpoint(false)
      const holder = yield* makeTokenHolder(row.tokens, endpoint.fetch, store)
      yield* holder.refresh(0)
      assert.deepStrictEqual(endpoint.sent, ["refresh-1"])
      assert.deepStrictEqual(plain(row.tokens), ["access-2", "refresh-1"])
      assert.strictEqual(Redacted.value((yield* holder.current).token), "access-2")
      // A second 401 of the same generation (a concurrent request) does not refresh again.
      yield* holder.refresh(0)
      assert.deepStrictEqual([endpoint.sent.length, row.saves], [1, 1])
    }))

  it.effect("takes a token another worker stored instead of calling the token endpoint", () =>
    Effect.gen(function*() {
      const { row, store } = memoryStore(pair("access-1", "refresh-1"))
      const endpoint = tokenEndpoint(false)
      const holder = yield* makeTokenHolder(row.tokens, endpoint.fetch, store)
      row.tokens = pair("access-from-worker-b", "refresh-1")
      yield* holder.refresh(0)
      assert.deepStrictEqual(endpoint.sent, [])
      assert.strictEqual(row.saves, 0)
      assert.strictEqual(Redacted.value((yield* holder.current).token), "access-from-worker-b")
    }))

  it.effect("never goes back to a token it moved past, even if the store still returns it", () =>
    Effect.gen(function*() {
      const initial = pair("access-1", "refresh-1")
      // A store whose writes have not landed yet (they wait for a commit): it keeps returning the first pair.
      const lagging: ConnectionTokens = { load: Effect.succeed(initial), save: () => Effect.void }
      const endpoint = tokenEndpoint(false)
      const holder = yield* makeTokenHolder(initial, endpoint.fetch, lagging)
      yield* holder.refresh(0)
      yield* holder.refresh(1)
      assert.strictEqual(endpoint.sent.length, 2)
      assert.strictEqual(Redacted.value((yield* holder.current).token), "access-3")
    }))

  it.effect("sends the rotated refresh token on the next refresh, and stores each pair", () =>
    Effect.gen(function*() {
      const { row, store } = memoryStore(pair("access-1", "refresh-1"))
      const endpoint = tokenEndpoint(true)
      const holder = yield* makeTokenHolder(row.tokens, endpoint.fetch, store)
      yield* holder.refresh(0)
      yield* holder.refresh(1)
      assert.deepStrictEqual(endpoint.sent, ["refresh-1", "refresh-2"])
      assert.deepStrictEqual(plain(row.tokens), ["access-3", "refresh-3"])
      assert.strictEqual(row.saves, 2)
    }))

  it.effect("takes the pair another worker stored when the CRM refuses a refresh token that worker just rotated", () =>
    Effect.gen(function*() {
      const { row, store } = memoryStore(pair("access-1", "refresh-1"))
      // Worker B read the same pair, refreshed first and was given a rotated pair; the CRM now refuses refresh-1.
      const sent: Array<string | null> = []
      const spent = (refresh: Redacted.Redacted<string> | null) =>
        Effect.suspend(() => {
          sent.push(refresh === null ? null : Redacted.value(refresh))
          row.tokens = pair("access-from-worker-b", "refresh-from-worker-b")
          return Effect.fail(new CrmCredentialsInvalid({ provider: "salesforce", operation: "refreshToken", message: "refused (status 400); reconnect" }))
        })
      const holder = yield* makeTokenHolder(row.tokens, spent, store)
      yield* holder.refresh(0)
      assert.deepStrictEqual(sent, ["refresh-1"])
      assert.strictEqual(Redacted.value((yield* holder.current).token), "access-from-worker-b")
      assert.strictEqual(row.saves, 0)
    }))

  it.effect("a refusal of the refresh token the store still holds is final: reconnect", () =>
    Effect.gen(function*() {
      const { row, store } = memoryStore(pair("access-1", "refresh-1"))
      const refused = () => Effect.fail(new CrmCredentialsInvalid({ provider: "salesforce", operation: "refreshToken", message: "refused (status 400); reconnect" }))
      const holder = yield* makeTokenHolder(row.tokens, refused, store)
      const error = yield* Effect.flip(holder.refresh(0))
      assert.strictEqual(error._tag, "CrmCredentialsInvalid")
      assert.strictEqual(Redacted.value((yield* holder.current).token), "access-1")
    }))

  it.effect("without a store the refreshed token lives in memory only", () =>
    Effect.gen(function*() {
      const endpoint = tokenEndpoint(false)
      const holder = yield* makeTokenHolder(pair("access-1", "refresh-1"), endpoint.fetch)
      yield* holder.refresh(0)
      assert.strictEqual(Redacted.value((yield* holder.current).token), "access-2")
    }))
})
