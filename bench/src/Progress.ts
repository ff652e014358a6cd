/**
 * A progress bar on stderr. On a TTY it redraws one line; otherwise it prints a
 * line at every 10% so logs stay readable. It never writes to stdout, which
 * carries the table.
 */
export interface Progress {
  readonly tick: (label: string) => void
  readonly done: () => void
}

export const make = (total: number, stream: NodeJS.WriteStream = process.stderr, enabled = true): Progress => {
  let count = 0
  let lastDecile = -1
  const width = 30
  const render = (label: string) => {
    const f = total === 0 ? 1 : count / total
    if (stream.isTTY) {
      const filled = Math.round(f * width)
      stream.write(`\r[${"#".repeat(filled)}${"-".repeat(width - filled)}] ${count}/${total} ${label}`.padEnd(100).slice(0, 100))
    } else {
      const decile = Math.floor(f * 10)
      if (decile !== lastDecile) {
        lastDecile = decile
        stream.write(`progress ${Math.round(f * 100)}% (${count}/${total}) ${label}\n`)
      }
    }
  }
  return {
    tick: (label) => {
      count++
      if (enabled) render(label)
    },
    done: () => {
      if (enabled && stream.isTTY) stream.write("\n")
    }
  }
}
