/**
 * The agent console. The agent logs in to a campaign, goes ready or pauses
 * with one of the campaign's pause codes, and logs out. Calls arrive on the
 * agent's realtime channel: ringing, then bridged with a screen-pop (contact,
 * local time, lead score, call history, CRM link, the script filled in), then
 * wrap-up with a timer and the disposition form (number keys pick a
 * disposition, Enter saves; a callback is entered in the contact's zone).
 * Preview campaigns offer a contact to take or skip before an auto-dial countdown.
 * At load and after every reconnection the console restores itself from
 * `GET /agents/me` (state, time in state, campaign, current call), so a reload
 * mid-call or in wrap-up shows the call again.
 */
import { useEffect, useRef, useState } from "preact/hooks"
import * as Api from "../Api.ts"
import { contactName, crmLink, duration, fillScript, instantToZonedInput, isTimeZone, leadScore, localClock, zonedToInstant } from "../Format.ts"
import { useChannel, useLoad, useNow } from "../Hooks.ts"
import { channels } from "../Realtime.ts"
import type { AgentDesk, AgentState, AgentStatus, Call, CallDetail, Campaign, Contact, Disposition, Me, Page, RealtimeMessage } from "../Types.ts"
import { ConnectionBanner, ErrorText, StateBadge, stateLabel } from "../components/Ui.tsx"

/** How many earlier calls the screen-pop lists. */
const historyLength = 10
const hasCall = (s: AgentState) => s === "reserved" || s === "on_call" || s === "wrap_up"

interface ScreenPop {
  readonly callId: string
  readonly call: Call | undefined
  readonly contact: Contact | undefined
  readonly history: ReadonlyArray<Call>
  readonly endedAt: number | undefined
}

interface Preview { readonly contact: Contact; readonly deadline: number; readonly campaignId: string | null }

const field = <A,>(data: unknown, key: string): A | undefined =>
  data !== null && typeof data === "object" && key in data ? (data as Record<string, A>)[key] : undefined

export const AgentConsole = ({ me }: { me: Me }) => {
  const now = useNow(250)
  const campaigns = useLoad(() => Api.get<Page<Campaign>>("/campaigns", { limit: 200 }), [])
  const dispositions = useLoad(() => Api.get<ReadonlyArray<Disposition>>("/dispositions"), [])
  const [status, setStatus] = useState<AgentStatus | undefined>(undefined)
  const [chosen, setChosen] = useState("")
  const [pauseCode, setPauseCode] = useState("")
  const [pop, setPop] = useState<ScreenPop | undefined>(undefined)
  const [preview, setPreview] = useState<Preview | undefined>(undefined)
  const [wrapLimit, setWrapLimit] = useState<number | undefined>(undefined)
  const [wrapStart, setWrapStart] = useState<number | undefined>(undefined)
  const [script, setScript] = useState<string | undefined>(undefined)
  /** The agent's campaign as `GET /agents/me` last returned it (fresher than the list, and there even when the list is not). */
  const [deskCampaign, setDeskCampaign] = useState<Campaign | undefined>(undefined)
  const [error, setError] = useState<string | undefined>(undefined)
  const [notice, setNotice] = useState<string | undefined>(undefined)

  const state: AgentState = status?.state ?? "offline"
  const campaignId = status?.campaignId ?? null
  const shownId = campaignId ?? chosen
  const campaign = deskCampaign?.id === shownId ? deskCampaign : campaigns.value?.items.find((c) => c.id === shownId)
  const since = status === undefined ? now : Date.parse(status.since)

  /**
   * Where the agent stands, from the server: at load, after logging in, and
   * after every reconnection (events sent while the channel was down are lost,
   * so the page asks rather than guesses).
   */
  const restore = async () => {
    try {
      const desk = await Api.get<AgentDesk>("/agents/me")
      // Time in state from the server's count, so a skewed browser clock does not shift the timers.
      const since = new Date(Date.now() - desk.secondsInState * 1000).toISOString()
      setStatus({
        agentId: desk.user.id, fullName: desk.user.fullName, state: desk.state, campaignId: desk.campaign?.id ?? null,
        callId: desk.call?.id ?? null, reason: desk.reason, since
      })
      if (desk.campaign !== null) setDeskCampaign(desk.campaign)
      if (desk.call !== null && hasCall(desk.state)) {
        if (desk.state === "wrap_up") setWrapStart((w) => w ?? Date.parse(since))
        void loadCall(desk.call.id, desk.call.contactId ?? undefined, undefined)
      } else if (!hasCall(desk.state)) {
        // The call was dispositioned (or ended) while this page was away.
        setPop(undefined)
        setWrapStart(undefined)
      }
    } catch (e) {
      setError(`Could not read your state from the server: ${Api.describe(e)}`)
    }
  }
  useEffect(() => {
    void restore()
  }, [me.user.id])

  useEffect(() => {
    const first = campaigns.value?.items.find((c) => c.status !== "completed" && c.status !== "archived")
    if (chosen === "" && first !== undefined) setChosen(first.id)
  }, [campaigns.value])

  const act = async (path: string, body?: unknown) => {
    setError(undefined)
    try {
      const s = await Api.post<AgentStatus>(path, body)
      setStatus(s)
      return s
    } catch (e) {
      setError(Api.describe(e))
      // A refused transition means the page and the server disagree (another tab, a missed event): take the server's view.
      if (e instanceof Api.ApiError && e.tag === "Conflict") void restore()
      return undefined
    }
  }

  /** Numbers the screen-pop loads: several events of one call each start one, and only the latest may apply its answer. */
  const loads = useRef(0)
  const loadCall = async (callId: string, contactId: string | undefined, inline: { contact?: Contact; history?: ReadonlyArray<Call> } | undefined) => {
    const load = ++loads.current
    // A new call makes earlier messages (a failed preview, a refused pause) stale.
    setError(undefined)
    setNotice(undefined)
    setPop((p) => (p?.callId === callId ? p : { callId, call: undefined, contact: inline?.contact, history: inline?.history ?? [], endedAt: undefined }))
    try {
      const detail = await Api.get<CallDetail>(`/calls/${callId}`)
      const cid = contactId ?? detail.call.contactId ?? undefined
      const contact = inline?.contact ?? (cid === undefined ? undefined : await Api.get<Contact>(`/contacts/${cid}`))
      // The contact's latest calls in every campaign, newest first, without this one.
      const history = inline?.history ?? (cid === undefined ? [] : (await Api.get<Page<Call>>("/calls", {
        contactId: cid, limit: historyLength + 1
      })).items.filter((c) => c.id !== callId).slice(0, historyLength))
      if (load !== loads.current) return
      setPop((p) => ({ callId, call: detail.call, contact, history, endedAt: p?.callId === callId ? p.endedAt : undefined }))
    } catch (e) {
      if (load === loads.current) setError(`Could not load the screen-pop: ${Api.describe(e)}`)
    }
  }

  const onMessage = (m: RealtimeMessage) => {
    const d = m.data
    switch (m.type) {
      case "agent.state": {
        const s = field<AgentState>(d, "state")
        if (s === undefined) return
        setStatus((prev) => ({
          agentId: me.user.id, fullName: me.user.fullName, state: s,
          campaignId: field<string | null>(d, "campaignId") ?? prev?.campaignId ?? null,
          callId: field<string | null>(d, "callId") ?? (s === "on_call" || s === "reserved" || s === "wrap_up" ? prev?.callId ?? null : null),
          reason: field<string | null>(d, "reason") ?? null, since: new Date(m.at).toISOString()
        }))
        // The state event may not name the call: the desk does.
        if (hasCall(s) && pop === undefined) void restore()
        return
      }
      case "call.offered":
      case "call.ringing":
      case "call.connected":
      case "call.bridged":
      case "screen_pop": {
        const callId = field<string>(d, "callId")
        if (callId === undefined) return
        setPreview(undefined)
        // The event may carry the contact and the script for a fast pop; the full record is always fetched.
        const inline = field<Contact>(d, "contact")
        const contact = inline !== undefined && inline !== null && typeof inline.customFields === "object" ? inline : undefined
        const history = field<ReadonlyArray<Call>>(d, "history")
        const popScript = field<{ script?: string | null }>(d, "campaign")?.script
        if (typeof popScript === "string") setScript(popScript)
        void loadCall(callId, field<string>(d, "contactId") ?? inline?.id, { ...(contact ? { contact } : {}), ...(history ? { history } : {}) })
        const ringing = m.type === "call.offered" || m.type === "call.ringing"
        setStatus((prev) => prev === undefined ? prev : {
          ...prev, callId,
          ...(prev.state !== "on_call" || !ringing ? { state: ringing && prev.state !== "on_call" ? "reserved" as const : "on_call" as const, since: new Date(m.at).toISOString() } : {})
        })
        return
      }
      case "call.ended": {
        const callId = field<string>(d, "callId")
        setPop((p) => (p !== undefined && (callId === undefined || p.callId === callId) ? { ...p, endedAt: m.at } : p))
        const limit = field<number>(d, "wrapUpSeconds")
        if (typeof limit === "number") setWrapLimit(limit)
        return
      }
      case "wrapup.timer": {
        // The server counts wrap-up from the state change; follow its clock, and its limit when it sends one.
        const elapsed = field<number>(d, "elapsedSeconds")
        if (typeof elapsed === "number") setWrapStart(m.at - elapsed * 1000)
        const limit = field<number>(d, "limitSeconds") ?? field<number>(d, "wrapUpSeconds")
        if (typeof limit === "number") setWrapLimit(limit)
        return
      }
      case "preview.offered": {
        const contact = field<Contact>(d, "contact")
        const seconds = field<number>(d, "autoDialSeconds") ?? 15
        if (contact !== undefined) setPreview({ contact, deadline: m.at + seconds * 1000, campaignId: field<string>(d, "campaignId") ?? null })
        return
      }
      default:
        return
    }
  }
  const channel = useChannel(channels.me, onMessage)
  // Every reconnection (not the first open, which the load above covers) re-reads the desk.
  const opened = useRef(0)
  useEffect(() => {
    if (channel !== "open") return
    opened.current += 1
    if (opened.current > 1) void restore()
  }, [channel])

  // Preview auto-dial: when the countdown runs out, the contact is dialled.
  const took = useRef<string | undefined>(undefined)
  const takePreview = async (p: Preview) => {
    took.current = p.contact.id
    setPreview(undefined)
    try {
      await Api.post("/agents/me/preview/take", { contactId: p.contact.id })
    } catch (e) {
      setError(`Could not dial the previewed contact: ${Api.describe(e)}`)
    }
  }
  const skipPreview = async (p: Preview) => {
    setPreview(undefined)
    try {
      await Api.post("/agents/me/preview/skip", { contactId: p.contact.id })
    } catch (e) {
      setError(`Could not skip the previewed contact: ${Api.describe(e)}`)
    }
  }
  useEffect(() => {
    if (preview !== undefined && now >= preview.deadline && took.current !== preview.contact.id) void takePreview(preview)
  }, [now, preview])

  // The campaign's own pause codes: the server refuses any other.
  const pauseCodes = campaign?.pauseCodes ?? []
  useEffect(() => {
    if (!pauseCodes.some((p) => p.code === pauseCode)) setPauseCode(pauseCodes[0]?.code ?? "")
  }, [pauseCodes.map((p) => p.code).join(",")])
  const pauseLabel = (code: string | null) => (code === null ? null : pauseCodes.find((p) => p.code === code)?.label ?? code)

  const loggedIn = state !== "offline"
  const inWrapUp = state === "wrap_up" || (pop !== undefined && pop.endedAt !== undefined && state !== "on_call")

  const logout = async () => {
    const s = await act("/agents/me/logout")
    if (s !== undefined) {
      setPop(undefined)
      setPreview(undefined)
      setNotice("Logged out of the campaign.")
    }
  }

  return (
    <div class="agent">
      <ConnectionBanner status={channel} />
      <h1>Agent console</h1>
      <section class={`agent-state state-${state}`} aria-label="Agent state">
        <p role="status" aria-live="polite">
          <StateBadge state={state} />
          <span class="state-time" aria-label="Time in state">{duration((now - since) / 1000)}</span>
          {state === "paused" && status?.reason ? <span class="reason"> ({pauseLabel(status.reason)})</span> : null}
          {campaign ? <span class="campaign-name"> · {campaign.name} ({campaign.mode})</span> : null}
        </p>
        {!loggedIn ? (
          <form class="inline" onSubmit={(e) => { e.preventDefault(); void act("/agents/me/login", { campaignId: chosen }).then((s) => { if (s) { setNotice(undefined); void restore() } }) }}>
            <label>Campaign
              <select value={chosen} onChange={(e) => setChosen(e.currentTarget.value)} required>
                {(campaigns.value?.items ?? []).map((c) => <option key={c.id} value={c.id}>{c.name} · {c.status}</option>)}
              </select>
            </label>
            <button type="submit" disabled={chosen === ""}>Log in to campaign</button>
          </form>
        ) : (
          <div class="controls" role="group" aria-label="State controls">
            <button type="button" onClick={() => void act("/agents/me/ready")} disabled={!(state === "paused" || state === "wrap_up") || (inWrapUp && pop !== undefined)}>Ready</button>
            <label>Pause code
              <select value={pauseCode} onChange={(e) => setPauseCode(e.currentTarget.value)}>
                {pauseCodes.map((p) => <option key={p.code} value={p.code}>{p.label}</option>)}
              </select>
            </label>
            <button type="button" onClick={() => void act("/agents/me/pause", { code: pauseCode })} disabled={pauseCode === "" || !(state === "available" || state === "wrap_up" || state === "paused")}>Pause</button>
            {state === "on_call" ? <button type="button" onClick={() => void act("/agents/me/wrap-up")}>End call and wrap up</button> : null}
            <button type="button" class="secondary" onClick={() => void logout()} disabled={state === "on_call"}>Log out of campaign</button>
          </div>
        )}
        <ErrorText error={error ?? campaigns.error} />
        {notice ? <p class="notice">{notice}</p> : null}
      </section>

      {state === "available" && pop === undefined && preview === undefined
        ? <p class="waiting">Waiting for the next call…</p> : null}

      {preview !== undefined ? (
        <section class="preview" aria-label="Preview">
          <h2>Preview: {contactName(preview.contact)}</h2>
          <ContactCard contact={preview.contact} history={[]} dispositions={dispositions.value ?? []} now={now} />
          <p role="timer" aria-live="off">Auto-dial in {Math.max(0, Math.ceil((preview.deadline - now) / 1000))} s</p>
          <button type="button" onClick={() => void takePreview(preview)}>Dial now</button>
          <button type="button" class="secondary" onClick={() => void skipPreview(preview)}>Skip</button>
        </section>
      ) : null}

      {pop !== undefined ? (
        <div class="screen-pop">
          <section aria-label="Screen-pop">
            <h2>{state === "reserved" ? "Incoming call: " : ""}{pop.contact ? contactName(pop.contact) : "Loading contact…"}</h2>
            {pop.contact ? <ContactCard contact={pop.contact} history={pop.history} dispositions={dispositions.value ?? []} now={now} /> : null}
          </section>
          {(script ?? campaign?.script) && pop.contact ? (
            <section aria-label="Script" class="script">
              <h2>Script</h2>
              <p>{fillScript((script ?? campaign?.script)!, pop.contact).map((part, i) =>
                part.field === undefined ? <span key={i}>{part.text}</span>
                  : <mark key={i} class={part.missing ? "missing" : ""} title={part.field}>{part.text}</mark>)}</p>
            </section>
          ) : null}
          {inWrapUp ? (
            <DispositionForm
              key={pop.callId}
              callId={pop.callId}
              contact={pop.contact}
              campaignTz={campaign?.timeZone ?? me.organization.defaultTimeZone}
              dispositions={(dispositions.value ?? []).filter((d) => d.isActive)}
              wrapStart={wrapStart ?? pop.endedAt ?? (state === "wrap_up" ? since : now)}
              wrapLimit={wrapLimit}
              now={now}
              pauseCode={pauseCode}
              pauseLabel={pauseLabel(pauseCode) ?? pauseCode}
              onDone={async (pauseAfter) => {
                setPop(undefined)
                setWrapLimit(undefined)
                setWrapStart(undefined)
                // The server makes the agent ready when the disposition closes the wrap-up.
                if (pauseAfter) await act("/agents/me/pause", { code: pauseCode })
              }}
            />
          ) : null}
        </div>
      ) : null}
    </div>
  )
}

const ContactCard = ({ contact, history, dispositions, now }: {
  contact: Contact; history: ReadonlyArray<Call>; dispositions: ReadonlyArray<Disposition>; now: number
}) => {
  const tz = contact.timeZone !== null && isTimeZone(contact.timeZone) ? contact.timeZone : undefined
  const score = leadScore(contact)
  const link = crmLink(contact)
  return (
    <div class="contact-card">
      <dl>
        <dt>Name</dt><dd>{contactName(contact)}</dd>
        <dt>Company</dt><dd>{contact.company ?? "—"}</dd>
        <dt>Phone</dt><dd>{contact.phone}</dd>
        <dt>Local time</dt><dd>{tz ? localClock(new Date(now), tz) : "unknown time zone"}</dd>
        <dt>Lead score</dt><dd>{score ?? "—"}</dd>
        <dt>CRM</dt><dd>{link ? <a href={link} target="_blank" rel="noopener noreferrer">Open in {contact.sourceCrm ?? "CRM"}</a>
          : contact.crmId ? `${contact.sourceCrm ?? "CRM"} id ${contact.crmId}` : "not linked"}</dd>
        <dt>Email</dt><dd>{contact.email ?? "—"}</dd>
      </dl>
      <h3>Call history</h3>
      {history.length === 0 ? <p class="muted">No earlier calls.</p> : (
        <table aria-label="Call history">
          <thead><tr><th scope="col">When</th><th scope="col">Outcome</th><th scope="col">Disposition</th><th scope="col">Talk</th><th scope="col">Notes</th></tr></thead>
          <tbody>
            {history.map((c) => (
              <tr key={c.id}>
                <td>{new Date(c.createdAt).toLocaleString()}</td>
                <td>{(c.outcome ?? c.status).replace(/_/g, " ")}</td>
                <td>{c.dispositionId === null ? "—" : dispositions.find((d) => d.id === c.dispositionId)?.label ?? "—"}</td>
                <td>{c.talkSeconds === null ? "—" : duration(c.talkSeconds)}</td>
                <td>{c.notes ?? ""}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </div>
  )
}

const DispositionForm = (props: {
  callId: string; contact: Contact | undefined; campaignTz: string; dispositions: ReadonlyArray<Disposition>
  wrapStart: number; wrapLimit: number | undefined; now: number; pauseCode: string; pauseLabel: string
  onDone: (pauseAfter: boolean) => Promise<void>
}) => {
  const [code, setCode] = useState<string | undefined>(undefined)
  const [notes, setNotes] = useState("")
  const [callback, setCallback] = useState("")
  const [pauseAfter, setPauseAfter] = useState(false)
  const [error, setError] = useState<string | undefined>(undefined)
  const [busy, setBusy] = useState(false)
  const tz = props.contact?.timeZone && isTimeZone(props.contact.timeZone) ? props.contact.timeZone : props.campaignTz
  const selected = props.dispositions.find((d) => d.code === code)

  const submit = async () => {
    if (code === undefined || busy) return
    setBusy(true)
    setError(undefined)
    try {
      const callbackAt = callback === "" ? undefined : zonedToInstant(callback, tz).toISOString()
      if (selected?.callback && callbackAt === undefined) throw new Error(`'${selected.label}' needs a callback time`)
      await Api.post(`/calls/${props.callId}/disposition`, { code, ...(notes.trim() ? { notes: notes.trim() } : {}), ...(callbackAt ? { callbackAt } : {}) })
      await props.onDone(pauseAfter)
    } catch (e) {
      setError(Api.describe(e))
      setBusy(false)
    }
  }
  const submitRef = useRef(submit)
  submitRef.current = submit

  // Number keys pick a disposition; Enter saves (Ctrl+Enter inside the notes).
  useEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      const t = e.target as HTMLElement | null
      const typing = t !== null && (t.tagName === "TEXTAREA" || (t.tagName === "INPUT" && (t as HTMLInputElement).type !== "radio" && (t as HTMLInputElement).type !== "checkbox") || t.tagName === "SELECT")
      if (e.key === "Enter" && (!typing || e.ctrlKey || e.metaKey)) {
        e.preventDefault()
        void submitRef.current()
        return
      }
      if (typing || e.altKey || e.ctrlKey || e.metaKey) return
      const n = Number(e.key)
      if (Number.isInteger(n) && n >= 1 && n <= 9) {
        const d = props.dispositions[n - 1]
        if (d !== undefined) {
          e.preventDefault()
          setCode(d.code)
          if (d.callback && callback === "") setCallback(instantToZonedInput(new Date(props.now + 86_400_000), tz))
        }
      }
    }
    addEventListener("keydown", onKey)
    return () => removeEventListener("keydown", onKey)
  }, [props.dispositions, callback, tz])

  const elapsed = (props.now - props.wrapStart) / 1000
  const over = props.wrapLimit !== undefined && elapsed > props.wrapLimit
  return (
    <section class="disposition" aria-label="Disposition">
      <h2>Wrap-up</h2>
      <p role="timer" class={over ? "over" : ""} aria-label="Wrap-up timer">
        Wrap-up {duration(elapsed)}{props.wrapLimit !== undefined ? ` of ${duration(props.wrapLimit)}` : ""}
      </p>
      <form onSubmit={(e) => { e.preventDefault(); void submit() }}>
        <fieldset>
          <legend>Disposition (press 1–{Math.min(9, props.dispositions.length)})</legend>
          {props.dispositions.length === 0 ? <p class="error">No dispositions are configured for this organization.</p> : null}
          {props.dispositions.map((d, i) => (
            <label key={d.code} class="choice">
              <input type="radio" name="disposition" value={d.code} checked={code === d.code}
                onChange={() => { setCode(d.code); if (d.callback && callback === "") setCallback(instantToZonedInput(new Date(props.now + 86_400_000), tz)) }} />
              {i < 9 ? <kbd>{i + 1}</kbd> : null} {d.label}
            </label>
          ))}
        </fieldset>
        <label>Notes<textarea value={notes} rows={3} onInput={(e) => setNotes(e.currentTarget.value)} /></label>
        <label>Callback time ({tz})
          <input type="datetime-local" value={callback} onInput={(e) => setCallback(e.currentTarget.value)} required={selected?.callback === true} />
        </label>
        <label class="choice"><input type="checkbox" checked={pauseAfter} onChange={(e) => setPauseAfter(e.currentTarget.checked)} /> Pause ({props.pauseLabel}) after saving instead of taking the next call</label>
        <ErrorText error={error} />
        <button type="submit" disabled={code === undefined || busy}>Save disposition{selected ? `: ${selected.label}` : ""}</button>
      </form>
      <p class="muted">{stateLabel("wrap_up")}: the pacer does not send calls until you are ready.</p>
    </section>
  )
}
