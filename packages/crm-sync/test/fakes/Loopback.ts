/**
 * A node:http server on 127.0.0.1 and a free port, plus the state every vendor fake shares:
 * contacts, created call activities, and the knobs the contract suite turns (rate-limit the next
 * N requests, expire the access token, inject vendor-malformed rows).
 */
import * as http from "node:http"
import type { AddressInfo } from "node:net"

export interface FakeRequest {
  readonly method: string
  readonly url: URL
  readonly headers: http.IncomingHttpHeaders
  readonly body: string
}

export interface FakeResponse {
  readonly status: number
  readonly headers?: Record<string, string>
  readonly body?: unknown
}

export interface Served {
  readonly url: string
  readonly close: () => Promise<void>
}

export const serve = async (handler: (req: FakeRequest) => FakeResponse | Promise<FakeResponse>): Promise<Served> => {
  const server = http.createServer((req, res) => {
    const chunks: Array<Buffer> = []
    req.on("data", (c: Buffer) => chunks.push(c))
    req.on("end", () => {
      const request: FakeRequest = {
        method: req.method ?? "GET",
        url: new URL(req.url ?? "/", "http://127.0.0.1"),
        headers: req.headers,
        body: Buffer.concat(chunks).toString("utf8")
      }
      Promise.resolve()
        .then(() => handler(request))
        .catch((e: unknown): FakeResponse => ({ status: 500, body: { message: String(e) } }))
        .then((out) => {
          const text = out.body === undefined ? "" : typeof out.body === "string" ? out.body : JSON.stringify(out.body)
          res.writeHead(out.status, {
            ...(out.body === undefined || typeof out.body === "string" ? {} : { "content-type": "application/json" }),
            ...out.headers
          })
          res.end(text)
        })
    })
  })
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve))
  const { port } = server.address() as AddressInfo
  return {
    url: `http://127.0.0.1:${port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections()
        server.close(() => resolve())
      })
  }
}

export interface FakeContact {
  id: string
  firstName: string | null
  lastName: string | null
  email: string | null
  /** Raw, as a user typed it into the CRM. */
  phone: string | null
  mobile: string | null
  company: string | null
  status: string | null
  tier: string | null
  dnc: boolean
  /** Epoch ms. */
  modifiedAt: number
  /** Serialised in a way that breaks the vendor's own format (missing id, wrong types). */
  broken?: boolean
}

export interface FakeCall {
  readonly id: string
  readonly key: string
  readonly contactId: string
  readonly fields: Record<string, unknown>
}

export class FakeState {
  contacts: Array<FakeContact> = []
  calls: Array<FakeCall> = []
  accessToken = "access-1"
  refreshToken = "refresh-secret"
  refreshes = 0
  /** Refresh-token rotation (Salesforce's connected-app option): each refresh replaces the refresh token. */
  rotateRefreshTokens = false
  rateLimited = 0
  rateLimitRemaining = 0
  retryAfter: string | null = null
  readonly log: Array<{ method: string; path: string; authorization: string | undefined; at: number }> = []
  private nextId = 1000

  id(prefix = ""): string {
    return `${prefix}${this.nextId++}`
  }

  /** The next `n` API requests get a 429 (with `Retry-After: retryAfter` when given). */
  rateLimitNext(n: number, retryAfter: string | null): void {
    this.rateLimitRemaining = n
    this.retryAfter = retryAfter
  }

  /** Invalidates the current access token; only a refresh gets a working one. */
  expireAccessToken(): void {
    this.accessToken = `expired-${this.accessToken}`
  }

  /** The CRM user disconnected the app: the refresh token stops working. */
  revokeRefreshToken(): void {
    this.refreshToken = "revoked"
  }

  issueToken(): string {
    this.refreshes++
    this.accessToken = `access-${this.refreshes + 1}`
    return this.accessToken
  }

  /** With rotation on, a new refresh token (the old one stops working); otherwise none. */
  rotatedRefreshToken(): string | undefined {
    if (!this.rotateRefreshTokens) return undefined
    this.refreshToken = `refresh-rotated-${this.refreshes}`
    return this.refreshToken
  }

  /** Common gate: records the request and answers the rate-limit knob. */
  gate(req: FakeRequest): boolean {
    this.log.push({ method: req.method, path: req.url.pathname, authorization: req.headers.authorization, at: Date.now() })
    if (this.rateLimitRemaining > 0) {
      this.rateLimitRemaining--
      this.rateLimited++
      return true
    }
    return false
  }

  contact(id: string): FakeContact | undefined {
    return this.contacts.find((c) => c.id === id && c.broken !== true)
  }
}

/** Five ordinary contacts with increasing modification times, one per minute. */
export const seedContacts = (state: FakeState, base = Date.parse("2026-01-01T00:00:00Z"), ids?: ReadonlyArray<string>): void => {
  const people = [
    ["Ana", "Silva", "ana@example.com", "(415) 555-0101"],
    ["Bo", "Chen", "bo@example.com", "+1 415 555 0102"],
    ["Cy", "Diaz", null, "415.555.0103"],
    ["Di", "Evans", "di@example.com", "+44 20 7946 0958"],
    ["Ed", "Fox", "ed@example.com", "4155550105"]
  ] as const
  people.forEach(([firstName, lastName, email, phone], i) => {
    state.contacts.push({
      id: ids?.[i] ?? String(101 + i),
      firstName,
      lastName,
      email,
      phone,
      mobile: `+1415555090${i}`,
      company: "Acme",
      status: "NEW",
      tier: i % 2 === 0 ? "gold" : null,
      dnc: i === 2,
      modifiedAt: base + i * 60_000
    })
  })
}
