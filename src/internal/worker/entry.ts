/**
 * Entry point of a scan worker thread (compiled to `dist/internal/worker/entry.js`).
 *
 * @internal
 */
import { WorkerRunner } from "@effect/platform"
import { NodeRuntime, NodeWorkerRunner } from "@effect/platform-node"
import { Layer } from "effect"
import { handlers } from "./handlers.js"
import { ScanRequest } from "./protocol.js"

WorkerRunner.layerSerialized(ScanRequest, handlers).pipe(
  Layer.provide(NodeWorkerRunner.layer),
  WorkerRunner.launch,
  NodeRuntime.runMain
)
