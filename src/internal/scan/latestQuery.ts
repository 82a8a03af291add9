/**
 * The latest named entry of every thread, newest first: what a resume picker lists. Emits
 * entries block by block so a consumer that wants one page never reads the whole file.
 * Keeps the exact set of ids seen so far, which grows only as far as the consumer reads.
 */
import { hasIdPrefix, viewOf, ID_OFFSET, idText, isBlankLine } from "./canonical.js"
import { type ParsedEntry, parseEntryBytes } from "./entryLine.js"
import type { BlockVisitor } from "./reverseReader.js"

export class LatestQuery {
  private readonly seen = new Set<string>()
  /** Entries found since the consumer last drained it, newest first. */
  outbox: Array<ParsedEntry> = []

  constructor(private readonly maxLineBytes: number) {}

  drain(): Array<ParsedEntry> {
    const out = this.outbox
    this.outbox = []
    return out
  }

  readonly visit: BlockVisitor = (buf, blockStart, blockEnd) => {
    const view = viewOf(buf)
    let lineEnd = blockEnd
    if (lineEnd > blockStart && buf[lineEnd - 1] === 10) lineEnd--
    for (;;) {
      const newline = lineEnd > blockStart ? buf.lastIndexOf(10, lineEnd - 1) : -1
      const lineStart = newline < blockStart ? blockStart : newline + 1
      const canonical = hasIdPrefix(view, lineStart, lineEnd)
      if (canonical ? !this.seen.has(idText(buf, lineStart + ID_OFFSET)) : !isBlankLine(buf, lineStart, lineEnd)) {
        const entry = lineEnd - lineStart > this.maxLineBytes ? undefined : parseEntryBytes(buf, lineStart, lineEnd)
        const consistent = entry !== undefined && (!canonical || entry.id === idText(buf, lineStart + ID_OFFSET))
        if (consistent && entry.name !== "" && !this.seen.has(entry.id)) {
          this.seen.add(entry.id)
          this.outbox.push(entry)
        }
      }
      if (lineStart === blockStart) return false
      lineEnd = newline
    }
  }
}
