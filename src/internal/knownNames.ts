/**
 * What a reader has already learned from the index: for each id it answered, its current name
 * (or that it had none) among the first `upTo` bytes. When the file has only grown, a lookup
 * scans just the bytes past `upTo`; a file that shrank, changed inode, or changed its first
 * bytes or the last bytes it had when answers were remembered is a different history (inode
 * numbers are reused, so a replaced file can carry the old one's), and everything known is
 * dropped.
 */
import type { NamedThread } from "./scan/programs.js"

export interface FileIdentity {
  readonly ino: number | undefined
  /** The file's first bytes (up to `EDGE_BYTES`). */
  readonly head: Uint8Array
}

export const EDGE_BYTES = 256
/** Bounded memory: past this many ids the cache starts over. */
const MAX_KNOWN = 100_000

interface Known {
  readonly thread: NamedThread | undefined
  readonly upTo: number
}

export class KnownNames {
  private identity: FileIdentity | undefined
  private readonly known = new Map<string, Known>()
  private highWater = 0
  /** The bytes just before `highWater` when it was reached. */
  private edge: Uint8Array = new Uint8Array()

  /** Where the bytes `revalidate` needs to see again start, and how many. */
  get edgeRange(): { readonly position: number; readonly length: number } {
    return { position: this.highWater - this.edge.length, length: this.edge.length }
  }

  /**
   * Drops everything unless `file` is the same history, possibly grown: `edgeNow` are the
   * file's current bytes at `edgeRange`.
   */
  revalidate(file: FileIdentity, size: number, edgeNow: Uint8Array): void {
    if (this.identity === undefined) return
    const same =
      this.identity.ino === file.ino &&
      size >= this.highWater &&
      isPrefix(this.identity.head, file.head) &&
      edgeNow.length === this.edge.length &&
      isPrefix(this.edge, edgeNow)
    if (!same) this.clear()
  }

  /**
   * Where the scan for `ids` must start, and which ids also need the older bytes: the newest
   * bytes `[from, size)` are scanned for all ids, `[0, from)` only for ids never answered.
   */
  plan(ids: ReadonlyArray<string>, size: number): { readonly from: number; readonly unknown: Array<string> } {
    let from = size
    const unknown: Array<string> = []
    for (const id of ids) {
      const entry = this.known.get(id)
      if (entry === undefined) unknown.push(id)
      else from = Math.min(from, entry.upTo)
    }
    return { from, unknown }
  }

  /** The remembered answer for `id`, valid for the bytes before its `upTo`. */
  lookup(id: string): NamedThread | undefined {
    return this.known.get(id)?.thread
  }

  /**
   * Records answers that hold for the whole file of `size` bytes (which ends with `\n`);
   * `edge` are its last bytes (up to `EDGE_BYTES`).
   */
  remember(
    file: FileIdentity,
    size: number,
    edge: Uint8Array,
    ids: ReadonlyArray<string>,
    answers: ReadonlyMap<string, NamedThread>
  ): void {
    if (this.identity === undefined || this.known.size + ids.length > MAX_KNOWN) {
      this.clear()
      this.identity = file
    }
    if (size >= this.highWater) {
      this.highWater = size
      this.edge = edge
    }
    for (const id of ids) this.known.set(id, { thread: answers.get(id), upTo: size })
  }

  clear(): void {
    this.identity = undefined
    this.known.clear()
    this.highWater = 0
    this.edge = new Uint8Array()
  }
}

/** The cached bytes may be fewer (the file was small then); they must still be a prefix. */
const isPrefix = (cached: Uint8Array, now: Uint8Array): boolean => {
  if (now.length < cached.length) return false
  for (let i = 0; i < cached.length; i++) if (cached[i] !== now[i]) return false
  return true
}
