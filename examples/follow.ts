/**
 * Follows the index: prints each named entry appended after it subscribed, by any process,
 * until it has 5 of them or a minute has passed.
 *
 *   node follow.js [codexHome]
 *
 * With a Codex home (the argument, else `EXAMPLE_CODEX_HOME`) it only reads: rename a thread
 * in Codex to see a line. Without one it makes a scratch home and renames a thread there
 * every 100 ms while it follows.
 */
import { NodeRuntime } from "@effect/platform-node"
import { Console, Effect, Stream } from "effect"
import * as fs from "node:fs"
import * as os from "node:os"
import * as path from "node:path"
import { IndexReader, IndexWriter, NodeSessionIndex } from "session-index"

const COUNT = 5
const AT_MOST = "1 minute"

const follow = Effect.gen(function* () {
  const reader = yield* IndexReader
  yield* Console.log(`following ${reader.path} for ${COUNT} entries or ${AT_MOST}`)
  const seen = yield* reader.changes.pipe(
    Stream.take(COUNT),
    Stream.interruptAfter(AT_MOST),
    Stream.tap((entry) => Console.log(`${entry.updated_at}  ${entry.id}  ${entry.thread_name}`)),
    Stream.runCount
  )
  yield* Console.log(`${seen} entries`)
})

/**
 * Renames one thread every 100 ms, forever. The feed has no "subscribed" signal: it starts
 * when the stream is first pulled, so renames made before that are (rightly) not in it.
 * Writing until the follower is done makes the example independent of that moment.
 */
const renameForever = Effect.gen(function* () {
  const writer = yield* IndexWriter
  for (let n = 1; ; n++) {
    yield* writer.appendThreadName("0194f7c2-3b1d-7c4e-9a51-2f0e8d6b1a23", `rename ${n}`)
    yield* Effect.sleep("100 millis")
  }
})

const given = process.argv[2] ?? process.env["EXAMPLE_CODEX_HOME"]
const codexHome = given ?? fs.mkdtempSync(path.join(os.tmpdir(), "codex-home-"))
// `raceFirst`: once the follower is done, the renaming fiber is interrupted.
const program = given === undefined ? Effect.raceFirst(follow, renameForever) : follow

// Ctrl-C interrupts the program; the feed's open files are closed as its scope ends.
NodeRuntime.runMain(program.pipe(Effect.provide(NodeSessionIndex.layer({ codexHome }))))
