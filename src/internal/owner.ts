/**
 * Gives a file the owner, group and mode of the one it replaces. Through the descriptor
 * (`fchown`/`fchmod`), never the path: a rewrite running as root in a directory someone else
 * can write to must not be steered onto another file by a swapped name.
 */
import type * as FileSystem from "@effect/platform/FileSystem"
import { Effect, Option } from "effect"
import * as NodeFs from "node:fs"

export interface Ownership {
  readonly uid: number | undefined
  readonly gid: number | undefined
  readonly mode: number
}

export const ownershipOf = (info: FileSystem.File.Info): Ownership => ({
  uid: Option.getOrUndefined(info.uid),
  gid: Option.getOrUndefined(info.gid),
  mode: info.mode & 0o7777
})

/**
 * Owner and group first (a `chown` clears set-id bits), then the mode. Fails with the system's
 * error when the owner cannot be kept (only root may give a file away).
 */
export const adoptOwnership = (file: FileSystem.File, like: Ownership): Effect.Effect<void, unknown> =>
  Effect.try({
    try: () => {
      const fd = file.fd
      const now = NodeFs.fstatSync(fd)
      if (like.uid !== undefined && like.gid !== undefined && (now.uid !== like.uid || now.gid !== like.gid)) {
        NodeFs.fchownSync(fd, like.uid, like.gid)
      }
      NodeFs.fchmodSync(fd, like.mode)
    },
    catch: (error) => error
  })
