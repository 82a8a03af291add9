/**
 * The consumer apps and their compiler settings, as text written into each throwaway project
 * (kept out of this repo's own type-check, where `session-index` would resolve to the checkout).
 *
 * Every app takes `append HOME ID NAME`: it prints `APPENDING`, appends the name (which waits
 * while the test holds Codex's lock), reads it back by id and by name, and prints one
 * `RESULT {json}` line. The TypeScript app also takes `scan HOME FIRST RENAMED MISSING FIRSTNAME`
 * (lookups on a large index, with `workers: 2`).
 */
import * as fs from "node:fs"
import * as path from "node:path"
import { repoRoot } from "./process.js"

const pkg = JSON.parse(fs.readFileSync(path.join(repoRoot, "package.json"), "utf8")) as {
  readonly version: string
  readonly peerDependencies: Record<string, string>
  readonly devDependencies: Record<string, string>
}

export const VERSION = pkg.version

/** What a user installs beside the package: the peers, at the ranges the package asks for. */
export const PEERS = Object.entries(pkg.peerDependencies).map(([name, range]) => `${name}@${range}`)

/** The lowest versions the peer ranges admit (`^3.22.1` is 3.22.1). */
export const LOWEST_PEERS: Record<string, string> = Object.fromEntries(
  Object.entries(pkg.peerDependencies).map(([name, range]) => {
    const match = /^\^(\d+\.\d+\.\d+)$/.exec(range)
    if (match === null) throw new Error(`peer range ${name}@${range} is not ^x.y.z: say which version is the lowest`)
    return [name, match[1]!]
  })
)

/** The compiler and Node's types, at the versions this repo builds with. */
export const TYPESCRIPT = [`typescript@${pkg.devDependencies["typescript"]}`, `@types/node@${pkg.devDependencies["@types/node"]}`]

/**
 * A strict tsconfig; lib checking on (the package's .d.ts checked too) unless `skipLibCheck` is
 * passed where another project already checks them under the same resolution rules: it costs
 * ~9 s a run (all of effect's .d.ts), and the apps' `@ts-expect-error` probes still fail if the
 * package's types degrade to `any`.
 */
export const tsconfig = (compilerOptions: Record<string, unknown>, include: ReadonlyArray<string> = ["src"]): string =>
  JSON.stringify(
    {
      compilerOptions: {
        target: "ES2022",
        strict: true,
        skipLibCheck: false,
        types: ["node"],
        ...compilerOptions
      },
      include
    },
    null,
    2
  )

/** ESM TypeScript (NodeNext, bundler resolution, the esbuild bundle, the lowest peers). */
export const APP_TS = `import { Chunk, Config, Effect, Option, Stream } from "effect"
import {
  IndexReader,
  IndexWriter,
  isSessionIndexError,
  NodeSessionIndex,
  type SessionIndexEntry,
  type IndexReaderShape,
  type SessionIndexError,
  type ThreadId
} from "session-index"

// @ts-expect-error the package closes its internals ("./internal/*": null)
export type Internal = typeof import("session-index/internal/layer.js")

// Probes: were the package's types \`any\` (an import its .d.ts cannot resolve), these would not fail.
export const probe = (reader: IndexReaderShape): unknown => {
  // @ts-expect-error a lookup is an Effect, not its answer
  const wrong: Option.Option<string> = reader.findNameById("x")
  // @ts-expect-error ThreadId is branded: a plain string is not one
  const id: ThreadId = "0194f7c2-3b1d-7c4e-9a51-2f0e8d6b1a23"
  return [wrong, id]
}

const [mode, codexHome, ...rest] = process.argv.slice(2) as [string, string, ...Array<string>]

const append = (id: string, name: string) =>
  Effect.gen(function* () {
    const writer = yield* IndexWriter
    const reader = yield* IndexReader
    console.log("APPENDING")
    const started = performance.now()
    yield* writer.appendThreadName(id, name)
    const appendMs = performance.now() - started
    const found: Option.Option<string> = yield* reader.findNameById(id)
    const back: Option.Option<ThreadId> = yield* reader.findIdByName(name)
    const latest: ReadonlyArray<SessionIndexEntry> = Chunk.toReadonlyArray(
      yield* reader.latestEntries.pipe(Stream.take(3), Stream.runCollect)
    )
    const refused: SessionIndexError = yield* Effect.flip(writer.appendThreadName(id, "   "))
    return {
      appendMs,
      name: Option.getOrNull(found),
      id: Option.getOrNull(back),
      latest: latest.map((entry) => entry.thread_name),
      refused: refused._tag,
      refusedIsSessionIndexError: isSessionIndexError(refused)
    }
  })

const scan = (first: string, renamed: string, missing: string, firstName: string) =>
  Effect.gen(function* () {
    const reader = yield* IndexReader
    const started = performance.now()
    const a = yield* reader.findNameById(first)
    const b = yield* reader.findNameById(renamed)
    const none = yield* reader.findNameById(missing)
    const batch: ReadonlyMap<string, string> = yield* reader.findNamesByIds([first, renamed, missing])
    const byName = yield* reader.findIdByName(firstName)
    return {
      first: Option.getOrNull(a),
      renamed: Option.getOrNull(b),
      missing: Option.getOrNull(none),
      batch: Object.fromEntries(batch),
      byName: Option.getOrNull(byName),
      scanMs: performance.now() - started
    }
  })

const internal: string = await import(["session-index", "internal", "layer.js"].join("/")).then(
  () => "loaded",
  (error: { code?: string }) => error.code ?? String(error)
)

const result = mode === "scan"
  ? await Effect.runPromise(
      scan(rest[0]!, rest[1]!, rest[2]!, rest[3]!).pipe(
        Effect.provide(NodeSessionIndex.layer({ codexHome, workers: 2 } satisfies NodeSessionIndex.Options))
      )
    )
  : await Effect.runPromise(
      append(rest[0]!, rest[1]!).pipe(Effect.provide(NodeSessionIndex.layerConfig({ codexHome: Config.succeed(codexHome) })))
    )
console.log("RESULT " + JSON.stringify({ ...result, internal }))
`

/** CommonJS TypeScript: no top-level await; compiled to require() calls. */
export const APP_CTS = `import { Effect, Option } from "effect"
import { IndexReader, IndexWriter, NodeSessionIndex, type IndexReaderShape, type SessionIndexError, type ThreadId } from "session-index"

// Probes: were the package's types \`any\` (an import its .d.ts cannot resolve), these would not fail.
export const probe = (reader: IndexReaderShape): unknown => {
  // @ts-expect-error a lookup is an Effect, not its answer
  const wrong: Option.Option<string> = reader.findNameById("x")
  // @ts-expect-error ThreadId is branded: a plain string is not one
  const id: ThreadId = "0194f7c2-3b1d-7c4e-9a51-2f0e8d6b1a23"
  return [wrong, id]
}

const [, codexHome, id, name] = process.argv.slice(2) as [string, string, string, string]

const program = Effect.gen(function* () {
  const writer = yield* IndexWriter
  const reader = yield* IndexReader
  console.log("APPENDING")
  const started = performance.now()
  yield* writer.appendThreadName(id, name)
  const appendMs = performance.now() - started
  const found: Option.Option<string> = yield* reader.findNameById(id)
  const back: Option.Option<ThreadId> = yield* reader.findIdByName(name)
  const refused: SessionIndexError = yield* Effect.flip(writer.appendThreadName(id, "   "))
  return { appendMs, name: Option.getOrNull(found), id: Option.getOrNull(back), refused: refused._tag }
})

Effect.runPromise(program.pipe(Effect.provide(NodeSessionIndex.layer({ codexHome })))).then(
  (result) => console.log("RESULT " + JSON.stringify(result)),
  (error: unknown) => {
    console.error(error)
    process.exitCode = 1
  }
)
`

/** Plain JavaScript, \`require\` (a .cjs file) or \`import\` (a .mjs file). */
export const appJs = (kind: "cjs" | "esm"): string => `${
  kind === "cjs"
    ? `"use strict"
const { Effect, Option } = require("effect")
const { IndexReader, IndexWriter, NodeSessionIndex, isSessionIndexError } = require("session-index")
const version = require("session-index/package.json").version
const internal = (() => {
  try {
    require("session-index/internal/layer.js")
    return "loaded"
  } catch (error) {
    return error.code
  }
})()`
    : `import { Effect, Option } from "effect"
import { IndexReader, IndexWriter, NodeSessionIndex, isSessionIndexError } from "session-index"
import { createRequire } from "node:module"
const version = createRequire(import.meta.url)("session-index/package.json").version
const internal = await import("session-index/internal/layer.js").then(() => "loaded", (error) => error.code)`
}

const [, codexHome, id, name] = process.argv.slice(2)

const program = Effect.gen(function* () {
  const writer = yield* IndexWriter
  const reader = yield* IndexReader
  console.log("APPENDING")
  const started = performance.now()
  yield* writer.appendThreadName(id, name)
  const appendMs = performance.now() - started
  const found = yield* reader.findNameById(id)
  const back = yield* reader.findIdByName(name)
  const refused = yield* Effect.flip(writer.appendThreadName(id, "   "))
  return {
    appendMs,
    name: Option.getOrNull(found),
    id: Option.getOrNull(back),
    refused: refused._tag,
    refusedIsSessionIndexError: isSessionIndexError(refused)
  }
})

Effect.runPromise(program.pipe(Effect.provide(NodeSessionIndex.layer({ codexHome })))).then(
  (result) => console.log("RESULT " + JSON.stringify({ ...result, version, internal })),
  (error) => {
    console.error(error)
    process.exitCode = 1
  }
)
`
