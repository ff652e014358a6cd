/**
 * A live time-series chart (uPlot, canvas) of the supervisor's numbers over
 * the last hour. Each series has its own scale so a dial level of 2.1 and 40
 * connects per hour both stay readable; the table beside it is the
 * accessible view of the same numbers.
 */
import { useEffect, useRef } from "preact/hooks"
import uPlot from "uplot"
import "uplot/dist/uPlot.min.css"

export interface Series { readonly label: string; readonly color: string; readonly values: ReadonlyArray<number | null>; readonly scale: string }

export const LiveChart = ({ title, times, series }: { title: string; times: ReadonlyArray<number>; series: ReadonlyArray<Series> }) => {
  const host = useRef<HTMLDivElement>(null)
  const plot = useRef<uPlot | undefined>(undefined)

  useEffect(() => {
    const el = host.current
    if (el === null) return
    const scales = [...new Set(series.map((s) => s.scale))]
    const opts: uPlot.Options = {
      width: Math.max(320, el.clientWidth),
      height: 260,
      scales: { x: { time: true } },
      axes: [
        { stroke: "#333" },
        ...scales.slice(0, 2).map((scale, i) => ({ scale, side: i === 0 ? 3 : 1, stroke: "#333", grid: { show: i === 0 } }))
      ],
      series: [{}, ...series.map((s) => ({ label: s.label, stroke: s.color, width: 2, scale: s.scale, spanGaps: true }))]
    }
    const p = new uPlot(opts, [[], ...series.map(() => [])], el)
    plot.current = p
    const resize = () => p.setSize({ width: Math.max(320, el.clientWidth), height: 260 })
    addEventListener("resize", resize)
    return () => {
      removeEventListener("resize", resize)
      p.destroy()
      plot.current = undefined
    }
  }, [series.map((s) => s.label).join("|")])

  useEffect(() => {
    plot.current?.setData([times.map((t) => t / 1000), ...series.map((s) => [...s.values])] as uPlot.AlignedData)
  }, [times, series])

  return (
    <figure class="chart">
      <figcaption>{title}</figcaption>
      <div ref={host} role="img" aria-label={`${title}: ${series.map((s) => `${s.label} ${s.values[s.values.length - 1] ?? "no data"}`).join(", ")}`} />
    </figure>
  )
}
