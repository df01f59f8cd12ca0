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

/**
 * The tmux state of every record's session: ONE `list-panes` per server the
 * records live on (one, unless the socket setting changed), however many
 * sessions there are.
 */
export async function runtimeStates(
  ctx: Pick<Context, "tmux" | "tmuxFor">,
  records: readonly (OnServer & Pick<SessionRecord, "tmuxSession">)[],
  /** Listings already under way (started before the records were read), used instead of asking again. */
  started?: ReadonlyMap<Tmux, Promise<Map<string, SessionState>>>,
): Promise<(r: OnServer & Pick<SessionRecord, "tmuxSession">) => SessionState | undefined> {
  const servers = new Map<Tmux, Promise<Map<string, SessionState>>>();
  for (const r of records) {
    const tmux = tmuxOf(ctx, r);
    if (!servers.has(tmux)) servers.set(tmux, started?.get(tmux) ?? tmux.listSessions());
  }
  const states = new Map<Tmux, Map<string, SessionState>>();
  for (const [tmux, listing] of servers) states.set(tmux, await listing);
  return (r) => states.get(tmuxOf(ctx, r))?.get(r.tmuxSession);
}
