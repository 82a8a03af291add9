import { describe, expect, it } from "@effect/vitest"
import { Cause, Chunk, Effect, Exit, Option, Stream } from "effect"
import * as fs from "node:fs"
import * as path from "node:path"
import { IndexIoError, IndexReader, InvalidThreadId, type ThreadId } from "../src/index.js"
import { makeTempDir, removeDir, servicesOf, tempHome, withIndex } from "./helpers/codexHome.js"
import { canonical, escapedName, fileOf, ID, TS, uuidN } from "./helpers/lines.js"
import { Model } from "./helpers/model.js"
import { allIds, MAX, names, rulesFile } from "./helpers/rulesFile.js"

const some = Option.some
const none = Option.none()

const latestOf = (reader: IndexReader["Type"]) =>
  Stream.runCollect(reader.latestEntries).pipe(
    Effect.map((chunk) => Chunk.toArray(chunk).map((e) => ({ id: e.id, thread_name: e.thread_name, updated_at: e.updated_at })))
  )

/** The failure of an effect that must fail (not die). */
const failureOf = <A, E>(effect: Effect.Effect<A, E>) =>
  Effect.gen(function* () {
    const exit = yield* Effect.exit(effect)
    expect(Exit.isFailure(exit)).toBe(true)
    if (Exit.isSuccess(exit)) throw new Error("expected a failure")
    const failure = Cause.failureOption(exit.cause)
    expect(Option.isSome(failure)).toBe(true) // a typed failure, not a defect or interruption
    expect(Cause.isDie(exit.cause)).toBe(false)
    return Option.getOrThrow(failure)
  })

describe("Codex's own cases", () => {
  it.effect("findIdByName prefers the latest entry", () =>
    withIndex(fileOf([canonical(ID.a, "same"), canonical(ID.b, "same")]), () =>
      Effect.gen(function* () {
        const reader = yield* IndexReader
        expect(yield* reader.findIdByName("same")).toEqual(some(ID.b))
      })
    )
  )

  it.effect("findNameById prefers the latest entry", () =>
    withIndex(fileOf([canonical(ID.a, "first"), canonical(ID.b, "other"), canonical(ID.a, "second")]), () =>
      Effect.gen(function* () {
        const reader = yield* IndexReader
        expect(yield* reader.findNameById(ID.a)).toEqual(some("second"))
        expect(yield* reader.findNameById(ID.b)).toEqual(some("other"))
      })
    )
  )

  it.effect("a missing entry gives None", () =>
    withIndex(fileOf([canonical(ID.a, "present")]), () =>
      Effect.gen(function* () {
        const reader = yield* IndexReader
        expect(yield* reader.findNameById(ID.b)).toEqual(none)
        expect(yield* reader.findIdByName("absent")).toEqual(none)
        expect(yield* reader.findNamesByIds([ID.b, ID.c])).toEqual(new Map())
        expect(yield* reader.findPathByName("absent")).toEqual(none)
      })
    )
  )

  it.effect("a missing file gives None and an empty map, and is not created", () =>
    withIndex(undefined, (home) =>
      Effect.gen(function* () {
        const reader = yield* IndexReader
        expect(yield* reader.findNameById(ID.a)).toEqual(none)
        expect(yield* reader.findIdByName("anything")).toEqual(none)
        expect(yield* reader.findNamesByIds([ID.a, ID.b])).toEqual(new Map())
        expect(yield* reader.findPathByName("anything")).toEqual(none)
        expect(yield* latestOf(reader)).toEqual([])
        expect(home.exists()).toBe(false)
      })
    )
  )

  it.scoped("a missing codexHome directory gives None too", () =>
    Effect.gen(function* () {
      const home = yield* tempHome("not/created")
      const { reader } = yield* servicesOf(home)
      expect(yield* reader.findNameById(ID.a)).toEqual(none)
      expect(yield* reader.findNamesByIds([ID.a])).toEqual(new Map())
      expect(yield* reader.findIdByName("x")).toEqual(none)
      expect(fs.existsSync(home.home)).toBe(false)
    })
  )

  it.effect("the batched lookup prefers the latest entry", () =>
    withIndex(
      fileOf([canonical(ID.a, "a1"), canonical(ID.b, "b1"), canonical(ID.a, "a2"), canonical(ID.c, "c1"), canonical(ID.b, "b2")]),
      () =>
        Effect.gen(function* () {
          const reader = yield* IndexReader
          const found = yield* reader.findNamesByIds([ID.a, ID.b, ID.c, ID.d, ID.a])
          expect(found).toEqual(new Map([[ID.a, "a2"], [ID.b, "b2"], [ID.c, "c1"]]))
          expect(yield* reader.findNamesByIds([])).toEqual(new Map())
        })
    )
  )

  it.effect("mixed entries resolve by append order, not updated_at", () =>
    withIndex(
      fileOf([
        canonical(ID.a, "written first, stamped late", "2030-01-01T00:00:00Z"),
        canonical(ID.a, "written last, stamped early", "2020-01-01T00:00:00Z"),
        canonical(ID.b, "shared", "2030-01-01T00:00:00Z"),
        canonical(ID.c, "shared", "2020-01-01T00:00:00Z")
      ]),
      () =>
        Effect.gen(function* () {
          const reader = yield* IndexReader
          expect(yield* reader.findNameById(ID.a)).toEqual(some("written last, stamped early"))
          expect(yield* reader.findNamesByIds([ID.a])).toEqual(new Map([[ID.a, "written last, stamped early"]]))
          expect(yield* reader.findIdByName("shared")).toEqual(some(ID.c))
          expect((yield* latestOf(reader)).map((e) => e.id)).toEqual([ID.c, ID.b, ID.a])
        })
    )
  )
})

describe("current names", () => {
  it.effect("a thread renamed away from a name no longer answers to it", () =>
    withIndex(fileOf([canonical(ID.a, "old"), canonical(ID.a, "new")]), () =>
      Effect.gen(function* () {
        const reader = yield* IndexReader
        expect(yield* reader.findIdByName("old")).toEqual(none)
        expect(yield* reader.findIdByName("new")).toEqual(some(ID.a))
      })
    )
  )

  it.effect("an older thread that still has the name answers instead of a renamed newer one", () =>
    withIndex(fileOf([canonical(ID.b, "old"), canonical(ID.a, "old"), canonical(ID.a, "new")]), () =>
      Effect.gen(function* () {
        const reader = yield* IndexReader
        expect(yield* reader.findIdByName("old")).toEqual(some(ID.b))
      })
    )
  )

  it.effect("blank-name entries are skipped: the previous non-blank name stays current", () =>
    withIndex(fileOf([canonical(ID.a, "kept"), canonical(ID.a, ""), canonical(ID.a, "   "), canonical(ID.b, "\t")]), () =>
      Effect.gen(function* () {
        const reader = yield* IndexReader
        expect(yield* reader.findNameById(ID.a)).toEqual(some("kept"))
        expect(yield* reader.findIdByName("kept")).toEqual(some(ID.a))
        expect(yield* reader.findNameById(ID.b)).toEqual(none)
        expect(yield* reader.findNamesByIds([ID.a, ID.b])).toEqual(new Map([[ID.a, "kept"]]))
        expect((yield* latestOf(reader)).map((e) => [e.id, e.thread_name])).toEqual([[ID.a, "kept"]])
      })
    )
  )

  it.effect("a blank query name is None, even when blank entries exist", () =>
    withIndex(fileOf([canonical(ID.a, "  "), canonical(ID.b, ""), canonical(ID.c, "x")]), () =>
      Effect.gen(function* () {
        const reader = yield* IndexReader
        expect(yield* reader.findIdByName("  ")).toEqual(none)
        expect(yield* reader.findIdByName("")).toEqual(none)
        expect(yield* reader.findPathByName(" ")).toEqual(none)
      })
    )
  )

  it.effect("a query that is not a string never throws: objects without a prototype or with a throwing toString answer None", () =>
    withIndex(fileOf([canonical(ID.a, "x")]), () =>
      Effect.gen(function* () {
        const reader = yield* IndexReader
        const throwing = { toString: () => { throw new Error("no") } }
        for (const query of [Object.create(null), throwing] as Array<string>) {
          expect(yield* reader.findIdByName(query)).toEqual(none)
          expect(yield* reader.findPathByName(query)).toEqual(none)
          expect((yield* Effect.flip(reader.findNameById(query)))._tag).toBe("InvalidThreadId")
        }
      })
    )
  )

  it.effect("names are compared and returned trimmed", () =>
    withIndex(fileOf([canonical(ID.a, "  padded \t"), canonical(ID.b, "\u00a0nbsp\u3000")]), () =>
      Effect.gen(function* () {
        const reader = yield* IndexReader
        expect(yield* reader.findNameById(ID.a)).toEqual(some("padded"))
        expect(yield* reader.findIdByName("padded")).toEqual(some(ID.a))
        expect(yield* reader.findIdByName("  padded  ")).toEqual(some(ID.a))
        expect(yield* reader.findIdByName("nbsp")).toEqual(some(ID.b))
        expect(yield* reader.findIdByName("pad")).toEqual(none)
        expect(yield* reader.findIdByName("padded x")).toEqual(none)
      })
    )
  )
})

describe("reading a line, through the public layer", () => {
  const check = (maxLineBytes: number | undefined) =>
    withIndex(
      rulesFile,
      () =>
        Effect.gen(function* () {
          const model = Model.fromBytes(rulesFile, maxLineBytes)
          const reader = yield* IndexReader
          for (const id of allIds) {
            expect(yield* reader.findNameById(id)).toEqual(Option.fromNullable(model.nameOf(id)))
            expect(yield* reader.findNameById(id.toUpperCase())).toEqual(Option.fromNullable(model.nameOf(id)))
          }
          expect(yield* reader.findNamesByIds(allIds)).toEqual(model.namesOf(allIds))
          for (const name of [...names, " fix ", "\tfix"]) {
            expect(yield* reader.findIdByName(name)).toEqual(Option.fromNullable(model.idByName(name)))
          }
          expect(yield* latestOf(reader)).toEqual(
            model.latest().map((e) => ({ id: e.id, thread_name: e.name, updated_at: e.updatedAt }))
          )
          return model
        }),
      maxLineBytes === undefined ? {} : { maxLineBytes }
    )

  it.effect("every rule, with the layer option maxLineBytes", () =>
    Effect.map(check(MAX), (model) => {
      // The over-long line renaming `h` is skipped with the option...
      expect(model.nameOf(uuidN(8))).toBe("h short")
    })
  )

  it.effect("every rule, with the default maxLineBytes", () =>
    Effect.map(check(undefined), (model) => {
      // ...and read without it.
      expect(model.nameOf(uuidN(8))).toBe("x".repeat(200))
    })
  )

  it.effect("a name written with \\u escapes is found by its text", () =>
    withIndex(fileOf([`{"id":"${ID.a}","thread_name":"\\u0066ix","updated_at":"${TS}"}`, escapedName(ID.b, "naïve 🎉")]), () =>
      Effect.gen(function* () {
        const reader = yield* IndexReader
        expect(yield* reader.findIdByName("fix")).toEqual(some(ID.a))
        expect(yield* reader.findNameById(ID.a)).toEqual(some("fix"))
        expect(yield* reader.findIdByName("naïve 🎉")).toEqual(some(ID.b))
      })
    )
  )

  it.effect("uppercase ids in the file and in queries match case-insensitively", () =>
    withIndex(fileOf([canonical(ID.a.toUpperCase(), "upper in file"), canonical(ID.b, "lower in file")]), () =>
      Effect.gen(function* () {
        const reader = yield* IndexReader
        expect(yield* reader.findNameById(ID.a)).toEqual(some("upper in file"))
        expect(yield* reader.findNameById(ID.a.toUpperCase())).toEqual(some("upper in file"))
        expect(yield* reader.findNameById(ID.b.toUpperCase())).toEqual(some("lower in file"))
        expect(yield* reader.findIdByName("upper in file")).toEqual(some(ID.a))
        const found = yield* reader.findNamesByIds([ID.a.toUpperCase(), ID.b.toUpperCase()])
        expect(found).toEqual(new Map([[ID.a, "upper in file"], [ID.b, "lower in file"]]))
      })
    )
  )

  it.effect("an id's text inside another line's name does not match that id", () =>
    withIndex(fileOf([canonical(ID.a, "a's name"), canonical(ID.b, ID.a), canonical(ID.c, `see ${ID.d}`)]), () =>
      Effect.gen(function* () {
        const reader = yield* IndexReader
        expect(yield* reader.findNameById(ID.a)).toEqual(some("a's name"))
        expect(yield* reader.findNameById(ID.d)).toEqual(none)
        expect(yield* reader.findNamesByIds([ID.a, ID.d])).toEqual(new Map([[ID.a, "a's name"]]))
        expect(yield* reader.findIdByName(ID.a)).toEqual(some(ID.b))
      })
    )
  )

  it.effect("a final line without \\n is read", () =>
    withIndex(fileOf([canonical(ID.a, "first"), canonical(ID.a, "unterminated")], false), () =>
      Effect.gen(function* () {
        const reader = yield* IndexReader
        expect(yield* reader.findNameById(ID.a)).toEqual(some("unterminated"))
        expect(yield* reader.findIdByName("unterminated")).toEqual(some(ID.a))
      })
    )
  )

  it.effect("a line longer than maxLineBytes is skipped; one within it is read", () => {
    const long = canonical(ID.a, "L".repeat(1000))
    const bytes = fileOf([canonical(ID.a, "short"), long])
    return Effect.gen(function* () {
      const skipped = yield* withIndex(bytes, () => Effect.flatMap(IndexReader, (r) => r.findNameById(ID.a)), {
        maxLineBytes: long.length - 1
      })
      expect(skipped).toEqual(some("short"))
      const read = yield* withIndex(bytes, () => Effect.flatMap(IndexReader, (r) => r.findNameById(ID.a)), {
        maxLineBytes: long.length
      })
      expect(read).toEqual(some("L".repeat(1000)))
    })
  })
})

describe("lines longer than the scan's read chunks", () => {
  // The in-process scan reads 64 KiB first, then 4 MiB chunks: these lines span several.
  it.live("are found at the end of the file and in the middle", () => {
    const lastName = "z".repeat(100 * 1024)
    const middleName = "m".repeat(4 * 1024 * 1024 + 512 * 1024)
    const bytes = fileOf([
      canonical(ID.a, "first"),
      canonical(ID.b, middleName),
      canonical(ID.c, "between"),
      canonical(ID.d, lastName)
    ])
    return withIndex(bytes, () =>
      Effect.gen(function* () {
        const reader = yield* IndexReader
        expect(yield* reader.findNameById(ID.d)).toEqual(some(lastName))
        expect(yield* reader.findNameById(ID.b)).toEqual(some(middleName))
        expect(yield* reader.findNameById(ID.a)).toEqual(some("first"))
        expect(yield* reader.findIdByName(middleName)).toEqual(some(ID.b))
        expect(yield* reader.findIdByName("first")).toEqual(some(ID.a))
        expect((yield* latestOf(reader)).map((e) => e.id)).toEqual([ID.d, ID.c, ID.b, ID.a])
      })
    ).pipe(Effect.timeoutFail({ duration: "20 seconds", onTimeout: () => new Error("scan did not terminate") }))
  })
})

describe("latestEntries", () => {
  it.effect("streams the latest named entry of each id, newest first, lazily", () =>
    withIndex(
      fileOf([canonical(ID.a, "a1", "t1"), canonical(ID.b, "b1", "t2"), canonical(ID.a, "a2", "t3"), canonical(ID.c, " ", "t4")]),
      () =>
        Effect.gen(function* () {
          const reader = yield* IndexReader
          expect(yield* latestOf(reader)).toEqual([
            { id: ID.a, thread_name: "a2", updated_at: "t3" },
            { id: ID.b, thread_name: "b1", updated_at: "t2" }
          ])
          const first = yield* Stream.runCollect(Stream.take(reader.latestEntries, 1))
          expect(Chunk.toArray(first).map((e) => e.thread_name)).toEqual(["a2"])
        })
    )
  )

  it.effect("the first page of a large index does not need the whole file", () => {
    const lines = Array.from({ length: 50_000 }, (_, n) => canonical(uuidN(n, 3), `thread ${n}`))
    return withIndex(fileOf(lines), () =>
      Effect.gen(function* () {
        const reader = yield* IndexReader
        const page = yield* Stream.runCollect(Stream.take(reader.latestEntries, 25))
        expect(Chunk.toArray(page).map((e) => e.thread_name)).toEqual(
          Array.from({ length: 25 }, (_, k) => `thread ${50_000 - 1 - k}`)
        )
      })
    )
  })
})

describe("findPathByName", () => {
  const rollout = (home: string, id: string, where: string, stamp = "2026-02-03T16-08-29") => {
    const dir = path.join(home, where)
    fs.mkdirSync(dir, { recursive: true })
    const file = path.join(dir, `rollout-${stamp}-${id}.jsonl`)
    fs.writeFileSync(file, "{}\n")
    return file
  }
  const setMtime = (file: string, seconds: number) => fs.utimesSync(file, seconds, seconds)

  it.scoped("finds the rollout file under sessions/YYYY/MM/DD", () =>
    Effect.gen(function* () {
      const home = yield* tempHome()
      home.write(fileOf([canonical(ID.a, "fix"), canonical(ID.b, "other")]))
      const file = rollout(home.home, ID.a, "sessions/2026/02/03")
      rollout(home.home, ID.b, "sessions/2026/02/04")
      const { reader } = yield* servicesOf(home)
      expect(yield* reader.findPathByName("fix")).toEqual(some(file))
      expect(yield* reader.findPathByName("  fix ")).toEqual(some(file))
    })
  )

  it.scoped("finds a rollout file at any depth under archived_sessions/", () =>
    Effect.gen(function* () {
      const home = yield* tempHome()
      home.write(fileOf([canonical(ID.a, "archived"), canonical(ID.b, "flat")]))
      const deep = rollout(home.home, ID.a, "archived_sessions/2025/01/02/more")
      const flat = rollout(home.home, ID.b, "archived_sessions")
      const { reader } = yield* servicesOf(home)
      expect(yield* reader.findPathByName("archived")).toEqual(some(deep))
      expect(yield* reader.findPathByName("flat")).toEqual(some(flat))
    })
  )

  it.scoped("ignores files that are not rollouts of a candidate", () =>
    Effect.gen(function* () {
      const home = yield* tempHome()
      home.write(fileOf([canonical(ID.a, "fix")]))
      rollout(home.home, ID.a, "sessions") // not in a YYYY/MM/DD directory
      rollout(home.home, ID.b, "sessions/2026/02/03") // another thread
      fs.writeFileSync(path.join(home.home, "sessions/2026/02/03", `notes-${ID.a}.jsonl`), "")
      const { reader } = yield* servicesOf(home)
      expect(yield* reader.findPathByName("fix")).toEqual(none)
    })
  )

  it.scoped("a thread without a rollout file never shadows one that has it", () =>
    Effect.gen(function* () {
      const home = yield* tempHome()
      home.write(fileOf([canonical(ID.a, "fix"), canonical(ID.b, "fix")]))
      const file = rollout(home.home, ID.a, "sessions/2026/02/03")
      const { reader } = yield* servicesOf(home)
      expect(yield* reader.findIdByName("fix")).toEqual(some(ID.b))
      expect(yield* reader.findPathByName("fix")).toEqual(some(file))
    })
  )

  it.scoped("the most recently modified file wins among candidates", () =>
    Effect.gen(function* () {
      const home = yield* tempHome()
      home.write(fileOf([canonical(ID.a, "fix"), canonical(ID.b, "fix"), canonical(ID.c, "fix")]))
      const a = rollout(home.home, ID.a, "sessions/2026/02/01")
      const b = rollout(home.home, ID.b, "archived_sessions/x")
      const c = rollout(home.home, ID.c, "sessions/2026/02/03")
      setMtime(a, 3_000_000)
      setMtime(b, 2_000_000)
      setMtime(c, 1_000_000)
      const { reader } = yield* servicesOf(home)
      expect(yield* reader.findPathByName("fix")).toEqual(some(a))
      setMtime(b, 4_000_000)
      expect(yield* reader.findPathByName("fix")).toEqual(some(b))
    })
  )

  it.scoped("a thread renamed away from the name is not a candidate", () =>
    Effect.gen(function* () {
      const home = yield* tempHome()
      home.write(fileOf([canonical(ID.a, "fix"), canonical(ID.b, "fix"), canonical(ID.b, "renamed")]))
      const a = rollout(home.home, ID.a, "sessions/2026/02/01")
      const b = rollout(home.home, ID.b, "sessions/2026/02/02")
      setMtime(a, 1_000_000)
      setMtime(b, 2_000_000)
      const { reader } = yield* servicesOf(home)
      expect(yield* reader.findPathByName("fix")).toEqual(some(a))
      expect(yield* reader.findPathByName("renamed")).toEqual(some(b))
    })
  )

  it.scoped("None when no candidate has a file", () =>
    Effect.gen(function* () {
      const home = yield* tempHome()
      home.write(fileOf([canonical(ID.a, "fix")]))
      const { reader } = yield* servicesOf(home)
      expect(yield* reader.findPathByName("fix")).toEqual(none)
      expect(yield* reader.findPathByName("nobody")).toEqual(none)
    })
  )
})

describe("errors", () => {
  const expectIoError = (error: unknown, indexPath: string) => {
    expect(error).toBeInstanceOf(IndexIoError)
    const io = error as IndexIoError
    expect(io._tag).toBe("IndexIoError")
    expect(io.path).toBe(indexPath)
    expect(io.message).toContain(indexPath)
    expect(io.message).toContain(io.op)
  }

  const everyLookup = (reader: IndexReader["Type"]): Array<Effect.Effect<unknown, IndexIoError | InvalidThreadId>> => [
    reader.findNameById(ID.a),
    reader.findIdByName("x"),
    reader.findNamesByIds([ID.a, ID.b]),
    reader.findPathByName("x"),
    latestOf(reader)
  ]

  it.scoped("the index path being a directory fails every lookup with IndexIoError", () =>
    Effect.gen(function* () {
      const home = yield* tempHome()
      fs.mkdirSync(home.indexPath, { recursive: true })
      const { reader } = yield* servicesOf(home)
      for (const lookup of everyLookup(reader)) {
        expectIoError(yield* failureOf(lookup), home.indexPath)
      }
    })
  )

  it.scoped("a path through a regular file (ENOTDIR) fails with IndexIoError", () =>
    Effect.gen(function* () {
      const home = yield* tempHome("file")
      fs.writeFileSync(home.home, "I am a file, not a directory\n")
      const { reader } = yield* servicesOf(home)
      for (const lookup of everyLookup(reader)) {
        expectIoError(yield* failureOf(lookup), home.indexPath)
      }
    })
  )

  it.scoped("a symlink loop at the index path fails with IndexIoError", () =>
    Effect.gen(function* () {
      const home = yield* tempHome()
      fs.symlinkSync(home.indexPath, home.indexPath)
      const { reader } = yield* servicesOf(home)
      expectIoError(yield* failureOf(reader.findNameById(ID.a)), home.indexPath)
      expectIoError(yield* failureOf(reader.findIdByName("x")), home.indexPath)
    })
  )

  // chmod does not deny reads to root: only run where it does.
  const chmodDenies = (() => {
    const home = makeTempDir("si-perm-")
    const file = path.join(home, "probe")
    fs.writeFileSync(file, "x")
    fs.chmodSync(file, 0o000)
    let denied = false
    try {
      fs.accessSync(file, fs.constants.R_OK)
    } catch {
      denied = true
    }
    removeDir(home)
    return denied
  })()

  it.scoped.skipIf(!chmodDenies)("an unreadable file (chmod 000) fails with IndexIoError", () =>
    Effect.gen(function* () {
      const home = yield* tempHome()
      home.write(fileOf([canonical(ID.a, "secret")]))
      fs.chmodSync(home.indexPath, 0o000)
      yield* Effect.addFinalizer(() => Effect.sync(() => fs.chmodSync(home.indexPath, 0o600)))
      const { reader } = yield* servicesOf(home)
      for (const lookup of everyLookup(reader)) {
        const error = yield* failureOf(lookup)
        expectIoError(error, home.indexPath)
      }
    })
  )

  it.effect("a malformed id string from JavaScript fails with InvalidThreadId", () =>
    withIndex(fileOf([canonical(ID.a, "a")]), () =>
      Effect.gen(function* () {
        const reader = yield* IndexReader
        for (const bad of ["not-a-uuid", "", ID.a + " ", `{${ID.a}}`, ID.a.replaceAll("-", "")]) {
          const error = yield* failureOf(reader.findNameById(bad))
          expect(error).toBeInstanceOf(InvalidThreadId)
          expect(error._tag).toBe("InvalidThreadId")
          expect(error.message).toContain(JSON.stringify(bad))
        }
        const batch = yield* failureOf(reader.findNamesByIds([ID.a, "not-a-uuid"]))
        expect(batch._tag).toBe("InvalidThreadId")
        expect(batch.message).toContain("not-a-uuid")
        // Non-strings from JavaScript are refused the same way.
        const numeric = yield* failureOf(reader.findNameById(42 as unknown as ThreadId))
        expect(numeric._tag).toBe("InvalidThreadId")
      })
    )
  )
})

describe("batching", () => {
  it.live("100 concurrent findNameById calls from independent fibers all answer correctly", () => {
    const ids = Array.from({ length: 300 }, (_, n) => uuidN(n, 4))
    const bytes = fileOf(ids.map((id, n) => canonical(id, `thread ${n}`)))
    return withIndex(bytes, () =>
      Effect.gen(function* () {
        const reader = yield* IndexReader
        const wanted = [...ids.slice(0, 99), uuidN(999, 4)]
        const fibers = yield* Effect.forEach(wanted, (id) => Effect.fork(reader.findNameById(id)))
        const answers = yield* Effect.forEach(fibers, (fiber) => fiber.await.pipe(Effect.flatten))
        expect(answers).toEqual([...wanted.slice(0, 99).map((_, n) => some(`thread ${n}`)), none])
      })
    )
  })

  it.effect("a batched forEach of findNameById answers each id", () => {
    const bytes = fileOf([canonical(ID.a, "a"), canonical(ID.b, "b"), canonical(ID.a, "a2")])
    return withIndex(bytes, () =>
      Effect.gen(function* () {
        const reader = yield* IndexReader
        const answers = yield* Effect.forEach([ID.a, ID.b, ID.c, ID.a], (id) => reader.findNameById(id), { batching: true })
        expect(answers).toEqual([some("a2"), some("b"), none, some("a2")])
      })
    )
  })
})
