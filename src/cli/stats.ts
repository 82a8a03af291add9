/**
 * `session-index stats`: one streamed pass over the file counting lines, entries, distinct
 * threads and bad lines, through the same line reader the library uses.
 *
 * @internal
 */
import * as fs from "node:fs"
import { parseEntryBytes } from "../internal/scan/entryLine.js"

export interface IndexStats {
  readonly bytes: number
  readonly lines: number
  readonly entries: number
  readonly blankNames: number
  readonly badLines: number
  readonly distinctIds: number
}

export const countIndex = (path: string, maxLineBytes: number, onProgress: (bytes: number) => void): Promise<IndexStats> =>
  new Promise((resolve, reject) => {
    const ids = new Set<string>()
    let lines = 0
    let entries = 0
    let blankNames = 0
    let badLines = 0
    let bytes = 0
    let carry: Buffer = Buffer.alloc(0)
    const countLine = (buf: Buffer, start: number, end: number) => {
      lines++
      let blank = true
      for (let i = start; i < end && blank; i++) blank = buf[i] === 0x20 || buf[i] === 0x0d || buf[i] === 0x09
      if (blank) return
      const entry = end - start > maxLineBytes ? undefined : parseEntryBytes(buf, start, end)
      if (entry === undefined) return void badLines++
      entries++
      if (entry.name === "") blankNames++
      ids.add(entry.id)
    }
    const stream = fs.createReadStream(path, { highWaterMark: 4 * 1024 * 1024 })
    stream.on("error", reject)
    stream.on("data", (chunk) => {
      const buf = carry.length > 0 ? Buffer.concat([carry, chunk as Buffer]) : (chunk as Buffer)
      bytes += (chunk as Buffer).length
      let start = 0
      for (let nl = buf.indexOf(10); nl >= 0; nl = buf.indexOf(10, start)) {
        countLine(buf, start, nl)
        start = nl + 1
      }
      carry = Buffer.from(buf.subarray(start))
      onProgress(bytes)
    })
    stream.on("end", () => {
      if (carry.length > 0) countLine(carry, 0, carry.length)
      resolve({ bytes, lines, entries, blankNames, badLines, distinctIds: ids.size })
    })
  })
