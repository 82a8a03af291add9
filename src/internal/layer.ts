/**
 * The services of one index, assembled: settings, scanner (in-process or pooled), reader,
 * writer, the thread catalog (which names threads through the reader) and the rollout reader,
 * on Node's file system and path. Tests replace the worker spawner (to kill workers
 * mid-scan) and the file system (to inject faults the kernel will not produce on demand).
 */
import type * as FileSystem from "@effect/platform/FileSystem"
import * as NodeFileSystem from "@effect/platform-node/NodeFileSystem"
import * as NodePath from "@effect/platform-node/NodePath"
import { Effect, Layer } from "effect"
import type { IndexReader } from "../IndexReader.js"
import type { IndexWriter } from "../IndexWriter.js"
import * as RolloutReader from "../RolloutReader.js"
import type { ThreadCatalog } from "../ThreadCatalog.js"
import * as catalog from "./catalog/catalog.js"
import { Settings, settingsLayer, type Tuning } from "./config.js"
import * as reader from "./reader.js"
import * as Scanner from "./scanner.js"
import { layerPooled, type SpawnWorker } from "./worker/pool.js"
import * as writer from "./writer.js"

export const layerWith = (
  options: Tuning,
  overrides: { readonly spawn?: SpawnWorker; readonly fileSystem?: Layer.Layer<FileSystem.FileSystem> } = {}
): Layer.Layer<IndexReader | IndexWriter | ThreadCatalog | RolloutReader.RolloutReader> => {
  const ranges = Layer.unwrapEffect(
    Effect.map(Settings, (settings) => (settings.workers > 0 ? layerPooled(overrides.spawn) : Scanner.layerInProcessRanges))
  )
  const scanner = Scanner.layer.pipe(Layer.provide(ranges))
  const platform = Layer.merge(overrides.fileSystem ?? NodeFileSystem.layer, NodePath.layer)
  const readerAndCatalog = catalog.layer.pipe(Layer.provideMerge(reader.layer.pipe(Layer.provide(scanner))))
  return Layer.mergeAll(readerAndCatalog, writer.layer, RolloutReader.layer()).pipe(
    Layer.provide(settingsLayer(options)),
    Layer.provide(platform)
  )
}
