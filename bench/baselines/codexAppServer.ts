/**
 * Codex's own listing, for the catalog bench: the real `codex app-server` (the binary the
 * interop suite installs under .cache/codex) paging `thread/list` over JSON-RPC on stdio, as
 * the resume picker and the desktop sidebar do. The driver is the interop suite's
 * (test/interop/codex.ts), cut down to what a timing needs.
 *
 * Codex runs in a sandbox of its own: a CODEX_HOME whose `sessions`, `archived_sessions` and
 * `session_index.jsonl` are links to the bench's generated home, so the databases Codex writes
 * (`state_5.sqlite`, logs, ...) never land in the home the catalog reads. Codex follows a
 * linked root; links inside the tree it skips, as it does at home.
 */
import { type ChildProcessWithoutNullStreams, spawn } from "node:child_process"
import * as fs from "node:fs"
import * as path from "node:path"

export interface CodexSandbox {
  readonly codexHome: string
  readonly home: string
  readonly cwd: string
}

/** The sandbox under `root` (created once, kept: its `state_5.sqlite` makes later starts warm). */
export const codexSandbox = (root: string, generatedHome: string): CodexSandbox => {
  const box = { codexHome: path.join(root, "codex"), home: path.join(root, "home"), cwd: path.join(root, "work") }
  for (const dir of Object.values(box)) fs.mkdirSync(dir, { recursive: true })
  for (const name of ["sessions", "archived_sessions", "session_index.jsonl", "config.toml"]) {
    const target = path.join(generatedHome, name)
    const link = path.join(box.codexHome, name)
    if (fs.existsSync(target) && !fs.existsSync(link)) fs.symlinkSync(target, link)
  }
  return box
}

/** Removes Codex's thread database: the next start is a cold one, which reads every rollout. */
export const dropCodexState = (box: CodexSandbox): void => {
  for (const name of fs.readdirSync(box.codexHome)) {
    if (name.startsWith("state_")) fs.rmSync(path.join(box.codexHome, name), { force: true, recursive: true })
  }
}

/** Peak resident set (VmHWM) of a live process, in bytes; undefined when /proc cannot tell. */
export const peakRssOf = (pid: number | undefined): number | undefined => {
  if (pid === undefined) return undefined
  try {
    const found = /^VmHWM:\s+(\d+) kB$/m.exec(fs.readFileSync(`/proc/${pid}/status`, "utf8"))
    return found === null ? undefined : Number(found[1]) * 1024
  } catch {
    return undefined
  }
}

export interface ListingCount {
  readonly threads: number
  readonly pages: number
}

export class CodexAppServer {
  private buffer = ""
  private nextId = 0
  private stderrTail = ""
  private readonly waiting = new Map<number, (message: { result?: unknown; error?: unknown }) => void>()
  private readonly exited: Promise<void>

  private constructor(readonly child: ChildProcessWithoutNullStreams) {
    child.stderr.setEncoding("utf8")
    child.stderr.on("data", (chunk: string) => (this.stderrTail = (this.stderrTail + chunk).slice(-4000)))
    child.stdout.setEncoding("utf8")
    child.stdout.on("data", (chunk: string) => {
      this.buffer += chunk
      for (let nl = this.buffer.indexOf("\n"); nl >= 0; nl = this.buffer.indexOf("\n")) {
        const line = this.buffer.slice(0, nl)
        this.buffer = this.buffer.slice(nl + 1)
        let message: { id?: unknown; method?: unknown; result?: unknown; error?: unknown }
        try {
          message = JSON.parse(line)
        } catch {
          continue
        }
        if (typeof message.id === "number" && message.method === undefined) this.waiting.get(message.id)?.(message)
      }
    })
    this.exited = new Promise((resolve) =>
      child.on("exit", (code, signal) => {
        for (const [id, settle] of this.waiting) settle({ error: `app-server exited (${code ?? signal}) before answering request ${id}: ${this.stderrTail}` })
        resolve()
      })
    )
  }

  /** Spawns `codex app-server` in the sandbox and performs the handshake (`initialize`, `initialized`). */
  static async start(binary: string, box: CodexSandbox): Promise<CodexAppServer> {
    const env: NodeJS.ProcessEnv = { ...process.env, HOME: box.home, CODEX_HOME: box.codexHome, NO_COLOR: "1" }
    for (const key of Object.keys(env)) if (key.startsWith("OPENAI_")) delete env[key]
    delete env.XDG_CONFIG_HOME
    const server = new CodexAppServer(spawn(binary, ["app-server"], { cwd: box.cwd, env, detached: true }))
    try {
      await server.call("initialize", { clientInfo: { name: "session-index-bench", version: "0.1.0" } })
      server.child.stdin.write(JSON.stringify({ jsonrpc: "2.0", method: "initialized" }) + "\n")
      return server
    } catch (error) {
      await server.close()
      throw error
    }
  }

  call(method: string, params: unknown, timeoutMs = 300_000): Promise<unknown> {
    const id = ++this.nextId
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.waiting.delete(id)
        reject(new Error(`${method}: no answer in ${timeoutMs} ms; stderr: ${this.stderrTail}`))
      }, timeoutMs)
      this.waiting.set(id, (message) => {
        clearTimeout(timer)
        this.waiting.delete(id)
        if (message.error !== undefined) reject(new Error(`${method}: ${JSON.stringify(message.error)}`))
        else resolve(message.result)
      })
      this.child.stdin.write(JSON.stringify({ jsonrpc: "2.0", id, method, params }) + "\n")
    })
  }

  /** One `thread/list` page; how many threads it held and its `nextCursor`. */
  async page(params: Record<string, unknown>): Promise<{ threads: number; nextCursor: string | undefined }> {
    const page = (await this.call("thread/list", params)) as { data: Array<unknown>; nextCursor: string | null }
    return { threads: page.data.length, nextCursor: page.nextCursor ?? undefined }
  }

  /** Every page of `thread/list` with `params`, following `nextCursor`; `onPage` after each. */
  async listAll(params: Record<string, unknown>, onPage?: () => void): Promise<ListingCount> {
    let cursor: string | undefined
    let threads = 0
    let pages = 0
    for (;;) {
      const page = await this.page({ ...params, ...(cursor === undefined ? {} : { cursor }) })
      threads += page.threads
      pages++
      onPage?.()
      if (page.nextCursor === undefined) return { threads, pages }
      cursor = page.nextCursor
    }
  }

  /** The server's peak resident set so far (its own process, not helpers it started). */
  peakRss(): number | undefined {
    return peakRssOf(this.child.pid)
  }

  /** Ends the server's process group (by its pid) and waits for it to exit. */
  async close(): Promise<void> {
    if (this.child.pid !== undefined && this.child.exitCode === null && this.child.signalCode === null) {
      try {
        process.kill(-this.child.pid, "SIGKILL")
      } catch {
        this.child.kill("SIGKILL")
      }
    }
    await this.exited
  }
}
