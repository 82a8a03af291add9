import { it } from "@effect/vitest"
import { Cause, Effect, Either, Option } from "effect"
import * as crypto from "node:crypto"
import * as fs from "node:fs"
import * as path from "node:path"
import { describe, expect } from "vitest"
import { IndexReader } from "../src/index.js"
import { layerWith } from "../src/internal/layer.js"
import { withTempDir } from "./helpers/codexHome.js"

/** Runs `body` on a fresh home with a ~24 MB index whose oldest line names `deep`: finding it means reading everything. */
const withBigIndex = <A, E, R>(
  body: (index: { readonly home: string; readonly deep: string; readonly indexPath: string }) => Effect.Effect<A, E, R>
) =>
  withTempDir("si-faults-", (home) => {
    const deep = crypto.randomUUID()
    const chunks = [JSON.stringify({ id: deep, thread_name: "deep", updated_at: "t" }) + "\n"]
    const filler = Array.from({ length: 2000 }, () =>
      JSON.stringify({ id: crypto.randomUUID(), thread_name: "filler name that is fairly long", updated_at: "t" })
    ).join("\n") + "\n"
    for (let i = 0; i < 100; i++) chunks.push(filler)
    fs.writeFileSync(path.join(home, "session_index.jsonl"), chunks.join(""))
    return body({ home, deep, indexPath: path.join(home, "session_index.jsonl") })
  })

const mutations: Record<string, (indexPath: string) => void> = {
  truncated: (p) => fs.truncateSync(p, 1000),
  replaced: (p) => {
    fs.writeFileSync(p + ".new", JSON.stringify({ id: crypto.randomUUID(), thread_name: "other", updated_at: "t" }) + "\n")
    fs.renameSync(p + ".new", p)
  },
  deleted: (p) => fs.rmSync(p)
}

describe.each([
  ["in-process", { workers: 0 }],
  ["worker pool", { workers: 2, parallelThresholdBytes: 1024 * 1024 }]
] as const)("a long scan (%s) while the file changes under it", (_label, tuning) => {
  for (const [what, mutate] of Object.entries(mutations)) {
    it.live(`${what}: ends with the opened file's answer or a typed error, never garbage or a hang`, () =>
      Effect.gen(function* () {
        for (const delayMs of [0, 5, 25]) {
          yield* withBigIndex(({ home, deep, indexPath }) =>
            Effect.gen(function* () {
              const outcome = yield* Effect.gen(function* () {
                const reader = yield* IndexReader
                const lookup = yield* Effect.fork(Effect.either(reader.findNamesByIds([deep, crypto.randomUUID()])))
                yield* Effect.sleep(`${delayMs} millis`)
                mutate(indexPath)
                return yield* lookup.await
              }).pipe(Effect.provide(layerWith({ codexHome: home, ...tuning })), Effect.timeout("30 seconds"))
              // Not a defect, not an interruption: a value or a typed failure.
              expect(outcome._tag).toBe("Success")
              if (outcome._tag !== "Success") return
              const result = outcome.value
              if (Either.isRight(result)) {
                // The file it opened: the original (deep is its oldest line) or, if the change won
                // the race to the open, the new one (deep survives a truncation to its first line).
                const answers = what === "truncated" ? [[[deep, "deep"]]] : [[[deep, "deep"]], []]
                expect(answers).toContainEqual([...result.right])
              } else {
                expect(result.left._tag).toBe("IndexIoError")
                expect(result.left.message).toContain(indexPath)
              }
            })
          )
        }
      })
    )
  }
})

it.effect("the index path being a directory is a typed failure, and the reader stays usable", () =>
  withTempDir("si-faults-", (home) => {
    fs.mkdirSync(path.join(home, "session_index.jsonl"))
    return Effect.gen(function* () {
      const reader = yield* IndexReader
      const exit = yield* Effect.exit(reader.findNameById(crypto.randomUUID()))
      expect(exit._tag).toBe("Failure")
      if (exit._tag === "Failure") {
        const failure = Cause.failureOption(exit.cause)
        expect(Option.map(failure, (e) => e._tag)).toEqual(Option.some("IndexIoError"))
      }
      fs.rmdirSync(path.join(home, "session_index.jsonl"))
      expect(yield* reader.findNameById(crypto.randomUUID())).toEqual(Option.none())
    }).pipe(Effect.provide(layerWith({ codexHome: home, workers: 0 })))
  })
)
