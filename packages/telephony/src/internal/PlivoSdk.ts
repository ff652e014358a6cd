/**
 * The part of the official `plivo` SDK (4.x) the adapter uses, loaded through
 * `require` and typed narrowly here so no Plivo type (nor its deprecated
 * `request` dependency) leaks out of the adapter.
 *
 * The SDK hard-codes https://api.plivo.com for voice requests. To point it at
 * another origin (a loopback fake in tests), `callsAt` builds the SDK's own
 * `CallInterface` (parameter casing, validation, response classes) over a
 * small transport that speaks Plivo's documented wire format: HTTP Basic auth
 * with the auth id and token, JSON request bodies, JSON responses.
 */
import { createRequire } from "node:module"

const require = createRequire(import.meta.url)

export interface CreateCallResponse {
  readonly apiId: string
  readonly message: string
  readonly requestUuid: string | ReadonlyArray<string>
}

export interface PlivoCalls {
  create(from: string, to: string, answerUrl: string, params?: Record<string, unknown>): Promise<CreateCallResponse>
  hangup(callUuid: string): Promise<unknown>
  cancel(requestUuid: string): Promise<unknown>
  transfer(callUuid: string, params: Record<string, unknown>): Promise<unknown>
}

export interface PlivoXmlElement {
  addNumber(body: string, attributes?: Record<string, unknown>): PlivoXmlElement
  addUser(body: string, attributes?: Record<string, unknown>): PlivoXmlElement
}

export interface PlivoXmlResponse {
  addSpeak(body: string, attributes?: Record<string, unknown>): PlivoXmlElement
  addPlay(body: string, attributes?: Record<string, unknown>): PlivoXmlElement
  addWait(attributes?: Record<string, unknown>): PlivoXmlElement
  addHangup(attributes?: Record<string, unknown>): PlivoXmlElement
  addDial(attributes?: Record<string, unknown>): PlivoXmlElement
  addConference(body: string, attributes?: Record<string, unknown>): PlivoXmlElement
  addStream(body: string, attributes?: Record<string, unknown>): PlivoXmlElement
  addRecord(attributes: Record<string, unknown>): PlivoXmlElement
  toXML(): string
}

interface PlivoModule {
  readonly Client: new (authId: string, authToken: string, options?: Record<string, unknown>) => { readonly calls: PlivoCalls }
  readonly Response: new () => PlivoXmlResponse
  readonly validateV3Signature: (
    method: string,
    uri: string,
    nonce: string,
    authToken: string,
    signature: string,
    params?: Record<string, string>
  ) => boolean
}

const plivo = require("plivo") as PlivoModule
const callResource = require("plivo/dist/resources/call.js") as {
  readonly CallInterface: new (client: Requester) => PlivoCalls
}
const restUtils = require("plivo/dist/rest/utils.js") as {
  readonly camelCaseRequestWrapper: (client: Requester) => Requester
}
type PlivoErrorClass = new (failure: { readonly response: { status: number; statusText: string; data: string; config: { data: string } } }) => Error
const exceptions = require("plivo/dist/utils/exceptions.js") as Record<string, PlivoErrorClass>
const PlivoRestError = require("plivo/dist/utils/restException.js") as PlivoErrorClass

type Requester = (method: string, action: string, params?: Record<string, unknown>) => Promise<{ response: unknown; body: unknown }>

export const xmlResponse = (): PlivoXmlResponse => new plivo.Response()

export const validateV3Signature = plivo.validateV3Signature

/** The SDK's error shape: `status` is the HTTP status, `message` Plivo's `error` field. */
export interface PlivoHttpError extends Error {
  readonly status?: number
  readonly apiID?: string
  /** From a 429's Retry-After header (this transport only; the SDK's own drops headers). */
  readonly retryAfterMs?: number
}

/** Build the same exception class the SDK throws for this status. */
const errorFor = (status: number, statusText: string, data: string, requestBody: string): Error => {
  const Class = {
    400: exceptions["InvalidRequestError"],
    401: exceptions["AuthenticationError"],
    404: exceptions["ResourceNotFoundError"],
    405: exceptions["InvalidRequestError"],
    406: exceptions["NotAcceptableError"],
    409: exceptions["InvalidRequestError"],
    422: exceptions["InvalidRequestError"],
    500: exceptions["ServerError"]
  }[status] ?? (status >= 500 ? exceptions["ServerError"] : undefined) ?? PlivoRestError
  return new Class({ response: { status, statusText, data, config: { data: requestBody } } })
}

/** The real SDK client (https://api.plivo.com). */
export const calls = (authId: string, authToken: string): PlivoCalls => new plivo.Client(authId, authToken).calls

/** The SDK's call resource over a transport aimed at `origin` (e.g. http://127.0.0.1:PORT). */
export const callsAt = (origin: string, authId: string, authToken: string): PlivoCalls => {
  const authorization = "Basic " + Buffer.from(`${authId}:${authToken}`).toString("base64")
  const transport: Requester = async (method, action, params) => {
    const body: Record<string, unknown> = { ...params }
    // The SDK marks voice requests with this flag to pick its voice host; it is not a Plivo parameter.
    delete body["is_voice_request"]
    const url = `${origin.replace(/\/+$/, "")}/v1/Account/${authId}/${action}`
    const requestBody = method === "GET" || method === "DELETE" ? "" : JSON.stringify(body)
    const init: RequestInit = {
      method,
      headers: { authorization, "content-type": "application/json", "user-agent": "autodialer-telephony (plivo-node wire format)" },
      ...(requestBody === "" ? {} : { body: requestBody })
    }
    const response = await fetch(url, init)
    const text = await response.text()
    if (!response.ok) {
      const error = errorFor(response.status, response.statusText, text, requestBody)
      const retryAfter = Number(response.headers.get("retry-after") ?? Number.NaN)
      throw Number.isFinite(retryAfter) ? Object.assign(error, { retryAfterMs: retryAfter * 1000 }) : error
    }
    return { response, body: text === "" ? {} : JSON.parse(text) as unknown }
  }
  return new callResource.CallInterface(restUtils.camelCaseRequestWrapper(transport))
}
