/**
 * The `session-index` program: @effect/cli parses the command line, the command runs, and its
 * outcome becomes one line on stderr and an exit status (see output.ts). The build bundles
 * this module into dist/cli/program.cjs, which main.ts loads for every command it cannot
 * answer by itself.
 */
import * as Command from "@effect/cli/Command"
import * as Descriptor from "@effect/cli/CommandDescriptor"
import * as HelpDoc from "@effect/cli/HelpDoc"
import * as ValidationError from "@effect/cli/ValidationError"
import * as NodeFileSystem from "@effect/platform-node/NodeFileSystem"
import * as NodePath from "@effect/platform-node/NodePath"
import * as NodeRuntime from "@effect/platform-node/NodeRuntime"
import * as NodeTerminal from "@effect/platform-node/NodeTerminal"
import * as Cause from "effect/Cause"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as Layer from "effect/Layer"
import * as Logger from "effect/Logger"
import * as Option from "effect/Option"
import * as util from "node:util"
import { type IoOperation, isSessionIndexError, type SessionIndexError } from "../Errors.js"
import { descriptors, root } from "./commands.js"
import { BadArgument, cleanReason, IoFailure, NotFound, print, printable, StdoutFailure, stripAnsi } from "./output.js"

export { helpTexts } from "./help.js"

const VERBS: Record<IoOperation, string> = {
  open: "open",
  create: "create",
  read: "read",
  write: "write",
  append: "append to",
  truncate: "truncate",
  stat: "access",
  fsync: "sync",
  rename: "replace",
  resolve: "resolve",
  mkdir: "create the folder",
  list: "list",
  flock: "lock",
  scan: "read",
  rewrite: "rewrite"
}

const libraryOutcome = (error: SessionIndexError): Outcome => {
  switch (error._tag) {
    case "IndexIoError":
      return { status: 3, message: `cannot ${VERBS[error.op]} ${error.path}: ${cleanReason(error.reason)}` }
    case "IndexLockTimeout":
    case "IndexLockUnavailable":
      return { status: 3, message: error.message }
    case "InvalidThreadId":
    case "InvalidThreadName":
    case "InvalidEntry":
    case "InvalidCursor":
      return { status: 2, message: error.message }
  }
}

interface Outcome {
  readonly status: number
  /** Said on stderr; none for a reader that closed stdout, which knows why. */
  readonly message: string | undefined
}

/** The exit status and message of a failed command (the table is in output.ts). */
const outcome = (cause: Cause.Cause<unknown>): Outcome => {
  const failure = Cause.failureOption(cause)
  const error = Option.isSome(failure) ? failure.value : Cause.squash(cause)
  if (ValidationError.isValidationError(error)) {
    const text = stripAnsi(HelpDoc.toAnsiText(error.error)).trim().replace(/\s*\n\s*/g, " ")
    return { status: 2, message: text === "" ? "invalid arguments (session-index --help lists them)" : text }
  }
  if (error instanceof NotFound) return { status: 1, message: error.message }
  if (error instanceof BadArgument) return { status: 2, message: error.message }
  if (error instanceof IoFailure) return { status: 3, message: error.message }
  if (error instanceof StdoutFailure) return error.code === "EPIPE" ? { status: 141, message: undefined } : { status: 3, message: error.message }
  if (isSessionIndexError(error)) return libraryOutcome(error)
  return { status: 3, message: `internal error: ${error instanceof Error ? error.message : String(error)}` }
}

const say = (text: string) => process.stderr.write(`session-index: ${printable(text)}\n`)

/** Warnings (the library's and the commands') as `session-index: ...` lines on stderr; stdout carries only answers. */
const warnings = Logger.make(({ message }) => {
  const text = (Array.isArray(message) ? message : [message]).map(String).join(" ")
  say(cleanReason(text.replace(/^session-index: /, "")))
})

/**
 * @effect/cli's own output: its parse errors, without the `session-index:` prefix, are
 * silenced (`outcome` words them instead), and what it answers itself (`--version` among
 * other arguments, `--completions`) is printed as every answer is, a failed write ending the
 * command with the status `outcome` gives a `StdoutFailure`.
 */
const withCliConsole = <A, E, R>(self: Effect.Effect<A, E, R>) =>
  Effect.flatMap(Effect.console, (console) =>
    Effect.withConsole(self, { ...console, error: () => Effect.void, log: (...args: ReadonlyArray<unknown>) => Effect.orDie(print(util.format(...args))) })
  )

/**
 * @effect/cli looks for options only up to a lone `-` (`names - --codex-home X` would take
 * `--codex-home` for an id). For `names` it means "ids from stdin", which follow the ids given
 * wherever it stands, so it moves behind `--`, where it is an argument like any other.
 */
const stdinMarkerLast = (args: ReadonlyArray<string>): ReadonlyArray<string> => {
  const commandNames = new Set(descriptors.flatMap((command) => [...Descriptor.getNames(command)]))
  const at = args.findIndex((arg) => commandNames.has(arg))
  const end = args.indexOf("--")
  const options = end === -1 ? args : args.slice(0, end)
  if (args[at] !== "names" || !options.slice(at).includes("-")) return args
  return [...options.filter((arg, i) => i <= at || arg !== "-"), "--", "-", ...(end === -1 ? [] : args.slice(end + 1))]
}

/**
 * Ctrl-C or SIGTERM interrupts the running command: a rewrite in progress removes its temp
 * file and leaves the index as it was (or, past its point of no return, finishes first). The
 * runtime turns either signal into an interruption; this remembers which one it was.
 */
const listenForSignals = () => {
  const signals = ["SIGINT", "SIGTERM"] as const
  let received: (typeof signals)[number] | undefined
  const listeners = Object.fromEntries(
    signals.map((name) => [
      name,
      () => {
        received ??= name
        // A second signal then ends the process at once, as the runtime no longer listens either.
        for (const other of signals) process.removeListener(other, listeners[other]!)
      }
    ])
  )
  for (const name of signals) process.on(name, listeners[name]!)
  return () => received
}

const ignore = () => {}

/** Runs the command line `argv` (`node`, the script, then the arguments) and exits with its status. */
export const main = (argv: ReadonlyArray<string>, version: string): void => {
  // A failed write is reported to its callback (output.ts `print`); unheard, the stream's
  // error event would end the process with a stack trace.
  process.stdout.on("error", ignore)
  process.stderr.on("error", ignore)
  const signal = listenForSignals()
  const cli = Command.run(root, { name: "session-index", version })
  withCliConsole(cli([...argv.slice(0, 2), ...stdinMarkerLast(argv.slice(2))])).pipe(
    Effect.as(0),
    Effect.catchAllCause((cause) =>
      Cause.isInterruptedOnly(cause)
        ? Effect.failCause(cause)
        : Effect.sync(() => {
            const { message, status } = outcome(cause)
            if (message !== undefined) say(message)
            return status
          })
    ),
    Effect.tap((status) => Effect.sync(() => (process.exitCode = status))),
    Effect.provide(Layer.mergeAll(NodeFileSystem.layer, NodePath.layer, NodeTerminal.layer, Logger.replace(Logger.defaultLogger, warnings))),
    NodeRuntime.runMain({
      disableErrorReporting: true,
      disablePrettyLogger: true,
      teardown: (exit, onExit) => {
        const received = signal()
        if (received !== undefined && Exit.isFailure(exit) && Cause.isInterruptedOnly(exit.cause)) {
          process.stderr.write(`session-index: interrupted by ${received}\n`)
          return onExit(received === "SIGINT" ? 130 : 143)
        }
        if (Exit.isFailure(exit)) process.exitCode = 3
        // Not process.exit: the process ends once stdout has drained.
        onExit(0)
      }
    })
  )
}
