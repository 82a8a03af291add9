/**
 * What a resume picker shows: the newest named threads, and the first page of threads with
 * their names, as Codex's picker lists them.
 *
 *   node picker.js [codexHome]
 *
 * With a Codex home (the argument, else `EXAMPLE_CODEX_HOME`) it only reads. Without one it
 * makes a scratch home and fills it first: 30 named threads, a few renames, rollout files.
 */
import { NodeRuntime } from "@effect/platform-node"
import { Chunk, Console, Effect, Option, Stream } from "effect"
import * as fs from "node:fs"
import * as os from "node:os"
import * as path from "node:path"
import { IndexReader, IndexWriter, NodeSessionIndex, ThreadCatalog } from "session-index"

const PAGE = 25
const THREADS_PAGE = 10

const picker = Effect.gen(function* () {
  const reader = yield* IndexReader
  yield* Console.log(`index ${reader.path}`)

  // Newest first, one entry per thread; reads only as much of the file as the page needs.
  const latest = yield* reader.latestEntries.pipe(Stream.take(PAGE), Stream.runCollect)
  yield* Console.log(`\nnewest named threads (latestEntries, first ${PAGE}): ${latest.length}`)
  for (const [i, entry] of Chunk.toArray(latest).entries()) {
    yield* Console.log(`${String(i + 1).padStart(3)}. ${entry.id}  ${entry.updated_at.padEnd(24)}  ${entry.thread_name}`)
  }

  // The picker's own page: rollouts newest first, each with its name (one lookup for the page),
  // else its first message. Only the head of each rollout is read.
  const catalog = yield* ThreadCatalog
  const page = yield* catalog.page({ sortKey: "updated_at", limit: THREADS_PAGE })
  yield* Console.log(`\nfirst page of threads (ThreadCatalog.page, ${THREADS_PAGE} a page): ${page.threads.length}, more: ${Option.isSome(page.nextCursor)}`)
  for (const thread of page.threads) {
    yield* Console.log(`     ${thread.id}  ${Option.getOrElse(thread.name, () => `(${thread.preview})`)}`)
  }
})

/** Fills a scratch Codex home, so that the example runs on its own. */
const seed = Effect.gen(function* () {
  const writer = yield* IndexWriter
  const home = path.dirname(writer.path)
  const id = (n: number) => `01950a3c-0000-7000-8000-${n.toString(16).padStart(12, "0")}`
  const at = (minute: number) => `2026-02-03T16:${String(minute).padStart(2, "0")}:00.000Z`
  for (let n = 0; n < 30; n++) {
    const name = `${["fix", "add", "bump", "port", "trim"][n % 5]} ${["ci", "parser", "docs", "release", "cache", "worker"][n % 6]}`
    yield* writer.appendEntry({ id: id(n), thread_name: name, updated_at: at(n) })
  }
  // Append order decides, not updated_at: this rename is newer than every line above.
  yield* writer.appendEntry({ id: id(7), thread_name: "review the picker", updated_at: "2025-12-31T23:59:00.000Z" })
  // A blank name carries no name: thread 10 keeps "fix cache" where it was.
  yield* writer.appendEntry({ id: id(10), thread_name: "   ", updated_at: at(31) })
  yield* writer.appendEntry({ id: id(4), thread_name: "ship the release", updated_at: at(32) })
  // Rollouts of threads 20..31, each written a minute after the last; 30 and 31 never got a name.
  const dir = path.join(home, "sessions", "2026", "02", "03")
  fs.mkdirSync(dir, { recursive: true })
  for (let n = 20; n < 32; n++) {
    const meta = { id: id(n), timestamp: at(n), cwd: "/work/app", originator: "codex_cli_rs", cli_version: "0.42.0", source: "cli" }
    const message = { type: "user_message", message: `session ${n}`, images: [] }
    const file = path.join(dir, `rollout-2026-02-03T16-${String(n).padStart(2, "0")}-00-${id(n)}.jsonl`)
    fs.writeFileSync(file, [{ type: "session_meta", payload: meta }, { type: "event_msg", payload: message }].map((line) => JSON.stringify({ timestamp: at(n), ...line }) + "\n").join(""))
    const written = Date.parse(at(n)) / 1000
    fs.utimesSync(file, written, written)
  }
})

const given = process.argv[2] ?? process.env["EXAMPLE_CODEX_HOME"]
const codexHome = given ?? fs.mkdtempSync(path.join(os.tmpdir(), "codex-home-"))
const program = given === undefined ? Effect.zipRight(seed, picker) : picker

NodeRuntime.runMain(program.pipe(Effect.provide(NodeSessionIndex.layer({ codexHome }))))
