/**
 * Finding and loading agent-orchestrator.yaml (SPEC §1).
 *
 * Parsing YAML and validating with zod costs more start-up time than listing 200
 * sessions, so the validated result is cached, keyed by the file's identity
 * (inode, size, mtime, ctime) and $HOME. Any change to the file re-validates it.
 * Which file, and whether it must be trusted first, is decided by config/locate.ts
 * and config/trust.ts; the trust check is never skipped by the cache.
 */
import { mkdirSync, readFileSync, renameSync, writeFileSync, type Stats } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { ConfigError, type NoConfigError } from "../core/errors.js";
import { fnv1a64 } from "../core/hash.js";
import { expandTilde, home, locateConfig, statOrUndefined, type Located } from "./locate.js";
import { isTrusted, sha256, trustRequired, untrusted } from "./trust.js";
import type { Config } from "./types.js";

export type { Config, ProjectConfig } from "./types.js";
export { expandTilde, home, locateConfig, type ConfigSource, type Located } from "./locate.js";

// Bumped whenever the cached entry changes shape (2: agents.*.status, 3: composer, keys.clear, 4: trustKeys, 5: watch, logs.maxBytes).
const CACHE_VERSION = 5;

export interface LoadOptions {
  /** The global --config option. */
  configPath?: string;
  cwd?: string;
  env?: NodeJS.ProcessEnv;
}

interface CacheEntry {
  key: string;
  config: Config;
  /** Keys that make the file need trust when ao found it itself (config/trust.ts). */
  trustKeys: string[];
  /** sha256 of the text the entry was made from, when trustKeys is not empty. */
  sha?: string;
}

export function findConfigPath(opts: LoadOptions = {}): string {
  return locateConfig(opts).path;
}

export async function loadConfig(opts: LoadOptions = {}): Promise<Config> {
  const env = opts.env ?? process.env;
  return applyEnv(await loadLocated(locateConfig(opts), env), env);
}

/**
 * The validated file, refused when it must be trusted and is not. The trust check
 * runs on every load, cache or not; it reads and hashes the file only when the file
 * defines commands or github.apiUrl and was not named by the user.
 */
export async function loadLocated(located: Located, env: NodeJS.ProcessEnv): Promise<Config> {
  const { path } = located;
  const stats = statOrUndefined(path);
  if (stats?.isDirectory()) throw new ConfigError(`Config is a directory, not a file: ${path}`);
  const homeDir = home(env);
  const key = stats ? fileKey(stats, homeDir) : "";
  const cacheFile = cachePath(path, env);
  const mustTrust = trustRequired(located.source);
  let entry = readCache(cacheFile, key);
  let text: string | undefined;
  if (entry && mustTrust && entry.trustKeys.length) {
    text = readText(path);
    // The cache must describe exactly the content whose trust is checked.
    if ((await sha256(text)) !== entry.sha) entry = undefined;
  }
  if (!entry) {
    text ??= readText(path);
    const { parseConfigKeys } = await import("./parse.js");
    const { config, trustKeys } = parseConfigKeys(text, path, homeDir);
    entry = { key, config, trustKeys, ...(trustKeys.length ? { sha: await sha256(text) } : {}) };
    writeCache(cacheFile, entry);
  }
  if (mustTrust && entry.trustKeys.length && !(await isTrusted(path, entry.sha!, env))) throw untrusted(path);
  return entry.config;
}

function readText(path: string): string {
  try {
    return readFileSync(path, "utf8");
  } catch (err) {
    throw new ConfigError(`Cannot read config ${path}: ${(err as NodeJS.ErrnoException).code ?? err}`, { cause: err });
  }
}

/**
 * What ao goes on with when no config is found: the defaults (and env), no
 * projects, and `missing` saying why, so that whatever needs a project of its own
 * repeats the "No agent-orchestrator.yaml found" error.
 */
export async function withoutConfig(env: NodeJS.ProcessEnv, missing: NoConfigError): Promise<Config> {
  const { parseConfig } = await import("./parse.js");
  const config = parseConfig("{}", join(home(env), "(no config)"), home(env));
  return { ...applyEnv(config, env), path: "", missing: { hint: missing.hint ?? "" } };
}

/** Env wins over the file (SPEC §5). */
export function applyEnv(config: Config, env: NodeJS.ProcessEnv): Config {
  const h = home(env);
  return {
    ...config,
    dataDir: env.AO_DATA_DIR ? resolve(expandHome(env.AO_DATA_DIR, env)) : config.dataDir,
    worktreeDir: env.AO_WORKTREE_DIR ? resolve(expandHome(env.AO_WORKTREE_DIR, env)) : config.worktreeDir,
    tmuxSocket: env.AO_TMUX_SOCKET ? expandTilde(env.AO_TMUX_SOCKET, h) : config.tmuxSocket,
    githubApiUrl: (env.GITHUB_API_URL || config.githubApiUrl).replace(/\/+$/, ""),
  };
}

function expandHome(p: string, env: NodeJS.ProcessEnv): string {
  return expandTilde(p, home(env));
}

function fileKey(s: Stats, homeDir: string): string {
  return `${CACHE_VERSION}:${s.ino}:${s.size}:${s.mtimeMs}:${s.ctimeMs}:${homeDir}`;
}

function cachePath(configPath: string, env: NodeJS.ProcessEnv): string {
  const dir = env.XDG_CACHE_HOME || join(home(env), ".cache");
  return join(dir, "agent-orchestrator", "config", `${fnv1a64(configPath)}.json`);
}

function readCache(file: string, key: string): CacheEntry | undefined {
  if (!key) return undefined;
  try {
    const entry = JSON.parse(readFileSync(file, "utf8")) as Partial<CacheEntry>;
    return entry.key === key && entry.config && Array.isArray(entry.trustKeys) ? (entry as CacheEntry) : undefined;
  } catch {
    return undefined; // no cache or a damaged one: validate the file again
  }
}

function writeCache(file: string, entry: CacheEntry): void {
  if (!entry.key) return;
  try {
    mkdirSync(dirname(file), { recursive: true, mode: 0o700 });
    const tmp = `${file}.${process.pid}.tmp`;
    writeFileSync(tmp, JSON.stringify(entry), { mode: 0o600 });
    renameSync(tmp, file);
  } catch {
    // The cache only saves time; an unwritable cache directory must not stop ao.
  }
}
