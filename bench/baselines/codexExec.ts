/**
 * `codex exec --json resume NAME x` with the real Codex binary (when the interop suite has
 * installed it under .cache/codex), timed until Codex says which thread it resolved NAME to:
 * its `thread.started` event. Codex looks the name up in `session_index.jsonl` before that,
 * then tries the network; the run is ended there. It runs in a throwaway CODEX_HOME and HOME
 * whose index is a link to the bench's file.
 */
import { spawn } from "node:child_process"
import * as fs from "node:fs"
import * as os from "node:os"
import * as path from "node:path"
import type { Readable } from "node:stream"

const triple = `${process.arch === "arm64" ? "aarch64" : "x86_64"}-unknown-linux-musl`

export const codexBinary = (repo: string): string | undefined => {
  const binary = path.join(repo, ".cache/codex/node_modules/@openai", `codex-linux-${process.arch}`, "vendor", triple, "bin/codex")
  return process.platform === "linux" && fs.existsSync(binary) ? binary : undefined
}

/**
 * Calls `onThread` with the thread id of the first `thread.started` event `codex exec --json`
 * prints on `stdout` (one JSON event per line; other lines are not events).
 */
export const onThreadStarted = (stdout: Readable, onThread: (threadId: string | undefined) => void): void => {
  let buffer = ""
  stdout.setEncoding("utf8")
  stdout.on("data", (chunk: string) => {
    buffer += chunk
    for (let nl = buffer.indexOf("\n"); nl >= 0; nl = buffer.indexOf("\n")) {
      const line = buffer.slice(0, nl)
      buffer = buffer.slice(nl + 1)
      try {
        const event = JSON.parse(line) as { type?: string; thread_id?: string }
        if (event.type === "thread.started") return onThread(event.thread_id)
      } catch {
        // not an event
      }
    }
  })
}

export const codexExecResume = (binary: string, indexFile: string, name: string, timeoutMs = 60_000): Promise<string | undefined> =>
  new Promise((resolve) => {
    const root = fs.mkdtempSync(path.join(os.tmpdir(), "bench-codex-"))
    const codexHome = path.join(root, "codex-home")
    fs.mkdirSync(codexHome)
    fs.symlinkSync(path.resolve(indexFile), path.join(codexHome, "session_index.jsonl"))
    const child = spawn(binary, ["exec", "--json", "--skip-git-repo-check", "resume", name, "x"], {
      cwd: root,
      env: { ...process.env, HOME: root, CODEX_HOME: codexHome, NO_COLOR: "1" },
      detached: true,
      stdio: ["ignore", "pipe", "ignore"]
    })
    let done = false
    const end = (threadId: string | undefined) => {
      if (done) return
      done = true
      clearTimeout(timer)
      try {
        process.kill(-child.pid!, "SIGKILL")
      } catch {
        // already gone
      }
      fs.rmSync(root, { recursive: true, force: true })
      resolve(threadId)
    }
    const timer = setTimeout(() => end(undefined), timeoutMs)
    onThreadStarted(child.stdout, end)
    child.on("close", () => end(undefined))
  })
