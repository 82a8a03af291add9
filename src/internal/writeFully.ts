/**
 * A checked write through the platform `FileSystem`: short writes are continued, and what was
 * written before a failure is reported with it, so no caller mistakes a partial write for a
 * whole one.
 */
import type * as FileSystem from "@effect/platform/FileSystem"
import { Effect } from "effect"

export interface Written {
  readonly written: number
  /** Why the write stopped short; `undefined` when every byte was written. */
  readonly error: unknown
}

/** Writes all of `bytes` at the file's current position. */
export const writeFully = (file: FileSystem.File, bytes: Uint8Array): Effect.Effect<Written> =>
  Effect.gen(function* () {
    let written = 0
    while (written < bytes.length) {
      const result = yield* Effect.either(file.write(bytes.subarray(written)))
      if (result._tag === "Left") return { written, error: result.left }
      const n = Number(result.right)
      if (n === 0) return { written, error: new Error("the write made no progress (0 bytes written)") }
      written += n
    }
    return { written, error: undefined }
  })
