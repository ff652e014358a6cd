/**
 * The HTTP API contract: every endpoint, its inputs, its success shape and
 * the errors it may answer with. No implementation lives here, so clients
 * (and the OpenAPI document at `/openapi.json`) derive from this value alone.
 * Handlers are in `src/http/`.
 */
import { Schema } from "effect"
import { HttpApi, HttpApiEndpoint, HttpApiGroup, HttpApiSchema, OpenApi } from "effect/http-api"
import { Common, Conflict, ImportRejected, InvalidRequest, NotFound, Unauthorized, Unavailable } from "./Errors.ts"
import * as R from "./Resources.ts"
import { Authentication } from "./Security.ts"

const id = { id: R.Id }
const NoContent = HttpApiSchema.NoContent
const Created = <S extends Schema.Top>(s: S) => s.pipe(HttpApiSchema.status(201))

export class SystemApi extends HttpApiGroup.make("system", { topLevel: true })
  .add(
    HttpApiEndpoint.get("healthz", "/healthz", { success: R.Health }),
    HttpApiEndpoint.get("readyz", "/readyz", { success: R.Health, error: Unavailable })
  )
  .annotateMerge(OpenApi.annotations({ title: "System", description: "Liveness and readiness probes" })) {}

export class AuthApi extends HttpApiGroup.make("auth")
  .add(HttpApiEndpoint.post("login", "/login", { payload: R.Login, success: R.LoginResult, error: [Unauthorized, InvalidRequest] }))
  .add(
    HttpApiEndpoint.post("logout", "/logout", { success: NoContent, error: Common }).middleware(Authentication),
    HttpApiEndpoint.get("me", "/me", { success: R.Me, error: Common }).middleware(Authentication)
  )
  .prefix("/auth")
  .annotateMerge(OpenApi.annotations({ title: "Auth", description: "Session login with a password; API keys need no login" })) {}

export class OrganizationApi extends HttpApiGroup.make("organization")
  .add(
    HttpApiEndpoint.get("get", "/", { success: R.Organization, error: Common }),
    HttpApiEndpoint.patch("update", "/", { payload: R.OrganizationPatch, success: R.Organization, error: Common })
  )
  .middleware(Authentication).prefix("/organization")
  .annotateMerge(OpenApi.annotations({ title: "Organization", description: "The caller's organization (admins change it)" })) {}

export class UsersApi extends HttpApiGroup.make("users")
  .add(
    HttpApiEndpoint.get("list", "/", { query: R.PageQuery, success: R.page(R.User), error: Common }),
    HttpApiEndpoint.post("create", "/", { payload: R.NewUser, success: Created(R.User), error: Common }),
    HttpApiEndpoint.get("get", "/:id", { params: id, success: R.User, error: Common }),
    HttpApiEndpoint.patch("update", "/:id", { params: id, payload: R.UserPatch, success: R.User, error: Common })
  )
  .middleware(Authentication).prefix("/users")
  .annotateMerge(OpenApi.annotations({ title: "Users", description: "People of the organization and their roles (admin, manager, agent)" })) {}

export class TeamsApi extends HttpApiGroup.make("teams")
  .add(
    HttpApiEndpoint.get("list", "/", { success: Schema.Array(R.Team), error: Common }),
    HttpApiEndpoint.post("create", "/", { payload: R.NewTeam, success: Created(R.Team), error: Common })
  )
  .middleware(Authentication).prefix("/teams")
  .annotateMerge(OpenApi.annotations({ title: "Teams" })) {}

export class ApiKeysApi extends HttpApiGroup.make("apiKeys")
  .add(
    HttpApiEndpoint.get("list", "/", { success: Schema.Array(R.ApiKey), error: Common }),
    HttpApiEndpoint.post("create", "/", { payload: R.NewApiKey, success: Created(R.CreatedApiKey), error: Common }),
    HttpApiEndpoint.delete("revoke", "/:id", { params: id, success: NoContent, error: Common })
  )
  .middleware(Authentication).prefix("/api-keys")
  .annotateMerge(OpenApi.annotations({ title: "API keys", description: "Bearer keys; the secret is shown once and stored as a SHA-256 digest" })) {}

export class ContactsApi extends HttpApiGroup.make("contacts")
  .add(
    HttpApiEndpoint.get("list", "/", { query: R.ContactQuery, success: R.page(R.Contact), error: Common }),
    HttpApiEndpoint.post("create", "/", { payload: R.NewContact, success: Created(R.Contact), error: Common }),
    HttpApiEndpoint.post("import", "/import", {
      query: { campaignId: Schema.optionalKey(R.Id), dryRun: Schema.optionalKey(Schema.Literals(["true", "false"])) },
      // Streamed: rows are validated as the bytes arrive, never buffered as one string.
      payload: HttpApiSchema.StreamUint8Array({ contentType: "text/csv", maxBytes: "200 MiB" }),
      success: R.ImportReport,
      error: [...Common, ImportRejected]
    }),
    HttpApiEndpoint.get("get", "/:id", { params: id, success: R.Contact, error: Common }),
    HttpApiEndpoint.patch("update", "/:id", { params: id, payload: R.ContactPatch, success: R.Contact, error: Common }),
    HttpApiEndpoint.delete("remove", "/:id", { params: id, success: NoContent, error: Common })
  )
  .middleware(Authentication).prefix("/contacts")
  .annotateMerge(OpenApi.annotations({
    title: "Contacts",
    description: "People to call. Lists are keyset-paginated. CSV import is all-or-nothing: any bad row rejects the file with line numbers."
  })) {}

export class DncApi extends HttpApiGroup.make("dnc")
  .add(
    HttpApiEndpoint.get("list", "/", { query: R.PageQuery, success: R.page(R.DncEntry), error: Common }),
    HttpApiEndpoint.post("add", "/", { payload: R.NewDnc, success: Created(R.DncEntry), error: Common }),
    HttpApiEndpoint.post("bulk", "/bulk", { payload: R.BulkDnc, success: R.BulkDncResult, error: Common }),
    HttpApiEndpoint.get("check", "/check", { query: { phone: R.PhoneInput }, success: R.DncCheck, error: Common }),
    HttpApiEndpoint.delete("remove", "/:id", { params: id, success: NoContent, error: Common })
  )
  .middleware(Authentication).prefix("/dnc")
  .annotateMerge(OpenApi.annotations({ title: "DNC", description: "Do-not-call list of the organization (and per campaign)" })) {}

export class PhoneNumbersApi extends HttpApiGroup.make("phoneNumbers")
  .add(
    HttpApiEndpoint.get("list", "/", { success: Schema.Array(R.PhoneNumber), error: Common }),
    HttpApiEndpoint.post("create", "/", { payload: R.NewPhoneNumber, success: Created(R.PhoneNumber), error: Common }),
    HttpApiEndpoint.delete("remove", "/:id", { params: id, success: NoContent, error: Common })
  )
  .middleware(Authentication).prefix("/phone-numbers")
  .annotateMerge(OpenApi.annotations({ title: "Phone numbers", description: "Caller ids the campaigns dial from" })) {}

export class DispositionsApi extends HttpApiGroup.make("dispositions")
  .add(
    HttpApiEndpoint.get("list", "/", { success: Schema.Array(R.Disposition), error: Common }),
    HttpApiEndpoint.post("create", "/", { payload: R.NewDisposition, success: Created(R.Disposition), error: Common })
  )
  .middleware(Authentication).prefix("/dispositions")
  .annotateMerge(OpenApi.annotations({ title: "Dispositions" })) {}

export class CampaignsApi extends HttpApiGroup.make("campaigns")
  .add(
    HttpApiEndpoint.get("list", "/", { query: R.PageQuery, success: R.page(R.Campaign), error: Common }),
    HttpApiEndpoint.post("create", "/", { payload: R.NewCampaign, success: Created(R.Campaign), error: Common }),
    HttpApiEndpoint.get("get", "/:id", { params: id, success: R.Campaign, error: Common }),
    HttpApiEndpoint.patch("update", "/:id", { params: id, payload: R.CampaignPatch, success: R.Campaign, error: Common }),
    HttpApiEndpoint.delete("remove", "/:id", { params: id, success: NoContent, error: Common }),
    HttpApiEndpoint.post("enrol", "/:id/contacts", { params: id, payload: R.Enrol, success: R.EnrolResult, error: Common }),
    HttpApiEndpoint.post("start", "/:id/start", { params: id, success: R.Campaign, error: [...Common, Unavailable] }),
    HttpApiEndpoint.post("pause", "/:id/pause", { params: id, payload: R.Reason, success: R.Campaign, error: [...Common, Unavailable] }),
    HttpApiEndpoint.post("resume", "/:id/resume", { params: id, success: R.Campaign, error: [...Common, Unavailable] }),
    HttpApiEndpoint.post("stop", "/:id/stop", { params: id, payload: R.Reason, success: R.Campaign, error: [...Common, Unavailable] }),
    HttpApiEndpoint.get("stats", "/:id/stats", { params: id, success: R.CampaignStats, error: Common })
  )
  .middleware(Authentication).prefix("/campaigns")
  .annotateMerge(OpenApi.annotations({
    title: "Campaigns",
    description: "Start, pause, resume and stop go through the campaign's Temporal workflow; stats are live."
  })) {}

export class AgentsApi extends HttpApiGroup.make("agents")
  .add(
    HttpApiEndpoint.get("list", "/", { success: Schema.Array(R.AgentStatus), error: Common }),
    HttpApiEndpoint.get("me", "/me", { success: R.AgentDesk, error: Common }),
    HttpApiEndpoint.post("login", "/me/login", { payload: R.AgentLogin, success: R.AgentStatus, error: Common }),
    HttpApiEndpoint.post("ready", "/me/ready", { success: R.AgentStatus, error: Common }),
    HttpApiEndpoint.post("pause", "/me/pause", { payload: R.AgentPause, success: R.AgentStatus, error: Common }),
    HttpApiEndpoint.post("wrapUp", "/me/wrap-up", { success: R.AgentStatus, error: Common }),
    HttpApiEndpoint.post("logout", "/me/logout", { success: R.AgentStatus, error: Common })
  )
  .middleware(Authentication).prefix("/agents")
  .annotateMerge(OpenApi.annotations({
    title: "Agents",
    description: "The calling agent's own state machine; GET /agents/me restores a console (state, time in state, campaign, current call). " +
      "Pausing takes one of the campaign's pause codes."
  })) {}

/** A preview decision: the contact (`contact.id` of the `preview.offered` event) the agent takes or skips. */
export const PreviewDecision = Schema.Struct({ contactId: R.Id })

export class PreviewApi extends HttpApiGroup.make("preview")
  .add(
    HttpApiEndpoint.post("take", "/take", { payload: PreviewDecision, success: NoContent, error: [...Common, Unavailable] }),
    HttpApiEndpoint.post("skip", "/skip", { payload: PreviewDecision, success: NoContent, error: [...Common, Unavailable] })
  )
  .middleware(Authentication).prefix("/agents/me/preview")
  .annotateMerge(OpenApi.annotations({
    title: "Preview",
    description: "Preview campaigns offer a contact to an agent first (realtime event preview.offered): take dials it now, skip puts it back in the queue."
  })) {}

export class CallsApi extends HttpApiGroup.make("calls")
  .add(
    HttpApiEndpoint.get("list", "/", { query: R.CallQuery, success: R.page(R.Call), error: Common }),
    HttpApiEndpoint.get("get", "/:id", { params: id, success: R.CallDetail, error: Common }),
    HttpApiEndpoint.get("recording", "/:id/recording", { params: id, success: R.Recording, error: Common }),
    HttpApiEndpoint.post("disposition", "/:id/disposition", { params: id, payload: R.DispositionSubmit, success: R.Call, error: Common })
  )
  .middleware(Authentication).prefix("/calls")
  .annotateMerge(OpenApi.annotations({ title: "Calls", description: "Call log with events, recordings and transcripts" })) {}

export class VoiceServersApi extends HttpApiGroup.make("voiceServers")
  .add(
    HttpApiEndpoint.get("list", "/", { success: Schema.Array(R.VoiceServer), error: Common }),
    HttpApiEndpoint.post("register", "/", { payload: R.NewVoiceServer, success: Created(R.VoiceServer), error: Common }),
    HttpApiEndpoint.patch("update", "/:id", { params: id, payload: R.VoiceServerPatch, success: R.VoiceServer, error: Common }),
    HttpApiEndpoint.post("verify", "/:id/verify", { params: id, success: R.VoiceServer, error: Common }),
    HttpApiEndpoint.post("transcript", "/calls/:callId/transcript", {
      params: { callId: R.Id }, payload: R.Transcript, success: R.Call, error: Common
    }),
    HttpApiEndpoint.post("transfer", "/calls/:callId/transfer", {
      params: { callId: R.Id }, payload: R.TransferRequest, success: R.TransferResult, error: [...Common, Unavailable]
    })
  )
  .middleware(Authentication).prefix("/voice-servers")
  .annotateMerge(OpenApi.annotations({
    title: "Voice servers",
    description: "AI voice servers: register, verify by health check, order by priority; they post transcripts and ask for transfers"
  })) {}

export class CrmApi extends HttpApiGroup.make("crm")
  .add(
    HttpApiEndpoint.get("list", "/connections", { success: Schema.Array(R.CrmConnection), error: [...Common, Unavailable] }),
    HttpApiEndpoint.post("connect", "/connections", { payload: R.ConnectCrm, success: Created(R.CrmConnection), error: [...Common, Unavailable] }),
    HttpApiEndpoint.post("sync", "/connections/:id/sync", { params: id, success: R.CrmConnection, error: [...Common, Unavailable] }),
    HttpApiEndpoint.get("logs", "/connections/:id/logs", { params: id, query: R.CrmLogQuery, success: R.page(R.CrmSyncLog), error: [...Common, Unavailable] }),
    HttpApiEndpoint.post("pause", "/connections/:id/pause", { params: id, success: R.CrmConnection, error: [...Common, Unavailable] }),
    HttpApiEndpoint.post("resume", "/connections/:id/resume", { params: id, success: R.CrmConnection, error: [...Common, Unavailable] }),
    HttpApiEndpoint.delete("disconnect", "/connections/:id", { params: id, success: NoContent, error: [...Common, Unavailable] })
  )
  .middleware(Authentication).prefix("/crm")
  .annotateMerge(OpenApi.annotations({
    title: "CRM",
    description: "Connect HubSpot, Salesforce, Zoho or a CSV/webhook CRM (credentials stored encrypted, never returned), " +
      "run a sync now, pause and resume scheduled syncs, and read the sync log. Syncs run as Temporal workflows: without Temporal these endpoints answer 503."
  })) {}

export class Api extends HttpApi.make("autodialer")
  .add(SystemApi)
  .add(AuthApi)
  .add(OrganizationApi)
  .add(UsersApi)
  .add(TeamsApi)
  .add(ApiKeysApi)
  .add(ContactsApi)
  .add(DncApi)
  .add(PhoneNumbersApi)
  .add(DispositionsApi)
  .add(CampaignsApi)
  .add(AgentsApi)
  .add(PreviewApi)
  .add(CallsApi)
  .add(VoiceServersApi)
  .add(CrmApi)
  .annotateMerge(OpenApi.annotations({
    title: "Autodialer API",
    version: "0.1.0",
    description: "Outbound-calling platform. Authenticate with `Authorization: Bearer <api key or session token>`. " +
      "Webhooks (`/webhooks/twilio/*`, `/webhooks/plivo/*`) and realtime channels (`/realtime/*`, Server-Sent Events) are documented in the server README."
  })) {}

export { NotFound, Conflict }
