import { Console, Effect, Option, Stream } from "effect"
import * as fs from "node:fs"
import * as os from "node:os"
import * as path from "node:path"
import { IndexReader, IndexWriter, NodeSessionIndex } from "session-index"

// The Codex home: the first argument, else a new scratch directory (so your ~/.codex is untouched).
const codexHome = process.argv[2] ?? fs.mkdtempSync(path.join(os.tmpdir(), "codex-home-"))

const program = Effect.gen(function* () {
  const writer = yield* IndexWriter
  const reader = yield* IndexReader

  yield* writer.appendThreadName("0194f7c2-3b1d-7c4e-9a51-2f0e8d6b1a23", "fix flaky ci")

  const name = yield* reader.findNameById("0194f7c2-3b1d-7c4e-9a51-2f0e8d6b1a23") // Option.some("fix flaky ci")
  const id = yield* reader.findIdByName("fix flaky ci") // Option.some(ThreadId)
  const page = yield* reader.latestEntries.pipe(Stream.take(25), Stream.runCollect) // a resume picker's page

  yield* Console.log(`index  ${reader.path}`)
  yield* Console.log(`name   ${Option.getOrElse(name, () => "(none)")}`)
  yield* Console.log(`id     ${Option.getOrElse(id, () => "(none)")}`)
  for (const entry of page) yield* Console.log(`latest ${entry.id}  ${entry.updated_at}  ${entry.thread_name}`)
})

// Closing the layer (when the program ends) stops its scan workers.
Effect.runPromise(program.pipe(Effect.provide(NodeSessionIndex.layer({ codexHome }))))
