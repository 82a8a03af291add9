/**
 * The `session-index` commands, on the same layers as the library. Human output escapes
 * control characters (`printable`); `--json` prints the exact values, and an empty answer
 * (`null`, `[]`, `{}`) exits 1 in both forms.
 */
import * as Args from "@effect/cli/Args"
import * as Command from "@effect/cli/Command"
import type * as Descriptor from "@effect/cli/CommandDescriptor"
import * as Options from "@effect/cli/Options"
import * as FileSystem from "@effect/platform/FileSystem"
import * as Path from "@effect/platform/Path"
import * as Chunk from "effect/Chunk"
import * as Effect from "effect/Effect"
import * as Option from "effect/Option"
import * as Stream from "effect/Stream"
import * as crypto from "node:crypto"
import { IndexReader } from "../IndexReader.js"
import { IndexWriter } from "../IndexWriter.js"
import { generateIndex, parseSize } from "./generate.js"
import { BadArgument, describeCode, IoFailure, NotFound, print, printable, printJson, progressBar, systemCode, table } from "./output.js"
import { show, threads } from "./catalogCommands.js"
import { codexHome, json, layerFor, withExamples } from "./common.js"
import { countIndex } from "./stats.js"

/** A system error as one short phrase: "permission denied". */
const because = (error: unknown) => {
  const code = systemCode(error)
  return code === undefined ? String(error instanceof Error ? error.message : error) : describeCode(code)
}

/** Whether the index exists; when that cannot be told, it is taken to exist (the lookup said more). */
const indexExists = (indexPath: string) =>
  Effect.flatMap(FileSystem.FileSystem, (fs) => fs.exists(indexPath)).pipe(Effect.orElseSucceed(() => true))

/**
 * Exit 1 for an empty answer, saying why: a missing index (a mistyped `--codex-home`) is named
 * as such rather than passed off as an answer about the thread.
 */
const nothingFound = (indexPath: string, what: string) =>
  Effect.flatMap(indexExists(indexPath), (exists) => new NotFound({ what: exists ? what : `no index at ${indexPath}` }))

/** One answer: printed as text or JSON, or, when there is none, `null` for JSON and exit 1. */
const answer = <A>(
  json: boolean,
  indexPath: string,
  found: Option.Option<A>,
  show: { readonly json: (a: A) => unknown; readonly text: (a: A) => string; readonly none: string }
) =>
  Option.match(found, {
    onSome: (a) => (json ? printJson(show.json(a)) : print(printable(show.text(a)))),
    onNone: () => Effect.zipRight(json ? printJson(null) : Effect.void, nothingFound(indexPath, show.none))
  })

const name = Command.make(
  "name",
  { codexHome, json, id: Args.text({ name: "ID" }).pipe(Args.withDescription("A thread id (UUID)")) },
  ({ codexHome, id, json }) =>
    Effect.gen(function* () {
      const reader = yield* IndexReader
      yield* answer(json, reader.path, yield* reader.findNameById(id), {
        json: (threadName) => ({ id: id.toLowerCase(), name: threadName }),
        text: (threadName) => threadName,
        none: `thread ${id} has no name`
      })
    }).pipe(Effect.provide(layerFor(codexHome)))
).pipe(Command.withDescription(withExamples("The thread's current name.", ["session-index name 0194f7c2-3b1d-7c4e-9a51-2f0e8d6b1a23"])))

const id = Command.make(
  "id",
  { codexHome, json, name: Args.text({ name: "NAME" }).pipe(Args.withDescription("A thread name")) },
  ({ codexHome, json, name }) =>
    Effect.gen(function* () {
      const reader = yield* IndexReader
      yield* answer(json, reader.path, yield* reader.findIdByName(name), {
        json: (threadId) => ({ id: threadId, name: name.trim() }),
        text: (threadId) => threadId,
        none: `no thread is named ${JSON.stringify(name.trim())}`
      })
    }).pipe(Effect.provide(layerFor(codexHome)))
).pipe(
  Command.withDescription(
    withExamples("The id of the thread currently named NAME; of several, the one named most recently.", [
      'session-index id "fix flaky ci"'
    ])
  )
)

const readStdinIds = Effect.tryPromise({
  try: async () => {
    const chunks: Array<Buffer> = []
    for await (const chunk of process.stdin) chunks.push(chunk as Buffer)
    return Buffer.concat(chunks).toString("utf8").split(/\s+/).filter((s) => s !== "")
  },
  catch: (error) => new IoFailure({ reason: `cannot read ids from standard input: ${because(error)}` })
})

const names = Command.make(
  "names",
  {
    codexHome,
    json,
    ids: Args.text({ name: "ID" }).pipe(Args.atLeast(1), Args.withDescription("Thread ids, or - to read them from stdin"))
  },
  ({ codexHome, ids, json }) =>
    Effect.gen(function* () {
      const reader = yield* IndexReader
      const wanted = ids.includes("-") ? [...ids.filter((i) => i !== "-"), ...(yield* readStdinIds)] : ids
      const answers = yield* reader.findNamesByIds(wanted)
      const rows = [...new Set(wanted.map((i) => i.toLowerCase()))].flatMap((i) => {
        const threadName = answers.get(i)
        return threadName === undefined ? [] : [[i, threadName] as const]
      })
      if (json) yield* printJson(Object.fromEntries(rows))
      else if (rows.length > 0) yield* print(rows.map(([threadId, threadName]) => `${threadId}\t${printable(threadName)}`).join("\n"))
      if (rows.length === 0) return yield* nothingFound(reader.path, "none of these ids has a name")
    }).pipe(Effect.provide(layerFor(codexHome)))
).pipe(
  Command.withDescription(
    withExamples("Id and current name of each thread that has one, tab separated, in the order asked (one scan for all).", [
      "session-index names 0194f7c2-3b1d-7c4e-9a51-2f0e8d6b1a23 0194f7c2-3b1d-7c4e-9a51-2f0e8d6b1a24",
      "cut -f1 ids.txt | session-index names -"
    ])
  )
)

const pathCommand = Command.make(
  "path",
  { codexHome, json, name: Args.text({ name: "NAME" }).pipe(Args.withDescription("A thread name")) },
  ({ codexHome, json, name }) =>
    Effect.gen(function* () {
      const reader = yield* IndexReader
      yield* answer(json, reader.path, yield* reader.findPathByName(name), {
        json: (file) => ({ name: name.trim(), path: file }),
        text: (file) => file,
        none: `no rollout file for a thread named ${JSON.stringify(name.trim())}`
      })
    }).pipe(Effect.provide(layerFor(codexHome)))
).pipe(
  Command.withDescription(
    withExamples(
      "The rollout file of the thread a name resolves to, as `codex resume NAME` picks it: threads without one never match; of several, the most recently modified file wins.",
      ['session-index path "fix flaky ci"']
    )
  )
)

const rename = Command.make(
  "rename",
  {
    codexHome,
    json,
    id: Args.text({ name: "ID" }).pipe(Args.withDescription("A thread id (UUID)")),
    name: Args.text({ name: "NAME" }).pipe(Args.withDescription("The new name"))
  },
  ({ codexHome, id, json, name }) =>
    Effect.gen(function* () {
      const writer = yield* IndexWriter
      yield* writer.appendThreadName(id, name)
      if (json) yield* printJson({ id: id.toLowerCase(), name: name.trim() })
    }).pipe(Effect.provide(layerFor(codexHome)))
).pipe(
  Command.withDescription(
    withExamples("Appends a rename to the index, exactly as Codex does.", [
      'session-index rename 0194f7c2-3b1d-7c4e-9a51-2f0e8d6b1a23 "ship the release"'
    ])
  )
)

const list = Command.make(
  "list",
  {
    codexHome,
    json,
    limit: Options.integer("limit").pipe(Options.withDefault(25), Options.withDescription("How many threads (default: 25)"))
  },
  ({ codexHome, json, limit }) =>
    Effect.gen(function* () {
      if (limit < 1) return yield* new BadArgument({ reason: `--limit must be at least 1, got ${limit}` })
      const reader = yield* IndexReader
      const entries = Chunk.toArray(yield* Stream.runCollect(Stream.take(reader.latestEntries, limit)))
      if (json) yield* printJson(entries.map((e) => ({ id: e.id, name: e.thread_name, updated_at: e.updated_at })))
      else if (entries.length > 0) {
        yield* print(table([["ID", "UPDATED", "NAME"], ...entries.map((e) => [e.id, printable(e.updated_at), printable(e.thread_name)])]))
      }
      if (entries.length === 0) return yield* nothingFound(reader.path, "the index has no named threads")
    }).pipe(Effect.provide(layerFor(codexHome)))
).pipe(
  Command.withDescription(
    withExamples("The latest name of each thread, newest first: a resume picker's page.", [
      "session-index list",
      "session-index list --limit 100 --json"
    ])
  )
)

const stats = Command.make("stats", { codexHome, json }, ({ codexHome, json }) =>
  Effect.gen(function* () {
    const fs = yield* FileSystem.FileSystem
    const reader = yield* IndexReader
    const file = reader.path
    const info = yield* fs.stat(file).pipe(
      Effect.catchAll((error) =>
        Effect.fail(
          systemCode(error) === "ENOENT"
            ? new NotFound({ what: `no index at ${file}` })
            : new IoFailure({ reason: `cannot access ${file}: ${because(error)}` })
        )
      )
    )
    // Opening a FIFO would block until someone writes to it.
    if (info.type !== "File") return yield* new IoFailure({ reason: `cannot read ${file}: not a regular file (${info.type})` })
    const size = Number(info.size)
    const bar = progressBar("counting", !json)
    const counts = yield* Effect.tryPromise({
      try: () => countIndex(file, 16 * 1024 * 1024, (bytes) => bar.update(bytes / Math.max(1, size))),
      catch: (error) => new IoFailure({ reason: `cannot read ${file}: ${because(error)}` })
    }).pipe(Effect.ensuring(bar.done))
    // The first lookup starts the worker pool; time the second, a scan as a warm app sees it.
    yield* reader.findNamesByIds([crypto.randomUUID()])
    const started = performance.now()
    yield* reader.findNamesByIds([crypto.randomUUID()])
    const scanMs = performance.now() - started
    const result = { path: file, ...counts, fullScanMs: Math.round(scanMs * 10) / 10 }
    if (json) return yield* printJson(result)
    yield* print(
      table([
        ["path", printable(file)],
        ["size", `${counts.bytes} bytes (${(counts.bytes / 1048576).toFixed(1)} MiB)`],
        ["lines", String(counts.lines)],
        ["entries", `${counts.entries} (${counts.blankNames} with a blank name)`],
        ["distinct ids", String(counts.distinctIds)],
        ["bad lines", String(counts.badLines)],
        ["full scan", `${result.fullScanMs} ms (a lookup of an id that is not there)`]
      ])
    )
  }).pipe(Effect.provide(layerFor(codexHome)))
).pipe(Command.withDescription(withExamples("Size, lines, distinct ids, bad lines, and how long a full scan takes.", ["session-index stats"])))

/**
 * `mkdir -p` for the folder of `file`, a level at a time: Node's recursive mkdir loops forever
 * where mkdir answers ENOENT under a folder that exists (`/proc/x`).
 */
const makeFolders = (file: string) =>
  Effect.gen(function* () {
    const fs = yield* FileSystem.FileSystem
    const path = yield* Path.Path
    const missing: Array<string> = []
    for (let folder = path.dirname(file); folder !== path.dirname(folder); folder = path.dirname(folder)) {
      if (yield* fs.exists(folder).pipe(Effect.orElseSucceed(() => false))) break
      missing.unshift(folder)
    }
    for (const folder of missing) {
      yield* fs.makeDirectory(folder).pipe(
        // Made meanwhile by someone else: as good.
        Effect.catchIf((error) => systemCode(error) === "EEXIST", () => Effect.void),
        Effect.mapError((error) => new IoFailure({ reason: `cannot create the folder ${folder}: ${because(error)}` }))
      )
    }
  })

const gen = Command.make(
  "gen",
  {
    json,
    file: Args.text({ name: "FILE" }).pipe(Args.withDescription("Where to write the index (overwritten; missing folders are created)")),
    size: Options.text("size").pipe(Options.withDefault("256MiB"), Options.withDescription("e.g. 64MiB, 1GiB (default: 256MiB)")),
    seed: Options.integer("seed").pipe(Options.withDefault(1), Options.withDescription("Same size and seed, same bytes (default: 1)"))
  },
  ({ file, json, seed, size }) =>
    Effect.gen(function* () {
      const sizeBytes = yield* Effect.try({ try: () => parseSize(size), catch: (e) => new BadArgument({ reason: (e as Error).message }) })
      yield* makeFolders(file)
      const bar = progressBar("generating", !json)
      const started = performance.now()
      const result = yield* Effect.tryPromise({
        try: () => generateIndex({ path: file, sizeBytes, seed, onProgress: (bytes) => bar.update(bytes / sizeBytes) }),
        catch: (error) => new IoFailure({ reason: `cannot write ${file}: ${because(error)}` })
      }).pipe(Effect.ensuring(bar.done))
      const seconds = (performance.now() - started) / 1000
      if (json) return yield* printJson({ file, lines: result.lines, distinctIds: result.distinctIds, badLines: result.badLines, bytes: result.bytes, seconds })
      yield* print(
        `${printable(file)}: ${result.bytes} bytes, ${result.lines} lines, ${result.distinctIds} threads, ${result.badLines} irregular lines: bad, blank or non-canonical (${seconds.toFixed(1)} s)`
      )
    })
).pipe(
  Command.withDescription(
    withExamples("Writes a realistic index (the benchmark's generator) to try things on. Same size and seed, same bytes.", [
      "session-index gen /tmp/codex/session_index.jsonl --size 256MiB --seed 7"
    ])
  )
)

const compact = Command.make(
  "compact",
  { codexHome, json, dryRun: Options.boolean("dry-run").pipe(Options.withDescription("Only report what it would do (needs read access only)")) },
  ({ codexHome, dryRun, json }) =>
    Effect.gen(function* () {
      const writer = yield* IndexWriter
      const result = yield* writer.compact({ dryRun })
      // Like the library, a missing index is an empty one; a mistyped --codex-home still shows.
      if (result.linesBefore === 0 && !(yield* indexExists(writer.path))) {
        yield* Effect.logWarning(`no index at ${writer.path}: nothing to compact`)
      }
      if (json) return yield* printJson({ dryRun, ...result })
      const saved = result.bytesBefore - result.bytesAfter
      yield* print(
        table([
          ["lines", `${result.linesBefore} -> ${result.linesAfter}`],
          ["bytes", `${result.bytesBefore} -> ${result.bytesAfter} (${saved} saved${dryRun ? ", dry run: nothing written" : ""})`]
        ])
      )
    }).pipe(Effect.provide(layerFor(codexHome)))
).pipe(
  Command.withDescription(
    withExamples(
      "Rewrites the index keeping only each thread's last named line (every lookup answers as before), atomically and under Codex's lock.",
      ["session-index compact --dry-run", "session-index compact"]
    )
  )
)

const subcommands = [name, id, names, pathCommand, rename, list, threads, show, compact, stats, gen] as const

/** The subcommands as @effect/cli describes them (for help, and for their names). */
export const descriptors: ReadonlyArray<Descriptor.Command<unknown>> = subcommands.map((command): Descriptor.Command<unknown> => command.descriptor)

export const root = Command.make("session-index").pipe(
  Command.withDescription("Read and write Codex CLI's session_index.jsonl, fast."),
  Command.withSubcommands(subcommands)
)
