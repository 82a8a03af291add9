/**
 * Head summaries of rollout files, remembered per `(file, size, mtime)`: a second listing in
 * the same process reads only the files that changed. Reading is synchronous `node:fs` over
 * the head only: a 30 GB rollout costs what a 30 KB one does.
 */
import * as fs from "node:fs"
import { HeadReader, type HeadSummary, PreviewFinder } from "./head.js"
import { CorruptZstdError, forEachLine, ROLLOUT_OPEN_FLAGS } from "./rolloutBytes.js"
import type { RolloutFile } from "./rolloutFiles.js"

interface Remembered {
  readonly size: number
  readonly mtimeMs: number
  readonly summary: HeadSummary
}


/**
 * Reads `file`'s head; for an archived file whose head has a meta but no preview, goes on to
 * the first preview anywhere in the file (`""` when there is none), as Codex does.
 */
const readSummary = (file: RolloutFile, maxLineBytes: number, archived: boolean): HeadSummary => {
  const fd = fs.openSync(file.file, ROLLOUT_OPEN_FLAGS)
  try {
    const head = new HeadReader()
    let finder: PreviewFinder | undefined
    forEachLine(fd, file.compressed, { maxLineBytes }, (line) => {
      if (finder !== undefined) return finder.push(line)
      if (head.push(line)) return true
      const { meta, preview } = head.summary()
      if (!archived || meta === undefined || preview !== undefined) return false
      finder = new PreviewFinder()
      return true
    })
    const summary = head.summary()
    if (!archived || summary.meta === undefined || summary.preview !== undefined) return summary
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

export class SummaryCache {
  private readonly remembered = new Map<string, Remembered>()

  constructor(private readonly maxLineBytes: number) {}

  /** The summary of `file`, read unless remembered for its current size and mtime. */
  get(file: RolloutFile, archived: boolean): HeadSummary {
    const key = `${archived ? "a" : "s"}:${file.file}`
    const known = this.remembered.get(key)
    if (known !== undefined && known.size === file.size && known.mtimeMs === file.mtimeMs) return known.summary
    const summary = readOrSkip(file, this.maxLineBytes, archived)
    this.remembered.set(key, { size: file.size, mtimeMs: file.mtimeMs, summary })
    return summary
  }

  /** Forgets files no longer listed, so memory follows the home, not its history. */
  retainOnly(keys: ReadonlySet<string>, archived: boolean): void {
    const prefix = archived ? "a:" : "s:"
    for (const key of this.remembered.keys()) {
      if (key.startsWith(prefix) && !keys.has(key.slice(2))) this.remembered.delete(key)
    }
  }
}
