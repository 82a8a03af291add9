/**
 * Collects the lines that name a thread `name` (trimmed, compared exactly), newest first, at
 * most one per thread. Whether such a line is still the thread's *current* name is settled by
 * the caller with an exact id lookup over the newer bytes (see `programs.ts`).
 */
import { hasIdPrefix, viewOf, hasNameKey, ID_OFFSET, idText, isBlankLine, NAME_OFFSET } from "./canonical.js"
import { type NamedThread, type ParsedEntry, parseEntryBytes } from "./entryLine.js"
import { type BlockVisitor, lineEndOf, lineStartOf } from "./reverseReader.js"
import { MAX_PATTERN_BYTES, SkipSearch } from "./skipSearch.js"

/** Can this byte begin (or end) whitespace that `String.prototype.trim` would remove? */
const maySpace = (c: number): boolean => c === 0x20 || (c >= 0x09 && c <= 0x0d) || c >= 0x80

/** Starts of the block's lines holding `needle`, ascending: native searches, a line's rest skipped. */
const linesWith = (buf: Buffer, blockStart: number, blockEnd: number, needle: number | Buffer): Array<number> => {
  // Searched within the block only: the buffer may hold older bytes past its end.
  const block = buf.subarray(blockStart, blockEnd)
  const starts: Array<number> = []
  for (let found = block.indexOf(needle); found >= 0; ) {
    const at = blockStart + found
    starts.push(lineStartOf(buf, at, blockStart))
    const lineEnd = lineEndOf(buf, at, blockEnd)
    found = lineEnd === blockEnd ? -1 : block.indexOf(needle, lineEnd - blockStart)
  }
  return starts
}

const mergeAscending = (a: ReadonlyArray<number>, b: ReadonlyArray<number>): Array<number> => {
  if (b.length === 0) return a as Array<number>
  if (a.length === 0) return b as Array<number>
  const out: Array<number> = []
  let i = 0
  let j = 0
  while (i < a.length || j < b.length) {
    const next = j >= b.length || (i < a.length && a[i]! <= b[j]!) ? a[i++]! : b[j++]!
    if (out[out.length - 1] !== next) out.push(next)
  }
  return out
}

/** Names this long or longer are found with the skip search; shorter ones jump too little. */
const SKIP_SEARCH_MIN_BYTES = 8

export class NameQuery {
  private readonly target: Buffer
  private readonly search: SkipSearch | undefined
  readonly candidates: Array<NamedThread> = []
  private readonly candidateIds = new Set<string>()

  /** `skipIds`: threads already settled by a newer part of the file. */
  constructor(
    readonly name: string,
    private readonly skipIds: ReadonlySet<string>,
    private readonly maxLineBytes: number
  ) {
    this.target = Buffer.from(name, "utf8")
    const searched = this.target.subarray(0, MAX_PATTERN_BYTES)
    this.search =
      searched.length >= SKIP_SEARCH_MIN_BYTES
        ? new SkipSearch([searched], searched.length, { caseFold: false, tableBits: 14 })
        : undefined
  }

  /**
   * Only lines that hold the name's UTF-8 bytes, or a backslash, can name a thread `name`: a
   * JSON string without escapes is its own bytes, and every other spelling of it escapes
   * something. Those lines alone are looked at, newest first.
   */
  readonly visit: BlockVisitor = (buf, blockStart, blockEnd, fileOffset) => {
    const lineStarts = mergeAscending(this.linesWithName(buf, blockStart, blockEnd), linesWith(buf, blockStart, blockEnd, 0x5c))
    const view = viewOf(buf)
    for (let i = lineStarts.length - 1; i >= 0; i--) {
      const lineStart = lineStarts[i]!
      this.visitLine(buf, view, lineStart, lineEndOf(buf, lineStart, blockEnd), fileOffset)
    }
    return false
  }

  /** Starts of the lines in the block holding the name's bytes (its first 255, if longer). */
  private linesWithName(buf: Buffer, blockStart: number, blockEnd: number): Array<number> {
    const search = this.search
    if (search === undefined) return linesWith(buf, blockStart, blockEnd, this.target)
    const pattern = this.target
    const hits = search.find(viewOf(buf), blockStart, blockEnd - search.length + 1, (at) => {
      return buf.compare(pattern, 0, search.length, at, at + search.length) === 0 ? lineEndOf(buf, at + search.length, blockEnd) : -1
    })
    const starts: Array<number> = []
    for (const at of hits) {
      const lineStart = lineStartOf(buf, at, blockStart)
      // The two search streams may each stop in one line that crosses their boundary.
      if (starts[starts.length - 1] !== lineStart) starts.push(lineStart)
    }
    return starts
  }

  private visitLine(buf: Buffer, view: DataView, lineStart: number, lineEnd: number, fileOffset: number): void {
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
