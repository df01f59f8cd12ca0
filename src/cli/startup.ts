/**
 * What bin/ao.js runs before ao itself (built as dist/bin/startup.cjs by
 * scripts/build-cli.mjs, from node's own modules and a few class-free ones).
 *
 * 1. start(): for `ao session ls`, `ao status` and `ao dash` (its first frame),
 *    the one `tmux list-panes -a` they need is started now, so tmux answers
 *    while Node compiles and runs ao (most of a listing's time over bare node
 *    at 200 sessions; ~10 ms of the dash's first frame). The server is
 *    the one AO_TMUX_SOCKET names, else tmux's default: the config is not read
 *    yet. A config that sets `tmux.socket` (with no AO_TMUX_SOCKET) lists
 *    another server, and this listing goes unused (stopped at exit).
 *
 * 2. runBundle(): runs dist/bin/ao.cjs as Node would require() it, but compiled
 *    with the V8 code cache the build made (dist/bin/ao.cjs.cache): Node 20 has
 *    no compile cache of its own, and compiling the bundle was a tenth of a
 *    listing's start-up. The cache is used only for the very bundle it was made
 *    from (it holds a copy, compared byte for byte) and only when V8 accepts it
 *    (same Node, same flags); otherwise the bundle is compiled as usual.
 */
import { readFileSync, writeFileSync } from "node:fs";
import { createRequire, Module } from "node:module";
import { dirname, join } from "node:path";
import { pathToFileURL } from "node:url";
import { Script } from "node:vm";
import { expandTilde, home } from "../config/home.js";
import { startEarly } from "../adapters/tmux-listing.js";

export function start(argv: readonly string[], env: NodeJS.ProcessEnv = process.env): void {
  const listing = (argv[0] === "session" && argv[1] === "ls") || argv[0] === "status" || argv[0] === "dash";
  if (!listing || argv.includes("--help") || argv.includes("-h")) return;
  startEarly(env.AO_TMUX_SOCKET ? expandTilde(env.AO_TMUX_SOCKET, home(env)) : undefined, env);
}

/** The parameters of Node's CommonJS wrapper, and `__aoImport`: the bundle's import() (a vm.Script has none of its own). */
const WRAPPER = "(function (exports, require, module, __filename, __dirname, __aoImport) {";

/** The cache file's first line: this tag and the byte length of the bundle copy that follows it. */
const TAG = "ao-code-cache";

/**
 * The bundle compiled, with its code cache when there is one for this very
 * bundle and V8 takes it. `cache` says which: "used", "rejected" (another Node
 * or other V8 flags: compiled as usual), "none".
 */
export function compileBundle(file: string, opts: { noCache?: boolean } = {}): { script: Script; source: Buffer; cache: "used" | "rejected" | "none" } {
  const source = readFileSync(file);
  let cachedData: Buffer | undefined;
  if (!opts.noCache) {
    try {
      // The cache holds a copy of the bundle it was made from, compared byte for byte with the bundle read
      // now: V8 checks only the source's length, and would run the old code of a same-length edit. (A copy,
      // not a hash: loading node:crypto and hashing cost ~14 ms of every start; comparing costs nothing.)
      const cache = readFileSync(`${file}.cache`);
      const eol = cache.indexOf(10);
      const [tag, length] = eol > 0 ? cache.toString("latin1", 0, eol).split(" ") : [];
      const copy = tag === TAG && Number(length) === source.length ? cache.subarray(eol + 1, eol + 1 + source.length) : undefined;
      if (copy?.equals(source)) cachedData = cache.subarray(eol + 1 + source.length);
    } catch {
      // No cache: compiled as usual.
    }
  }
  const script = new Script(`${WRAPPER}${source.toString("utf8")}\n})`, { filename: file, cachedData });
  return { script, source, cache: !cachedData ? "none" : script.cachedDataRejected ? "rejected" : "used" };
}

/**
 * Runs the bundle. `saveCache` (the build's warm-up run only): once the
 * process ends, the code cache of everything compiled by then is written
 * beside the bundle, with the copy of the bundle it was made from.
 */
export function runBundle(file: string, opts: { saveCache?: boolean } = {}): void {
  const { script, source } = compileBundle(file, { noCache: opts.saveCache });
  if (opts.saveCache) process.once("exit", () => writeFileSync(`${file}.cache`, Buffer.concat([Buffer.from(`${TAG} ${source.length}\n`, "latin1"), source, script.createCachedData()])));
  // A module like the one require() would make, in require.cache as require() would put it.
  const dir = dirname(file);
  const require = createRequire(file);
  const module = new Module(file);
  module.filename = file;
  module.loaded = true;
  require.cache[file] = module;
  const load = (spec: string) => import(spec.startsWith("node:") ? spec : pathToFileURL(join(dir, spec)).href);
  (script.runInThisContext() as (...args: unknown[]) => void).call(module.exports, module.exports, require, module, file, dir, load);
}
