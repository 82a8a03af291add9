/**
 * What the catalog bench runs in a fresh process: `node dist-bench/catalogChild.js MODE HOME`.
 *
 * - `list`: the whole listing (active, then archived) with the library, as a script using it
 *   would: `NodeSessionIndex.layer` without scan workers (as the CLI runs it), every thread of
 *   `ThreadCatalog.threads()` pulled.
 * - `naive`: the same listing with the naive baseline (bench/baselines/naiveCatalog.ts).
 *
 * Prints one JSON line: the counts, the listing's own time (from the start of `main`, its
 * modules' loading included), the time since the process started, and the process's peak RSS
 * in bytes.
 */

export interface ChildReport {
  readonly active: number
  readonly archived: number
  readonly listMs: number
  readonly sinceStartMs: number
  readonly peakRss: number
}

// Each mode loads only its own modules: the naive baseline does not pay for Effect's.
const library = async (codexHome: string) => {
  const { Effect, Stream } = await import("effect")
  const { NodeSessionIndex, ThreadCatalog } = await import("session-index")
  return Effect.runPromise(
    Effect.gen(function* () {
      const catalog = yield* ThreadCatalog
      const active = yield* Stream.runCount(catalog.threads())
      const archived = yield* Stream.runCount(catalog.threads({ archived: true }))
      return { active, archived }
    }).pipe(Effect.provide(NodeSessionIndex.layer({ codexHome, workers: 0 })))
  )
}

const naive = async (codexHome: string) => {
  const { naiveListing } = await import("./baselines/naiveCatalog.js")
  return { active: (await naiveListing(codexHome, false)).length, archived: (await naiveListing(codexHome, true)).length }
}

/**
 * The process's peak RSS: `VmHWM` of /proc/self/status where there is one. Not `getrusage`:
 * Linux carries the high-water mark of the forked copy of the parent across `exec`, so a
 * child of a big bench process would report the parent's size.
 */
const peakRss = async (): Promise<number> => {
  try {
    const { readFileSync } = await import("node:fs")
    const found = /^VmHWM:\s+(\d+) kB$/m.exec(readFileSync("/proc/self/status", "utf8"))
    if (found !== null) return Number(found[1]) * 1024
  } catch {
    // not Linux
  }
  return process.resourceUsage().maxRSS * 1024
}

const main = async () => {
  const [mode, codexHome] = process.argv.slice(2)
  if (codexHome === undefined || (mode !== "list" && mode !== "naive")) throw new Error("usage: catalogChild.js list|naive CODEX_HOME")
  const started = performance.now()
  const counts = mode === "list" ? await library(codexHome) : await naive(codexHome)
  const done = performance.now()
  const report: ChildReport = { ...counts, listMs: done - started, sinceStartMs: done, peakRss: await peakRss() }
  console.log(JSON.stringify(report))
}

main().catch((error) => {
  console.error(error)
  process.exitCode = 1
})
