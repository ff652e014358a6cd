/**
 * Lifecycle transitions of a campaign as a pure function. The workflow applies
 * it to signals (where an invalid command is ignored) and to updates (where
 * the validator refuses it with the returned reason).
 */
import type { Lifecycle } from "./CampaignStatus.ts"

export type LifecycleCommand = "start" | "pause" | "resume" | "stop" | "drain"

export type TransitionResult =
  | { readonly ok: true; readonly lifecycle: Lifecycle; readonly draining: boolean }
  | { readonly ok: false; readonly reason: string }

export const isTerminal = (l: Lifecycle): boolean => l === "completed" || l === "stopped"

const refuse = (command: LifecycleCommand, from: Lifecycle, allowed: string): TransitionResult => ({
  ok: false,
  reason: `cannot ${command} a campaign that is ${from} (allowed from: ${allowed})`
})

/** The lifecycle after `command`, or why it is refused. */
export const transition = (from: Lifecycle, draining: boolean, command: LifecycleCommand): TransitionResult => {
  switch (command) {
    case "start":
      return from === "draft" ? { ok: true, lifecycle: "running", draining } : refuse(command, from, "draft")
    case "pause":
      return from === "running" ? { ok: true, lifecycle: "paused", draining } : refuse(command, from, "running")
    case "resume":
      return from === "paused" ? { ok: true, lifecycle: "running", draining } : refuse(command, from, "paused")
    case "stop":
      return isTerminal(from) ? refuse(command, from, "draft, running, paused") : { ok: true, lifecycle: "stopped", draining }
    case "drain":
      return from === "running" || from === "paused"
        ? { ok: true, lifecycle: from, draining: true }
        : refuse(command, from, "running, paused")
  }
}
