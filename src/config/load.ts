/**
 * Finding and loading agent-orchestrator.yaml (SPEC §1).
 *
 * Parsing YAML and validating with zod costs more start-up time than listing 200
 * sessions, so the validated result is cached, keyed by the file's identity
 * (inode, size, mtime, ctime) and $HOME. Any change to the file re-validates it.
 */
import { mkdirSync, readFileSync, renameSync, statSync, writeFileSync, type Stats } from "node:fs";
import { homedir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { AoError, ConfigError } from "../core/errors.js";
import { fnv1a64 } from "../core/hash.js";
import type { Config } from "./types.js";

export type { Config, ProjectConfig } from "./types.js";

const NAMES = ["agent-orchestrator.yaml", "agent-orchestrator.yml"];
const CACHE_VERSION = 3; // bumped whenever the resolved config changes shape (2: agents.*.status, 3: composer, keys.clear)

export interface LoadOptions {
  /** The global --config option. */
  configPath?: string;
  cwd?: string;
  env?: NodeJS.ProcessEnv;
}

export function findConfigPath(opts: LoadOptions = {}): string {
  const env = opts.env ?? process.env;
  const cwd = opts.cwd ?? process.cwd();
  const explicit = opts.configPath ?? env.AO_CONFIG;
  if (explicit) {
    const path = resolve(cwd, expandHome(explicit, env));
    if (!statOrUndefined(path)) throw new ConfigError(`Config file not found: ${path}`);
    return path;
  }
  for (let dir = cwd; ; dir = dirname(dir)) {
    for (const name of NAMES) {
      const candidate = join(dir, name);
      if (statOrUndefined(candidate)?.isFile()) return candidate;
    }
    if (dirname(dir) === dir) break;
  }
  const xdg = env.XDG_CONFIG_HOME || join(home(env), ".config");
  const global = join(xdg, "agent-orchestrator", "config.yaml");
  if (statOrUndefined(global)?.isFile()) return global;
  throw new AoError("No agent-orchestrator.yaml found", { hint: "Run 'ao init' to create one." });
}

export async function loadConfig(opts: LoadOptions = {}): Promise<Config> {
  const env = opts.env ?? process.env;
  const path = findConfigPath(opts);
  const stats = statOrUndefined(path);
  if (stats?.isDirectory()) throw new ConfigError(`Config is a directory, not a file: ${path}`);
  const homeDir = home(env);
  const key = stats ? fileKey(stats, homeDir) : "";
  const cacheFile = cachePath(path, env);
  let base = readCache(cacheFile, key);
  if (!base) {
    let text: string;
    try {
      text = readFileSync(path, "utf8");
    } catch (err) {
      throw new ConfigError(`Cannot read config ${path}: ${(err as NodeJS.ErrnoException).code ?? err}`, { cause: err });
    }
    const { parseConfig } = await import("./parse.js");
    base = parseConfig(text, path, homeDir);
    writeCache(cacheFile, key, base);
  }
  return applyEnv(base, env);
}

/** Env wins over the file (SPEC §5). */
function applyEnv(config: Config, env: NodeJS.ProcessEnv): Config {
  const h = home(env);
  return {
    ...config,
    dataDir: env.AO_DATA_DIR ? resolve(expandHome(env.AO_DATA_DIR, env)) : config.dataDir,
    worktreeDir: env.AO_WORKTREE_DIR ? resolve(expandHome(env.AO_WORKTREE_DIR, env)) : config.worktreeDir,
    tmuxSocket: env.AO_TMUX_SOCKET ? expandTilde(env.AO_TMUX_SOCKET, h) : config.tmuxSocket,
    githubApiUrl: (env.GITHUB_API_URL || config.githubApiUrl).replace(/\/+$/, ""),
  };
}

export function home(env: NodeJS.ProcessEnv = process.env): string {
  return env.HOME || homedir();
}

export function expandTilde(p: string, homeDir: string): string {
  return p === "~" ? homeDir : p.startsWith("~/") ? join(homeDir, p.slice(2)) : p;
}

function expandHome(p: string, env: NodeJS.ProcessEnv): string {
  return expandTilde(p, home(env));
}

function statOrUndefined(path: string): Stats | undefined {
  try {
    return statSync(path);
  } catch {
    return undefined; // missing or unreadable: treated as absent by the search
  }
}

function fileKey(s: Stats, homeDir: string): string {
  return `${CACHE_VERSION}:${s.ino}:${s.size}:${s.mtimeMs}:${s.ctimeMs}:${homeDir}`;
}

function cachePath(configPath: string, env: NodeJS.ProcessEnv): string {
  const dir = env.XDG_CACHE_HOME || join(home(env), ".cache");
  return join(dir, "agent-orchestrator", "config", `${fnv1a64(configPath)}.json`);
}

function readCache(file: string, key: string): Config | undefined {
  if (!key) return undefined;
  try {
    const entry = JSON.parse(readFileSync(file, "utf8")) as { key?: string; config?: Config };
    return entry.key === key ? entry.config : undefined;
  } catch {
    return undefined; // no cache or a damaged one: validate the file again
  }
}

function writeCache(file: string, key: string, config: Config): void {
  if (!key) return;
  try {
    mkdirSync(dirname(file), { recursive: true, mode: 0o700 });
    const tmp = `${file}.${process.pid}.tmp`;
    writeFileSync(tmp, JSON.stringify({ key, config }), { mode: 0o600 });
    renameSync(tmp, file);
  } catch {
    // The cache only saves time; an unwritable cache directory must not stop ao.
  }
}
