#!/usr/bin/env node
/**
 * The `session-index` command line, on the same layers as the library.
 */
import * as Args from "@effect/cli/Args"
import * as Command from "@effect/cli/Command"
import * as HelpDoc from "@effect/cli/HelpDoc"
import * as Options from "@effect/cli/Options"
import * as Span from "@effect/cli/HelpDoc/Span"
import * as ValidationError from "@effect/cli/ValidationError"
import * as NodeContext from "@effect/platform-node/NodeContext"
import * as NodeRuntime from "@effect/platform-node/NodeRuntime"
import { Cause, Chunk, Console, Effect, Exit, Layer, Logger, Option, Stream } from "effect"
import * as crypto from "node:crypto"
import * as fs from "node:fs"
import * as path from "node:path"
import { IndexReader } from "../IndexReader.js"
import { IndexWriter } from "../IndexWriter.js"
import { codexHomeConfig, INDEX_FILE } from "../internal/config.js"
import * as NodeSessionIndex from "../NodeSessionIndex.js"
import { generateIndex, parseSize } from "./generate.js"
import { BadArgument, NotFound, printJson, progressBar, table } from "./output.js"
import { countIndex } from "./stats.js"

const version = (JSON.parse(fs.readFileSync(new URL("../../package.json", import.meta.url), "utf8")) as { version: string })
  .version

const codexHome = Options.directory("codex-home").pipe(
  Options.withDescription("The Codex home holding session_index.jsonl (default: $CODEX_HOME, then ~/.codex)"),
  Options.optional
)
const json = Options.boolean("json").pipe(Options.withDescription("Machine-readable JSON on stdout"))

const layerFor = (home: Option.Option<string>) =>
  NodeSessionIndex.layer({ codexHome: Option.getOrUndefined(home) })

const withExamples = (description: string, examples: ReadonlyArray<string>) =>
  HelpDoc.blocks([
    HelpDoc.p(description),
    HelpDoc.h2("Examples"),
    ...examples.map((example) => HelpDoc.p(Span.code(example)))
  ])

const found = <A>(what: string) => (answer: Option.Option<A>) =>
  Option.match(answer, { onNone: () => Effect.fail(new NotFound({ what })), onSome: Effect.succeed })

const name = Command.make(
  "name",
  { codexHome, json, id: Args.text({ name: "ID" }).pipe(Args.withDescription("A thread id (UUID)")) },
  ({ codexHome, id, json }) =>
    Effect.gen(function* () {
      const reader = yield* IndexReader
      const threadName = yield* reader.findNameById(id).pipe(Effect.flatMap(found(`thread ${id} has no name`)))
      yield* json ? printJson({ id: id.toLowerCase(), name: threadName }) : Console.log(threadName)
    }).pipe(Effect.provide(layerFor(codexHome)))
).pipe(Command.withDescription(withExamples("The thread's current name.", ["session-index name 0194f7c2-3b1d-7c4e-9a51-2f0e8d6b1a23"])))

const id = Command.make(
  "id",
  { codexHome, json, name: Args.text({ name: "NAME" }).pipe(Args.withDescription("A thread name")) },
  ({ codexHome, json, name }) =>
    Effect.gen(function* () {
      const reader = yield* IndexReader
      const threadId = yield* reader.findIdByName(name).pipe(Effect.flatMap(found(`no thread is named ${JSON.stringify(name.trim())}`)))
      yield* json ? printJson({ id: threadId, name: name.trim() }) : Console.log(threadId)
    }).pipe(Effect.provide(layerFor(codexHome)))
).pipe(
  Command.withDescription(
    withExamples("The id a name resolves to, as Codex's `resume <NAME>` would: the thread currently named so, named most recently.", [
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
  catch: () => new BadArgument({ reason: "cannot read ids from standard input" })
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
      else for (const [threadId, threadName] of rows) yield* Console.log(`${threadId}\t${threadName}`)
      if (rows.length === 0) return yield* new NotFound({ what: "none of these ids has a name" })
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
      const file = yield* reader.findPathByName(name).pipe(
        Effect.flatMap(found(`no rollout file for a thread named ${JSON.stringify(name.trim())}`))
      )
      yield* json ? printJson({ name: name.trim(), path: file }) : Console.log(file)
    }).pipe(Effect.provide(layerFor(codexHome)))
).pipe(
  Command.withDescription(
    withExamples("The rollout file of the thread a name resolves to (threads without one never match).", [
      'session-index path "fix flaky ci"'
    ])
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
    limit: Options.integer("limit").pipe(Options.withDefault(25), Options.withDescription("How many threads"))
  },
  ({ codexHome, json, limit }) =>
    Effect.gen(function* () {
      if (limit < 1) return yield* new BadArgument({ reason: `--limit must be at least 1, got ${limit}` })
      const reader = yield* IndexReader
      const entries = Chunk.toArray(yield* Stream.runCollect(Stream.take(reader.latestEntries, limit)))
      if (json) return yield* printJson(entries.map((e) => ({ id: e.id, name: e.thread_name, updated_at: e.updated_at })))
      if (entries.length === 0) return yield* new NotFound({ what: "the index has no named threads" })
      yield* Console.log(table([["ID", "UPDATED", "NAME"], ...entries.map((e) => [e.id, e.updated_at, e.thread_name])]))
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
    const home = Option.isSome(codexHome) ? codexHome.value : yield* Effect.orDie(codexHomeConfig)
    const file = path.join(home, INDEX_FILE)
    const info = yield* Effect.try({
      try: () => fs.statSync(file),
      catch: () => new NotFound({ what: `no index at ${file}` })
    })
    // Opening a FIFO would block until someone writes to it.
    if (!info.isFile()) return yield* new BadArgument({ reason: `${file} is not a regular file` })
    const size = info.size
    const bar = progressBar("counting", !json)
    const counts = yield* Effect.tryPromise({
      try: () => countIndex(file, 16 * 1024 * 1024, (bytes) => bar.update(bytes / Math.max(1, size))),
      catch: (error) => new BadArgument({ reason: `cannot read ${file}: ${String(error)}` })
    }).pipe(Effect.ensuring(bar.done))
    const reader = yield* IndexReader
    // The first lookup starts the worker pool; time the second, a scan as a warm app sees it.
    yield* reader.findNamesByIds([crypto.randomUUID()])
    const started = performance.now()
    yield* reader.findNamesByIds([crypto.randomUUID()])
    const scanMs = performance.now() - started
    const result = { path: file, ...counts, fullScanMs: Math.round(scanMs * 10) / 10 }
    if (json) return yield* printJson(result)
    yield* Console.log(
      table([
        ["path", file],
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

const gen = Command.make(
  "gen",
  {
    json,
    file: Args.text({ name: "FILE" }).pipe(Args.withDescription("Where to write the index (overwritten)")),
    size: Options.text("size").pipe(Options.withDefault("256MiB"), Options.withDescription("e.g. 64MiB, 1GiB")),
    seed: Options.integer("seed").pipe(Options.withDefault(1))
  },
  ({ file, json, seed, size }) =>
    Effect.gen(function* () {
      const sizeBytes = yield* Effect.try({ try: () => parseSize(size), catch: (e) => new BadArgument({ reason: String((e as Error).message) }) })
      const bar = progressBar("generating", !json)
      const started = performance.now()
      const result = yield* Effect.tryPromise({
        try: () => generateIndex({ path: file, sizeBytes, seed, onProgress: (bytes) => bar.update(bytes / sizeBytes) }),
        catch: (error) => new BadArgument({ reason: `cannot write ${file}: ${(error as Error).message}` })
      }).pipe(Effect.ensuring(bar.done))
      const seconds = (performance.now() - started) / 1000
      if (json) return yield* printJson({ file, lines: result.lines, distinctIds: result.distinctIds, badLines: result.badLines, bytes: result.bytes, seconds })
      yield* Console.log(`${file}: ${result.bytes} bytes, ${result.lines} lines, ${result.distinctIds} threads, ${result.badLines} irregular lines: bad, blank or non-canonical (${seconds.toFixed(1)} s)`)
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
  { codexHome, json, dryRun: Options.boolean("dry-run").pipe(Options.withDescription("Only report what it would do")) },
  ({ codexHome, dryRun, json }) =>
    Effect.gen(function* () {
      const writer = yield* IndexWriter
      const result = yield* writer.compact({ dryRun })
      if (json) return yield* printJson({ dryRun, ...result })
      const saved = result.bytesBefore - result.bytesAfter
      yield* Console.log(
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

const root = Command.make("session-index").pipe(
  Command.withDescription("Read and write Codex CLI's session_index.jsonl, fast."),
  Command.withSubcommands([name, id, names, pathCommand, rename, list, compact, stats, gen])
)

const cli = Command.run(root, { name: "session-index", version })

/** Exit status: 0 answered, 1 nothing found, 2 bad usage or a typed error. */
const exitCode = (cause: Cause.Cause<unknown>): number => {
  const failure = Cause.failureOption(cause)
  if (Option.isSome(failure) && failure.value instanceof NotFound) return 1
  return 2
}

const report = (cause: Cause.Cause<unknown>) =>
  Effect.sync(() => {
    const failure = Cause.failureOption(cause)
    // @effect/cli has already printed its own usage errors.
    if (Option.isSome(failure) && ValidationError.isValidationError(failure.value)) return
    const error = Option.isSome(failure) ? failure.value : Cause.squash(cause)
    const text = error instanceof Error ? error.message : String(error)
    process.stderr.write(`session-index: ${text.split("\n")[0]}\n`)
  })

/**
 * Ctrl-C or SIGTERM interrupts the running command: a rewrite in progress removes its temp
 * file and leaves the index as it was (or, past its point of no return, finishes first). The
 * runtime turns either signal into an interruption; this remembers which one it was.
 */
let signal: "SIGINT" | "SIGTERM" | undefined
const signals = ["SIGINT", "SIGTERM"] as const
const noteSignal = (name: (typeof signals)[number]) => () => {
  signal ??= name
  // A second signal then ends the process at once, as the runtime no longer listens either.
  for (const other of signals) process.removeListener(other, listeners[other])
}
const listeners = { SIGINT: noteSignal("SIGINT"), SIGTERM: noteSignal("SIGTERM") }
for (const name of signals) process.on(name, listeners[name])

cli(process.argv).pipe(
  Effect.exit,
  Effect.flatMap((exit) =>
    Exit.isSuccess(exit)
      ? Effect.void
      : Effect.zipRight(report(exit.cause), Effect.sync(() => (process.exitCode = exitCode(exit.cause))))
  ),
  // stdout carries answers (and JSON); warnings go to stderr.
  Effect.provide(Layer.mergeAll(NodeContext.layer, Logger.replace(Logger.defaultLogger, Logger.withConsoleError(Logger.logfmtLogger)))),
  NodeRuntime.runMain({
    disableErrorReporting: true,
    disablePrettyLogger: true,
    teardown: (exit, onExit) => {
      if (signal !== undefined && Exit.isFailure(exit) && Cause.isInterruptedOnly(exit.cause)) {
        process.stderr.write(`session-index: interrupted by ${signal}\n`)
        return onExit(signal === "SIGINT" ? 130 : 143)
      }
      onExit(Exit.isFailure(exit) ? 2 : 0)
    }
  })
)
