/**
 * Packs the package once (from the `dist/` that `npm run test:consumers` has just built) into a
 * throwaway folder under the system temp dir, and installs it there once with the peers and
 * TypeScript, as a user would (`npm install <tarball> effect @effect/... typescript`). The ESM,
 * bundler, CommonJS and esbuild projects get that install hard-linked (their installs would be
 * byte-identical: a project's `"type"` does not change what npm installs; unpacking costs ~15 s
 * each here); the --ignore-scripts and lowest-peers projects install for themselves.
 * The folder is removed afterwards, unless `KEEP_CONSUMERS=1` (then its path is printed).
 */
import * as fs from "node:fs"
import * as os from "node:os"
import * as path from "node:path"
import type { TestProject } from "vitest/node"
import { PEERS, TYPESCRIPT } from "./apps.js"
import { npmCache, npmEnv, repoRoot, run } from "./process.js"

declare module "vitest" {
  export interface ProvidedContext {
    consumers: { readonly root: string; readonly tarball: string; readonly base: string }
  }
}

export default async function setup(project: TestProject): Promise<() => void> {
  if (!fs.existsSync(path.join(repoRoot, "dist", "index.js"))) {
    throw new Error("dist/ is missing: run `npm run test:consumers`, which builds first")
  }
  const root = fs.mkdtempSync(path.join(os.tmpdir(), "session-index-consumers-"))
  const remove = () => fs.rmSync(root, { recursive: true, force: true })
  try {
    project.provide("consumers", await packAndInstall(root))
  } catch (error) {
    remove()
    throw error
  }
  return () => {
    if (process.env["KEEP_CONSUMERS"] === "1") console.log(`consumers: kept ${root}`)
    else remove()
  }
}

const packAndInstall = async (root: string) => {
  const started = performance.now()
  // --ignore-scripts: `prepare` would build again; the script has just built.
  const packed = await run("npm", ["pack", "--ignore-scripts", "--json", "--pack-destination", root], {
    cwd: repoRoot,
    env: npmEnv(),
    timeoutMs: 60_000
  })
  if (packed.code !== 0) throw new Error(`npm pack failed (${packed.code}):\n${packed.stdout}\n${packed.stderr}`)
  const [info] = JSON.parse(packed.stdout) as Array<{ filename: string; files: Array<{ path: string }> }>
  const tarball = path.join(root, info!.filename)
  console.log(`consumers: packed ${info!.filename} (${info!.files.length} files) in ${Math.round(performance.now() - started)} ms into ${root}`)
  const base = path.join(root, "base")
  fs.mkdirSync(base)
  fs.writeFileSync(path.join(base, "package.json"), JSON.stringify({ name: "base", version: "0.0.0", private: true }))
  const installed = await run(
    "npm",
    ["install", "--no-audit", "--no-fund", "--prefer-offline", "--cache", npmCache, tarball, ...PEERS, ...TYPESCRIPT],
    { cwd: base, env: npmEnv(), timeoutMs: 240_000 }
  )
  if (installed.code !== 0) throw new Error(`npm install failed (${installed.code}):\n${installed.stdout}\n${installed.stderr}`)
  console.log(`consumers: npm install ${[path.basename(tarball), ...PEERS, ...TYPESCRIPT].join(" ")} took ${Math.round(installed.ms)} ms`)
  return { root, tarball, base }
}
