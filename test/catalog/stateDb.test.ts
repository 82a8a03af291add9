/**
 * Names from Codex's database (`state_5.sqlite`), on databases made here with the same reader
 * (sql.js) and write-ahead logs written here frame by frame: the log's committed frames are
 * read over the database file (torn, uncommitted, reset and foreign-salted frames are not), the
 * files are never written, and the catalog names threads by Codex 0.169's rules. The real
 * Codex's files (a log of a running app-server included) are in test/interop/catalog.test.ts.
 */
import { describe, expect, it } from "@effect/vitest"
import { Effect, Layer, Logger, LogLevel, Option } from "effect"
import { createHash } from "node:crypto"
import * as fs from "node:fs"
import * as os from "node:os"
import * as path from "node:path"
import { afterAll, beforeAll } from "vitest"
import { committedImage, loadSqlJs, readSnapshot, StateDb, stateDbPath, walCommit } from "../../src/internal/catalog/stateDb.js"
import { rustTrim } from "../../src/internal/catalog/head.js"
import { layerWith } from "../../src/internal/layer.js"
import { ThreadCatalog, type ThreadSummary } from "../../src/index.js"
import { databaseBytes, type DbRow, loadMaker, PAGE, transaction, walBytes, walMode } from "../helpers/stateDb.js"

beforeAll(loadMaker)

const temporaries: Array<string> = []
const tempDir = () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "si-statedb-"))
  temporaries.push(dir)
  return dir
}
afterAll(() => {
  for (const dir of temporaries.splice(0)) fs.rmSync(dir, { recursive: true, force: true })
})

const uuid = (n: number) => `0194f7c2-3b1d-7c4e-9a51-${n.toString(16).padStart(12, "0")}`

// ---------------------------------------------------------------------------------------------
// Helpers (the databases and logs are made by test/helpers/stateDb.ts)

/** Each file of a folder with its size, modification time and hash. */
const folderState = (dir: string) =>
  Object.fromEntries(
    fs.readdirSync(dir).sort().map((name) => {
      const stat = fs.statSync(path.join(dir, name), { bigint: true })
      if (stat.isDirectory()) return [name, "folder"]
      return [name, `${stat.size} ${stat.mtimeNs} ${createHash("sha256").update(fs.readFileSync(path.join(dir, name))).digest("hex")}`]
    })
  )

/** Which of the versions an image is (the header aside: its first 100 bytes differ by design). */
const version = (image: Uint8Array, versions: Record<string, Uint8Array>): string =>
  Object.entries(versions).find(([, bytes]) => bytes.length === image.length && Buffer.from(bytes).subarray(100).equals(Buffer.from(image).subarray(100)))?.[0] ?? "none of them"

const namesFrom = (lookup: Awaited<ReturnType<StateDb["lookup"]>>) => (lookup.names === undefined ? undefined : Object.fromEntries(lookup.names))

/** The three versions of one database: made, renamed once, renamed again (plus a new thread). */
const versions = () => {
  const rows: Array<DbRow> = [
    { id: uuid(1), title: "hello one", name: null },
    { id: uuid(2), title: "hello two", name: null },
    { id: uuid(3), title: "legacy pv", name: null }
  ]
  const v1 = databaseBytes(rows)
  const v2 = databaseBytes(rows, [["UPDATE threads SET name = 'first rename' WHERE id = ?", [uuid(1)]]])
  const v3 = databaseBytes(rows, [
    ["UPDATE threads SET name = 'first rename' WHERE id = ?", [uuid(1)]],
    ["UPDATE threads SET name = 'second rename' WHERE id = ?", [uuid(1)]],
    ["UPDATE threads SET title = 'legacy title' WHERE id = ?", [uuid(3)]],
    ["INSERT INTO threads (id, title, first_user_message, name, history_mode) VALUES (?, ?, ?, ?, 'paginated')", [uuid(4), "new", "new", "x".repeat(9000)]]
  ])
  return { v1, v2, v3 }
}

// ---------------------------------------------------------------------------------------------

describe("the write-ahead log", () => {
  it("its committed frames are laid over the database: the newest copy of each page, up to the last commit", () => {
    const { v1, v2, v3 } = versions()
    const frames = [...transaction(v1, v2), ...transaction(v2, v3)]
    expect(v3.length).toBeGreaterThan(v1.length) // the second transaction grows the database
    const wal = walBytes(frames)
    const commit = walCommit(wal)!
    expect(commit.pages).toBe(v3.length / PAGE)
    expect(version(committedImage(walMode(v1), wal)!, { v1, v2, v3 })).toBe("v3")
    // Only the first transaction's frames: the second version.
    expect(version(committedImage(walMode(v1), walBytes(transaction(v1, v2)))!, { v1, v2, v3 })).toBe("v2")
    // Big-endian checksums (a log written on such a machine) read the same.
    expect(version(committedImage(walMode(v1), walBytes(frames, { bigEndian: true }))!, { v1, v2, v3 })).toBe("v3")
  })

  it("stops where SQLite's recovery stops: an uncommitted tail, a torn frame, a bad checksum, other salts", () => {
    const { v1, v2, v3 } = versions()
    const first = transaction(v1, v2)
    const second = transaction(v2, v3)
    const asOf = (wal: Buffer) => version(committedImage(walMode(v1), wal)!, { v1, v2, v3 })
    const v2Body = "v2"
    // The second transaction without its commit frame.
    expect(asOf(walBytes([...first, ...second.slice(0, -1)]))).toBe(v2Body)
    // Its commit frame torn (the file ends inside it).
    const whole = walBytes([...first, ...second])
    expect(asOf(whole.subarray(0, whole.length - 100))).toBe(v2Body)
    // A frame with a wrong checksum ends the log there, even before a later commit.
    expect(asOf(walBytes([...first, { ...second[0]!, corrupt: true }, ...second.slice(1)]))).toBe(v2Body)
    // Frames of an older log (before a reset) beyond the new one's.
    expect(asOf(walBytes([...first, ...second.map((f) => ({ ...f, salts: [1, 2] as const }))]))).toBe(v2Body)
    // A log without a valid header, or without a commit, is no log: the database file alone.
    const broken = walBytes([...first, ...second])
    broken[5] ^= 1
    expect(walCommit(broken)).toBeUndefined()
    expect(walCommit(walBytes(first.slice(0, -1)))).toBeUndefined()
    expect(walCommit(Buffer.alloc(0))).toBeUndefined()
    expect(asOf(broken)).toBe("v1")
  })
})

describe("StateDb", () => {
  it("names: the name column as it is, a title only when not empty nor the first user message (after trimming, as Rust trims)", async () => {
    const dir = tempDir()
    const file = path.join(dir, "state_5.sqlite")
    fs.writeFileSync(
      file,
      databaseBytes([
        { id: uuid(1), title: "pv", name: "named" },
        { id: uuid(2), title: "  pv2  ", name: "  padded name " },
        { id: uuid(3), title: "renamed", first: "first message" },
        { id: uuid(4), title: " same\u00a0", first: "same" },
        { id: uuid(5), title: "", first: "[Image]" },
        { id: uuid(6), title: "  spaced title\n", first: "other" },
        { id: uuid(7), title: "unnamed" },
        { id: uuid(8), title: "t", first: "t", name: "" },
        { id: uuid(9).toUpperCase(), title: "upper", first: "x" }
      ])
    )
    const db = new StateDb(file)
    // (The upper-case id is not Codex's spelling: it looks threads up in lower case.)
    expect(namesFrom(await db.lookup())).toEqual({
      [uuid(1)]: { name: "named", title: undefined },
      [uuid(2)]: { name: "  padded name ", title: undefined },
      [uuid(3)]: { name: undefined, title: "renamed" },
      [uuid(6)]: { name: undefined, title: "spaced title" },
      [uuid(8)]: { name: "", title: undefined },
      [uuid(9).toUpperCase()]: { name: undefined, title: "upper" }
    })
    expect(rustTrim("\ufeff x \u3000")).toBe("\ufeff x")
    db.close()
  })

  it("reads a database whose content is in its log only, never writes beside it, and reads it again only when the files change", async () => {
    const { v1, v2, v3 } = versions()
    const dir = tempDir()
    const file = path.join(dir, "state_5.sqlite")
    // As a fresh Codex home is while Codex runs: the database file a bare header, all else in the log.
    fs.writeFileSync(file, walMode(v1).subarray(0, PAGE))
    fs.writeFileSync(`${file}-shm`, Buffer.alloc(32768, 7))
    const whole = transaction(new Uint8Array(), v1)
    fs.writeFileSync(`${file}-wal`, walBytes(whole))
    let loads = 0
    const db = new StateDb(file, { load: () => (loads++, loadSqlJs()) })
    let before = folderState(dir)
    expect(namesFrom(await db.lookup())).toEqual({})
    expect(folderState(dir)).toEqual(before)
    // A rename appended to the log.
    fs.writeFileSync(`${file}-wal`, walBytes([...whole, ...transaction(v1, v2)]))
    before = folderState(dir)
    expect(namesFrom(await db.lookup())).toEqual({ [uuid(1)]: { name: "first rename", title: undefined } })
    expect(await db.lookup()).toEqual({ names: new Map([[uuid(1), { name: "first rename", title: undefined }]]), warning: undefined })
    // Then a checkpoint (the database file holds the second version) and a reset log with the third.
    fs.writeFileSync(file, walMode(v2))
    fs.writeFileSync(`${file}-wal`, walBytes(transaction(v2, v3), { salts: [99, 98] }))
    before = folderState(dir)
    const third = {
      [uuid(1)]: { name: "second rename", title: undefined },
      [uuid(3)]: { name: undefined, title: "legacy title" },
      [uuid(4)]: { name: "x".repeat(9000), title: undefined }
    }
    expect(namesFrom(await db.lookup())).toEqual(third)
    expect(folderState(dir)).toEqual(before)
    expect(fs.readdirSync(dir).sort()).toEqual(["state_5.sqlite", "state_5.sqlite-shm", "state_5.sqlite-wal"])
    // Codex ended cleanly: checkpointed, the log and its index removed.
    fs.writeFileSync(file, v3)
    fs.rmSync(`${file}-wal`)
    fs.rmSync(`${file}-shm`)
    expect(namesFrom(await db.lookup())).toEqual(third)
    expect(loads).toBe(1) // sql.js, once per reader
    db.close()
  })

  it("unchanged files are not read again", async () => {
    const dir = tempDir()
    const file = path.join(dir, "state_5.sqlite")
    fs.writeFileSync(file, databaseBytes([{ id: uuid(1), title: "t", name: "n" }]))
    const db = new StateDb(file)
    for (let i = 0; i < 3; i++) expect(namesFrom(await db.lookup())).toEqual({ [uuid(1)]: { name: "n", title: undefined } })
    expect(db.reads).toBe(1)
    // Same size, new modification time: read again.
    fs.utimesSync(file, new Date(), new Date(Date.now() + 5000))
    await db.lookup()
    expect(db.reads).toBe(2)
    db.close()
  })

  it("no database: no names, no warning, and sql.js is not loaded", async () => {
    let loads = 0
    const db = new StateDb(path.join(tempDir(), "state_5.sqlite"), { load: () => (loads++, loadSqlJs()) })
    expect(await db.lookup()).toEqual({ names: undefined, warning: undefined })
    expect(loads).toBe(0)
  })

  it("a corrupt database, another schema, or one mid-write (hot journal): no names, one warning, and read again once it changes", async () => {
    const dir = tempDir()
    const file = path.join(dir, "state_5.sqlite")
    const db = new StateDb(file)
    fs.writeFileSync(file, Buffer.from("not a database at all, not even close ".repeat(200)))
    const first = await db.lookup()
    expect(first.names).toBeUndefined()
    expect(first.warning).toMatch(/state_5\.sqlite: not a SQLite database/)
    // A database cut short: the b-tree points past its end.
    const good = databaseBytes([{ id: uuid(1), title: "t", name: "n" }])
    fs.writeFileSync(file, good.subarray(0, 8 * PAGE))
    expect(await db.lookup()).toEqual({ names: undefined, warning: undefined }) // said once
    // Another schema (no name column).
    fs.writeFileSync(file, databaseBytes([], [], "CREATE TABLE threads (id TEXT PRIMARY KEY, title TEXT NOT NULL, first_user_message TEXT NOT NULL DEFAULT '')"))
    expect((await db.lookup()).names).toBeUndefined()
    // A hot rollback journal: a write in progress, the database not read until it is over.
    fs.writeFileSync(file, good)
    fs.writeFileSync(`${file}-journal`, Buffer.alloc(512, 1))
    expect((await db.lookup()).names).toBeUndefined()
    fs.rmSync(`${file}-journal`)
    expect(namesFrom(await db.lookup())).toEqual({ [uuid(1)]: { name: "n", title: undefined } })
    db.close()
    // A fresh reader warns again, once, for a database of another schema.
    fs.writeFileSync(file, databaseBytes([], [], "CREATE TABLE threads (id TEXT PRIMARY KEY, title TEXT NOT NULL, first_user_message TEXT NOT NULL DEFAULT '')"))
    const other = new StateDb(file)
    expect((await other.lookup()).warning).toMatch(/no such column: name/)
    expect((await other.lookup()).warning).toBeUndefined()
    other.close()
  })

  it("a database too large to hold in memory is not read", () => {
    const dir = tempDir()
    const file = path.join(dir, "state_5.sqlite")
    fs.writeFileSync(file, databaseBytes([]))
    fs.writeFileSync(`${file}-wal`, Buffer.alloc(1000))
    const size = fs.statSync(file).size
    expect(readSnapshot(file, size + 1000)?.db.length).toBe(size)
    expect(() => readSnapshot(file, size + 999)).toThrow(/too large to read/)
  })

  it("an empty file (Codex creating it) names nothing, without a warning", async () => {
    const dir = tempDir()
    fs.writeFileSync(path.join(dir, "state_5.sqlite"), "")
    expect(await new StateDb(path.join(dir, "state_5.sqlite")).lookup()).toEqual({ names: new Map(), warning: undefined })
  })

  it("where: sqlite_home of config.toml (relative to CODEX_HOME), else CODEX_SQLITE_HOME, else CODEX_HOME", () => {
    expect(stateDbPath("/h", undefined, {})).toBe("/h/state_5.sqlite")
    expect(stateDbPath("/h", undefined, { CODEX_SQLITE_HOME: "/s" })).toBe("/s/state_5.sqlite")
    expect(stateDbPath("/h", "/c", { CODEX_SQLITE_HOME: "/s" })).toBe("/c/state_5.sqlite")
    expect(stateDbPath("/h", "db", {})).toBe("/h/db/state_5.sqlite")
    expect(stateDbPath("/h", " ", { CODEX_SQLITE_HOME: "" })).toBe("/h/state_5.sqlite")
    expect(stateDbPath("/h", "~/db", {})).toBe(path.join(os.homedir(), "db", "state_5.sqlite"))
  })
})

// ---------------------------------------------------------------------------------------------
// The catalog's names

const rolloutLines = (id: string, preview: string, historyMode: "legacy" | "paginated") => [
  JSON.stringify({
    timestamp: "2025-01-14T21:06:17.522Z",
    type: "session_meta",
    payload: { id, timestamp: "2025-01-14T21:06:17Z", cwd: "/work", originator: "codex_cli_rs", cli_version: "0.169.0", source: "cli", history_mode: historyMode }
  }),
  JSON.stringify({ timestamp: "t", type: "event_msg", payload: { type: "user_message", message: preview, images: [] } })
]

interface Thread {
  readonly n: number
  readonly mode: "legacy" | "paginated"
  readonly preview: string
  readonly index?: string
  readonly db?: { readonly title?: string; readonly first?: string; readonly name?: string }
}

const catalogHome = (threads: ReadonlyArray<Thread>, database: "none" | "wal" | "file" | Uint8Array) => {
  const home = tempDir()
  const dir = path.join(home, "sessions", "2025", "01", "14")
  fs.mkdirSync(dir, { recursive: true })
  for (const t of threads) {
    const file = path.join(dir, `rollout-2025-01-14T10-00-${String(t.n).padStart(2, "0")}-${uuid(t.n)}.jsonl`)
    fs.writeFileSync(file, rolloutLines(uuid(t.n), t.preview, t.mode).join("\n") + "\n")
    fs.utimesSync(file, 1_736_900_000 + t.n, 1_736_900_000 + t.n)
  }
  fs.writeFileSync(
    path.join(home, "session_index.jsonl"),
    threads.filter((t) => t.index !== undefined).map((t) => JSON.stringify({ id: uuid(t.n), thread_name: t.index, updated_at: "2025-01-14T21:06:17Z" }) + "\n").join("")
  )
  const file = path.join(home, "state_5.sqlite")
  if (database instanceof Uint8Array) {
    fs.writeFileSync(file, database)
  } else if (database !== "none") {
    const bytes = databaseBytes(
      threads.filter((t) => t.db !== undefined).map((t) => ({ id: uuid(t.n), title: t.db!.title ?? t.preview, first: t.db!.first ?? t.preview, name: t.db!.name ?? null }))
    )
    if (database === "file") {
      fs.writeFileSync(file, bytes)
    } else {
      fs.writeFileSync(file, walMode(bytes).subarray(0, PAGE))
      fs.writeFileSync(`${file}-wal`, walBytes(transaction(new Uint8Array(), bytes)))
    }
  }
  return home
}

/** The names of the catalog's listing, by thread number, and the warnings it logged. */
const listedNames = (home: string) =>
  Effect.gen(function* () {
    const warnings: Array<string> = []
    const logger = Logger.make(({ logLevel, message }) => {
      if (logLevel === LogLevel.Warning) warnings.push(String(Array.isArray(message) ? message.join(" ") : message))
    })
    const names = yield* Effect.flatMap(ThreadCatalog, (catalog) =>
      Effect.gen(function* () {
        const first = yield* catalog.page({ limit: 100 })
        const second = yield* catalog.page({ limit: 100 }) // a second page: no second warning
        expect(second.threads.map((t) => t.name)).toEqual(first.threads.map((t) => t.name))
        return first.threads
      })
    ).pipe(Effect.provide(Layer.merge(layerWith({ codexHome: home, workers: 0 }), Logger.replace(Logger.defaultLogger, logger))))
    const byNumber = Object.fromEntries(names.map((t: ThreadSummary) => [parseInt(t.id.slice(-12), 16), Option.getOrNull(t.name)]))
    return { byNumber, warnings }
  })

const CASES: ReadonlyArray<Thread> = [
  { n: 1, mode: "paginated", preview: "p1", db: { name: "db name" }, index: "index name" },
  { n: 2, mode: "paginated", preview: "p2", db: { name: "p2" } },
  { n: 3, mode: "paginated", preview: "p3", index: "ignored" },
  { n: 4, mode: "paginated", preview: "p4", db: {}, index: "ignored too" },
  { n: 5, mode: "legacy", preview: "l5", db: { title: "db title", first: "l5" }, index: "index name" },
  { n: 6, mode: "legacy", preview: "l6", db: {}, index: "index name 6" },
  { n: 7, mode: "legacy", preview: "l7", db: { title: " l7 ", first: "l7 full message" }, index: "not used" },
  { n: 8, mode: "legacy", preview: "l8", index: "l8" },
  { n: 9, mode: "legacy", preview: "l9", index: "named 9" },
  { n: 10, mode: "legacy", preview: "[Image]", db: { title: "", first: "" }, index: "image named" }
]

describe("the catalog's names", () => {
  it.effect("paginated threads: the database's name only, even when equal to the preview; legacy: a distinct database title, else the index, none when equal to the preview", () =>
    Effect.gen(function* () {
      const expected = { 1: "db name", 2: "p2", 3: null, 4: null, 5: "db title", 6: "index name 6", 7: null, 8: null, 9: "named 9", 10: "image named" }
      for (const database of ["wal", "file"] as const) {
        const home = catalogHome(CASES, database)
        const before = folderState(home)
        const { byNumber, warnings } = yield* listedNames(home)
        expect(byNumber).toEqual(expected)
        expect(warnings).toEqual([])
        expect(folderState(home)).toEqual(before)
      }
    }))

  it.effect("the database where config.toml's sqlite_home puts it", () =>
    Effect.gen(function* () {
      const home = catalogHome(CASES, "file")
      fs.mkdirSync(path.join(home, "db"))
      fs.renameSync(path.join(home, "state_5.sqlite"), path.join(home, "db", "state_5.sqlite"))
      fs.writeFileSync(path.join(home, "config.toml"), `sqlite_home = "db"\n`)
      const { byNumber } = yield* listedNames(home)
      expect([byNumber[1], byNumber[5]]).toEqual(["db name", "db title"])
    }))

  it.effect("without a database, paginated threads have no name and legacy ones their index name", () =>
    Effect.gen(function* () {
      const { byNumber, warnings } = yield* listedNames(catalogHome(CASES, "none"))
      expect(byNumber).toEqual({ 1: null, 2: null, 3: null, 4: null, 5: "index name", 6: "index name 6", 7: "not used", 8: null, 9: "named 9", 10: "image named" })
      expect(warnings).toEqual([])
    }))

  it.effect("a database that cannot be read lists as none, with one warning", () =>
    Effect.gen(function* () {
      const { byNumber, warnings } = yield* listedNames(catalogHome(CASES, Buffer.from("SQLite format 3\0".padEnd(4096, "x"))))
      expect(byNumber).toEqual({ 1: null, 2: null, 3: null, 4: null, 5: "index name", 6: "index name 6", 7: "not used", 8: null, 9: "named 9", 10: "image named" })
      expect(warnings).toHaveLength(1)
      expect(warnings[0]).toMatch(/listing without Codex's database .*state_5\.sqlite/)
    }))
})
