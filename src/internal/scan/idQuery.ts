/**
 * Finds the current name of each wanted id, newest line first, stopping once all are known.
 * Canonical lines are decided from the id's bytes through a 20-bit filter; only lines whose
 * id might be wanted, and lines not in canonical form, are parsed.
 */
import { hasIdPrefix, viewOf, ID_OFFSET, idFilterKey, idText, isBlankLine } from "./canonical.js"
import { type NamedThread, type ParsedEntry, parseEntryBytes } from "./entryLine.js"
import type { BlockVisitor } from "./reverseReader.js"

export class IdQuery {
  private readonly filter = new Uint8Array(1 << 20)
  private readonly slots: Map<string, number>
  readonly matches: Array<NamedThread | undefined>
  private remaining: number

  /** `ids` must be valid lowercase UUIDs; duplicates are fine. */
  constructor(
    ids: Iterable<string>,
    private readonly maxLineBytes: number
  ) {
    this.slots = new Map()
    for (const id of ids) {
      if (this.slots.has(id)) continue
      this.slots.set(id, this.slots.size)
      this.filter[idFilterKey(viewOf(Buffer.from(id, "latin1")), 0)] = 1
    }
    this.matches = new Array(this.slots.size)
    this.remaining = this.slots.size
  }

  get done(): boolean {
    return this.remaining === 0
  }

  /** The answers so far, keyed by lowercase id. */
  results(): Map<string, NamedThread> {
    const out = new Map<string, NamedThread>()
    for (const [id, slot] of this.slots) {
      const match = this.matches[slot]
      if (match !== undefined) out.set(id, match)
    }
    return out
  }

  readonly visit: BlockVisitor = (buf, blockStart, blockEnd, fileOffset) => {
    if (this.remaining === 0) return true
    const filter = this.filter
    const view = viewOf(buf)
    let lineEnd = blockEnd
    if (lineEnd > blockStart && buf[lineEnd - 1] === 10) lineEnd--
    for (;;) {
      const newline = lineEnd > blockStart ? buf.lastIndexOf(10, lineEnd - 1) : -1
      const lineStart = newline < blockStart ? blockStart : newline + 1
      if (hasIdPrefix(view, lineStart, lineEnd)) {
        if (filter[idFilterKey(view, lineStart + ID_OFFSET)] === 1) {
          const slot = this.slots.get(idText(buf, lineStart + ID_OFFSET))
          if (slot !== undefined && this.matches[slot] === undefined) {
            const entry = this.parse(buf, lineStart, lineEnd)
            // A different parsed id means a duplicate `id` key: a bad line.
            if (entry !== undefined && entry.name !== "" && this.slots.get(entry.id) === slot) {
              if (this.record(slot, entry, fileOffset + lineStart)) return true
            }
          }
        }
      } else if (!isBlankLine(buf, lineStart, lineEnd)) {
        const entry = this.parse(buf, lineStart, lineEnd)
        if (entry !== undefined && entry.name !== "") {
          const slot = this.slots.get(entry.id)
          if (slot !== undefined && this.matches[slot] === undefined) {
            if (this.record(slot, entry, fileOffset + lineStart)) return true
          }
        }
      }
      if (lineStart === blockStart) return false
      lineEnd = newline
    }
  }

  private parse(buf: Uint8Array, s: number, e: number): ParsedEntry | undefined {
    return e - s > this.maxLineBytes ? undefined : parseEntryBytes(buf, s, e)
  }

  private record(slot: number, entry: ParsedEntry, offset: number): boolean {
    this.matches[slot] = { ...entry, offset }
    return --this.remaining === 0
  }
}
