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
  states: Promise<Map<string, SessionState>>;
}

/**
 * The tmux state of every record's session: ONE `list-panes` per server the
 * records live on (one, unless the socket setting changed), however many
 * sessions there are.
 *
 * A listing in `started` began before the records were read: a session started
 * (spawn, restore, resume) after it would be missing from it, and shown dead.
 * A record that it misses and that was written after it began gets its server
 * asked again.
 */
export async function runtimeStates(
  ctx: Pick<Context, "tmux" | "tmuxFor">,
  records: readonly (OnServer & Pick<SessionRecord, "tmuxSession" | "updatedAt">)[],
  started?: ReadonlyMap<Tmux, EarlierListing>,
): Promise<(r: OnServer & Pick<SessionRecord, "tmuxSession">) => SessionState | undefined> {
  const servers = new Map<Tmux, (typeof records)[number][]>();
  for (const r of records) {
    const tmux = tmuxOf(ctx, r);
    const on = servers.get(tmux);
    if (on) on.push(r);
    else servers.set(tmux, [r]);
  }
  const listings = new Map([...servers.keys()].map((tmux) => [tmux, started?.get(tmux) ?? { since: -Infinity, states: tmux.listSessions() }]));
  const states = new Map<Tmux, Map<string, SessionState>>();
  for (const [tmux, listing] of listings) {
    const found = await listing.states;
    const newer = servers.get(tmux)!.some((r) => !found.get(r.tmuxSession)?.alive && !(Date.parse(r.updatedAt) < listing.since));
    states.set(tmux, newer ? await tmux.listSessions() : found);
  }
  return (r) => states.get(tmuxOf(ctx, r))?.get(r.tmuxSession);
}
