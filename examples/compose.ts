/**
 * An application service built on the index, with its own layer and its own error.
 *
 *   node compose.js [codexHome]
 *
 * The index comes from `NodeSessionIndex.layer` when a Codex home is given as an argument,
 * else from `NodeSessionIndex.layerConfig`, reading `EXAMPLE_CODEX_HOME` and `EXAMPLE_WORKERS`
 * from the environment (a new scratch directory when `EXAMPLE_CODEX_HOME` is unset).
 * It appends one name to that index.
 */
import { NodeRuntime } from "@effect/platform-node"
import { Config, Console, Context, Data, Effect, Layer, Option } from "effect"
import * as fs from "node:fs"
import * as os from "node:os"
import * as path from "node:path"
import {
  type IndexIoError,
  type IndexLockTimeout,
  IndexReader,
  IndexWriter,
  isSessionIndexError,
  NodeSessionIndex
} from "session-index"

/** The application's own error: input the index refused, whichever way it refused it. */
class TitleRejected extends Data.TaggedError("TitleRejected")<{ readonly reason: string }> {}

/**
 * Thread titles as this application sees them. Bad input is a `TitleRejected`; failures of
 * the file or its lock stay the library's typed errors, for the caller to decide on.
 */
class Titles extends Context.Tag("example/Titles")<
  Titles,
  {
    readonly rename: (threadId: string, title: string) => Effect.Effect<void, TitleRejected | IndexIoError | IndexLockTimeout>
    readonly titleOf: (threadId: string) => Effect.Effect<string, TitleRejected | IndexIoError>
  }
>() {}

/** Builds `Titles` from the index services: this layer needs `IndexReader | IndexWriter`. */
const TitlesLive = Layer.effect(
  Titles,
  Effect.gen(function* () {
    const reader = yield* IndexReader
    const writer = yield* IndexWriter
    return {
      rename: (threadId, title) =>
        writer.appendThreadName(threadId, title).pipe(
          Effect.catchTag("InvalidThreadId", (e) => new TitleRejected({ reason: e.message })),
          Effect.catchTag("InvalidThreadName", (e) => new TitleRejected({ reason: e.message }))
        ),
      titleOf: (threadId) =>
        reader.findNameById(threadId).pipe(
          Effect.map(Option.getOrElse(() => "(untitled)")),
          Effect.catchTag("InvalidThreadId", (e) => new TitleRejected({ reason: e.message }))
        )
    }
  })
)

const scratchDir = () => fs.mkdtempSync(path.join(os.tmpdir(), "codex-home-"))

/** The index with options given in code. */
const indexAt = (codexHome: string) => NodeSessionIndex.layer({ codexHome, workers: 0 })

/** The index with options read through `Config`; a malformed value fails the layer with a `ConfigError`. */
const indexFromConfig = NodeSessionIndex.layerConfig({
  codexHome: Config.string("EXAMPLE_CODEX_HOME").pipe(Config.orElse(() => Config.sync(scratchDir))),
  workers: Config.integer("EXAMPLE_WORKERS").pipe(Config.withDefault(0))
})

/** `Titles`, with the index services kept visible to the program too. */
const appLayer = <E>(index: Layer.Layer<IndexReader | IndexWriter, E>) => TitlesLive.pipe(Layer.provideMerge(index))

const THREAD = "0194f7c2-3b1d-7c4e-9a51-2f0e8d6b1a23"

/** Runs one step and prints its result; a `TitleRejected` is printed, anything else goes on. */
const step = <A>(label: string, effect: Effect.Effect<A, TitleRejected | IndexIoError | IndexLockTimeout, Titles>) =>
  effect.pipe(
    Effect.flatMap((value) => Console.log(value === undefined ? `${label}: ok` : `${label}: ${JSON.stringify(value)}`)),
    Effect.catchTag("TitleRejected", (e) => Console.log(`${label}: rejected: ${e.reason}`))
  )

const program = Effect.gen(function* () {
  const titles = yield* Titles
  yield* Console.log(`index ${(yield* IndexReader).path}`)
  yield* step("rename", titles.rename(THREAD, "  fix flaky ci  "))
  yield* step("title", titles.titleOf(THREAD))
  yield* step("title by uppercase id", titles.titleOf(THREAD.toUpperCase()))
  yield* step("rename to blank", titles.rename(THREAD, "   "))
  yield* step("title of a bad id", titles.titleOf("not-a-thread-id"))
  yield* step("title of an unnamed thread", titles.titleOf("00000000-0000-4000-8000-000000000000"))
})

/**
 * A real I/O failure, typed: a Codex home whose `session_index.jsonl` is a directory. Every
 * error of the library answers `isSessionIndexError`, whatever its tag.
 */
const brokenHome = () => {
  const home = scratchDir()
  fs.mkdirSync(path.join(home, "session_index.jsonl"))
  return home
}
const failure = Effect.flatMap(Titles, (titles) => step("title in a broken home", titles.titleOf(THREAD))).pipe(
  Effect.catchIf(isSessionIndexError, (e) => Console.log(`title in a broken home: ${e._tag}: ${e.message}`)),
  Effect.provide(appLayer(indexAt(brokenHome())))
)

const argument = process.argv[2]
const index = argument === undefined ? indexFromConfig : indexAt(argument)

// `runMain` reports anything left (a `ConfigError` from a malformed EXAMPLE_WORKERS, an
// `IndexLockTimeout`, ...) on stderr and exits with code 1.
NodeRuntime.runMain(Effect.zipRight(program.pipe(Effect.provide(appLayer(index))), failure))
