/**
 * Head summaries of rollout files, remembered per `(file, size, mtime)`: a second listing in
 * the same process reads only the files that changed. Reading is synchronous `node:fs` over
 * the head only: a 30 GB rollout costs what a 30 KB one does.
 */
import * as fs from "node:fs"
import { HeadReader, type HeadSummary, PreviewFinder } from "./head.js"
import { CorruptZstdError, forEachLine, ROLLOUT_OPEN_FLAGS, withoutCr } from "./rolloutBytes.js"
import type { RolloutFile } from "./rolloutFiles.js"

/** What is known of one file as of its size and mtime. */
export interface Remembered<Shown> {
  readonly size: number
  readonly mtimeMs: number
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
const headFromOneRead = (fd: number, maxLineBytes: number): HeadSummary | undefined => {
  const buffer = (oneReadBuffer ??= Buffer.allocUnsafe(ONE_READ_BYTES))
  const bytes = buffer.subarray(0, fs.readSync(fd, buffer, 0, ONE_READ_BYTES, 0))
  const whole = bytes.length < ONE_READ_BYTES
  const head = new HeadReader()
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
const readSummary = (file: RolloutFile, maxLineBytes: number, archived: boolean): HeadSummary => {
  const fd = fs.openSync(file.file, ROLLOUT_OPEN_FLAGS)
  try {
    if (!file.compressed) {
      const summary = headFromOneRead(fd, maxLineBytes)
      if (summary !== undefined && complete(summary, archived)) return summary
    }
    const head = new HeadReader()
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
const readOrSkip = (file: RolloutFile, maxLineBytes: number, archived: boolean): HeadSummary => {
  try {
    return readSummary(file, maxLineBytes, archived)
  } catch (error) {
    if (error instanceof CorruptZstdError) return { meta: undefined, preview: undefined }
    throw error
  }
}

/**
 * Remembers what a listing makes of each file (`Shown`) beside its head summary: a re-listing
 * rebuilds only the threads whose file or name changed.
 */
export class SummaryCache<Shown> {
  /** By file, one map for active and one for archived rollouts (read differently). */
  private readonly active = new Map<string, Remembered<Shown>>()
  private readonly archived = new Map<string, Remembered<Shown>>()

  constructor(private readonly maxLineBytes: number) {}

  private known(file: RolloutFile, archived: boolean): Remembered<Shown> | undefined {
    const known = (archived ? this.archived : this.active).get(file.file)
    return known !== undefined && known.size === file.size && known.mtimeMs === file.mtimeMs ? known : undefined
  }

  /** Whether `file`'s summary is remembered for its current size and mtime (`get` then reads nothing). */
  has(file: RolloutFile, archived: boolean): boolean {
    return this.known(file, archived) !== undefined
  }

  /** What is known of `file`, its head read unless remembered for its current size and mtime. */
  get(file: RolloutFile, archived: boolean): Remembered<Shown> {
    const known = this.known(file, archived)
    if (known !== undefined) return known
    const fresh: Remembered<Shown> = { size: file.size, mtimeMs: file.mtimeMs, summary: readOrSkip(file, this.maxLineBytes, archived), shown: undefined }
    ;(archived ? this.archived : this.active).set(file.file, fresh)
    return fresh
  }

  /** Forgets files no longer listed, so memory follows the home, not its history. */
  retainOnly(files: ReadonlyArray<RolloutFile>, archived: boolean): void {
    const remembered = archived ? this.archived : this.active
    if (remembered.size === 0) return
    let kept = 0
    for (const file of files) if (remembered.has(file.file)) kept++
    if (kept === remembered.size) return
    const listed = new Set(files.map((file) => file.file))
    for (const file of remembered.keys()) if (!listed.has(file)) remembered.delete(file)
  }
}
