/**
 * CSV contact import: pick a file (and optionally a campaign to enrol into,
 * or a dry run), watch the upload and the server's progress, then read the
 * report. The server rejects a file with any bad row as a whole; the page then
 * lists every bad row with its line, column, value and what was wrong.
 */
import { useState } from "preact/hooks"
import * as Api from "../Api.ts"
import { useChannel, useLoad } from "../Hooks.ts"
import { channels } from "../Realtime.ts"
import type { Campaign, ImportReport, Me, Page, RealtimeMessage, RowError } from "../Types.ts"
import { ConnectionBanner, ErrorText } from "../components/Ui.tsx"

interface Progress { readonly stage: string; readonly done: number; readonly total: number }

export const ImportContacts = (_: { me: Me }) => {
  const campaigns = useLoad(() => Api.get<Page<Campaign>>("/campaigns", { limit: 200 }), [])
  const [file, setFile] = useState<File | undefined>(undefined)
  const [campaignId, setCampaignId] = useState("")
  const [dryRun, setDryRun] = useState(false)
  const [sent, setSent] = useState<{ sent: number; total: number } | undefined>(undefined)
  const [progress, setProgress] = useState<Progress | undefined>(undefined)
  const [report, setReport] = useState<ImportReport | undefined>(undefined)
  const [rejected, setRejected] = useState<{ message: string; rows: ReadonlyArray<RowError> } | undefined>(undefined)
  const [error, setError] = useState<string | undefined>(undefined)
  const [busy, setBusy] = useState(false)

  const channel = useChannel(busy ? channels.me : undefined, (m: RealtimeMessage) => {
    if (m.type !== "import.progress") return
    const d = m.data as Partial<Progress>
    if (typeof d.stage === "string" && typeof d.done === "number" && typeof d.total === "number") setProgress({ stage: d.stage, done: d.done, total: d.total })
  })

  const submit = async (e: Event) => {
    e.preventDefault()
    if (file === undefined) return
    setBusy(true)
    setReport(undefined)
    setRejected(undefined)
    setError(undefined)
    setProgress(undefined)
    setSent({ sent: 0, total: file.size })
    try {
      const r = await Api.upload<ImportReport>("/contacts/import", { campaignId, dryRun: dryRun ? "true" : undefined }, "text/csv", file,
        (s, total) => setSent({ sent: s, total }))
      setReport(r)
    } catch (err) {
      if (err instanceof Api.ApiError && err.rowErrors.length > 0) setRejected({ message: err.message, rows: err.rowErrors })
      else setError(Api.describe(err))
    } finally {
      setBusy(false)
    }
  }

  return (
    <div class="import">
      <ConnectionBanner status={channel} />
      <h1>Import contacts</h1>
      <p class="muted">A CSV file with a header row. Columns: phone (required), first_name, last_name, company, title, email, time_zone, crm_id, source_crm, tags.
        A file with any bad row is rejected as a whole and nothing is written.</p>
      <form onSubmit={(e) => void submit(e)} aria-label="Import contacts">
        <label>CSV file<input type="file" accept=".csv,text/csv" required onChange={(e) => setFile(e.currentTarget.files?.[0])} /></label>
        <label>Enrol into campaign
          <select value={campaignId} onChange={(e) => setCampaignId(e.currentTarget.value)}>
            <option value="">No campaign</option>
            {(campaigns.value?.items ?? []).map((c) => <option key={c.id} value={c.id}>{c.name}</option>)}
          </select>
        </label>
        <label class="choice"><input type="checkbox" checked={dryRun} onChange={(e) => setDryRun(e.currentTarget.checked)} /> Dry run (check the file, write nothing)</label>
        <button type="submit" disabled={file === undefined || busy}>{busy ? "Importing…" : "Import"}</button>
      </form>

      {sent !== undefined ? (
        <div class="progress">
          <label>Upload<progress max={Math.max(1, sent.total)} value={sent.sent} aria-label="Upload progress" /></label>
          <span>{Math.round((100 * sent.sent) / Math.max(1, sent.total))}%</span>
          {progress !== undefined ? (
            <label>Server: {progress.stage}
              <progress max={Math.max(1, progress.total)} value={progress.done} aria-label="Import progress" /> {progress.done} / {progress.total} rows
            </label>
          ) : busy ? <span aria-busy="true"> Server is checking the file…</span> : null}
        </div>
      ) : null}

      <ErrorText error={error ?? campaigns.error} />
      {rejected !== undefined ? (
        <section aria-label="Rejected rows" class="rejected">
          <h2>File rejected: {rejected.rows.length} bad row{rejected.rows.length === 1 ? "" : "s"}</h2>
          <p role="alert">{rejected.message}</p>
          <RowTable rows={rejected.rows} label="Bad rows" />
        </section>
      ) : null}
      {report !== undefined ? (
        <section aria-label="Import report">
          <h2>{report.dryRun ? "Dry run: nothing written" : "Imported"}</h2>
          <dl class="report">
            <dt>Rows read</dt><dd>{report.rowsRead}</dd>
            <dt>Created</dt><dd>{report.created}</dd>
            <dt>Updated</dt><dd>{report.updated}</dd>
            <dt>Duplicates in file</dt><dd>{report.duplicatesInFile}</dd>
            <dt>Enrolled</dt><dd>{report.enrolled}</dd>
            <dt>Skipped (DNC)</dt><dd>{report.skippedDnc}</dd>
          </dl>
          {report.warnings.length > 0 ? <RowTable rows={report.warnings} label="Warnings" /> : null}
        </section>
      ) : null}
    </div>
  )
}

const RowTable = ({ rows, label }: { rows: ReadonlyArray<RowError>; label: string }) => (
  <table aria-label={label}>
    <thead><tr><th scope="col">Line</th><th scope="col">Column</th><th scope="col">Value</th><th scope="col">Problem</th></tr></thead>
    <tbody>
      {rows.map((r, i) => <tr key={i}><td>{r.line}</td><td>{r.column ?? ""}</td><td>{r.value ?? ""}</td><td>{r.message}</td></tr>)}
    </tbody>
  </table>
)
