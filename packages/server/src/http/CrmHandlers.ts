/**
 * CRM handlers: connect, list, sync now, pause and resume the scheduled
 * syncs, read the sync log and disconnect, all through the workflows'
 * `CrmSyncControl` scoped to the caller's organization. Everything but
 * reading needs a manager or an admin; any member may read. Without Temporal
 * (or a secret key) every endpoint answers 503 saying how to enable CRM sync.
 */
import { Effect, Option } from "effect"
import { HttpApiBuilder } from "effect/http-api"
import { isSqlError, type SqlError } from "effect/sql/SqlError"
import type { CrmConnectionId, OrganizationId } from "@autodialer/domain/Ids"
import type { CrmSyncControl } from "@autodialer/workflows/CrmSyncControl"
import { Api } from "../api/Api.ts"
import { Conflict, InvalidRequest, NotFound, Unavailable } from "../api/Errors.ts"
import { CurrentPrincipal } from "../api/Security.ts"
import { CrmIntegration, temporalHint } from "../CrmIntegration.ts"
import { fromSql, iso, requireRole } from "./Access.ts"

type ControlError =
  | SqlError
  | { readonly _tag: "CrmConnectInvalid"; readonly field: string; readonly message: string }
  | { readonly _tag: "DuplicateCrmConnection" }
  | { readonly _tag: "CrmScheduleFailed"; readonly operation: string; readonly message: string }
  | { readonly _tag: "CrmConnectionNotFound" }
  | { readonly _tag: "InvalidCursor"; readonly message: string }

/** The service's failures as API errors, in one place. */
const toApi = (id: string | undefined) => (e: ControlError): Effect.Effect<never, InvalidRequest | Conflict | NotFound | Unavailable> => {
  if (isSqlError(e)) return fromSql(e)
  switch (e._tag) {
    case "CrmConnectInvalid":
      return Effect.fail(new InvalidRequest({ message: e.message, field: e.field }))
    case "DuplicateCrmConnection":
      return Effect.fail(new Conflict({ message: "a connection to this CRM account already exists in your organization; disconnect it first" }))
    case "CrmScheduleFailed":
      return Effect.fail(new Unavailable({ message: `Temporal refused '${e.operation}' (${e.message}); retry later` }))
    case "CrmConnectionNotFound":
      return Effect.fail(new NotFound({ resource: "crm connection", id: id ?? "", message: `CRM connection ${id} does not exist in your organization` }))
    case "InvalidCursor":
      return Effect.fail(new InvalidRequest({ message: e.message, field: "cursor" }))
  }
}

export const CrmHandlers = HttpApiBuilder.group(Api, "crm", Effect.fn(function*(handlers) {
  const integration = yield* Effect.serviceOption(CrmIntegration)
  const control = Option.flatMap(integration, (i) => Option.fromUndefinedOr(i.control))
  const reason = Option.match(integration, { onNone: () => temporalHint, onSome: (i) => i.unavailable })

  /** Runs `f` with the control and the caller's organization, or answers 503. */
  const withControl = <A>(
    id: string | undefined,
    f: (c: CrmSyncControl["Service"], orgId: OrganizationId) => Effect.Effect<A, ControlError>
  ) =>
    Effect.gen(function*() {
      const p = yield* CurrentPrincipal
      if (Option.isNone(control)) return yield* new Unavailable({ message: reason })
      return yield* f(control.value, p.orgId as OrganizationId).pipe(Effect.catch(toApi(id)))
    })
  const manage = (action: string) => requireRole("manager", action)

  return handlers.handleAll({
    list: () => withControl(undefined, (c, orgId) => c.list(orgId)).pipe(Effect.map((all) => [...all])),
    connect: ({ payload }) =>
      Effect.andThen(manage("connecting a CRM"), withControl(undefined, (c, orgId) => c.connect(orgId, payload))),
    sync: ({ params }) =>
      Effect.andThen(manage("syncing a CRM"), withControl(params.id, (c, orgId) => c.syncNow(orgId, params.id as CrmConnectionId))),
    logs: ({ params, query }) =>
      withControl(params.id, (c, orgId) =>
        c.logs(orgId, params.id as CrmConnectionId, {
          ...(query.limit === undefined ? {} : { limit: query.limit }),
          ...(query.cursor === undefined ? {} : { cursor: query.cursor })
        }, query.status)).pipe(Effect.map((page) => ({
          items: page.items.map((l) => ({
            id: l.id, connectionId: l.connectionId, objectType: l.objectType, objectId: l.objectId, localId: l.localId,
            action: l.action, status: l.status, message: l.message, details: { ...l.details }, createdAt: iso(l.createdAt)
          })),
          nextCursor: page.nextCursor
        }))),
    pause: ({ params }) =>
      Effect.andThen(manage("pausing a CRM sync"), withControl(params.id, (c, orgId) => c.pause(orgId, params.id as CrmConnectionId))),
    resume: ({ params }) =>
      Effect.andThen(manage("resuming a CRM sync"), withControl(params.id, (c, orgId) => c.resume(orgId, params.id as CrmConnectionId))),
    disconnect: ({ params }) =>
      Effect.andThen(manage("disconnecting a CRM"), withControl(params.id, (c, orgId) => c.disconnect(orgId, params.id as CrmConnectionId)))
  })
}))

export const layer = CrmHandlers
