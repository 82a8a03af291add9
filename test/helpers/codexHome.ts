/** Temporary directories and Codex homes for tests, removed when the test (or its scope) is done. */
import { FileSystem } from "@effect/platform"
import { NodeFileSystem } from "@effect/platform-node"
import { Context, Effect, Layer, type Scope } from "effect"
import * as fs from "node:fs"
import * as os from "node:os"
import * as path from "node:path"
import { afterAll, onTestFinished } from "vitest"
import { getCurrentTest } from "vitest/suite"
import { IndexReader, IndexWriter, NodeSessionIndex } from "../../src/index.js"

export interface TempHome {
  readonly home: string
  readonly indexPath: string
  /** Replaces the index with these bytes. */
  readonly write: (bytes: string | Uint8Array) => void
  readonly read: () => Buffer
  readonly exists: () => boolean
  /** The public Node layer on this home, scanning in-process. */
  readonly layer: (options?: { readonly maxLineBytes?: number }) => Layer.Layer<IndexReader | IndexWriter>
}

/** A fresh directory under the system temp dir; nothing removes it (see `tempDir`, `tempDirSync`). */
export const makeTempDir = (prefix = "si-test-"): string => fs.mkdtempSync(path.join(os.tmpdir(), prefix))

export const removeDir = (dir: string): void => {
  try {
    fs.chmodSync(dir, 0o700)
  } catch {
    // already gone
  }
  fs.rmSync(dir, { recursive: true, force: true, maxRetries: 3 })
}

/** A fresh directory under the system temp dir, removed with everything in it when the scope closes. */
export const tempDir = (prefix = "si-test-"): Effect.Effect<string, never, Scope.Scope> =>
  Effect.flatMap(FileSystem.FileSystem, (fileSystem) => fileSystem.makeTempDirectoryScoped({ prefix })).pipe(
    Effect.orDie,
    Effect.provide(NodeFileSystem.layer)
  )

/** Runs `body` on a fresh temp directory, removed (with everything in it) once `body` is done. */
export const withTempDir = <A, E, R>(
  prefix: string,
  body: (dir: string) => Effect.Effect<A, E, R>
): Effect.Effect<A, E, Exclude<R, Scope.Scope>> => Effect.scoped(Effect.flatMap(tempDir(prefix), body))

/** A temp directory for the tests of a `layer(...)` block (every run of a property), removed after them. */
export class SharedTempDir extends Context.Tag("test/SharedTempDir")<SharedTempDir, string>() {}
export const sharedTempDir = (prefix = "si-test-"): Layer.Layer<SharedTempDir> => Layer.scoped(SharedTempDir, tempDir(prefix))

/** Directories `tempDirSync` made outside a test, removed after the test file's tests. */
const madeOutsideTests = new Set<string>()
// This module is evaluated while a test file is collected: the hook belongs to that file.
afterAll(() => {
  for (const dir of madeOutsideTests) removeDir(dir)
  madeOutsideTests.clear()
})

/**
 * For code outside an Effect: a fresh temp directory, removed when the current test finishes
 * or, when made outside a test (while collecting, in a `beforeAll`), after the file's tests.
 */
export const tempDirSync = (prefix = "si-test-"): string => {
  const dir = makeTempDir(prefix)
  if (getCurrentTest() === undefined) madeOutsideTests.add(dir)
  else onTestFinished(() => removeDir(dir))
  return dir
}

/** A home whose index lives at `<dir>/<sub>/session_index.jsonl` (`sub` absent: `<dir>` itself). */
const homeIn = (dir: string, sub?: string): TempHome => {
  const home = sub === undefined ? dir : path.join(dir, sub)
  const indexPath = path.join(home, "session_index.jsonl")
  return {
    home,
    indexPath,
    write: (bytes) => {
      fs.mkdirSync(home, { recursive: true })
      fs.writeFileSync(indexPath, bytes)
    },
    read: () => fs.readFileSync(indexPath),
    exists: () => fs.existsSync(indexPath),
    layer: (options = {}) => NodeSessionIndex.layer({ codexHome: home, workers: 0, ...options })
  }
}

/** A temporary home, deleted when the scope closes. */
export const tempHome = (sub?: string): Effect.Effect<TempHome, never, Scope.Scope> =>
  Effect.map(tempDir(), (dir) => homeIn(dir, sub))

/** Runs `body` with the reader and writer on a fresh home seeded with `bytes` (if given). */
export const withIndex = <A, E>(
  bytes: string | Uint8Array | undefined,
  body: (home: TempHome) => Effect.Effect<A, E, IndexReader | IndexWriter>,
  options: { readonly maxLineBytes?: number } = {}
): Effect.Effect<A, E> =>
  Effect.scoped(
    Effect.flatMap(tempHome(), (home) => {
      if (bytes !== undefined) home.write(bytes)
      return body(home).pipe(Effect.provide(home.layer(options)))
    })
  )

/** The reader and writer of `home`, alive until the current scope closes. */
export const servicesOf = (
  home: TempHome,
  options: { readonly maxLineBytes?: number } = {}
): Effect.Effect<{ readonly reader: IndexReader["Type"]; readonly writer: IndexWriter["Type"] }, never, Scope.Scope> =>
  Effect.map(Layer.build(home.layer(options)), (context) => ({
    reader: Context.get(context, IndexReader),
    writer: Context.get(context, IndexWriter)
  }))

/**
 * The first folder from `dir` up to `/` that other users cannot enter (a clone in a mode-0700
 * mktemp folder, say), or `undefined`: tests that run the checkout as another user skip there.
 */
export const closedToOthers = (dir: string): string | undefined => {
  for (let at = path.resolve(dir); ; at = path.dirname(at)) {
    if ((fs.statSync(at).mode & 0o001) === 0) return at
    if (path.dirname(at) === at) return undefined
  }
}
