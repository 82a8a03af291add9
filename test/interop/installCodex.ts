/** Installs `@openai/codex@0.169.0` into `.cache/codex/` of the repo on first run. */
import { execFileSync } from "node:child_process"
import * as fs from "node:fs"
import * as path from "node:path"

export const CODEX_VERSION = "0.169.0"
const cache = path.resolve(__dirname, "../../.cache/codex")
export const codexBinary = path.join(cache, "node_modules/@openai/codex-linux-x64/vendor/x86_64-unknown-linux-musl/bin/codex")

export default function setup() {
  if (fs.existsSync(codexBinary)) return
  fs.mkdirSync(cache, { recursive: true })
  // Its own package.json, so npm installs here and not into the project's node_modules.
  fs.writeFileSync(path.join(cache, "package.json"), JSON.stringify({ name: "codex-cache", private: true }))
  execFileSync("npm", ["install", "--no-save", "--no-audit", "--no-fund", "--prefix", cache, `@openai/codex@${CODEX_VERSION}`], {
    stdio: "inherit"
  })
  if (!fs.existsSync(codexBinary)) throw new Error(`codex ${CODEX_VERSION} installed, but no binary at ${codexBinary}`)
}
