/**
 * The supervisor dashboard of one campaign: live tiles (dial level, calls in
 * flight, agents by state, abandon rate against its limit with the budget
 * left, talk minutes per agent-hour, connects per hour), a chart of those over
 * the last hour, the agents with their state and time in state, the campaign
 * controls, and a warning when compliance holds the pacer back. Stats come
 * from the campaign's realtime channel and, as a fallback, a 2-second poll.
 */
import { useEffect, useState } from "preact/hooks"
import * as Api from "../Api.ts"
import { duration, percent } from "../Format.ts"
import { useChannel, useLoad, useNow, usePoll } from "../Hooks.ts"
import { abandonBudgetLeft, complianceHolds, connectsPerHour, connectsSeries, record, type Sample } from "../Metrics.ts"
import { channels } from "../Realtime.ts"
import type { AgentStatus, Campaign, CampaignStats, Page, RealtimeMessage } from "../Types.ts"
import { LiveChart } from "../components/Chart.tsx"
import { ConnectionBanner, ErrorText, StateBadge, Tile } from "../components/Ui.tsx"

const isStats = (d: unknown): d is CampaignStats =>
  d !== null && typeof d === "object" && typeof (d as CampaignStats).dialLevel === "number" && typeof (d as CampaignStats).agents === "object"

export const Supervisor = () => {
  const now = useNow(1000)
  const list = useLoad(() => Api.get<Page<Campaign>>("/campaigns", { limit: 200 }), [])
  const [campaignId, setCampaignId] = useState<string>(() => sessionStorage.getItem("autodialer.supervisor.campaign") ?? "")
  const [campaign, setCampaign] = useState<Campaign | undefined>(undefined)
  const [stats, setStats] = useState<CampaignStats | undefined>(undefined)
  const [history, setHistory] = useState<ReadonlyArray<Sample>>([])
  const [agents, setAgents] = useState<ReadonlyArray<AgentStatus>>([])
  const [reason, setReason] = useState("")
  const [error, setError] = useState<string | undefined>(undefined)
  const [busy, setBusy] = useState(false)

  useEffect(() => {
    const items = list.value?.items ?? []
    if (items.length > 0 && !items.some((c) => c.id === campaignId)) setCampaignId(items[0]!.id)
  }, [list.value])
  useEffect(() => {
    if (campaignId === "") return
    sessionStorage.setItem("autodialer.supervisor.campaign", campaignId)
    setStats(undefined)
    setHistory([])
    Api.get<Campaign>(`/campaigns/${campaignId}`).then(setCampaign, (e: unknown) => setError(Api.describe(e)))
  }, [campaignId])

  const take = (s: CampaignStats) => {
    if (s.campaignId !== campaignId) return
    setStats(s)
    setHistory((h) => record(h, s, Date.parse(s.at) || Date.now()))
    setCampaign((c) => (c !== undefined && c.status !== s.status ? { ...c, status: s.status } : c))
  }
  const refreshAgents = () => {
    Api.get<ReadonlyArray<AgentStatus>>("/agents").then(setAgents, (e: unknown) => setError(Api.describe(e)))
  }
  usePoll(() => {
    if (campaignId === "") return
    Api.get<CampaignStats>(`/campaigns/${campaignId}/stats`).then(take, (e: unknown) => setError(Api.describe(e)))
    refreshAgents()
  }, 2000, campaignId)
  // Settings edited elsewhere (calling windows, limits) change the compliance warning: re-read them now and then.
  usePoll(() => {
    if (campaignId !== "") Api.get<Campaign>(`/campaigns/${campaignId}`).then(setCampaign, () => undefined)
  }, 5000, campaignId)

  const onMessage = (m: RealtimeMessage) => {
    if (isStats(m.data)) take(m.data)
    else if (m.type === "agent.state") refreshAgents()
    else if (m.type === "campaign.status") {
      const status = (m.data as { status?: unknown }).status
      if (typeof status === "string") setCampaign((c) => (c === undefined ? c : { ...c, status }))
    }
  }
  const channel = useChannel(campaignId === "" ? undefined : channels.campaign(campaignId), onMessage)

  const control = async (action: "start" | "pause" | "resume" | "stop") => {
    setBusy(true)
    setError(undefined)
    try {
      const body = action === "pause" || action === "stop" ? (reason.trim() ? { reason: reason.trim() } : {}) : undefined
      setCampaign(await Api.post<Campaign>(`/campaigns/${campaignId}/${action}`, body))
    } catch (e) {
      setError(Api.describe(e))
    } finally {
      setBusy(false)
    }
  }

  const status = campaign?.status ?? stats?.status ?? "unknown"
  const holds = campaign === undefined ? [] : complianceHolds(campaign, stats, new Date(now))
  const cph = connectsPerHour(history)
  const inCampaign = agents.filter((a) => a.campaignId === campaignId && a.state !== "offline")
  const others = agents.filter((a) => !(a.campaignId === campaignId && a.state !== "offline"))

  return (
    <div class="supervisor">
      <ConnectionBanner status={channel} />
      <h1>Supervisor dashboard</h1>
      <div class="toolbar">
        <label>Campaign
          <select value={campaignId} onChange={(e) => setCampaignId(e.currentTarget.value)}>
            {(list.value?.items ?? []).map((c) => <option key={c.id} value={c.id}>{c.name}</option>)}
          </select>
        </label>
        <p>Status: <strong class={`status status-${status}`} aria-label="Campaign status">{status}</strong>
          {stats ? <span class="muted"> · {stats.runtime} · updated {new Date(stats.at).toLocaleTimeString()}</span> : null}</p>
      </div>
      <ErrorText error={error ?? list.error} />
      {holds.length > 0 ? (
        <div class="banner warning" role="alert" aria-label="Compliance hold">
          {holds.map((h) => <p key={h.kind}>{h.message}</p>)}
        </div>
      ) : null}

      <section aria-label="Campaign controls" class="controls">
        <button type="button" disabled={busy || !(status === "draft" || status === "scheduled" || status === "completed")} onClick={() => void control("start")}>Start</button>
        <button type="button" disabled={busy || status !== "running"} onClick={() => void control("pause")}>Pause</button>
        <button type="button" disabled={busy || status !== "paused"} onClick={() => void control("resume")}>Resume</button>
        <button type="button" class="danger" disabled={busy || !(status === "running" || status === "paused")} onClick={() => void control("stop")}>Stop</button>
        <label>Reason (pause, stop)<input value={reason} onInput={(e) => setReason(e.currentTarget.value)} /></label>
      </section>

      {stats === undefined ? <p aria-busy="true">Loading live numbers…</p> : (
        <>
          <div class="tiles">
            <Tile label="Dial level" value={stats.dialLevel.toFixed(2)} detail={`lines per agent (limit ${campaign?.linesPerAgent ?? "?"})`} />
            <Tile label="Calls in flight" value={stats.callsInFlight} detail={`${stats.callsPlaced} placed · queue ${stats.queue.pending} pending`} />
            <Tile label="Agents logged in" value={stats.agents.available + stats.agents.reserved + stats.agents.on_call + stats.agents.wrap_up + stats.agents.paused}
              detail={`${stats.agents.available} ready · ${stats.agents.on_call + stats.agents.reserved} on call · ${stats.agents.wrap_up} wrap-up · ${stats.agents.paused} paused`} />
            <Tile label="Abandon rate" value={percent(stats.abandonRate)}
              tone={stats.abandonRate >= stats.abandonLimit && stats.abandoned > 0 ? "bad" : stats.abandonRate >= 0.8 * stats.abandonLimit && stats.abandoned > 0 ? "warn" : "ok"}
              detail={`limit ${percent(stats.abandonLimit)} · ${Math.max(0, abandonBudgetLeft(stats))} abandons left · ${stats.abandoned} so far`} />
            <Tile label="Talk minutes per agent-hour" value={stats.talkMinutesPerAgentHour.toFixed(1)} detail={`${duration(stats.talkSeconds)} talk in total`} />
            <Tile label="Connects per hour" value={cph === undefined ? "—" : cph.toFixed(0)} detail={`${stats.connects} connects in total`} />
          </div>
          <LiveChart title="Last hour" times={history.map((h) => h.t)} series={[
            { label: "Dial level", color: "#1f6feb", scale: "level", values: history.map((h) => h.dialLevel) },
            { label: "Calls in flight", color: "#8250df", scale: "level", values: history.map((h) => h.inFlight) },
            { label: "Abandon %", color: "#cf222e", scale: "pct", values: history.map((h) => h.abandonRate * 100) },
            { label: "Talk min/agent-h", color: "#1a7f37", scale: "pct", values: history.map((h) => h.talkMinutesPerAgentHour) },
            { label: "Connects/h", color: "#9a6700", scale: "pct", values: connectsSeries(history) }
          ]} />
        </>
      )}

      <section aria-label="Agents">
        <h2>Agents</h2>
        <table>
          <thead><tr><th scope="col">Agent</th><th scope="col">State</th><th scope="col">Time in state</th><th scope="col">Reason</th><th scope="col">Campaign</th></tr></thead>
          <tbody>
            {[...inCampaign, ...others].map((a) => (
              <tr key={a.agentId}>
                <th scope="row">{a.fullName}</th>
                <td><StateBadge state={a.state} /></td>
                <td>{duration((now - Date.parse(a.since)) / 1000)}</td>
                <td>{a.reason ?? ""}</td>
                <td>{a.campaignId === null ? "—" : a.campaignId === campaignId ? "this campaign" : (list.value?.items.find((c) => c.id === a.campaignId)?.name ?? "other")}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </section>
    </div>
  )
}
