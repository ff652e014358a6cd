/**
 * The CLI's HTTP side: requests to a running server with the caller's token,
 * errors turned into one readable line, and a streaming upload that reports
 * the bytes sent (the import progress bar).
 */
import { Data, Effect } from "effect"
import { createReadStream, statSync } from "node:fs"
import { Readable } from "node:stream"

export class ClientError extends Data.TaggedError("ClientError")<{ readonly message: string }> {}

export interface Target {
  readonly url: string
  readonly token: string | undefined
}

const describe = (status: number, body: unknown): string => {
  const b = body as { readonly message?: string; readonly errors?: ReadonlyArray<{ line: number; column?: string; message: string }> } | undefined
  const lines = [`HTTP ${status}: ${b?.message ?? JSON.stringify(body)}`]
  for (const e of (b?.errors ?? []).slice(0, 20)) lines.push(`  line ${e.line}${e.column ? ` (${e.column})` : ""}: ${e.message}`)
  if ((b?.errors?.length ?? 0) > 20) lines.push(`  ... and ${b!.errors!.length - 20} more`)
  return lines.join("\n")
}

export const request = (target: Target, method: string, path: string, body?: unknown) =>
  Effect.tryPromise({
    try: async () => {
      const response = await fetch(`${target.url.replace(/\/+$/, "")}${path}`, {
        method,
        headers: {
          ...(target.token ? { authorization: `Bearer ${target.token}` } : {}),
          ...(body === undefined ? {} : { "content-type": "application/json" })
        },
        ...(body === undefined ? {} : { body: JSON.stringify(body) })
      })
      const text = await response.text()
      const json: unknown = text === "" ? undefined : JSON.parse(text)
      return { status: response.status, json }
    },
    catch: (cause) => new ClientError({ message: `cannot reach ${target.url} (${String(cause)}); is the server running? (autodialer serve / npm start)` })
  }).pipe(Effect.flatMap(({ status, json }) =>
    status >= 400 ? Effect.fail(new ClientError({ message: describe(status, json) })) : Effect.succeed(json)))

/** A one-line progress bar: `[#####-----] 52% 1.2/2.3 MB`. */
export const bar = (done: number, total: number, width = 30): string => {
  const f = total === 0 ? 1 : Math.min(1, done / total)
  const n = Math.round(f * width)
  return `[${"#".repeat(n)}${"-".repeat(width - n)}] ${(f * 100).toFixed(0).padStart(3)}% ${(done / 1e6).toFixed(1)}/${(total / 1e6).toFixed(1)} MB`
}

/** Streams a file as the request body, calling `progress(sentBytes, totalBytes)` as it goes. */
export const upload = (target: Target, path: string, file: string, contentType: string, progress: (sent: number, total: number) => void) =>
  Effect.tryPromise({
    try: async () => {
      const total = statSync(file).size
      let sent = 0
      const stream = createReadStream(file)
      stream.on("data", (chunk) => {
        sent += chunk.length
        progress(sent, total)
      })
      const response = await fetch(`${target.url.replace(/\/+$/, "")}${path}`, {
        method: "POST",
        headers: { "content-type": contentType, ...(target.token ? { authorization: `Bearer ${target.token}` } : {}) },
        body: Readable.toWeb(stream) as ReadableStream<Uint8Array>,
        duplex: "half"
      } as RequestInit)
      const text = await response.text()
      return { status: response.status, json: text === "" ? undefined : JSON.parse(text) as unknown }
    },
    catch: (cause) => new ClientError({ message: `upload of ${file} to ${target.url} failed: ${String(cause)}` })
  }).pipe(Effect.flatMap(({ status, json }) =>
    status >= 400 ? Effect.fail(new ClientError({ message: describe(status, json) })) : Effect.succeed(json)))
