/**
 * Which agent-orchestrator.yaml a command obeys (SPEC §1), and why: the reason
 * decides whether its content must be trusted first (config/trust.ts).
 *
 * A session's worktree is written by its agent, so walking up from the current
 * directory stops there: no config at or below a worktree is read. Inside a
 * worktree ao uses the config recorded by the session that owns it; in a worktree
 * no session owns, the walk goes on above it.
 *
 * A worktree is a directory whose `.git` is a file naming `…/worktrees/<name>` (a
 * git linked worktree), or anything inside worktreeDir ($AO_WORKTREE_DIR, else
 * ~/.worktrees; a worktreeDir set in a config cannot be known before a config is
 * read). Outside worktrees this costs one lstat of `.git` per directory walked;
 * session records are read only when the walk meets a worktree.
 */
import { closeSync, constants, fstatSync, lstatSync, openSync, readdirSync, readFileSync, realpathSync, statSync, type Stats } from "node:fs";
import { basename, dirname, join, resolve, sep } from "node:path";
import { ConfigError, NoConfigError } from "../core/errors.js";
import { expandTilde, home } from "./home.js";

export { expandTilde, home } from "./home.js";

const NAMES = ["agent-orchestrator.yaml", "agent-orchestrator.yml"];

/**
 * explicit: --config or $AO_CONFIG; user: $XDG_CONFIG_HOME/agent-orchestrator/config.yaml;
 * walked: found by walking up; session: recorded by the session owning the worktree.
 */
export type ConfigSource = "explicit" | "user" | "walked" | "session";

export interface Located {
  path: string;
  source: ConfigSource;
}

export interface LocateOptions {
  configPath?: string;
  cwd?: string;
  env?: NodeJS.ProcessEnv;
}

export function locateConfig(opts: LocateOptions = {}): Located {
  const env = opts.env ?? process.env;
  const cwd = resolve(opts.cwd ?? process.cwd());
  const explicit = opts.configPath ?? env.AO_CONFIG;
  if (explicit) {
    const path = resolve(cwd, expandTilde(explicit, home(env)));
    if (!statOrUndefined(path)) throw new ConfigError(`Config file not found: ${path}`);
    return { path, source: "explicit" };
  }
  const walk = walkUp(cwd, env);
  if (walk.worktrees.length) {
    const recorded = recordedConfig(walk.worktrees, env);
    if (recorded) {
      if (!statOrUndefined(recorded.path)?.isFile()) {
        throw new ConfigError(`Config file not found: ${recorded.path} (recorded by session ${recorded.session}, whose worktree this is)`, { hint: "Pass --config PATH or set AO_CONFIG." });
      }
      return { path: recorded.path, source: recorded.path === userConfigPath(env) ? "user" : "session" };
    }
  }
  if (walk.config) return { path: walk.config, source: "walked" };
  const user = userConfigPath(env);
  if (statOrUndefined(user)?.isFile()) return { path: user, source: "user" };
  const hint = walk.worktrees.length
    ? `This is a worktree (${walk.worktrees[0]}); run 'ao init' in the project's main checkout, or pass --config PATH.`
    : "Run 'ao init' to create one.";
  throw new NoConfigError(hint);
}

/**
 * The worktrees on the way from cwd to /, nearest first (each worktree directory
 * itself), and the nearest config above all of them.
 */
export function walkUp(cwd: string, env: NodeJS.ProcessEnv): { config?: string; worktrees: string[] } {
  const root = worktreeRoot(env);
  const worktrees: string[] = [];
  let config: string | undefined;
  for (let dir = cwd; ; dir = dirname(dir)) {
    const inRoot = dir === root || dir.startsWith(`${root}${sep}`);
    if (inRoot || isLinkedWorktree(dir)) {
      if (inRoot && dirname(dir) === root) worktrees.push(dir); // a session's worktree is worktreeDir/<name>
      else if (!inRoot) worktrees.push(dir);
      config = undefined; // anything found at or below a worktree is the agent's to write: never read
    } else if (!config) {
      config = NAMES.map((n) => join(dir, n)).find((p) => statOrUndefined(p)?.isFile());
    }
    if (dirname(dir) === dir) break;
  }
  return { config, worktrees };
}

/** A git linked worktree: `.git` is a file saying `gitdir: <repo>/.git/worktrees/<name>` (a submodule's names `modules/`). */
export function isLinkedWorktree(dir: string): boolean {
  const dotGit = join(dir, ".git");
  let st: Stats;
  try {
    st = lstatSync(dotGit);
  } catch {
    return false; // no .git here: the common case, one failed lstat
  }
  if (!st.isFile()) return false;
  const m = /^gitdir:\s*(.+?)\s*$/m.exec(readSmallNoFollow(dotGit, 4096) ?? "");
  return m !== null && /[/\\]worktrees[/\\][^/\\]+[/\\]?$/.test(m[1]!);
}

/** worktreeDir as known before any config is read. */
export function worktreeRoot(env: NodeJS.ProcessEnv): string {
  const h = home(env);
  return resolve(env.AO_WORKTREE_DIR ? expandTilde(env.AO_WORKTREE_DIR, h) : join(h, ".worktrees"));
}

/**
 * The configPath of the newest record (default dataDir) whose workspacePath is one
 * of `worktrees`. Records are read without following links, like the Store does.
 */
function recordedConfig(worktrees: string[], env: NodeJS.ProcessEnv): { path: string; session: string } | undefined {
  const h = home(env);
  const dataDir = resolve(env.AO_DATA_DIR ? expandTilde(env.AO_DATA_DIR, h) : join(h, ".agent-orchestrator"));
  const wanted = new Set(worktrees);
  const names = new Set(worktrees.map((w) => basename(w)));
  let best: { path: string; session: string; at: string; rank: number } | undefined;
  for (const project of listDir(join(dataDir, "projects"))) {
    const sessions = join(dataDir, "projects", project, "sessions");
    for (const file of listDir(sessions)) {
      if (!file.endsWith(".json")) continue;
      let rec: { name?: unknown; workspacePath?: unknown; configPath?: unknown; updatedAt?: unknown };
      try {
        rec = JSON.parse(readSmallNoFollow(join(sessions, file), 4 << 20) ?? "null") ?? {};
      } catch {
        continue; // a damaged record names no config; `ls` reports it
      }
      if (typeof rec.workspacePath !== "string" || typeof rec.configPath !== "string" || !rec.configPath.startsWith("/")) continue;
      const ws = rec.workspacePath;
      // cwd is a real path; a record keeps worktreeDir as configured (maybe through a link).
      const match = wanted.has(ws) ? ws : names.has(basename(ws)) ? realOrUndefined(ws) : undefined;
      if (!match || !wanted.has(match)) continue;
      const rank = worktrees.indexOf(match); // the nearest worktree wins, then the newest record
      const at = typeof rec.updatedAt === "string" ? rec.updatedAt : "";
      if (!best || rank < best.rank || (rank === best.rank && at > best.at)) best = { path: rec.configPath, session: String(rec.name ?? file.slice(0, -5)), at, rank };
    }
  }
  return best && { path: best.path, session: best.session };
}

export function userConfigPath(env: NodeJS.ProcessEnv): string {
  const xdg = env.XDG_CONFIG_HOME || join(home(env), ".config");
  return join(xdg, "agent-orchestrator", "config.yaml");
}

function listDir(dir: string): string[] {
  try {
    return readdirSync(dir);
  } catch {
    return []; // no dataDir yet: no sessions
  }
}

/** A regular file of at most `max` bytes, never through a symbolic link; undefined if absent, a link or not a file. */
function readSmallNoFollow(path: string, max: number): string | undefined {
  let fd: number;
  try {
    fd = openSync(path, constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK);
  } catch {
    return undefined; // gone, unreadable or a link: it says nothing ao may use
  }
  try {
    const st = fstatSync(fd);
    if (!st.isFile() || st.size > max) return undefined;
    return readFileSync(fd, "utf8");
  } finally {
    closeSync(fd);
  }
}

function realOrUndefined(p: string): string | undefined {
  try {
    return realpathSync(p);
  } catch {
    return undefined;
  }
}

export function statOrUndefined(path: string): Stats | undefined {
  try {
    return statSync(path);
  } catch {
    return undefined; // missing or unreadable: treated as absent by the search
  }
}
