/**
 * The scanning back end of `IndexReader`: in-process for small files, the worker pool for
 * large ones. Answers are keyed by lowercase id.
 *
 * @internal
 */
import { FileSystem } from "@effect/platform"
import { Context, Effect, Layer } from "effect"
import type { IndexIoError } from "../Errors.js"
import { IndexConfig } from "./config.js"
import { scanFile } from "./fileScan.js"
import { currentNames, type NamedThread, threadsNamed, toNamedThread } from "./scan/programs.js"

export type { NamedThread }

export class Scanner extends Context.Tag("session-index/Scanner")<Scanner, {
  readonly currentNames: (ids: ReadonlyArray<string>) => Effect.Effect<ReadonlyMap<string, NamedThread>, IndexIoError>
  readonly threadsNamed: (name: string, firstOnly: boolean) => Effect.Effect<ReadonlyArray<NamedThread>, IndexIoError>
}>() {}

/** Scans on the calling thread through the platform `FileSystem`. */
export const makeInProcess = Effect.gen(function* () {
  const fs = yield* FileSystem.FileSystem
  const config = yield* IndexConfig
  const provide = Effect.provideService(FileSystem.FileSystem, fs)
  return Scanner.of({
    currentNames: (ids) =>
      scanFile(
        config.indexPath,
        (size) => currentNames(ids, 0, size, config.scan),
        () => new Map()
      ).pipe(
        Effect.map((found) => new Map([...found].map(([id, match]) => [id, toNamedThread(match)]))),
        provide
      ),
    threadsNamed: (name, firstOnly) =>
      scanFile(
        config.indexPath,
        (size) => threadsNamed(name, firstOnly, size, config.scan),
        () => []
      ).pipe(Effect.map((found) => found.map(toNamedThread)), provide)
  })
})

export const layerInProcess = Layer.effect(Scanner, makeInProcess)
