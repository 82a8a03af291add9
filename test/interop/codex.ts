/** Drives the real Codex binary in a throwaway CODEX_HOME (and HOME): app-server and exec. */
import { type ChildProcessWithoutNullStreams, spawn } from "node:child_process"
import * as fs from "node:fs"
import * as os from "node:os"
import * as path from "node:path"
import { codexBinary } from "./installCodex.js"

export interface Sandbox {
  readonly codexHome: string
  readonly home: string
  readonly cwd: string
}

export const sandbox = (): Sandbox => {
  // Not under /tmp directly: Codex refuses to create helper binaries in temporary dirs and
  // warns; a nested dir works the same, and nothing touches the real ~/.codex.
  const root = fs.mkdtempSync(path.join(os.tmpdir(), "si-interop-"))
  const dirs = { codexHome: path.join(root, "codex"), home: path.join(root, "home"), cwd: path.join(root, "work") }
  for (const dir of Object.values(dirs)) fs.mkdirSync(dir, { recursive: true })
  return dirs
}

const env = (box: Sandbox) => ({ ...process.env, HOME: box.home, CODEX_HOME: box.codexHome, NO_COLOR: "1" })

/** A `codex app-server` speaking JSON-RPC over stdio; `close` ends it and its process group. */
export class AppServer {
  private readonly child: ChildProcessWithoutNullStreams
  private buffer = ""
  private nextId = 0
  private readonly waiting = new Map<number, (message: { result?: unknown; error?: unknown }) => void>()

  private constructor(box: Sandbox) {
    this.child = spawn(codexBinary, ["app-server"], { cwd: box.cwd, env: env(box), detached: true })
    this.child.stderr.resume()
    this.child.stdout.setEncoding("utf8")
    this.child.stdout.on("data", (chunk: string) => {
      this.buffer += chunk
      for (let nl = this.buffer.indexOf("\n"); nl >= 0; nl = this.buffer.indexOf("\n")) {
        const line = this.buffer.slice(0, nl)
        this.buffer = this.buffer.slice(nl + 1)
        try {
          const message = JSON.parse(line) as { id?: number; result?: unknown; error?: unknown }
          if (typeof message.id === "number") this.waiting.get(message.id)?.(message)
        } catch {
          // notifications and logs
        }
      }
    })
  }

  static async start(box: Sandbox): Promise<AppServer> {
    const server = new AppServer(box)
    await server.call("initialize", { clientInfo: { name: "session-index-interop", version: "0.1.0" } })
    server.child.stdin.write(JSON.stringify({ jsonrpc: "2.0", method: "initialized" }) + "\n")
    return server
  }

  call(method: string, params: unknown, timeoutMs = 30_000): Promise<unknown> {
    const id = ++this.nextId
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`${method}: no answer in ${timeoutMs} ms`)), timeoutMs)
      this.waiting.set(id, (message) => {
        clearTimeout(timer)
        this.waiting.delete(id)
        if (message.error !== undefined) reject(new Error(`${method}: ${JSON.stringify(message.error)}`))
        else resolve(message.result)
      })
      this.child.stdin.write(JSON.stringify({ jsonrpc: "2.0", id, method, params }) + "\n")
    })
  }

  async startThread(cwd: string): Promise<string> {
    const result = (await this.call("thread/start", { cwd })) as { thread: { id: string } }
    return result.thread.id
  }

  setName(threadId: string, name: string): Promise<unknown> {
    return this.call("thread/name/set", { threadId, name })
  }

  close(): void {
    try {
      process.kill(-this.child.pid!, "SIGKILL")
    } catch {
      this.child.kill("SIGKILL")
    }
  }
}

/**
 * `codex exec --json resume NAME`: the thread id Codex resolves NAME to. Codex then tries the
 * network and retries for a while, so the process is ended as soon as it has said which.
 */
export const resumeThreadId = (box: Sandbox, name: string): Promise<string | undefined> =>
  new Promise((resolve) => {
    const child = spawn(codexBinary, ["exec", "--json", "--skip-git-repo-check", "resume", name, "x"], {
      cwd: box.cwd,
      env: env(box),
      detached: true,
      stdio: ["ignore", "pipe", "ignore"]
    })
    const end = (id: string | undefined) => {
      clearTimeout(timer)
      try {
        process.kill(-child.pid!, "SIGKILL")
      } catch {
        // already gone
      }
      resolve(id)
    }
    const timer = setTimeout(() => end(undefined), 20_000)
    let buffer = ""
    child.stdout.setEncoding("utf8")
    child.stdout.on("data", (chunk: string) => {
      buffer += chunk
      for (let nl = buffer.indexOf("\n"); nl >= 0; nl = buffer.indexOf("\n")) {
        const line = buffer.slice(0, nl)
        buffer = buffer.slice(nl + 1)
        try {
          const event = JSON.parse(line) as { type?: string; thread_id?: string }
          if (event.type === "thread.started") return end(event.thread_id)
        } catch {
          // not an event
        }
      }
    })
    child.on("exit", () => end(undefined))
  })
