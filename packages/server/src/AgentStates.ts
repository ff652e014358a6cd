/**
 * The agent's state machine as the API exposes it, pure: which command is
 * allowed from which state, and the message when it is not. The stored
 * `agent_state_log` is append-only; the current state is its latest row.
 *
 *   offline --login--> paused --ready--> available --(call)--> on_call --> wrap_up
 *   any logged-in state --pause(code)--> paused, --logout--> offline
 */
export type State = "offline" | "available" | "reserved" | "on_call" | "wrap_up" | "paused"
export type Command = "login" | "ready" | "pause" | "wrapUp" | "logout"

const allowed: Readonly<Record<Command, ReadonlyArray<State>>> = {
  login: ["offline"],
  ready: ["paused", "wrap_up", "available"],
  pause: ["available", "paused", "wrap_up"],
  wrapUp: ["on_call", "wrap_up"],
  logout: ["available", "paused", "wrap_up", "reserved", "offline"]
}

export const target: Readonly<Record<Command, State>> = {
  login: "paused",
  ready: "available",
  pause: "paused",
  wrapUp: "wrap_up",
  logout: "offline"
}

const hint: Readonly<Record<Command, string>> = {
  login: "log out first",
  ready: "log in to a campaign first (POST /agents/me/login)",
  pause: "finish the call first; pausing is possible when available or in wrap-up",
  wrapUp: "wrap-up follows a call",
  logout: "finish the call first"
}

/** undefined when `command` is allowed in `state`; otherwise why not and what to do. */
export const refuse = (state: State, command: Command): string | undefined =>
  allowed[command].includes(state) ? undefined : `cannot ${command} while ${state}: ${hint[command]}`

/** States in which the agent has a call: offered, talking, or wrapping it up. */
export const hasCall = (state: State): boolean => state === "reserved" || state === "on_call" || state === "wrap_up"
