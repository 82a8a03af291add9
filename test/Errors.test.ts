import { describe, expect, it } from "@effect/vitest"
import { Effect, Schema } from "effect"
import { IndexIoError, InvalidEntry, InvalidThreadId, InvalidThreadName } from "../src/index.js"

describe("errors", () => {
  it("have tags and readable messages", () => {
    const io = new IndexIoError({ op: "open", path: "/home/u/.codex/session_index.jsonl", reason: "PermissionDenied: EACCES" })
    expect(io._tag).toBe("IndexIoError")
    expect(io.message).toBe("open /home/u/.codex/session_index.jsonl failed: PermissionDenied: EACCES")
    expect(new InvalidThreadId({ input: "abc" }).message).toContain('"abc"')
    expect(new InvalidThreadName({ input: " ", reason: "a thread name cannot be blank" }).message).toContain("blank")
    expect(new InvalidEntry({ reason: "id: expected a UUID" }).message).toContain("id: expected a UUID")
  })

  it("are Errors, yieldable as failures", () =>
    Effect.runPromise(
      Effect.gen(function* () {
        const error = yield* Effect.flip(new InvalidThreadId({ input: "x" }))
        expect(error).toBeInstanceOf(Error)
        expect(error).toBeInstanceOf(InvalidThreadId)
      })
    ))

  it("are their own schemas (they cross the worker boundary intact)", () => {
    const io = new IndexIoError({ op: "read", path: "/p", reason: "EIO" })
    const encoded = Schema.encodeSync(IndexIoError)(io)
    expect(encoded).toEqual({ _tag: "IndexIoError", op: "read", path: "/p", reason: "EIO" })
    const decoded = Schema.decodeSync(IndexIoError)(encoded)
    expect(decoded).toBeInstanceOf(IndexIoError)
    expect(decoded.message).toBe(io.message)
  })
})
