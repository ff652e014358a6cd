/**
 * Loopback fake of the HubSpot CRM v3 API, following HubSpot's documented wire format:
 * `GET /crm/v3/objects/contacts` (limit, after, properties), `POST .../contacts/search`
 * (filterGroups, sorts, after; lastmodifieddate as epoch-ms string), `POST /crm/v3/objects/calls`
 * with associations, `POST .../calls/search`, `PATCH .../contacts/{id}`, `POST /oauth/v1/token`,
 * 401 EXPIRED_AUTHENTICATION and 429 RATE_LIMIT error bodies.
 */
import { type FakeContact, type FakeRequest, type FakeResponse, FakeState, serve, type Served } from "./Loopback.ts"

export const CLIENT = { clientId: "hs-client", clientSecret: "hs-client-secret" }

const toObject = (c: FakeContact) =>
  c.broken === true
    ? { id: { nested: c.id }, properties: "not-an-object" }
    : {
      id: c.id,
      properties: {
        hs_object_id: c.id,
        firstname: c.firstName,
        lastname: c.lastName,
        email: c.email,
        phone: c.phone,
        mobilephone: c.mobile,
        company: c.company,
        hs_lead_status: c.status,
        customer_tier: c.tier,
        do_not_call: c.dnc ? "true" : "false",
        lastmodifieddate: new Date(c.modifiedAt).toISOString()
      },
      createdAt: "2025-01-01T00:00:00.000Z",
      updatedAt: new Date(c.modifiedAt).toISOString(),
      archived: false
    }

interface CallInput {
  properties: Record<string, unknown>
  associations?: Array<{ to?: { id?: string }; types?: Array<{ associationTypeId?: number }> }>
}

interface Filter {
  propertyName: string
  operator: string
  value?: string
  values?: Array<string>
}

const page = <T, R = T>(items: ReadonlyArray<T>, after: string | undefined, limit: number, baseUrl: string, render: (t: T) => R = (t) => t as unknown as R) => {
  const start = after === undefined ? 0 : Number(after)
  const slice = items.slice(start, start + limit).map(render)
  const next = start + limit < items.length ? String(start + limit) : null
  return {
    results: slice,
    ...(next === null ? {} : { paging: { next: { after: next, link: `${baseUrl}?after=${next}` } } })
  }
}

export const startFakeHubSpot = async (): Promise<Served & { readonly state: FakeState; readonly control: { searchLag: boolean } }> => {
  const state = new FakeState()
  const control = { searchLag: false }
  const lagging = new Set<string>()
  let baseUrl = ""
  const error = (status: number, category: string, message: string): FakeResponse => ({
    status,
    body: { status: "error", message, correlationId: "c0ffee00-0000-4000-8000-000000000000", category }
  })

  const invalidCall = (input: CallInput): string | null => {
    const association = input.associations?.[0]
    const contactId: string | undefined = association?.to?.id
    if (association?.types?.[0]?.associationTypeId !== 194 || contactId === undefined || state.contact(contactId) === undefined) {
      return `One or more associations are invalid: contact ${contactId} does not exist`
    }
    return null
  }
  const createCall = (input: CallInput) => {
    const id = state.id()
    state.calls.push({ id, key: String(input.properties["hs_call_external_id"]), contactId: String(input.associations?.[0]?.to?.id), fields: input.properties })
    if (control.searchLag) lagging.add(id)
    const now = new Date().toISOString()
    return { id, properties: input.properties, createdAt: now, updatedAt: now, archived: false }
  }

  const handler = (req: FakeRequest): FakeResponse => {
    const path = req.url.pathname
    if (path === "/oauth/v1/token" && req.method === "POST") {
      const form = new URLSearchParams(req.body)
      if (
        form.get("grant_type") !== "refresh_token" || form.get("refresh_token") !== state.refreshToken ||
        form.get("client_id") !== CLIENT.clientId || form.get("client_secret") !== CLIENT.clientSecret
      ) {
        return { status: 400, body: { status: "BAD_REFRESH_TOKEN", message: "missing or unknown refresh token" } }
      }
      const access = state.issueToken()
      return { status: 200, body: { token_type: "bearer", refresh_token: state.rotatedRefreshToken() ?? state.refreshToken, access_token: access, expires_in: 1800 } }
    }
    if (state.gate(req)) {
      return {
        status: 429,
        headers: state.retryAfter === null ? {} : { "retry-after": state.retryAfter },
        body: { status: "error", message: "You have reached your secondly limit.", errorType: "RATE_LIMIT", policyName: "SECONDLY" }
      }
    }
    if (req.headers.authorization !== `Bearer ${state.accessToken}`) {
      return error(401, "EXPIRED_AUTHENTICATION", "The OAuth token used to make this call expired 1 minute(s) ago.")
    }
    const body = req.body === "" ? {} : JSON.parse(req.body)

    if (path === "/crm/v3/objects/contacts" && req.method === "GET") {
      const limit = Number(req.url.searchParams.get("limit") ?? "10")
      const all = [...state.contacts].sort((a, b) => a.id.localeCompare(b.id))
      return { status: 200, body: page(all, req.url.searchParams.get("after") ?? undefined, limit, baseUrl + path, toObject) }
    }
    if (path === "/crm/v3/objects/contacts/search" && req.method === "POST") {
      const filters: Array<Filter> = body.filterGroups?.[0]?.filters ?? []
      let rows = [...state.contacts]
      for (const f of filters) {
        if (f.propertyName === "lastmodifieddate" && f.operator === "GT") rows = rows.filter((c) => c.modifiedAt > Number(f.value))
        else if (f.propertyName === "do_not_call" && f.operator === "EQ") rows = rows.filter((c) => String(c.dnc) === f.value)
        else return error(400, "VALIDATION_ERROR", `unsupported filter ${JSON.stringify(f)}`)
      }
      rows.sort((a, b) => a.modifiedAt - b.modifiedAt)
      if (Number(body.after ?? 0) + (body.limit ?? 10) > 10_000) {
        return error(400, "VALIDATION_ERROR", "Search results are limited to 10,000 total results; use a narrower filter")
      }
      const result = page(rows, body.after, body.limit ?? 10, baseUrl + path, toObject)
      return { status: 200, body: { total: rows.length, ...result } }
    }
    if (path === "/crm/v3/objects/calls/search" && req.method === "POST") {
      const f: Filter | undefined = body.filterGroups?.[0]?.filters?.[0]
      if (f?.propertyName !== "hs_call_external_id" || !["EQ", "IN"].includes(f.operator)) return error(400, "VALIDATION_ERROR", `unsupported filter ${JSON.stringify(f)}`)
      if (f.operator === "IN" && (f.values?.length ?? 0) > 100) return error(400, "VALIDATION_ERROR", "IN supports at most 100 values")
      const wanted = f.operator === "EQ" ? [f.value] : f.values ?? []
      // Search is eventually consistent: calls created while `searchLag` is on are not indexed yet.
      const rows = state.calls.filter((c) => wanted.includes(c.key) && !lagging.has(c.id))
      const result = page(rows.map((c) => ({ id: c.id, properties: { hs_call_external_id: c.key } })), body.after, body.limit ?? 10, baseUrl + path)
      return { status: 200, body: { total: rows.length, ...result } }
    }
    if (path === "/crm/v3/objects/calls" && req.method === "POST") {
      const invalid = invalidCall(body)
      if (invalid !== null) return error(400, "VALIDATION_ERROR", invalid)
      return { status: 201, body: createCall(body) }
    }
    if (path === "/crm/v3/objects/calls/batch/create" && req.method === "POST") {
      const inputs = body.inputs as Array<CallInput>
      if (inputs.length > 100) return error(400, "VALIDATION_ERROR", "batch inputs are limited to 100")
      // One bad input fails the whole batch, as HubSpot's validation does.
      const invalid = inputs.map(invalidCall).find((m) => m !== null)
      if (invalid !== undefined) return error(400, "VALIDATION_ERROR", invalid)
      const results = inputs.map(createCall).reverse()
      const now = new Date().toISOString()
      return { status: 201, body: { status: "COMPLETE", results, startedAt: now, completedAt: now } }
    }
    const patch = /^\/crm\/v3\/objects\/contacts\/([^/]+)$/.exec(path)
    if (patch !== null && req.method === "PATCH") {
      const contact = state.contact(decodeURIComponent(patch[1]!))
      if (contact === undefined) return error(404, "OBJECT_NOT_FOUND", "resource not found")
      if ("hs_lead_status" in body.properties) contact.status = body.properties.hs_lead_status
      contact.modifiedAt = Date.now()
      return { status: 200, body: { id: contact.id, properties: body.properties } }
    }
    return error(404, "OBJECT_NOT_FOUND", `no route ${req.method} ${path}`)
  }

  const served = await serve(handler)
  baseUrl = served.url
  return { ...served, state, control }
}
