/**
 * Do-not-call management: check a number, add one (with reason, scope and a
 * note), add many at once, and page through and remove entries.
 */
import { useState } from "preact/hooks"
import * as Api from "../Api.ts"
import { useLoad } from "../Hooks.ts"
import type { Campaign, DncCheck, DncEntry, DncReason, Page } from "../Types.ts"
import { ErrorText } from "../components/Ui.tsx"

const reasons: ReadonlyArray<DncReason> = ["requested", "national_registry", "litigator", "wrong_number", "regulatory", "other"]

export const Dnc = () => {
  const [cursor, setCursor] = useState<string | undefined>(undefined)
  const list = useLoad(() => Api.get<Page<DncEntry>>("/dnc", { limit: 50, cursor }), [cursor])
  const campaigns = useLoad(() => Api.get<Page<Campaign>>("/campaigns", { limit: 200 }), [])
  const [phone, setPhone] = useState("")
  const [reason, setReason] = useState<DncReason>("requested")
  const [campaignId, setCampaignId] = useState("")
  const [note, setNote] = useState("")
  const [bulk, setBulk] = useState("")
  const [check, setCheck] = useState("")
  const [checked, setChecked] = useState<DncCheck | undefined>(undefined)
  const [message, setMessage] = useState<string | undefined>(undefined)
  const [error, setError] = useState<string | undefined>(undefined)

  const run = async (f: () => Promise<void>) => {
    setError(undefined)
    setMessage(undefined)
    try {
      await f()
    } catch (e) {
      setError(Api.describe(e))
    }
  }
  const add = (e: Event) => {
    e.preventDefault()
    void run(async () => {
      const entry = await Api.post<DncEntry>("/dnc", { phone, reason, ...(campaignId ? { campaignId } : {}), ...(note ? { note } : {}) })
      setMessage(`${entry.phone} added to the ${entry.scope} DNC list.`)
      setPhone("")
      setNote("")
      list.reload()
    })
  }
  const addBulk = (e: Event) => {
    e.preventDefault()
    const phones = bulk.split(/[\s,;]+/).map((s) => s.trim()).filter((s) => s !== "")
    void run(async () => {
      const r = await Api.post<{ added: number; alreadyListed: number }>("/dnc/bulk", { phones, reason })
      setMessage(`${r.added} numbers added; ${r.alreadyListed} were already listed.`)
      setBulk("")
      list.reload()
    })
  }
  const doCheck = (e: Event) => {
    e.preventDefault()
    void run(async () => setChecked(await Api.get<DncCheck>("/dnc/check", { phone: check })))
  }
  const remove = (entry: DncEntry) => void run(async () => {
    await Api.del(`/dnc/${entry.id}`)
    setMessage(`${entry.phone} removed from the DNC list.`)
    list.reload()
  })

  return (
    <div class="dnc">
      <h1>Do-not-call list</h1>
      <div class="columns">
        <form onSubmit={doCheck} aria-label="Check a number">
          <h2>Check a number</h2>
          <label>Phone to check<input value={check} required onInput={(e) => setCheck(e.currentTarget.value)} /></label>
          <button type="submit">Check</button>
          {checked ? <p role="status">{checked.phone} is {checked.listed ? `listed (${checked.entries.map((x) => `${x.scope}: ${x.reason}`).join(", ")})` : "not listed"}.</p> : null}
        </form>
        <form onSubmit={add} aria-label="Add a number">
          <h2>Add a number</h2>
          <label>Phone<input value={phone} required placeholder="+14155550123" onInput={(e) => setPhone(e.currentTarget.value)} /></label>
          <label>Reason<select value={reason} onChange={(e) => setReason(e.currentTarget.value as DncReason)}>{reasons.map((r) => <option key={r} value={r}>{r}</option>)}</select></label>
          <label>Scope
            <select value={campaignId} onChange={(e) => setCampaignId(e.currentTarget.value)}>
              <option value="">Whole organization</option>
              {(campaigns.value?.items ?? []).map((c) => <option key={c.id} value={c.id}>Campaign: {c.name}</option>)}
            </select>
          </label>
          <label>Note<input value={note} onInput={(e) => setNote(e.currentTarget.value)} /></label>
          <button type="submit">Add to DNC</button>
        </form>
        <form onSubmit={addBulk} aria-label="Add many numbers">
          <h2>Add many</h2>
          <label>Numbers (one per line)<textarea rows={4} value={bulk} required onInput={(e) => setBulk(e.currentTarget.value)} /></label>
          <button type="submit">Add all</button>
        </form>
      </div>
      {message ? <p class="notice" role="status">{message}</p> : null}
      <ErrorText error={error ?? list.error} />
      <table aria-label="DNC entries">
        <thead><tr><th scope="col">Phone</th><th scope="col">Scope</th><th scope="col">Reason</th><th scope="col">Note</th><th scope="col">Added</th><th scope="col"><span class="sr-only">Actions</span></th></tr></thead>
        <tbody>
          {(list.value?.items ?? []).map((d) => (
            <tr key={d.id}>
              <td>{d.phone}</td><td>{d.scope}</td><td>{d.reason}</td><td>{d.note ?? ""}</td><td>{new Date(d.addedAt).toLocaleString()}</td>
              <td><button type="button" class="secondary" aria-label={`Remove ${d.phone}`} onClick={() => remove(d)}>Remove</button></td>
            </tr>
          ))}
        </tbody>
      </table>
      <nav aria-label="DNC pages" class="pager">
        <button type="button" class="secondary" disabled={cursor === undefined} onClick={() => setCursor(undefined)}>First page</button>
        <button type="button" class="secondary" disabled={!list.value?.nextCursor} onClick={() => setCursor(list.value?.nextCursor ?? undefined)}>Next page</button>
      </nav>
    </div>
  )
}
