import { describe, expect, it } from "@effect/vitest"
import { Cause, Effect, Exit, Option, Schema, TestClock } from "effect"
import * as fs from "node:fs"
import * as path from "node:path"
import { IndexIoError, InvalidEntry, InvalidThreadId, InvalidThreadName, SessionIndexEntry, ThreadId } from "../src/index.js"
import { servicesOf, tempHome } from "./helpers/codexHome.js"
import { canonical, fileOf, ID, TS, uuidN } from "./helpers/lines.js"
import { Model } from "./helpers/model.js"

const failureOf = <A, E>(effect: Effect.Effect<A, E>) =>
  Effect.gen(function* () {
    const exit = yield* Effect.exit(effect)
    if (Exit.isSuccess(exit)) throw new Error("expected a failure")
    expect(Cause.isDie(exit.cause)).toBe(false)
    return Option.getOrThrow(Cause.failureOption(exit.cause))
  })

const RFC3339_UTC = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?Z$/
const countLines = (bytes: Buffer) => bytes.reduce((n, b) => (b === 10 ? n + 1 : n), 0)

describe("appendEntry", () => {
  it.scoped("writes exactly Codex's compact line", () =>
    Effect.gen(function* () {
      const home = yield* tempHome()
      const { writer } = yield* servicesOf(home)
      const id = Schema.decodeSync(ThreadId)(ID.a)
      yield* writer.appendEntry(new SessionIndexEntry({ id, thread_name: "fix flaky ci", updated_at: TS }))
      expect(home.read().toString("utf8")).toBe(
        `{"id":"${ID.a}","thread_name":"fix flaky ci","updated_at":"${TS}"}\n`
      )
      // A plain object (other key order) writes the same bytes.
      yield* writer.appendEntry({ updated_at: TS, thread_name: "second", id: ID.b })
      expect(home.read().toString("utf8")).toBe(
        `{"id":"${ID.a}","thread_name":"fix flaky ci","updated_at":"${TS}"}\n` +
          `{"id":"${ID.b}","thread_name":"second","updated_at":"${TS}"}\n`
      )
    })
  )

  it.scoped("creates codexHome and the file on first append", () =>
    Effect.gen(function* () {
      const home = yield* tempHome("nested/codex/home")
      expect(fs.existsSync(home.home)).toBe(false)
      const { writer, reader } = yield* servicesOf(home)
      yield* writer.appendEntry({ id: ID.a, thread_name: "first", updated_at: TS })
      expect(home.read().toString()).toBe(canonical(ID.a, "first") + "\n")
      expect(yield* reader.findNameById(ID.a)).toEqual(Option.some("first"))
    })
  )

  it.scoped("an invalid entry fails with InvalidEntry and writes nothing", () =>
    Effect.gen(function* () {
      const home = yield* tempHome("not-yet")
      const { writer } = yield* servicesOf(home)
      const bad = [
        { id: "not-a-uuid", thread_name: "x", updated_at: TS },
        { id: ID.a.replaceAll("-", ""), thread_name: "x", updated_at: TS },
        { id: ID.a, thread_name: 5, updated_at: TS },
        { id: ID.a, thread_name: "x" },
        { id: ID.a, thread_name: "lone \ud800", updated_at: TS },
        null
      ]
      for (const entry of bad) {
        const error = yield* failureOf(writer.appendEntry(entry as never))
        expect(error).toBeInstanceOf(InvalidEntry)
        expect(error._tag).toBe("InvalidEntry")
        expect(error.message.length).toBeGreaterThan("invalid session index entry: ".length)
      }
      expect(fs.existsSync(home.home)).toBe(false)
    })
  )
})

describe("appendThreadName", () => {
  it.live("writes a trimmed name and an RFC 3339 UTC timestamp of now", () =>
    Effect.scoped(
      Effect.gen(function* () {
        const home = yield* tempHome()
        const { writer } = yield* servicesOf(home)
        const before = Date.now()
        yield* writer.appendThreadName(ID.a, "  fix flaky ci \n")
        const after = Date.now()
        const text = home.read().toString("utf8")
        const match = /^\{"id":"([^"]+)","thread_name":"fix flaky ci","updated_at":"([^"]+)"\}\n$/.exec(text)
        expect(match).not.toBeNull()
        expect(match![1]).toBe(ID.a)
        const stamp = match![2]!
        expect(stamp).toMatch(RFC3339_UTC)
        expect(Date.parse(stamp)).toBeGreaterThanOrEqual(before)
        expect(Date.parse(stamp)).toBeLessThanOrEqual(after)
      })
    )
  )

  it.scoped("takes the time from Effect's Clock", () =>
    Effect.gen(function* () {
      const home = yield* tempHome()
      const { writer } = yield* servicesOf(home)
      yield* TestClock.setTime(Date.UTC(2026, 1, 3, 16, 8, 29, 123))
      yield* writer.appendThreadName(ID.a.toUpperCase(), "named")
      expect(home.read().toString()).toBe(canonical(ID.a, "named", "2026-02-03T16:08:29.123Z") + "\n")
    })
  )

  it.scoped("blank names fail with InvalidThreadName and leave the file untouched", () =>
    Effect.gen(function* () {
      const home = yield* tempHome("home")
      const { writer } = yield* servicesOf(home)
      for (const blank of ["", "   ", "\t\n", "\u00a0\u3000"]) {
        const error = yield* failureOf(writer.appendThreadName(ID.a, blank))
        expect(error).toBeInstanceOf(InvalidThreadName)
        expect(error._tag).toBe("InvalidThreadName")
        expect(error.message).toContain("blank")
      }
      // Not even created...
      expect(fs.existsSync(home.home)).toBe(false)
      // ...nor changed when it exists.
      const before = fileOf([canonical(ID.a, "kept")])
      home.write(before)
      yield* failureOf(writer.appendThreadName(ID.a, "  "))
      expect(home.read().equals(before)).toBe(true)
    })
  )

  it.scoped("an invalid id fails with InvalidThreadId and writes nothing", () =>
    Effect.gen(function* () {
      const home = yield* tempHome("home")
      const { writer } = yield* servicesOf(home)
      const error = yield* failureOf(writer.appendThreadName("not-a-uuid", "name"))
      expect(error).toBeInstanceOf(InvalidThreadId)
      expect(error.message).toContain("not-a-uuid")
      expect(fs.existsSync(home.home)).toBe(false)
    })
  )

  it.scoped("a name with lone surrogates fails with InvalidThreadName", () =>
    Effect.gen(function* () {
      const home = yield* tempHome("home")
      const { writer } = yield* servicesOf(home)
      const error = yield* failureOf(writer.appendThreadName(ID.a, "bad \udc00 name"))
      expect(error._tag).toBe("InvalidThreadName")
      expect(fs.existsSync(home.home)).toBe(false)
    })
  )

  const tricky = [
    'say "hello"',
    "back\\slash \\n not a newline",
    "two\nlines",
    "crlf\r\ninside",
    "\nleading and trailing newlines\n",
    "tab\there",
    "nul\u0000 and \u0001\u001f\u007f controls",
    "line\u2028separator\u2029para",
    "emoji 🎉👩‍👩‍👧 flags 🇫🇷",
    "naïve 名前 Ελληνικά עברית",
    `{"id":"${ID.b}","thread_name":"injected","updated_at":"x"}`,
    `x"}\n{"id":"${ID.b}","thread_name":"injected","updated_at":"x"}`
  ]

  it.scoped("any name round-trips through the reader and adds exactly one line", () =>
    Effect.gen(function* () {
      const home = yield* tempHome()
      const { writer, reader } = yield* servicesOf(home)
      for (const [n, name] of tricky.entries()) {
        const id = uuidN(n, 5)
        const linesBefore = home.exists() ? countLines(home.read()) : 0
        yield* writer.appendThreadName(id, name)
        const bytes = home.read()
        expect(countLines(bytes)).toBe(linesBefore + 1)
        expect(bytes[bytes.length - 1]).toBe(10)
        const last = bytes.toString("utf8").split("\n").at(-2)!
        expect(JSON.parse(last)).toMatchObject({ id, thread_name: name.trim() })
        expect(yield* reader.findNameById(id)).toEqual(Option.some(name.trim()))
        expect(yield* reader.findIdByName(name)).toEqual(Option.some(id))
      }
      // Nothing was injected: the model sees exactly the threads written.
      const model = Model.fromBytes(home.read())
      expect(model.entries).toHaveLength(tricky.length)
      expect(yield* reader.findNameById(ID.b)).toEqual(Option.none())
    })
  )

  it.scoped("appendEntry round-trips the same names byte-exactly", () =>
    Effect.gen(function* () {
      const home = yield* tempHome()
      const { writer, reader } = yield* servicesOf(home)
      for (const [n, name] of tricky.entries()) {
        yield* writer.appendEntry({ id: uuidN(n, 6), thread_name: name, updated_at: TS })
      }
      expect(home.read().toString("utf8")).toBe(
        tricky.map((name, n) => JSON.stringify({ id: uuidN(n, 6), thread_name: name, updated_at: TS }) + "\n").join("")
      )
      const found = yield* reader.findNamesByIds(tricky.map((_, n) => uuidN(n, 6)))
      expect(found).toEqual(new Map(tricky.map((name, n) => [uuidN(n, 6), name.trim()])))
    })
  )
})

describe("torn tail", () => {
  it.scoped("a file not ending in \\n gets one before the new line; the fragment stays a bad line", () =>
    Effect.gen(function* () {
      const home = yield* tempHome()
      const fragment = canonical(ID.b, "torn").slice(0, 40)
      const before = canonical(ID.a, "intact") + "\n" + fragment
      home.write(before)
      const { writer, reader } = yield* servicesOf(home)
      yield* writer.appendEntry({ id: ID.c, thread_name: "after", updated_at: TS })
      expect(home.read().toString()).toBe(before + "\n" + canonical(ID.c, "after") + "\n")
      expect(yield* reader.findNameById(ID.c)).toEqual(Option.some("after"))
      expect(yield* reader.findNameById(ID.a)).toEqual(Option.some("intact"))
      expect(yield* reader.findNameById(ID.b)).toEqual(Option.none())
      // A following append adds no extra newline.
      yield* writer.appendThreadName(ID.d, "next")
      expect(countLines(home.read())).toBe(4)
    })
  )

  it.scoped("an empty file gets no leading newline", () =>
    Effect.gen(function* () {
      const home = yield* tempHome()
      home.write("")
      const { writer } = yield* servicesOf(home)
      yield* writer.appendEntry({ id: ID.a, thread_name: "only", updated_at: TS })
      expect(home.read().toString()).toBe(canonical(ID.a, "only") + "\n")
    })
  )
})

describe("concurrency", () => {
  it.scoped("500 concurrent appends in one process give 500 valid lines, all found", () =>
    Effect.gen(function* () {
      const home = yield* tempHome()
      const { writer, reader } = yield* servicesOf(home)
      const ids = Array.from({ length: 500 }, (_, n) => uuidN(n, 7))
      yield* Effect.forEach(ids, (id, n) => writer.appendThreadName(id, `thread ${n}`), { concurrency: "unbounded" })
      const text = home.read().toString("utf8")
      expect(text.endsWith("\n")).toBe(true)
      const lines = text.slice(0, -1).split("\n")
      expect(lines).toHaveLength(500)
      for (const line of lines) {
        expect(line).toMatch(/^\{"id":"[0-9a-f-]{36}","thread_name":"thread \d+","updated_at":"[^"]+"\}$/)
      }
      expect(new Set(lines.map((l) => JSON.parse(l).id)).size).toBe(500)
      const found = yield* reader.findNamesByIds(ids)
      expect(found).toEqual(new Map(ids.map((id, n) => [id, `thread ${n}`])))
    })
  )
})

describe("errors", () => {
  it.scoped("the index path being a directory fails appends with IndexIoError", () =>
    Effect.gen(function* () {
      const home = yield* tempHome()
      fs.mkdirSync(home.indexPath)
      const { writer } = yield* servicesOf(home)
      const error = yield* failureOf(writer.appendThreadName(ID.a, "x"))
      expect(error).toBeInstanceOf(IndexIoError)
      expect(error.message).toContain(home.indexPath)
      const entryError = yield* failureOf(writer.appendEntry({ id: ID.a, thread_name: "x", updated_at: TS }))
      expect(entryError._tag).toBe("IndexIoError")
    })
  )

  it.scoped("codexHome being a regular file fails appends with IndexIoError", () =>
    Effect.gen(function* () {
      const home = yield* tempHome("file")
      fs.writeFileSync(home.home, "")
      const { writer } = yield* servicesOf(home)
      const error = yield* failureOf(writer.appendThreadName(ID.a, "x"))
      expect(error).toBeInstanceOf(IndexIoError)
      expect((error as IndexIoError).path.startsWith(home.home)).toBe(true)
      expect(error.message).toContain(home.home)
      expect(fs.readFileSync(home.home, "utf8")).toBe("")
    })
  )

  it.scoped("the writer's path is the index path", () =>
    Effect.gen(function* () {
      const home = yield* tempHome()
      const { writer, reader } = yield* servicesOf(home)
      expect(writer.path).toBe(path.resolve(home.indexPath))
      expect(reader.path).toBe(path.resolve(home.indexPath))
    })
  )
})
