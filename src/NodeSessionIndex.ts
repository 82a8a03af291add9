/**
 * The layer for Node: `IndexReader` and `IndexWriter` on `<codexHome>/session_index.jsonl`, and
 * the `ThreadCatalog` of the home's rollouts and the `RolloutReader`, with Node's file system,
 * path and the scan worker pool provided.
 *
 * @since 0.1.0
 */
import { Config, type ConfigError, Effect, Layer } from "effect"
import type { IndexReader } from "./IndexReader.js"
import type { IndexWriter } from "./IndexWriter.js"
import type { RolloutReader } from "./RolloutReader.js"
import type { ThreadCatalog } from "./ThreadCatalog.js"
import { layerWith } from "./internal/layer.js"

/**
 * The options of `layer` (and, as `Config`s, of `layerConfig`). All are optional.
 *
 * @since 0.1.0
 * @category models
 */
export interface Options {
  /** The Codex home holding `session_index.jsonl`. Defaults to `CODEX_HOME`, then `~/.codex`. */
  readonly codexHome?: string | undefined
  /** Worker threads for large scans; 0 scans in-process only. Defaults to the core count. */
  readonly workers?: number | undefined
  /** Longer lines are bad lines, skipped without being buffered whole. Default 16 MiB. */
  readonly maxLineBytes?: number | undefined
  /**
   * `ThreadCatalog` watches the rollout folders (Linux, local file systems) and a re-listing
   * reads only what a notification named, instead of a `stat` of every rollout. For processes
   * that list again and again, such as a picker or a sidebar. After the event loop stood still
   * for over a second (the kernel may then have dropped notifications), the next listing lists
   * every folder and `stat`s every rollout again. Costs one inotify watch per folder and a
   * timer waking ten times a second, until the layer closes. Default off.
   */
  readonly watch?: boolean | undefined
}

/**
 * `IndexReader` and `IndexWriter` for `<codexHome>/session_index.jsonl`, `ThreadCatalog` for
 * its rollouts and `RolloutReader`, everything Node needs included. Scan workers start after the first large
 * lookup; closing the layer's scope stops them.
 *
 * @since 0.1.0
 * @category layers
 * @example
 * import { Console, Effect, Option } from "effect"
 * import { IndexReader, NodeSessionIndex } from "session-index"
 *
 * const program = Effect.gen(function* () {
 *   const reader = yield* IndexReader
 *   const name = yield* reader.findNameById("0194f7c2-3b1d-7c4e-9a51-2f0e8d6b1a23")
 *   yield* Console.log(Option.getOrElse(name, () => "(no name)"))
 * })
 *
 * Effect.runPromise(program.pipe(Effect.provide(NodeSessionIndex.layer({ codexHome: "/tmp/codex" }))))
 */
export const layer = (options: Options = {}): Layer.Layer<IndexReader | IndexWriter | ThreadCatalog | RolloutReader> => layerWith(options)

/**
 * The same layer, its options read through `Config` (for instance from the environment); a
 * missing or malformed value fails the layer with a `ConfigError`.
 *
 * @since 0.1.0
 * @category layers
 * @example
 * import { Config, Effect } from "effect"
 * import { IndexReader, NodeSessionIndex } from "session-index"
 *
 * const layer = NodeSessionIndex.layerConfig({
 *   codexHome: Config.string("CODEX_HOME"),
 *   workers: Config.integer("SESSION_INDEX_WORKERS").pipe(Config.withDefault(2))
 * })
 *
 * const threadId = Effect.flatMap(IndexReader, (reader) => reader.findIdByName("fix flaky ci")).pipe(Effect.provide(layer))
 */
export const layerConfig = (options: Config.Config.Wrap<Options>): Layer.Layer<IndexReader | IndexWriter | ThreadCatalog | RolloutReader, ConfigError.ConfigError> =>
  Layer.unwrapEffect(Effect.map(Config.unwrap(options), layer))
