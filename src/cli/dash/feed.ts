/**
 * The dash's loop: the timers, apart from any decision. Every `intervalMs` it
 * lists sessions offline through the core (one `tmux list-panes`, screens read
 * only where activity changed, exactly as `ls`), reads the selected session's
 * screen when it may have changed, and the newest `ao watch` note. GitHub is
 * refreshed in the background through the same cache logic as `ls` and never
 * awaited by a tick or a key. Its first look (before Ink draws) makes the first
 * frame complete; the screen (app.ts) mounts with what the feed last saw.
 */
import { dashGroups, type DashGroup } from "../../core/attention.js";
import { formatDuration } from "../../core/duration.js";
import { errorMessage } from "../../core/errors.js";
import type { Orchestrator } from "../../core/orchestrator.js";
import type { SessionView } from "../../core/plan.js";
import type { WatchFeed, WatchNote } from "../../core/watch-feed.js";

/** How long an age in minutes, hours or days that moved on may wait for a frame (at most a sixth of a minute). */
export const AGE_STEP_MS = 10_000;
/** An age drawn in seconds (formatDuration: "45s"). */
const SECONDS = /\ds(?: |$)/;

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
  intervalMs?: number;
  /** How often the background GitHub refresh is tried (it asks only once the cache is older than github.cacheTtl). */
  githubEveryMs?: number;
}

export interface FeedListener {
  onSnapshot(s: Snapshot): void;
  onPreview(p: Preview | undefined): void;
}

export class DashFeed {
  private timer?: NodeJS.Timeout;
  private stopped = true;
  private listener?: FeedListener;
  private selected?: string;
  /** The last listing, and the groups made of it: views the core gives back unchanged are the same objects (ViewMemo). */
  private sessions: readonly SessionView[] = [];
  private groups: DashGroup[] = [];
  /** What the preview was read at: the selected session and its activity. */
  private previewKey = "";
  private githubBusy = false;
  /** What the last snapshot showed besides the views (the rows on screen, the notes), to skip identical ones. */
  private shown = "";
  /** The ages of the rows on screen, as the last snapshot drew them. */
  private ages = "";
  /** The last snapshot was of an error: the next listing makes one whatever it holds. */
  private failed = true;
  /** The last snapshot and preview, for a screen that mounts (again). */
  snapshot?: Snapshot;
  preview?: Preview;
  /** When `look()` last finished: a start soon after it waits a full interval before listing again. */
  private lookedAt = 0;
  private lastGithub = 0;
  private githubProblem?: string;
  private readonly watch: WatchFeed;
  /** Sessions drawn on screen (undefined: not known yet, all count). */
  private onScreen?: Set<string>;

  constructor(
    private readonly ao: Orchestrator,
    private readonly opts: FeedOptions = {},
  ) {
    this.watch = ao.watchFeed();
  }

  /**
   * The first listing and the screen of the session shown first, before anything is drawn, so
   * that the first frame is complete (it runs while Ink loads). Errors are the caller's: an
   * unknown project fails as it does in ls.
   */
  async look(selected?: string): Promise<void> {
    this.selected = selected;
    await this.refresh(false);
    this.lookedAt = Date.now();
  }

  /** Live updates go to `listener` from now on, until stop(). */
  start(listener: FeedListener): void {
    this.listener = listener;
    this.stopped = false;
    const fresh = Date.now() - this.lookedAt < (this.opts.intervalMs ?? 1000);
    this.lookedAt = 0;
    if (fresh) {
      // The first tick comes soon: it adds the watch note that the first look skipped.
      this.timer = setTimeout(() => void this.tick(), 100);
      this.backgroundGitHub();
    } else {
      // Back from an attach: what the screen shows may be old, the preview above all.
      this.previewKey = "";
      void this.tick();
    }
  }

  stop(): void {
    this.stopped = true;
    this.listener = undefined;
    if (this.timer) clearTimeout(this.timer);
  }

  /** The selection changed: its screen is read now, not at the next tick. */
  select(name: string | undefined): void {
    if (name === this.selected) return;
    this.selected = name;
    void this.readPreview(true);
  }

  /**
   * The sessions whose rows the screen draws now. An age that changes on a row nobody sees
   * (at 200 sessions, one every few seconds) is no reason for a new frame.
   */
  shows(names: readonly string[]): void {
    this.onScreen = new Set(names);
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
      await this.refresh();
      this.backgroundGitHub();
    } catch (err) {
      this.failed = true;
      this.emitSnapshot({ groups: [], count: 0, needYou: 0, damaged: 0, problem: `Cannot list sessions: ${errorMessage(err).split("\n")[0]}`, at: Date.now() });
    }
    if (!this.stopped) this.timer = setTimeout(() => void this.tick(), this.opts.intervalMs ?? 1000);
  }

  /**
   * One listing (offline, through the core, as ls), the snapshot if anything shown changed, and
   * the preview if its session showed activity. `watchNote`: also look for the newest `ao watch`
   * note (the first look leaves it to the first tick: reading every events file is not worth
   * delaying the first frame for).
   */
  private async refresh(watchNote = true): Promise<void> {
    const { sessions, errors } = await this.ao.list({ project: this.opts.project }, { github: "offline" });
    // The core gives back the same view object for a session where nothing it shows changed: a listing of the
    // same objects in the same order has the same groups, and only the ages can tell the frames apart.
    const same = !this.failed && sessions.length === this.sessions.length && sessions.every((v, i) => v === this.sessions[i]);
    this.sessions = sessions;
    if (!same) this.groups = dashGroups(sessions);
    const groups = this.groups;
    // Until the screen has chosen, the selection is the first session it shows. Its screen is
    // read (a tmux process) while the rest of the snapshot is computed.
    this.selected ??= groups[0]?.entries[0]?.view.name;
    const preview = this.readPreview(false);
    const watch = watchNote ? this.watch.newest(sessions) : undefined;
    const now = Date.now();
    // Nothing the screen shows changed (the rows on screen and their ages included): no new frame to draw.
    const rows = sessions.filter((v) => !this.onScreen || this.onScreen.has(v.name));
    const shown = JSON.stringify([rows.map((v) => v.name), watch, this.githubProblem, errors.length]);
    const ages = rows.map((v) => formatDuration(now - Date.parse(v.lastActivityAt))).join(" ");
    // An age in seconds is drawn as it moves on. One in minutes or more waits for the next frame, or
    // AGE_STEP_MS: at 200 sessions a row's minute moves on every few seconds, each a whole frame to draw.
    const since = now - (this.snapshot?.at ?? 0); // negative: the clock went back, and the ages drawn are too old
    const agesDue = ages !== this.ages && (SECONDS.test(ages) || SECONDS.test(this.ages) || since >= AGE_STEP_MS || since < 0);
    if (!same || shown !== this.shown || agesDue) {
      this.ages = ages;
      this.emitSnapshot({
        groups,
        count: sessions.length,
        needYou: groups.reduce((n, g) => n + g.entries.filter((e) => e.attention.length).length, 0),
        damaged: errors.length,
        watch,
        problem: this.githubProblem,
        at: now,
      });
    }
    this.shown = shown;
    this.failed = false;
    await preview;
  }

  private emitSnapshot(s: Snapshot): void {
    this.snapshot = s;
    this.listener?.onSnapshot(s);
  }

  private emitPreview(p: Preview | undefined): void {
    this.preview = p;
    this.listener?.onPreview(p);
  }

  /** One capture-pane of the selected session, only when it showed activity (or changed) since the last read. */
  private async readPreview(force: boolean): Promise<void> {
    const view = this.selected ? this.sessions.find((v) => v.name === this.selected) : undefined;
    if (!view) return this.emitPreview(undefined);
    const key = `${view.name}\n${view.lastActivityAt}\n${view.status}`;
    if (!force && key === this.previewKey) return;
    this.previewKey = key;
    try {
      const text = view.storedStatus !== "working" && view.storedStatus !== "spawning" ? "" : await this.ao.screen(view);
      if (this.selected === view.name) this.emitPreview({ name: view.name, text });
    } catch {
      // The session ended between the listing and the read: the next tick shows it.
      if (this.selected === view.name) this.emitPreview({ name: view.name, text: "" });
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
