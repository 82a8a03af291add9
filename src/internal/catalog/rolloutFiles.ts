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

const listDir = (dir: string): Array<fs.Dirent> => {
  try {
    return fs.readdirSync(dir, { withFileTypes: true })
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT" || (error as NodeJS.ErrnoException).code === "ENOTDIR") return []
    throw error
  }
}

/** Folders named by an integer of at most `max` (Codex reads years as u16, months and days as u8). */
const integerDirs = (dir: string, max: number): Array<{ name: string; value: number }> =>
  listDir(dir)
    .filter((entry) => entry.isDirectory() && UNSIGNED.test(entry.name) && Number(entry.name) <= max)
    .map((entry) => ({ name: entry.name, value: Number(entry.name) }))

/**
 * Size, and mtime truncated to the millisecond. Node's `mtimeMs` is a double, which rounds a
 * time within ~0.1 µs of the next millisecond up to it (and 0.999999999 s up to the next
 * second): a whole number may be such a rounding, and is read again in nanoseconds.
 */
const sizeAndMtime = (file: string): { readonly size: number; readonly mtimeMs: number } => {
  const stats = fs.statSync(file)
  if (!Number.isInteger(stats.mtimeMs)) return { size: stats.size, mtimeMs: Math.floor(stats.mtimeMs) }
  const exact = fs.statSync(file, { bigint: true })
  return { size: Number(exact.size), mtimeMs: Number(exact.mtimeNs / 1_000_000n) }
}

/**
 * The rollouts directly in `dir`. A plain file wins over its `.zst` twin. Files that vanish
 * between the listing and their `stat` are left out.
 */
const rolloutsIn = (dir: string, day: RolloutFile["day"]): Array<RolloutFile> => {
  const byPath = new Map<string, RolloutFile>()
  for (const entry of listDir(dir)) {
    if (!entry.isFile()) continue
    const match = ROLLOUT_NAME.exec(entry.name)
    if (match === null) continue
    const compressed = match[3] !== undefined
    const file = path.join(dir, entry.name)
    const listed = compressed ? file.slice(0, -".zst".length) : file
    if (compressed && byPath.has(listed)) continue
    let stats: { readonly size: number; readonly mtimeMs: number }
    try {
      stats = sizeAndMtime(file)
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === "ENOENT") continue
      throw error
    }
    byPath.set(listed, {
      file,
      path: listed,
      compressed,
      id: match[2]!.toLowerCase(),
      nameTimestamp: match[1]!,
      day,
      size: stats.size,
      mtimeMs: stats.mtimeMs
    })
  }
  return [...byPath.values()]
}

/** Every active rollout under `<codexHome>/sessions`, unordered. */
export const activeRollouts = (codexHome: string): Array<RolloutFile> => {
  const root = path.join(codexHome, "sessions")
  const out: Array<RolloutFile> = []
  for (const year of integerDirs(root, 65535)) {
    const yearDir = path.join(root, year.name)
    for (const month of integerDirs(yearDir, 255)) {
      const monthDir = path.join(yearDir, month.name)
      for (const day of integerDirs(monthDir, 255)) {
        for (const file of rolloutsIn(path.join(monthDir, day.name), [year.value, month.value, day.value])) out.push(file)
      }
    }
  }
  return out
}

/** Every archived rollout (the top level of `<codexHome>/archived_sessions`), unordered. */
export const archivedRollouts = (codexHome: string): Array<RolloutFile> =>
  rolloutsIn(path.join(codexHome, "archived_sessions"), undefined)

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
