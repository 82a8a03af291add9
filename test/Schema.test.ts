import { describe, expect, it } from "@effect/vitest"
import { Effect, Either, Schema } from "effect"
import { encodeLine, SessionIndexEntry, ThreadId, ThreadName } from "../src/index.js"
import { decodeEntry, decodeThreadId, decodeThreadName } from "../src/internal/decode.js"
import { formatTimestamp } from "../src/internal/writer.js"
import { ID, TS } from "./helpers/lines.js"

describe("ThreadId", () => {
  const decode = Schema.decodeUnknownEither(ThreadId)

  it("accepts hyphenated UUIDs and normalises them to lowercase", () => {
    expect(decode(ID.a)).toEqual(Either.right(ID.a))
    expect(decode(ID.a.toUpperCase())).toEqual(Either.right(ID.a))
  })

  it("rejects anything else", () => {
    for (const bad of ["", "not-a-uuid", ID.a.replaceAll("-", ""), ` ${ID.a}`, `${ID.a}\n`, `{${ID.a}}`, ID.a.slice(1), 42, null]) {
      expect(Either.isLeft(decode(bad))).toBe(true)
    }
  })

  it.effect("decodeThreadId fails with InvalidThreadId naming the input", () =>
    Effect.gen(function* () {
      expect(yield* decodeThreadId(ID.b.toUpperCase())).toBe(ID.b)
      const error = yield* Effect.flip(decodeThreadId("nope"))
      expect(error._tag).toBe("InvalidThreadId")
      expect(error.input).toBe("nope")
      expect(error.message).toBe('invalid thread id "nope": expected a hyphenated UUID (8-4-4-4-12 hex digits)')
    })
  )
})

describe("ThreadName", () => {
  const decode = Schema.decodeUnknownEither(ThreadName)

  it("trims and keeps everything inside", () => {
    expect(decode("  fix flaky ci \n")).toEqual(Either.right("fix flaky ci"))
    expect(decode('a "b" \\ c\nd 🎉')).toEqual(Either.right('a "b" \\ c\nd 🎉'))
  })

  it("rejects blank names and lone surrogates", () => {
    for (const bad of ["", "   ", "\t\r\n", "x\ud800", "\udc00"]) {
      expect(Either.isLeft(decode(bad))).toBe(true)
    }
  })

  it.effect("decodeThreadName fails with InvalidThreadName and a readable reason", () =>
    Effect.gen(function* () {
      const error = yield* Effect.flip(decodeThreadName("   "))
      expect(error._tag).toBe("InvalidThreadName")
      expect(error.message).toBe('invalid thread name "   ": a thread name cannot be blank')
    })
  )
})

describe("SessionIndexEntry", () => {
  it("encodes to exactly Codex's compact line, fields in order", () => {
    const id = Schema.decodeSync(ThreadId)(ID.a)
    const entry = new SessionIndexEntry({ updated_at: TS, thread_name: "fix flaky ci", id })
    expect(encodeLine(entry)).toBe(`{"id":"${ID.a}","thread_name":"fix flaky ci","updated_at":"${TS}"}\n`)
  })

  it("escapes any name into one line that JSON.parse reads back exactly", () => {
    const id = Schema.decodeSync(ThreadId)(ID.b)
    for (const name of ['q"uote', "back\\slash", "new\nline", "ctl\u0000\u001f", "🎉", "\u2028"]) {
      const line = encodeLine(new SessionIndexEntry({ id, thread_name: name, updated_at: TS }))
      expect(line.indexOf("\n")).toBe(line.length - 1)
      expect(JSON.parse(line)).toEqual({ id: ID.b, thread_name: name, updated_at: TS })
    }
  })

  it.effect("decodeEntry validates the id and field types", () =>
    Effect.gen(function* () {
      const entry = yield* decodeEntry({ id: ID.c.toUpperCase(), thread_name: "x", updated_at: TS })
      expect(entry).toBeInstanceOf(SessionIndexEntry)
      expect(entry.id).toBe(ID.c)
      const error = yield* Effect.flip(decodeEntry({ id: "x", thread_name: "x", updated_at: TS }))
      expect(error._tag).toBe("InvalidEntry")
      expect(error.message).toMatch(/^invalid session index entry: .+/)
      expect((yield* Effect.flip(decodeEntry({ id: ID.c, thread_name: 1, updated_at: TS })))._tag).toBe("InvalidEntry")
    })
  )
})

describe("formatTimestamp", () => {
  it("is RFC 3339 UTC with milliseconds", () => {
    expect(formatTimestamp(0)).toBe("1970-01-01T00:00:00.000Z")
    expect(formatTimestamp(Date.UTC(2026, 1, 3, 16, 8, 29, 123))).toBe("2026-02-03T16:08:29.123Z")
  })
})
