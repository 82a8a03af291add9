/**
 * How the CLI talks: answers on stdout, one-line messages on stderr, and the exit status.
 *
 * | status | meaning |
 * | --- | --- |
 * | 0 | answered |
 * | 1 | nothing found (the JSON form still prints its empty answer: `null`, `[]`, `{}`) |
 * | 2 | bad usage: an unknown command or option, a missing or malformed argument |
 * | 3 | the system failed: an I/O error, a lock that cannot be taken, a bug, stdout that cannot be written |
 * | 130, 143 | interrupted by SIGINT, SIGTERM |
 * | 141 | stdout closed by its reader (`| head`), quietly, as a shell reports a writer SIGPIPE ended |
 */
import * as Effect from "effect/Effect"
import * as Schema from "effect/Schema"
import * as util from "node:util"

/** Nothing matched: exit status 1 and a short message on stderr saying what was missing. */
export class NotFound extends Schema.TaggedError<NotFound>()("NotFound", { what: Schema.String }) {
  override get message(): string {
    return this.what
  }
}

/** A bad argument the parser could not catch (exit status 2). */
export class BadArgument extends Schema.TaggedError<BadArgument>()("BadArgument", { reason: Schema.String }) {
  override get message(): string {
    return this.reason
  }
}

/** An operation of the CLI itself (not of the library) that the system refused (exit status 3). */
export class IoFailure extends Schema.TaggedError<IoFailure>()("IoFailure", { reason: Schema.String }) {
  override get message(): string {
    return this.reason
  }
}

/** Text rendered for a terminal (`HelpDoc.toAnsiText`) without its colours. */
export const stripAnsi = (text: string): string => text.replace(/\x1b\[[0-9;]*m/g, "")

/** stdout refused an answer: closed by its reader (`EPIPE`), or full (`ENOSPC` on `/dev/full`). */
export class StdoutFailure extends Schema.TaggedError<StdoutFailure>()("StdoutFailure", { code: Schema.String }) {
  override get message(): string {
    return `cannot write to stdout: ${describeCode(this.code)}`
  }
}

/**
 * `text` and a newline on stdout, done once written. Not `Console.log`: Node's console drops
 * write errors, so an answer lost on a full disk would exit 0.
 */
export const print = (text: string): Effect.Effect<void, StdoutFailure> =>
  Effect.async((resume) => {
    process.stdout.write(`${text}\n`, (error) => resume(error == null ? Effect.void : Effect.fail(new StdoutFailure({ code: systemCode(error) ?? "EIO" }))))
  })

export const printJson = (value: unknown) => print(JSON.stringify(value, null, 2))

/**
 * A name, path or message made safe for a terminal: control characters (C0, DEL, C1), line
 * and paragraph separators and bidirectional overrides are shown as escapes, so a name can
 * neither split a row nor send escape sequences to the terminal. JSON output is never escaped.
 */
export const printable = (text: string): string =>
  text.replace(UNPRINTABLE, (char) => {
    const named = NAMED_ESCAPES[char]
    if (named !== undefined) return named
    const code = char.codePointAt(0)!
    return code < 0x100 ? `\\x${code.toString(16).padStart(2, "0")}` : `\\u{${code.toString(16)}}`
  })

// Bidi overrides and isolates reorder what follows them on the line (CVE-2021-42574).
const UNPRINTABLE = /[\p{Cc}\u2028\u2029\u200e\u200f\u202a-\u202e\u2066-\u2069]/gu
const NAMED_ESCAPES: Record<string, string> = { "\n": "\\n", "\r": "\\r", "\t": "\\t" }

/** Columns padded to their widest cell; the last one is not padded. */
export const table = (rows: ReadonlyArray<ReadonlyArray<string>>): string => {
  // A loop, not Math.max(...column): 150,000 rows as arguments overflow the call stack.
  const widths: Array<number> = []
  for (const row of rows) row.forEach((cell, col) => (widths[col] = Math.max(widths[col] ?? 0, [...cell].length)))
  return rows
    .map((row) => row.map((cell, col) => (col === row.length - 1 ? cell : cell + " ".repeat(widths[col]! - [...cell].length))).join("  "))
    .join("\n")
}

/** Node's code for a system error (`EACCES`) anywhere in a chain of causes. */
export const systemCode = (error: unknown): string | undefined => {
  for (let e = error, depth = 0; typeof e === "object" && e !== null && depth < 8; depth++) {
    const { cause, code } = e as { readonly cause?: unknown; readonly code?: unknown }
    if (typeof code === "string" && /^E[A-Z0-9]+$/.test(code)) return code
    e = cause
  }
  return undefined
}

// libuv's wording, except where it is obscure.
const CLEARER: Record<string, string> = { EISDIR: "is a directory", EIO: "input/output error" }
let byCode: Map<string, string> | undefined

/** `EACCES` → "permission denied". */
export const describeCode = (code: string): string => {
  byCode ??= new Map([...util.getSystemErrorMap().values()].map(([name, text]) => [name, text]))
  return CLEARER[code] ?? byCode.get(code) ?? code
}

/**
 * A system error as Node and `@effect/platform` word it ("PermissionDenied: EACCES: permission
 * denied, open '/x'"), alone or inside a longer reason, reduced to "permission denied".
 */
const SYSTEM_TEXT =
  /(?:\b(?:AlreadyExists|BadResource|Busy|InvalidData|NotFound|PermissionDenied|TimedOut|UnexpectedEof|Unknown|WouldBlock|WriteZero): )?\b(E[A-Z0-9]+)(?:: (?:\1: )?[^,;]*?(?:, [a-z_]+(?:(?: ->)? '[^']*')*)?)?(?=;| after |$)/g

export const cleanReason = (reason: string): string => reason.replace(SYSTEM_TEXT, (_, code: string) => describeCode(code))

/** A progress bar on stderr for work that outlasts half a second, only on a terminal. */
export const progressBar = (label: string, enabled: boolean) => {
  const started = Date.now()
  const tty = enabled && process.stderr.isTTY === true
  let shown = false
  return {
    update: (fraction: number) => {
      if (!tty || Date.now() - started < 500) return
      shown = true
      const width = 30
      const filled = Math.round(Math.min(1, Math.max(0, fraction)) * width)
      process.stderr.write(`\r${label} [${"#".repeat(filled)}${" ".repeat(width - filled)}] ${Math.floor(fraction * 100)}%`)
    },
    done: Effect.sync(() => {
      if (shown) process.stderr.write("\r\x1b[2K")
    })
  }
}
