/**
 * Maps system failures to the public `IndexIoError` at the edge, keeping the original as
 * `cause`.
 */
import type { PlatformError } from "@effect/platform/Error"
import { Effect } from "effect"
import { IndexIoError, type IoOperation } from "../Errors.js"
import { FileShrankError } from "./scan/reverseReader.js"

export const ioError = (op: IoOperation, path: string) => (error: PlatformError | unknown): IndexIoError =>
  new IndexIoError({ op, path, reason: describe(error), cause: error })

const describe = (error: unknown): string => {
  if (typeof error === "object" && error !== null) {
    const e = error as { _tag?: string; reason?: unknown; description?: unknown; cause?: unknown; message?: unknown }
    if (e._tag === "SystemError" || e._tag === "BadArgument") {
      const code = (e.cause as { code?: unknown } | undefined)?.code
      const description = typeof e.description === "string" ? e.description : undefined
      // Node's description already starts with the code ("ENOSPC: no space left on device, write").
      const parts = [e.reason === "Unknown" ? undefined : e.reason, description?.startsWith(String(code)) ? undefined : code, description]
      return parts.filter((part) => typeof part === "string" && part !== "").join(": ")
    }
    if (typeof e.message === "string") return e.message
  }
  return String(error)
}

export const isNotFound = (error: PlatformError): boolean =>
  error._tag === "SystemError" && error.reason === "NotFound"

/** An error the system raised (it has a code such as `EIO`): a real I/O failure, not a bug. */
export const isSystemError = (error: unknown): boolean =>
  typeof error === "object" && error !== null && typeof (error as { code?: unknown }).code === "string"

/**
 * Runs `f`: a system error, or the file shrinking under a scan, fails as `IndexIoError`;
 * anything else is a bug and stays a defect.
 */
export const attemptIo = <A>(op: IoOperation, path: string, f: () => A): Effect.Effect<A, IndexIoError> =>
  Effect.suspend(() => {
    try {
      return Effect.succeed(f())
    } catch (error) {
      return isSystemError(error) || error instanceof FileShrankError ? Effect.fail(ioError(op, path)(error)) : Effect.die(error)
    }
  })
