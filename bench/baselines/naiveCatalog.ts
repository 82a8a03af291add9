/**
 * What an app built on Codex's files usually writes to list threads: a recursive `readdir`,
 * then `readline` over each rollout until it has the `session_meta` and the first user
 * message (at most 210 lines), a `stat` for the modification time, and a sort.
 */
import * as fs from "node:fs"
import * as path from "node:path"
import * as readline from "node:readline"

export interface NaiveThread {
  readonly id: string
  readonly preview: string
  readonly cwd: string
  readonly updatedAt: number
  readonly path: string
}

const ROLLOUT = /rollout-.*\.jsonl$/

const head = async (file: string): Promise<{ id?: string | undefined; cwd?: string | undefined; preview?: string | undefined }> => {
  const stream = fs.createReadStream(file)
  const lines = readline.createInterface({ input: stream, crlfDelay: Infinity })
  const found: { id?: string | undefined; cwd?: string | undefined; preview?: string | undefined } = {}
  let count = 0
  try {
    for await (const line of lines) {
      if (++count > 210) break
      let value: { type?: string; payload?: { id?: string; cwd?: string; type?: string; message?: string } }
      try {
        value = JSON.parse(line)
      } catch {
        continue
      }
      if (typeof value !== "object" || value === null) continue // a line such as `null` or `[1,2]`
      if (value.type === "session_meta" && found.id === undefined) {
        found.id = value.payload?.id
        found.cwd = value.payload?.cwd
      } else if (value.type === "event_msg" && value.payload?.type === "user_message" && found.preview === undefined) {
        found.preview = value.payload.message
      }
      if (found.id !== undefined && found.preview !== undefined) break
      if (count >= 10 && found.id === undefined) break
    }
  } finally {
    lines.close()
    stream.destroy()
  }
  return found
}

/** Threads under `sessions/` (or `archived_sessions/`), newest modification first. */
export const naiveListing = async (codexHome: string, archived = false): Promise<Array<NaiveThread>> => {
  const root = path.join(codexHome, archived ? "archived_sessions" : "sessions")
  let entries: Array<string>
  try {
    entries = await fs.promises.readdir(root, { recursive: true })
  } catch {
    return []
  }
  const out: Array<NaiveThread> = []
  for (const relative of entries) {
    if (!ROLLOUT.test(relative)) continue
    const file = path.join(root, relative)
    const [found, stats] = await Promise.all([head(file), fs.promises.stat(file)])
    if (found.id === undefined || found.preview === undefined) continue
    out.push({ id: found.id, preview: found.preview.trim(), cwd: found.cwd ?? "", updatedAt: Math.floor(stats.mtimeMs / 1000), path: file })
  }
  return out.sort((a, b) => b.updatedAt - a.updatedAt)
}
