/**
 * Hash routes (`#/agent`, `#/admin/calls/<id>`), so every page is served by
 * the one `index.html` and never collides with the API's own paths.
 */
import { useEffect, useState } from "preact/hooks"

export const currentPath = (): string => location.hash.replace(/^#/, "") || "/"

export const navigate = (path: string): void => {
  location.hash = path
}

export const usePath = (): string => {
  const [path, setPath] = useState(currentPath())
  useEffect(() => {
    const on = () => setPath(currentPath())
    addEventListener("hashchange", on)
    return () => removeEventListener("hashchange", on)
  }, [])
  return path
}

/** Matches "/admin/calls/:id" against a path; returns the params or undefined. */
export const match = (pattern: string, path: string): Record<string, string> | undefined => {
  const p = pattern.split("/")
  const a = path.split("?")[0]!.split("/")
  if (p.length !== a.length) return undefined
  const params: Record<string, string> = {}
  for (let i = 0; i < p.length; i++) {
    const seg = p[i]!
    if (seg.startsWith(":")) params[seg.slice(1)] = decodeURIComponent(a[i]!)
    else if (seg !== a[i]) return undefined
  }
  return params
}
