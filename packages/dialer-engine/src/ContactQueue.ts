/**
 * The order in which contacts are dialled.
 *
 * Owns the queue of callable contacts: highest `priority` first, then the
 * earliest scheduled time (due retries and open callbacks before fresh
 * contacts), then the highest `leadScore`, then a round-robin over lists so that
 * no list starves another, then arrival order. Contacts scheduled in the future
 * wait in a calendar until due. Callbacks owned by an agent are held apart and
 * handed to that agent only.
 *
 * Entries are versioned: updating or removing a contact invalidates its old heap
 * entries lazily, so every operation is O(log n).
 *
 * Ownership: mutable, owned by one session state.
 */
import type { Contact } from "./Contact.ts"
import { Heap } from "./Heap.ts"

export interface QueueEntry {
  contact: Contact
  version: number
  /** "queued": waiting its turn; "held": taken by the session (dialling, offered); "done": finished. */
  status: "queued" | "held" | "done"
  /** Index into `contact.numbers` of the next number to try. */
  nextNumber: number
  /** Outcome streak for retry rules. */
  streakOutcome: string
  streak: number
  /** Lifetime attempts made (prior + this session). */
  attempts: number
  /** Attempt instants in the last 48 h (with their local day). */
  recent: Array<{ at: number; day: string }>
}

interface Item {
  readonly entry: QueueEntry
  readonly version: number
  readonly priority: number
  readonly due: number
  readonly score: number
  readonly seq: number
  readonly list: ListQueue
}

interface ListQueue {
  readonly id: string
  readonly heap: Heap<Item>
  lastServed: number
}

const lessItem = (a: Item, b: Item): boolean =>
  a.priority !== b.priority ? a.priority > b.priority
    : a.due !== b.due ? a.due < b.due
      : a.score !== b.score ? a.score > b.score
        : a.seq < b.seq

const CALLBACK_BOOST = 1e9

export class ContactQueue {
  readonly entries = new Map<string, QueueEntry>()
  private readonly lists = new Map<string, ListQueue>()
  private readonly listOrder: Array<ListQueue> = []
  private readonly calendar = new Heap<Item>((a, b) => (a.due !== b.due ? a.due < b.due : a.seq < b.seq))
  /** Agent-owned callbacks, per agent, in due order. */
  private readonly owned = new Map<string, Heap<Item>>()
  private seq = 0
  private served = 0
  /** Number of entries queued (not held or done). */
  queued = 0

  private list(id: string): ListQueue {
    let l = this.lists.get(id)
    if (l === undefined) {
      l = { id, heap: new Heap(lessItem), lastServed: -1 }
      this.lists.set(id, l)
      this.listOrder.push(l)
    }
    return l
  }

  /** Adds or replaces a contact; a held contact keeps its hold until released. */
  upsert(contact: Contact, now: number): QueueEntry {
    let e = this.entries.get(contact.id)
    if (e === undefined) {
      e = {
        contact, version: 0, status: "queued", nextNumber: 0, streakOutcome: "", streak: 0,
        attempts: (contact.priorAttempts ?? 0) + (contact.attemptHistory?.length ?? 0),
        recent: []
      }
      this.entries.set(contact.id, e)
      this.queued++
    } else {
      e.contact = contact
      e.version++
      if (e.status === "done") return e
      if (e.status === "held") return e
    }
    this.enqueue(e, now)
    return e
  }

  private enqueue(e: QueueEntry, now: number): void {
    const c = e.contact
    const cb = c.callback
    const due = cb !== undefined ? cb.at : c.dueAt ?? Infinity
    const item: Item = {
      entry: e, version: e.version, priority: (c.priority ?? 0) + (cb !== undefined ? CALLBACK_BOOST : 0),
      due, score: c.leadScore ?? 0, seq: this.seq++, list: this.list(c.listId ?? "")
    }
    if (cb?.agentId !== undefined) {
      let h = this.owned.get(cb.agentId)
      if (h === undefined) {
        h = new Heap((a, b) => (a.due !== b.due ? a.due < b.due : a.seq < b.seq))
        this.owned.set(cb.agentId, h)
      }
      h.push(item)
    } else if (due !== Infinity && due > now) this.calendar.push(item)
    else item.list.heap.push(item)
  }

  private live(i: Item): boolean {
    return i.version === i.entry.version && i.entry.status === "queued"
  }

  /** Moves contacts whose time has come from the calendar to their list. */
  promote(now: number): void {
    for (;;) {
      const top = this.calendar.peek()
      if (top === undefined || top.due > now) return
      this.calendar.pop()
      if (this.live(top)) top.list.heap.push(top)
    }
  }

  /** The earliest future due time in the calendar (for the host's timer). */
  nextDue(): number | undefined {
    for (;;) {
      const top = this.calendar.peek()
      if (top === undefined) return undefined
      if (this.live(top)) return top.due
      this.calendar.pop()
    }
  }

  /** Takes the next contact to dial and holds it. */
  take(now: number): QueueEntry | undefined {
    this.promote(now)
    let best: ListQueue | undefined
    let bestItem: Item | undefined
    for (const l of this.listOrder) {
      let top = l.heap.peek()
      while (top !== undefined && !this.live(top)) {
        l.heap.pop()
        top = l.heap.peek()
      }
      if (top === undefined) continue
      if (
        bestItem === undefined || best === undefined ||
        top.priority > bestItem.priority ||
        (top.priority === bestItem.priority && (top.due < bestItem.due ||
          (top.due === bestItem.due && (top.score > bestItem.score ||
            (top.score === bestItem.score && l.lastServed < best.lastServed)))))
      ) {
        best = l
        bestItem = top
      }
    }
    if (best === undefined || bestItem === undefined) return undefined
    best.heap.pop()
    best.lastServed = this.served++
    bestItem.entry.status = "held"
    this.queued--
    return bestItem.entry
  }

  /** Takes a due callback owned by `agentId`, if any. */
  takeOwned(agentId: string, now: number): QueueEntry | undefined {
    const h = this.owned.get(agentId)
    if (h === undefined) return undefined
    for (;;) {
      const top = h.peek()
      if (top === undefined || top.due > now) return undefined
      h.pop()
      if (this.live(top)) {
        top.entry.status = "held"
        this.queued--
        return top.entry
      }
    }
  }

  /** Returns a held contact to the queue, due at `dueAt` (or now). */
  release(e: QueueEntry, now: number, dueAt?: number): void {
    if (e.status !== "held") return
    e.status = "queued"
    e.version++
    this.queued++
    if (dueAt !== undefined) {
      const { callback: _cb, ...rest } = e.contact
      e.contact = { ...rest, dueAt }
    }
    this.enqueue(e, now)
  }

  /** Finishes a contact: it is never dialled again by this session. */
  finish(e: QueueEntry): void {
    if (e.status === "queued") this.queued--
    e.status = "done"
    e.version++
    // Finished contacts are forgotten: the host's store records the outcome and must not re-add them.
    this.entries.delete(e.contact.id)
  }
}
