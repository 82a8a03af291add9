/**
 * The commands over the thread catalog: `threads`, a resume picker's listing, and `show`, one
 * thread's summary and last events.
 */
import * as Args from "@effect/cli/Args"
import * as Command from "@effect/cli/Command"
import * as Options from "@effect/cli/Options"
import * as Chunk from "effect/Chunk"
import * as Effect from "effect/Effect"
import * as Option from "effect/Option"
import * as Schema from "effect/Schema"
import * as Stream from "effect/Stream"
import * as path from "node:path"
import { IndexReader } from "../IndexReader.js"
import { idOfRolloutName } from "../internal/rollouts.js"
import { type RolloutLine, RolloutReader } from "../RolloutReader.js"
import { ThreadId } from "../Schema.js"
import { ThreadCatalog, type ThreadSummary } from "../ThreadCatalog.js"
import { codexHome, json, layerFor, withExamples } from "./common.js"
import { BadArgument, NotFound, print, printable, table } from "./output.js"

/** What `threads --json` prints per thread: the fields of Codex's `thread/list`, times in unix seconds. */
const threadJson = (thread: ThreadSummary) => ({
  id: thread.id,
  name: Option.getOrNull(thread.name),
  preview: thread.preview,
  cwd: thread.cwd,
  createdAt: Option.getOrNull(thread.createdAt),
  updatedAt: thread.updatedAt,
  archived: thread.archived,
  path: thread.path
})

const PREVIEW_COLUMN = 80

/** A picker's cell: the name, else the preview's first line, cut to fit. */
const title = (thread: ThreadSummary) => {
  const text = Option.getOrElse(thread.name, () => thread.preview.split("\n", 1)[0]!)
  const chars = [...text]
  return printable(chars.length > PREVIEW_COLUMN ? `${chars.slice(0, PREVIEW_COLUMN - 1).join("")}…` : text)
}

/** A time for a table, in UTC; one past JavaScript's dates (a file system may store it) as its seconds. */
const when = (seconds: number) => {
  const date = new Date(seconds * 1000)
  return Number.isNaN(date.getTime()) ? `@${seconds}` : date.toISOString().slice(0, 16).replace("T", " ")
}

export const threads = Command.make(
  "threads",
  {
    codexHome,
    json,
    sort: Options.choice("sort", ["updated_at", "created_at"]).pipe(
      Options.withDefault("updated_at" as const),
      Options.withDescription("Newest first by last activity (updated_at) or by start (created_at) (default: updated_at)")
    ),
    archived: Options.boolean("archived").pipe(Options.withDescription("List archived threads instead of active ones")),
    cwd: Options.text("cwd").pipe(Options.withDescription("Only threads started in this folder"), Options.optional),
    limit: Options.integer("limit").pipe(Options.withDescription("At most this many threads (default: all)"), Options.optional)
  },
  ({ archived, codexHome, cwd, json, limit, sort }) =>
    Effect.gen(function* () {
      if (Option.isSome(limit) && limit.value < 1) return yield* new BadArgument({ reason: `--limit must be at least 1, got ${limit.value}` })
      const catalog = yield* ThreadCatalog
      const listing = catalog.threads({ sortKey: sort, archived, cwd: Option.getOrUndefined(Option.map(cwd, (dir) => path.resolve(dir))) })
      const limited = Option.match(limit, { onNone: () => listing, onSome: (n) => Stream.take(listing, n) })
      let count = 0
      if (json) {
        // One object per line, printed as read (a long listing starts at once), a write per chunk.
        yield* Stream.runForEachChunk(limited, (threads) => {
          count += Chunk.size(threads)
          return Chunk.isEmpty(threads) ? Effect.void : print(Chunk.join(Chunk.map(threads, (thread) => JSON.stringify(threadJson(thread))), "\n"))
        })
      } else {
        const rows = Chunk.toArray(yield* Stream.runCollect(limited))
        count = rows.length
        const header = ["UPDATED", "ID", "BRANCH", "CWD", "THREAD"]
        const cells = rows.map((t) => [
          when(t.updatedAt),
          t.id,
          printable(Option.getOrElse(Option.flatMap(t.gitInfo, (git) => Option.fromNullable(git.branch)), () => "-")),
          printable(t.cwd),
          title(t)
        ])
        if (count > 0) yield* print(table([header, ...cells]))
      }
      if (count === 0) return yield* new NotFound({ what: `no ${archived ? "archived " : ""}threads listed` })
    }).pipe(Effect.provide(layerFor(codexHome)))
).pipe(
  Command.withDescription(
    withExamples(
      "Threads newest first with their names, as Codex's resume picker lists them (same threads, order and fields; every rollout, not only the newest 10,000).",
      ["session-index threads --limit 25", "session-index threads --sort created_at --cwd . --json", "session-index threads --archived"]
    )
  )
)

/** An event's gist for a terminal: its kind, and the text it carries, on one line. */
const eventGist = (line: RolloutLine): readonly [string, string, string] => {
  if (line._tag === "Unreadable") return ["", "(unreadable)", line.reason === "tooLong" ? "a line too long to read" : "not a JSON object"]
  const payload = (typeof line.payload === "object" && line.payload !== null ? line.payload : {}) as Record<string, unknown>
  const kind = [Option.getOrElse(line.type, () => "?"), typeof payload.type === "string" ? payload.type : undefined].filter((k) => k !== undefined).join("/")
  const text =
    typeof payload.message === "string"
      ? payload.message
      : Array.isArray(payload.content)
        ? payload.content.map((part) => (typeof part?.text === "string" ? part.text : "")).join(" ")
        : typeof payload.cwd === "string"
          ? payload.cwd
          : ""
  const flat = text.replace(/\s+/g, " ").trim()
  return [Option.getOrElse(line.timestamp, () => ""), kind, [...flat].length > PREVIEW_COLUMN ? `${[...flat].slice(0, PREVIEW_COLUMN - 1).join("")}…` : flat]
}

const eventJson = (line: RolloutLine) =>
  line._tag === "Unreadable"
    ? { offset: line.offset, unreadable: line.reason }
    : { offset: line.offset, timestamp: Option.getOrNull(line.timestamp), type: Option.getOrNull(line.type), payload: line.payload }

/**
 * The thread a name resolves to as `codex resume NAME` resolves it: the newest rollout among
 * the threads so named, a thread without one never shadowing a thread with one.
 */
const idOfNamedRollout = (name: string) =>
  Effect.map(Effect.flatMap(IndexReader, (reader) => reader.findPathByName(name)), (file) =>
    Option.flatMap(file, (found) => Schema.decodeUnknownOption(ThreadId)(idOfRolloutName(path.basename(found))))
  )

/** Why a name that resolves to no rollout shows nothing: no thread has it, or none that has it has a rollout. */
const noRolloutNamed = (name: string) =>
  Effect.map(Effect.flatMap(IndexReader, (reader) => reader.findIdByName(name)), (id) =>
    Option.match(id, {
      onNone: () => `no thread is named ${JSON.stringify(name.trim())}`,
      onSome: (found) => `no valid rollout for thread ${found}, named ${JSON.stringify(name.trim())}`
    })
  )

/**
 * The events `show` holds to print them oldest first: a terminal's worth, many times over.
 * A whole rollout, in bounded memory, is RolloutReader's `lines` stream.
 */
const MAX_TAIL = 10_000

export const show = Command.make(
  "show",
  {
    codexHome,
    json,
    thread: Args.text({ name: "ID|NAME" }).pipe(Args.withDescription("A thread id, or a name it currently has")),
    tail: Options.integer("tail").pipe(Options.withDefault(20), Options.withDescription(`How many of the last events, at most ${MAX_TAIL} (default: 20)`))
  },
  ({ codexHome, json, tail, thread }) =>
    Effect.gen(function* () {
      if (tail < 0 || tail > MAX_TAIL) return yield* new BadArgument({ reason: `--tail must be from 0 to ${MAX_TAIL}, got ${tail}` })
      const catalog = yield* ThreadCatalog
      const byId = Schema.decodeUnknownOption(ThreadId)(thread)
      const id = Option.isSome(byId) ? byId : yield* idOfNamedRollout(thread)
      const found = Option.isSome(id) ? yield* catalog.thread(id.value) : Option.none<ThreadSummary>()
      if (Option.isNone(found)) {
        const named = JSON.stringify(thread.trim())
        const what = Option.isSome(byId)
          ? `no valid rollout for thread ${thread}`
          : Option.isSome(id)
            ? `no valid rollout for thread ${id.value}, named ${named}`
            : yield* noRolloutNamed(thread)
        return yield* new NotFound({ what })
      }
      const summary = found.value
      const reader = yield* RolloutReader
      const events = Chunk.toArray(yield* Stream.runCollect(Stream.take(reader.linesNewestFirst(summary.path), tail))).reverse()
      if (json) return yield* print(JSON.stringify({ thread: { ...threadJson(summary), source: summary.source, cliVersion: summary.cliVersion }, events: events.map(eventJson) }, null, 2))
      const git = Option.getOrUndefined(summary.gitInfo)
      yield* print(
        table([
          ["id", summary.id],
          ["name", printable(Option.getOrElse(summary.name, () => "-"))],
          ["preview", title({ ...summary, name: Option.none() } as ThreadSummary)],
          ["cwd", printable(summary.cwd)],
          ["created", Option.match(summary.createdAt, { onNone: () => "-", onSome: when })],
          ["updated", when(summary.updatedAt)],
          ["git", printable([git?.branch, git?.sha?.slice(0, 12), git?.originUrl].filter((part) => typeof part === "string").join(" ") || "-")],
          ["source", `${printable(typeof summary.source === "string" ? summary.source : JSON.stringify(summary.source))}, Codex ${printable(summary.cliVersion)}${summary.archived ? ", archived" : ""}`],
          ["path", printable(summary.path)]
        ])
      )
      if (events.length > 0) yield* print(`\nlast ${events.length} events:\n${table(events.map((line) => eventGist(line).map(printable)))}`)
    }).pipe(Effect.provide(layerFor(codexHome)))
).pipe(
  Command.withDescription(
    withExamples("A thread's summary and its last events, read from the end of its rollout.", [
      "session-index show 0194f7c2-3b1d-7c4e-9a51-2f0e8d6b1a23",
      'session-index show "fix flaky ci" --tail 50 --json'
    ])
  )
)
