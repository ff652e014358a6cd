/** Campaign configs for tests: a window open around now, or one opening in a few seconds. */
import type { CampaignConfig } from "../../src/CampaignConfig.ts"
import { defaultCampaignConfig } from "../../src/CampaignConfig.ts"

/** An `Etc/GMT±N` zone where it is about noon now, so a day-long window cannot close mid-test. */
export const middayZone = (now = Date.now()): string => {
  const n = new Date(now).getUTCHours() - 12
  return n === 0 ? "Etc/GMT" : `Etc/GMT${n > 0 ? "+" : "-"}${Math.abs(n)}`
}

const hhmmss = (secondsOfDay: number): string => {
  const s = ((secondsOfDay % 86400) + 86400) % 86400
  const pad = (x: number) => String(x).padStart(2, "0")
  return `${pad(Math.floor(s / 3600))}:${pad(Math.floor((s % 3600) / 60))}:${pad(s % 60)}`
}

/** Open every day for (nearly) the whole day in a zone where it is noon now. */
export const openNowConfig = (patch: Partial<CampaignConfig> = {}): CampaignConfig => ({
  ...defaultCampaignConfig,
  timeZone: middayZone(),
  windows: [{ days: [1, 2, 3, 4, 5, 6, 7], start: "00:00", end: "23:59:59" }],
  sessionHeartbeatTimeoutSeconds: 5,
  ...patch
})

/** A window that opens `inSeconds` from `now` (local noon zone) and stays open for an hour. */
export const opensSoonConfig = (inSeconds: number, now = Date.now()): { config: CampaignConfig; opensAt: number } => {
  const zone = middayZone(now)
  const local = new Date(now).getUTCHours() * 3600 + new Date(now).getUTCMinutes() * 60 + new Date(now).getUTCSeconds()
  const offsetHours = new Date(now).getUTCHours() - 12
  const localSeconds = local - offsetHours * 3600
  const start = Math.ceil(localSeconds + inSeconds)
  const opensAt = Math.floor(now / 1000) * 1000 + (start - localSeconds) * 1000
  return {
    config: openNowConfig({ timeZone: zone, windows: [{ days: [1, 2, 3, 4, 5, 6, 7], start: hhmmss(start), end: hhmmss(start + 3600) }] }),
    opensAt
  }
}
