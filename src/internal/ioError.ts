/**
 * Maps platform failures to the public `IndexIoError` at the edge.
 *
 * @internal
 */
import type { PlatformError } from "@effect/platform/Error"
import { IndexIoError } from "../Errors.js"

export const ioError = (op: string, path: string) => (error: PlatformError | unknown): IndexIoError =>
  new IndexIoError({ op, path, reason: describe(error) })

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
