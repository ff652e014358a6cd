/**
 * Charts as hand-rolled SVG (no dependency, deterministic bytes):
 * - the frontier chart: talk minutes per agent-hour against the abandon rate,
 *   one point (with its 95% intervals) per pacer, the power policy's curve
 *   over its tuning grid, and the CMDP optimal frontier where the scenario is
 *   Markovian;
 * - the time series of one run: dial level, agents waiting, calls in flight
 *   and the rolling abandon rate;
 * - the webhook benchmark: webhooks and pgbench inserts per second, and the
 *   slowest answer per second at the fixed rate.
 * `Png.ts` turns them into PNG where a renderer is installed.
 */
import type { Bound } from "./Bounds.ts"
import type { ResultRow } from "./Report.ts"

const COLORS: Record<string, string> = {
  autodialer: "#d62728",
  progressive: "#7f7f7f",
  power: "#1f77b4",
  "vicidial-hard-limit": "#2ca02c",
  "vicidial-tapered": "#98df8a",
  "vicidial-average": "#17becf",
  "unicom-pi": "#9467bd",
  "impact-replay": "#ff7f0e",
  "erlang-soon-free": "#8c564b"
}
const colorOf = (id: string) => COLORS[id] ?? "#333333"

const esc = (s: string) => s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;")
const f = (x: number) => (Number.isFinite(x) ? Number(x.toFixed(2)).toString() : "0")

interface Axis {
  readonly min: number
  readonly max: number
  readonly ticks: ReadonlyArray<number>
}

/** A "nice" axis covering [lo, hi] with about `n` ticks. */
export const niceAxis = (lo: number, hi: number, n = 6): Axis => {
  const span = hi - lo || Math.abs(hi) || 1
  const raw = span / n
  const mag = 10 ** Math.floor(Math.log10(raw))
  const step = [1, 2, 2.5, 5, 10].map((m) => m * mag).find((s) => s >= raw) ?? 10 * mag
  const min = Math.floor(lo / step) * step
  const max = Math.ceil(hi / step) * step
  const ticks: Array<number> = []
  for (let t = min; t <= max + step / 1e6; t += step) ticks.push(Number(t.toPrecision(10)))
  return { min, max, ticks }
}

interface Frame {
  readonly x: Axis
  readonly y: Axis
  readonly left: number
  readonly top: number
  readonly width: number
  readonly height: number
}
const px = (fr: Frame, x: number) => fr.left + ((x - fr.x.min) / (fr.x.max - fr.x.min || 1)) * fr.width
const py = (fr: Frame, y: number) => fr.top + fr.height - ((y - fr.y.min) / (fr.y.max - fr.y.min || 1)) * fr.height

const axes = (fr: Frame, xLabel: string, yLabel: string, xFormat: (x: number) => string, yFormat: (y: number) => string): Array<string> => {
  const out: Array<string> = []
  for (const t of fr.x.ticks) {
    out.push(`<line x1="${f(px(fr, t))}" y1="${fr.top}" x2="${f(px(fr, t))}" y2="${fr.top + fr.height}" stroke="#eee"/>`)
    out.push(`<text x="${f(px(fr, t))}" y="${fr.top + fr.height + 16}" text-anchor="middle" font-size="11">${esc(xFormat(t))}</text>`)
  }
  for (const t of fr.y.ticks) {
    out.push(`<line x1="${fr.left}" y1="${f(py(fr, t))}" x2="${fr.left + fr.width}" y2="${f(py(fr, t))}" stroke="#eee"/>`)
    out.push(`<text x="${fr.left - 6}" y="${f(py(fr, t) + 4)}" text-anchor="end" font-size="11">${esc(yFormat(t))}</text>`)
  }
  out.push(`<rect x="${fr.left}" y="${fr.top}" width="${fr.width}" height="${fr.height}" fill="none" stroke="#999"/>`)
  out.push(`<text x="${fr.left + fr.width / 2}" y="${fr.top + fr.height + 34}" text-anchor="middle" font-size="12">${esc(xLabel)}</text>`)
  out.push(
    `<text x="${fr.left - 42}" y="${fr.top + fr.height / 2}" text-anchor="middle" font-size="12" transform="rotate(-90 ${fr.left - 42} ${fr.top + fr.height / 2})">${esc(yLabel)}</text>`
  )
  return out
}

const svg = (width: number, height: number, body: ReadonlyArray<string>) =>
  `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="Helvetica, Arial, sans-serif">\n<rect width="100%" height="100%" fill="white"/>\n${body.join("\n")}\n</svg>\n`

export interface FrontierInput {
  readonly scenario: string
  readonly rows: ReadonlyArray<ResultRow>
  readonly bound: Bound | undefined
  /** talk / (talk + wrap): turns utilisation into talk time for the bound. */
  readonly talkShare: number
  readonly abandonLimit: number
  /** Power's tuning grid: [abandonRate, talkMinutesPerAgentHour] per lines-per-agent value. */
  readonly powerCurve?: ReadonlyArray<readonly [number, number, number]>
}

export const frontierSvg = (input: FrontierInput): string => {
  const W = 760
  const H = 480
  const pts = input.rows.map((r) => ({ id: r.pacer, x: r.abandonRate, y: r.talkMinutesPerAgentHour, ci: r.ci95 }))
  const boundPts = (input.bound?.cmdpFrontier ?? []).map(([a, u]) => [a, 60 * u * input.talkShare] as const)
  const xs = [input.abandonLimit * 1.5, ...pts.map((p) => p.ci.abandonRate[1]), ...boundPts.map((b) => b[0]), ...(input.powerCurve ?? []).map((c) => c[1])]
  const ys = [...pts.flatMap((p) => [p.ci.talkMinutesPerAgentHour[0], p.ci.talkMinutesPerAgentHour[1]]), ...boundPts.map((b) => b[1]), ...(input.powerCurve ?? []).map((c) => c[2])]
  const x = niceAxis(0, Math.min(0.2, Math.max(...xs.filter(Number.isFinite))))
  const y = niceAxis(Math.max(0, Math.min(...ys.filter(Number.isFinite)) - 3), Math.min(60, Math.max(...ys.filter(Number.isFinite)) + 3))
  const fr: Frame = { x, y, left: 70, top: 40, width: 470, height: 370 }
  const body = [
    `<text x="${W / 2}" y="22" text-anchor="middle" font-size="15" font-weight="bold">${esc(input.scenario)}: talk time vs abandon rate</text>`,
    ...axes(fr, "abandon rate (by regime)", "talk minutes per agent-hour", (v) => `${(v * 100).toFixed(1)}%`, (v) => (Number.isInteger(v) ? v.toFixed(0) : v.toFixed(1)))
  ]
  const clip = (v: number, a: Axis) => Math.min(a.max, Math.max(a.min, v))
  // the abandon limit
  body.push(
    `<line x1="${f(px(fr, input.abandonLimit))}" y1="${fr.top}" x2="${f(px(fr, input.abandonLimit))}" y2="${fr.top + fr.height}" stroke="#000" stroke-dasharray="4 3"/>`,
    `<text x="${f(px(fr, input.abandonLimit) + 4)}" y="${fr.top + 12}" font-size="11">limit ${(input.abandonLimit * 100).toFixed(1)}%</text>`
  )
  if (boundPts.length > 0) {
    const d = boundPts.map(([a, t], i) => `${i === 0 ? "M" : "L"}${f(px(fr, clip(a, x)))},${f(py(fr, clip(t, y)))}`).join(" ")
    body.push(`<path d="${d}" fill="none" stroke="#000" stroke-width="2"/>`)
  }
  if (input.powerCurve && input.powerCurve.length > 1) {
    const sorted = [...input.powerCurve].sort((a, b) => a[0] - b[0])
    const d = sorted.map(([, a, t], i) => `${i === 0 ? "M" : "L"}${f(px(fr, clip(a, x)))},${f(py(fr, clip(t, y)))}`).join(" ")
    body.push(`<path d="${d}" fill="none" stroke="${colorOf("power")}" stroke-width="1" stroke-dasharray="3 2"/>`)
  }
  for (const p of pts) {
    const c = colorOf(p.id)
    const cx = px(fr, clip(p.x, x))
    const cy = py(fr, clip(p.y, y))
    body.push(
      `<line x1="${f(px(fr, clip(p.ci.abandonRate[0], x)))}" y1="${f(cy)}" x2="${f(px(fr, clip(p.ci.abandonRate[1], x)))}" y2="${f(cy)}" stroke="${c}"/>`,
      `<line x1="${f(cx)}" y1="${f(py(fr, clip(p.ci.talkMinutesPerAgentHour[0], y)))}" x2="${f(cx)}" y2="${f(py(fr, clip(p.ci.talkMinutesPerAgentHour[1], y)))}" stroke="${c}"/>`,
      `<circle cx="${f(cx)}" cy="${f(cy)}" r="${p.id === "autodialer" ? 6 : 4.5}" fill="${c}" stroke="#000" stroke-width="0.5"/>`
    )
  }
  // legend
  let ly = fr.top + 4
  const legend = (label: string, draw: string) => {
    body.push(`${draw.replaceAll("{y}", f(ly))}<text x="${fr.left + fr.width + 38}" y="${f(ly + 4)}" font-size="12">${esc(label)}</text>`)
    ly += 20
  }
  for (const p of pts) legend(p.id, `<circle cx="${fr.left + fr.width + 26}" cy="{y}" r="5" fill="${colorOf(p.id)}"/>`)
  if (boundPts.length > 0) legend("CMDP optimum (exact)", `<line x1="${fr.left + fr.width + 16}" y1="{y}" x2="${fr.left + fr.width + 34}" y2="{y}" stroke="#000" stroke-width="2"/>`)
  if (input.powerCurve && input.powerCurve.length > 1) {
    legend("power, by lines/agent", `<line x1="${fr.left + fr.width + 16}" y1="{y}" x2="${fr.left + fr.width + 34}" y2="{y}" stroke="${colorOf("power")}" stroke-dasharray="3 2"/>`)
  }
  return svg(W, H, body)
}

export interface TimeSeries {
  /** Seconds since the start of the run. */
  readonly t: ReadonlyArray<number>
  readonly dialLevel: ReadonlyArray<number>
  readonly agentsWaiting: ReadonlyArray<number>
  readonly callsInFlight: ReadonlyArray<number>
  readonly rollingAbandonRate: ReadonlyArray<number>
}

export const timeSeriesSvg = (title: string, ts: TimeSeries, abandonLimit: number): string => {
  const W = 760
  const panelH = 120
  const panels: Array<[string, ReadonlyArray<number>, (v: number) => string]> = [
    ["dial level (dials in flight per available agent)", ts.dialLevel, (v) => v.toFixed(1)],
    ["agents waiting", ts.agentsWaiting, (v) => v.toFixed(0)],
    ["calls in flight", ts.callsInFlight, (v) => v.toFixed(0)],
    ["rolling abandon rate", ts.rollingAbandonRate, (v) => `${(v * 100).toFixed(1)}%`]
  ]
  const H = 40 + panels.length * (panelH + 40)
  const body = [`<text x="${W / 2}" y="22" text-anchor="middle" font-size="15" font-weight="bold">${esc(title)}</text>`]
  const tMax = ts.t.length > 0 ? ts.t[ts.t.length - 1]! : 1
  const x = niceAxis(0, tMax / 3600, 8)
  panels.forEach(([label, values, fmt], i) => {
    const finite = values.filter(Number.isFinite)
    const hi = Math.max(label.startsWith("rolling") ? abandonLimit * 1.5 : 0, ...finite, 1e-9)
    const y = niceAxis(0, hi, 4)
    const fr: Frame = { x, y, left: 70, top: 40 + i * (panelH + 40), width: 640, height: panelH }
    body.push(...axes(fr, i === panels.length - 1 ? "hours" : "", "", (v) => v.toFixed(1), fmt))
    body.push(`<text x="${fr.left + 4}" y="${fr.top - 6}" font-size="12">${esc(label)}</text>`)
    if (label.startsWith("rolling")) {
      body.push(`<line x1="${fr.left}" y1="${f(py(fr, abandonLimit))}" x2="${fr.left + fr.width}" y2="${f(py(fr, abandonLimit))}" stroke="#000" stroke-dasharray="4 3"/>`)
    }
    const d = values
      .map((v, j) => `${j === 0 ? "M" : "L"}${f(px(fr, ts.t[j]! / 3600))},${f(py(fr, Number.isFinite(v) ? v : 0))}`)
      .join(" ")
    body.push(`<path d="${d}" fill="none" stroke="${colorOf("autodialer")}" stroke-width="1"/>`)
  })
  return svg(W, H, body)
}

/** One run of the webhook benchmark, second by second. */
export interface WebhookRunSeries {
  readonly run: number
  /** 2xx answers in each second of the webhook max-throughput phase, lead-in included. */
  readonly webhooks: ReadonlyArray<number>
  /** pgbench's tps in each second of its runs before and after that phase, lead-in included. */
  readonly pgbenchBefore: ReadonlyArray<number>
  readonly pgbenchAfter: ReadonlyArray<number>
  /** The slowest answer of each measured second at the fixed rate, ms. */
  readonly slowestAtRate: ReadonlyArray<number>
}

export interface WebhookChartInput {
  readonly title: string
  readonly runs: ReadonlyArray<WebhookRunSeries>
  /** Leading seconds of each throughput phase that are not counted (shaded). */
  readonly leadInSec: number
  readonly connections: number
  readonly pgbenchClients: number
  readonly rate: number
  readonly p99GoalMs: number
}

/**
 * The webhook benchmark's chart: per second, webhooks answered at maximum
 * throughput against pgbench's single-row inserts before and after (with the
 * goal, half of pgbench's counted mean); and the slowest answer of each second
 * at the fixed rate against the p99 goal.
 */
export const webhookSvg = (input: WebhookChartInput): string => {
  const W = 760
  const panelH = 200
  const H = 40 + 2 * (panelH + 56)
  const body = [`<text x="${W / 2}" y="22" text-anchor="middle" font-size="15" font-weight="bold">${esc(input.title)}</text>`]
  const runs = input.runs
  const seconds = Math.max(1, ...runs.flatMap((r) => [r.webhooks.length, r.pgbenchBefore.length, r.pgbenchAfter.length]))
  const counted = (xs: ReadonlyArray<number>) => xs.slice(input.leadInSec)
  const mean = (xs: ReadonlyArray<number>) => (xs.length === 0 ? 0 : xs.reduce((a, b) => a + b, 0) / xs.length)
  const pgMean = mean(runs.map((r) => (mean(counted(r.pgbenchBefore)) + mean(counted(r.pgbenchAfter))) / 2))
  const hi = Math.max(1, ...runs.flatMap((r) => [...r.webhooks, ...r.pgbenchBefore, ...r.pgbenchAfter]))
  const line = (fr: Frame, values: ReadonlyArray<number>, stroke: string, extra = "") =>
    values.length === 0
      ? ""
      : `<path d="${values.map((v, i) => `${i === 0 ? "M" : "L"}${f(px(fr, i + 1))},${f(py(fr, v))}`).join(" ")}" fill="none" stroke="${stroke}" stroke-width="1.5"${extra}/>`
  const runShade = (i: number) => (runs.length <= 1 ? 1 : 1 - 0.45 * (i / (runs.length - 1)))
  const legend = (fr: Frame, rows: ReadonlyArray<[string, string]>) => {
    // On a white box: the lines run under it.
    body.push(`<rect x="${f(fr.left + fr.width - 196)}" y="${f(fr.top + 4)}" width="192" height="${f(rows.length * 16 + 6)}" fill="white" fill-opacity="0.9" stroke="#ccc"/>`)
    rows.forEach(([label, mark], i) => {
      const y = fr.top + 14 + i * 16
      body.push(mark.replaceAll("{y}", f(y)).replaceAll("{x1}", f(fr.left + fr.width - 190)).replaceAll("{x2}", f(fr.left + fr.width - 168)))
      body.push(`<text x="${f(fr.left + fr.width - 162)}" y="${f(y + 4)}" font-size="11">${esc(label)}</text>`)
    })
  }

  // Panel 1: throughput per second.
  const top: Frame = { x: niceAxis(0, seconds, 7), y: niceAxis(0, hi * 1.08, 5), left: 70, top: 50, width: 640, height: panelH }
  body.push(`<rect x="${f(px(top, 0))}" y="${top.top}" width="${f(px(top, input.leadInSec) - px(top, 0))}" height="${top.height}" fill="#f3f3f3"/>`)
  body.push(...axes(top, "second of the phase (shaded: lead-in, not counted)", "per second", (v) => v.toFixed(0), (v) => v.toFixed(0)))
  body.push(`<text x="${top.left + 4}" y="${top.top - 8}" font-size="12">${esc(`webhooks answered (${input.connections} connections) vs pgbench single-row inserts (${input.pgbenchClients} clients)`)}</text>`)
  body.push(`<line x1="${top.left}" y1="${f(py(top, pgMean / 2))}" x2="${top.left + top.width}" y2="${f(py(top, pgMean / 2))}" stroke="#000" stroke-dasharray="5 3"/>`)
  runs.forEach((r, i) => {
    const o = ` stroke-opacity="${f(runShade(i))}"`
    body.push(line(top, r.pgbenchBefore, "#7f7f7f", o))
    body.push(line(top, r.pgbenchAfter, "#7f7f7f", `${o} stroke-dasharray="4 2"`))
    body.push(line(top, r.webhooks, colorOf("autodialer"), o))
  })
  legend(top, [
    ["webhooks/s, one line per run", `<line x1="{x1}" y1="{y}" x2="{x2}" y2="{y}" stroke="${colorOf("autodialer")}" stroke-width="1.5"/>`],
    ["pgbench tps before", `<line x1="{x1}" y1="{y}" x2="{x2}" y2="{y}" stroke="#7f7f7f" stroke-width="1.5"/>`],
    ["pgbench tps after", `<line x1="{x1}" y1="{y}" x2="{x2}" y2="{y}" stroke="#7f7f7f" stroke-width="1.5" stroke-dasharray="4 2"/>`],
    ["goal: half of pgbench", `<line x1="{x1}" y1="{y}" x2="{x2}" y2="{y}" stroke="#000" stroke-dasharray="5 3"/>`]
  ])

  // Panel 2: slowest answer per second at the fixed rate.
  const slow = runs.map((r) => r.slowestAtRate)
  const slowSeconds = Math.max(1, ...slow.map((s) => s.length))
  const bottom: Frame = {
    x: niceAxis(0, slowSeconds, 5),
    y: niceAxis(0, Math.max(input.p99GoalMs * 1.25, ...slow.flat()), 5),
    left: 70, top: 50 + panelH + 56, width: 640, height: panelH
  }
  body.push(...axes(bottom, "measured second", "ms", (v) => v.toFixed(0), (v) => v.toFixed(0)))
  body.push(`<text x="${bottom.left + 4}" y="${bottom.top - 8}" font-size="12">${esc(`slowest answer of each second at ${input.rate} req/s (open loop), against the p99 goal`)}</text>`)
  body.push(`<line x1="${bottom.left}" y1="${f(py(bottom, input.p99GoalMs))}" x2="${bottom.left + bottom.width}" y2="${f(py(bottom, input.p99GoalMs))}" stroke="#000" stroke-dasharray="5 3"/>`)
  slow.forEach((s, i) => body.push(line(bottom, s, colorOf("power"), ` stroke-opacity="${f(runShade(i))}"`)))
  legend(bottom, [
    ["slowest answer, one line per run", `<line x1="{x1}" y1="{y}" x2="{x2}" y2="{y}" stroke="${colorOf("power")}" stroke-width="1.5"/>`],
    [`goal: p99 under ${input.p99GoalMs} ms`, `<line x1="{x1}" y1="{y}" x2="{x2}" y2="{y}" stroke="#000" stroke-dasharray="5 3"/>`]
  ])
  return svg(W, H, body)
}
