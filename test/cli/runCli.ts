/**
 * Runs the built CLI (`dist/cli/main.js`, which loads the bundle dist/cli/program.cjs) as an asynchronous child process: the vitest
 * worker's event loop stays free while it runs (a `spawnSync` blocks it, and vitest then fails
 * the run with `Timeout calling "onTaskUpdate"`).
 */
import { type ChildProcessWithoutNullStreams, spawn } from "node:child_process"
import * as path from "node:path"
import { closedToOthers } from "../helpers/codexHome.js"

export const main = path.resolve(__dirname, "../../dist/cli/main.js")

export interface CliResult {
  /** The exit code from the child's `exit` event; `null` when a signal ended it. */
  readonly status: number | null
  /** The signal that ended the child (`exit` event), or `null`. */
  readonly signal: NodeJS.Signals | null
  readonly stdout: string
  readonly stderr: string
  /** The child outlived `timeoutMs` and was killed with SIGKILL. */
  readonly timedOut: boolean
}

export interface RunOptions {
  /** Written to the child's stdin, which is then closed (closed at once without it). */
  readonly input?: string
  /** Kill the child (SIGKILL) after this long; `timedOut` tells. Default 120 s (a busy 2-core machine is slow). */
  readonly timeoutMs?: number
  readonly env?: NodeJS.ProcessEnv
  /** Run as this user and group (needs root): how a root test meets "permission denied". */
  readonly user?: { readonly uid: number; readonly gid: number }
}

export interface Started {
  readonly child: ChildProcessWithoutNullStreams
  readonly done: Promise<CliResult>
}

/** Starts `command args`; `done` settles once it has exited and its output is complete. */
export const start = (command: string, args: ReadonlyArray<string>, options: RunOptions = {}): Started => {
  const child = spawn(command, [...args], {
    env: { ...process.env, NO_COLOR: "1", ...options.env },
    stdio: "pipe",
    ...(options.user === undefined ? {} : { uid: options.user.uid, gid: options.user.gid })
  })
  let stdout = ""
  let stderr = ""
  child.stdout.setEncoding("utf8").on("data", (chunk: string) => (stdout += chunk))
  child.stderr.setEncoding("utf8").on("data", (chunk: string) => (stderr += chunk))
  // A child that exits without reading its stdin must not fail the test with EPIPE.
  child.stdin.on("error", () => undefined)
  child.stdin.end(options.input)
  const done = new Promise<CliResult>((resolve, reject) => {
    let timedOut = false
    let exited: { status: number | null; signal: NodeJS.Signals | null } | undefined
    const timer = setTimeout(() => {
      timedOut = true
      child.kill("SIGKILL")
    }, options.timeoutMs ?? 120_000)
    child.on("error", (error) => {
      clearTimeout(timer)
      reject(error)
    })
    child.on("exit", (status, signal) => {
      clearTimeout(timer)
      exited = { status, signal }
    })
    // After `exit`, once stdout and stderr are drained.
    child.on("close", (status, signal) => resolve({ ...(exited ?? { status, signal }), stdout, stderr, timedOut }))
  })
  return { child, done }
}

/** `session-index ...args` with the Node running the tests. */
export const startCli = (args: ReadonlyArray<string>, options?: RunOptions): Started =>
  start(process.execPath, [main, ...args], options)

export const run = (args: ReadonlyArray<string>, input?: string): Promise<CliResult> =>
  startCli(args, input === undefined ? {} : { input }).done

/**
 * Another user than the owner of the temp dirs: `nobody` when the tests run as root (root may
 * read and write anything); otherwise this user, whom mode 000 or 555 refuses as well.
 */
const stranger = process.getuid?.() === 0 ? { user: { uid: 65534, gid: 65534 } } : {}

/** `session-index ...args` as that other user. */
export const asStranger = (args: ReadonlyArray<string>) => startCli(args, stranger).done

/** Why `nobody` cannot run this checkout's CLI, when the tests run as root and it cannot. */
export const closedToStranger = (): string | undefined => {
  if (process.getuid?.() !== 0) return undefined
  const closed = closedToOthers(path.dirname(main))
  return closed === undefined ? undefined : `${closed} is closed to other users, so another user cannot run the CLI from it`
}
