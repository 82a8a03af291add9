/**
 * Collects the lines that name a thread `name` (trimmed, compared exactly), newest first, at
 * most one per thread. Whether such a line is still the thread's *current* name is settled by
 * the caller with an exact id lookup over the newer bytes (see `programs.ts`).
 */
import { hasIdPrefix, viewOf, hasNameKey, ID_OFFSET, idText, isBlankLine, NAME_OFFSET } from "./canonical.js"
import { type NamedThread, type ParsedEntry, parseEntryBytes } from "./entryLine.js"
import type { BlockVisitor } from "./reverseReader.js"

/** Can this byte begin (or end) whitespace that `String.prototype.trim` would remove? */
const maySpace = (c: number): boolean => c === 0x20 || (c >= 0x09 && c <= 0x0d) || c >= 0x80

export class NameQuery {
  private readonly target: Buffer
  readonly candidates: Array<NamedThread> = []
  private readonly candidateIds = new Set<string>()

  /** `skipIds`: threads already settled by a newer part of the file. */
  constructor(
    readonly name: string,
    private readonly skipIds: ReadonlySet<string>,
    private readonly maxLineBytes: number
  ) {
    this.target = Buffer.from(name, "utf8")
  }

  readonly visit: BlockVisitor = (buf, blockStart, blockEnd, fileOffset) => {
    const view = viewOf(buf)
    let lineEnd = blockEnd
    if (lineEnd > blockStart && buf[lineEnd - 1] === 10) lineEnd--
    for (;;) {
      const newline = lineEnd > blockStart ? buf.lastIndexOf(10, lineEnd - 1) : -1
      const lineStart = newline < blockStart ? blockStart : newline + 1
      if (hasIdPrefix(view, lineStart, lineEnd)) {
        if (!hasNameKey(buf, lineStart, lineEnd) || this.nameMayMatch(buf, lineStart + NAME_OFFSET, lineEnd)) {
          const entry = this.parse(buf, lineStart, lineEnd)
          // A different parsed id means a duplicate `id` key: a bad line.
          if (entry !== undefined && entry.id === idText(buf, lineStart + ID_OFFSET)) {
            this.consider(entry, fileOffset + lineStart)
          }
        }
      } else if (!isBlankLine(buf, lineStart, lineEnd)) {
        const entry = this.parse(buf, lineStart, lineEnd)
        if (entry !== undefined) this.consider(entry, fileOffset + lineStart)
      }
      if (lineStart === blockStart) return false
      lineEnd = newline
    }
  }

  private consider(entry: ParsedEntry, offset: number): void {
    if (entry.name !== this.name || this.skipIds.has(entry.id)) return
    if (this.candidateIds.has(entry.id)) return
    this.candidateIds.add(entry.id)
    this.candidates.push({ ...entry, offset })
  }
  /**
   * Byte prefilter on the raw name at `s`: false only when the trimmed, unescaped name cannot
   * equal the target. Escapes and possible Unicode whitespace defer to the full parse.
   */
  private nameMayMatch(buf: Uint8Array, s: number, e: number): boolean {
    const target = this.target
    const first = buf[s]!
    if (first !== target[0]) return first === 0x5c || maySpace(first)
    const n = target.length
    if (s + n >= e) return false
    for (let i = 1; i < n; i++) {
      const c = buf[s + i]
      if (c !== target[i]) return c === 0x5c
    }
    const after = buf[s + n]!
    return after === 0x22 || after === 0x5c || maySpace(after)
  }

  private parse(buf: Uint8Array, s: number, e: number): ParsedEntry | undefined {
    return e - s > this.maxLineBytes ? undefined : parseEntryBytes(buf, s, e)
  }
}
