/**
 * Loopback fake of Zoho CRM v6 and its accounts server (documented wire format):
 * `GET /crm/v6/Contacts?fields=&per_page=&page_token=&sort_by=Modified_Time` with `info`
 * (`more_records`, `next_page_token`), `If-Modified-Since` (inclusive; 304 when nothing changed),
 * 204 for no records, `POST /crm/v6/Calls/upsert` with `duplicate_check_fields`
 * (`action: insert | update`, 207 for mixed results), `PUT /crm/v6/Contacts/{id}`,
 * `GET /crm/v6/Contacts/search?criteria=`, `POST /oauth/v2/token` (refresh grant in the query),
 * `Authorization: Zoho-oauthtoken`, INVALID_TOKEN (401) and TOO_MANY_REQUESTS (429) bodies.
 */
import { type FakeContact, type FakeRequest, type FakeResponse, FakeState, serve, type Served } from "./Loopback.ts"

export const CLIENT = { clientId: "1000.ZOHOCLIENT", clientSecret: "zoho-client-secret" }
export const contactIds = [101, 102, 103, 104, 105].map((n) => `5725767000000411${n}`)
export const unknownId = "5725767000000999999"

const zohoTime = (ms: number) => new Date(ms).toISOString().replace(/\.\d{3}Z$/, "+00:00")

const recordOf = (c: FakeContact): Record<string, unknown> => ({
  id: c.id,
  First_Name: c.firstName,
  Last_Name: c.lastName,
  Email: c.email,
  Phone: c.phone,
  Mobile: c.mobile,
  Account_Name: c.company === null ? null : { name: c.company, id: "5725767000000222001" },
  Autodialer_Status: c.status,
  Tier: c.tier,
  Do_Not_Call: c.dnc,
  Modified_Time: zohoTime(c.modifiedAt)
})

const error = (status: number, code: string, message: string, headers: Record<string, string> = {}): FakeResponse => ({
  status,
  headers,
  body: { code, details: {}, message, status: "error" }
})

export const startFakeZoho = async (): Promise<Served & { readonly state: FakeState }> => {
  const state = new FakeState()
  const pages = new Map<string, Array<Record<string, unknown>>>()
  let tokenSeq = 0

  const select = (c: FakeContact, fields: ReadonlyArray<string>): Record<string, unknown> | string => {
    if (c.broken === true) return { id: 12345, Modified_Time: 42 }
    const all = recordOf(c)
    const row: Record<string, unknown> = { id: c.id }
    for (const f of fields) {
      if (!(f in all)) return f
      row[f] = all[f]
    }
    return row
  }

  const handler = (req: FakeRequest): FakeResponse => {
    const path = req.url.pathname
    const q = req.url.searchParams
    if (path === "/oauth/v2/token" && req.method === "POST") {
      if (
        q.get("grant_type") !== "refresh_token" || q.get("refresh_token") !== state.refreshToken ||
        q.get("client_id") !== CLIENT.clientId || q.get("client_secret") !== CLIENT.clientSecret
      ) {
        return { status: 200, body: { error: "invalid_code" } }
      }
      return { status: 200, body: { access_token: state.issueToken(), api_domain: `http://${req.headers.host}`, token_type: "Bearer", expires_in: 3600 } }
    }
    if (state.gate(req)) {
      return error(429, "TOO_MANY_REQUESTS", "too many requests", state.retryAfter === null ? {} : { "retry-after": state.retryAfter })
    }
    if (req.headers.authorization !== `Zoho-oauthtoken ${state.accessToken}`) {
      return error(401, "INVALID_TOKEN", "invalid oauth token")
    }

    if (path === "/crm/v6/Contacts" && req.method === "GET") {
      const fields = (q.get("fields") ?? "").split(",").filter((f) => f !== "")
      if (fields.length === 0) return error(400, "REQUIRED_PARAM_MISSING", "One of the expected parameter is missing")
      if (q.get("sort_by") !== "Modified_Time" || q.get("sort_order") !== "asc") return error(400, "INVALID_DATA", "fake expects sort_by=Modified_Time asc")
      const perPage = Number(q.get("per_page") ?? "200")
      const token = q.get("page_token")
      let rows: Array<Record<string, unknown>>
      if (token !== null) {
        const stored = pages.get(token)
        if (stored === undefined) return error(400, "INVALID_DATA", "invalid page token")
        rows = stored
      } else {
        let contacts = [...state.contacts]
        const ims = req.headers["if-modified-since"]
        if (typeof ims === "string") {
          const since = Date.parse(ims)
          contacts = contacts.filter((c) => c.modifiedAt >= since)
          if (contacts.length === 0) return { status: 304 }
        }
        contacts.sort((a, b) => a.modifiedAt - b.modifiedAt)
        rows = []
        for (const c of contacts) {
          const row = select(c, fields)
          if (typeof row === "string") return { status: 400, body: { code: "INVALID_DATA", details: { api_name: row }, message: "invalid data", status: "error" } }
          rows.push(row)
        }
      }
      if (rows.length === 0) return { status: 204 }
      const data = rows.slice(0, perPage)
      const rest = rows.slice(perPage)
      let next: string | null = null
      if (rest.length > 0) {
        next = `zoho-token-${++tokenSeq}`
        pages.set(next, rest)
      }
      return {
        status: 200,
        body: {
          data,
          info: {
            per_page: perPage,
            next_page_token: next,
            count: data.length,
            sort_by: "Modified_Time",
            page: 1,
            previous_page_token: null,
            page_token_expiry: next === null ? null : "2099-01-01T00:00:00+00:00",
            sort_order: "asc",
            more_records: next !== null
          }
        }
      }
    }
    if (path === "/crm/v6/Contacts/search" && req.method === "GET") {
      if (q.get("criteria") !== "(Do_Not_Call:equals:true)") return error(400, "INVALID_QUERY", "fake supports only the DNC criteria")
      const fields = (q.get("fields") ?? "").split(",").filter((f) => f !== "")
      const page = Number(q.get("page") ?? "1")
      const perPage = Number(q.get("per_page") ?? "200")
      const matches = state.contacts.filter((c) => c.dnc && c.broken !== true)
      const data = matches.slice((page - 1) * perPage, page * perPage).map((c) => select(c, fields))
      if (data.length === 0) return { status: 204 }
      return { status: 200, body: { data, info: { per_page: perPage, count: data.length, page, more_records: page * perPage < matches.length } } }
    }
    if (path === "/crm/v6/Calls/upsert" && req.method === "POST") {
      const body = JSON.parse(req.body) as { data: Array<Record<string, unknown>>; duplicate_check_fields?: Array<string> }
      if (body.data.length > 100) return error(400, "LIMIT_EXCEEDED", "the number of records exceeds 100")
      if (JSON.stringify(body.duplicate_check_fields) !== JSON.stringify(["Autodialer_Call_Id"])) {
        return error(400, "INVALID_DATA", "fake expects duplicate_check_fields [Autodialer_Call_Id]")
      }
      const results = body.data.map((r, i) => {
        const key = r["Autodialer_Call_Id"]
        const who = (r["Who_Id"] as { id?: string } | undefined)?.id
        if (typeof key !== "string") {
          return { code: "MANDATORY_NOT_FOUND", details: { api_name: "Autodialer_Call_Id", json_path: `$.data[${i}].Autodialer_Call_Id` }, message: "required field not found", status: "error" }
        }
        if (typeof r["Call_Duration"] !== "string" || !/^\d{2,}:\d{2}$/.test(r["Call_Duration"])) {
          return { code: "INVALID_DATA", details: { api_name: "Call_Duration", json_path: `$.data[${i}].Call_Duration` }, message: "invalid data", status: "error" }
        }
        if (who === undefined || state.contact(who) === undefined) {
          return { code: "INVALID_DATA", details: { api_name: "Who_Id", json_path: `$.data[${i}].Who_Id`, expected_data_type: "lookup" }, message: "invalid data", status: "error" }
        }
        const existing = state.calls.find((c) => c.key === key)
        if (existing !== undefined) {
          return { code: "SUCCESS", duplicate_field: "Autodialer_Call_Id", action: "update", details: { id: existing.id, Modified_Time: zohoTime(Date.now()) }, message: "record updated", status: "success" }
        }
        const id = state.id("5725767000000555")
        state.calls.push({ id, key, contactId: who, fields: r })
        return { code: "SUCCESS", duplicate_field: null, action: "insert", details: { id, Created_Time: zohoTime(Date.now()) }, message: "record added", status: "success" }
      })
      const ok = results.filter((r) => r.status === "success").length
      return { status: ok === results.length ? 200 : ok === 0 ? 400 : 207, body: { data: results } }
    }
    const put = /^\/crm\/v6\/Contacts\/(\d+)$/.exec(path)
    if (put !== null && req.method === "PUT") {
      const contact = state.contact(put[1]!)
      if (contact === undefined) {
        return { status: 400, body: { data: [{ code: "INVALID_DATA", details: { id: put[1] }, message: "the id given seems to be invalid", status: "error" }] } }
      }
      const record = (JSON.parse(req.body) as { data: Array<Record<string, unknown>> }).data[0] ?? {}
      if ("Autodialer_Status" in record) contact.status = String(record["Autodialer_Status"])
      contact.modifiedAt = Date.now()
      return { status: 200, body: { data: [{ code: "SUCCESS", details: { id: contact.id }, message: "record updated", status: "success" }] } }
    }
    return error(404, "INVALID_URL_PATTERN", `Please check if the URL trying to access is a correct one: ${req.method} ${path}`)
  }

  const served = await serve(handler)
  return { ...served, state }
}
