/**
 * `session-index stats`: one streamed pass over the file counting lines, entries, distinct
 * threads and bad lines, split into lines exactly as every other path splits them.
 */
import * as fs from "node:fs"
import { isBlankLine } from "../internal/scan/canonical.js"
import { parseEntryBytes } from "../internal/scan/entryLine.js"
import { type LineSink, LineSplitter } from "../internal/scan/lineSplitter.js"

export interface IndexStats {
  readonly bytes: number
  readonly lines: number
  readonly entries: number
  readonly blankNames: number
  readonly badLines: number
  readonly distinctIds: number
}

const CHUNK = 4 * 1024 * 1024

/** Counts `path` (a regular file: the caller checked) as it is read, reporting progress. */
export const countIndex = async (path: string, maxLineBytes: number, onProgress: (bytes: number) => void): Promise<IndexStats> => {
  const ids = new Set<string>()
  let lines = 0
  let entries = 0
  let blankNames = 0
  let badLines = 0
  const countLine = (buf: Buffer, start: number, end: number) => {
    lines++
    if (isBlankLine(buf, start, end)) return
    const entry = parseEntryBytes(buf, start, end)
    if (entry === undefined) return void badLines++
    entries++
    if (entry.name === "") blankNames++
    ids.add(entry.id)
  }
  const sink: LineSink = {
    line: countLine,
    oversized: () => {
      lines++
      badLines++
    }
  }
  const splitter = new LineSplitter(maxLineBytes)
  const handle = await fs.promises.open(path, "r")
  let bytes = 0
  try {
    const chunk = Buffer.allocUnsafe(CHUNK)
    for (;;) {
      const { bytesRead } = await handle.read(chunk, 0, CHUNK, bytes)
      if (bytesRead === 0) break
      splitter.push(chunk.subarray(0, bytesRead), sink)
      bytes += bytesRead
      onProgress(bytes)
    }
  } finally {
    await handle.close()
  }
  // An unterminated last line is a line too (lookups read it).
  if (splitter.pendingStart < bytes) splitter.push(Buffer.from("\n"), sink)
  return { bytes, lines, entries, blankNames, badLines, distinctIds: ids.size }
}
