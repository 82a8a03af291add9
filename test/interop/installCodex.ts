/**
 * Vitest globalSetup: installs `@openai/codex@0.169.0` into `.cache/codex/` of the repo on first
 * run (ignored by git; ~400 MB). The `@openai/codex` package is only a JS launcher; the native
 * binary comes with the optional dependency `@openai/codex-<platform>` (no install scripts are
 * involved), and the suite runs that binary directly.
 */
import { execFileSync } from "node:child_process"
import * as fs from "node:fs"
import * as path from "node:path"
import { fileURLToPath } from "node:url"

export const CODEX_VERSION = "0.169.0"
export const cache = fileURLToPath(new URL("../../.cache/codex", import.meta.url))

const platform = (): { pkg: string; triple: string } => {
  const arch = process.arch === "arm64" ? "aarch64" : "x86_64"
  if (process.platform === "linux") return { pkg: `codex-linux-${process.arch}`, triple: `${arch}-unknown-linux-musl` }
  if (process.platform === "darwin") return { pkg: `codex-darwin-${process.arch}`, triple: `${arch}-apple-darwin` }
  throw new Error(`the interop suite runs on Linux and macOS, not ${process.platform}`)
}

const { pkg, triple } = platform()
export const codexBinary = path.join(cache, "node_modules/@openai", pkg, "vendor", triple, "bin/codex")

const installedVersion = (): string | undefined => {
  try {
    return JSON.parse(fs.readFileSync(path.join(cache, "node_modules/@openai/codex/package.json"), "utf8")).version
  } catch {
    return undefined
  }
}

export default function setup(): void {
  if (fs.existsSync(codexBinary) && installedVersion() === CODEX_VERSION) return
  fs.mkdirSync(cache, { recursive: true })
  // Its own package.json, so npm installs here and never into the project's node_modules.
  fs.writeFileSync(path.join(cache, "package.json"), JSON.stringify({ name: "codex-cache", private: true }) + "\n")
  const started = Date.now()
  execFileSync(
    "npm",
    ["install", "--prefix", cache, `@openai/codex@${CODEX_VERSION}`, "--no-save", "--no-audit", "--no-fund"],
    { stdio: "inherit", timeout: 15 * 60_000 }
  )
  if (!fs.existsSync(codexBinary)) {
    throw new Error(`@openai/codex@${CODEX_VERSION} installed, but its native binary is not at ${codexBinary}`)
  }
  console.log(`installed @openai/codex@${CODEX_VERSION} into ${cache} in ${((Date.now() - started) / 1000).toFixed(1)} s`)
}
