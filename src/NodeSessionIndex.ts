/**
 * The batteries-included layer for Node: file system, path and worker pool provided.
 *
 * @since 0.1.0
 */
import { NodeContext } from "@effect/platform-node"
import { Layer } from "effect"
import { type LayerOptions, layerConfig } from "./internal/config.js"
import { layerInProcess } from "./internal/scanner.js"
import * as IndexReader from "./IndexReader.js"
import * as IndexWriter from "./IndexWriter.js"

/**
 * @since 0.1.0
 * @category models
 */
export type Options = LayerOptions

/**
 * `IndexReader` and `IndexWriter` for `<codexHome>/session_index.jsonl`. Closing the layer's
 * scope stops its workers.
 *
 * @since 0.1.0
 * @category layers
 */
export const layer = (
  options: Options = {}
): Layer.Layer<IndexReader.IndexReader | IndexWriter.IndexWriter> => {
  const config = layerConfig(options)
  const scanner = layerInProcess.pipe(Layer.provide(config))
  return Layer.mergeAll(IndexReader.layer.pipe(Layer.provide(scanner)), IndexWriter.layer).pipe(
    Layer.provide(config),
    Layer.provide(NodeContext.layer)
  )
}
