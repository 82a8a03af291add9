/**
 * The floor for a full scan on this machine: warm worker threads that only read their half of
 * the file and walk its newlines backwards (`Buffer.lastIndexOf`), with no lookup logic and no
 * Effect. Any reverse line scan in Node pays at least this much.
 */
import { Worker } from "node:worker_threads"

const WORKER = `
const { parentPort } = require("node:worker_threads")
const fs = require("node:fs")
const buffer = Buffer.allocUnsafe(4 * 1024 * 1024)
parentPort.on("message", ({ file, start, end }) => {
  const fd = fs.openSync(file, "r")
  let lines = 0
  for (let pos = end; pos > start; ) {
    const length = Math.min(buffer.length, pos - start)
    pos -= length
    fs.readSync(fd, buffer, 0, length, pos)
    for (let nl = buffer.lastIndexOf(10, length - 1); nl >= 0; nl = nl > 0 ? buffer.lastIndexOf(10, nl - 1) : -1) lines++
  }
  fs.closeSync(fd)
  parentPort.postMessage(lines)
})
`

export const makeFloor = (workers: number) => {
  const threads = Array.from({ length: workers }, () => new Worker(WORKER, { eval: true }))
  const scan = (file: string, size: number) =>
    Promise.all(
      threads.map(
        (thread, k) =>
          new Promise<number>((resolve) => {
            thread.once("message", resolve)
            thread.postMessage({ file, start: Math.floor((size * k) / workers), end: Math.floor((size * (k + 1)) / workers) })
          })
      )
    ).then((counts) => counts.reduce((a, b) => a + b, 0))
  return { scan, close: () => Promise.all(threads.map((t) => t.terminate())) }
}
