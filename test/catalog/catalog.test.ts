/**
 * The catalog over small hand-made homes: which files are listed, in which order, paging
 * without loss or repeats, filters, names from the index, and remembered summaries.
 */
import { describe, expect, it } from "@effect/vitest"
import { Chunk, Effect, Layer, Logger, Option, Stream } from "effect"
import { execFileSync } from "node:child_process"
import * as fs from "node:fs"
import * as os from "node:os"
import * as path from "node:path"
import { layerWith } from "../../src/internal/layer.js"
import { InvalidCursor, type PageOptions, ThreadCatalog, type ThreadSummary } from "../../src/index.js"

interface Rollout {
  readonly id: string
  /** `YYYY-MM-DDThh-mm-ss`, also the folder day unless `day` says otherwise. */
  readonly stamp: string
  readonly day?: string
  readonly archived?: boolean
  readonly mtimeMs: number
  readonly preview?: string | undefined
  readonly meta?: Record<string, unknown>
  readonly before?: ReadonlyArray<string>
  readonly eol?: string
}

const uuid = (n: number) => `0194f7c2-3b1d-7c4e-9a51-${n.toString(16).padStart(12, "0")}`

const metaLine = (r: Rollout) =>
  JSON.stringify({
    timestamp: "2025-01-14T21:06:17.522Z",
    type: "session_meta",
    payload: { id: r.id, timestamp: `${r.stamp.slice(0, 10)}T${r.stamp.slice(11).replace(/-/g, ":")}Z`, cwd: "/work", originator: "codex_cli_rs", cli_version: "0.169.0", source: "cli", ...r.meta }
  })
const userLine = (message: string) => JSON.stringify({ timestamp: "t", type: "event_msg", payload: { type: "user_message", message, images: [] } })

const writeRollout = (home: string, r: Rollout) => {
  const [y, m, d] = (r.day ?? r.stamp.slice(0, 10)).split("-")
  const dir = r.archived ? path.join(home, "archived_sessions") : path.join(home, "sessions", y!, m!, d!)
  fs.mkdirSync(dir, { recursive: true })
  const file = path.join(dir, `rollout-${r.stamp}-${r.id}.jsonl`)
  const lines = [...(r.before ?? []), metaLine(r), ...(r.preview === undefined ? [] : [userLine(r.preview)])]
  const eol = r.eol ?? "\n"
  fs.writeFileSync(file, lines.join(eol) + eol)
  fs.utimesSync(file, r.mtimeMs / 1000, r.mtimeMs / 1000)
  return file
}

const makeHome = (rollouts: ReadonlyArray<Rollout>, index: ReadonlyArray<[string, string]> = []) => {
  const home = fs.mkdtempSync(path.join(os.tmpdir(), "si-catalog-"))
  for (const r of rollouts) writeRollout(home, r)
  fs.writeFileSync(
    path.join(home, "session_index.jsonl"),
    index.map(([id, name]) => JSON.stringify({ id, thread_name: name, updated_at: "2025-01-14T21:06:17Z" }) + "\n").join("")
  )
  return home
}

const withCatalog = <A, E>(home: string, body: (catalog: ThreadCatalog["Type"]) => Effect.Effect<A, E>, options: { readonly watch?: boolean } = {}) =>
  Effect.flatMap(ThreadCatalog, body).pipe(
    Effect.provide(layerWith({ codexHome: home, workers: 0, ...options })),
    Effect.ensuring(Effect.sync(() => fs.rmSync(home, { recursive: true, force: true })))
  )

const all = (catalog: ThreadCatalog["Type"], options?: PageOptions) => Effect.map(Stream.runCollect(catalog.threads(options)), Chunk.toArray)

/** Every page, following cursors. */
const paged = (catalog: ThreadCatalog["Type"], options: PageOptions) =>
  Effect.gen(function* () {
    const out: Array<ThreadSummary> = []
    let cursor: string | undefined
    for (let pages = 0; pages < 1000; pages++) {
      const page = yield* catalog.page({ ...options, cursor })
      out.push(...page.threads)
      if (Option.isNone(page.nextCursor)) return out
      cursor = page.nextCursor.value
    }
    throw new Error("cursor loop")
  })

const ids = (threads: ReadonlyArray<ThreadSummary>) => threads.map((t) => t.id)

describe("ThreadCatalog", () => {
  it.effect("orders as Codex pages: mtime then id (updated_at, asc its reverse); folders, name and id (created_at desc); name and id (created_at asc)", () => {
    const rollouts: Array<Rollout> = [
      { id: uuid(1), stamp: "2025-01-14T10-00-00", mtimeMs: 5000, preview: "a" },
      { id: uuid(2), stamp: "2025-01-14T10-00-00", mtimeMs: 5000, preview: "b" },
      { id: uuid(3), stamp: "2025-01-15T09-00-00", mtimeMs: 1000, preview: "c" },
      // Filed under day 9 of month 2 while named earlier: folders order first, numerically.
      { id: uuid(4), stamp: "2024-12-31T23-00-00", day: "2025-2-9", mtimeMs: 3000, preview: "d" },
      { id: uuid(5), stamp: "2025-01-14T11-00-00", mtimeMs: 9000, preview: "e" }
    ]
    return withCatalog(makeHome(rollouts), (catalog) =>
      Effect.gen(function* () {
        expect(ids(yield* all(catalog))).toEqual([uuid(5), uuid(2), uuid(1), uuid(4), uuid(3)])
        expect(ids(yield* all(catalog, { sortKey: "created_at" }))).toEqual([uuid(4), uuid(3), uuid(5), uuid(2), uuid(1)])
        // Ascending sorts every file by its name's timestamp: the misfiled one comes first.
        expect(ids(yield* all(catalog, { sortKey: "created_at", order: "asc" }))).toEqual([uuid(4), uuid(1), uuid(2), uuid(5), uuid(3)])
        expect(ids(yield* all(catalog, { order: "asc" }))).toEqual([uuid(3), uuid(4), uuid(1), uuid(2), uuid(5)])
      })
    )
  })

  it.effect("pages of every size give the stream's rows, none lost or repeated, ties included", () => {
    const rollouts = Array.from({ length: 23 }, (_, i): Rollout => ({
      id: uuid(100 + (i % 7)), // the same id in several files: never merged
      stamp: `2025-01-${String(10 + (i % 3)).padStart(2, "0")}T10-00-${String(i).padStart(2, "0")}`,
      mtimeMs: 1000 * (i % 4),
      preview: `p${i}`
    }))
    return withCatalog(makeHome(rollouts), (catalog) =>
      Effect.gen(function* () {
        for (const sortKey of ["updated_at", "created_at"] as const) {
          for (const order of ["desc", "asc"] as const) {
            const whole = (yield* all(catalog, { sortKey, order })).map((t) => t.path)
            expect(whole).toHaveLength(23)
            for (const limit of [1, 2, 5, 22, 23, 50]) {
              expect((yield* paged(catalog, { sortKey, order, limit })).map((t) => t.path), `${sortKey} ${order} ${limit}`).toEqual(whole)
            }
          }
        }
      })
    )
  })

  it.effect("a cursor continues its walk: files added after the first page do not shift later pages", () => {
    const home = makeHome(Array.from({ length: 6 }, (_, i): Rollout => ({ id: uuid(i), stamp: `2025-01-14T10-00-0${i}`, mtimeMs: 1000 * i, preview: `p${i}` })))
    return withCatalog(home, (catalog) =>
      Effect.gen(function* () {
        const first = yield* catalog.page({ limit: 3 })
        expect(ids(first.threads)).toEqual([uuid(5), uuid(4), uuid(3)])
        writeRollout(home, { id: uuid(9), stamp: "2025-01-14T10-00-09", mtimeMs: 500, preview: "new" })
        const second = yield* catalog.page({ limit: 3, cursor: Option.getOrThrow(first.nextCursor) })
        expect(ids(second.threads)).toEqual([uuid(2), uuid(1), uuid(0)])
        expect(second.nextCursor).toEqual(Option.none())
        // A new listing sees it.
        expect(ids(yield* all(catalog))).toContain(uuid(9))
      })
    )
  })

  it.effect("a cursor from another listing, or not a cursor, is an InvalidCursor", () =>
    withCatalog(makeHome([{ id: uuid(1), stamp: "2025-01-14T10-00-00", mtimeMs: 1, preview: "a" }, { id: uuid(2), stamp: "2025-01-14T10-00-01", mtimeMs: 2, preview: "b" }]), (catalog) =>
      Effect.gen(function* () {
        const first = yield* catalog.page({ limit: 1 })
        const cursor = Option.getOrThrow(first.nextCursor)
        expect(yield* Effect.flip(catalog.page({ cursor, sortKey: "created_at" }))).toBeInstanceOf(InvalidCursor)
        expect(yield* Effect.flip(catalog.page({ cursor: "garbage" }))).toBeInstanceOf(InvalidCursor)
      })
    )
  )

  it.effect("names come from the index; a name equal to the preview is none", () => {
    const rollouts: Array<Rollout> = [
      { id: uuid(1), stamp: "2025-01-14T10-00-00", mtimeMs: 2000, preview: "fix ci" },
      { id: uuid(2), stamp: "2025-01-14T10-00-01", mtimeMs: 1000, preview: "same" }
    ]
    const index: Array<[string, string]> = [[uuid(1), "old"], [uuid(1), "ship it"], [uuid(2), "same"]]
    return withCatalog(makeHome(rollouts, index), (catalog) =>
      Effect.gen(function* () {
        const listed = yield* all(catalog)
        expect(listed.map((t) => [t.id, Option.getOrNull(t.name), t.preview])).toEqual([
          [uuid(1), "ship it", "fix ci"],
          [uuid(2), null, "same"]
        ])
        const one = Option.getOrThrow(yield* catalog.thread(uuid(1).toUpperCase()))
        expect(one).toMatchObject({ id: uuid(1), name: Option.some("ship it"), archived: false, updatedAt: 2 })
        expect(yield* catalog.thread(uuid(77))).toEqual(Option.none())
      })
    )
  })

  it.effect("a re-listing shows a rename, a name taken back, and a new default provider, though no rollout changed", () => {
    const rollouts: Array<Rollout> = [
      { id: uuid(1), stamp: "2025-01-14T10-00-00", mtimeMs: 2000, preview: "fix ci", meta: { model_provider: "openai" } },
      { id: uuid(2), stamp: "2025-01-14T10-00-01", mtimeMs: 1000, preview: "docs", meta: { model_provider: null } }
    ]
    const home = makeHome(rollouts, [[uuid(1), "first"]])
    const rename = (id: string, name: string) =>
      fs.appendFileSync(path.join(home, "session_index.jsonl"), JSON.stringify({ id, thread_name: name, updated_at: "2025-01-15T00:00:00Z" }) + "\n")
    const shown = (threads: ReadonlyArray<ThreadSummary>) => threads.map((t) => [Option.getOrNull(t.name), t.modelProvider])
    return withCatalog(home, (catalog) =>
      Effect.gen(function* () {
        expect(shown(yield* all(catalog))).toEqual([["first", "openai"], [null, "openai"]])
        rename(uuid(1), "second")
        rename(uuid(2), "named")
        expect(shown(yield* all(catalog))).toEqual([["second", "openai"], ["named", "openai"]])
        // A name equal to the preview is none again.
        rename(uuid(2), "docs")
        expect(shown(yield* all(catalog))).toEqual([["second", "openai"], [null, "openai"]])
        // The thread that names no provider shows the configured one.
        fs.writeFileSync(path.join(home, "config.toml"), 'model_provider = "openai"\n')
        expect(shown(yield* all(catalog, { modelProviders: [] }))).toEqual([["second", "openai"], [null, "openai"]])
        fs.writeFileSync(path.join(home, "config.toml"), 'model_provider = "local"\n')
        expect(shown(yield* all(catalog, { modelProviders: [] }))).toEqual([["second", "openai"], [null, "local"]])
      })
    )
  })

  it.effect("with watches, a listing right after a change sees it: an append, a new rollout, a removed one", () => {
    const rollouts: Array<Rollout> = [
      { id: uuid(1), stamp: "2025-01-14T10-00-00", mtimeMs: 2000, preview: "one" },
      { id: uuid(2), stamp: "2025-01-14T10-00-01", mtimeMs: 1000, preview: "two" }
    ]
    const home = makeHome(rollouts)
    const file = (r: Rollout) => path.join(home, "sessions/2025/01/14", `rollout-${r.stamp}-${r.id}.jsonl`)
    return withCatalog(
      home,
      (catalog) =>
        Effect.gen(function* () {
          expect(ids(yield* all(catalog))).toEqual([uuid(1), uuid(2)])
          // Changed and listed within one turn of the event loop: no notification read yet.
          fs.appendFileSync(file(rollouts[1]!), userLine("more") + "\n")
          fs.utimesSync(file(rollouts[1]!), 3.0015, 3.0015)
          const listed = yield* all(catalog)
          expect(ids(listed)).toEqual([uuid(2), uuid(1)])
          expect(listed[0]!.updatedAt).toBe(3)
          writeRollout(home, { id: uuid(3), stamp: "2025-01-15T10-00-00", mtimeMs: 4000, preview: "three" })
          expect(ids((yield* catalog.page({ limit: 1 })).threads)).toEqual([uuid(3)])
          fs.rmSync(file(rollouts[0]!))
          expect(ids(yield* all(catalog))).toEqual([uuid(3), uuid(2)])
          expect(Option.isNone(yield* catalog.thread(uuid(1)))).toBe(true)
          writeRollout(home, { ...rollouts[0]!, mtimeMs: 5000 })
          expect(Option.map(yield* catalog.thread(uuid(1)), (t) => t.updatedAt)).toEqual(Option.some(5))
        }),
      { watch: true }
    )
  })

  it.effect("filters: sources cli and vscode, the configured provider (missing counts as it, empty does not), cwd", () => {
    const rollouts: Array<Rollout> = [
      { id: uuid(1), stamp: "2025-01-14T10-00-01", mtimeMs: 1, preview: "cli", meta: { model_provider: "openai" } },
      { id: uuid(2), stamp: "2025-01-14T10-00-02", mtimeMs: 2, preview: "exec", meta: { source: "exec" } },
      { id: uuid(3), stamp: "2025-01-14T10-00-03", mtimeMs: 3, preview: "empty provider", meta: { model_provider: "" } },
      { id: uuid(4), stamp: "2025-01-14T10-00-04", mtimeMs: 4, preview: "azure", meta: { model_provider: "azure", cwd: "/repo/./x/" } },
      { id: uuid(5), stamp: "2025-01-14T10-00-05", mtimeMs: 5, preview: "no source", meta: { source: undefined } }
    ]
    const home = makeHome(rollouts)
    return withCatalog(home, (catalog) =>
      Effect.gen(function* () {
        expect(ids(yield* all(catalog))).toEqual([uuid(5), uuid(1)])
        expect(ids(yield* all(catalog, { sources: ["exec"] }))).toEqual([uuid(2)])
        expect(ids(yield* all(catalog, { modelProviders: ["azure", ""] }))).toEqual([uuid(4), uuid(3)])
        expect(ids(yield* all(catalog, { modelProviders: ["azure"], cwd: "/repo/x" }))).toEqual([uuid(4)])
        expect((yield* all(catalog, { modelProviders: ["azure"] }))[0]!.cwd).toBe("/repo/x")
        // The configured provider is the default: threads without one now count as azure.
        fs.writeFileSync(path.join(home, "config.toml"), 'model_provider = "azure"\n[profiles.x]\nmodel_provider = "other"\n')
        expect(ids(yield* all(catalog))).toEqual([uuid(5), uuid(4)])
      })
    )
  })

  it.effect("active threads need a preview in the head; archived ones take the first anywhere, or none", () => {
    const filler = Array.from({ length: 300 }, () => JSON.stringify({ timestamp: "t", type: "response_item", payload: {} }))
    const late = (id: string, archived: boolean): Rollout => ({ id, stamp: "2025-01-14T10-00-00", mtimeMs: 1, archived })
    const home = makeHome([
      { id: uuid(1), stamp: "2025-01-14T10-00-00", mtimeMs: 1, preview: undefined },
      { ...late(uuid(2), true), preview: undefined },
      { id: uuid(3), stamp: "2025-01-14T10-00-03", mtimeMs: 3, preview: "crlf", eol: "\r\n" }
    ])
    const file = writeRollout(home, late(uuid(4), true))
    fs.appendFileSync(file, filler.join("\n") + "\n" + userLine("at last") + "\n")
    const activeLate = writeRollout(home, late(uuid(5), false))
    fs.appendFileSync(activeLate, filler.join("\n") + "\n" + userLine("too late") + "\n")
    return withCatalog(home, (catalog) =>
      Effect.gen(function* () {
        expect((yield* all(catalog)).map((t) => [t.id, t.preview])).toEqual([[uuid(3), "crlf"]])
        const archived = yield* all(catalog, { archived: true })
        expect(archived.map((t) => [t.id, t.preview, t.archived]).sort()).toEqual([
          [uuid(2), "", true],
          [uuid(4), "at last", true]
        ])
      })
    )
  })

  it.effect("a second listing reads only files whose size or mtime changed", () => {
    const home = makeHome([
      { id: uuid(1), stamp: "2025-01-14T10-00-01", mtimeMs: 1000, preview: "one" },
      { id: uuid(2), stamp: "2025-01-14T10-00-02", mtimeMs: 2000, preview: "two" }
    ])
    const file = path.join(home, "sessions/2025/01/14", `rollout-2025-01-14T10-00-01-${uuid(1)}.jsonl`)
    return withCatalog(home, (catalog) =>
      Effect.gen(function* () {
        expect((yield* all(catalog)).map((t) => t.preview)).toEqual(["two", "one"])
        // Same size and mtime, other bytes: the remembered summary stands.
        const text = fs.readFileSync(file, "utf8").replace('"one"', '"uno"')
        fs.writeFileSync(file, text)
        fs.utimesSync(file, 1, 1)
        expect((yield* all(catalog)).map((t) => t.preview)).toEqual(["two", "one"])
        fs.utimesSync(file, 3, 3)
        expect((yield* all(catalog)).map((t) => t.preview)).toEqual(["uno", "two"])
      })
    )
  })

  it.effect("only sessions/<int>/<int>/<int>/ and the top of archived_sessions; other files ignored", () => {
    const home = makeHome([{ id: uuid(1), stamp: "2025-01-14T10-00-01", mtimeMs: 1, preview: "listed", day: "2025-1-014" }])
    const stray = fs.readFileSync(path.join(home, "sessions/2025/1/014", `rollout-2025-01-14T10-00-01-${uuid(1)}.jsonl`))
    for (const where of ["sessions/2025/01", "sessions/2025/01/x1", "sessions/2025/01/14/deeper", "archived_sessions/nested"]) {
      fs.mkdirSync(path.join(home, where), { recursive: true })
      fs.writeFileSync(path.join(home, where, `rollout-2025-01-14T10-00-02-${uuid(2)}.jsonl`), stray)
    }
    fs.writeFileSync(path.join(home, "sessions/2025/1/014", `rollout-2025-01-14T10-00-03-${uuid(3)}.json`), stray)
    fs.writeFileSync(path.join(home, "sessions/2025/1/014", "notes.jsonl"), stray)
    return withCatalog(home, (catalog) =>
      Effect.gen(function* () {
        expect(ids(yield* all(catalog))).toEqual([uuid(1)])
        expect(yield* all(catalog, { archived: true })).toEqual([])
      })
    )
  })

  it.effect("a missing home lists nothing", () =>
    Effect.gen(function* () {
      const catalog = yield* ThreadCatalog
      expect(yield* all(catalog)).toEqual([])
      expect((yield* catalog.page({})).threads).toEqual([])
    }).pipe(Effect.provide(layerWith({ codexHome: path.join(os.tmpdir(), "si-no-such-home", crypto.randomUUID()), workers: 0 })))
  )
})

describe("files that are not what they claim", () => {
  /** The catalog's warnings, beside its answer. */
  const withWarnings = <A, E>(home: string, body: (catalog: ThreadCatalog["Type"]) => Effect.Effect<A, E>) => {
    const warnings: Array<string> = []
    const logger = Logger.make(({ message }) => void warnings.push((Array.isArray(message) ? message : [message]).join(" ")))
    return Effect.map(
      Effect.flatMap(ThreadCatalog, body).pipe(
        Effect.provide(Layer.merge(layerWith({ codexHome: home, workers: 0 }), Logger.replace(Logger.defaultLogger, logger))),
        Effect.ensuring(Effect.sync(() => fs.rmSync(home, { recursive: true, force: true })))
      ),
      (answer) => ({ answer, warnings })
    )
  }

  const twoThreads = () =>
    makeHome(
      [
        { id: uuid(1), stamp: "2025-01-14T10-00-01", mtimeMs: 2_000, preview: "first" },
        { id: uuid(2), stamp: "2025-01-14T10-00-02", mtimeMs: 1_000, preview: "second", meta: { model_provider: "mine" } }
      ],
      [[uuid(1), "named"]]
    )

  const fifo = (file: string) => execFileSync("mkfifo", [file])

  it.effect("a config.toml or a database that is a FIFO or /dev/zero: listed with the defaults and one warning, not blocked or read forever", () =>
    Effect.gen(function* () {
      const cases: Array<[string, (home: string) => void]> = [
        ["config.toml FIFO", (home) => fifo(path.join(home, "config.toml"))],
        ["config.toml /dev/zero", (home) => fs.symlinkSync("/dev/zero", path.join(home, "config.toml"))],
        ["database FIFO", (home) => fifo(path.join(home, "state_5.sqlite"))],
        ["database /dev/zero", (home) => fs.symlinkSync("/dev/zero", path.join(home, "state_5.sqlite"))],
        ["log FIFO", (home) => (fs.writeFileSync(path.join(home, "state_5.sqlite"), ""), fifo(path.join(home, "state_5.sqlite-wal")))]
      ]
      for (const [label, spoil] of cases) {
        const home = twoThreads()
        spoil(home)
        const { answer, warnings } = yield* withWarnings(home, (catalog) =>
          Effect.zip(all(catalog), Effect.zip(all(catalog), catalog.page({})))
        )
        const [first, [again, page]] = answer
        expect(first.map((t) => [t.id, Option.getOrNull(t.name)]), label).toEqual([[uuid(1), "named"]])
        expect(again, label).toEqual(first)
        expect(page.threads, label).toEqual(first)
        expect(warnings, label).toHaveLength(1)
        expect(warnings[0], label).toMatch(/not a regular file/)
      }
    })
  )

  it.effect("a config.toml that does not parse: the defaults, and a warning saying which file", () => {
    const home = twoThreads()
    fs.writeFileSync(path.join(home, "config.toml"), 'model_provider = "mine"\nthis is not toml\n')
    return Effect.gen(function* () {
      const { answer, warnings } = yield* withWarnings(home, (catalog) => all(catalog))
      expect(ids(answer)).toEqual([uuid(1)])
      expect(warnings).toEqual([expect.stringContaining(`cannot use ${path.join(home, "config.toml")}: `)])
    })
  })

  it.effect("a rollout turned into a folder or a FIFO after the walk is skipped with a warning; the listing goes on", () =>
    Effect.gen(function* () {
      for (const replace of ["folder", "fifo"] as const) {
        const count = 300
        const home = makeHome(Array.from({ length: count }, (_, i) => ({ id: uuid(i + 1), stamp: "2025-01-14T10-00-01", mtimeMs: 1_000_000 - i, preview: `p${i}` })))
        const last = path.join(home, "sessions/2025/01/14", `rollout-2025-01-14T10-00-01-${uuid(count)}.jsonl`)
        const { answer, warnings } = yield* withWarnings(home, (catalog) =>
          Stream.runCollect(
            Stream.tap(catalog.threads(), (thread) =>
              Effect.sync(() => {
                // The first row comes before the last file's head is read (heads are read in steps).
                if (thread.id !== uuid(1)) return
                fs.rmSync(last)
                if (replace === "folder") fs.mkdirSync(last)
                else fifo(last)
              })
            )
          )
        )
        expect(Chunk.size(answer), replace).toBe(count - 1)
        expect(warnings, replace).toEqual([expect.stringContaining(`not listing ${last}: `)])
      }
    })
  )

  it.effect("an index that cannot be read: threads listed without names, and one warning", () => {
    const home = twoThreads()
    fs.rmSync(path.join(home, "session_index.jsonl"))
    fs.mkdirSync(path.join(home, "session_index.jsonl"))
    return Effect.gen(function* () {
      const { answer, warnings } = yield* withWarnings(home, (catalog) => Effect.zip(all(catalog), all(catalog)))
      expect(answer[0].map((t) => [t.id, Option.getOrNull(t.name)])).toEqual([[uuid(1), null]])
      expect(answer[1]).toEqual(answer[0])
      expect(warnings).toEqual([expect.stringContaining("listing without names: ")])
    })
  })

  it.effect("thread() of a value that is not a string fails with InvalidThreadId", () =>
    withCatalog(twoThreads(), (catalog) =>
      Effect.gen(function* () {
        const throwing = { toString: () => { throw new Error("no") } }
        for (const input of [null, undefined, 42, {}, Object.create(null), throwing]) {
          const error = yield* Effect.flip(catalog.thread(input as unknown as string))
          expect(error._tag).toBe("InvalidThreadId")
        }
      })
    )
  )

  it.effect("page({ limit: NaN }) is a page of the default size", () =>
    withCatalog(makeHome(Array.from({ length: 30 }, (_, i) => ({ id: uuid(i + 1), stamp: "2025-01-14T10-00-01", mtimeMs: 1000 - i, preview: `p${i}` }))), (catalog) =>
      Effect.gen(function* () {
        const page = yield* catalog.page({ limit: Number.NaN })
        expect(page.threads).toHaveLength(25)
        expect(Option.isSome(page.nextCursor)).toBe(true)
      })
    )
  )
})
