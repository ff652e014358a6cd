/**
 * The HTTP client of the pages: same-origin JSON calls with the session's
 * bearer token, and one error type carrying the server's tagged error
 * (`_tag`, `message`, `field`, row errors of a rejected import) so a page can
 * show exactly what the server said.
 */
import type { RowError } from "./Types.ts"

export class ApiError extends Error {
  readonly status: number
  readonly tag: string
  readonly field: string | undefined
  readonly rowErrors: ReadonlyArray<RowError>
  constructor(status: number, tag: string, message: string, field?: string, rowErrors: ReadonlyArray<RowError> = []) {
    super(message)
    this.name = "ApiError"
    this.status = status
    this.tag = tag
    this.field = field
    this.rowErrors = rowErrors
  }
}

const tokenKey = "autodialer.token"

export const token = {
  get: (): string | null => sessionStorage.getItem(tokenKey),
  set: (value: string): void => sessionStorage.setItem(tokenKey, value),
  clear: (): void => sessionStorage.removeItem(tokenKey)
}

type Query = Readonly<Record<string, string | number | undefined | null>>

export const withQuery = (path: string, query: Query = {}): string => {
  const params = new URLSearchParams()
  for (const [k, v] of Object.entries(query)) if (v !== undefined && v !== null && v !== "") params.set(k, String(v))
  const s = params.toString()
  return s === "" ? path : `${path}?${s}`
}

const headers = (extra: Record<string, string> = {}): Record<string, string> => {
  const t = token.get()
  return t === null ? extra : { ...extra, authorization: `Bearer ${t}` }
}

/** Turns a non-2xx answer into an ApiError, reading the server's tagged error body when there is one. */
export const toError = (status: number, bodyText: string): ApiError => {
  try {
    const body = JSON.parse(bodyText) as Record<string, unknown>
    const tag = typeof body["_tag"] === "string" ? body["_tag"] : `HTTP ${status}`
    const message = typeof body["message"] === "string" ? body["message"] : bodyText || `request failed with HTTP ${status}`
    const field = typeof body["field"] === "string" ? body["field"] : undefined
    const rows = Array.isArray(body["errors"]) ? body["errors"] as ReadonlyArray<RowError> : []
    return new ApiError(status, tag, message, field, rows)
  } catch {
    return new ApiError(status, `HTTP ${status}`, bodyText.trim() || `request failed with HTTP ${status}`)
  }
}

/** Listeners told when the server answers 401, so the app can return to the login page. */
const unauthorized = new Set<() => void>()
export const onUnauthorized = (f: () => void): (() => void) => {
  unauthorized.add(f)
  return () => unauthorized.delete(f)
}

/** Tells the app the session is gone (expired or revoked), from any channel that noticed. */
export const signalUnauthorized = (): void => {
  for (const f of unauthorized) f()
}

export const request = async <A>(method: string, path: string, body?: unknown, query?: Query): Promise<A> => {
  const init: RequestInit = { method, headers: headers(body === undefined ? {} : { "content-type": "application/json" }) }
  if (body !== undefined) init.body = JSON.stringify(body)
  const res = await fetch(withQuery(path, query), init)
  const text = await res.text()
  if (!res.ok) {
    if (res.status === 401 && path !== "/auth/login") signalUnauthorized()
    throw toError(res.status, text)
  }
  return (text === "" ? undefined : JSON.parse(text)) as A
}

export const get = <A>(path: string, query?: Query) => request<A>("GET", path, undefined, query)
export const post = <A>(path: string, body?: unknown, query?: Query) => request<A>("POST", path, body, query)
export const patch = <A>(path: string, body: unknown) => request<A>("PATCH", path, body)
export const del = (path: string) => request<void>("DELETE", path)

/**
 * Uploads a text body with upload progress (fetch has no upload progress
 * events, XMLHttpRequest does). Used by the CSV import.
 */
export const upload = <A>(path: string, query: Query, contentType: string, body: Blob, onProgress: (sent: number, total: number) => void): Promise<A> =>
  new Promise((resolve, reject) => {
    const xhr = new XMLHttpRequest()
    xhr.open("POST", withQuery(path, query))
    for (const [k, v] of Object.entries(headers({ "content-type": contentType }))) xhr.setRequestHeader(k, v)
    xhr.upload.onprogress = (e) => onProgress(e.loaded, e.lengthComputable ? e.total : body.size)
    xhr.onerror = () => reject(new ApiError(0, "NetworkError", "the server could not be reached; check the connection and retry"))
    xhr.onload = () => {
      if (xhr.status >= 200 && xhr.status < 300) resolve((xhr.responseText === "" ? undefined : JSON.parse(xhr.responseText)) as A)
      else reject(toError(xhr.status, xhr.responseText))
    }
    xhr.send(body)
  })

export const describe = (e: unknown): string =>
  e instanceof ApiError ? (e.field ? `${e.message} (field: ${e.field})` : e.message) : e instanceof Error ? e.message : String(e)
