/**
 * Codex's lookups ported line for line from `codex-rs/core/src/rollout/session_index.rs`
 * (summary in shared/seeds/): a reverse scan from the end of the file in 8 KiB chunks that
 * splits lines and `JSON.parse`s every one until the predicate matches, and a batched lookup
 * that reads the whole file forward with a line reader, keeping the last name per wanted id.
 */
import * as fs from "node:fs"
import * as readline from "node:readline"

const READ_CHUNK_SIZE = 8192

interface Entry {
  readonly id: string
  readonly thread_name: string
  readonly updated_at: string
}

const parse = (line: string): Entry | undefined => {
  const trimmed = line.trim()
  if (trimmed === "") return undefined
  try {
    const value = JSON.parse(trimmed) as Partial<Entry>
    return typeof value.id === "string" && typeof value.thread_name === "string" && typeof value.updated_at === "string"
      ? (value as Entry)
      : undefined
  } catch {
    return undefined
  }
}

/**
 * `scan_index_from_end`: newest line first, stop at the first entry matching `predicate`.
 * Codex collects each line byte by byte; here a chunk is split with `lastIndexOf`, which is
 * the same algorithm at JavaScript's best speed, so the comparison favours the baseline.
 */
const scanFromEnd = async (path: string, predicate: (entry: Entry) => boolean): Promise<Entry | undefined> => {
  let handle: fs.promises.FileHandle
  try {
    handle = await fs.promises.open(path, "r")
  } catch {
    return undefined
  }
  try {
    let remaining = (await handle.stat()).size
    /** The part of a line seen so far: it continues into the next (older) chunk. */
    let tail: Buffer = Buffer.alloc(0)
    const check = (line: Buffer): Entry | undefined => {
      const entry = parse(line.toString("utf8"))
      return entry !== undefined && predicate(entry) ? entry : undefined
    }
    while (remaining > 0) {
      const size = Math.min(READ_CHUNK_SIZE, remaining)
      remaining -= size
      const chunk = Buffer.allocUnsafe(size)
      await handle.read(chunk, 0, size, remaining)
      let end = size
      for (let nl = chunk.lastIndexOf(10, end - 1); nl >= 0; nl = end > 0 ? chunk.lastIndexOf(10, end - 1) : -1) {
        const line = tail.length > 0 ? Buffer.concat([chunk.subarray(nl + 1, end), tail]) : chunk.subarray(nl + 1, end)
        tail = Buffer.alloc(0)
        const found = check(line)
        if (found !== undefined) return found
        end = nl
      }
      tail = Buffer.concat([chunk.subarray(0, end), tail])
    }
    return tail.length > 0 ? check(tail) : undefined
  } finally {
    await handle.close()
  }
}

export const codexFindNameById = async (path: string, id: string): Promise<string | undefined> =>
  (await scanFromEnd(path, (e) => e.id === id))?.thread_name

export const codexFindIdByName = async (path: string, name: string): Promise<string | undefined> =>
  (await scanFromEnd(path, (e) => e.thread_name === name))?.id

export const codexFindNamesByIds = async (path: string, ids: ReadonlyArray<string>): Promise<Map<string, string>> => {
  const wanted = new Set(ids)
  const names = new Map<string, string>()
  if (!fs.existsSync(path)) return names
  const lines = readline.createInterface({ input: fs.createReadStream(path), crlfDelay: Infinity })
  for await (const line of lines) {
    const entry = parse(line)
    if (entry !== undefined && wanted.has(entry.id) && entry.thread_name.trim() !== "") {
      names.set(entry.id, entry.thread_name.trim())
    }
  }
  return names
}
