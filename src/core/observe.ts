/**
 * Observing sessions for ls / status / get, from the cheapest signal that is
 * right: tmux's activity times from the ONE `list-panes` call; the visible screen
 * only for agents with status patterns whose activity changed since ao last read
 * it, all such screens from one more tmux process; and what the last run saw,
 * kept in `<dataDir>/projects/<p>/observed.json`. A status that differs from the
 * one last seen is logged once as a `status_changed` event.
 */
import type { SessionState } from "../adapters/tmux.js";
import type { Context } from "./context.js";
import { isLive, observe, type SessionView } from "./plan.js";
import { TERMINAL_STATUSES, type SessionRecord } from "./record.js";
import { runtimeStates, tmuxOf } from "./runtime.js";
import { classifyScreen, hasPatterns, stillValid, type ObservedEntry, type ScreenObservation, type StatusPatterns } from "./screen.js";

/**
 * `runtime`: the tmux states when the caller has read them already (one
 * list-panes for sessions of several configs); `onScreen` receives each screen
 * read in this call (ao watch reads the question off a waiting one).
 */
export async function observeRecords(
  ctx: Context,
  records: readonly SessionRecord[],
  spawnerAlive: (r: SessionRecord) => boolean,
  opts: {
    runtime?: (r: SessionRecord) => SessionState | undefined;
    /** The branch the worktree is on, when the caller has read it already (ctx.readHeadBranch). */
    branch?: (r: SessionRecord) => string | undefined;
    onScreen?: (r: SessionRecord, screen: string) => void;
    /**
     * Called when the next listing would read a screen again even if tmux said the same: one that
     * could not be read (the session ended meanwhile), or one read within the second of its last
     * output (tmux counts activity in seconds: more may have come in that second).
     */
    unsettled?: () => void;
  } = {},
): Promise<SessionView[]> {
  const state = opts.runtime ?? (await runtimeStates(ctx, records.filter((r) => !TERMINAL_STATUSES.has(r.status))));
  const now = ctx.now();
  const nowSec = Math.floor(now / 1000);
  const live = records.filter((r) => isLive(r.status));
  const projects = [...new Set(live.map((r) => r.project))];
  const seen = new Map(projects.map((p) => [p, ctx.store.readObserved(p)]));

  // Which screens say something that tmux's activity time cannot: read those that changed.
  // Keyed by project and name: records of an older config may repeat a name across projects.
  const key = (r: { project: string; name: string }) => `${r.project}/${r.name}`;
  const screens = new Map<string, ScreenObservation>();
  const toRead: { record: SessionRecord; patterns: StatusPatterns; activity: number }[] = [];
  for (const r of live) {
    const runtime = state(r);
    const patterns = ctx.config.agents[r.agent]?.status;
    if (!runtime?.alive || !hasPatterns(patterns)) continue;
    const activity = Math.floor(runtime.activityMs / 1000);
    const last = seen.get(r.project)?.[r.name]?.screen;
    if (stillValid(last, activity)) screens.set(key(r), last);
    else toRead.push({ record: r, patterns, activity });
  }
  // One batched read per server (there is one unless the socket setting changed).
  for (const tmux of new Set(toRead.map((t) => tmuxOf(ctx, t.record)))) {
    const batch = toRead.filter((t) => tmuxOf(ctx, t.record) === tmux);
    const text = await tmux.captureScreens(batch.map((t) => t.record.tmuxSession));
    for (const t of batch) {
      const screen = text.get(t.record.tmuxSession);
      if (screen === undefined) {
        opts.unsettled?.();
        continue;
      }
      const seen = { status: classifyScreen(screen, t.patterns), activity: t.activity, readAt: nowSec };
      if (!stillValid(seen, t.activity)) opts.unsettled?.();
      screens.set(key(t.record), seen);
      opts.onScreen?.(t.record, screen);
    }
  }

  const branchOf = opts.branch ?? ((r: SessionRecord) => ctx.readHeadBranch(r.workspacePath, r.gitDir));
  const memo = ctx.viewMemo?.();
  const views = records.map((r) =>
    observe(r, TERMINAL_STATUSES.has(r.status) ? undefined : state(r), TERMINAL_STATUSES.has(r.status) ? undefined : branchOf(r), now, {
      spawnerAlive: spawnerAlive(r),
      screen: screens.get(key(r))?.status,
      memo,
    }),
  );
  for (const project of projects) {
    const entries: Record<string, ObservedEntry> = {};
    for (const v of views) {
      if (v.project !== project || !isLive(v.storedStatus)) continue;
      const s = screens.get(key(v));
      entries[v.name] = { status: v.status, ...(s ? { screen: s } : {}) };
    }
    remember(ctx, project, seen.get(project)!, entries, new Set(records.filter((r) => r.project === project).map((r) => r.name)));
  }
  return views;
}

/**
 * Saves what was observed when it differs from what was seen before, and logs
 * each status change. Under a lock that is only tried: when another ao is
 * doing the same, it records the same changes, so this run leaves it to it.
 */
function remember(ctx: Context, project: string, before: Readonly<Record<string, ObservedEntry>>, now: Record<string, ObservedEntry>, observed: ReadonlySet<string>): void {
  const merge = (old: Readonly<Record<string, ObservedEntry>>) => ({ ...Object.fromEntries(Object.entries(old).filter(([n]) => !observed.has(n))), ...now });
  if (!changed(before, now, observed)) return;
  try {
    const lock = ctx.store.tryJobLock(`observed-${project}`);
    if (!("release" in lock)) return;
    try {
      const latest = ctx.store.readObserved(project); // another run may have logged these changes meanwhile
      for (const [name, entry] of Object.entries(now)) {
        const from = latest[name]?.status;
        if (from && from !== entry.status) ctx.store.appendEvent(project, name, "status_changed", { from, to: entry.status, observed: true });
      }
      ctx.store.writeObserved(project, merge(latest));
    } finally {
      lock.release();
    }
  } catch {
    // A read-only or full dataDir: the listing itself must still work.
  }
}

/**
 * Whether `before` with the `observed` sessions' entries replaced by `now` differs from
 * `before`: an entry of `now` that is new or different, or one of `observed` that has none
 * now. Without building the merge: the dash asks this every second, and nothing changed.
 */
function changed(before: Readonly<Record<string, ObservedEntry>>, now: Record<string, ObservedEntry>, observed: ReadonlySet<string>): boolean {
  const entry = (r: Readonly<Record<string, ObservedEntry>>, n: string) => (Object.hasOwn(r, n) ? r[n] : undefined);
  for (const n in now) if (!same(entry(before, n), now[n])) return true;
  for (const n of observed) if (!Object.hasOwn(now, n) && Object.hasOwn(before, n)) return true;
  return false;
}

function same(x: ObservedEntry | undefined, y: ObservedEntry | undefined): boolean {
  return x?.status === y?.status && x?.screen?.readAt === y?.screen?.readAt && x?.screen?.activity === y?.screen?.activity;
}
