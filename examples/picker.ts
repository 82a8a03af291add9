/**
 * What a resume picker shows: the newest named threads, and the names of a page of sessions.
 *
 *   node picker.js [codexHome]
 *
 * With a Codex home (the argument, else `EXAMPLE_CODEX_HOME`) it only reads. Without one it
 * makes a scratch home and fills it first: 30 named threads, a few renames, rollout files.
 */
import { NodeRuntime } from "@effect/platform-node"
import { Chunk, Console, Effect, Stream } from "effect"
import * as fs from "node:fs"
import * as os from "node:os"
import * as path from "node:path"
import { IndexReader, IndexWriter, NodeSessionIndex } from "session-index"

const PAGE = 25
const SESSIONS_PAGE = 10

/** The ids of the newest rollout files under `sessions/` (what Codex's picker lists), newest first. */
const newestSessions = (codexHome: string, n: number): Array<string> => {
  const root = path.join(codexHome, "sessions")
  if (!fs.existsSync(root)) return []
  const rollout = /^rollout-(.+)-([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})\.jsonl$/i
  return fs
    .readdirSync(root, { recursive: true, encoding: "utf8" })
    .map((file) => rollout.exec(path.basename(file)))
    .filter((match): match is RegExpExecArray => match !== null)
    .sort((a, b) => b[1]!.localeCompare(a[1]!)) // the timestamp in the name
    .slice(0, n)
    .map((match) => match[2]!)
}

const picker = Effect.gen(function* () {
  const reader = yield* IndexReader
  yield* Console.log(`index ${reader.path}`)

  // Newest first, one entry per thread; reads only as much of the file as the page needs.
  const latest = yield* reader.latestEntries.pipe(Stream.take(PAGE), Stream.runCollect)
  yield* Console.log(`\nnewest named threads (latestEntries, first ${PAGE}): ${latest.length}`)
  for (const [i, entry] of Chunk.toArray(latest).entries()) {
    yield* Console.log(`${String(i + 1).padStart(3)}. ${entry.id}  ${entry.updated_at.padEnd(24)}  ${entry.thread_name}`)
  }

  // A page of sessions needs its names: one scan for the whole page, keyed by lowercase id.
  const page = newestSessions(path.dirname(reader.path), SESSIONS_PAGE)
  const names = yield* reader.findNamesByIds(page)
  yield* Console.log(`\nnames of the ${page.length} newest sessions (findNamesByIds): ${names.size} named`)
  for (const id of page) {
    yield* Console.log(`     ${id}  ${names.get(id.toLowerCase()) ?? "(no name)"}`)
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
  // Rollout files of threads 22..31; 30 and 31 never got a name.
  for (let n = 22; n < 32; n++) {
    const dir = path.join(home, "sessions", "2026", "02", "03")
    fs.mkdirSync(dir, { recursive: true })
    fs.writeFileSync(path.join(dir, `rollout-2026-02-03T16-${String(n).padStart(2, "0")}-00-${id(n)}.jsonl`), "")
  }
})

const given = process.argv[2] ?? process.env["EXAMPLE_CODEX_HOME"]
const codexHome = given ?? fs.mkdtempSync(path.join(os.tmpdir(), "codex-home-"))
const program = given === undefined ? Effect.zipRight(seed, picker) : picker

NodeRuntime.runMain(program.pipe(Effect.provide(NodeSessionIndex.layer({ codexHome }))))
