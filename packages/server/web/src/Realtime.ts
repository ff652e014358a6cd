/**
 * The realtime channels of the pages: Server-Sent Events read through
 * `fetch` (so the bearer token goes in a header, which `EventSource` cannot
 * do), an incremental SSE parser, and reconnection with capped exponential
 * backoff and jitter. The pages show a warning banner whenever a channel is
 * not open.
 */
import { signalUnauthorized, token } from "./Api.ts"
import type { RealtimeMessage } from "./Types.ts"

/** Paths of the channels served by the reference server (see its README). */
export const channels = {
  /** The signed-in user's own events: agent state, calls offered/connected/ended, import progress. */
  me: "/realtime/me",
  /** A campaign's live events: stats, status, agent state changes. */
  campaign: (campaignId: string) => `/realtime/campaigns/${encodeURIComponent(campaignId)}`
} as const

export type ChannelStatus = "connecting" | "open" | "down"

/** Delay before reconnection attempt `attempt` (0-based): 0.5 s doubling to 15 s, with up to 30% jitter from `u` in [0, 1). */
export const backoff = (attempt: number, u: number): number => {
  const base = Math.min(15_000, 500 * 2 ** Math.min(attempt, 10))
  return Math.round(base * (1 - 0.3 * u))
}

export interface SseEvent { readonly event: string; readonly data: string; readonly id: string | undefined }

/**
 * An incremental parser of the `text/event-stream` format: feed it chunks as
 * they arrive (split anywhere, even inside a line) and it returns the events
 * completed by each chunk. Comments (`:` lines, used as keep-alives) are dropped.
 */
export const sseParser = () => {
  let buffer = ""
  let data: Array<string> = []
  let event = ""
  let id: string | undefined
  return (chunk: string): Array<SseEvent> => {
    buffer += chunk
    const out: Array<SseEvent> = []
    for (;;) {
      const nl = buffer.search(/\r\n|\r|\n/)
      if (nl < 0) break
      // A lone \r at the very end may be the first half of \r\n: wait for more.
      if (buffer[nl] === "\r" && nl === buffer.length - 1) break
      const line = buffer.slice(0, nl)
      buffer = buffer.slice(nl + (buffer.startsWith("\r\n", nl) ? 2 : 1))
      if (line === "") {
        if (data.length > 0) out.push({ event: event || "message", data: data.join("\n"), id })
        data = []
        event = ""
        continue
      }
      if (line.startsWith(":")) continue
      const colon = line.indexOf(":")
      const field = colon < 0 ? line : line.slice(0, colon)
      const value = colon < 0 ? "" : line.slice(colon + 1).replace(/^ /, "")
      if (field === "data") data.push(value)
      else if (field === "event") event = value
      else if (field === "id") id = value
    }
    return out
  }
}

/**
 * Reads a message from an SSE event. The reference server names the event
 * (`event: call.connected`) and sends its data as JSON; an unnamed event may
 * carry a whole envelope (`{ type, at, data }`) instead.
 */
export const toMessage = (e: SseEvent, now: number): RealtimeMessage | undefined => {
  let parsed: unknown
  try {
    parsed = JSON.parse(e.data)
  } catch {
    return undefined
  }
  if (e.event !== "message") return { type: e.event, at: now, data: parsed }
  if (parsed !== null && typeof parsed === "object" && typeof (parsed as { type?: unknown }).type === "string") {
    const m = parsed as { type: string; at?: unknown; data?: unknown; channel?: unknown }
    return {
      type: m.type,
      at: typeof m.at === "number" ? m.at : now,
      data: "data" in m ? m.data : parsed,
      ...(typeof m.channel === "string" ? { channel: m.channel } : {})
    }
  }
  return { type: e.event, at: now, data: parsed }
}

export interface Subscription { readonly close: () => void }

/**
 * Keeps one channel open until `close()`: connects, parses, and on any end of
 * the stream (network error, server restart, proxy timeout) reports "down"
 * and reconnects after `backoff`. A successful connection resets the attempts.
 */
export const subscribe = (
  path: string,
  onMessage: (m: RealtimeMessage) => void,
  onStatus: (s: ChannelStatus) => void
): Subscription => {
  let closed = false
  let attempt = 0
  let controller: AbortController | undefined
  let timer: ReturnType<typeof setTimeout> | undefined

  const connect = async (): Promise<void> => {
    controller = new AbortController()
    onStatus(attempt === 0 ? "connecting" : "down")
    try {
      const t = token.get()
      const res = await fetch(path, {
        headers: { accept: "text/event-stream", ...(t === null ? {} : { authorization: `Bearer ${t}` }) },
        signal: controller.signal,
        cache: "no-store"
      })
      if (res.status === 401) {
        // The session is gone: reconnecting cannot help, signing in again can.
        closed = true
        signalUnauthorized()
        return
      }
      if (!res.ok || res.body === null) throw new Error(`realtime channel ${path} answered HTTP ${res.status}`)
      attempt = 0
      onStatus("open")
      const parse = sseParser()
      const reader = res.body.pipeThrough(new TextDecoderStream()).getReader()
      for (;;) {
        const { done, value } = await reader.read()
        if (done) break
        for (const e of parse(value)) {
          const m = toMessage(e, Date.now())
          if (m !== undefined) onMessage(m)
        }
      }
    } catch {
      // Reported below as "down"; the reason does not change what we do.
    }
    if (closed) return
    onStatus("down")
    const delay = backoff(attempt, Math.random())
    attempt += 1
    timer = setTimeout(() => void connect(), delay)
  }

  void connect()
  return {
    close: () => {
      closed = true
      if (timer !== undefined) clearTimeout(timer)
      controller?.abort()
    }
  }
}
