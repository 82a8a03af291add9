/**
 * The second half of `npm run build`, after tsc: the CLI's program (dist/cli/program.js and
 * everything it imports, effect included) bundled into dist/cli/program.cjs, its help texts
 * rendered into dist/cli/help.json, and V8's code cache for it written to
 * dist/cli/program.cjs.v8cache by a run of `session-index name` (the cache then holds the
 * functions such a lookup compiles, not only the bundle's top level). See src/cli/main.ts and
 * src/cli/programLoader.ts for how they are used.
 *
 * `node scripts/bundle-cli.mjs --train ARGS...` is that run: the program on ARGS, writing the
 * cache as it exits.
 */
import * as esbuild from "esbuild"
import { spawnSync } from "node:child_process"
import * as crypto from "node:crypto"
import * as fs from "node:fs"
import * as os from "node:os"
import * as path from "node:path"
import { fileURLToPath } from "node:url"

const root = fileURLToPath(new URL("..", import.meta.url))
const dist = path.join(root, "dist")
const cliDir = path.join(dist, "cli")
const version = JSON.parse(fs.readFileSync(path.join(root, "package.json"), "utf8")).version
const loader = await import(path.join(cliDir, "programLoader.js"))

/** The package's own modules (dist/), rewritten as they are bundled; dependencies load as they are. */
const ownModules = {
  name: "own-modules",
  setup(build) {
    build.onLoad({ filter: /\.js$/ }, async (args) => {
      if (!args.path.startsWith(dist + path.sep)) return undefined
      const source = await fs.promises.readFile(args.path, "utf8")
      return { contents: relativeUrlsFromBundle(deepImports(source), args.path), loader: "js" }
    })
  }
}

/**
 * `import { Effect, Layer } from "effect"` as `import * as Effect from "effect/Effect"` and so
 * on: through the barrel esbuild keeps a namespace object with every export of each module
 * named (and so every export), while a module imported whole is tree-shaken to what is used
 * (measured here: a third smaller, and a lookup starts ~30 ms sooner).
 */
function deepImports(source) {
  return source.replace(/^import \{([^}]*)\} from "effect";$/gm, (_, names) =>
    names
      .split(",")
      .map((name) => name.trim())
      .filter((name) => name !== "")
      .map((name) => {
        // A name that is no module (`pipe`) fails the build: esbuild cannot resolve "effect/pipe".
        const [imported, local = imported] = name.split(/\s+as\s+/)
        return `import * as ${local} from "effect/${imported}";`
      })
      .join(" ")
  )
}

/**
 * Modules find files beside them with `new URL("./entry.js", import.meta.url)` (the scan pool
 * its worker entry, which stays a file of its own): aimed from the bundle's folder instead,
 * they still find them. The bundle's `import.meta.url` is its own (a banner defines it).
 */
function relativeUrlsFromBundle(source, file) {
  return source.replace(/new URL\((["'])(\.\.?\/[^"']*)\1, import\.meta\.url\)/g, (_, _quote, relative) => {
    const target = path.relative(cliDir, path.resolve(path.dirname(file), relative)).split(path.sep).join("/")
    return `new URL(${JSON.stringify(target.startsWith(".") ? target : `./${target}`)}, import.meta.url)`
  })
}

async function bundle() {
  await esbuild.build({
    entryPoints: [path.join(cliDir, "program.js")],
    outfile: loader.programPath,
    bundle: true,
    platform: "node",
    // vm.Script (programLoader.ts) runs scripts, not ES modules.
    format: "cjs",
    target: "node20",
    minify: true,
    // Loaded at run time where it is installed (optional, native).
    external: ["fs-ext-extra-prebuilt"],
    define: { "import.meta.url": "__programUrl" },
    banner: { js: 'var __programUrl = require("node:url").pathToFileURL(__filename).href;' },
    plugins: [ownModules],
    logLevel: "warning"
  })
}

/** Writes the code cache from a `name` lookup on a small index, and checks V8 takes it. */
function train() {
  fs.rmSync(loader.codeCachePath, { force: true })
  const home = fs.mkdtempSync(path.join(os.tmpdir(), "session-index-build-"))
  try {
    const ids = Array.from({ length: 200 }, () => crypto.randomUUID())
    const lines = ids.map((id, i) => JSON.stringify({ id, thread_name: `thread ${i}`, updated_at: new Date(i * 1000).toISOString() }))
    fs.writeFileSync(path.join(home, "session_index.jsonl"), lines.join("\n") + "\n")
    const run = spawnSync(process.execPath, [fileURLToPath(import.meta.url), "--train", "name", ids[100], "--codex-home", home], {
      encoding: "utf8"
    })
    if (run.status !== 0 || run.stdout !== "thread 100\n") {
      throw new Error(`the CLI failed its build-time lookup (status ${run.status}): ${run.stdout}${run.stderr}`)
    }
  } finally {
    fs.rmSync(home, { recursive: true, force: true })
  }
  const { script } = loader.loadProgram(fs.readFileSync(loader.codeCachePath))
  if (script.cachedDataRejected) throw new Error(`V8 rejected the code cache it just made: ${loader.codeCachePath}`)
}

if (process.argv[2] === "--train") {
  const { program, script } = loader.loadProgram(undefined)
  process.once("exit", () => loader.writeCodeCache(script))
  program.main([process.execPath, loader.programPath, ...process.argv.slice(3)], version)
} else {
  await bundle()
  const { program } = loader.loadProgram(undefined)
  fs.writeFileSync(path.join(cliDir, "help.json"), JSON.stringify(program.helpTexts(version)))
  train()
}
