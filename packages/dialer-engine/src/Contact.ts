/**
 * A contact as the engine sees it: who to call, on which numbers, in which zone,
 * in what order, and what has already happened to it.
 *
 * Hosts translate their own records (the domain's `campaign_contacts`, a CRM row,
 * a CSV line) into this shape and pass it in a `ContactAdded` / `ContactUpdated`
 * event. Numbers are E.164 strings.
 */

export interface ContactNumber {
  readonly number: string
  /** Free label: "mobile", "home", "work"... */
  readonly label?: string
}

export interface Contact {
  readonly id: string
  /** Primary number first; alternates after it. */
  readonly numbers: ReadonlyArray<ContactNumber>
  /** IANA zone when known; otherwise inferred from the number. */
  readonly timezone?: string
  /** US state / region code when known (per-state calling rules); otherwise inferred. */
  readonly region?: string
  /** The list the contact came from (round-robin across lists). */
  readonly listId?: string
  /** Higher is dialled first. Default 0. */
  readonly priority?: number
  /** Higher is dialled first among equal priority. Default 0. */
  readonly leadScore?: number
  /** Not before this instant (epoch ms): a retry or a scheduled callback. */
  readonly dueAt?: number
  /** A scheduled callback: owned by one agent, or open to anyone when `agentId` is absent. */
  readonly callback?: { readonly at: number; readonly agentId?: string }
  /** Previous attempt instants (epoch ms), for attempt caps across sessions. */
  readonly attemptHistory?: ReadonlyArray<number>
  /** Attempts made before the known history (lifetime count only). */
  readonly priorAttempts?: number
  /** Reserved by another session (reservation is done by the host in its store). */
  readonly reservedBy?: string
  /** The contact asked not to be called (company DNC at the contact level). */
  readonly doNotCall?: boolean
}
