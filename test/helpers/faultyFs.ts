/**
 * A `FileSystem` over Node's real one that can cut writes short or fail them the way a full
 * disk or a file-size limit does, and that counts every operation: which are in flight, and a
 * hook called before each one starts (to interrupt a rewrite at exactly that point).
 */
import { SystemError } from "@effect/platform/Error"
import * as FileSystem from "@effect/platform/FileSystem"
import * as NodeFileSystem from "@effect/platform-node/NodeFileSystem"
import { Effect, Fiber, Layer } from "effect"
import { type AppendFs, nodeAppendFs } from "../../src/internal/appendBatch.js"

export interface WriteCall {
  /** 0-based count of writes so far, over every file. */
  readonly n: number
  readonly path: string
  readonly bytes: number
}

/** Write only `short` bytes, or fail with `errno` (after writing nothing). */
export type WriteFault = { readonly short: number } | { readonly errno: "ENOSPC" | "EFBIG" | "EDQUOT" | "EIO" }

export interface Faults {
  readonly write?: (call: WriteCall) => WriteFault | undefined
  /** Runs before operation number `n` (0-based, every kind counted) starts. */
  readonly beforeOp?: (n: number, op: string, path: string) => Effect.Effect<void>
}

export interface OpLog {
  started: number
  inFlight: number
  writes: number
  readonly ops: Array<string>
}

const failure = (method: string, errno: string, path: string) =>
  new SystemError({
    reason: "Unknown",
    module: "FileSystem",
    method,
    pathOrDescriptor: path,
    description: `${errno}: injected`,
    cause: Object.assign(new Error(errno), { code: errno })
  })

/**
 * The faulty platform `FileSystem` (rewrites, the feed) and the faulty system calls of appends,
 * sharing one fault schedule and one log.
 */
export const faultyFileSystem = (
  faults: Faults = {}
): { readonly layer: Layer.Layer<FileSystem.FileSystem>; readonly appendFs: AppendFs; readonly log: OpLog } => {
  const log: OpLog = { started: 0, inFlight: 0, writes: 0, ops: [] }
  /**
   * The operation runs in a fiber of its own, so `inFlight` counts what the system is really
   * doing: interrupting the caller does not stop a read or write already handed to the kernel.
   */
  const track = <A, E, R>(op: string, path: string, self: Effect.Effect<A, E, R>): Effect.Effect<A, E, R> =>
    Effect.suspend(() => {
      const n = log.started
      const before = faults.beforeOp?.(n, op, path) ?? Effect.void
      return Effect.zipRight(
        before,
        Effect.suspend(() => {
          log.started++
          log.inFlight++
          log.ops.push(`${op} ${path}`)
          return Effect.flatMap(Effect.forkDaemon(Effect.ensuring(self, Effect.sync(() => void log.inFlight--))), Fiber.join)
        })
      )
    })

  const wrapFile = (file: FileSystem.File, path: string): FileSystem.File => {
    const write = (buffer: Uint8Array) =>
      Effect.suspend(() => {
        const n = log.writes++
        const fault = faults.write?.({ n, path, bytes: buffer.length })
        if (fault === undefined) return file.write(buffer)
        if ("errno" in fault) return Effect.fail(failure("write", fault.errno, path))
        return file.write(buffer.subarray(0, Math.min(fault.short, buffer.length)))
      })
    return {
      [FileSystem.FileTypeId]: FileSystem.FileTypeId,
      fd: file.fd,
      stat: track("fstat", path, file.stat),
      seek: (offset, from) => file.seek(offset, from),
      sync: track("fsync", path, file.sync),
      read: (buffer) => track("read", path, file.read(buffer)),
      readAlloc: (size) => track("read", path, file.readAlloc(size)),
      truncate: (length) => track("truncate", path, file.truncate(length)),
      write: (buffer) => track("write", path, write(buffer)),
      writeAll: (buffer) =>
        track(
          "write",
          path,
          Effect.gen(function* () {
            let done = 0
            while (done < buffer.length) done += Number(yield* write(buffer.subarray(done)))
          })
        )
    }
  }

  const layer = Layer.effect(
    FileSystem.FileSystem,
    Effect.map(FileSystem.FileSystem, (real) =>
      FileSystem.FileSystem.of({
        ...real,
        open: (path, options) => Effect.map(track("open", path, real.open(path, options)), (file) => wrapFile(file, path)),
        stat: (path) => track("stat", path, real.stat(path)),
        realPath: (path) => track("realPath", path, real.realPath(path)),
        rename: (from, to) => track("rename", from, real.rename(from, to)),
        remove: (path, options) => track("remove", path, real.remove(path, options)),
        readDirectory: (path, options) => track("readDirectory", path, real.readDirectory(path, options)),
        readFileString: (path, encoding) => track("readFile", path, real.readFileString(path, encoding)),
        makeDirectory: (path, options) => track("mkdir", path, real.makeDirectory(path, options))
      })
    )
  ).pipe(Layer.provide(NodeFileSystem.layer))
  const appendFs: AppendFs = {
    ...nodeAppendFs,
    write: (fd, buffer) => {
      const n = log.writes++
      const fault = faults.write?.({ n, path: `fd ${fd}`, bytes: buffer.length })
      if (fault === undefined) return nodeAppendFs.write(fd, buffer)
      if ("errno" in fault) throw Object.assign(new Error(`${fault.errno}: injected, write`), { code: fault.errno })
      return nodeAppendFs.write(fd, buffer.subarray(0, Math.min(fault.short, buffer.length)))
    }
  }
  return { layer, appendFs, log }
}
