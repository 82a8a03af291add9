/** What a user typically writes: `readline` over the file, `JSON.parse` every line, last wins. */
import * as fs from "node:fs"
import * as readline from "node:readline"

export const readlineFindNamesByIds = async (path: string, ids: ReadonlyArray<string>): Promise<Map<string, string>> => {
  const wanted = new Set(ids)
  const names = new Map<string, string>()
  const lines = readline.createInterface({ input: fs.createReadStream(path), crlfDelay: Infinity })
  for await (const line of lines) {
    try {
      const entry = JSON.parse(line) as { id?: unknown; thread_name?: unknown }
      if (typeof entry.id === "string" && typeof entry.thread_name === "string" && wanted.has(entry.id)) {
        if (entry.thread_name.trim() !== "") names.set(entry.id, entry.thread_name.trim())
      }
    } catch {
      // not an entry
    }
  }
  return names
}
