/** Shared presentational pieces: the realtime banner, error messages, tiles, the state badge. */
import type { ComponentChildren } from "preact"
import type { ChannelStatus } from "../Realtime.ts"

export const ConnectionBanner = ({ status }: { status: ChannelStatus | "idle" }) =>
  status === "down"
    ? <div class="banner warning" role="alert">Realtime connection lost. Reconnecting… Live updates are paused; what you see may be out of date.</div>
    : null

export const ErrorText = ({ error }: { error: string | undefined }) =>
  error === undefined ? null : <p class="error" role="alert">{error}</p>

export const Tile = ({ label, value, detail, tone }: { label: string; value: ComponentChildren; detail?: ComponentChildren; tone?: "ok" | "warn" | "bad" }) => (
  <section class={`tile ${tone ?? ""}`} aria-label={label}>
    <h3>{label}</h3>
    <p class="tile-value">{value}</p>
    {detail === undefined ? null : <p class="tile-detail">{detail}</p>}
  </section>
)

const stateLabels: Readonly<Record<string, string>> = {
  offline: "Logged out", available: "Ready", reserved: "Ringing", on_call: "On call", wrap_up: "Wrap-up", paused: "Paused"
}
export const stateLabel = (s: string): string => stateLabels[s] ?? s

export const StateBadge = ({ state }: { state: string }) => <span class={`badge state-${state}`}>{stateLabel(state)}</span>
