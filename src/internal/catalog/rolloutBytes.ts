/**
 * The lines of a rollout file, plain or zstd-compressed, over a `node:fs` descriptor. No Effect
 * here: the listing reads thousands of heads in a tight loop (and may do so in worker threads),
 * and the `RolloutReader` service drives the same cursors one chunk per pull.
 *
 * Lines are split as everywhere else in this library (`LineSplitter`): on `\n`, a trailing
 * `\r` dropped, a line longer than `maxLineBytes` (counted without its `\n`) reported without
 * its bytes and never buffered whole, and a last line without `\n` still a line (rollouts are
 * appended to while Codex runs). Offsets are byte offsets in the decompressed content.
 *
 * Every read is positional (`pread`). A FIFO therefore fails with `ESPIPE` at the first read
 * instead of blocking, but only once it is open: callers open with `O_NONBLOCK` (opening a
 * FIFO for reading otherwise blocks until a writer appears), or check the file type first.
 * Read failures throw Node's system error, corrupt zstd data `CorruptZstdError`, and a plain
 * file that shrinks under a backwards read `FileShrankError`.
 *
 * Memory: a line is held only up to `maxLineBytes`; a read is at most `chunkBytes`; a zstd
 * frame costs the window it declares (2-8 MiB as the `zstd` CLI writes them, up to 128 MiB
 * with `--long`; fzstd accepts up to 2 GB).
 */
import { Decompress } from "fzstd"
import * as fs from "node:fs"
import { READ_WITHOUT_BLOCKING, readAt } from "../regularFile.js"
import { type LineSink, LineSplitter } from "../scan/lineSplitter.js"
import { type BlockVisitor, lineStartOf, type ReadRequest, scanReverse } from "../scan/reverseReader.js"

/**
 * How to open a rollout for these readers: `O_NONBLOCK`, so that opening a FIFO named like a
 * rollout does not wait for a writer (its positional reads then fail with `ESPIPE`).
 */
export const ROLLOUT_OPEN_FLAGS = READ_WITHOUT_BLOCKING

export interface LineOptions {
  readonly maxLineBytes: number
  /** The largest read; reads start at 64 KiB (or this, if smaller) and double. Default 1 MiB. */
  readonly chunkBytes?: number | undefined
  /**
   * A plain file's lines longer than this are read again once their end is found, into one
   * buffer of their length, rather than gathered in pieces and copied whole. Default 1 MiB.
   */
  readonly keepLineBytes?: number | undefined
}

/**
 * Receives each line (`undefined` when longer than `maxLineBytes`) and the offset where it
 * starts; returns `false` to stop reading. The buffer is only valid during the call.
 */
export type LineVisitor = (line: Buffer | undefined, offset: number) => boolean

/** A line handed out by the cursors; `bytes` stays valid until the cursor's next call. */
export interface RawLine {
  readonly offset: number
  /** Without `\n` or a trailing `\r`; undefined for a line longer than `maxLineBytes`. */
  readonly bytes: Buffer | undefined
  /** False for a last line with no `\n` after it (yet): it may be a line still being written. */
  readonly terminated: boolean
}

/**
 * The lines of one step of a cursor, possibly none (a step does at most about a chunk's
 * work); `undefined` once there are no more.
 */
export type Cursor = () => ReadonlyArray<RawLine> | undefined

/**
 * A long line read again (plain files, once its end was found) was no longer there as it
 * was: the file was truncated or rewritten under the reader (a rollout is only appended to).
 */
export class LineChangedError extends Error {
  constructor(readonly offset: number) {
    super(`the file changed while being read (the line at byte ${offset} is no longer whole)`)
    this.name = "LineChangedError"
  }
}

/** The compressed data is not valid zstd, or ends in the middle of a frame. */
export class CorruptZstdError extends Error {
  constructor(
    /** How many compressed bytes had been read when the decompressor gave up. */
    readonly compressedOffset: number,
    override readonly cause: unknown
  ) {
    super(`corrupt zstd data (within the first ${compressedOffset} compressed bytes): ${cause instanceof Error ? cause.message : String(cause)}`)
    this.name = "CorruptZstdError"
  }
}

const FIRST_CHUNK_BYTES = 64 * 1024
const KEEP_LINE_BYTES = 1024 * 1024
const DEFAULT_CHUNK_BYTES = 1024 * 1024
const NEWLINE = Buffer.from("\n")
const CR = 13
const LF = 10

/** Newest-first batches of a `.zst` file: each costs a decompression up to the batch. */
const ZSTD_BATCH_LINES = 4096
const ZSTD_BATCH_BYTES = 16 * 1024 * 1024

/**
 * Compressed input goes to the decompressor in slices, and a step stops slicing once about
 * `STEP_OUTPUT_BYTES` came out: what a step hands out stays bounded however well the data
 * compressed (a 64 KiB chunk of a highly repetitive rollout can hold hundreds of MB).
 */
const ZSTD_SLICE_BYTES = 4096
const STEP_OUTPUT_BYTES = 1024 * 1024

/** Thrown through the decompressor to abandon the rest of its input once the reader stops. */
const STOP: unique symbol = Symbol("stop")

type Sink = (line: Buffer | undefined, offset: number, terminated: boolean) => boolean

/** The line `buf[start, end)` without a trailing `\r`. */
export const withoutCr = (buf: Buffer, start: number, end: number): Buffer =>
  buf.subarray(start, end > start && buf[end - 1] === CR ? end - 1 : end)

/**
 * Reads a file from its start in chunks that grow from 64 KiB: a head read costs one small
 * read however large the file.
 */
class Chunks {
  private position = 0
  private want: number

  constructor(
    private readonly fd: number,
    private readonly maxBytes: number,
    /** The read buffer: replaced by a larger one as reads grow. */
    public buffer: Buffer
  ) {
    this.want = Math.min(FIRST_CHUNK_BYTES, maxBytes)
  }

  get bytesRead(): number {
    return this.position
  }

  /** The next bytes, empty at the end of the file; valid until the next call. */
  next(): Buffer {
    if (this.buffer.length < this.want) this.buffer = Buffer.allocUnsafe(this.want)
    const n = fs.readSync(this.fd, this.buffer, 0, this.want, this.position)
    this.position += n
    this.want = Math.min(this.want * 2, this.maxBytes)
    return this.buffer.subarray(0, n)
  }
}

/** Reports a file's lines, in order, to a sink: one chunk read per `step`. */
class ForwardLines {
  readonly chunks: Chunks
  private readonly fd: number
  private readonly splitter: LineSplitter
  private readonly zstd: Decompress | undefined
  private stopped = false
  private ended = false
  private terminated = true
  /** Compressed bytes read but not yet given to the decompressor. */
  private input: Buffer = Buffer.alloc(0)
  /** Decompressed bytes in the current step. */
  private output = 0
  /** Set while our own code runs inside the decompressor's callback: its throws are not corruption. */
  private splitting = false

  constructor(
    fd: number,
    compressed: boolean,
    options: LineOptions,
    private readonly sink: Sink,
    buffer: Buffer = Buffer.allocUnsafe(FIRST_CHUNK_BYTES)
  ) {
    const chunkBytes = options.chunkBytes ?? DEFAULT_CHUNK_BYTES
    // Compressed reads stay at the first chunk size: a head read stops inside the decompressor
    // anyway, and larger reads would only hold more input.
    this.chunks = new Chunks(fd, compressed ? Math.min(FIRST_CHUNK_BYTES, chunkBytes) : chunkBytes, buffer)
    this.fd = fd
    // A plain file can be read again: a long line is then read once into a buffer of its
    // length, not gathered in pieces and copied whole (twice its size held at once).
    this.splitter = new LineSplitter(options.maxLineBytes, 0, compressed ? Infinity : (options.keepLineBytes ?? KEEP_LINE_BYTES))
    this.zstd = compressed ? new Decompress((data) => this.decompressed(data)) : undefined
  }

  /** Reads (or decompresses) about a chunk and reports the lines it completes; false once done or stopped. */
  step(): boolean {
    if (this.stopped || this.ended) return false
    if (this.zstd === undefined) {
      const chunk = this.chunks.next()
      this.splitter.push(chunk, this.lines)
      if (chunk.length === 0) this.finish()
    } else {
      this.stepCompressed(this.zstd)
    }
    return !this.stopped && !this.ended
  }

  private stepCompressed(zstd: Decompress): void {
    if (this.input.length === 0) {
      const chunk = this.chunks.next()
      if (chunk.length === 0) {
        this.decompress(zstd, chunk, true)
        return this.finish()
      }
      // A copy: the decompressor keeps unfinished input by reference, and `chunk` is reused.
      this.input = Buffer.from(chunk)
    }
    this.output = 0
    while (this.input.length > 0 && this.output < STEP_OUTPUT_BYTES && !this.stopped) {
      const slice = this.input.subarray(0, ZSTD_SLICE_BYTES)
      this.input = this.input.subarray(slice.length)
      this.decompress(zstd, slice, false)
    }
  }

  private readonly lines: LineSink = {
    line: (buf, start, end, offset) => this.report(withoutCr(buf, start, end), offset),
    oversized: (offset) => this.report(undefined, offset),
    unkept: (offset, length) => this.report(this.readAgain(offset, length), offset)
  }

  /** The line at `offset` read again, exactly; `LineChangedError` when it is no longer whole. */
  private readAgain(offset: number, length: number): Buffer {
    const line = readAt(this.fd, length, offset)
    if (line.length < length || line.includes(NEWLINE)) throw new LineChangedError(offset)
    return withoutCr(line, 0, length)
  }

  private report(line: Buffer | undefined, offset: number): void {
    if (this.sink(line, offset, this.terminated)) return
    this.stopped = true
    this.splitter.stop()
  }

  private decompress(zstd: Decompress, slice: Buffer, final: boolean): void {
    try {
      zstd.push(slice, final)
    } catch (error) {
      if (error === STOP) return
      if (this.splitting) throw error
      throw new CorruptZstdError(this.chunks.bytesRead, error)
    }
  }

  private decompressed(data: Uint8Array): void {
    this.output += data.length
    this.splitting = true
    this.splitter.push(data, this.lines)
    this.splitting = false
    if (this.stopped) throw STOP
  }

  /** At the end of the file, an unfinished last line is still a line. */
  private finish(): void {
    this.ended = true
    if (this.stopped || this.splitter.pendingBytes === 0) return
    this.terminated = false
    this.splitter.push(NEWLINE, this.lines)
  }
}

/**
 * Visits each line of the file from its start, decompressing when `compressed`, until the
 * visitor returns `false`; reads no further than the chunk holding the line it stopped at.
 */
export const forEachLine = (fd: number, compressed: boolean, options: LineOptions, visit: LineVisitor): void => {
  const lines = new ForwardLines(fd, compressed, options, visit, spare ?? Buffer.allocUnsafe(FIRST_CHUNK_BYTES))
  spare = undefined
  try {
    while (lines.step());
  } finally {
    spare = lines.chunks.buffer
  }
}

/**
 * The read buffer of the last `forEachLine`, for the next one: a listing reads thousands of
 * heads, and a fresh 64 KiB buffer costs several times the read itself. Taken while in use,
 * so a visitor that reads another file gets its own.
 */
let spare: Buffer | undefined

/** The file's lines from its start, one chunk read per call. */
export const forwardCursor = (fd: number, compressed: boolean, options: LineOptions): Cursor => {
  let batch: Array<RawLine> = []
  const lines = new ForwardLines(fd, compressed, options, (bytes, offset, terminated) => {
    batch.push({ offset, bytes, terminated })
    return true
  })
  let more = true
  return () => {
    if (!more) return undefined
    batch = []
    more = lines.step()
    return batch
  }
}

/**
 * A plain file's lines newest first, read backwards from the size it has now: one read per
 * call, 64 KiB first, so the last lines of any file cost about one small read.
 */
const plainNewestFirst = (fd: number, options: LineOptions): Cursor => {
  const end = fs.fstatSync(fd).size
  let found: Array<RawLine> = []
  // Only the newest line can lack its `\n`. The first read ends at `end`: it tells.
  let endsWithNewline = true
  let newest = true
  const report = (offset: number, bytes: Buffer | undefined) => {
    found.push({ offset, bytes, terminated: endsWithNewline || !newest })
    newest = false
  }
  const visit: BlockVisitor = (buf, blockStart, blockEnd, fileOffset) => {
    let lineEnd = buf[blockEnd - 1] === LF ? blockEnd - 1 : blockEnd
    for (;;) {
      const lineStart = lineStartOf(buf, lineEnd, blockStart)
      report(fileOffset + lineStart, lineEnd - lineStart > options.maxLineBytes ? undefined : withoutCr(buf, lineStart, lineEnd))
      if (lineStart === blockStart) return false
      lineEnd = lineStart - 1
    }
  }
  const onOversized = (offset: number): boolean => {
    report(offset, undefined)
    return false
  }
  const chunkBytes = options.chunkBytes ?? DEFAULT_CHUNK_BYTES
  const scanOptions = { firstChunkBytes: Math.min(FIRST_CHUNK_BYTES, chunkBytes), chunkBytes, maxLineBytes: options.maxLineBytes, onOversized }
  const program = scanReverse(0, end, scanOptions, visit)
  let next = program.next()
  const read = (r: ReadRequest): number => {
    const n = fs.readSync(fd, r.buffer, r.offset, r.length, r.position)
    if (n > 0 && r.position + n === end) endsWithNewline = r.buffer[r.offset + n - 1] === LF
    return n
  }
  return () => {
    if (next.done) return undefined
    found = []
    next = program.next(read(next.value))
    return found
  }
}

/** The newest lines pushed: at most `maxLines`, and at most `maxBytes` unless only one. */
class Ring {
  private lines: Array<RawLine> = []
  private head = 0
  private bytes = 0

  constructor(
    private readonly maxLines: number,
    private readonly maxBytes: number
  ) {}

  push(line: RawLine): void {
    this.lines.push(line)
    this.bytes += line.bytes?.length ?? 0
    while (this.lines.length - this.head > this.maxLines || (this.bytes > this.maxBytes && this.lines.length - this.head > 1)) {
      this.bytes -= this.lines[this.head]!.bytes?.length ?? 0
      this.head++
    }
    if (this.head > 1024 && this.head * 2 > this.lines.length) {
      this.lines = this.lines.slice(this.head)
      this.head = 0
    }
  }

  newestFirst(): Array<RawLine> {
    return this.lines.slice(this.head).reverse()
  }
}

/**
 * A `.zst` file's lines newest first. zstd cannot be read backwards: each batch decompresses
 * the file from its start up to the batch, keeping only the batch's lines (at most
 * `batchLines`). The last lines cost one full decompression; reading the whole file newest
 * first costs one per batch.
 */
const zstdNewestFirst = (fd: number, options: LineOptions, batchLines: number): Cursor => {
  let before = Infinity
  let pass: { readonly lines: ForwardLines; readonly ring: Ring } | undefined
  const startPass = () => {
    const ring = new Ring(batchLines, ZSTD_BATCH_BYTES)
    const lines = new ForwardLines(fd, true, options, (bytes, offset, terminated) => {
      if (offset >= before) return false
      ring.push({ offset, bytes: bytes === undefined ? undefined : Buffer.from(bytes), terminated })
      return true
    })
    return { lines, ring }
  }
  return () => {
    if (before === 0) return undefined
    pass ??= startPass()
    if (pass.lines.step()) return []
    const found = pass.ring.newestFirst()
    pass = undefined
    before = found.length === 0 ? 0 : found[found.length - 1]!.offset
    return found.length === 0 ? undefined : found
  }
}

/** The file's lines newest first (see `lastLines` for what each costs). */
export const newestFirstCursor = (fd: number, compressed: boolean, options: LineOptions, batchLines = ZSTD_BATCH_LINES): Cursor =>
  compressed ? zstdNewestFirst(fd, options, batchLines) : plainNewestFirst(fd, options)

/**
 * The last `count` lines, newest first, as copies. A plain file is read backwards from its end
 * (about one 64 KiB read for a few ordinary lines, whatever the file's size); a `.zst` file
 * is decompressed whole, keeping only the last `count` lines.
 */
export const lastLines = (fd: number, compressed: boolean, count: number, options: LineOptions): Array<RawLine> => {
  const lines: Array<RawLine> = []
  const cursor = newestFirstCursor(fd, compressed, options, count)
  while (lines.length < count) {
    const batch = cursor()
    if (batch === undefined) break
    for (const line of batch.slice(0, count - lines.length)) {
      lines.push({ ...line, bytes: line.bytes === undefined ? undefined : Buffer.from(line.bytes) })
    }
  }
  return lines
}
