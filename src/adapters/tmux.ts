/**
 * tmux as data: each operation is an argv builder, and output is read by pure
 * parsers. Every target is exact: `-t name` is a prefix match in tmux (mp-1 would
 * hit mp-10), `-t =name` is exact; a trailing ":" makes it a pane/window target.
 */
import { AoError, CommandError } from "../core/errors.js";
import { collect, type Collected } from "./collect.js";
import { settle, type RunResult } from "./exec.js";
import { ResidentCommand } from "./resident.js";
import { LIST_PANES_ARGS, LIST_PANES_FORMAT, socketArgs, startListing, takeEarly, TMUX_TIMEOUT_MS, type StartedListing } from "./tmux-listing.js";

export { LIST_PANES_FORMAT } from "./tmux-listing.js";

export interface PaneState {
  session: string;
  panePid: number;
  /** The pane's process has exited (kept on screen by remain-on-exit). */
  dead: boolean;
  /** Unix seconds of the window's last output. */
  activity: number;
}

const PANE_LINE = /^(\d+) ([01]) (\d+) (.*)$/;

export function parseListPanes(stdout: string): PaneState[] {
  const panes: PaneState[] = [];
  for (const line of stdout.split("\n")) {
    const m = PANE_LINE.exec(line);
    if (!m) continue;
    panes.push({ panePid: Number(m[1]), dead: m[2] === "1", activity: Number(m[3]), session: m[4]! });
  }
  return panes;
}

/** One entry per tmux session: alive when any of its panes still runs. */
export interface SessionState {
  alive: boolean;
  /** Unix ms of the newest activity in any window of the session. */
  activityMs: number;
}

export function summarizeSessions(panes: readonly PaneState[]): Map<string, SessionState> {
  const out = new Map<string, SessionState>();
  for (const p of panes) {
    const prev = out.get(p.session);
    out.set(p.session, {
      alive: (prev?.alive ?? false) || !p.dead,
      activityMs: Math.max(prev?.activityMs ?? 0, p.activity * 1000),
    });
  }
  return out;
}

export const exact = (session: string) => `=${session}`;
const pane = (session: string) => `=${session}:`;

/** What `ifPaneAlive` prints instead of running its command when the pane's program has exited. */
export const PANE_DEAD_MARK = "ao:pane-dead";

/**
 * One argv as a tmux command string, for a command that tmux parses itself
 * (if-shell's branches). Every word is single-quoted; only ao's own words go
 * here (targets, buffer names, key names checked by the config schema), and a
 * quote in one would be a bug, not input to escape.
 */
export function tmuxCommandString(args: readonly string[]): string {
  return args
    .map((a) => {
      if (a.includes("'")) throw new Error(`tmux word with a quote: ${JSON.stringify(a)}`);
      return `'${a}'`;
    })
    .join(" ");
}

/**
 * Runs `args` against a pane only if its program still runs, decided by tmux in
 * the same command queue as the command itself, so no pane can die in between.
 * tmux 3.3a's server crashes on paste-buffer into a dead (remain-on-exit) pane,
 * taking every session of that server with it; never paste or type into one.
 */
export function ifPaneAlive(session: string, args: readonly string[]): string[] {
  return ["if-shell", "-F", "-t", pane(session), "#{pane_dead}", `display-message -p ${PANE_DEAD_MARK}`, tmuxCommandString(args)];
}

/** The pane's life and its visible screen, from one tmux process: first line "<dead 0|1> <exit status>". */
const PANE_STATE_FORMAT = "#{pane_dead} #{pane_dead_status}";

export interface PaneSnapshot {
  dead: boolean;
  /** The agent's exit status once dead (empty when tmux does not know it, e.g. killed by a signal). */
  exitStatus?: number;
  screen: string;
}

export function parsePaneSnapshot(stdout: string): PaneSnapshot {
  const nl = stdout.indexOf("\n");
  const [dead, status] = (nl === -1 ? stdout : stdout.slice(0, nl)).trim().split(" ");
  const screen = nl === -1 ? "" : stdout.slice(nl + 1);
  return { dead: dead === "1", ...(status && /^\d+$/.test(status) ? { exitStatus: Number(status) } : {}), screen };
}

/** The agent in a session's pane has exited: nothing was pasted or typed into it. */
export class PaneDeadError extends AoError {
  constructor(readonly session: string) {
    super(`The agent in ${session} has exited`, { hint: `See its last screen with: ao session logs ${session}; start it again with: ao session restore ${session}` });
    this.name = "PaneDeadError";
  }
}

export interface NewSessionSpec {
  name: string;
  cwd: string;
  env: Record<string, string>;
  /** A script for /bin/sh -c, written by ao from config (never from CLI input). */
  script: string;
  /** A `pipe-pane` command (run by tmux through /bin/sh) that gets the pane's output from its first byte. */
  pipe?: string;
}

export const tmuxCommands = {
  listSessionPanes: (name: string) => ["list-panes", "-s", "-t", exact(name), "-F", LIST_PANES_FORMAT],
  /**
   * The pane runs `/bin/sh -c SCRIPT` as argv, so the user's default-shell does not
   * matter. remain-on-exit keeps a finished agent's last screen, so ao can tell
   * "agent exited" (pane dead) from "tmux gone". The script ends in a newline
   * because tmux treats an argument ending in ";" as a command separator.
   */
  newSession: (s: NewSessionSpec) => [
    "new-session", "-d", "-s", s.name, "-c", s.cwd, "-x", "200", "-y", "50",
    ...Object.entries(s.env).flatMap(([k, v]) => ["-e", `${k}=${v}`]),
    "/bin/sh", "-c", `${s.script}\n`,
    // In the same command queue as new-session: no output comes before the pipe is there.
    ...(s.pipe ? [";", "pipe-pane", "-t", pane(s.name), `${s.pipe}\n`] : []),
    ";", "set-option", "-w", "-t", pane(s.name), "remain-on-exit", "on",
    // The server's socket, so the record can name the server the session lives on.
    ";", "display-message", "-p", "-t", pane(s.name), "#{socket_path}",
  ],
  hasSession: (name: string) => ["has-session", "-t", exact(name)],
  killSession: (name: string) => ["kill-session", "-t", exact(name)],
  capturePane: (name: string) => ["capture-pane", "-p", "-J", "-t", pane(name)],
  /** parsePaneSnapshot reads it. */
  paneSnapshot: (name: string) => ["display-message", "-p", "-t", pane(name), PANE_STATE_FORMAT, ";", "capture-pane", "-p", "-J", "-t", pane(name)],
  /** The whole scrollback and screen as plain text (no -e: no escape sequences). */
  captureHistory: (name: string) => ["capture-pane", "-p", "-J", "-S", "-", "-E", "-", "-t", pane(name)],
  loadBuffer: (buffer: string) => ["load-buffer", "-b", buffer, "-"],
  /** -p: bracketed paste when the agent asked for it, so multi-line text is one input; -d: drop the buffer. */
  pasteBuffer: (buffer: string, name: string) => ifPaneAlive(name, ["paste-buffer", "-p", "-d", "-b", buffer, "-t", pane(name)]),
  deleteBuffer: (buffer: string) => ["delete-buffer", "-b", buffer],
  sendEnter: (name: string) => ifPaneAlive(name, ["send-keys", "-t", pane(name), "Enter"]),
  /** Key names from the agent table or config, never from user text. */
  sendKeys: (name: string, keys: readonly string[]) => ifPaneAlive(name, ["send-keys", "-t", pane(name), ...keys]),
  attach: (name: string) => ["attach-session", "-t", exact(name)],
  switchClient: (name: string) => ["switch-client", "-t", exact(name)],
} as const;

/** What a server that is not running holds: always this one map, so that two such listings compare the same (Orchestrator.list). */
const NO_SESSIONS: ReadonlyMap<string, SessionState> = new Map();

export class Tmux {
  constructor(private readonly socket?: string, private readonly env: NodeJS.ProcessEnv = process.env) {}

  /**
   * Where tmux puts this server's socket: a path as given, else `-L name` (or the
   * default server) in $TMUX_TMPDIR/tmux-UID, as tmux itself resolves it.
   */
  get socketPath(): string {
    if (this.socket?.includes("/")) return this.socket;
    return (this.path ??= `${this.env.TMUX_TMPDIR || "/tmp"}/tmux-${process.getuid?.() ?? 0}/${this.socket ?? "default"}`);
  }

  private path?: string;
  private resident?: ResidentCommand;
  /**
   * While keepListing is on: the last listing's output and what it gave. An unchanged output (an idle
   * dash, every second) gives the same map again, not a new one: the core then knows that nothing tmux
   * says changed by comparing it (Orchestrator.list). The maps are never changed after they are made.
   */
  private parsed?: { stdout: string; states: ReadonlyMap<string, SessionState> };

  /**
   * While on, listings of this server go through one resident shell that starts
   * tmux for each (adapters/resident.ts), not through a child of node's each: for
   * a view that lists every second. Off ends the shell.
   */
  keepListing(on: boolean): void {
    if (on) this.resident ??= new ResidentCommand(["tmux", ...this.baseArgs, ...LIST_PANES_ARGS], { env: this.env, timeoutMs: TMUX_TIMEOUT_MS });
    else {
      this.resident?.close();
      this.resident = undefined;
      this.parsed = undefined;
    }
  }

  /** `-L name` for a named server, `-S path` when the setting is a path. */
  get baseArgs(): string[] {
    return socketArgs(this.socket);
  }

  run(args: readonly string[], opts: { input?: string; inheritStdio?: boolean; env?: NodeJS.ProcessEnv } = {}): Promise<RunResult> {
    return this.settled(collect("tmux", [...this.baseArgs, ...args], { env: opts.env ?? this.env, input: opts.input, inheritStdio: opts.inheritStdio, timeoutMs: opts.inheritStdio ? undefined : TMUX_TIMEOUT_MS }));
  }

  private async settled(started: Promise<Collected>): Promise<RunResult> {
    try {
      return settle(await started);
    } catch (err) {
      if (err instanceof CommandError && err.spawnErrorCode === "ENOENT") {
        throw new AoError("tmux is not installed (or not on PATH)", { hint: "Install it, e.g. sudo apt-get install tmux; ao needs tmux 3.2 or later.", cause: err });
      }
      throw err;
    }
  }

  /**
   * The state of every session from ONE tmux process. `list-panes -a` fails only
   * when it cannot reach a server, which for ao means no session is running.
   */
  listSessions(): Promise<ReadonlyMap<string, SessionState>> {
    return this.statesOf(this.settled(this.listing().result));
  }

  /**
   * listSessions() for a listing that starts before ao reads its records: the
   * one bin/ao.js started at start-up for `ls` and `status` when it asked this
   * server with this environment, else one started now. `since` (Unix ms): a
   * session started after it may be missing (core/runtime.ts asks again then).
   */
  startListing(): { since: number; states: Promise<ReadonlyMap<string, SessionState>> } {
    const started = takeEarly([...this.baseArgs, ...LIST_PANES_ARGS], this.env) ?? this.listing();
    return { since: started.since, states: this.statesOf(this.settled(started.result)) };
  }

  /** A `list-panes -a` of this server started now: through the resident shell while keepListing is on. */
  private listing(): StartedListing {
    return this.resident ? { since: Date.now(), result: this.resident.run() } : startListing(this.socket, this.env);
  }

  private async statesOf(listing: Promise<RunResult>): Promise<ReadonlyMap<string, SessionState>> {
    try {
      const { stdout } = await listing;
      if (this.parsed?.stdout === stdout) return this.parsed.states;
      const states = summarizeSessions(parseListPanes(stdout));
      if (this.resident) this.parsed = { stdout, states };
      return states;
    } catch (err) {
      // A server that is not running is not an error: every session is simply dead.
      if (err instanceof CommandError && err.spawnErrorCode === undefined && !err.timedOut) return NO_SESSIONS;
      throw err;
    }
  }

  /**
   * One session's state (undefined: no such session, or no server), from a
   * list-panes of that session only: at 200 sessions half the time of `-a`.
   */
  async sessionState(name: string): Promise<SessionState | undefined> {
    try {
      const { stdout } = await this.run(tmuxCommands.listSessionPanes(name));
      return summarizeSessions(parseListPanes(stdout)).get(name);
    } catch (err) {
      if (err instanceof CommandError && err.spawnErrorCode === undefined && !err.timedOut) return undefined;
      throw err;
    }
  }

  /** "tmux 3.3a" → "3.3a". */
  async version(): Promise<string> {
    return (await this.run(["-V"])).stdout.trim().replace(/^tmux\s+/, "");
  }

  async hasSession(name: string): Promise<boolean> {
    try {
      await this.run(tmuxCommands.hasSession(name));
      return true;
    } catch (err) {
      if (err instanceof CommandError && err.exitCode === 1) return false;
      throw err;
    }
  }

  /** Starts the session; resolves to the socket path of the server it runs on. */
  async newSession(spec: NewSessionSpec): Promise<string> {
    return (await this.run(tmuxCommands.newSession(spec))).stdout.trim();
  }

  /** Whether the pane's program has exited (and how), with its visible screen. */
  async snapshot(name: string): Promise<PaneSnapshot> {
    return parsePaneSnapshot((await this.run(tmuxCommands.paneSnapshot(name))).stdout);
  }

  /** Runs a pane command guarded by ifPaneAlive; a dead pane is a PaneDeadError. */
  private async intoLivePane(name: string, args: string[], opts: { input?: string } = {}): Promise<void> {
    const { stdout } = await this.run(args, opts);
    if (stdout.includes(PANE_DEAD_MARK)) throw new PaneDeadError(name);
  }

  /** Kills the session if it exists; a missing session or server is not an error. */
  async killSession(name: string): Promise<void> {
    if (await this.hasSession(name)) await this.run(tmuxCommands.killSession(name));
  }

  /**
   * Inside tmux, switch the current client; when that client is on another tmux
   * server, attach a nested client (TMUX unset, as tmux itself asks).
   */
  async attach(name: string): Promise<void> {
    const { TMUX: inside, ...outside } = this.env;
    if (inside) {
      try {
        await this.run(tmuxCommands.switchClient(name));
        return;
      } catch {
        // not on this server: fall through to a nested attach
      }
    }
    await this.run(tmuxCommands.attach(name), { inheritStdio: true, env: outside });
  }

  async capture(name: string): Promise<string> {
    return (await this.run(tmuxCommands.capturePane(name))).stdout;
  }

  /**
   * The visible screens of several sessions from ONE tmux process: the captures
   * run as one command sequence, each followed by a marker line. tmux stops a
   * sequence at a failing command (a session that ended meanwhile), so the rest
   * is asked again without it, a bounded number of times; a session whose screen
   * could not be read is missing from the result.
   */
  async captureScreens(names: readonly string[], attempts = 3): Promise<Map<string, string>> {
    const out = new Map<string, string>();
    let rest = [...names];
    for (let attempt = 0; rest.length && attempt < attempts; attempt++) {
      const marker = `ao-screen-${process.pid}-${Date.now().toString(36)}`;
      const args = rest.flatMap((n, i) => [...(i ? [";"] : []), ...tmuxCommands.capturePane(n), ";", "display-message", "-p", marker]);
      let stdout: string;
      let failed = false;
      try {
        stdout = (await this.run(args)).stdout;
      } catch (err) {
        if (!(err instanceof CommandError) || err.timedOut || err.spawnErrorCode) throw err;
        stdout = err.stdout;
        failed = true;
      }
      const screens = stdout.split(`${marker}\n`);
      const done = screens.length - 1;
      for (let i = 0; i < done; i++) out.set(rest[i]!, screens[i]!);
      // The capture after the last marker failed: skip that session, ask for the others.
      rest = failed ? rest.slice(done + 1) : [];
    }
    return out;
  }

  async sendKeys(name: string, keys: readonly string[]): Promise<void> {
    await this.intoLivePane(name, tmuxCommands.sendKeys(name, keys));
  }

  /** Scrollback and screen, trailing blank lines dropped. */
  async captureHistory(name: string): Promise<string> {
    return trimTrailingBlank((await this.run(tmuxCommands.captureHistory(name))).stdout);
  }

  /**
   * Text goes through a named buffer and a bracketed paste, then Enter: never
   * through send-keys, which would read "C-c" or "Enter" in the text as keys.
   */
  async paste(name: string, text: string, enterDelayMs = 150): Promise<void> {
    const buffer = `ao-${name}-${process.pid}-${Date.now().toString(36)}`;
    try {
      // One tmux process: the buffer is filled from stdin, then pasted (and deleted) if the pane still runs.
      await this.intoLivePane(name, [...tmuxCommands.loadBuffer(buffer), ";", ...tmuxCommands.pasteBuffer(buffer, name)], { input: text });
    } catch (err) {
      await this.run(tmuxCommands.deleteBuffer(buffer)).catch(() => undefined); // best effort: the paste error is the one to report
      throw err;
    }
    // Some TUIs treat an Enter that arrives in the same read as the paste as part of it.
    await new Promise((r) => setTimeout(r, enterDelayMs));
    await this.intoLivePane(name, tmuxCommands.sendEnter(name));
  }
}

export function trimTrailingBlank(text: string): string {
  return text.replace(/\s+$/, "") + (text.trim() ? "\n" : "");
}
