/**
 * Finds the threads whose *current* name is a given name, newest first.
 *
 * A line naming the thread is only an answer if no newer line renames that thread. Rather
 * than remember every id seen (hundreds of MB on a large index), the scan keeps a bloom filter
 * of ids seen on newer lines: a candidate whose id is not in it is certainly current; the rare
 * others ("pending") are settled afterwards by one exact `IdQuery` over the newer bytes.
 *
 * @internal
 */
import { hasIdPrefix, hasNameKey, ID_OFFSET, idBytes, idBloomKeyA, idBloomKeyB, isBlankLine, NAME_OFFSET } from "./canonical.js"
import { type ParsedEntry, parseEntryBytes } from "./entryLine.js"
import type { BlockVisitor } from "./reverseReader.js"

export interface NameCandidate {
  readonly entry: ParsedEntry
  readonly offset: number
  /** Certainly the thread's current name; otherwise it must be verified. */
  readonly certain: boolean
}

/** Can this byte begin (or end) whitespace that `String.prototype.trim` would remove? */
const maySpace = (c: number): boolean => c === 0x20 || (c >= 0x09 && c <= 0x0d) || c >= 0x80

export class NameQuery {
  private readonly target: Buffer
  private readonly bloom: Int32Array
  private readonly bloomMask: number
  private readonly candidateIds = new Set<string>()
  readonly candidates: Array<NameCandidate> = []
  private stopped = false

  /**
   * `name` must already be trimmed and non-blank. With `firstOnly`, the scan stops at the
   * first certain candidate (everything newer is pending and gets verified).
   */
  constructor(
    readonly name: string,
    private readonly firstOnly: boolean,
    private readonly maxLineBytes: number,
    expectedLines: number
  ) {
    this.target = Buffer.from(name, "utf8")
    let bits = 1 << 16
    while (bits < expectedLines * 16 && bits < 1 << 28) bits *= 2
    this.bloom = new Int32Array(bits >>> 5)
    this.bloomMask = bits - 1
  }

  get done(): boolean {
    return this.stopped
  }

  readonly visit: BlockVisitor = (buf, blockStart, blockEnd, fileOffset) => {
    if (this.stopped) return true
    let lineEnd = blockEnd
    if (lineEnd > blockStart && buf[lineEnd - 1] === 10) lineEnd--
    for (;;) {
      const newline = lineEnd > blockStart ? buf.lastIndexOf(10, lineEnd - 1) : -1
      const lineStart = newline < blockStart ? blockStart : newline + 1
      if (hasIdPrefix(buf, lineStart, lineEnd)) {
        const at = lineStart + ID_OFFSET
        if (!hasNameKey(buf, lineStart, lineEnd) || this.nameMayMatch(buf, lineStart + NAME_OFFSET, lineEnd)) {
          const entry = this.parse(buf, lineStart, lineEnd)
          if (entry !== undefined && entry.id === buf.toString("latin1", at, at + 36).toLowerCase()) {
            if (this.consider(entry, fileOffset + lineStart, this.seen(buf, at))) return true
          }
        }
        this.markSeen(buf, at)
      } else if (!isBlankLine(buf, lineStart, lineEnd)) {
        const entry = this.parse(buf, lineStart, lineEnd)
        if (entry !== undefined) {
          const id = idBytes(entry.id)
          if (this.consider(entry, fileOffset + lineStart, this.seen(id, 0))) return true
          this.markSeen(id, 0)
        }
      }
      if (lineStart === blockStart) return false
      lineEnd = newline
    }
  }

  /** Records a candidate; returns true when the scan may stop. */
  private consider(entry: ParsedEntry, offset: number, seenNewer: boolean): boolean {
    if (entry.name !== this.name || this.candidateIds.has(entry.id)) return false
    this.candidateIds.add(entry.id)
    this.candidates.push({ entry, offset, certain: !seenNewer })
    if (this.firstOnly && !seenNewer) this.stopped = true
    return this.stopped
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

  private seen(buf: Uint8Array, at: number): boolean {
    const a = idBloomKeyA(buf, at) & this.bloomMask
    const b = idBloomKeyB(buf, at) & this.bloomMask
    return (this.bloom[a >>> 5]! & (1 << (a & 31))) !== 0 && (this.bloom[b >>> 5]! & (1 << (b & 31))) !== 0
  }

  private markSeen(buf: Uint8Array, at: number): void {
    const a = idBloomKeyA(buf, at) & this.bloomMask
    const b = idBloomKeyB(buf, at) & this.bloomMask
    this.bloom[a >>> 5]! |= 1 << (a & 31)
    this.bloom[b >>> 5]! |= 1 << (b & 31)
  }

  private parse(buf: Uint8Array, s: number, e: number): ParsedEntry | undefined {
    return e - s > this.maxLineBytes ? undefined : parseEntryBytes(buf, s, e)
  }
}
