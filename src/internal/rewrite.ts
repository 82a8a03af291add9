/**
 * The two rewrites of the index: `removeThread` (drop every line of one thread, as Codex does
 * when a thread is deleted) and `compact` (keep only each thread's last named line). Both
 * stream the file (no whole-file buffer), write a temp file in the same directory, fsync it,
 * give it the original's mode, rename it over the original and fsync the directory.
 *
 * Lines appended meanwhile by writers that take no lock are carried over: the tail is re-read
 * just before the rename and, through the still-open old file, just after it.
 *
 * @internal
 */
import * as crypto from "node:crypto"
import * as fs from "node:fs"
import * as path from "node:path"
import { parseEntryBytes } from "./scan/entryLine.js"

export interface RewriteStats {
  readonly linesBefore: number
  readonly linesAfter: number
  readonly bytesBefore: number
  readonly bytesAfter: number
}

const CHUNK = 4 * 1024 * 1024

type LineVisitor = (buf: Buffer, start: number, end: number, offset: number) => void


/**
 * Calls `visit` for each complete line (without its `\n`) of `[from, to)`; returns where the
 * incomplete last line starts (`to` if none). Lines over `maxLineBytes` are skipped without
 * being buffered whole.
 */
const forEachLine = async (
  file: fs.promises.FileHandle,
  from: number,
  to: number,
  maxLineBytes: number,
  visit: LineVisitor,
  afterChunk: () => Promise<void> = async () => undefined
): Promise<number> => {
  let carry = Buffer.alloc(0)
  let carryAt = from
  let oversized = false
  const chunk = Buffer.allocUnsafe(CHUNK)
  for (let at = from; at < to; ) {
    const { bytesRead } = await file.read(chunk, 0, Math.min(CHUNK, to - at), at)
    if (bytesRead === 0) break
    const buf = carry.length > 0 ? Buffer.concat([carry, chunk.subarray(0, bytesRead)]) : chunk.subarray(0, bytesRead)
    const bufAt = carry.length > 0 ? carryAt : at
    let start = 0
    for (let nl = buf.indexOf(10); nl >= 0; nl = buf.indexOf(10, start)) {
      // A line over maxLineBytes is a bad line no lookup returns: rewrites drop it.
      if (!oversized) visit(buf, start, nl, bufAt + start)
      oversized = false
      start = nl + 1
    }
    at += bytesRead
    carryAt = bufAt + start
    await afterChunk()
    if (buf.length - start > maxLineBytes) {
      oversized = true
      carry = Buffer.alloc(0)
    } else {
      carry = Buffer.from(buf.subarray(start))
    }
  }
  return oversized ? to : carryAt
}

class TempWriter {
  private pending: Array<Buffer> = []
  private pendingBytes = 0
  bytes = 0
  lines = 0
  constructor(readonly handle: fs.promises.FileHandle) {}

  add(line: Buffer, newline: boolean): void {
    this.pending.push(Buffer.from(line))
    if (newline) this.pending.push(NL)
    this.lines++
    this.pendingBytes += line.length + (newline ? 1 : 0)
  }

  async flush(): Promise<void> {
    if (this.pendingBytes === 0) return
    const data = Buffer.concat(this.pending)
    this.pending = []
    this.pendingBytes = 0
    await this.handle.write(data)
    this.bytes += data.length
  }
}

const NL = Buffer.from("\n")

export interface RewritePlan {
  /** Decides, after a first pass if needed, which lines of `[0, end)` stay. */
  readonly prepare: (file: fs.promises.FileHandle, end: number) => Promise<(buf: Buffer, start: number, end: number, offset: number) => boolean>
  /** Whether a line appended during the rewrite stays. */
  readonly keepAppended: (buf: Buffer, start: number, end: number) => boolean
}

/** Every line except the valid entries of `id` (lowercase). */
export const removeThreadPlan = (id: string, maxLineBytes: number): RewritePlan => {
  const keep = (buf: Buffer, start: number, end: number) =>
    end - start > maxLineBytes || parseEntryBytes(buf, start, end)?.id !== id
  return { prepare: async () => keep, keepAppended: keep }
}

/** The last named line of each thread, in file order. */
export const compactPlan = (maxLineBytes: number): RewritePlan => ({
  prepare: async (file, end) => {
    const last = new Map<string, number>()
    await forEachLine(file, 0, end, maxLineBytes, (buf, start, lineEnd, offset) => {
      const entry = lineEnd - start > maxLineBytes ? undefined : parseEntryBytes(buf, start, lineEnd)
      if (entry !== undefined && entry.name !== "") last.set(entry.id, offset)
    })
    const kept = new Set(last.values())
    return (_buf, _start, _end, offset) => kept.has(offset)
  },
  // Appended lines are newer than anything kept; keeping them all keeps every answer.
  keepAppended: () => true
})

export interface RewriteOptions {
  readonly indexPath: string
  readonly maxLineBytes: number
  readonly dryRun: boolean
}

/** Runs `plan` over the index. The caller holds the writer lock. */
export const rewrite = async (plan: RewritePlan, options: RewriteOptions): Promise<RewriteStats> => {
  const { indexPath, maxLineBytes } = options
  let original: fs.promises.FileHandle
  try {
    original = await fs.promises.open(indexPath, "r")
  } catch (error) {
    if ((error as { code?: string }).code === "ENOENT") return { linesBefore: 0, linesAfter: 0, bytesBefore: 0, bytesAfter: 0 }
    throw error
  }
  const dir = path.dirname(indexPath)
  const tempPath = path.join(dir, `.${path.basename(indexPath)}.${crypto.randomBytes(6).toString("hex")}.tmp`)
  let temp: fs.promises.FileHandle | undefined
  let renamed = false
  try {
    const info = await original.stat()
    const keep = await plan.prepare(original, info.size)
    let linesBefore = 0
    const out = options.dryRun ? undefined : new TempWriter((temp = await fs.promises.open(tempPath, "wx", info.mode & 0o7777)))
    let keptLines = 0
    let keptBytes = 0
    const copy = (filter: (buf: Buffer, start: number, end: number, offset: number) => boolean) => (from: number, to: number) =>
      forEachLine(
        original,
        from,
        to,
        maxLineBytes,
        (buf, start, end, offset) => {
          linesBefore++
          if (!filter(buf, start, end, offset)) return
          keptLines++
          keptBytes += end - start + 1
          out?.add(buf.subarray(start, end), true)
        },
        async () => out?.flush()
      )
    // Whole lines as they were when the lock was taken…
    let done = await copy(keep)(0, info.size)
    // …then whatever a lock-less writer appended meanwhile, just before the rename.
    const before = (await original.stat()).size
    done = await copy((buf, start, end) => plan.keepAppended(buf, start, end))(done, before)
    if (done < before) {
      // A line still being written (or torn by a killed writer): carried over verbatim.
      const { buffer } = await original.read(Buffer.alloc(before - done), 0, before - done, done)
      linesBefore++
      keptLines++
      keptBytes += buffer.length
      out?.add(buffer, false)
    }
    if (out === undefined || temp === undefined) {
      return { linesBefore, linesAfter: keptLines, bytesBefore: before, bytesAfter: keptBytes }
    }
    await out.flush()
    await temp.sync()
    await temp.close()
    temp = undefined
    await fs.promises.chmod(tempPath, info.mode & 0o7777)
    await fs.promises.rename(tempPath, indexPath)
    renamed = true
    await syncDirectory(dir)
    // Appends that reached the old file between the last look and the rename, or from a
    // writer that opened it just before: followed until it has been quiet for a moment.
    let carried = before
    for (let quiet = 0; quiet < 3; ) {
      const size = (await original.stat()).size
      if (size > carried) {
        const { buffer } = await original.read(Buffer.alloc(size - carried), 0, size - carried, carried)
        await fs.promises.appendFile(indexPath, keptAppended(plan, buffer))
        carried = size
        quiet = 0
      } else {
        quiet++
        await new Promise((resolve) => setTimeout(resolve, 5))
      }
    }
    const bytesAfter = (await fs.promises.stat(indexPath)).size
    return { linesBefore, linesAfter: keptLines, bytesBefore: carried, bytesAfter }
  } finally {
    await temp?.close().catch(() => undefined)
    if (!renamed) await fs.promises.rm(tempPath, { force: true })
    await original.close()
  }
}

/** The lines of `buffer` the plan keeps; an unterminated last line is kept verbatim. */
const keptAppended = (plan: RewritePlan, buffer: Buffer): Buffer => {
  const parts: Array<Buffer> = []
  let start = 0
  for (let nl = buffer.indexOf(10); nl >= 0; nl = buffer.indexOf(10, start)) {
    if (plan.keepAppended(buffer, start, nl)) parts.push(buffer.subarray(start, nl + 1))
    start = nl + 1
  }
  parts.push(buffer.subarray(start))
  return Buffer.concat(parts)
}

const syncDirectory = async (dir: string) => {
  const handle = await fs.promises.open(dir, "r")
  try {
    await handle.sync()
  } finally {
    await handle.close()
  }
}
