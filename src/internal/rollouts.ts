/**
 * Rollout files of threads: `sessions/YYYY/MM/DD/rollout-<timestamp>-<uuid>.jsonl`, or the same
 * name anywhere under `archived_sessions/`.
 */
import * as FileSystem from "@effect/platform/FileSystem"
import * as Path from "@effect/platform/Path"
import { Effect, Option } from "effect"
import type { IndexIoError } from "../Errors.js"
import { ioError, isNotFound } from "./ioError.js"
import { UUID_PATTERN } from "./scan/entryLine.js"

const ROLLOUT = new RegExp(`^rollout-.+-(${UUID_PATTERN})\\.jsonl$`)
const DATE_DIRS = /^\d{4}[/\\]\d{2}[/\\]\d{2}$/

/** The thread id a rollout's file name carries, lowercase; undefined for another name. */
export const idOfRolloutName = (name: string): string | undefined => ROLLOUT.exec(name)?.[1]?.toLowerCase()

export interface RolloutFile {
  readonly id: string
  readonly path: string
  readonly mtimeMs: number
}

/** Rollout files of the given lowercase ids, in both trees. */
export const findRollouts = (
  codexHome: string,
  ids: ReadonlySet<string>
): Effect.Effect<Array<RolloutFile>, IndexIoError, FileSystem.FileSystem | Path.Path> =>
  Effect.gen(function* () {
    if (ids.size === 0) return []
    const fs = yield* FileSystem.FileSystem
    const path = yield* Path.Path
    const found: Array<RolloutFile> = []
    for (const [tree, dated] of [["sessions", true], ["archived_sessions", false]] as const) {
      const root = path.join(codexHome, tree)
      const entries = yield* fs.readDirectory(root, { recursive: true }).pipe(
        Effect.catchIf(isNotFound, () => Effect.succeed([] as Array<string>)),
        Effect.mapError(ioError("list", root))
      )
      for (const relative of entries) {
        const id = idOfRolloutName(path.basename(relative))
        if (id === undefined || !ids.has(id)) continue
        if (dated && !DATE_DIRS.test(path.dirname(relative))) continue
        const file = path.join(root, relative)
        const info = yield* fs.stat(file).pipe(Effect.option)
        if (Option.isSome(info) && info.value.type === "File") {
          found.push({ id, path: file, mtimeMs: Option.getOrElse(info.value.mtime, () => new Date(0)).getTime() })
        }
      }
    }
    return found
  })
