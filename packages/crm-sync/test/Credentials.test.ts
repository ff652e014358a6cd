import { Secrets } from "@autodialer/domain/Secrets"
import { assert, describe, it } from "@effect/vitest"
import { Effect, Schema } from "effect"
import { Credentials } from "../src/index.ts"
import { expectFailure } from "./contract/CrmContract.ts"

const Shape = Schema.Struct({ accessToken: Schema.String, clientSecret: Schema.String })
const secret = { accessToken: "at-very-secret-1", clientSecret: "cs-very-secret-2" }

describe("Credentials", () => {
  it.effect("opens credentials sealed by the domain's Secrets, bound to their context", () =>
    Effect.gen(function*() {
      const sealed = yield* Credentials.seal(secret, "connection-1")
      assert.notInclude(sealed.envelope, "very-secret")
      const opened = yield* Credentials.open("hubspot", sealed, Shape)
      assert.deepStrictEqual(opened, secret)
      const moved = yield* expectFailure(Credentials.open("hubspot", { envelope: sealed.envelope, context: "connection-2" }, Shape))
      assert.strictEqual(moved._tag, "CrmCredentialsInvalid")
    }).pipe(Effect.provide(Secrets.layerTest)))

  it.effect("never accepts plain JSON as sealed credentials", () =>
    Effect.gen(function*() {
      const error = yield* expectFailure(Credentials.open("zoho", { envelope: JSON.stringify(secret) }, Shape))
      assert.strictEqual(error._tag, "CrmCredentialsInvalid")
      assert.notInclude(error.message, "very-secret")
    }).pipe(Effect.provide(Secrets.layerTest)))

  it.effect("names what is wrong with the shape without echoing any value", () =>
    Effect.gen(function*() {
      const sealed = yield* Credentials.seal({ accessToken: 12345678, clientSecret: "cs-very-secret-2" })
      const error = yield* expectFailure(Credentials.open("salesforce", sealed, Shape))
      assert.include(error.message, '["accessToken"]')
      assert.notInclude(error.message, "12345678")
      assert.notInclude(error.message, "very-secret")
    }).pipe(Effect.provide(Secrets.layerTest)))
})
