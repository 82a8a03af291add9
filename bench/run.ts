/**
 * The benchmark runner: `npm run bench [-- --size 1GiB --seed 7 --runs 5 --catalog-threads 10000]`.
 *
 * Generates (once, cached under bench/data/) a realistic index, then times each scenario for
 * this library and, in the same run, for what people would use instead: Codex's own algorithm
 * ported line for line, a readline + JSON.parse pass, and ripgrep when it is installed.
 * Then the thread catalog's scenarios (catalog.ts) on a generated Codex home of
 * `--catalog-threads` threads (default 1000), against a naive listing and `codex app-server`.
 * Prints a table with ratios and writes bench/results/<date>-<size>.json. `--catalog-only`
 * runs only the catalog's scenarios, `--no-catalog` all but them.
 */
import { Effect, ManagedRuntime, Option } from "effect"
import { spawnSync } from "node:child_process"
import * as crypto from "node:crypto"
import * as fs from "node:fs"
import * as os from "node:os"
import * as path from "node:path"
import { fileURLToPath } from "node:url"
import { IndexReader } from "session-index"
// The tuning knobs (e.g. no remembered answers, to time raw scans) are internal.
import { layerWith } from "../dist/internal/layer.js"
import { codexFindIdByName, codexFindNameById, codexFindNamesByIds } from "./baselines/codex.js"
import { codexBinary, codexExecResume } from "./baselines/codexExec.js"
import { readlineFindNamesByIds } from "./baselines/readline.js"
import { cliEntry, type CliTiming, timeCommand } from "./cli.js"
import { benchCompaction, type CompactionResult } from "./compaction.js"
import { makeFloor } from "./floor.js"
import { rgAvailable, ripgrepFindNamesByIds } from "./baselines/ripgrep.js"
import { render, renderTarget, type Row, type Timing, time, timingOf } from "./table.js"
import { benchCatalog, catalogJson, type CatalogResult, renderCatalog } from "./catalog.js"
import { generateIndex, type GeneratedIndex, parseSize } from "../dist/cli/generate.js"

interface Args {
  readonly sizeBytes: number
  readonly sizeLabel: string
  readonly seed: number
  readonly runs: number
  readonly workers: number
  /** Threads of the catalog scenarios' Codex home. */
  readonly catalogThreads: number
}

const parseArgs = (argv: ReadonlyArray<string>): Args => {
  const get = (flag: string) => {
    const at = argv.indexOf(flag)
    return at >= 0 ? argv[at + 1] : undefined
  }
  const sizeLabel = get("--size") ?? "64MiB"
  return {
    sizeBytes: parseSize(sizeLabel),
    sizeLabel,
    seed: Number(get("--seed") ?? 1),
    runs: Number(get("--runs") ?? 5),
    workers: Number(get("--workers") ?? os.availableParallelism()),
    catalogThreads: Number(get("--catalog-threads") ?? 1000)
  }
}

const benchDir = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../bench")
const progress = (text: string) => {
  if (process.stderr.isTTY) process.stderr.write(`\r\x1b[2K${text}`)
  else process.stderr.write(`${text}\n`)
}

const summarize = (answer: unknown): string => {
  if (typeof answer === "number") return `${answer} lines`
  if (answer instanceof Map) return `${answer.size} found`
  if (Option.isOption(answer)) return Option.isSome(answer) ? `found ${String(answer.value).slice(0, 24)}` : "none"
  if (answer === undefined || answer === null) return "none"
  return `found ${String(answer).slice(0, 24)}`
}

const ensureIndex = async (args: Pick<Args, "sizeBytes" | "sizeLabel" | "seed">): Promise<{ home: string; file: string; meta: GeneratedIndex }> => {
  const home = path.join(benchDir, "data", `${args.sizeLabel}-seed${args.seed}`)
  const file = path.join(home, "session_index.jsonl")
  const metaFile = path.join(home, "meta.json")
  if (fs.existsSync(file) && fs.existsSync(metaFile)) {
    return { home, file, meta: JSON.parse(fs.readFileSync(metaFile, "utf8")) as GeneratedIndex }
  }
  fs.mkdirSync(home, { recursive: true })
  const started = performance.now()
  const meta = await generateIndex({
    path: file,
    sizeBytes: args.sizeBytes,
    seed: args.seed,
    onProgress: (bytes) => progress(`generating ${args.sizeLabel}: ${Math.floor((100 * bytes) / args.sizeBytes)}%`)
  })
  progress(`generated ${meta.lines} lines in ${((performance.now() - started) / 1000).toFixed(1)} s\n`)
  fs.writeFileSync(metaFile, JSON.stringify(meta))
  return { home, file, meta }
}

/** Reads the file once so every subject runs against a warm page cache. */
const warmPageCache = (file: string) => {
  const fd = fs.openSync(file, "r")
  const buffer = Buffer.allocUnsafe(16 * 1024 * 1024)
  for (let at = 0; fs.readSync(fd, buffer, 0, buffer.length, at) > 0; at += buffer.length);
  fs.closeSync(fd)
}

/**
 * Run in a child process of its own, so nothing else inflates its memory: peak RSS (worker
 * threads included) over 1000-id scans, above the RSS the process had before its first scan.
 */
const probeMemory = async (home: string): Promise<{ peak: number; baseline: number }> => {
  const runtime = ManagedRuntime.make(layerWith({ codexHome: home, incremental: false, waitForWorkers: true }))
  await runtime.runtimeEffect.pipe(Effect.runPromise)
  const baseline = process.memoryUsage().rss
  let peak = baseline
  const sampler = setInterval(() => (peak = Math.max(peak, process.memoryUsage().rss)), 2)
  for (let i = 0; i < 3; i++) {
    const ids = Array.from({ length: 1000 }, () => crypto.randomUUID())
    await runtime.runPromise(Effect.flatMap(IndexReader, (r) => r.findNamesByIds(ids)))
  }
  clearInterval(sampler)
  await runtime.dispose()
  return { peak, baseline }
}

/** Peak and starting RSS of a process of its own that only runs the probe. */
const memoryInChild = (args: Args): { peak: number; baseline: number } => {
  const child = spawnSync(process.execPath, [fileURLToPath(import.meta.url), "--probe-memory", "--size", args.sizeLabel, "--seed", String(args.seed)], {
    encoding: "utf8"
  })
  const found = /^peak (\d+) baseline (\d+)$/m.exec(child.stdout)
  return { peak: Number(found?.[1] ?? NaN), baseline: Number(found?.[2] ?? NaN) }
}

/**
 * A fresh layer's first lookup, timed from building the layer to the answer. Its teardown
 * (the pool it started after the lookup) is not the lookup's, and is left to finish before
 * the next sample, so that threads exiting do not share the cores with it.
 */
const firstLookups = async (
  runs: number,
  options: Parameters<typeof layerWith>[0],
  lookup: (reader: IndexReader["Type"]) => Effect.Effect<unknown, unknown>
): Promise<{ timing: Timing; last: unknown }> => {
  const samples: Array<number> = []
  let last: unknown
  for (let i = 0; i < runs; i++) {
    const fresh = ManagedRuntime.make(layerWith(options))
    const started = performance.now()
    last = await fresh.runPromise(Effect.flatMap(IndexReader, lookup))
    samples.push(performance.now() - started)
    await fresh.dispose()
    await new Promise((resolve) => setTimeout(resolve, 200))
  }
  return { timing: timingOf(samples), last }
}

const catalogArgs = (args: Args) => ({ threads: args.catalogThreads, seed: args.seed, runs: args.runs })

const writeResults = (label: string, results: unknown): string => {
  const dir = path.join(benchDir, "results")
  fs.mkdirSync(dir, { recursive: true })
  const out = path.join(dir, `${new Date().toISOString().replace(/[:.]/g, "-")}-${label}.json`)
  fs.writeFileSync(out, JSON.stringify(results, null, 2))
  return path.relative(process.cwd(), out)
}

const main = async () => {
  const args = parseArgs(process.argv.slice(2))
  if (process.argv.includes("--catalog-only")) {
    const catalog = await benchCatalog(catalogArgs(args), benchDir, progress)
    progress("done\n")
    console.log(`\n${renderCatalog(catalog)}`)
    const out = writeResults(`catalog-${args.catalogThreads}`, { args, node: process.version, cores: os.cpus().length, catalog: catalogJson(catalog) })
    return console.log(`results: ${out}`)
  }
  const { home, file, meta } = await ensureIndex(args)
  if (process.argv.includes("--probe-memory")) {
    warmPageCache(file)
    const { peak, baseline } = await probeMemory(home)
    return console.log(`peak ${peak} baseline ${baseline}`)
  }
  const size = fs.statSync(file).size
  warmPageCache(file)
  if (process.argv.includes("--compaction-only")) {
    const compaction = await benchCompaction(file, path.join(benchDir, "data", "compaction-scratch"), progress)
    progress("done\n")
    return console.log(`\n${renderCompaction(size, compaction)}`)
  }
  const rg = rgAvailable()
  const rows: Array<Row> = []
  const runs = args.runs
  const slowRuns = Math.max(1, Math.min(runs, 3))
  const randomIds = (n: number) => Array.from({ length: n }, () => crypto.randomUUID())

  // Raw scans: answers are not remembered between runs, so every run scans.
  const tuning = { codexHome: home, workers: args.workers, incremental: false, waitForWorkers: true }
  const baselineRss = process.memoryUsage().rss
  let peakRss = baselineRss
  const sampler = setInterval(() => (peakRss = Math.max(peakRss, process.memoryUsage().rss)), 5)
  const runtime = ManagedRuntime.make(layerWith(tuning))
  const lib = <A, E>(f: (reader: IndexReader["Type"]) => Effect.Effect<A, E>) =>
    runtime.runPromise(Effect.flatMap(IndexReader, f))

  const add = async (scenario: string, subject: string, n: number, run: () => Promise<unknown>) => {
    progress(`${scenario}: ${subject}`)
    // Millisecond scenarios are at the mercy of a GC pause or a timer, and on 2 cores a
    // sub-second one swings by a third from one sample to the next: take more samples of them.
    const probe = await time(1, run)
    const samples = probe.timing.median < 20 ? Math.max(n, 25) : probe.timing.median < 1000 ? Math.max(n, 11) : n
    const { timing, last } = await time(samples, run)
    rows.push({ scenario, subject, timing, answer: summarize(last) })
  }
  const skipRg = (scenario: string) =>
    rows.push({ scenario, subject: "ripgrep rg -F -f", timing: undefined, note: "rg not installed" })

  // A fresh layer: its first lookup scans in-process while the pool starts (as an app's would).
  progress("cold pool")
  const cold = await firstLookups(slowRuns, { ...tuning, waitForWorkers: false }, (r) => r.findNamesByIds(randomIds(1)))
  rows.push({ scenario: "missing id, fresh layer", subject: "session-index", timing: cold.timing, answer: summarize(cold.last) })
  await lib((r) => r.findNamesByIds(randomIds(1)))
  // The bench's own layer waits for its workers: from here on, every lookup the pool takes.

  const missing = meta.missingIds
  await add("missing id", "session-index", runs, () => lib((r) => r.findNameById(randomIds(1)[0]!)))
  const floor = makeFloor(args.workers)
  await floor.scan(file, size)
  await add("missing id", `floor: ${args.workers} threads walking newlines`, runs, () => floor.scan(file, size))
  await floor.close()
  await add("missing id", "Codex reverse scan (port)", slowRuns, () => codexFindNameById(file, missing[0]!))
  await add("missing id", "readline + JSON.parse", slowRuns, () => readlineFindNamesByIds(file, [missing[0]!]))
  if (rg) {
    await add("missing id", "ripgrep rg -F --no-mmap (reads like Node)", runs, () => ripgrepFindNamesByIds(file, [missing[0]!], { noMmap: true }))
    await add("missing id", "ripgrep rg -F (maps the file)", runs, () => ripgrepFindNamesByIds(file, [missing[0]!]))
  } else skipRg("missing id")
  await add("25 missing ids", "session-index", runs, () => lib((r) => r.findNamesByIds(randomIds(25))))

  await add("late id (last MiB)", "session-index", runs, () => lib((r) => r.findNameById(meta.lateId)))
  await add("late id (last MiB)", "Codex reverse scan (port)", runs, () => codexFindNameById(file, meta.lateId))

  await add("early id (first 1%)", "session-index", runs, () => lib((r) => r.findNameById(meta.earlyId)))
  await add("early id (first 1%)", "Codex reverse scan (port)", slowRuns, () => codexFindNameById(file, meta.earlyId))

  await add("25 ids (picker page)", "session-index", runs, () => lib((r) => r.findNamesByIds(meta.lateIds25)))
  await add("25 ids (picker page)", "Codex batched (port)", slowRuns, () => codexFindNamesByIds(file, meta.lateIds25))
  await add("25 ids (picker page)", "readline + JSON.parse", slowRuns, () => readlineFindNamesByIds(file, meta.lateIds25))
  if (rg) await add("25 ids (picker page)", "ripgrep rg -F -f", slowRuns, () => ripgrepFindNamesByIds(file, meta.lateIds25))
  else skipRg("25 ids (picker page)")

  await add("1000 missing ids", "session-index", runs, () => lib((r) => r.findNamesByIds(randomIds(1000))))
  await add("1000 missing ids", "Codex batched (port)", slowRuns, () => codexFindNamesByIds(file, missing))
  await add("1000 missing ids", "readline + JSON.parse", slowRuns, () => readlineFindNamesByIds(file, missing))
  if (rg) await add("1000 missing ids", "ripgrep rg -F -f", slowRuns, () => ripgrepFindNamesByIds(file, missing))
  else skipRg("1000 missing ids")

  await add("1000 ids spread over file", "session-index", runs, () => lib((r) => r.findNamesByIds(meta.midIds)))
  await add("1000 ids spread over file", "readline + JSON.parse", slowRuns, () => readlineFindNamesByIds(file, meta.midIds))

  await add("by name (recent)", "session-index", runs, () => lib((r) => r.findIdByName(meta.lateName)))
  await add("by name (recent)", "Codex reverse scan (port)", runs, () => codexFindIdByName(file, meta.lateName))
  await add("missing name", "session-index", runs, () => lib((r) => r.findIdByName(`${meta.missingName} ${Math.random()}`)))
  await add("missing name", "Codex reverse scan (port)", slowRuns, () => codexFindIdByName(file, meta.missingName))
  const codex = codexBinary(path.resolve(benchDir, ".."))
  if (codex !== undefined) {
    await add("missing name", "codex exec resume NAME (to thread.started)", slowRuns, () => codexExecResume(codex, file, meta.missingName))
  } else {
    rows.push({ scenario: "missing name", subject: "codex exec resume NAME", timing: undefined, note: "Codex not installed (npm run test:interop installs it)" })
  }

  // Remembered answers: the same ids again, nothing appended (the first run scans).
  const remembering = ManagedRuntime.make(layerWith({ ...tuning, incremental: true }))
  const rememberedIds = randomIds(25)
  await remembering.runPromise(Effect.flatMap(IndexReader, (r) => r.findNamesByIds(rememberedIds)))
  await add("25 missing ids, remembered", "session-index (incremental)", runs, () =>
    remembering.runPromise(Effect.flatMap(IndexReader, (r) => r.findNamesByIds(rememberedIds)))
  )
  await remembering.dispose()

  // What remembering answers buys: the same page again after one more line was appended.
  const incremental = ManagedRuntime.make(layerWith({ ...tuning, incremental: true }))
  await incremental.runPromise(Effect.flatMap(IndexReader, (r) => r.findNamesByIds(meta.lateIds25)))
  const probe = path.join(home, "session_index.probe.jsonl")
  fs.copyFileSync(file, probe)
  await add("25 ids again, file grew", "session-index (incremental)", runs, () => {
    fs.appendFileSync(file, JSON.stringify({ id: crypto.randomUUID(), thread_name: "bench", updated_at: new Date().toISOString() }) + "\n")
    return incremental.runPromise(Effect.flatMap(IndexReader, (r) => r.findNamesByIds(meta.lateIds25)))
  })
  fs.renameSync(probe, file)
  await incremental.dispose()

  clearInterval(sampler)
  await runtime.dispose()
  const compaction = await benchCompaction(file, path.join(benchDir, "data", "compaction-scratch"), progress)

  progress("memory probe")
  const probed = memoryInChild(args)
  progress("start-up")
  const startup = await benchStartup(args)
  const catalog: CatalogResult | undefined = process.argv.includes("--no-catalog") ? undefined : await benchCatalog(catalogArgs(args), benchDir, progress)
  progress("done\n")
  const table = render(rows)
  const memory = [
    `session-index peak RSS, 3 x 1000-id scans in a process of its own (workers included): ${(probed.peak / 1e6).toFixed(0)} MB (${((probed.peak - probed.baseline) / 1e6).toFixed(0)} MB above the process before its first scan)`,
    `whole bench process (baselines included): ${((peakRss - baselineRss) / 1048576).toFixed(0)} MiB above its start`
  ].join("\n")
  console.log(`\nsession-index bench: ${(size / 1048576).toFixed(0)} MiB, ${meta.lines} lines, seed ${args.seed}, ${args.workers} workers, ${os.cpus().length} cores, node ${process.version}`)
  console.log(table)
  console.log(memory)
  console.log(renderStartup(startup))
  console.log(renderCompaction(size, compaction))
  console.log(renderTargets(size, rows, startup, probed))
  if (catalog !== undefined) console.log(`\n${renderCatalog(catalog)}`)
  const out = writeResults(args.sizeLabel, { args, sizeBytes: size, lines: meta.lines, node: process.version, cores: os.cpus().length, libraryPeakRss: probed, rows, startup, compaction, catalog: catalog === undefined ? undefined : catalogJson(catalog) })
  console.log(`results: ${out}`)
}

interface StartupResult {
  readonly nodeBare: CliTiming
  readonly version: CliTiming
  readonly help: CliTiming
  readonly smallName: CliTiming
  /** On a 300 MiB index: the command, and the same lookup in this process. */
  readonly mediumCli: CliTiming
  readonly mediumWarmPool: Timing
  readonly mediumWarmInProcess: Timing
  readonly mediumFreshLayer: Timing
}

/**
 * What start-up costs: the command's wall time on a 1 MiB and a 300 MiB index, and on the
 * 300 MiB one a fresh layer's first lookup against warm ones, pooled and in-process.
 */
const benchStartup = async (args: Args): Promise<StartupResult> => {
  const entry = cliEntry(path.resolve(benchDir, ".."))
  const small = await ensureIndex({ sizeBytes: parseSize("1MiB"), sizeLabel: "1MiB", seed: args.seed })
  const medium = await ensureIndex({ sizeBytes: parseSize("300MiB"), sizeLabel: "300MiB", seed: args.seed })
  warmPageCache(medium.file)
  const runs = Math.max(11, args.runs)
  const randomId = () => crypto.randomUUID()
  const lookupIn = (runtime: ManagedRuntime.ManagedRuntime<IndexReader, never>) => () =>
    runtime.runPromise(Effect.flatMap(IndexReader, (r) => r.findNameById(randomId())))
  const tuning = { codexHome: medium.home, workers: args.workers, incremental: false }
  // Pooled and in-process lookups alternate, sample by sample: the machine's drift over the
  // seconds a series takes (page cache, frequency, a neighbour) then weighs on both alike.
  const pooled = ManagedRuntime.make(layerWith({ ...tuning, waitForWorkers: true }))
  const inProcess = ManagedRuntime.make(layerWith({ ...tuning, workers: 0 }))
  await lookupIn(pooled)()
  await lookupIn(inProcess)()
  const poolSamples: Array<number> = []
  const inProcessSamples: Array<number> = []
  for (let i = 0; i < runs; i++) {
    for (const [runtime, samples] of [[pooled, poolSamples], [inProcess, inProcessSamples]] as const) {
      const started = performance.now()
      await lookupIn(runtime)()
      samples.push(performance.now() - started)
    }
  }
  const mediumWarmPool = timingOf(poolSamples)
  const mediumWarmInProcess = timingOf(inProcessSamples)
  await pooled.dispose()
  await inProcess.dispose()
  const mediumFreshLayer = (await firstLookups(Math.max(5, args.runs), tuning, (r) => r.findNameById(randomId()))).timing
  return {
    nodeBare: await timeCommand("node -e 0", ["-e", "0"], runs),
    version: await timeCommand("session-index --version", [entry, "--version"], runs),
    help: await timeCommand("session-index --help", [entry, "--help"], runs),
    smallName: await timeCommand("session-index name <id>, 1 MiB index", [entry, "name", small.meta.lateId, "--codex-home", small.home], runs),
    mediumCli: await timeCommand("session-index name <missing id>, 300 MiB", [entry, "name", randomId(), "--codex-home", medium.home], runs),
    mediumWarmPool,
    mediumWarmInProcess,
    mediumFreshLayer
  }
}

const renderStartup = (c: StartupResult): string => {
  const line = (t: CliTiming) =>
    `  ${t.label.padEnd(44)} ${t.medianMs.toFixed(0).padStart(6)} ms  (${(t.medianMs / c.nodeBare.medianMs).toFixed(1)}x node -e 0; min ${t.minMs.toFixed(0)}, max ${t.maxMs.toFixed(0)}; exit ${t.exitCode})`
  const ms = (label: string, t: Timing) => `  ${label.padEnd(44)} ${t.median.toFixed(0).padStart(6)} ms  (min ${t.min.toFixed(0)}, max ${t.max.toFixed(0)})`
  return [
    "start-up: the command, wall time per fresh process",
    ...[c.nodeBare, c.version, c.help, c.smallName, c.mediumCli].map(line),
    "start-up: a missing id on the 300 MiB index, in this process",
    ms("fresh layer, first lookup", c.mediumFreshLayer),
    ms("warm pool", c.mediumWarmPool),
    ms("warm, in-process (workers: 0)", c.mediumWarmInProcess)
  ].join("\n")
}

/** Every figure the targets name, as a ratio measured in this run. */
const renderTargets = (size: number, rows: ReadonlyArray<Row>, startup: StartupResult, libraryRss: { readonly peak: number }): string => {
  const median = (scenario: string, subject: string) => rows.find((r) => r.scenario === scenario && r.subject.startsWith(subject))?.timing?.median
  const ours = (scenario: string) => median(scenario, "session-index")
  const ratio = (a: number | undefined, b: number | undefined) => (a === undefined || b === undefined ? undefined : a / b)
  const node = startup.nodeBare.medianMs
  const atSize = `at ${(size / 1048576).toFixed(0)} MiB`
  const targets: Array<[string, number | undefined, string, (x: number) => boolean]> = [
    ["CLI name <id>, 1 MiB index / node -e 0", startup.smallName.medianMs / node, "<= 2.5", (x) => x <= 2.5],
    ["CLI --version / node -e 0", startup.version.medianMs / node, "<= 2", (x) => x <= 2],
    ["CLI --help / node -e 0", startup.help.medianMs / node, "<= 2", (x) => x <= 2],
    ["CLI lookup, 300 MiB / warm lookup in a process", startup.mediumCli.medianMs / startup.mediumWarmPool.median, "<= 1.5", (x) => x <= 1.5],
    ["fresh layer's first lookup, 300 MiB / warm", startup.mediumFreshLayer.median / startup.mediumWarmPool.median, "<= 1.5", (x) => x <= 1.5],
    ["warm pool / in-process, 300 MiB", startup.mediumWarmPool.median / startup.mediumWarmInProcess.median, "<= 1.0", (x) => x <= 1.0],
    [`missing id / rg -F --no-mmap one pattern, ${atSize}`, ratio(ours("missing id"), median("missing id", "ripgrep rg -F --no-mmap")), "<= 1.0", (x) => x <= 1.0],
    [`25 missing ids / 1 missing id, ${atSize}`, ratio(ours("25 missing ids"), ours("missing id")), "<= 1.2", (x) => x <= 1.2],
    [`rg -F -f / session-index, 1000 ids, ${atSize}`, ratio(median("1000 missing ids", "ripgrep rg -F -f"), ours("1000 missing ids")), ">= 15", (x) => x >= 15],
    [`missing name / missing id, ${atSize}`, ratio(ours("missing name"), ours("missing id")), "<= 1.3", (x) => x <= 1.3],
    [`peak RSS MB, 1000-id scans, workers in, ${atSize}`, libraryRss.peak / 1e6, "<= 200", (x) => x <= 200]
  ]
  const lines = targets.map(([label, value, goal, ok]) => renderTarget({ label, value, goal, ok }))
  return ["targets (ratios from this run; the scan ones are set for 1 GiB: npm run bench -- --size 1GiB):", ...lines].join("\n")
}

const renderCompaction = (size: number, c: CompactionResult): string =>
  [
    `compaction of ${(size / 1048576).toFixed(0)} MiB (${c.linesBefore} -> ${c.linesAfter} lines) with a rename every 5 ms (${c.appendsDuring} during it), all kept:`,
    `  whole compaction            ${c.compactMs.toFixed(0)} ms (what a rewrite holding the lock throughout would hold it for)`,
    `  longest lock hold seen      ${c.longestHoldMs.toFixed(1)} ms by a LOCK_NB poller in another process (${c.holds} holds): ${(c.compactMs / Math.max(c.longestHoldMs, 0.001)).toFixed(0)}x shorter`,
    `  interrupted after           ${c.interrupts.map(([at, took]) => `${at} ms: done ${took.toFixed(0)} ms later`).join("; ")}`,
    `  peak RSS above baseline     ${c.peakRssMiB.toFixed(0)} MiB`
  ].join("\n")

main().catch((error) => {
  console.error(error)
  process.exitCode = 1
})

