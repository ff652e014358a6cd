/**
 * The console shell: restores the session, shows the login page when there
 * is none, and routes between the agent console, the supervisor dashboard
 * and the admin pages with a navigation bar fitted to the user's role.
 */
import { useEffect, useState } from "preact/hooks"
import * as Api from "./Api.ts"
import { match, navigate, usePath } from "./Router.ts"
import type { Me } from "./Types.ts"
import { Login } from "./pages/Login.tsx"
import { AgentConsole } from "./pages/AgentConsole.tsx"
import { Supervisor } from "./pages/Supervisor.tsx"
import { Campaigns, CampaignEditor } from "./pages/Campaigns.tsx"
import { ImportContacts } from "./pages/ImportContacts.tsx"
import { Dnc } from "./pages/Dnc.tsx"
import { CallDetailPage, Calls } from "./pages/Calls.tsx"

const links: ReadonlyArray<{ readonly path: string; readonly label: string; readonly staff: boolean }> = [
  { path: "/agent", label: "Agent console", staff: false },
  { path: "/supervisor", label: "Supervisor", staff: true },
  { path: "/admin/campaigns", label: "Campaigns", staff: true },
  { path: "/admin/import", label: "Import contacts", staff: true },
  { path: "/admin/dnc", label: "DNC", staff: true },
  { path: "/admin/calls", label: "Calls", staff: true }
]

export const App = () => {
  const path = usePath()
  const [me, setMe] = useState<Me | null | undefined>(undefined)

  useEffect(() => {
    if (Api.token.get() === null) {
      setMe(null)
      return
    }
    Api.get<Me>("/auth/me").then(setMe, () => {
      Api.token.clear()
      setMe(null)
    })
  }, [])
  useEffect(() => Api.onUnauthorized(() => {
    Api.token.clear()
    setMe(null)
  }), [])

  if (me === undefined) return <main class="loading" aria-busy="true">Loading…</main>
  if (me === null) {
    return <Login onLogin={(m) => {
      setMe(m)
      if (path === "/" || path === "") navigate(m.user.role === "agent" ? "/agent" : "/supervisor")
    }} />
  }

  const staff = me.user.role !== "agent"
  const signOut = async () => {
    try {
      await Api.post("/auth/logout")
    } catch {
      // The session may already be gone; signing out locally is what matters.
    }
    Api.token.clear()
    setMe(null)
  }

  const page = (() => {
    if (path === "/agent" || (!staff && !path.startsWith("/agent"))) return <AgentConsole me={me} />
    if (path === "/supervisor" || path === "/") return <Supervisor />
    if (path === "/admin/campaigns") return <Campaigns />
    if (path === "/admin/campaigns/new") return <CampaignEditor id={undefined} />
    const campaign = match("/admin/campaigns/:id", path)
    if (campaign !== undefined) return <CampaignEditor id={campaign["id"]} />
    if (path === "/admin/import") return <ImportContacts me={me} />
    if (path === "/admin/dnc") return <Dnc />
    if (path.split("?")[0] === "/admin/calls") return <Calls />
    const call = match("/admin/calls/:id", path)
    if (call !== undefined) return <CallDetailPage id={call["id"]!} />
    return <p>No page at {path}. <a href="#/">Go home</a>.</p>
  })()

  return (
    <div class="shell">
      <header class="topbar">
        <span class="brand">Autodialer</span>
        <nav aria-label="Main">
          <ul>
            {links.filter((l) => staff || !l.staff).map((l) => (
              <li key={l.path}>
                <a href={`#${l.path}`} aria-current={path.startsWith(l.path) ? "page" : undefined}>{l.label}</a>
              </li>
            ))}
          </ul>
        </nav>
        <span class="who">{me.user.fullName} · {me.organization.name} · {me.user.role}</span>
        <button type="button" class="secondary" onClick={() => void signOut()}>Sign out</button>
      </header>
      <main id="main">{page}</main>
    </div>
  )
}
