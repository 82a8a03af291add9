import { it } from "@effect/vitest"
import { Config, ConfigError, ConfigProvider, Effect, Layer, Option } from "effect"
import * as crypto from "node:crypto"
import * as fs from "node:fs"
import * as os from "node:os"
import * as path from "node:path"
import { describe, expect } from "vitest"
import { IndexReader, IndexWriter, isSessionIndexError, NodeSessionIndex } from "../src/index.js"

describe("NodeSessionIndex.layerConfig", () => {
  it.effect("reads its options through Config: a missing value fails the layer with a ConfigError", () =>
    Effect.gen(function* () {
      const layer = NodeSessionIndex.layerConfig({ codexHome: Config.string("SESSION_INDEX_TEST_HOME") })
      const error = yield* Effect.flip(Layer.build(layer).pipe(Effect.scoped))
      expect(ConfigError.isConfigError(error)).toBe(true)
      expect(String(error)).toContain("SESSION_INDEX_TEST_HOME")
    }).pipe(Effect.withConfigProvider(ConfigProvider.fromMap(new Map())))
  )

  it.effect("a malformed value is a ConfigError too", () =>
    Effect.gen(function* () {
      const layer = NodeSessionIndex.layerConfig({ workers: Config.integer("SESSION_INDEX_TEST_WORKERS") })
      const error = yield* Effect.flip(Layer.build(layer).pipe(Effect.scoped))
      expect(ConfigError.isConfigError(error)).toBe(true)
    }).pipe(Effect.withConfigProvider(ConfigProvider.fromMap(new Map([["SESSION_INDEX_TEST_WORKERS", "two"]]))))
  )

  it.live("with its values there, it is the same layer as NodeSessionIndex.layer", () => {
    const home = fs.mkdtempSync(path.join(os.tmpdir(), "si-layer-config-"))
    const id = crypto.randomUUID()
    return Effect.gen(function* () {
      yield* (yield* IndexWriter).appendThreadName(id, "configured")
      expect(yield* (yield* IndexReader).findNameById(id)).toEqual(Option.some("configured"))
      expect(fs.existsSync(path.join(home, "session_index.jsonl"))).toBe(true)
    }).pipe(
      Effect.provide(
        NodeSessionIndex.layerConfig({
          codexHome: Config.string("SESSION_INDEX_TEST_HOME"),
          workers: Config.integer("SESSION_INDEX_TEST_WORKERS")
        })
      ),
      Effect.withConfigProvider(
        ConfigProvider.fromMap(new Map([["SESSION_INDEX_TEST_HOME", home], ["SESSION_INDEX_TEST_WORKERS", "0"]]))
      ),
      Effect.ensuring(Effect.sync(() => fs.rmSync(home, { recursive: true, force: true })))
    )
  })
})

describe("errors", () => {
  it.effect("every failure of the library is recognised by isSessionIndexError, and carries its system cause", () => {
    const home = fs.mkdtempSync(path.join(os.tmpdir(), "si-errors-"))
    fs.mkdirSync(path.join(home, "session_index.jsonl"))
    return Effect.gen(function* () {
      const reader = yield* IndexReader
      const io = yield* Effect.flip(reader.findNameById(crypto.randomUUID()))
      const invalid = yield* Effect.flip(reader.findNameById("not a uuid"))
      expect(isSessionIndexError(io) && isSessionIndexError(invalid)).toBe(true)
      expect(isSessionIndexError(new Error("x"))).toBe(false)
      expect(io).toMatchObject({ _tag: "IndexIoError", op: "read" })
      const writeError = yield* Effect.flip((yield* IndexWriter).appendThreadName(crypto.randomUUID(), "x"))
      expect(writeError).toMatchObject({ _tag: "IndexIoError", op: "open" })
      expect((writeError as { cause?: { code?: string } }).cause?.code).toBe("EISDIR")
    }).pipe(
      Effect.provide(NodeSessionIndex.layer({ codexHome: home, workers: 0 })),
      Effect.ensuring(Effect.sync(() => fs.rmSync(home, { recursive: true, force: true })))
    )
  })
})
