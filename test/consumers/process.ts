/**
 * Running commands for the consumer tests: a deadline, a process group of their own, and an
 * environment without what `npm run` exports. No vitest here: the global setup uses it too.
 */
import { spawn, type ChildProcess } from "node:child_process"
import * as os from "node:os"
import * as path from "node:path"
import { fileURLToPath } from "node:url"

export const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..", "..")

/** One npm cache for the repo's install and every consumer project. */
export const npmCache = process.env["npm_config_cache"] ?? path.join(os.homedir(), ".npm")

/**
 * The environment without what `npm run` exports (`npm_config_local_prefix` would point a
 * child `npm install` back at this repo) or vitest's own markers.
 */
export const npmEnv = (extra: Record<string, string> = {}): NodeJS.ProcessEnv => {
  const env: NodeJS.ProcessEnv = {}
  for (const [key, value] of Object.entries(process.env)) {
    if (/^npm_/i.test(key) || key === "INIT_CWD" || key.startsWith("VITEST") || key === "NODE_ENV") continue
    env[key] = value
  }
  return { ...env, ...extra }
}

export interface Ran {
  readonly command: string
  readonly code: number | null
  readonly signal: NodeJS.Signals | null
  readonly stdout: string
  readonly stderr: string
  readonly ms: number
  readonly timedOut: boolean
}

export interface RunOptions {
  readonly cwd: string
  readonly env?: NodeJS.ProcessEnv
  readonly timeoutMs: number
  /** Called with each chunk of stdout as it arrives, and the child. */
  readonly onStdout?: (all: string, child: ChildProcess) => void
}

/** Runs a command in its own process group; past the deadline the group is killed. */
export const run = (command: string, args: ReadonlyArray<string>, options: RunOptions): Promise<Ran> =>
  new Promise((resolve, reject) => {
    const started = performance.now()
    const child = spawn(command, args, {
      cwd: options.cwd,
      env: options.env ?? npmEnv(),
      stdio: ["ignore", "pipe", "pipe"],
      detached: true
    })
    let stdout = ""
    let stderr = ""
    let timedOut = false
    const timer = setTimeout(() => {
      timedOut = true
      if (child.pid !== undefined) {
        try {
          process.kill(-child.pid, "SIGKILL")
        } catch {
          // already gone
        }
      }
    }, options.timeoutMs)
    child.stdout!.setEncoding("utf8").on("data", (chunk: string) => {
      stdout += chunk
      options.onStdout?.(stdout, child)
    })
    child.stderr!.setEncoding("utf8").on("data", (chunk: string) => (stderr += chunk))
    child.on("error", (error) => {
      clearTimeout(timer)
      reject(error)
    })
    child.on("close", (code, signal) => {
      clearTimeout(timer)
      resolve({ command: [command, ...args].join(" "), code, signal, stdout, stderr, ms: performance.now() - started, timedOut })
    })
  })

/** A readable account of a command that did not do what was expected. */
export const describeRun = (ran: Ran): string =>
  `$ ${ran.command}\nexit ${ran.code}${ran.signal ? ` (${ran.signal})` : ""}${ran.timedOut ? " TIMED OUT" : ""} after ${Math.round(ran.ms)} ms\n` +
  `--- stdout\n${ran.stdout.slice(-8000)}\n--- stderr\n${ran.stderr.slice(-8000)}`
