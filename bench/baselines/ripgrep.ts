/** ripgrep as a lookup: what someone with a shell would use instead. */
import { spawn, spawnSync } from "node:child_process"
import * as fs from "node:fs"
import * as os from "node:os"
import * as path from "node:path"

export const rgAvailable = (): boolean => spawnSync("rg", ["--version"]).status === 0

/**
 * `rg -F` for the ids, then parse the matching lines, last wins. One id is passed as the
 * pattern itself, more through `-f`. `noMmap` makes rg read the file as Node must (into a
 * buffer), where by default it maps it.
 */
export const ripgrepFindNamesByIds = (
  file: string,
  ids: ReadonlyArray<string>,
  options: { readonly noMmap?: boolean } = {}
): Promise<Map<string, string>> =>
  new Promise((resolve, reject) => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "bench-rg-"))
    const patterns = path.join(dir, "ids")
    fs.writeFileSync(patterns, ids.join("\n") + "\n")
    const wanted = new Set(ids)
    const names = new Map<string, string>()
    const args = ["-F", ...(options.noMmap ? ["--no-mmap"] : []), ...(ids.length === 1 ? ["-e", ids[0]!] : ["-f", patterns]), file]
    const child = spawn("rg", args, { stdio: ["ignore", "pipe", "inherit"] })
    let rest = ""
    const take = (line: string) => {
      try {
        const entry = JSON.parse(line) as { id?: unknown; thread_name?: unknown }
        if (typeof entry.id === "string" && typeof entry.thread_name === "string" && wanted.has(entry.id)) {
          if (entry.thread_name.trim() !== "") names.set(entry.id, entry.thread_name.trim())
        }
      } catch {
        // a match inside a bad line
      }
    }
    child.stdout.setEncoding("utf8")
    child.stdout.on("data", (chunk: string) => {
      const lines = (rest + chunk).split("\n")
      rest = lines.pop()!
      lines.forEach(take)
    })
    child.on("error", reject)
    child.on("close", () => {
      if (rest !== "") take(rest)
      fs.rmSync(dir, { recursive: true, force: true })
      resolve(names)
    })
  })
