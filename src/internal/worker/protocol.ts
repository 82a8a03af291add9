/**
 * Messages between the main thread and scan workers. Workers read through a descriptor the
 * main thread holds open (threads share the process's descriptors), so every range of one
 * lookup reads the very file that was pinned, even if it is replaced meanwhile.
 */
import * as Schema from "effect/Schema"
import { IndexIoError } from "../../Errors.js"

export const NamedThreadSchema = Schema.Struct({
  id: Schema.String,
  name: Schema.String,
  updatedAt: Schema.String,
  offset: Schema.Number
})

const ScanSettings = {
  fd: Schema.Number,
  path: Schema.String,
  maxLineBytes: Schema.Number,
  chunkBytes: Schema.Number
}

/**
 * Current names of `ids` among the lines starting in `[start, end)`. The worker moves each
 * bound to the next line start before `limit` (the end of the scanned region, itself a line
 * start), so adjacent ranges split the region's lines exactly.
 */
export class ScanIds extends Schema.TaggedRequest<ScanIds>()("ScanIds", {
  failure: IndexIoError,
  success: Schema.Array(NamedThreadSchema),
  payload: {
    ...ScanSettings,
    start: Schema.Number,
    end: Schema.Number,
    limit: Schema.Number,
    ids: Schema.Array(Schema.String)
  }
}) {}

/**
 * Lines naming a thread `name` (at most one per thread, newest first) among the lines starting
 * in `[start, end)`, bounds aligned as for `ScanIds`. Which are current is settled after.
 */
export class ScanNameCandidates extends Schema.TaggedRequest<ScanNameCandidates>()("ScanNameCandidates", {
  failure: IndexIoError,
  success: Schema.Array(NamedThreadSchema),
  payload: { ...ScanSettings, start: Schema.Number, end: Schema.Number, limit: Schema.Number, name: Schema.String }
}) {}

export const ScanRequest = Schema.Union(ScanIds, ScanNameCandidates)
export type ScanRequest = typeof ScanRequest.Type
