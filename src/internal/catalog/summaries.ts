/**
 * Head summaries of rollout files, remembered per `(file, size, mtime)`: a second listing in
 * the same process reads only the files that changed. Reading is synchronous `node:fs` over
 * the head only: a 30 GB rollout costs what a 30 KB one does.
 */
import * as fs from "node:fs"
import { HeadReader, type HeadSummary, PreviewFinder, RepeatedValues } from "./head.js"
import { CorruptZstdError, forEachLine, ROLLOUT_OPEN_FLAGS, withoutCr } from "./rolloutBytes.js"
import type { RolloutFile } from "./rolloutFiles.js"

/** What is known of one file as of its size and mtime. */
export interface Remembered<Shown> {
  readonly summary: HeadSummary
  /** What a listing last made of it, and under what key: reused while the key holds. */
  shown: { readonly key: string; readonly value: Shown } | undefined
}

const ONE_READ_BYTES = 64 * 1024
let oneReadBuffer: Buffer | undefined

/**
 * A plain file's head from a single read of its first 64 KiB, split as `forEachLine` splits
 * (a trailing `\r` dropped, a last line without `\n` still a line); undefined when the head
 * goes on past those bytes. Most heads are a few KB: one `pread` and no line reader is then
 * all a file costs, where the reader's set-up cost several times the read.
 */
const headFromOneRead = (fd: number, maxLineBytes: number, repeated: RepeatedValues): HeadSummary | undefined => {
  const buffer = (oneReadBuffer ??= Buffer.allocUnsafe(ONE_READ_BYTES))
  const bytes = buffer.subarray(0, fs.readSync(fd, buffer, 0, ONE_READ_BYTES, 0))
  const whole = bytes.length < ONE_READ_BYTES
  const head = new HeadReader(repeated)
  for (let from = 0; from < bytes.length; ) {
    let newline = bytes.indexOf(10, from)
    if (newline < 0) {
      if (!whole) return undefined
      newline = bytes.length
    }
    if (newline - from > maxLineBytes) return undefined
    if (!head.push(withoutCr(bytes, from, newline))) return head.summary()
    from = newline + 1
  }
  return whole ? head.summary() : undefined
}

/** Whether `summary` is final: an archived thread with a meta but no preview looks further. */
const complete = (summary: HeadSummary, archived: boolean): boolean =>
  !archived || summary.meta === undefined || summary.preview !== undefined

/**
 * Reads `file`'s head; for an archived file whose head has a meta but no preview, goes on to
 * the first preview anywhere in the file (`""` when there is none), as Codex does.
 */
const readSummary = (file: RolloutFile, maxLineBytes: number, archived: boolean, repeated: RepeatedValues): HeadSummary => {
  const fd = fs.openSync(file.file, ROLLOUT_OPEN_FLAGS)
  try {
    if (!file.compressed) {
      const summary = headFromOneRead(fd, maxLineBytes, repeated)
      if (summary !== undefined && complete(summary, archived)) return summary
    }
    const head = new HeadReader(repeated)
    let finder: PreviewFinder | undefined
    forEachLine(fd, file.compressed, { maxLineBytes }, (line) => {
      if (finder !== undefined) return finder.push(line)
      if (head.push(line)) return true
      if (complete(head.summary(), archived)) return false
      finder = new PreviewFinder()
      return true
    })
    const summary = head.summary()
    if (complete(summary, archived)) return summary
    return { meta: summary.meta, preview: finder?.preview ?? "" }
  } finally {
    fs.closeSync(fd)
  }
}

/** A corrupt (or empty) `.zst` is not listed, as Codex skips it; other failures are real. */
const readOrSkip = (file: RolloutFile, maxLineBytes: number, archived: boolean, repeated: RepeatedValues): HeadSummary => {
  try {
    return readSummary(file, maxLineBytes, archived, repeated)
  } catch (error) {
    if (error instanceof CorruptZstdError) return { meta: undefined, preview: undefined }
    throw error
  }
}

/**
 * Remembers what a listing makes of each file (`Shown`) beside its head summary: a re-listing
 * rebuilds only the threads whose file or name changed. Keyed by the walk's record of the
 * file, which the walk keeps while the file's size and mtime hold (rolloutFiles.ts): a file
 * that changed gets a new record and is read again, and a file no longer walked is forgotten
 * with its record.
 */
export class SummaryCache<Shown> {
  private readonly remembered = new WeakMap<RolloutFile, Remembered<Shown>>()
  private readonly repeated = new RepeatedValues()

  constructor(private readonly maxLineBytes: number) {}

  /** Whether `file`'s summary is remembered (`get` then reads nothing). */
  has(file: RolloutFile): boolean {
    return this.remembered.has(file)
  }

  /** What is known of `file`, its head read unless remembered. */
  get(file: RolloutFile, archived: boolean): Remembered<Shown> {
    let known = this.remembered.get(file)
    if (known === undefined) {
      known = { summary: readOrSkip(file, this.maxLineBytes, archived, this.repeated), shown: undefined }
      this.remembered.set(file, known)
    }
    return known
  }
}
