import { NodeContext } from "@effect/platform-node"
import { it } from "@effect/vitest"
import { Effect, Layer, Option } from "effect"
import * as crypto from "node:crypto"
import * as fs from "node:fs"
import * as path from "node:path"
import { expect } from "vitest"
import { IndexReader } from "../src/index.js"
import * as Reader from "../src/internal/reader.js"
import { settingsLayer } from "../src/internal/config.js"
import * as Scanner from "../src/internal/scanner.js"
import { withTempDir } from "./helpers/codexHome.js"

/** Runs `body` on a fresh home whose index names `count` threads `thread <i>`. */
const withFixture = <A, E, R>(count: number, body: (fixture: { readonly home: string; readonly ids: Array<string> }) => Effect.Effect<A, E, R>) =>
  withTempDir("si-batch-", (home) => {
    const ids = Array.from({ length: count }, () => crypto.randomUUID())
    const lines = ids.map((id, i) => JSON.stringify({ id, thread_name: `thread ${i}`, updated_at: "2026-01-01T00:00:00Z" }))
    fs.writeFileSync(path.join(home, "session_index.jsonl"), lines.join("\n") + "\n")
    return body({ home, ids })
  })

/** The real in-process scanner, counting how many scans the reader asks of it. */
const countingReader = (home: string) => {
  let scans = 0
  const scanner = Layer.effect(
    Scanner.Scanner,
    Effect.map(Scanner.make, (inner) =>
      Scanner.Scanner.of({
        ...inner,
        currentNames: (ids) => Effect.suspend(() => (scans++, inner.currentNames(ids)))
      })
    )
  ).pipe(Layer.provide(Scanner.layerInProcessRanges))
  const layer = Reader.layer.pipe(
    Layer.provide(scanner),
    Layer.provide(settingsLayer({ codexHome: home, workers: 0 })),
    Layer.provide(NodeContext.layer)
  )
  return { layer, scans: () => scans }
}

it.live("100 lookups from independent fibers cost one or two scans, with right answers", () =>
  withFixture(300, ({ home, ids }) => {
    const { layer, scans } = countingReader(home)
    return Effect.gen(function* () {
      const reader = yield* IndexReader
      const wanted = ids.slice(0, 100)
      const fibers = yield* Effect.forEach(wanted, (id) => Effect.fork(reader.findNameById(id)))
      const answers = yield* Effect.forEach(fibers, (fiber) => fiber.await.pipe(Effect.flatten))
      expect(answers).toEqual(wanted.map((_, i) => Option.some(`thread ${i}`)))
      expect(scans()).toBeGreaterThanOrEqual(1)
      expect(scans()).toBeLessThanOrEqual(2)
    }).pipe(Effect.provide(layer))
  })
)

it.live("a batched forEach of findNameById is one scan", () =>
  withFixture(50, ({ home, ids }) => {
    const { layer, scans } = countingReader(home)
    return Effect.gen(function* () {
      const reader = yield* IndexReader
      const missing = crypto.randomUUID()
      const answers = yield* Effect.forEach([...ids, missing], (id) => reader.findNameById(id), { batching: true })
      expect(answers.slice(0, 50)).toEqual(ids.map((_, i) => Option.some(`thread ${i}`)))
      expect(answers[50]).toEqual(Option.none())
      expect(scans()).toBe(1)
    }).pipe(Effect.provide(layer))
  })
)

it.live("sequential lookups each scan (nothing is cached wrongly)", () =>
  withFixture(10, ({ home, ids }) => {
    const { layer, scans } = countingReader(home)
    return Effect.gen(function* () {
      const reader = yield* IndexReader
      expect(yield* reader.findNameById(ids[0]!)).toEqual(Option.some("thread 0"))
      fs.appendFileSync(
        path.join(home, "session_index.jsonl"),
        JSON.stringify({ id: ids[0], thread_name: "renamed", updated_at: "2026-01-02T00:00:00Z" }) + "\n"
      )
      expect(yield* reader.findNameById(ids[0]!)).toEqual(Option.some("renamed"))
      expect(scans()).toBe(2)
    }).pipe(Effect.provide(layer))
  })
)
