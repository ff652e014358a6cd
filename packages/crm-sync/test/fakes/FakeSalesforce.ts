/**
 * Loopback fake of the Salesforce REST API (documented wire format): `GET /services/data/vXX.X/query?q=`
 * with `Sforce-Query-Options: batchSize` and `nextRecordsUrl` cursors, the sObject Collections upsert
 * `PATCH /composite/sobjects/Task/<externalIdField>` (allOrNone false, per-record `created`),
 * `PATCH /sobjects/Contact/<id>` (204), the refresh-token flow at `/services/oauth2/token`,
 * 401 `INVALID_SESSION_ID` and 403 `REQUEST_LIMIT_EXCEEDED` error arrays.
 *
 * The SOQL support is exactly what the connector sends (select list, one WHERE condition on
 * SystemModstamp, a boolean field, or an IN list, ORDER BY); anything else is INVALID_FIELD or
 * MALFORMED_QUERY, so a connector change that sends other SOQL fails loudly here.
 */
import { type FakeContact, type FakeRequest, type FakeResponse, FakeState, serve, type Served } from "./Loopback.ts"

export const CLIENT = { clientId: "sf-client", clientSecret: "sf-client-secret" }
export const VERSION = "v62.0"
export const contactIds = [101, 102, 103, 104, 105].map((n) => `003Dn00000Fake0${n}`)
export const unknownId = "003Dn00000Fake0999"

const sfDate = (ms: number) => new Date(ms).toISOString().replace("Z", "+0000")

const contactFields = (c: FakeContact): Record<string, unknown> => ({
  Id: c.id,
  FirstName: c.firstName,
  LastName: c.lastName,
  Email: c.email,
  Phone: c.phone,
  MobilePhone: c.mobile,
  Autodialer_Status__c: c.status,
  Tier__c: c.tier,
  DoNotCall: c.dnc,
  SystemModstamp: sfDate(c.modifiedAt)
})

const errors = (status: number, errorCode: string, message: string, headers: Record<string, string> = {}): FakeResponse => ({
  status,
  headers,
  body: [{ message, errorCode }]
})

export const startFakeSalesforce = async (): Promise<Served & { readonly state: FakeState }> => {
  const state = new FakeState()
  const cursors = new Map<string, Array<Record<string, unknown>>>()
  let cursorSeq = 0
  const api = `/services/data/${VERSION}`

  const respondPage = (rows: Array<Record<string, unknown>>, batchSize: number): FakeResponse => {
    const first = rows.slice(0, batchSize)
    const rest = rows.slice(batchSize)
    let nextRecordsUrl: string | undefined
    if (rest.length > 0) {
      const id = `01gFAKE${++cursorSeq}-${batchSize}`
      cursors.set(id, rest)
      nextRecordsUrl = `${api}/query/${id}`
    }
    return {
      status: 200,
      body: { totalSize: rows.length, done: nextRecordsUrl === undefined, ...(nextRecordsUrl ? { nextRecordsUrl } : {}), records: first }
    }
  }

  const runSoql = (soql: string, batchSize: number): FakeResponse => {
    const m = /^SELECT (.+) FROM (\w+)(?: WHERE (.+?))?(?: ORDER BY (.+))?$/.exec(soql)
    if (m === null) return errors(400, "MALFORMED_QUERY", `unexpected token in: ${soql}`)
    const [, select, object, where] = m
    const columns = select!.split(",").map((s) => s.trim())
    if (object === "Task") {
      const inList = /^Autodialer_Call_Id__c IN \((.+)\)$/.exec(where ?? "")
      if (inList === null) return errors(400, "MALFORMED_QUERY", `unsupported Task query: ${soql}`)
      const keys = [...inList[1]!.matchAll(/'((?:[^'\\]|\\.)*)'/g)].map((k) => k[1]!.replace(/\\(.)/g, "$1"))
      const rows = state.calls.filter((c) => keys.includes(c.key)).map((c) => ({ attributes: { type: "Task" }, Id: c.id, Autodialer_Call_Id__c: c.key }))
      return respondPage(rows, batchSize)
    }
    if (object !== "Contact") return errors(400, "INVALID_TYPE", `sObject type '${object}' is not supported.`)
    let contacts = [...state.contacts]
    if (where !== undefined) {
      const since = /^SystemModstamp > (\S+)$/.exec(where)
      const flag = /^DoNotCall = true$/.exec(where)
      if (since !== null) {
        const at = Date.parse(since[1]!)
        contacts = contacts.filter((c) => c.modifiedAt > at)
      } else if (flag !== null) contacts = contacts.filter((c) => c.dnc)
      else return errors(400, "MALFORMED_QUERY", `unsupported WHERE: ${where}`)
    }
    contacts.sort((a, b) => a.modifiedAt - b.modifiedAt || a.id.localeCompare(b.id))
    const rows: Array<Record<string, unknown>> = []
    for (const c of contacts) {
      if (c.broken === true) {
        rows.push({ attributes: { type: "Contact" }, Id: 12345, SystemModstamp: null })
        continue
      }
      const all = contactFields(c)
      const row: Record<string, unknown> = { attributes: { type: "Contact", url: `${api}/sobjects/Contact/${c.id}` } }
      for (const col of columns) {
        if (!(col in all)) return errors(400, "INVALID_FIELD", `No such column '${col}' on entity 'Contact'.`)
        row[col] = all[col]
      }
      rows.push(row)
    }
    return respondPage(rows, batchSize)
  }

  const handler = (req: FakeRequest): FakeResponse => {
    const path = req.url.pathname
    if (path === "/services/oauth2/token" && req.method === "POST") {
      const form = new URLSearchParams(req.body)
      if (
        form.get("grant_type") !== "refresh_token" || form.get("refresh_token") !== state.refreshToken ||
        form.get("client_id") !== CLIENT.clientId || form.get("client_secret") !== CLIENT.clientSecret
      ) {
        return { status: 400, body: { error: "invalid_grant", error_description: "expired access/refresh token" } }
      }
      return {
        status: 200,
        body: {
          access_token: state.issueToken(),
          ...(state.rotateRefreshTokens ? { refresh_token: state.rotatedRefreshToken() } : {}),
          instance_url: `http://${req.headers.host}`,
          id: "https://login.salesforce.com/id/00D/005",
          token_type: "Bearer",
          issued_at: String(Date.now()),
          signature: "c2lnbmF0dXJl"
        }
      }
    }
    if (state.gate(req)) {
      return errors(403, "REQUEST_LIMIT_EXCEEDED", "TotalRequests Limit exceeded.", state.retryAfter === null ? {} : { "retry-after": state.retryAfter })
    }
    if (req.headers.authorization !== `Bearer ${state.accessToken}`) {
      return errors(401, "INVALID_SESSION_ID", "Session expired or invalid")
    }
    const batchSize = Number(/batchSize=(\d+)/.exec(String(req.headers["sforce-query-options"] ?? ""))?.[1] ?? "2000")

    if (path === `${api}/query` && req.method === "GET") return runSoql(req.url.searchParams.get("q") ?? "", batchSize)
    const more = new RegExp(`^${api}/query/(01gFAKE\\d+)-(\\d+)$`).exec(path)
    if (more !== null && req.method === "GET") {
      const rows = cursors.get(`${more[1]}-${more[2]}`)
      if (rows === undefined) return errors(400, "INVALID_QUERY_LOCATOR", "invalid query locator")
      return respondPage(rows, Number(more[2]))
    }
    if (path === `${api}/composite/sobjects/Task/Autodialer_Call_Id__c` && req.method === "PATCH") {
      const body = JSON.parse(req.body) as { allOrNone: boolean; records: Array<Record<string, unknown>> }
      if (body.allOrNone !== false) return errors(400, "INVALID_FIELD", "test fake expects allOrNone false")
      if (body.records.length > 200) return errors(400, "EXCEEDED_ID_LIMIT", "record limit reached. cannot submit more than 200 records into this call")
      return {
        status: 200,
        body: body.records.map((r) => {
          const key = r["Autodialer_Call_Id__c"]
          const whoId = r["WhoId"]
          if ((r["attributes"] as { type?: string } | undefined)?.type !== "Task" || typeof key !== "string") {
            return { success: false, errors: [{ statusCode: "INVALID_FIELD", message: "missing attributes.type or external id", fields: [] }] }
          }
          if (r["TaskSubtype"] !== "Call") {
            return { success: false, errors: [{ statusCode: "INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST", message: "TaskSubtype", fields: ["TaskSubtype"] }] }
          }
          if (typeof whoId !== "string" || state.contact(whoId) === undefined) {
            return {
              success: false,
              errors: [{ statusCode: "INVALID_CROSS_REFERENCE_KEY", message: `Contact/Lead ID: id value of incorrect type: ${String(whoId)}`, fields: ["WhoId"] }]
            }
          }
          const existing = state.calls.find((c) => c.key === key)
          if (existing !== undefined) return { id: existing.id, success: true, errors: [], created: false }
          const id = state.id("00TDn00000Fake")
          state.calls.push({ id, key, contactId: whoId, fields: r })
          return { id, success: true, errors: [], created: true }
        })
      }
    }
    const patch = new RegExp(`^${api}/sobjects/Contact/(\\w+)$`).exec(path)
    if (patch !== null && req.method === "PATCH") {
      const contact = state.contact(patch[1]!)
      if (contact === undefined) return errors(404, "NOT_FOUND", "The requested resource does not exist")
      const body = JSON.parse(req.body) as Record<string, unknown>
      if ("Autodialer_Status__c" in body) contact.status = String(body["Autodialer_Status__c"])
      contact.modifiedAt = Date.now()
      return { status: 204 }
    }
    return errors(404, "NOT_FOUND", `The requested resource does not exist: ${req.method} ${path}`)
  }

  const served = await serve(handler)
  return { ...served, state }
}
