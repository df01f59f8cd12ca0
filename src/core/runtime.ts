/**
 * Which tmux server a session lives on. A record names the server its session
 * was started on (`tmuxSocket`, the socket path tmux reported), and every
 * command uses that server whatever the current environment or config says:
 * a shell without the same AO_TMUX_SOCKET must not see a running session as
 * dead, and `restore` must never start a second agent in the same worktree on
 * another server. A config change of `tmux.socket` affects new sessions only.
 * Records written before the field existed use the configured server.
 */
import type { SessionState, Tmux } from "../adapters/tmux.js";
import type { Context } from "./context.js";
import type { SessionRecord } from "./record.js";

type OnServer = Pick<SessionRecord, "tmuxSocket">;

export function tmuxOf(ctx: Pick<Context, "tmux" | "tmuxFor">, r: OnServer): Tmux {
  return r.tmuxSocket ? ctx.tmuxFor(r.tmuxSocket) : ctx.tmux;
}

/** A listing started before the records were read, and when (Unix ms). */
export interface EarlierListing {
  since: number;
  states: Promise<ReadonlyMap<string, SessionState>>;
}

/**
 * The tmux state of every record's session: ONE `list-panes` per server the
 * records live on (one, unless the socket setting changed), however many
 * sessions there are.
 *
 * A listing in `started` began before the records were read: a session started
 * (spawn, restore, resume) after it would be missing from it, and shown dead.
 * When it misses a session whose record file was written after it began (by the
 * file's own time: whatever time the writer put in the record), that server is
 * asked again. Only records it misses are looked at: a dead session or two.
 */
export async function runtimeStates(
  ctx: Pick<Context, "tmux" | "tmuxFor" | "store">,
  records: readonly (OnServer & Pick<SessionRecord, "tmuxSession" | "project" | "name">)[],
  started?: ReadonlyMap<Tmux, EarlierListing>,
): Promise<(r: OnServer & Pick<SessionRecord, "tmuxSession">) => SessionState | undefined> {
  const servers = new Map<Tmux, (typeof records)[number][]>();
  for (const r of records) {
    const tmux = tmuxOf(ctx, r);
    const on = servers.get(tmux);
    if (on) on.push(r);
    else servers.set(tmux, [r]);
  }
  // Every server asked at once; a listing already under way is not asked again.
  const listings = new Map([...servers.keys()].map((tmux) => [tmux, started?.get(tmux) ?? { states: tmux.listSessions() }]));
  const states = new Map<Tmux, ReadonlyMap<string, SessionState>>();
  for (const [tmux, listing] of listings) {
    const found = await listing.states;
    const { since } = listing as Partial<EarlierListing>;
    // A file's time is taken from a clock that may lag by a tick: a second of margin.
    const newer = since !== undefined && servers.get(tmux)!.some((r) => !found.get(r.tmuxSession)?.alive && (ctx.store.writtenAt(r.project, r.name) ?? Infinity) >= since - 1_000);
    states.set(tmux, newer ? await tmux.listSessions() : found);
  }
  return (r) => states.get(tmuxOf(ctx, r))?.get(r.tmuxSession);
}
