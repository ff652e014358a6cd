/** Small hooks the pages share: a ticking clock, polling, a realtime channel, async loading. */
import { useEffect, useRef, useState } from "preact/hooks"
import { subscribe, type ChannelStatus } from "./Realtime.ts"
import type { RealtimeMessage } from "./Types.ts"

/** The current time, re-rendered every `ms`. */
export const useNow = (ms = 1000): number => {
  const [now, setNow] = useState(Date.now())
  useEffect(() => {
    const t = setInterval(() => setNow(Date.now()), ms)
    return () => clearInterval(t)
  }, [ms])
  return now
}

/** Keeps a realtime channel open while mounted (path undefined: none) and reports its status. */
export const useChannel = (path: string | undefined, onMessage: (m: RealtimeMessage) => void): ChannelStatus | "idle" => {
  const handler = useRef(onMessage)
  handler.current = onMessage
  const [status, setStatus] = useState<ChannelStatus | "idle">("idle")
  useEffect(() => {
    if (path === undefined) {
      setStatus("idle")
      return
    }
    const sub = subscribe(path, (m) => handler.current(m), setStatus)
    return () => sub.close()
  }, [path])
  return status
}

/** Calls `f` now and every `ms` while mounted (and whenever `key` changes). */
export const usePoll = (f: () => void, ms: number, key: unknown): void => {
  const fn = useRef(f)
  fn.current = f
  useEffect(() => {
    fn.current()
    const t = setInterval(() => fn.current(), ms)
    return () => clearInterval(t)
  }, [ms, key])
}

export interface Loaded<A> { readonly value: A | undefined; readonly error: string | undefined; readonly reload: () => void }

export const useLoad = <A>(load: () => Promise<A>, deps: ReadonlyArray<unknown>): Loaded<A> => {
  const [value, setValue] = useState<A | undefined>(undefined)
  const [error, setError] = useState<string | undefined>(undefined)
  const [n, setN] = useState(0)
  useEffect(() => {
    let live = true
    load().then((v) => { if (live) { setValue(v); setError(undefined) } }, (e: unknown) => { if (live) setError(e instanceof Error ? e.message : String(e)) })
    return () => { live = false }
  }, [...deps, n])
  return { value, error, reload: () => setN((x) => x + 1) }
}
