/** The sign-in page: organization, email and password, exchanged for a session token. */
import { useState } from "preact/hooks"
import * as Api from "../Api.ts"
import type { LoginResult, Me } from "../Types.ts"
import { ErrorText } from "../components/Ui.tsx"

export const Login = ({ onLogin }: { onLogin: (me: Me) => void }) => {
  const [organization, setOrganization] = useState(localStorage.getItem("autodialer.org") ?? "")
  const [email, setEmail] = useState("")
  const [password, setPassword] = useState("")
  const [error, setError] = useState<string | undefined>(undefined)
  const [busy, setBusy] = useState(false)

  const submit = async (e: Event) => {
    e.preventDefault()
    setBusy(true)
    setError(undefined)
    try {
      const r = await Api.post<LoginResult>("/auth/login", { organization, email, password })
      Api.token.set(r.token)
      localStorage.setItem("autodialer.org", organization)
      onLogin(await Api.get<Me>("/auth/me"))
    } catch (err) {
      setError(Api.describe(err))
    } finally {
      setBusy(false)
    }
  }

  return (
    <main class="login">
      <form onSubmit={(e) => void submit(e)} aria-labelledby="login-title">
        <h1 id="login-title">Sign in to Autodialer</h1>
        <label>Organization<input name="organization" autoComplete="organization" required value={organization} onInput={(e) => setOrganization(e.currentTarget.value)} /></label>
        <label>Email<input name="email" type="email" autoComplete="username" required value={email} onInput={(e) => setEmail(e.currentTarget.value)} /></label>
        <label>Password<input name="password" type="password" autoComplete="current-password" required value={password} onInput={(e) => setPassword(e.currentTarget.value)} /></label>
        <ErrorText error={error} />
        <button type="submit" disabled={busy}>{busy ? "Signing in…" : "Sign in"}</button>
      </form>
    </main>
  )
}
