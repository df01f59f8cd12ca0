/**
 * The dash's loop: the timers, apart from any decision. Every `intervalMs` it
 * lists sessions offline through the core (one `tmux list-panes`, screens read
 * only where activity changed, exactly as `ls`), reads the selected session's
 * screen when it may have changed, and the newest `ao watch` note. GitHub is
 * refreshed in the background through the same cache logic as `ls` and never
 * awaited by a tick or a key.
 */
import { dashGroups, type DashGroup } from "../../core/attention.js";
import { formatDuration } from "../../core/duration.js";
import { errorMessage } from "../../core/errors.js";
import type { ListResult, Orchestrator } from "../../core/orchestrator.js";
import type { SessionView } from "../../core/plan.js";
import type { WatchFeed, WatchNote } from "../../core/watch-feed.js";

export interface Snapshot {
  groups: DashGroup[];
  count: number;
  needYou: number;
  /** Records that could not be read (ls warns about them). */
  damaged: number;
  watch?: WatchNote;
  /** Why the last listing or GitHub refresh failed, if it did. */
  problem?: string;
  at: number;
}

export interface Preview {
  name: string;
  text: string;
}

export interface FeedOptions {
  project?: string;
  /** A listing already under way: the first tick uses it instead of asking again. */
  first?: Promise<ListResult>;
  intervalMs?: number;
  /** How often the background GitHub refresh is tried (it asks only once the cache is older than github.cacheTtl). */
  githubEveryMs?: number;
}

export class DashFeed {
  private timer?: NodeJS.Timeout;
  private stopped = false;
  private selected?: string;
  private views = new Map<string, SessionView>();
  /** What the preview was read at: the selected session and its activity. */
  private previewKey = "";
  private githubBusy = false;
  /** What the last snapshot showed, to skip identical ones. */
  private shown = "";
  private lastGithub = 0;
  private githubProblem?: string;
  private readonly watch: WatchFeed;

  constructor(
    private readonly ao: Orchestrator,
    private readonly onSnapshot: (s: Snapshot) => void,
    private readonly onPreview: (p: Preview | undefined) => void,
    private readonly opts: FeedOptions = {},
  ) {
    this.watch = ao.watchFeed();
  }

  start(): void {
    void this.tick();
  }

  stop(): void {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
  }

  /** The selection changed: its screen is read now, not at the next tick. */
  select(name: string | undefined): void {
    if (name === this.selected) return;
    this.selected = name;
    void this.readPreview(true);
  }

  /** After an action: look again now. */
  refreshSoon(): void {
    if (this.stopped) return;
    if (this.timer) clearTimeout(this.timer);
    this.timer = setTimeout(() => void this.tick(), 50);
  }

  private async tick(): Promise<void> {
    if (this.stopped) return;
    if (this.timer) clearTimeout(this.timer);
    try {
      const first = this.opts.first;
      this.opts.first = undefined;
      const { sessions, errors } = await (first ?? this.ao.list({ project: this.opts.project }, { github: "offline" }));
      this.views = new Map(sessions.map((v) => [v.name, v]));
      const groups = dashGroups(sessions);
      const watch = this.watch.newest(sessions);
      const now = Date.now();
      // Nothing the screen shows changed (the ages included): no new frame to draw.
      const shown = JSON.stringify([sessions.map((v) => [v.name, v.status, v.branch, v.title, v.pr, formatDuration(now - Date.parse(v.lastActivityAt))]), watch, this.githubProblem, errors.length]);
      if (shown !== this.shown) this.onSnapshot({
        groups,
        count: sessions.length,
        needYou: groups.reduce((n, g) => n + g.entries.filter((e) => e.attention.length).length, 0),
        damaged: errors.length,
        watch,
        problem: this.githubProblem,
        at: now,
      });
      this.shown = shown;
      // Until the screen has chosen, the selection is the first session it shows: its preview
      // is read now, not after React has drawn the list.
      this.selected ??= groups[0]?.entries[0]?.view.name;
      await this.readPreview(false);
      this.backgroundGitHub();
    } catch (err) {
      this.shown = "";
      this.onSnapshot({ groups: [], count: 0, needYou: 0, damaged: 0, problem: `Cannot list sessions: ${errorMessage(err).split("\n")[0]}`, at: Date.now() });
    }
    if (!this.stopped) this.timer = setTimeout(() => void this.tick(), this.opts.intervalMs ?? 1000);
  }

  /** One capture-pane of the selected session, only when it showed activity (or changed) since the last read. */
  private async readPreview(force: boolean): Promise<void> {
    const view = this.selected ? this.views.get(this.selected) : undefined;
    if (!view) return this.onPreview(undefined);
    const key = `${view.name}\n${view.lastActivityAt}\n${view.status}`;
    if (!force && key === this.previewKey) return;
    this.previewKey = key;
    try {
      const text = view.storedStatus !== "working" && view.storedStatus !== "spawning" ? "" : await this.ao.screen(view);
      if (this.selected === view.name) this.onPreview({ name: view.name, text });
    } catch {
      // The session ended between the listing and the read: the next tick shows it.
      if (this.selected === view.name) this.onPreview({ name: view.name, text: "" });
    }
  }

  private backgroundGitHub(): void {
    const every = this.opts.githubEveryMs ?? 15_000;
    if (this.githubBusy || Date.now() - this.lastGithub < every) return;
    this.githubBusy = true;
    this.lastGithub = Date.now();
    let note: string | undefined;
    this.ao
      .refreshGitHubCache({ note: (m) => (note = m) })
      .then(() => (this.githubProblem = note?.startsWith("GitHub state not refreshed") ? note : undefined))
      .catch((err: unknown) => (this.githubProblem = `GitHub: ${errorMessage(err).split("\n")[0]}`))
      .finally(() => (this.githubBusy = false));
  }
}
