/**
 * How the CLI talks: answers on stdout, one-line messages on stderr, and the exit status
 * (0 answered, 1 nothing found, 2 bad usage or a typed error).
 */
import { Console, Effect, Schema } from "effect"

/** Nothing matched: exit status 1, a short message on stderr, nothing on stdout. */
export class NotFound extends Schema.TaggedError<NotFound>()("NotFound", { what: Schema.String }) {
  override get message(): string {
    return `not found: ${this.what}`
  }
}

/** A bad argument the parser could not catch (exit status 2). */
export class BadArgument extends Schema.TaggedError<BadArgument>()("BadArgument", { reason: Schema.String }) {
  override get message(): string {
    return this.reason
  }
}

export const printJson = (value: unknown) => Console.log(JSON.stringify(value, null, 2))

/** Columns padded to their widest cell; the last one is not padded. */
export const table = (rows: ReadonlyArray<ReadonlyArray<string>>): string => {
  if (rows.length === 0) return ""
  const widths = rows[0]!.map((_, col) => Math.max(...rows.map((row) => [...(row[col] ?? "")].length)))
  return rows
    .map((row) => row.map((cell, col) => (col === row.length - 1 ? cell : cell + " ".repeat(widths[col]! - [...cell].length))).join("  "))
    .join("\n")
}

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
