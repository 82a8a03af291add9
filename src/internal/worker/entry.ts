/**
 * Entry point of a scan worker thread (compiled to `dist/internal/worker/entry.js`). It speaks
 * `@effect/platform`'s worker protocol by hand, so the pool on the main thread is the
 * platform's own, while the worker loads only the scan core.
 *
 * Messages in: `[0, [id, 0, request]]` runs a request, `[0, [id, 1]]` interrupts one, `[1]`
 * closes. A scan runs synchronously to its end, so an interrupt finds nothing left to stop;
 * the pool ignores the late answer. Messages out: `[0]` once ready, `[1, answer]` per request.
 */
import { parentPort } from "node:worker_threads"
import { reply } from "./handlers.js"

const port = parentPort!
port.on("message", (message: readonly [0, readonly [number, 0 | 1, never]] | readonly [1]) => {
  if (message[0] === 1) return port.close()
  const [id, kind, request] = message[1]
  if (kind === 0) port.postMessage([1, reply(id, request)])
})
port.postMessage([0])
