/**
 * Telling a system's failure from a bug, and saying what it was, without Effect: the scan
 * workers use this too, and they load nothing but the scan core.
 */

/**
 * An error the system raised (it has an errno code such as `EIO`): a real I/O failure. Node's
 * own `ERR_*` codes (a bad argument, a value out of range) are bugs.
 */
export const isSystemError = (error: unknown): boolean => {
  const code = typeof error === "object" && error !== null ? (error as { code?: unknown }).code : undefined
  return typeof code === "string" && !code.startsWith("ERR_")
}

/** One line for a failure: a platform `SystemError`'s reason and description, else its message. */
export const describeFailure = (error: unknown): string => {
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
