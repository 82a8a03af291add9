/**
 * The rollout files a listing considers, and their order, as Codex 0.169 walks them: active
 * threads under `sessions/<Y>/<M>/<D>/` (three levels of integer-named folders), archived ones
 * at the top of `archived_sessions/`. Synchronous `node:fs` calls: a home holds thousands of
 * files, and one `readdir`/`stat` each through the event loop cost several times as much.
 */
import * as fs from "node:fs"
import * as path from "node:path"
import { FolderWatch, notifiesEveryChange, StallGuard } from "./folderWatch.js"

const ROLLOUT_NAME = /^rollout-(\d{4}-\d{2}-\d{2}T\d{2}-\d{2}-\d{2})-([0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12})\.jsonl(\.zst)?$/
// Rust's `str::parse` of an unsigned integer: an optional `+`, digits, within the type's range.
const UNSIGNED = /^\+?\d+$/

export interface RolloutFile {
  /** The file on disk (ending in `.zst` when compressed). */
  readonly file: string
  /** The path a listing reports: the file's, without `.zst`. */
  readonly path: string
  readonly compressed: boolean
  /** Lowercase, from the file name. */
  readonly id: string
  /** The name's timestamp, `YYYY-MM-DDThh-mm-ss`: sorts as it reads. */
  readonly nameTimestamp: string
  /** Year, month and day folders, as numbers (none for archived files). */
  readonly day: readonly [number, number, number] | undefined
  readonly size: number
  /** Truncated to the millisecond, as Codex compares them. */
  readonly mtimeMs: number
}

/** A rollout as its folder's listing names it, before its `stat`. */
interface NamedRollout {
  /** The entry's name in its folder. */
  readonly name: string
  readonly file: string
  readonly path: string
  readonly compressed: boolean
  readonly id: string
  readonly nameTimestamp: string
  /** What the last walk made of it: reused while its size and mtime hold. */
  last: RolloutFile | undefined
}

/** A subfolder named by an integer, as Rust's `str::parse` reads one. */
interface IntegerDir {
  readonly name: string
  readonly value: number
}

/** What a walk takes from a folder's listing: its integer-named subfolders, and its rollouts. */
interface Entries {
  readonly dirs: ReadonlyArray<IntegerDir>
  readonly rollouts: ReadonlyArray<NamedRollout>
}

const NO_ENTRIES: Entries = { dirs: [], rollouts: [] }

/**
 * A folder's entries as last read, and the folder's ctime then: unset on the first read
 * (taken without a `stat`, so a walk from cold pays nothing for it), and when the folder is
 * watched instead.
 */
interface KnownFolder {
  readonly ctimeMs: number | undefined
  readonly entries: Entries
  /** Opened before the entries were read: it has seen every change since. */
  readonly watch: FolderWatch | undefined
  /** The last walk that read it. */
  walk: number
}

/** A folder as one walk sees it. */
interface Folder {
  readonly entries: Entries
  /**
   * The only files that may have changed since the last walk, when the folder is watched and
   * its entries did not change; undefined when any may have (each is then `stat`ed).
   */
  readonly changed: ReadonlySet<string> | undefined
}

export interface FolderCacheOptions {
  /** The clock ctimes are compared with (tests move it). */
  readonly now?: () => number
  /**
   * Watch the folders (where the kernel reports every change: see folderWatch.ts) and `stat`
   * only the files a notification named. When the event loop stood still longer than
   * `stallLimitMs` (notifications may then have been lost), every folder is listed and every
   * file `stat`ed again.
   */
  readonly watch?: { readonly stallLimitMs: number } | undefined
}

/** A walked root, as the cache last saw it. */
interface KnownRoot {
  /** `dev:ino`: a root replaced (or a symlink to it moved) is a new tree. */
  readonly identity: string
  readonly watchable: boolean
}

/**
 * Only a ctime this much older than the clock is trusted: a folder changed again within the
 * timestamp granularity of its file system (a few milliseconds on Linux, 2 s on FAT) could
 * keep its ctime, and would then not be read again.
 */
const SETTLED_MS = 3000

/**
 * Remembers folders' entries by their ctime, so that a walk lists again only folders whose
 * entries changed (adding, removing or renaming an entry sets its folder's ctime, and nothing
 * can set a ctime back): on a re-listing, one `stat` per folder instead of a `readdir`, and
 * no file name parsed again. The files' own sizes and mtimes are not remembered: appending
 * to a rollout does not touch its folder, so every walk stats every file (and keeps the
 * record of one whose size and mtime did not change: a listing's caches are keyed by it).
 *
 * With watches, a folder's notifications replace both: a walk lists again only the folders
 * whose entries a notification changed, and `stat`s only the files one named.
 */
export class FolderCache {
  private readonly known = new Map<string, KnownFolder>()
  private readonly roots = new Map<string, KnownRoot>()
  private readonly now: () => number
  private readonly watch: FolderCacheOptions["watch"]
  /** Started with the first watch: without one, nothing needs the event loop sampled. */
  private stalls: StallGuard | undefined
  /** Whether the walk under way opens watches (its root is watchable). */
  private watching = false
  private walks = 0
  /** Whether the walk under way listed or lost a folder: only then can another have gone. */
  private reshaped = false

  constructor(options: FolderCacheOptions = {}) {
    this.now = options.now ?? Date.now
    this.watch = options.watch
  }

  /**
   * Starts a walk of `root`. With watches: trusts no folder's entries or files when
   * notifications may have been lost, and forgets the tree when `root` is no longer the
   * folder it was.
   */
  beginWalk(root: string): void {
    this.walks++
    this.reshaped = false
    if (this.watch === undefined) return
    if (this.stalls?.stalled() === true) this.distrustAll()
    const stats = fs.statSync(root, { throwIfNoEntry: false })
    const identity = stats?.isDirectory() === true ? `${stats.dev}:${stats.ino}` : ""
    let known = this.roots.get(root)
    if (known?.identity !== identity) {
      this.forgetUnder(root)
      known = { identity, watchable: identity !== "" && notifiesEveryChange(root) }
      this.roots.set(root, known)
    }
    this.watching = known.watchable
    if (this.watching) this.stalls ??= new StallGuard(this.watch.stallLimitMs)
  }

  read(dir: string): Folder {
    const known = this.known.get(dir)
    if (known !== undefined) known.walk = this.walks
    if (known?.watch !== undefined) {
      const changes = known.watch.take()
      // A folder moved or replaced is stale too: its watch saw itself go.
      if (!changes.stale) return { entries: known.entries, changed: changes.names }
      return this.list(dir, undefined)
    }
    let ctimeMs: number | undefined
    if (known !== undefined) {
      const stats = folderStats(dir)
      if (stats === undefined || !stats.isDirectory()) {
        this.drop(dir)
        return { entries: NO_ENTRIES, changed: undefined }
      }
      if (known.ctimeMs === stats.ctimeMs) return { entries: known.entries, changed: undefined }
      if (stats.ctimeMs < this.now() - SETTLED_MS) ctimeMs = stats.ctimeMs
    }
    return this.list(dir, ctimeMs)
  }

  /** Ends the walk of `root`: forgets the folders it no longer reached, so memory follows the home. */
  endWalk(root: string): void {
    if (this.reshaped) this.forgetUnder(root, (known) => known.walk === this.walks)
  }

  /** Closes every watch; the cache then walks as if new. */
  close(): void {
    this.forgetAll()
    this.stalls?.close()
  }

  private list(dir: string, ctimeMs: number | undefined): Folder {
    const before = this.known.get(dir)?.entries.rollouts
    this.drop(dir)
    // The watch first: a change made while the folder is read is then notified, not lost.
    const watch = this.watching ? FolderWatch.open(dir) : undefined
    const entries = readEntries(dir, before)
    if (entries === undefined) {
      watch?.close()
      return { entries: NO_ENTRIES, changed: undefined }
    }
    this.known.set(dir, { ctimeMs: watch === undefined ? ctimeMs : undefined, entries, watch, walk: this.walks })
    return { entries, changed: undefined }
  }

  /**
   * Closes every watch but keeps what was read: each folder is listed again on its next read
   * (and watched again), and each of its files `stat`ed, a file whose size and mtime held
   * keeping its record and what was remembered of it.
   */
  private distrustAll(): void {
    for (const [dir, known] of this.known) {
      known.watch?.close()
      this.known.set(dir, { ...known, watch: undefined, ctimeMs: undefined })
    }
  }

  private forgetAll(): void {
    for (const dir of this.known.keys()) this.drop(dir)
    this.roots.clear()
  }

  /** Forgets `root` and the folders under it, but those `kept`. */
  private forgetUnder(root: string, kept: (known: KnownFolder) => boolean = () => false): void {
    const inside = root + path.sep
    for (const [dir, known] of this.known) {
      if ((dir === root || dir.startsWith(inside)) && !kept(known)) this.drop(dir)
    }
  }

  private drop(dir: string): void {
    const known = this.known.get(dir)
    known?.watch?.close()
    this.known.delete(dir)
    this.reshaped = true
  }
}

const isMissing = (error: unknown): boolean =>
  (error as NodeJS.ErrnoException).code === "ENOENT" || (error as NodeJS.ErrnoException).code === "ENOTDIR"

const folderStats = (dir: string): fs.Stats | undefined => {
  try {
    return fs.statSync(dir)
  } catch (error) {
    if (isMissing(error)) return undefined
    throw error
  }
}

/**
 * Undefined when `dir` is missing or not a folder. A rollout listed `before` keeps its record
 * (and what was remembered of it) while it is there.
 */
const readEntries = (dir: string, before: ReadonlyArray<NamedRollout> | undefined): Entries | undefined => {
  let listed: Array<fs.Dirent>
  try {
    listed = fs.readdirSync(dir, { withFileTypes: true })
  } catch (error) {
    if (isMissing(error)) return undefined
    throw error
  }
  const dirs: Array<IntegerDir> = []
  const files: Array<string> = []
  for (const entry of listed) {
    if (entry.isDirectory()) {
      if (UNSIGNED.test(entry.name)) dirs.push({ name: entry.name, value: Number(entry.name) })
    } else if (entry.isFile()) files.push(entry.name)
  }
  return { dirs, rollouts: namedRollouts(dir, files, before) }
}

/** The rollouts among a folder's files. A plain file wins over its `.zst` twin. */
const namedRollouts = (dir: string, files: ReadonlyArray<string>, before: ReadonlyArray<NamedRollout> | undefined): Array<NamedRollout> => {
  const out: Array<NamedRollout> = []
  const kept = before === undefined || before.length === 0 ? undefined : new Map(before.map((named) => [named.name, named]))
  let plain: Set<string> | undefined
  for (const name of files) {
    if (!name.startsWith("rollout-")) continue
    let named = kept?.get(name)
    if (named === undefined) {
      const match = ROLLOUT_NAME.exec(name)
      if (match === null) continue
      const compressed = match[3] !== undefined
      const file = dir + path.sep + name
      named = {
        name,
        file,
        path: compressed ? file.slice(0, -".zst".length) : file,
        compressed,
        id: match[2]!.toLowerCase(),
        nameTimestamp: match[1]!,
        last: undefined
      }
    }
    if (named.compressed) {
      plain ??= new Set(files)
      if (plain.has(name.slice(0, -".zst".length))) continue
    }
    out.push(named)
  }
  return out
}

/**
 * Size, and mtime truncated to the millisecond; undefined for a file that is gone. Node's
 * `mtimeMs` is a double, which rounds a time within ~0.1 µs of the next millisecond up to it
 * (and 0.999999999 s up to the next second): a whole number may be such a rounding, and is
 * read again in nanoseconds.
 */
const sizeAndMtime = (file: string): { readonly size: number; readonly mtimeMs: number } | undefined => {
  const stats = fs.statSync(file, { throwIfNoEntry: false })
  if (stats === undefined) return undefined
  if (!Number.isInteger(stats.mtimeMs)) return { size: stats.size, mtimeMs: Math.floor(stats.mtimeMs) }
  const exact = fs.statSync(file, { bigint: true, throwIfNoEntry: false })
  return exact === undefined ? undefined : { size: Number(exact.size), mtimeMs: Number(exact.mtimeNs / 1_000_000n) }
}

/**
 * The folder's rollouts with their sizes and mtimes, into `out`: a file no notification named
 * keeps its last record without a `stat`. Files that vanish between the listing and their
 * `stat` are left out.
 */
const rolloutsIn = (folder: Folder, day: RolloutFile["day"], out: Array<RolloutFile>): void => {
  for (const named of folder.entries.rollouts) {
    const last = named.last
    if (last !== undefined && folder.changed !== undefined && !folder.changed.has(named.name)) {
      out.push(last)
      continue
    }
    const stats = sizeAndMtime(named.file)
    if (stats === undefined) continue
    if (last !== undefined && last.size === stats.size && last.mtimeMs === stats.mtimeMs) {
      out.push(last)
      continue
    }
    const made: RolloutFile = {
      file: named.file,
      path: named.path,
      compressed: named.compressed,
      id: named.id,
      nameTimestamp: named.nameTimestamp,
      day,
      size: stats.size,
      mtimeMs: stats.mtimeMs
    }
    named.last = made
    out.push(made)
  }
}

/** Every active rollout under `<codexHome>/sessions`, unordered. Codex reads years as u16, months and days as u8. */
export const activeRollouts = (codexHome: string, folders: FolderCache = new FolderCache()): Array<RolloutFile> => {
  const root = path.join(codexHome, "sessions")
  folders.beginWalk(root)
  const out: Array<RolloutFile> = []
  for (const year of folders.read(root).entries.dirs) {
    if (year.value > 65535) continue
    const yearDir = root + path.sep + year.name
    for (const month of folders.read(yearDir).entries.dirs) {
      if (month.value > 255) continue
      const monthDir = yearDir + path.sep + month.name
      for (const day of folders.read(monthDir).entries.dirs) {
        if (day.value > 255) continue
        rolloutsIn(folders.read(monthDir + path.sep + day.name), [year.value, month.value, day.value], out)
      }
    }
  }
  folders.endWalk(root)
  return out
}

/** Every archived rollout (the top level of `<codexHome>/archived_sessions`), unordered. */
export const archivedRollouts = (codexHome: string, folders: FolderCache = new FolderCache()): Array<RolloutFile> => {
  const root = path.join(codexHome, "archived_sessions")
  folders.beginWalk(root)
  const out: Array<RolloutFile> = []
  rolloutsIn(folders.read(root), undefined, out)
  folders.endWalk(root)
  return out
}

export type SortKey = "created_at" | "updated_at"

const compareStrings = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0)

/** Newest first by folders (numerically), then the name's timestamp; archived files have no folders. */
const byDayThenName = (a: RolloutFile, b: RolloutFile): number => {
  const [ay, am, ad] = a.day ?? [0, 0, 0]
  const [by, bm, bd] = b.day ?? [0, 0, 0]
  return by - ay || bm - am || bd - ad || compareStrings(b.nameTimestamp, a.nameTimestamp)
}

/**
 * The order of a listing, as Codex 0.169 pages it:
 * - `updated_at`: mtime in milliseconds, then the file name's id; `asc` is the exact reverse;
 * - `created_at` `desc` walks the day folders newest first, then the name's timestamp, then
 *   the id (not the meta's timestamp); `asc` sorts all files by name timestamp and id. The two
 *   are reverses of each other when every file sits in the folder of its own day, as Codex
 *   files them.
 * The path breaks the remaining ties (two files of one id), so cursors are exact.
 */
export const listingOrder = (key: SortKey, order: "desc" | "asc") => {
  const newest = (a: RolloutFile, b: RolloutFile): number =>
    (key === "created_at" ? byDayThenName(a, b) : b.mtimeMs - a.mtimeMs) || compareStrings(b.id, a.id) || compareStrings(b.path, a.path)
  if (order === "desc") return newest
  if (key === "updated_at") return (a: RolloutFile, b: RolloutFile) => newest(b, a)
  return (a: RolloutFile, b: RolloutFile): number =>
    compareStrings(a.nameTimestamp, b.nameTimestamp) || compareStrings(a.id, b.id) || compareStrings(a.path, b.path)
}
