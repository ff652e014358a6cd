/**
 * Pieces every connector repeats: the in-memory access token with single-flight refresh,
 * per-record envelope decoding that turns a malformed record into a RecordRejected instead of
 * failing the page, and the sync-log rows for pushes and status updates.
 */
import { Effect, Option, Redacted, Ref, Result, Schema, Semaphore } from "effect"
import { type HttpClient, HttpClientRequest } from "effect/http"
import type * as VendorHttp from "./VendorHttp.ts"
import * as Phone from "@autodialer/domain/Phone"
import {
  type CallActivity,
  type CrmContact,
  type DncEntry,
  FieldIssue,
  type PushOutcome,
  RecordRejected
} from "../CrmConnector.ts"
import { type CrmCredentialsInvalid, type CrmError, CrmRequestFailed, CrmUnauthorized } from "../CrmError.ts"
import { type FieldMapping, mapContact, type SourceRecord } from "../FieldMapping.ts"
import type { CrmType } from "@autodialer/domain/Enums"
import type { CrmConnectionId, OrganizationId } from "@autodialer/domain/Ids"
import { SyncLog } from "../SyncLog.ts"
import type { ConnectionTokens, Tokens } from "../TokenStore.ts"

/** An access token kept in memory, with a generation so concurrent 401s refresh only once. */
export interface TokenHolder {
  readonly current: Effect.Effect<{ readonly token: Redacted.Redacted<string>; readonly generation: number }>
  /** Refreshes unless another fiber already moved past `generation` while we waited. */
  readonly refresh: (generation: number) => Effect.Effect<void, CrmError>
}

/**
 * Holds the access and refresh tokens of one connector. A refresh first looks at the stored
 * tokens (when there is a store): if another process already replaced the access token we hold,
 * that one is taken and the token endpoint is not called. Otherwise `fetchNew` runs the grant with
 * the current refresh token, and the new pair (a rotated refresh token replaces the old one) is
 * kept in memory and handed to the store.
 */
export const makeTokenHolder = (
  initial: Tokens,
  fetchNew: (refreshToken: Redacted.Redacted<string> | null) => Effect.Effect<Tokens, CrmError>,
  store: ConnectionTokens | null = null
): Effect.Effect<TokenHolder> =>
  Effect.gen(function*() {
    const state = yield* Ref.make({ tokens: initial, generation: 0 })
    const lock = yield* Semaphore.make(1)
    // Tokens this holder moved past: a store that still returns one (its write waits for a
    // commit) must not hand it back.
    const retired = new Set<string>()
    /**
     * The CRM refused our refresh token. When another worker refreshed at the same instant and
     * the CRM rotates refresh tokens, ours was spent by that worker: its new pair is (or is about to
     * be) in the store. Take it rather than telling the user to reconnect; only a refusal with the
     * stored refresh token still ours is final.
     */
    const adoptRotated = (held: Tokens, refused: CrmCredentialsInvalid) =>
      Effect.gen(function*() {
        if (store === null) return yield* Effect.fail(refused)
        const stored = yield* Effect.option(store.load)
        const ours = held.refreshToken === null ? null : Redacted.value(held.refreshToken)
        if (Option.isNone(stored) || stored.value.refreshToken === null || Redacted.value(stored.value.refreshToken) === ours) {
          return yield* Effect.fail(refused)
        }
        yield* Effect.logInfo("crm refresh token was rotated by another worker; using the pair it stored")
        return { tokens: stored.value, stored: true }
      })
    return {
      current: Effect.map(Ref.get(state), ({ generation, tokens }) => ({ token: tokens.accessToken, generation })),
      refresh: (generation) =>
        lock.withPermits(1)(
          Effect.gen(function*() {
            const held = yield* Ref.get(state)
            if (held.generation !== generation) return
            if (store !== null) {
              // A failed read only costs a refresh.
              const stored = yield* Effect.option(store.load)
              if (Option.isSome(stored)) {
                const newer = Redacted.value(stored.value.accessToken)
                if (newer !== Redacted.value(held.tokens.accessToken) && !retired.has(newer)) {
                  retired.add(Redacted.value(held.tokens.accessToken))
                  yield* Ref.set(state, { tokens: stored.value, generation: generation + 1 })
                  return
                }
              }
            }
            const fresh = yield* fetchNew(held.tokens.refreshToken).pipe(
              Effect.map((tokens) => ({ tokens, stored: false })),
              Effect.catchTag("CrmCredentialsInvalid", (refused) => adoptRotated(held.tokens, refused))
            )
            retired.add(Redacted.value(held.tokens.accessToken))
            const tokens: Tokens = { accessToken: fresh.tokens.accessToken, refreshToken: fresh.tokens.refreshToken ?? held.tokens.refreshToken }
            yield* Ref.set(state, { tokens, generation: generation + 1 })
            if (store !== null && !fresh.stored) yield* store.save(tokens)
          })
        )
    }
  })

const TokenResponse = Schema.Struct({ access_token: Schema.String, refresh_token: Schema.optionalKey(Schema.String) })

/**
 * The OAuth refresh-token grant: sends `request` (built by the connector, secrets in body or
 * query) and returns the new access token, and the new refresh token when the CRM rotates it. Any
 * refusal is `CrmUnauthorized` telling the user to reconnect; messages never echo the request,
 * which carries the refresh token and client secret.
 */
export const refreshAccessToken = (
  client: HttpClient.HttpClient,
  provider: CrmType,
  request: HttpClientRequest.HttpClientRequest,
  reconnect: string
): Effect.Effect<Tokens, CrmError> =>
  Effect.gen(function*() {
    const response = yield* client.execute(request).pipe(
      Effect.flatMap((r) => Effect.map(r.text, (text) => ({ status: r.status, text }))),
      Effect.mapError((e) =>
        new CrmRequestFailed({ provider, operation: "refreshToken", status: null, message: `the token endpoint could not be reached (${e.reason._tag})` })
      )
    )
    // Zoho answers 200 with `{"error":"invalid_code"}` for a bad refresh token.
    const body = response.status === 200 ? Schema.decodeUnknownOption(Schema.fromJsonString(TokenResponse))(response.text) : Option.none()
    if (Option.isNone(body)) {
      return yield* new CrmUnauthorized({
        provider,
        operation: "refreshToken",
        status: response.status,
        message: `${provider} refused the refresh token (status ${response.status}); ${reconnect}`
      })
    }
    return {
      accessToken: Redacted.make(body.value.access_token),
      refreshToken: body.value.refresh_token === undefined ? null : Redacted.make(body.value.refresh_token)
    }
  })

/** The OAuth keys every connector's credentials share. */
export interface OAuthCredentials {
  readonly accessToken: string
  readonly refreshToken?: string
  readonly clientId?: string
  readonly clientSecret?: string
}

/** The refresh-token grant as RFC 6749 §6 sends it: a form POST to the CRM's token endpoint (HubSpot, Salesforce). */
export const formRefreshGrant = (tokenUrl: string) =>
  (g: { readonly refreshToken: string; readonly clientId: string; readonly clientSecret: string }): HttpClientRequest.HttpClientRequest =>
    HttpClientRequest.post(tokenUrl).pipe(
      HttpClientRequest.bodyUrlParams({ grant_type: "refresh_token", client_id: g.clientId, client_secret: g.clientSecret, refresh_token: g.refreshToken })
    )

/**
 * A connector's token holder over its opened credentials: refreshable when they carry a refresh
 * token, a client id and a client secret, with `grant` building the CRM's token request.
 */
export const oauthTokens = (options: {
  readonly provider: CrmType
  readonly client: HttpClient.HttpClient
  readonly credentials: OAuthCredentials
  readonly grant: (g: { readonly refreshToken: string; readonly clientId: string; readonly clientSecret: string }) => HttpClientRequest.HttpClientRequest
  /** What the user must do when the grant is refused, e.g. "reconnect the HubSpot account". */
  readonly reconnect: string
  readonly store: ConnectionTokens | null
}): Effect.Effect<{ readonly holder: TokenHolder; readonly canRefresh: boolean }> =>
  Effect.gen(function*() {
    const { provider, credentials } = options
    const { clientId, clientSecret } = credentials
    const canRefresh = credentials.refreshToken !== undefined && clientId !== undefined && clientSecret !== undefined
    const noRefresh = new CrmUnauthorized({
      provider,
      operation: "refreshToken",
      status: 401,
      message: "the access token expired and there is no refresh token; reconnect the account"
    })
    const holder = yield* makeTokenHolder(
      {
        accessToken: Redacted.make(credentials.accessToken),
        refreshToken: credentials.refreshToken === undefined ? null : Redacted.make(credentials.refreshToken)
      },
      (refreshToken) =>
        refreshToken === null || clientId === undefined || clientSecret === undefined
          ? Effect.fail(noRefresh)
          : refreshAccessToken(
            options.client,
            provider,
            options.grant({ refreshToken: Redacted.value(refreshToken), clientId, clientSecret }),
            options.reconnect
          ),
      canRefresh ? options.store : null
    )
    return { holder, canRefresh }
  })

/** Bearer-token auth over a TokenHolder, for VendorHttp. */
export const bearerAuth = (
  holder: TokenHolder,
  canRefresh: boolean,
  scheme = "Bearer"
): VendorHttp.VendorAuth => ({
  authorize: (request) =>
    Effect.map(holder.current, ({ generation, token }) => ({
      request: HttpClientRequest.setHeader(request, "authorization", `${scheme} ${Redacted.value(token)}`),
      generation
    })),
  refresh: canRefresh ? (generation) => holder.refresh(generation) : null
})

const show = (value: unknown): string => {
  try {
    const text = JSON.stringify(value) ?? String(value)
    return text.length > 200 ? `${text.slice(0, 200)}…` : text
  } catch {
    return String(value)
  }
}

/**
 * Decodes each raw record with `envelope`, then maps it. A record that fails either step is
 * rejected on its own; `crmIdOf` recovers an id for the message when the envelope is broken.
 */
export const mapRecords = <S extends Schema.Top & { readonly DecodingServices: never }>(
  rows: ReadonlyArray<unknown>,
  envelope: S,
  toSource: (decoded: S["Type"]) => SourceRecord,
  mapping: FieldMapping,
  crmIdOf: (row: unknown) => string | null
): { readonly contacts: ReadonlyArray<CrmContact>; readonly rejected: ReadonlyArray<RecordRejected> } => {
  const contacts: Array<CrmContact> = []
  const rejected: Array<RecordRejected> = []
  const decode = Schema.decodeUnknownResult(envelope as never) as (u: unknown) => Result.Result<S["Type"], Schema.SchemaError>
  for (const row of rows) {
    const decoded = decode(row)
    if (Result.isFailure(decoded)) {
      rejected.push(rejectRow(row, crmIdOf(row), decoded.failure.message.split("\n").slice(0, 2).join(" ")))
      continue
    }
    const mapped = mapContact(mapping, toSource(decoded.success))
    if (Result.isSuccess(mapped)) contacts.push(mapped.success)
    else rejected.push(mapped.failure)
  }
  return { contacts, rejected }
}

/** A vendor record we cannot read at all (wrong envelope), with what was expected. */
export const rejectRow = (row: unknown, crmId: string | null, expected: string): RecordRejected =>
  new RecordRejected({
    crmId,
    line: null,
    issues: [new FieldIssue({ field: "record", crmField: null, value: show(row), expected })],
    message: `record ${crmId ?? "<no id>"} rejected: it does not match the vendor format: ${expected}`
  })

/**
 * A CRM record flagged do-not-call. The flag is honoured even when the phone is missing or
 * unreadable: the CRM id is what a later pull matches on.
 */
export const dncEntry = (crmId: string, rawPhone: unknown, defaultRegion: FieldMapping["defaultRegion"]): DncEntry => {
  const phone = typeof rawPhone === "string" ? Phone.parse(rawPhone, defaultRegion) : null
  return { crmId, phone: phone !== null && phone._tag === "Success" ? phone.success : null, doNotCall: true }
}

/** DNC entries from loosely typed vendor rows (`id`/`Id` plus an optional phone field); rows without an id are rejected. */
export const dncRows = (
  rows: ReadonlyArray<unknown>,
  phoneField: string | undefined,
  defaultRegion: FieldMapping["defaultRegion"],
  expected: string
): { readonly entries: Array<DncEntry>; readonly rejected: Array<RecordRejected> } => {
  const entries: Array<DncEntry> = []
  const rejected: Array<RecordRejected> = []
  for (const row of rows) {
    const id = looseId(row)
    if (id === null) {
      rejected.push(rejectRow(row, null, expected))
      continue
    }
    entries.push(dncEntry(id, phoneField === undefined ? null : (row as Record<string, unknown>)[phoneField], defaultRegion))
  }
  return { entries, rejected }
}

/** Reads `id`/`Id` from an undecodable row, for error messages. */
export const looseId = (row: unknown): string | null => {
  if (typeof row !== "object" || row === null) return null
  const r = row as Record<string, unknown>
  const id = r["id"] ?? r["Id"]
  return typeof id === "string" || typeof id === "number" ? String(id) : null
}

export interface LogContext {
  readonly orgId: OrganizationId
  readonly connectionId: CrmConnectionId
  readonly provider: CrmType
}

export const logPush = (ctx: LogContext, activity: CallActivity, outcome: PushOutcome): Effect.Effect<void, never, SyncLog> =>
  Effect.flatMap(SyncLog, (log) =>
    log.record({
      ...ctx,
      objectType: "call",
      objectId: outcome._tag === "Failed" ? null : outcome.crmActivityId,
      localId: activity.idempotencyKey,
      action: "push",
      // A duplicate is a push we deliberately did not perform: the CRM already has it.
      status: outcome._tag === "Created" ? "success" : outcome._tag === "Duplicate" ? "skipped" : "failed",
      message: outcome._tag === "Created"
        ? `call activity created against ${activity.crmRecordType} ${activity.crmRecordId}`
        : outcome._tag === "Duplicate"
        ? `call activity already in the CRM (idempotency key ${activity.idempotencyKey}); not created again`
        : outcome.message,
      details: {
        idempotencyKey: activity.idempotencyKey,
        crmRecordId: activity.crmRecordId,
        ...(outcome._tag === "Duplicate" ? { reason: "duplicate" } : {}),
        ...(outcome._tag === "Failed" ? { retryable: outcome.retryable } : {})
      }
    }))

export const logRejected = (ctx: LogContext, rejected: ReadonlyArray<RecordRejected>, source: "contacts" | "dnc") =>
  Effect.flatMap(SyncLog, (log) =>
    Effect.forEach(rejected, (r) =>
      log.record({
        ...ctx,
        objectType: "contact",
        objectId: r.crmId,
        localId: null,
        action: "pull",
        status: "failed",
        message: r.message,
        details: {
          source,
          ...(r.line === null ? {} : { line: r.line }),
          issues: r.issues.map((i) => ({ field: i.field, crmField: i.crmField, value: i.value, expected: i.expected }))
        }
      }), { discard: true }))

export const logStatus = (ctx: LogContext, crmRecordId: string, error: CrmError | null, value: string) =>
  Effect.flatMap(SyncLog, (log) =>
    log.record({
      ...ctx,
      objectType: "contact",
      objectId: crmRecordId,
      localId: null,
      action: "update",
      status: error === null ? "success" : "failed",
      message: error === null ? `status set to '${value}'` : error.message,
      details: { value, ...(error === null ? {} : { error: error._tag }) }
    }))

/**
 * Pushes `activities` in vendor-sized chunks. A key repeated within the batch is sent once and
 * the repeats share its outcome (as duplicates); a chunk-wide failure (rate limit, auth) fails
 * each activity of that chunk, never the whole batch. Every outcome is logged.
 */
export const pushInChunks = (
  ctx: LogContext,
  activities: ReadonlyArray<CallActivity>,
  size: number,
  pushChunk: (chunk: ReadonlyArray<CallActivity>) => Effect.Effect<ReadonlyArray<PushOutcome>, CrmError>
): Effect.Effect<ReadonlyArray<PushOutcome>, never, SyncLog> =>
  Effect.gen(function*() {
    const firsts = new Map<string, CallActivity>()
    for (const a of activities) if (!firsts.has(a.idempotencyKey)) firsts.set(a.idempotencyKey, a)
    const unique = [...firsts.values()]
    const outcomes = new Map<string, PushOutcome>()
    for (let i = 0; i < unique.length; i += size) {
      const chunk = unique.slice(i, i + size)
      const results = yield* pushChunk(chunk).pipe(
        Effect.catch((error: CrmError) =>
          Effect.succeed(chunk.map((a): PushOutcome => ({
            _tag: "Failed",
            idempotencyKey: a.idempotencyKey,
            message: error.message,
            retryable: error.isRetryable
          }))))
      )
      yield* Effect.forEach(chunk, (a, j) => {
        outcomes.set(a.idempotencyKey, results[j]!)
        return logPush(ctx, a, results[j]!)
      }, { discard: true })
    }
    const seen = new Set<CallActivity>(unique)
    return yield* Effect.forEach(activities, (a) => {
      const outcome = outcomes.get(a.idempotencyKey)!
      if (seen.has(a)) return Effect.succeed(outcome)
      const repeat: PushOutcome = outcome._tag === "Failed"
        ? outcome
        : { _tag: "Duplicate", idempotencyKey: a.idempotencyKey, crmActivityId: outcome.crmActivityId }
      return Effect.as(logPush(ctx, a, repeat), repeat)
    })
  })

/** Runs one activity's push, turning its CrmError into a Failed outcome so the batch continues. */
export const settle = (
  activity: CallActivity,
  push: Effect.Effect<PushOutcome, CrmError>
): Effect.Effect<PushOutcome> =>
  Effect.catch(push, (error: CrmError) =>
    Effect.succeed<PushOutcome>({
      _tag: "Failed",
      idempotencyKey: activity.idempotencyKey,
      message: error.message,
      retryable: error.isRetryable
    })
  )
