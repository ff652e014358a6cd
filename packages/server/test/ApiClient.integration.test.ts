/**
 * The contract is a value clients share: a typed client derived from `Api`
 * (Effect's HttpApiClient, the same definition the OpenAPI document comes
 * from) creates a campaign, enrols contacts, starts and pauses it, and gets
 * tagged errors back as values.
 */
import { postgres } from "@autodialer/testkit"
import { Effect, Layer } from "effect"
import { FetchHttpClient, HttpClient, HttpClientRequest } from "effect/http"
import { HttpApiClient, HttpApiMiddleware } from "effect/http-api"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { Api } from "../src/api/Api.ts"
import { Authentication } from "../src/api/Security.ts"
import { start, type TestServer } from "./support/TestServer.ts"

const pg = postgres()

describe.skipIf(pg.skip)("typed client from the API contract", () => {
  let server: TestServer
  let key: string

  beforeAll(async () => {
    server = await start({ databaseUrl: pg.value!, label: "server_client" })
    key = (await server.provision("client-co")).apiKey
  }, 60_000)
  afterAll(async () => {
    await server?.close()
  })

  const run = <A, E>(f: (client: HttpApiClient.ForApi<typeof Api>) => Effect.Effect<A, E>) =>
    Effect.runPromise(Effect.gen(function*() {
      const client = yield* HttpApiClient.make(Api, {
        transformClient: HttpClient.mapRequest(HttpClientRequest.prependUrl(server.url))
      })
      return yield* f(client)
    }).pipe(
      Effect.provide(Layer.mergeAll(
        FetchHttpClient.layer,
        HttpApiMiddleware.layerClient(Authentication, ({ next, request }) => next(HttpClientRequest.bearerToken(request, key)))
      ))
    ))

  it("creates, fills, starts and pauses a campaign", async () => {
    const result = await run((client) =>
      Effect.gen(function*() {
        const campaign = yield* client.campaigns.create({ payload: { name: "Typed client", mode: "progressive", abandonLimit: 0.02 } })
        yield* client.contacts.create({ payload: { phone: "+14155550171", firstName: "Tia" } })
        const enrol = yield* client.campaigns.enrol({ params: { id: campaign.id }, payload: {} })
        const started = yield* client.campaigns.start({ params: { id: campaign.id } })
        const paused = yield* client.campaigns.pause({ params: { id: campaign.id }, payload: { reason: "typed" } })
        const refused = yield* client.campaigns.resume({ params: { id: "01a21408-7dda-730f-9f43-29ec81db57e2" } }).pipe(Effect.flip)
        return { campaign, enrol, started, paused, refused }
      }))
    expect(result.campaign.abandonLimit).toBe(0.02)
    expect(result.enrol.enrolled).toBe(1)
    expect(result.started.status).toBe("running")
    expect(result.paused.status).toBe("paused")
    expect(result.refused._tag).toBe("NotFound")
  })
})
