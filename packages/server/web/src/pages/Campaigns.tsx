/**
 * Admin pages for campaigns: the list, and the editor for a new or existing
 * campaign (mode, script, calling windows, abandon policy, retry rules, lines
 * per agent, the agents' pause codes, answering-machine detection and the
 * caller id), the organization's caller ids, and enrolment of contacts.
 * Values are checked here for the obvious mistakes; the server's answer is
 * the authority and its message is shown next to the field it names.
 */
import { useEffect, useState } from "preact/hooks"
import * as Api from "../Api.ts"
import { isTimeZone, percent } from "../Format.ts"
import { type Loaded, useLoad } from "../Hooks.ts"
import { navigate } from "../Router.ts"
import type { Amd, CallerId, CallingWindow, Campaign, CampaignMode, NewCampaign, Page, PauseCode, PhoneNumber } from "../Types.ts"
import { ErrorText } from "../components/Ui.tsx"

export const Campaigns = () => {
  const list = useLoad(() => Api.get<Page<Campaign>>("/campaigns", { limit: 200 }), [])
  return (
    <div>
      <h1>Campaigns</h1>
      <p><a class="button" href="#/admin/campaigns/new">New campaign</a></p>
      <ErrorText error={list.error} />
      <table>
        <thead><tr><th scope="col">Name</th><th scope="col">Mode</th><th scope="col">Status</th><th scope="col">Abandon limit</th><th scope="col">Calls</th></tr></thead>
        <tbody>
          {(list.value?.items ?? []).map((c) => (
            <tr key={c.id}>
              <th scope="row"><a href={`#/admin/campaigns/${c.id}`}>{c.name}</a></th>
              <td>{c.mode}</td><td>{c.status}</td><td>{percent(c.abandonLimit)}</td><td>{c.totalCalls}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  )
}

const modes: ReadonlyArray<{ readonly value: CampaignMode; readonly label: string }> = [
  { value: "preview", label: "Preview (agent sees the contact first)" },
  { value: "progressive", label: "Progressive (one line per ready agent)" },
  { value: "predictive", label: "Predictive (paced to the abandon limit)" },
  { value: "agentless", label: "Agentless (AI voice server)" }
]
const dayNames = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"]

interface Draft {
  name: string; mode: CampaignMode; description: string; script: string; timeZone: string
  windows: Array<CallingWindow>; abandonPercent: string; maxAttempts: string; retryDelayMinutes: string; linesPerAgent: string
  pauseCodes: Array<PauseCode>; amdEnabled: boolean; onMachine: Amd["onMachine"]; voicemailMessage: string
  /** "org_default", "local_presence" or "fixed:<phone number id>". */
  callerId: string
}

const callerIdValue = (c: CallerId): string => (c.strategy === "fixed" ? `fixed:${c.phoneNumberId}` : c.strategy)
const callerIdOf = (v: string): CallerId =>
  v.startsWith("fixed:") ? { strategy: "fixed", phoneNumberId: v.slice("fixed:".length) }
    : v === "local_presence" ? { strategy: "local_presence" } : { strategy: "org_default" }

const fromCampaign = (c: Campaign): Draft => ({
  name: c.name, mode: c.mode as CampaignMode, description: c.description ?? "", script: c.script ?? "", timeZone: c.timeZone,
  windows: c.windows.map((w) => ({ ...w, days: [...w.days] })), abandonPercent: String(+(c.abandonLimit * 100).toFixed(3)),
  maxAttempts: String(c.maxAttempts), retryDelayMinutes: String(c.retryDelayMinutes), linesPerAgent: String(c.linesPerAgent),
  pauseCodes: c.pauseCodes.map((p) => ({ ...p })), amdEnabled: c.amd.enabled, onMachine: c.amd.onMachine,
  voicemailMessage: c.amd.voicemailMessage ?? "", callerId: callerIdValue(c.callerId)
})
const blank = (): Draft => ({
  name: "", mode: "progressive", description: "", script: "Hello {{firstName}}, this is … calling about {{company}}.",
  timeZone: Intl.DateTimeFormat().resolvedOptions().timeZone, windows: [{ days: [1, 2, 3, 4, 5], start: "09:00", end: "20:00" }],
  abandonPercent: "3", maxAttempts: "3", retryDelayMinutes: "60", linesPerAgent: "2",
  // The server's defaults, shown so they can be edited before the campaign exists.
  pauseCodes: [{ code: "break", label: "Break" }, { code: "lunch", label: "Lunch" }, { code: "training", label: "Training" }, { code: "meeting", label: "Meeting" }],
  amdEnabled: true, onMachine: "hangup", voicemailMessage: "", callerId: "org_default"
})

/** Checks a draft and builds the request body, or says which field is wrong and why. */
export const toBody = (d: Draft): { readonly body: NewCampaign } | { readonly error: string; readonly field: string } => {
  const num = (s: string) => (s.trim() === "" ? NaN : Number(s))
  if (d.name.trim() === "") return { error: "the name must not be empty", field: "name" }
  if (!isTimeZone(d.timeZone)) return { error: `'${d.timeZone}' is not an IANA time zone (e.g. America/New_York)`, field: "timeZone" }
  const abandon = num(d.abandonPercent)
  if (!(abandon >= 0.1 && abandon <= 20)) return { error: `abandon limit '${d.abandonPercent}' must be between 0.1 and 20 percent`, field: "abandonLimit" }
  const attempts = num(d.maxAttempts)
  if (!Number.isInteger(attempts) || attempts < 1 || attempts > 100) return { error: `max attempts '${d.maxAttempts}' must be a whole number from 1 to 100`, field: "maxAttempts" }
  const delay = num(d.retryDelayMinutes)
  if (!Number.isInteger(delay) || delay < 0 || delay > 129_600) return { error: `retry delay '${d.retryDelayMinutes}' must be whole minutes from 0 to 129600`, field: "retryDelayMinutes" }
  const lines = num(d.linesPerAgent)
  if (!(lines >= 1 && lines <= 20)) return { error: `lines per agent '${d.linesPerAgent}' must be between 1 and 20`, field: "linesPerAgent" }
  for (const [i, w] of d.windows.entries()) {
    if (w.days.length === 0) return { error: `calling window ${i + 1} has no days`, field: "windows" }
    if (!(w.start < w.end)) return { error: `calling window ${i + 1} must start before it ends (${w.start}–${w.end})`, field: "windows" }
  }
  const pauseCodes = d.pauseCodes.map((p) => ({ code: p.code.trim(), label: p.label.trim() }))
  if (pauseCodes.length === 0) return { error: "agents need at least one pause code", field: "pauseCodes" }
  for (const [i, p] of pauseCodes.entries()) {
    if (!/^[a-z][a-z0-9_]{0,31}$/.test(p.code)) {
      return { error: `pause code ${i + 1} '${p.code}' must be lowercase letters, digits or _ and start with a letter (e.g. team_huddle)`, field: "pauseCodes" }
    }
    if (p.label === "") return { error: `pause code '${p.code}' needs a label agents will read`, field: "pauseCodes" }
    if (pauseCodes.findIndex((q) => q.code === p.code) !== i) return { error: `pause code '${p.code}' is listed twice`, field: "pauseCodes" }
  }
  if (d.onMachine === "drop_voicemail" && !d.amdEnabled) {
    return { error: "leaving a voicemail needs answering-machine detection on", field: "amd.onMachine" }
  }
  if (d.onMachine === "drop_voicemail" && d.voicemailMessage.trim() === "") {
    return { error: "write the voicemail message to leave after the beep", field: "amd.voicemailMessage" }
  }
  return {
    body: {
      name: d.name.trim(), mode: d.mode, description: d.description.trim() || null, script: d.script.trim() || null,
      timeZone: d.timeZone, windows: d.windows, abandonLimit: abandon / 100, maxAttempts: attempts,
      retryDelayMinutes: delay, linesPerAgent: lines, pauseCodes,
      amd: { enabled: d.amdEnabled, onMachine: d.onMachine, voicemailMessage: d.voicemailMessage.trim() || null },
      callerId: callerIdOf(d.callerId)
    }
  }
}

export const CampaignEditor = ({ id }: { id: string | undefined }) => {
  const [draft, setDraft] = useState<Draft | undefined>(id === undefined ? blank() : undefined)
  const [campaign, setCampaign] = useState<Campaign | undefined>(undefined)
  const [error, setError] = useState<{ message: string; field?: string } | undefined>(undefined)
  const [saved, setSaved] = useState<string | undefined>(undefined)
  const numbers = useLoad(() => Api.get<ReadonlyArray<PhoneNumber>>("/phone-numbers"), [])

  useEffect(() => {
    if (id === undefined) return
    Api.get<Campaign>(`/campaigns/${id}`).then((c) => { setCampaign(c); setDraft(fromCampaign(c)) }, (e: unknown) => setError({ message: Api.describe(e) }))
  }, [id])
  if (draft === undefined) return <p aria-busy="true">Loading…</p>
  const set = <K extends keyof Draft>(k: K, v: Draft[K]) => setDraft({ ...draft, [k]: v })
  const setWindow = (i: number, w: CallingWindow) => set("windows", draft.windows.map((x, j) => (j === i ? w : x)))
  const setPauseCode = (i: number, p: PauseCode) => set("pauseCodes", draft.pauseCodes.map((x, j) => (j === i ? p : x)))
  const active = (numbers.value ?? []).filter((n) => n.isActive)

  const save = async (e: Event) => {
    e.preventDefault()
    setSaved(undefined)
    const r = toBody(draft)
    if ("error" in r) {
      setError({ message: r.error, field: r.field })
      return
    }
    setError(undefined)
    try {
      const c = id === undefined ? await Api.post<Campaign>("/campaigns", r.body) : await Api.patch<Campaign>(`/campaigns/${id}`, r.body)
      setCampaign(c)
      setSaved(`Saved ${c.name}.`)
      if (id === undefined) navigate(`/admin/campaigns/${c.id}`)
    } catch (err) {
      setError(err instanceof Api.ApiError && err.field !== undefined ? { message: err.message, field: err.field } : { message: Api.describe(err) })
    }
  }
  const invalid = (f: string) => (error?.field === f ? "true" : undefined)

  return (
    <div class="editor">
      <h1>{id === undefined ? "New campaign" : `Campaign: ${campaign?.name ?? ""}`}</h1>
      <form onSubmit={(e) => void save(e)} aria-label="Campaign settings" noValidate>
        <label>Campaign name<input value={draft.name} required aria-invalid={invalid("name")} onInput={(e) => set("name", e.currentTarget.value)} /></label>
        <label>Mode
          <select value={draft.mode} onChange={(e) => set("mode", e.currentTarget.value as CampaignMode)}>
            {modes.map((m) => <option key={m.value} value={m.value}>{m.label}</option>)}
          </select>
        </label>
        <label>Description<input value={draft.description} onInput={(e) => set("description", e.currentTarget.value)} /></label>
        <label>Script (use {"{{firstName}}"}, {"{{company}}"} or any custom field)
          <textarea rows={4} value={draft.script} onInput={(e) => set("script", e.currentTarget.value)} />
        </label>
        <fieldset>
          <legend>Calling window</legend>
          <label>Time zone of the windows<input value={draft.timeZone} aria-invalid={invalid("timeZone")} onInput={(e) => set("timeZone", e.currentTarget.value)} /></label>
          <p class="muted">Contacts are also called only within their own local hours (compliance guard).</p>
          {draft.windows.map((w, i) => (
            <div key={i} class="window-row" role="group" aria-label={`Window ${i + 1}`}>
              {dayNames.map((name, d) => (
                <label key={name} class="choice">
                  <input type="checkbox" checked={w.days.includes(d + 1)}
                    onChange={(e) => setWindow(i, { ...w, days: e.currentTarget.checked ? [...w.days, d + 1].sort() : w.days.filter((x) => x !== d + 1) })} />
                  {name}
                </label>
              ))}
              <label>From<input type="time" value={w.start} onInput={(e) => setWindow(i, { ...w, start: e.currentTarget.value })} /></label>
              <label>To<input type="time" value={w.end} onInput={(e) => setWindow(i, { ...w, end: e.currentTarget.value })} /></label>
              <button type="button" class="secondary" onClick={() => set("windows", draft.windows.filter((_, j) => j !== i))}>Remove window {i + 1}</button>
            </div>
          ))}
          <button type="button" class="secondary" onClick={() => set("windows", [...draft.windows, { days: [1, 2, 3, 4, 5], start: "09:00", end: "17:00" }])}>Add window</button>
        </fieldset>
        <fieldset>
          <legend>Abandon policy and pacing</legend>
          <label>Abandon limit (%)<input type="number" step="0.1" min="0.1" max="20" value={draft.abandonPercent} aria-invalid={invalid("abandonLimit")} onInput={(e) => set("abandonPercent", e.currentTarget.value)} /></label>
          <label>Lines per agent (upper bound)<input type="number" step="0.1" min="1" max="20" value={draft.linesPerAgent} aria-invalid={invalid("linesPerAgent")} onInput={(e) => set("linesPerAgent", e.currentTarget.value)} /></label>
        </fieldset>
        <fieldset>
          <legend>Retry rules</legend>
          <label>Max attempts per contact<input type="number" min="1" max="100" value={draft.maxAttempts} aria-invalid={invalid("maxAttempts")} onInput={(e) => set("maxAttempts", e.currentTarget.value)} /></label>
          <label>Minutes between attempts<input type="number" min="0" value={draft.retryDelayMinutes} aria-invalid={invalid("retryDelayMinutes")} onInput={(e) => set("retryDelayMinutes", e.currentTarget.value)} /></label>
        </fieldset>
        <fieldset>
          <legend>Pause codes</legend>
          <p class="muted">The reasons agents of this campaign pause for; the server refuses any other code.</p>
          {draft.pauseCodes.map((p, i) => (
            <div key={i} class="window-row" role="group" aria-label={`Pause code ${i + 1}`}>
              <label>Code<input value={p.code} pattern="[a-z][a-z0-9_]{0,31}" onInput={(e) => setPauseCode(i, { ...p, code: e.currentTarget.value })} /></label>
              <label>Label<input value={p.label} onInput={(e) => setPauseCode(i, { ...p, label: e.currentTarget.value })} /></label>
              <button type="button" class="secondary" disabled={draft.pauseCodes.length === 1}
                onClick={() => set("pauseCodes", draft.pauseCodes.filter((_, j) => j !== i))}>Remove pause code {i + 1}</button>
            </div>
          ))}
          <button type="button" class="secondary" disabled={draft.pauseCodes.length >= 20}
            onClick={() => set("pauseCodes", [...draft.pauseCodes, { code: "", label: "" }])}>Add pause code</button>
        </fieldset>
        <fieldset>
          <legend>Answering-machine detection</legend>
          <label class="choice"><input type="checkbox" checked={draft.amdEnabled} onChange={(e) => set("amdEnabled", e.currentTarget.checked)} /> Detect answering machines</label>
          <label>When a machine answers
            <select value={draft.onMachine} aria-invalid={invalid("amd.onMachine")} disabled={!draft.amdEnabled}
              onChange={(e) => set("onMachine", e.currentTarget.value as Amd["onMachine"])}>
              <option value="hangup">Hang up</option>
              <option value="drop_voicemail">Leave a voicemail message</option>
            </select>
          </label>
          {draft.amdEnabled && draft.onMachine === "drop_voicemail" ? (
            <label>Voicemail message (spoken after the beep)
              <textarea rows={2} value={draft.voicemailMessage} aria-invalid={invalid("amd.voicemailMessage")} onInput={(e) => set("voicemailMessage", e.currentTarget.value)} />
            </label>
          ) : null}
          {!draft.amdEnabled ? <p class="muted">Every answered call goes to an agent, machines included.</p> : null}
        </fieldset>
        <fieldset>
          <legend>Caller ID</legend>
          <label>Number shown to contacts
            <select value={draft.callerId} aria-invalid={invalid("callerId.phoneNumberId") ?? invalid("callerId.strategy")} onChange={(e) => set("callerId", e.currentTarget.value)}>
              <option value="org_default">The organization's default number</option>
              {active.map((n) => <option key={n.id} value={`fixed:${n.id}`}>{n.number}{n.friendlyName ? ` (${n.friendlyName})` : ""}</option>)}
              {draft.callerId.startsWith("fixed:") && !active.some((n) => `fixed:${n.id}` === draft.callerId)
                ? <option value={draft.callerId}>A number no longer active</option> : null}
              <option value="local_presence" disabled={active.length === 0}>Local presence: rotate over the organization's numbers</option>
            </select>
          </label>
          <p class="muted">Local presence picks, per call, one of the organization's numbers sharing the contact's area code when there is one. Add numbers below.</p>
        </fieldset>
        {error ? <p class="error" role="alert">{error.field ? `${error.field}: ` : ""}{error.message}</p> : null}
        {saved ? <p class="notice" role="status">{saved}</p> : null}
        <button type="submit">{id === undefined ? "Create campaign" : "Save changes"}</button>
      </form>
      {id !== undefined ? <Enrol id={id} /> : null}
      <CallerIds numbers={numbers} />
    </div>
  )
}

const Enrol = ({ id }: { id: string }) => {
  const [result, setResult] = useState<string | undefined>(undefined)
  const [error, setError] = useState<string | undefined>(undefined)
  const enrol = async () => {
    setError(undefined)
    try {
      const r = await Api.post<{ enrolled: number; skippedDnc: number }>(`/campaigns/${id}/contacts`, {})
      setResult(`Enrolled ${r.enrolled} contacts; ${r.skippedDnc} skipped (DNC).`)
    } catch (e) {
      setError(Api.describe(e))
    }
  }
  return (
    <section aria-label="Enrolment">
      <h2>Contacts</h2>
      <button type="button" onClick={() => void enrol()}>Enrol all contacts not yet in this campaign</button>
      {result ? <p role="status">{result}</p> : null}
      <ErrorText error={error} />
    </section>
  )
}

const CallerIds = ({ numbers }: { numbers: Loaded<ReadonlyArray<PhoneNumber>> }) => {
  const [number, setNumber] = useState("")
  const [provider, setProvider] = useState("simulated")
  const [friendlyName, setFriendlyName] = useState("")
  const [isDefault, setIsDefault] = useState(false)
  const [error, setError] = useState<string | undefined>(undefined)
  const add = async (e: Event) => {
    e.preventDefault()
    setError(undefined)
    try {
      await Api.post("/phone-numbers", { number, provider, ...(friendlyName ? { friendlyName } : {}), isDefault })
      setNumber("")
      setFriendlyName("")
      numbers.reload()
    } catch (err) {
      setError(Api.describe(err))
    }
  }
  const remove = async (id: string) => {
    try {
      await Api.del(`/phone-numbers/${id}`)
      numbers.reload()
    } catch (err) {
      setError(Api.describe(err))
    }
  }
  return (
    <section aria-label="Caller IDs">
      <h2>Caller IDs</h2>
      <p class="muted">Numbers the organization's campaigns dial from; the default one is used unless a rule picks another.</p>
      <table>
        <thead><tr><th scope="col">Number</th><th scope="col">Provider</th><th scope="col">Name</th><th scope="col">Default</th><th scope="col"><span class="sr-only">Actions</span></th></tr></thead>
        <tbody>
          {(numbers.value ?? []).map((n) => (
            <tr key={n.id}><td>{n.number}</td><td>{n.provider}</td><td>{n.friendlyName ?? ""}</td><td>{n.isDefault ? "yes" : ""}</td>
              <td><button type="button" class="secondary" onClick={() => void remove(n.id)} aria-label={`Remove ${n.number}`}>Remove</button></td></tr>
          ))}
        </tbody>
      </table>
      <form class="inline" onSubmit={(e) => void add(e)} aria-label="Add caller ID">
        <label>Caller ID number<input value={number} required placeholder="+14155550123" onInput={(e) => setNumber(e.currentTarget.value)} /></label>
        <label>Provider
          <select value={provider} onChange={(e) => setProvider(e.currentTarget.value)}>
            {["simulated", "twilio", "plivo", "sip"].map((p) => <option key={p} value={p}>{p}</option>)}
          </select>
        </label>
        <label>Friendly name<input value={friendlyName} onInput={(e) => setFriendlyName(e.currentTarget.value)} /></label>
        <label class="choice"><input type="checkbox" checked={isDefault} onChange={(e) => setIsDefault(e.currentTarget.checked)} /> Default</label>
        <button type="submit">Add caller ID</button>
      </form>
      <ErrorText error={error ?? numbers.error} />
    </section>
  )
}
