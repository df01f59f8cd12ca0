/**
 * Pure: (record, tmux state, live branch, screen status, now) → what `ls` shows. No I/O here.
 */
import type { SessionState } from "../adapters/tmux.js";
import { TERMINAL_STATUSES, type SessionRecord, type StoredStatus } from "./record.js";
import type { ScreenStatus } from "./screen.js";

/** A live session with output in this window is `working`, else `idle`. */
export const IDLE_AFTER_MS = 30_000;

export type ObservedStatus = StoredStatus | "idle" | "waiting" | "unknown" | "dead";

export interface SessionView extends Omit<SessionRecord, "status"> {
  /** What is observed now; the record's own status is `storedStatus`. */
  status: ObservedStatus;
  storedStatus: StoredStatus;
  /** A `spawning` record whose ao process is gone: `ao session kill` cleans it up. */
  stuck?: boolean;
}

export interface ObserveOptions {
  idleAfterMs?: number;
  /** For a `spawning` record: is the ao process creating it still there? */
  spawnerAlive?: boolean;
  /** What the agent's screen says, for an agent with status patterns (core/screen.ts). */
  screen?: ScreenStatus;
  /** Views made before, for a reader that lists every second (see ViewMemo). */
  memo?: ViewMemo;
}

/**
 * For a reader whose records are the same objects while their files are
 * unchanged (Store.cacheRecords: the dash): what observe() made of each record
 * and from what. The same record with the same inputs gives the same view, so it
 * is given again, not made again (at 200 sessions, every second). Records so
 * cached are never changed in place.
 */
export type ViewMemo = WeakMap<SessionRecord, { tmux?: SessionState; branch?: string; spawnerAlive?: boolean; screen?: ScreenStatus; fresh: boolean; recorded: number; view: SessionView }>;

export function observe(record: SessionRecord, tmux: SessionState | undefined, liveBranch: string | undefined, now: number, opts: ObserveOptions = {}): SessionView {
  const stored = record.status;
  const hit = opts.memo?.get(record);
  const recorded = hit ? hit.recorded : Date.parse(record.lastActivityAt) || Date.parse(record.createdAt) || 0;
  const lastActivity = tmux?.alive ? Math.max(tmux.activityMs, recorded) : recorded;
  // The only way `now` matters: whether the last output is within the idle window.
  const fresh = now - lastActivity <= (opts.idleAfterMs ?? IDLE_AFTER_MS);
  if (hit && hit.fresh === fresh && hit.tmux?.alive === tmux?.alive && hit.tmux?.activityMs === tmux?.activityMs && hit.branch === liveBranch && hit.spawnerAlive === opts.spawnerAlive && hit.screen === opts.screen) return hit.view;
  const view: SessionView = {
    ...record,
    branch: liveBranch ?? record.branch,
    storedStatus: stored,
    status: observedStatus(stored, tmux, fresh, opts),
    lastActivityAt: new Date(lastActivity).toISOString(),
    ...(stored === "spawning" && opts.spawnerAlive === false ? { stuck: true } : {}),
  };
  opts.memo?.set(record, { tmux, branch: liveBranch, spawnerAlive: opts.spawnerAlive, screen: opts.screen, fresh, recorded, view });
  return view;
}

/** A session whose status is observed from tmux (and maybe its screen) rather than its record. */
export const isLive = (stored: StoredStatus): boolean => stored === "working";

function observedStatus(stored: StoredStatus, tmux: SessionState | undefined, fresh: boolean, opts: ObserveOptions): ObservedStatus {
  if (!isLive(stored)) return stored;
  // tmux gone, or tmux alive with the agent's pane dead: restorable.
  if (!tmux?.alive) return "dead";
  // The screen, where the agent's patterns can read it; else output within the idle window.
  if (opts.screen) return opts.screen;
  return fresh ? "working" : "idle";
}

/** `--status` values and their aliases (SPEC §3). */
const STATUS_ALIASES: Record<string, string> = {
  active: "working",
  running: "working",
  ended: "killed",
  completed: "done",
  failed: "errored",
  error: "errored",
};

export const KNOWN_STATUSES = ["spawning", "working", "idle", "waiting", "unknown", "dead", "paused", "killed", "done", "exited", "errored"];

export function canonicalStatus(value: string): string | undefined {
  const v = value.toLowerCase();
  const canonical = STATUS_ALIASES[v] ?? v;
  return KNOWN_STATUSES.includes(canonical) ? canonical : undefined;
}

export interface ListFilter {
  project?: string;
  /** Canonical status (see canonicalStatus). */
  status?: string;
  agent?: string;
  /** Include terminal sessions. */
  all?: boolean;
}

export function matchesFilter(view: SessionView, f: ListFilter): boolean {
  if (f.project && view.project !== f.project) return false;
  if (f.agent && view.agent !== f.agent) return false;
  if (f.status) return view.status === f.status;
  return f.all === true || !TERMINAL_STATUSES.has(view.storedStatus);
}
