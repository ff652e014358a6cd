/**
 * The call log: a filtered, paginated list (campaign, status, outcome,
 * agent) and the detail of one call with its carrier events, recording,
 * transcript and the agent's notes.
 */
import { useState } from "preact/hooks"
import * as Api from "../Api.ts"
import { duration } from "../Format.ts"
import { useLoad } from "../Hooks.ts"
import type { AgentStatus, Call, CallDetail, Campaign, Page } from "../Types.ts"
import { ErrorText } from "../components/Ui.tsx"

const statuses = ["", "queued", "initiated", "ringing", "in_progress", "completed", "failed", "busy", "no_answer", "canceled"]

export const Calls = () => {
  const campaigns = useLoad(() => Api.get<Page<Campaign>>("/campaigns", { limit: 200 }), [])
  const agents = useLoad(() => Api.get<ReadonlyArray<AgentStatus>>("/agents"), [])
  const [filter, setFilter] = useState({ campaignId: "", status: "", outcome: "", agentId: "" })
  const [applied, setApplied] = useState(filter)
  const [cursors, setCursors] = useState<ReadonlyArray<string | undefined>>([undefined])
  const cursor = cursors[cursors.length - 1]
  const list = useLoad(() => Api.get<Page<Call>>("/calls", { ...applied, limit: 50, cursor }), [applied, cursor])
  const campaignName = (id: string | null) => campaigns.value?.items.find((c) => c.id === id)?.name ?? "—"
  const agentName = (id: string | null) => agents.value?.find((a) => a.agentId === id)?.fullName ?? (id === null ? "—" : "agent")

  return (
    <div>
      <h1>Calls</h1>
      <form class="inline" aria-label="Filter calls" onSubmit={(e) => { e.preventDefault(); setCursors([undefined]); setApplied(filter) }}>
        <label>Campaign
          <select value={filter.campaignId} onChange={(e) => setFilter({ ...filter, campaignId: e.currentTarget.value })}>
            <option value="">All campaigns</option>
            {(campaigns.value?.items ?? []).map((c) => <option key={c.id} value={c.id}>{c.name}</option>)}
          </select>
        </label>
        <label>Status
          <select value={filter.status} onChange={(e) => setFilter({ ...filter, status: e.currentTarget.value })}>
            {statuses.map((s) => <option key={s} value={s}>{s === "" ? "Any status" : s}</option>)}
          </select>
        </label>
        <label>Outcome<input value={filter.outcome} placeholder="e.g. abandoned" onInput={(e) => setFilter({ ...filter, outcome: e.currentTarget.value })} /></label>
        <label>Agent
          <select value={filter.agentId} onChange={(e) => setFilter({ ...filter, agentId: e.currentTarget.value })}>
            <option value="">Any agent</option>
            {(agents.value ?? []).map((a) => <option key={a.agentId} value={a.agentId}>{a.fullName}</option>)}
          </select>
        </label>
        <button type="submit">Filter</button>
      </form>
      <ErrorText error={list.error} />
      <table aria-label="Calls">
        <thead><tr><th scope="col">Started</th><th scope="col">To</th><th scope="col">Campaign</th><th scope="col">Agent</th><th scope="col">Status</th><th scope="col">Outcome</th><th scope="col">Talk</th></tr></thead>
        <tbody>
          {(list.value?.items ?? []).map((c) => (
            <tr key={c.id}>
              <td><a href={`#/admin/calls/${c.id}`}>{new Date(c.createdAt).toLocaleString()}</a></td>
              <td>{c.toNumber}</td><td>{campaignName(c.campaignId)}</td><td>{agentName(c.agentId)}</td>
              <td>{c.status}</td><td>{c.outcome ?? ""}</td><td>{c.talkSeconds === null ? "—" : duration(c.talkSeconds)}</td>
            </tr>
          ))}
        </tbody>
      </table>
      {list.value?.items.length === 0 ? <p>No calls match.</p> : null}
      <nav aria-label="Call pages" class="pager">
        <button type="button" class="secondary" disabled={cursors.length <= 1} onClick={() => setCursors(cursors.slice(0, -1))}>Previous page</button>
        <button type="button" class="secondary" disabled={!list.value?.nextCursor} onClick={() => setCursors([...cursors, list.value?.nextCursor ?? undefined])}>Next page</button>
      </nav>
    </div>
  )
}

export const CallDetailPage = ({ id }: { id: string }) => {
  const detail = useLoad(() => Api.get<CallDetail>(`/calls/${id}`), [id])
  const d = detail.value
  return (
    <div>
      <p><a href="#/admin/calls">← All calls</a></p>
      <h1>Call to {d?.call.toNumber ?? "…"}</h1>
      <ErrorText error={detail.error} />
      {d === undefined ? null : (
        <>
          <dl class="report">
            <dt>Status</dt><dd>{d.call.status}</dd>
            <dt>Outcome</dt><dd>{d.call.outcome ?? "—"}</dd>
            <dt>Answered by</dt><dd>{d.call.answeredBy ?? "—"}</dd>
            <dt>From</dt><dd>{d.call.fromNumber}</dd>
            <dt>Attempt</dt><dd>{d.call.attempt}</dd>
            <dt>Talk time</dt><dd>{d.call.talkSeconds === null ? "—" : duration(d.call.talkSeconds)}</dd>
            <dt>Provider</dt><dd>{d.call.provider}{d.call.providerCallId ? ` (${d.call.providerCallId})` : ""}</dd>
            <dt>Transferred</dt><dd>{d.call.isTransferred ? d.call.transferredTo ?? "yes" : "no"}</dd>
            <dt>Notes</dt><dd>{d.notes ?? "—"}</dd>
          </dl>
          <section aria-label="Recording">
            <h2>Recording</h2>
            {d.recordingUrl ? <audio controls src={d.recordingUrl} aria-label="Call recording" /> : <p class="muted">No recording.</p>}
          </section>
          <section aria-label="Transcript">
            <h2>Transcript</h2>
            {d.call.summary ? <p><strong>Summary:</strong> {d.call.summary}</p> : null}
            {d.transcript ? <pre class="transcript">{d.transcript}</pre> : <p class="muted">No transcript ({d.call.transcriptStatus}).</p>}
          </section>
          <section aria-label="Events">
            <h2>Events</h2>
            <table aria-label="Call events">
              <thead><tr><th scope="col">Time</th><th scope="col">Event</th><th scope="col">Provider</th><th scope="col">Details</th></tr></thead>
              <tbody>
                {d.events.map((e) => (
                  <tr key={e.id}><td>{new Date(e.occurredAt).toLocaleTimeString()}</td><td>{e.type}</td><td>{e.provider}</td>
                    <td><code>{JSON.stringify(e.payload)}</code></td></tr>
                ))}
              </tbody>
            </table>
          </section>
        </>
      )}
    </div>
  )
}
