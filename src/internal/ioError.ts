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
      return [e.reason, typeof code === "string" ? code : undefined, e.description].filter(Boolean).join(": ")
    }
    if (typeof e.message === "string") return e.message
  }
  return String(error)
}

export const isNotFound = (error: PlatformError): boolean =>
  error._tag === "SystemError" && error.reason === "NotFound"
