/**
 * The batteries-included layer for Node: file system, path and scan worker pool provided.
 *
 * @since 0.1.0
 */
import type * as FileSystem from "@effect/platform/FileSystem"
import * as NodeContext from "@effect/platform-node/NodeContext"
import * as NodePath from "@effect/platform-node/NodePath"
import { Effect, Layer } from "effect"
import { IndexConfig, type LayerOptions, layerConfig, type TuningOptions } from "./internal/config.js"
import * as Scanner from "./internal/scanner.js"
import { layerPooled, type SpawnWorker } from "./internal/worker/pool.js"
import * as IndexReader from "./IndexReader.js"
import * as IndexWriter from "./IndexWriter.js"

/**
 * @since 0.1.0
 * @category models
 */
export type Options = LayerOptions

/**
 * @internal Tests replace the worker spawner to kill workers mid-scan, and the file system to
 * inject faults the kernel will not produce on demand.
 */
export const layerWith = (
  options: TuningOptions,
  overrides: { readonly spawn?: SpawnWorker; readonly fileSystem?: Layer.Layer<FileSystem.FileSystem> } = {}
): Layer.Layer<IndexReader.IndexReader | IndexWriter.IndexWriter> => {
  const config = layerConfig(options)
  const ranges = Layer.unwrapEffect(
    Effect.map(IndexConfig, (settings) => (settings.workers > 0 ? layerPooled(overrides.spawn) : Scanner.layerInProcessRanges))
  )
  const scanner = Scanner.layer.pipe(Layer.provide(ranges))
  const platform = overrides.fileSystem === undefined ? NodeContext.layer : Layer.merge(overrides.fileSystem, NodePath.layer)
  return Layer.mergeAll(IndexReader.layer.pipe(Layer.provide(scanner)), IndexWriter.layer).pipe(
    Layer.provide(config),
    Layer.provide(platform)
  )
}

/**
 * `IndexReader` and `IndexWriter` for `<codexHome>/session_index.jsonl`, everything Node needs
 * included. Scan workers start on first use; closing the layer's scope stops them.
 *
 * @since 0.1.0
 * @category layers
 */
export const layer = (options: Options = {}): Layer.Layer<IndexReader.IndexReader | IndexWriter.IndexWriter> =>
  layerWith(options)
