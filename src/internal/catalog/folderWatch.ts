/**
 * Kernel notifications of a folder's changes (inotify, through `fs.watch`), so that a walk
 * can `stat` only the files that changed instead of every file of the home.
 *
 * Trusted only where the kernel sees every change: on Linux, on a local file system (a
 * network share's changes made elsewhere are never reported). A file written through another
 * hard link, or through a memory mapping, is not reported either; Codex does neither to its
 * rollouts. The kernel also drops notifications that pile up unread
 * (`fs.inotify.max_queued_events`, 16,384 by default), and Node does not say when it did:
 * `StallGuard` notices when the event loop stood still long enough for that to happen, and
 * the walk then trusts nothing it remembered.
 */
import * as fs from "node:fs"
import { type IntervalHistogram, monitorEventLoopDelay } from "node:perf_hooks"

/** `statfs` magic numbers of local file systems: every change to them goes through this kernel. */
const LOCAL_FILE_SYSTEMS = new Set([
  0xef53, // ext2, ext3, ext4
  0x58465342, // xfs
  0x9123683e, // btrfs
  0x01021994, // tmpfs
  0x794c7630, // overlayfs
  0xf2f52010, // f2fs
  0x2fc12fc1, // zfs
  0xca451a4e // bcachefs
])

/** Whether notifications for folders under `dir` report every change made to them. */
export const notifiesEveryChange = (dir: string): boolean => {
  if (process.platform !== "linux") return false
  try {
    return LOCAL_FILE_SYSTEMS.has(fs.statfsSync(dir).type)
  } catch {
    return false
  }
}

/** What happened in a folder since the last `take`. */
export interface FolderChanges {
  /** An entry was added, removed or renamed, or the folder itself moved or failed. */
  readonly stale: boolean
  /** The entries named by any notification (modified, attributes changed, added, removed). */
  readonly names: ReadonlySet<string>
}

const UNCHANGED: FolderChanges = { stale: false, names: new Set() }

/** One folder's notifications, gathered as the event loop delivers them. */
export class FolderWatch {
  private stale = false
  private names = new Set<string>()

  private constructor(private readonly watcher: fs.FSWatcher) {
    watcher.on("change", (event, name) => {
      if (event === "rename" || name === null) this.stale = true
      if (name !== null) this.names.add(String(name))
    })
    watcher.on("error", () => {
      this.stale = true
    })
  }

  /** Undefined when the folder cannot be watched (gone, or the user's watch limit reached). */
  static open(dir: string): FolderWatch | undefined {
    try {
      // Not persistent: a watch must never keep the process alive.
      return new FolderWatch(fs.watch(dir, { persistent: false }))
    } catch {
      return undefined
    }
  }

  /** The changes delivered so far, forgotten here: later ones are gathered for the next walk. */
  take(): FolderChanges {
    if (!this.stale && this.names.size === 0) return UNCHANGED
    const changes = { stale: this.stale, names: this.names }
    this.stale = false
    this.names = new Set()
    return changes
  }

  close(): void {
    this.watcher.close()
  }
}

/**
 * Notices that the event loop stood still longer than `limitMs`. Notifications are read
 * only between turns of the loop; while it stands still they queue in the kernel, which
 * drops them past its limit. Samples the loop's delay ten times a second while open.
 */
const SAMPLE_MS = 100

export class StallGuard {
  private readonly delays: IntervalHistogram = monitorEventLoopDelay({ resolution: SAMPLE_MS })
  private since = performance.now()

  constructor(private readonly limitMs: number) {
    this.delays.enable()
  }

  /** Whether the loop stood still longer than the limit since the last call. */
  stalled(): boolean {
    const now = performance.now()
    // A delay is counted from when a sample was due, up to a sample's interval after the loop
    // stopped. The sampler's first tick only sets its baseline: a stall before it shows as no tick.
    const stalled = this.delays.max > (this.limitMs - SAMPLE_MS) * 1e6 || (this.delays.count === 0 && now - this.since > this.limitMs)
    this.delays.reset()
    this.since = now
    return stalled
  }

  close(): void {
    this.delays.disable()
  }
}
