/**
 * Maps system failures to the public `IndexIoError` at the edge, keeping the original as
 * `cause`.
 */
import type { PlatformError } from "@effect/platform/Error"
import { Effect } from "effect"
import { IndexIoError, type IoOperation } from "../Errors.js"
import { FileShrankError } from "./scan/reverseReader.js"
import { describeFailure, isSystemError } from "./systemError.js"

export const ioError = (op: IoOperation, path: string) => (error: PlatformError | unknown): IndexIoError =>
  new IndexIoError({ op, path, reason: describeFailure(error), cause: error })

export const isNotFound = (error: PlatformError): boolean =>
  error._tag === "SystemError" && error.reason === "NotFound"

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
