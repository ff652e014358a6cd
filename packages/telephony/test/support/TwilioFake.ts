/**
 * A loopback fake of Twilio's REST API for the calls the adapter makes,
 * speaking the documented wire format: form-encoded POSTs to
 * /2010-04-01/Accounts/{AccountSid}/Calls.json and .../Calls/{CallSid}.json,
 * HTTP Basic auth with the account SID and auth token, JSON call resources,
 * and error bodies {code, message, more_info, status}. It records every
 * request so tests can assert the exact parameters the SDK sent.
 */
import { createServer, type IncomingMessage, type Server } from "node:http"
import type { AddressInfo } from "node:net"
import { randomBytes } from "node:crypto"

export interface RecordedRequest {
  readonly method: string
  readonly path: string
  readonly contentType: string | undefined
  /** Every form field, in order; repeated keys (StatusCallbackEvent) appear several times. */
  readonly form: ReadonlyArray<readonly [string, string]>
}

export interface TwilioFake {
  readonly origin: string
  readonly requests: Array<RecordedRequest>
  /** Answer the next request with this error instead of serving it (optionally with Retry-After seconds). */
  failNext(status: number, code: number, message: string, retryAfterSeconds?: number): void
  /** The call resources created so far, by CallSid. */
  readonly calls: Map<string, Record<string, unknown>>
  close(): Promise<void>
}

const readBody = (req: IncomingMessage): Promise<string> =>
  new Promise((resolve, reject) => {
    const chunks: Array<Buffer> = []
    req.on("data", (c: Buffer) => chunks.push(c))
    req.on("end", () => resolve(Buffer.concat(chunks).toString("utf8")))
    req.on("error", reject)
  })

export const sid = (prefix: string): string => prefix + randomBytes(16).toString("hex")

export const startTwilioFake = async (accountSid: string, authToken: string): Promise<TwilioFake> => {
  const requests: Array<RecordedRequest> = []
  const calls = new Map<string, Record<string, unknown>>()
  let pendingFailure: { status: number; code: number; message: string; retryAfterSeconds?: number } | undefined
  const expectedAuth = "Basic " + Buffer.from(`${accountSid}:${authToken}`).toString("base64")

  const server: Server = createServer((req, res) => {
    void (async () => {
      const body = await readBody(req)
      const url = new URL(req.url ?? "/", "http://127.0.0.1")
      const form = [...new URLSearchParams(body)]
      requests.push({ method: req.method ?? "", path: url.pathname, contentType: req.headers["content-type"], form })
      const send = (status: number, payload: unknown, headers: Record<string, string> = {}) => {
        res.writeHead(status, { "content-type": "application/json", ...headers })
        res.end(JSON.stringify(payload))
      }
      const error = (status: number, code: number, message: string, headers: Record<string, string> = {}) =>
        send(status, { code, message, more_info: `https://www.twilio.com/docs/errors/${code}`, status }, headers)

      if (req.headers.authorization !== expectedAuth) return error(401, 20003, "Authenticate")
      if (pendingFailure !== undefined) {
        const f = pendingFailure
        pendingFailure = undefined
        return error(f.status, f.code, f.message, f.retryAfterSeconds !== undefined ? { "retry-after": String(f.retryAfterSeconds) } : {})
      }
      const fields = Object.fromEntries(form)
      const base = `/2010-04-01/Accounts/${accountSid}/Calls`
      if (req.method === "POST" && url.pathname === `${base}.json`) {
        if (fields["To"] === undefined || fields["From"] === undefined) return error(400, 21201, "No 'To' number is specified")
        if (!/^\+[1-9]\d{6,14}$/.test(fields["To"]) && !fields["To"].startsWith("sip:") && !fields["To"].startsWith("client:")) {
          return error(400, 21211, `Invalid 'To' Phone Number: ${fields["To"]}`)
        }
        if (fields["Url"] === undefined && fields["Twiml"] === undefined && fields["ApplicationSid"] === undefined) {
          return error(400, 21205, "Url parameter is required.")
        }
        const callSid = sid("CA")
        const resource = {
          sid: callSid,
          account_sid: accountSid,
          to: fields["To"],
          from: fields["From"],
          status: "queued",
          direction: "outbound-api",
          api_version: "2010-04-01",
          date_created: new Date().toUTCString(),
          price: null,
          price_unit: "USD",
          uri: `${base}/${callSid}.json`
        }
        calls.set(callSid, resource)
        return send(201, resource)
      }
      const match = new RegExp(`^${base}/(CA[0-9a-f]{32})\\.json$`).exec(url.pathname)
      if (req.method === "POST" && match !== null) {
        const resource = calls.get(match[1] ?? "")
        if (resource === undefined) return error(404, 20404, `The requested resource ${url.pathname} was not found`)
        if (fields["Status"] !== undefined) resource["status"] = fields["Status"]
        return send(200, resource)
      }
      return error(404, 20404, `The requested resource ${url.pathname} was not found`)
    })()
  })
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve))
  const { port } = server.address() as AddressInfo
  return {
    origin: `http://127.0.0.1:${port}`,
    requests,
    calls,
    failNext: (status, code, message, retryAfterSeconds) => {
      pendingFailure = { status, code, message, ...(retryAfterSeconds !== undefined ? { retryAfterSeconds } : {}) }
    },
    close: () => new Promise((resolve) => server.close(() => resolve()))
  }
}
