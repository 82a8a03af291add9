/**
 * Finds the current name of each wanted id, newest line first, stopping once all are known.
 *
 * Two ways through a block, chosen by how many ids are wanted:
 * - up to 4096 ids: the block is searched for the ids' own bytes, case-folded, with a skip
 *   search (`skipSearch.ts`: most steps jump ~30 bytes), and only lines holding an occurrence
 *   are parsed. Sound because an entry's id is written
 *   literally (an id spelled with escapes counts as a bad line), so a line without the id's
 *   bytes cannot be its entry, whatever its key order or spacing;
 * - more ids: every line is walked; canonical lines are decided from the id's bytes through a
 *   20-bit filter, and only lines whose id might be wanted, or not in canonical form, are
 *   parsed. Measured on 1 GiB, one thread: searching costs 0.3 s for 1 to 64 ids, 0.4 s for
 *   1000, 0.5 s for 4096, where walking costs 0.7 to 0.8 s; beyond a few thousand ids most
 *   windows of hex digits would stop the search.
 */
import { hasIdPrefix, viewOf, ID_LENGTH, ID_OFFSET, idFilterKey, idText, isBlankLine } from "./canonical.js"
import { type NamedThread, type ParsedEntry, parseEntryBytes } from "./entryLine.js"
import { type BlockVisitor, lineEndOf, lineStartOf } from "./reverseReader.js"
import { SkipSearch } from "./skipSearch.js"

/** Up to this many ids, blocks are searched for the ids' bytes; beyond, every line is walked. */
export const SEARCH_MAX_IDS = 4096

export class IdQuery {
  /**
   * `idFilterKey`s of the wanted ids, shifted right by `filterShift`. Walking decides every
   * line from it and takes all 20 bits (1 MiB); searching only checks the search's rare stops
   * with it, and a table of 4 to 64 KiB spares every lookup a megabyte to clear (a listing
   * makes dozens of lookups of a few hundred ids).
   */
  private readonly filter: Uint8Array
  private readonly filterShift: number
  private readonly slots: Map<string, number>
  readonly matches: Array<NamedThread | undefined>
  private remaining: number
  private readonly skip: SkipSearch | undefined
  readonly visit: BlockVisitor

  /** `ids` must be valid lowercase UUIDs; duplicates are fine. `strategy` is for tests. */
  constructor(
    ids: Iterable<string>,
    private readonly maxLineBytes: number,
    strategy?: "search" | "walk"
  ) {
    this.slots = new Map()
    for (const id of ids) if (!this.slots.has(id)) this.slots.set(id, this.slots.size)
    const search = (strategy ?? (this.slots.size <= SEARCH_MAX_IDS ? "search" : "walk")) === "search"
    const filterBits = !search ? 20 : this.slots.size <= 256 ? 12 : 16
    this.filterShift = 20 - filterBits
    this.filter = new Uint8Array(1 << filterBits)
    for (const id of this.slots.keys()) this.filter[idFilterKey(viewOf(Buffer.from(id, "latin1")), 0) >>> this.filterShift] = 1
    this.matches = new Array(this.slots.size)
    this.remaining = this.slots.size
    if (search) {
      const count = this.slots.size
      // Case-folded, as ids compare. 14 bits (16 KiB, within the L1 cache) up to 32 ids;
      // measured on 1 GiB, 17 bits beat 18 from 256 to 4096 ids (fewer cache misses outweigh
      // the extra stops).
      const tableBits = count <= 32 ? 14 : count <= 256 ? 16 : 17
      this.skip = new SkipSearch([...this.slots.keys()].map((id) => Buffer.from(id, "latin1")), ID_LENGTH, { caseFold: true, tableBits })
      this.visit = this.searchBlock
    } else {
      this.skip = undefined
      this.visit = this.walkBlock
    }
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

  private readonly walkBlock: BlockVisitor = (buf, blockStart, blockEnd, fileOffset) => {
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

  /**
   * Lines holding a wanted id's text are collected first (one start per line and stream),
   * then settled newest first: each such line is parsed once, and its entry answers its own
   * id if that is wanted and not yet answered by a newer line.
   */
  private readonly searchBlock: BlockVisitor = (buf, blockStart, blockEnd, fileOffset) => {
    if (this.remaining === 0) return true
    const view = viewOf(buf)
    const filter = this.filter
    const filterShift = this.filterShift
    const slots = this.slots
    // Ids that fit: starting at `blockStart` up to 36 bytes before the block's end.
    const found = this.skip!.find(view, blockStart, blockEnd - ID_LENGTH + 1, (at) =>
      filter[idFilterKey(view, at) >>> filterShift] === 1 && slots.has(idText(buf, at)) ? lineEndOf(buf, at + ID_LENGTH, blockEnd) : -1
    )
    let settledFrom = blockEnd
    for (let i = found.length - 1; i >= 0; i--) {
      const at = found[i]!
      // The two search streams may each stop in one line that crosses their boundary.
      if (at >= settledFrom) continue
      const lineStart = lineStartOf(buf, at, blockStart)
      settledFrom = lineStart
      const entry = this.parse(buf, lineStart, lineEndOf(buf, at + ID_LENGTH, blockEnd))
      if (entry === undefined || entry.name === "") continue
      const slot = slots.get(entry.id)
      if (slot !== undefined && this.matches[slot] === undefined && this.record(slot, entry, fileOffset + lineStart)) return true
    }
    return false
  }

  private parse(buf: Uint8Array, s: number, e: number): ParsedEntry | undefined {
    return e - s > this.maxLineBytes ? undefined : parseEntryBytes(buf, s, e)
  }

  private record(slot: number, entry: ParsedEntry, offset: number): boolean {
    this.matches[slot] = { ...entry, offset }
    return --this.remaining === 0
  }
}
