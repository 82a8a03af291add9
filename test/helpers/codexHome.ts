/** Temporary Codex homes for tests, removed when the test's scope closes. */
import { Context, Effect, Layer, type Scope } from "effect"
import * as fs from "node:fs"
import * as os from "node:os"
import * as path from "node:path"
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

export const makeTempDir = (prefix = "si-test-"): string => fs.mkdtempSync(path.join(os.tmpdir(), prefix))

export const removeDir = (dir: string): void => {
  try {
    fs.chmodSync(dir, 0o700)
  } catch {
    // already gone
  }
  fs.rmSync(dir, { recursive: true, force: true })
}

/** A home whose index lives at `<dir>/<sub>/session_index.jsonl` (`sub` absent: `<dir>` itself). */
export const tempHomeSync = (sub?: string): TempHome & { readonly dir: string } => {
  const dir = makeTempDir()
  const home = sub === undefined ? dir : path.join(dir, sub)
  const indexPath = path.join(home, "session_index.jsonl")
  return {
    dir,
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
  Effect.acquireRelease(
    Effect.sync(() => tempHomeSync(sub)),
    (h) => Effect.sync(() => removeDir(h.dir))
  )

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
