/**
 * A loopback fake of Plivo's Voice REST API for the calls the adapter makes,
 * speaking the documented wire format: HTTP Basic auth with auth id and token,
 * JSON bodies, POST /v1/Account/{auth_id}/Call/ -> 201 {api_id, message,
 * request_uuid}, DELETE .../Request/{request_uuid}/ (cancel) and
 * .../Call/{call_uuid}/ (hang up) -> 204, POST .../Call/{call_uuid}/
 * (transfer) -> 202, errors as {api_id, error}.
 *
 * It also signs webhooks the way Plivo documents V3 signatures, so tests can
 * drive the adapter's webhook handler; the SDK's validateV3Signature checks them.
 */
import { createHmac, randomBytes, randomUUID } from "node:crypto"
import { createServer, type IncomingMessage, type Server } from "node:http"
import type { AddressInfo } from "node:net"

export interface RecordedRequest {
  readonly method: string
  readonly path: string
  readonly contentType: string | undefined
  readonly json: Record<string, unknown>
}

export interface PlivoFake {
  readonly origin: string
  readonly requests: Array<RecordedRequest>
  failNext(status: number, error: string, retryAfterSeconds?: number): void
  close(): Promise<void>
}

const readBody = (req: IncomingMessage): Promise<string> =>
  new Promise((resolve, reject) => {
    const chunks: Array<Buffer> = []
    req.on("data", (c: Buffer) => chunks.push(c))
    req.on("end", () => resolve(Buffer.concat(chunks).toString("utf8")))
    req.on("error", reject)
  })

export const startPlivoFake = async (authId: string, authToken: string): Promise<PlivoFake> => {
  const requests: Array<RecordedRequest> = []
  let pending: { status: number; error: string; retryAfterSeconds?: number } | undefined
  const expectedAuth = "Basic " + Buffer.from(`${authId}:${authToken}`).toString("base64")
  const server: Server = createServer((req, res) => {
    void (async () => {
      const text = await readBody(req)
      const url = new URL(req.url ?? "/", "http://127.0.0.1")
      let json: Record<string, unknown>
      try {
        json = text === "" ? {} : JSON.parse(text) as Record<string, unknown>
      } catch {
        json = { unparsable: text }
      }
      requests.push({ method: req.method ?? "", path: url.pathname, contentType: req.headers["content-type"], json })
      const apiId = randomUUID()
      const send = (status: number, payload?: unknown, headers: Record<string, string> = {}) => {
        if (payload === undefined) {
          res.writeHead(status, headers)
          return res.end()
        }
        res.writeHead(status, { "content-type": "application/json", ...headers })
        res.end(JSON.stringify(payload))
      }
      if (req.headers.authorization !== expectedAuth) return send(401, { api_id: apiId, error: "authentication failed" })
      if (pending !== undefined) {
        const p = pending
        pending = undefined
        return send(p.status, { api_id: apiId, error: p.error }, p.retryAfterSeconds !== undefined ? { "retry-after": String(p.retryAfterSeconds) } : {})
      }
      const base = `/v1/Account/${authId}`
      if (req.method === "POST" && url.pathname === `${base}/Call/`) {
        for (const field of ["from", "to", "answer_url"]) {
          if (typeof json[field] !== "string" || json[field] === "") return send(400, { api_id: apiId, error: `${field} parameter is required` })
        }
        if (!/^\d{7,15}$/.test(String(json["to"])) && !String(json["to"]).startsWith("sip:")) return send(400, { api_id: apiId, error: "invalid to number" })
        return send(201, { api_id: apiId, message: "call fired", request_uuid: randomUUID() })
      }
      if (req.method === "DELETE" && /^\/v1\/Account\/[^/]+\/(Request|Call)\/[0-9a-f-]{36}\/$/.test(url.pathname)) return send(204)
      if (req.method === "POST" && /^\/v1\/Account\/[^/]+\/Call\/[0-9a-f-]{36}\/$/.test(url.pathname)) {
        return send(202, { api_id: apiId, message: "call transferred" })
      }
      return send(404, { api_id: apiId, error: "not found" })
    })()
  })
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve))
  const { port } = server.address() as AddressInfo
  return {
    origin: `http://127.0.0.1:${port}`,
    requests,
    failNext: (status, error, retryAfterSeconds) => {
      pending = { status, error, ...(retryAfterSeconds !== undefined ? { retryAfterSeconds } : {}) }
    },
    close: () => new Promise((resolve) => server.close(() => resolve()))
  }
}

/**
 * Plivo's documented V3 signature for a POST: the URL (with its query
 * parameters sorted, followed by "." when there are body parameters), then
 * the body parameters sorted as key+value, then "." + nonce; HMAC-SHA256 with
 * the auth token, base64.
 */
export const signV3 = (url: string, nonce: string, authToken: string, params: Record<string, string>): string => {
  const u = new URL(url)
  const query = [...u.searchParams.entries()].map(([k, v]) => `${k}=${v}`).sort()
  const hasBody = Object.keys(params).length > 0
  let base = `${u.protocol}//${u.host}${u.pathname}`
  if (query.length > 0 || hasBody) base += `?${query.join("&")}`
  if (query.length > 0 && hasBody) base += "."
  base += Object.keys(params).sort().map((k) => `${k}${params[k]}`).join("")
  return createHmac("sha256", authToken).update(`${base}.${nonce}`).digest("base64")
}

export const nonce = (): string => randomBytes(10).toString("hex")
