/**
 * An incremental RFC 4180 CSV parser over bytes.
 *
 * Files are read in chunks and never held whole; `feed` returns the records completed by each
 * chunk with their 1-based starting line and byte range, so a pull can stop after a page and
 * resume later from an exact byte offset. Quoted fields may contain commas, doubled quotes and
 * newlines; CRLF and LF both end a record. A malformed record (a quote inside an unquoted field,
 * text after a closing quote, a quote never closed) is reported on its own with its line and
 * the parser resynchronises at the next line, so one bad line never takes the file down.
 */

export type CsvEvent =
  | {
    readonly _tag: "Record"
    readonly fields: ReadonlyArray<string>
    readonly line: number
    /** Byte offset where the record starts, and just past its line break. */
    readonly start: number
    readonly end: number
    /** The line the next record starts on: resume with `parser(end, nextLine)`. */
    readonly nextLine: number
  }
  | {
    readonly _tag: "Malformed"
    readonly line: number
    readonly start: number
    readonly end: number
    readonly nextLine: number
    readonly message: string
  }

const QUOTE = 0x22
const COMMA = 0x2c
const CR = 0x0d
const LF = 0x0a

type State = "fieldStart" | "unquoted" | "quoted" | "quoteInQuoted" | "skip"

export interface CsvParser {
  readonly feed: (chunk: Uint8Array) => ReadonlyArray<CsvEvent>
  /** Flushes the last record at end of input. */
  readonly end: () => ReadonlyArray<CsvEvent>
}

/** A parser whose first byte is at `offset` in the file and on line `line`. */
export const parser = (offset = 0, line = 1): CsvParser => {
  const decoder = new TextDecoder("utf-8")
  let state: State = "fieldStart"
  let position = offset
  let currentLine = line
  let recordStart = offset
  let recordLine = line
  let fields: Array<string> = []
  let field: Array<number> = []
  let error: string | null = null
  let afterCR = false
  let recordHasContent = false

  const finishField = () => {
    fields.push(decoder.decode(new Uint8Array(field)))
    field = []
  }
  const finishRecord = (out: Array<CsvEvent>, end: number) => {
    if (error !== null) {
      out.push({ _tag: "Malformed", line: recordLine, start: recordStart, end, nextLine: currentLine, message: error })
    } else if (recordHasContent || fields.length > 0) {
      finishField()
      // A blank line is not a record.
      if (!(fields.length === 1 && fields[0] === "" && !recordHasContent)) {
        out.push({ _tag: "Record", fields, line: recordLine, start: recordStart, end, nextLine: currentLine })
      }
    }
    fields = []
    field = []
    error = null
    recordHasContent = false
    state = "fieldStart"
    recordStart = end
    recordLine = currentLine
  }
  const fail = (message: string) => {
    if (error === null) error = `line ${recordLine}: ${message}`
    state = "skip"
  }

  const feed = (chunk: Uint8Array): ReadonlyArray<CsvEvent> => {
    const out: Array<CsvEvent> = []
    for (let i = 0; i < chunk.length; i++) {
      const byte = chunk[i]!
      position++
      if (afterCR) {
        // A CR ends the record; a LF right after it belongs to the same line break.
        afterCR = false
        currentLine++
        if (byte === LF) {
          finishRecord(out, position)
          continue
        }
        finishRecord(out, position - 1)
      }
      if (state === "quoted") {
        if (byte === LF) currentLine++
        if (byte !== QUOTE) {
          field.push(byte)
          continue
        }
      } else if (byte === CR) {
        afterCR = true
        continue
      } else if (byte === LF) {
        currentLine++
        finishRecord(out, position)
        continue
      }
      switch (state) {
        case "skip":
          break
        case "fieldStart":
          recordHasContent = true
          if (byte === QUOTE) state = "quoted"
          else if (byte === COMMA) finishField()
          else {
            field.push(byte)
            state = "unquoted"
          }
          break
        case "unquoted":
          if (byte === COMMA) {
            finishField()
            state = "fieldStart"
          } else if (byte === QUOTE) {
            fail(`unexpected '"' in unquoted field ${fields.length + 1} (quote the whole field and double inner quotes)`)
          } else field.push(byte)
          break
        case "quoted":
          if (byte === QUOTE) state = "quoteInQuoted"
          else field.push(byte)
          break
        case "quoteInQuoted":
          if (byte === QUOTE) {
            field.push(QUOTE)
            state = "quoted"
          } else if (byte === COMMA) {
            finishField()
            state = "fieldStart"
          } else {
            fail(`unexpected text after the closing quote of field ${fields.length + 1}`)
          }
          break
      }
    }
    return out
  }

  const end = (): ReadonlyArray<CsvEvent> => {
    const out: Array<CsvEvent> = []
    if (afterCR) {
      afterCR = false
      currentLine++
      finishRecord(out, position)
    }
    if (state === "quoted") {
      error = `line ${recordLine}: quoted field ${fields.length + 1} is never closed`
    }
    if (error !== null || recordHasContent || fields.length > 0 || field.length > 0) finishRecord(out, position)
    return out
  }

  return { feed, end }
}

/** Parses a whole string; for tests and small inputs. */
export const parseString = (text: string): ReadonlyArray<CsvEvent> => {
  const p = parser()
  return [...p.feed(new TextEncoder().encode(text)), ...p.end()]
}
