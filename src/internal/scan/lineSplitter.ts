/**
 * Splits bytes read forward into lines, holding at most `maxLineBytes` of an unfinished line:
 * a longer line is reported by its position only, never buffered whole. The one forward
 * splitter behind rewrites, the change feed and `stats`, so all of them draw the same line
 * boundaries and apply the same over-long rule as the reverse scan.
 */

export interface LineSink {
  /** A complete line `buf[start, end)` (without its `\n`) that starts at file offset `offset`. */
  readonly line: (buf: Buffer, start: number, end: number, offset: number) => void
  /** A complete line longer than `maxLineBytes`: `length` bytes from `offset`, `\n` excluded. */
  readonly oversized: (offset: number, length: number) => void
  /**
   * A complete line longer than the splitter's `keepBytes` (and not oversized), reported by its
   * place only: a reader that can read it again does so into one buffer of its exact length.
   */
  readonly unkept?: (offset: number, length: number) => void
}

export class LineSplitter {
  /** The unfinished line's pieces (copies: callers reuse their read buffers). */
  private pieces: Array<Buffer> = []
  private pieceBytes = 0
  /** Inside a line already known to be over-long: its bytes are counted, not kept. */
  private skipping = false
  /** Inside a line longer than `keepBytes`: its bytes are counted, not kept, and it goes to `unkept`. */
  private counting = false
  /** File offset where the unfinished line starts. */
  private lineStart: number
  /** File offset just past the bytes pushed so far. */
  private position: number
  /** Set by `stop`: a reader that has read enough skips the rest of the chunk. */
  private stopped = false

  constructor(
    private readonly maxLineBytes: number,
    startOffset = 0,
    /** Longer unfinished lines are counted, not held (their sink needs `unkept`). */
    private readonly keepBytes = Infinity
  ) {
    this.lineStart = startOffset
    this.position = startOffset
  }

  /** Where the line not yet completed starts: everything before it has been reported. */
  get pendingStart(): number {
    return this.lineStart
  }

  /** Bytes pushed but not yet part of a reported line. */
  get pendingBytes(): number {
    return this.position - this.lineStart
  }

  /** Forgets the unfinished line and continues at `offset` (a line start). */
  reset(offset: number): void {
    this.pieces = []
    this.pieceBytes = 0
    this.skipping = false
    this.counting = false
    this.lineStart = offset
    this.position = offset
  }

  /**
   * Ends the `push` in progress after the line being reported: a head read stops without
   * walking the rest of its chunk. The splitter is not to be pushed to again.
   */
  stop(): void {
    this.stopped = true
  }

  /** Reports every line that `chunk` completes, in order (until `stop`). */
  push(chunk: Uint8Array, sink: LineSink): void {
    if (this.stopped) return
    const buf = Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength)
    const chunkAt = this.position
    this.position += buf.length
    let from = 0
    for (let newline = buf.indexOf(10); newline >= 0; newline = buf.indexOf(10, from)) {
      this.finishLine(buf, from, newline, chunkAt, sink)
      if (this.stopped) return
      from = newline + 1
      this.lineStart = chunkAt + from
    }
    if (from < buf.length) this.carry(buf.subarray(from))
  }

  private finishLine(buf: Buffer, from: number, newline: number, chunkAt: number, sink: LineSink): void {
    const length = this.pieceBytes + newline - from
    const skipping = this.skipping
    const counting = this.counting
    const carried = this.pieces
    this.pieces = []
    this.pieceBytes = 0
    this.skipping = false
    this.counting = false
    if (skipping || length > this.maxLineBytes) return sink.oversized(this.lineStart, chunkAt + newline - this.lineStart)
    if (counting) return sink.unkept!(this.lineStart, length)
    if (carried.length === 0) return sink.line(buf, from, newline, this.lineStart)
    carried.push(buf.subarray(from, newline))
    sink.line(Buffer.concat(carried, length), 0, length, this.lineStart)
  }

  private carry(rest: Buffer): void {
    if (this.skipping) return
    if (this.pieceBytes + rest.length > this.maxLineBytes) {
      this.pieces = []
      this.pieceBytes = 0
      this.counting = false
      this.skipping = true
      return
    }
    if (!this.counting && this.pieceBytes + rest.length > this.keepBytes) {
      this.pieces = []
      this.counting = true
    }
    if (!this.counting) this.pieces.push(Buffer.from(rest))
    this.pieceBytes += rest.length
  }
}
