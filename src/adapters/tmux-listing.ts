/**
 * The `tmux list-panes -a` that every listing runs, and its early start: for
 * `ao session ls` and `ao status`, bin/ao.js starts it (src/cli/startup.ts) before
 * the CLI bundle is even compiled, so tmux answers while Node loads ao. It and
 * collect.ts import nothing but node's own modules: they are bundled into
 * dist/bin/startup.cjs too.
 */
import { collect, type Collected } from "./collect.js";

/**
 * Space-separated, session_name last: the first three fields are numbers, so the
 * name may hold anything. Not tabs: without a UTF-8 locale (cron, env -i) tmux
 * prints a tab in -F output as "_".
 */
export const LIST_PANES_FORMAT = "#{pane_pid} #{pane_dead} #{window_activity} #{session_name}";
export const LIST_PANES_ARGS = ["list-panes", "-a", "-F", LIST_PANES_FORMAT] as const;
/** How long any tmux call may take before ao gives up on it (SIGTERM, then SIGKILL). */
export const TMUX_TIMEOUT_MS = 15_000;

/** `-L name` for a named server, `-S path` when the setting is a path, nothing for tmux's default. */
export function socketArgs(socket: string | undefined): string[] {
  if (!socket) return [];
  return socket.includes("/") ? ["-S", socket] : ["-L", socket];
}

/** A listing under way, and when it was started (Unix ms): sessions started after that may be missing from it. */
export interface StartedListing {
  since: number;
  result: Promise<Collected>;
}

interface Early extends StartedListing {
  args: readonly string[];
  env: NodeJS.ProcessEnv;
  abort: AbortController;
}

// On globalThis: the early file and the CLI bundle each have their own copy of this module.
const KEY = Symbol.for("ao.early-listing");
const slot = globalThis as { [KEY]?: Early };

export function startListing(socket: string | undefined, env: NodeJS.ProcessEnv, signal?: AbortSignal): StartedListing & { args: string[] } {
  const args = [...socketArgs(socket), ...LIST_PANES_ARGS];
  return { args, since: Date.now(), result: collect("tmux", args, { env, timeoutMs: TMUX_TIMEOUT_MS, signal }) };
}

/** Starts the listing of `socket`'s server now, for takeEarly() to pick up once ao has loaded. */
export function startEarly(socket: string | undefined, env: NodeJS.ProcessEnv): void {
  const abort = new AbortController();
  slot[KEY] = { ...startListing(socket, env, abort.signal), env, abort };
}

/** The command is done and never took the early listing (another server, no live session): stop it, so it cannot hold the exit. */
export function dropEarly(): void {
  slot[KEY]?.abort.abort();
  delete slot[KEY];
}

/**
 * The early listing, once, if it asked the same server with the same environment
 * object (process.env for the CLI); a library caller with its own env never gets it.
 */
export function takeEarly(args: readonly string[], env: NodeJS.ProcessEnv): StartedListing | undefined {
  const early = slot[KEY];
  if (!early || early.env !== env || early.args.length !== args.length || early.args.some((a, i) => a !== args[i])) return undefined;
  delete slot[KEY];
  return early;
}
