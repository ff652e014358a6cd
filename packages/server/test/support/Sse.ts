/**
 * An SSE subscription for the realtime tests: it collects the events of a
 * `/realtime/...` stream until closed. `waitFor` finds any event received so
 * far that matches; `next` the first matching one after the last it returned,
 * for checking an order of events.
 */
export interface SseEvent { readonly type: string; readonly data: any }

export const listen = async (url: string) => {
  const controller = new AbortController()
  const response = await fetch(url, { signal: controller.signal })
  const events: Array<SseEvent> = []
  const reading = (async () => {
    if (!response.body) return
    const decoder = new TextDecoder()
    let buffer = ""
    try {
      for await (const chunk of response.body) {
        buffer += decoder.decode(chunk as Uint8Array, { stream: true })
        let i: number
        while ((i = buffer.indexOf("\n\n")) >= 0) {
          const block = buffer.slice(0, i)
          buffer = buffer.slice(i + 2)
          const data = /^data: (.*)$/m.exec(block)?.[1]
          events.push({ type: /^event: (.*)$/m.exec(block)?.[1] ?? "message", data: data === undefined ? undefined : JSON.parse(data) })
        }
      }
    } catch { /* aborted */ }
  })()
  /** The first event from index `from` on that matches, polled until `ms` have passed. */
  const find = async (predicate: (e: SseEvent) => boolean, from: number, ms: number): Promise<number> => {
    const deadline = Date.now() + ms
    while (Date.now() < deadline) {
      const i = events.findIndex((e, k) => k >= from && predicate(e))
      if (i >= 0) return i
      await new Promise((r) => setTimeout(r, 50))
    }
    throw new Error(`no matching event within ${ms} ms; got ${events.map((e) => e.type).join(", ")}`)
  }
  let seen = 0
  return {
    status: response.status,
    events,
    waitFor: async (predicate: (e: SseEvent) => boolean, ms = 8_000): Promise<SseEvent> => events[await find(predicate, 0, ms)]!,
    next: async (predicate: (e: SseEvent) => boolean, ms = 20_000): Promise<SseEvent> => {
      const i = await find(predicate, seen, ms)
      seen = i + 1
      return events[i]!
    },
    close: async () => {
      controller.abort()
      await reading
    }
  }
}
