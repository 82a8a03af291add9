/**
 * Entry point of a scan worker thread (compiled to `dist/internal/worker/entry.js`).
 */
// Deep imports: a package root would load every module (HTTP, undici, ...) into each worker.
import * as WorkerRunner from "@effect/platform/WorkerRunner"
import * as NodeRuntime from "@effect/platform-node/NodeRuntime"
import * as NodeWorkerRunner from "@effect/platform-node/NodeWorkerRunner"
import * as Layer from "effect/Layer"
import { handlers } from "./handlers.js"
import { ScanRequest } from "./protocol.js"

WorkerRunner.layerSerialized(ScanRequest, handlers).pipe(
  Layer.provide(NodeWorkerRunner.layer),
  WorkerRunner.launch,
  NodeRuntime.runMain
)
