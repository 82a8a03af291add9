/**
 * The rollout files a listing considers, and their order, as Codex 0.169 walks them: active
 * threads under `sessions/<Y>/<M>/<D>/` (three levels of integer-named folders), archived ones
 * at the top of `archived_sessions/`. Synchronous `node:fs` calls: a home holds thousands of
 * files, and one `readdir`/`stat` each through the event loop cost several times as much.
 */
import * as fs from "node:fs"
import * as path from "node:path"

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
  readonly file: string
  readonly path: string
  readonly compressed: boolean
  readonly id: string
  readonly nameTimestamp: string
  /** What the last walk made of it: reused while its size and mtime hold. */
  last: RolloutFile | undefined
}

/** What a walk takes from a folder's listing: its subfolders, and the rollouts among its files. */
interface Entries {
  readonly dirs: ReadonlyArray<string>
  readonly rollouts: ReadonlyArray<NamedRollout>
}

const NO_ENTRIES: Entries = { dirs: [], rollouts: [] }

/**
 * A folder's entries as last read, and the folder's ctime then: unset on the first read
 * (taken without a `stat`, so a walk from cold pays nothing for it).
 */
interface KnownFolder {
  readonly ctimeMs: number | undefined
  readonly entries: Entries
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
 * record of one whose size and mtime did not change, with the path strings a listing's
 * caches are keyed by).
 */
export class FolderCache {
  private readonly known = new Map<string, KnownFolder>()

  constructor(private readonly now: () => number = Date.now) {}

  entries(dir: string): Entries {
    const known = this.known.get(dir)
    let ctimeMs: number | undefined
    if (known !== undefined) {
      const stats = folderStats(dir)
      if (stats === undefined || !stats.isDirectory()) {
        this.known.delete(dir)
        return NO_ENTRIES
      }
      if (known.ctimeMs === stats.ctimeMs) return known.entries
      if (stats.ctimeMs < this.now() - SETTLED_MS) ctimeMs = stats.ctimeMs
    }
    const entries = readEntries(dir)
    if (entries === undefined) this.known.delete(dir)
    else this.known.set(dir, { ctimeMs, entries })
    return entries ?? NO_ENTRIES
  }

  /** Forgets folders not seen by the walk that just ended, so memory follows the home. */
  retainOnly(seen: ReadonlySet<string>, under: string): void {
    const inside = under + path.sep
    for (const dir of this.known.keys()) {
      if (!seen.has(dir) && (dir === under || dir.startsWith(inside))) this.known.delete(dir)
    }
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

/** Undefined when `dir` is missing or not a folder. */
const readEntries = (dir: string): Entries | undefined => {
  let listed: Array<fs.Dirent>
  try {
    listed = fs.readdirSync(dir, { withFileTypes: true })
  } catch (error) {
    if (isMissing(error)) return undefined
    throw error
  }
  const dirs: Array<string> = []
  const files: Array<string> = []
  for (const entry of listed) {
    if (entry.isDirectory()) dirs.push(entry.name)
    else if (entry.isFile()) files.push(entry.name)
  }
  return { dirs, rollouts: namedRollouts(dir, files) }
}

/** The rollouts among a folder's files. A plain file wins over its `.zst` twin. */
const namedRollouts = (dir: string, files: ReadonlyArray<string>): Array<NamedRollout> => {
  const out: Array<NamedRollout> = []
  let plain: Set<string> | undefined
  for (const name of files) {
    if (!name.startsWith("rollout-")) continue
    const match = ROLLOUT_NAME.exec(name)
    if (match === null) continue
    const compressed = match[3] !== undefined
    if (compressed) {
      plain ??= new Set(files)
      if (plain.has(name.slice(0, -".zst".length))) continue
    }
    const file = dir + path.sep + name
    out.push({
      file,
      path: compressed ? file.slice(0, -".zst".length) : file,
      compressed,
      id: match[2]!.toLowerCase(),
      nameTimestamp: match[1]!,
      last: undefined
    })
  }
  return out
}

/** Folders named by an integer of at most `max` (Codex reads years as u16, months and days as u8). */
const integerDirs = (entries: Entries, max: number): Array<{ name: string; value: number }> =>
  entries.dirs
    .filter((name) => UNSIGNED.test(name) && Number(name) <= max)
    .map((name) => ({ name, value: Number(name) }))

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
 * The folder's rollouts with their sizes and mtimes, into `out`. Files that vanish between
 * the listing and their `stat` are left out.
 */
const rolloutsIn = (entries: Entries, day: RolloutFile["day"], out: Array<RolloutFile>): void => {
  for (const named of entries.rollouts) {
    const stats = sizeAndMtime(named.file)
    if (stats === undefined) continue
    const last = named.last
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

/** Every active rollout under `<codexHome>/sessions`, unordered. */
export const activeRollouts = (codexHome: string, folders: FolderCache = new FolderCache()): Array<RolloutFile> => {
  const root = path.join(codexHome, "sessions")
  const out: Array<RolloutFile> = []
  const seen = new Set<string>([root])
  for (const year of integerDirs(folders.entries(root), 65535)) {
    const yearDir = root + path.sep + year.name
    seen.add(yearDir)
    for (const month of integerDirs(folders.entries(yearDir), 255)) {
      const monthDir = yearDir + path.sep + month.name
      seen.add(monthDir)
      for (const day of integerDirs(folders.entries(monthDir), 255)) {
        const dayDir = monthDir + path.sep + day.name
        seen.add(dayDir)
        rolloutsIn(folders.entries(dayDir), [year.value, month.value, day.value], out)
      }
    }
  }
  folders.retainOnly(seen, root)
  return out
}

/** Every archived rollout (the top level of `<codexHome>/archived_sessions`), unordered. */
export const archivedRollouts = (codexHome: string, folders: FolderCache = new FolderCache()): Array<RolloutFile> => {
  const root = path.join(codexHome, "archived_sessions")
  const out: Array<RolloutFile> = []
  rolloutsIn(folders.entries(root), undefined, out)
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
