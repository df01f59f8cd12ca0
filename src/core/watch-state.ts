/**
 * What `ao watch` keeps in `<dataDir>/watch-state.json` (0600, written durably
 * and atomically by the store): each session's memory (the causes already
 * acted on, its outbox) and when each repository was last asked. It is what
 * makes a watch that was stopped or killed repeat nothing when started again;
 * the loop writes it before every action it takes.
 */
import { z } from "zod";
import type { Store } from "../adapters/store.js";
import { AoError } from "./errors.js";
import { freshMemory, type SessionMemory } from "./watch-plan.js";

export const WATCH_STATE_VERSION = 1;

export interface RepoMemory {
  /** Unix ms of the last request. */
  askedAt: number;
  /** Why the last request failed (warned once), until GitHub answers again. */
  down?: string;
}

export interface WatchState {
  schemaVersion: typeof WATCH_STATE_VERSION;
  /** By sessionKey (project/name). */
  sessions: Record<string, SessionMemory>;
  repos: Record<string, RepoMemory>;
}

const outgoing = z.object({
  cause: z.string(),
  kind: z.enum(["ci-failed", "changes-requested", "conflict"]),
  text: z.string(),
  head: z.string(),
  state: z.enum(["queued", "sending"]),
  held: z.boolean().optional(),
  attempts: z.number().int().optional(),
  sendingAfter: z.number().int().optional(),
});
const memory = z.object({
  status: z.string().optional(),
  deaths: z.number().int(),
  episodes: z.number().int(),
  question: z.object({ key: z.string(), line: z.string() }).optional(),
  done: z.array(z.string()),
  outbox: z.array(outgoing),
  streak: z.record(z.string(), z.object({ count: z.number().int(), head: z.string() })),
});
const stateSchema = z.object({
  schemaVersion: z.literal(WATCH_STATE_VERSION),
  sessions: z.record(z.string(), memory),
  repos: z.record(z.string(), z.object({ askedAt: z.number(), down: z.string().optional() })),
});

export function loadWatchState(store: Store): WatchState {
  const raw = store.readWatchState();
  if (raw === undefined) return { schemaVersion: WATCH_STATE_VERSION, sessions: {}, repos: {} };
  const parsed = stateSchema.safeParse(raw);
  if (!parsed.success) {
    throw new AoError(`ao watch's state in ${store.dataDir}/watch-state.json has an unexpected shape`, { hint: "Move it away to start afresh (reactions already made may then happen again)." });
  }
  return parsed.data as WatchState;
}

export function memoryOf(state: WatchState, key: string): SessionMemory {
  return state.sessions[key] ?? freshMemory();
}

/** Forgets the sessions of `projects` that ended or whose record is gone: nothing will happen to them again. */
export function prune(state: WatchState, keep: ReadonlySet<string>, projects: readonly string[]): void {
  const watched = new Set(projects);
  for (const key of Object.keys(state.sessions)) if (watched.has(key.slice(0, key.indexOf("/"))) && !keep.has(key)) delete state.sessions[key];
}
