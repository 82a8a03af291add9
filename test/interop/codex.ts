/**
 * Drives the real Codex binary in a throwaway CODEX_HOME (and HOME): `codex app-server` over
 * JSON-RPC on stdio, and `codex exec --json resume NAME`. Every child runs in its own process
 * group and is ended by pid (the group too: Codex may leave helpers behind).
 */
import { type ChildProcess, type ChildProcessWithoutNullStreams, spawn } from "node:child_process"
import * as fs from "node:fs"
import * as os from "node:os"
import * as path from "node:path"
import { onThreadStarted } from "../../bench/baselines/codexExec.js"
import { codexBinary } from "./installCodex.js"

export interface Sandbox {
  readonly root: string
  readonly codexHome: string
  readonly home: string
  readonly cwd: string
}

const sandboxes: Array<string> = []

/** A fresh CODEX_HOME, HOME and working directory under one mkdtemp root. */
export const sandbox = (): Sandbox => {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), "si-interop-"))
  sandboxes.push(root)
  const dirs = { codexHome: path.join(root, "codex"), home: path.join(root, "home"), cwd: path.join(root, "work") }
  for (const dir of Object.values(dirs)) fs.mkdirSync(dir, { recursive: true })
  return { root, ...dirs }
}

const env = (box: Sandbox): NodeJS.ProcessEnv => {
  const out: NodeJS.ProcessEnv = { ...process.env, HOME: box.home, CODEX_HOME: box.codexHome, NO_COLOR: "1" }
  // Nothing of the caller's Codex or OpenAI setup leaks in.
  for (const key of Object.keys(out)) if (key.startsWith("OPENAI_")) delete out[key]
  delete out.XDG_CONFIG_HOME
  return out
}

const children = new Set<ChildProcess>()

const track = (child: ChildProcess): void => {
  children.add(child)
  child.on("exit", () => children.delete(child))
}

const kill = (child: ChildProcess): void => {
  if (child.pid === undefined) return
  try {
    process.kill(-child.pid, "SIGKILL") // the group: app-server and anything it started
  } catch {
    // group already gone
  }
  try {
    child.kill("SIGKILL")
  } catch {
    // already gone
  }
}

/** Ends every child still running, and removes the sandboxes. For `afterEach`/`afterAll`. */
export const cleanup = (): void => {
  for (const child of children) kill(child)
  children.clear()
  for (const root of sandboxes.splice(0)) fs.rmSync(root, { recursive: true, force: true })
}
process.on("exit", () => {
  for (const child of children) kill(child)
})

export interface RpcMessage {
  readonly id?: number
  readonly method?: string
  readonly params?: unknown
  readonly result?: unknown
  readonly error?: { readonly code?: number; readonly message?: string }
}

/** A `codex app-server` speaking JSON-RPC (newline-delimited JSON) over stdio. */
export class AppServer {
  private readonly child: ChildProcessWithoutNullStreams
  private buffer = ""
  private nextId = 0
  private stderrTail = ""
  private readonly waiting = new Map<number, (message: RpcMessage) => void>()
  /** Notifications (`thread/started`, `thread/name/updated`, ...), in arrival order. */
  readonly notifications: Array<RpcMessage> = []

  private constructor(readonly box: Sandbox) {
    this.child = spawn(codexBinary, ["app-server"], { cwd: box.cwd, env: env(box), detached: true })
    track(this.child)
    this.child.stderr.setEncoding("utf8")
    this.child.stderr.on("data", (chunk: string) => {
      this.stderrTail = (this.stderrTail + chunk).slice(-4000)
    })
    this.child.stdout.setEncoding("utf8")
    this.child.stdout.on("data", (chunk: string) => {
      this.buffer += chunk
      for (let nl = this.buffer.indexOf("\n"); nl >= 0; nl = this.buffer.indexOf("\n")) {
        const line = this.buffer.slice(0, nl)
        this.buffer = this.buffer.slice(nl + 1)
        let message: RpcMessage
        try {
          message = JSON.parse(line) as RpcMessage
        } catch {
          continue
        }
        if (typeof message.id === "number" && message.method === undefined) this.waiting.get(message.id)?.(message)
        else this.notifications.push(message)
      }
    })
    this.child.on("exit", (code, signal) => {
      for (const [id, settle] of this.waiting) {
        settle({ id, error: { message: `app-server exited (${code ?? signal}) before answering; stderr: ${this.stderr()}` } })
      }
    })
  }

  /** Starts the server and performs the handshake: `initialize`, then `initialized`. */
  static async start(box: Sandbox): Promise<AppServer> {
    const server = new AppServer(box)
    try {
      await server.call("initialize", { clientInfo: { name: "session-index-interop", version: "0.1.0" } })
      server.notify("initialized")
      return server
    } catch (error) {
      server.close()
      throw error
    }
  }

  /** Codex's stderr, less its routine complaints about the sandbox helper. */
  stderr(): string {
    return this.stderrTail
      .split("\n")
      .filter((line) => line.trim() !== "" && !/bubblewrap|PATH aliases/.test(line))
      .join("\n")
      .replace(/\u001b\[[0-9;]*m/g, "")
  }

  notify(method: string, params?: unknown): void {
    this.child.stdin.write(JSON.stringify({ jsonrpc: "2.0", method, ...(params === undefined ? {} : { params }) }) + "\n")
  }

  call(method: string, params: unknown, timeoutMs = 30_000): Promise<unknown> {
    const id = ++this.nextId
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.waiting.delete(id)
        reject(new Error(`${method}: no answer in ${timeoutMs} ms; stderr: ${this.stderr()}`))
      }, timeoutMs)
      this.waiting.set(id, (message) => {
        clearTimeout(timer)
        this.waiting.delete(id)
        if (message.error !== undefined) reject(new Error(`${method} ${JSON.stringify(params)}: ${JSON.stringify(message.error)}`))
        else resolve(message.result)
      })
      this.child.stdin.write(JSON.stringify({ jsonrpc: "2.0", id, method, params }) + "\n")
    })
  }

  /** `thread/start {cwd}` → the new thread's id (a UUIDv7). */
  async startThread(): Promise<string> {
    const result = (await this.call("thread/start", { cwd: this.box.cwd })) as { thread: { id: string } }
    return result.thread.id
  }

  /** `thread/name/set {threadId, name}` → `{}`; Codex appends a line to the index. */
  setName(threadId: string, name: string, timeoutMs?: number): Promise<unknown> {
    return this.call("thread/name/set", { threadId, name }, timeoutMs)
  }

  close(): void {
    kill(this.child)
    children.delete(this.child)
  }
}

export interface ExecOutcome {
  /** The `thread_id` of the first `thread.started` event, if Codex printed one. */
  readonly threadId: string | undefined
  readonly stdout: string
  readonly stderr: string
}

/**
 * `codex exec --json --skip-git-repo-check resume NAME x`: the thread Codex resolves NAME to
 * (an unknown name starts a new thread with a fresh id instead). Codex then tries the network
 * and retries, so the process is ended as soon as it has said which, or after `timeoutMs`.
 */
export const resume = (box: Sandbox, name: string, timeoutMs = 20_000): Promise<ExecOutcome> =>
  new Promise((resolve) => {
    const child = spawn(codexBinary, ["exec", "--json", "--skip-git-repo-check", "resume", name, "x"], {
      cwd: box.cwd,
      env: env(box),
      detached: true,
      stdio: ["ignore", "pipe", "pipe"]
    })
    track(child)
    let stdout = ""
    let stderr = ""
    let done = false
    const end = (threadId: string | undefined) => {
      if (done) return
      done = true
      clearTimeout(timer)
      kill(child)
      resolve({ threadId, stdout, stderr: stderr.replace(/\u001b\[[0-9;]*m/g, "").slice(-4000) })
    }
    const timer = setTimeout(() => end(undefined), timeoutMs)
    child.stderr.setEncoding("utf8")
    child.stderr.on("data", (chunk: string) => (stderr += chunk))
    child.stdout.on("data", (chunk: string) => (stdout += chunk))
    onThreadStarted(child.stdout, end)
    child.on("close", () => end(undefined))
  })

/** A thread of `thread/list` (Codex 0.169's `Thread`), the fields the catalog tests read. */
export interface CodexThread {
  readonly id: string
  readonly name: string | null
  readonly preview: string
  readonly cwd: string
  readonly createdAt: number
  readonly updatedAt: number
  readonly path: string | null
  readonly gitInfo: { readonly sha: string | null; readonly branch: string | null; readonly originUrl: string | null } | null
  readonly source: unknown
  readonly modelProvider: string
  readonly cliVersion: string
  readonly historyMode: "legacy" | "paginated"
}

export interface CodexListing {
  readonly rows: ReadonlyArray<CodexThread>
  /** How many `thread/list` calls it took. */
  readonly pages: number
}

/**
 * Pages through `thread/list` with `params` (its `cursor` aside) until Codex gives no
 * `nextCursor`. Codex's params: `limit` (default 25, 1..100), `sortKey` (`created_at` default,
 * `updated_at`), `sortDirection`, `archived`, `modelProviders`, `sourceKinds`, `cwd`.
 */
export const listAll = async (server: AppServer, params: Record<string, unknown>, maxPages = 10_000): Promise<CodexListing> => {
  const rows: Array<CodexThread> = []
  let cursor: string | undefined
  let pages = 0
  for (;;) {
    const page = (await server.call("thread/list", { ...params, ...(cursor === undefined ? {} : { cursor }) })) as {
      data: Array<CodexThread>
      nextCursor: string | null
    }
    pages++
    rows.push(...page.data)
    if (page.nextCursor === null || pages >= maxPages) return { rows, pages }
    cursor = page.nextCursor
  }
}
