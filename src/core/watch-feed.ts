/**
 * The newest event `ao watch` wrote for any session (types starting "watch_",
 * with a `text`), for the dash's status line. A long-running reader: a session's
 * events file is read again only when its stamp (size, mtime) changed, and no
 * file of a project is looked at while its sessions directory saw no change
 * (Store.changeToken).
 */
import type { Store } from "../adapters/store.js";
import { cleanTitle } from "./naming.js";
import type { SessionRecord } from "./record.js";

export interface WatchNote {
  project: string;
  session: string;
  at: string;
  type: string;
  text: string;
}

export class WatchFeed {
  private readonly seen = new Map<string, { stamp: string; note?: WatchNote }>();
  /** Per project: the newest note of its sessions, at the store's change token and for those sessions. */
  private readonly byProject = new Map<string, { key: string; note?: WatchNote }>();
  constructor(private readonly store: Pick<Store, "eventsStamp" | "events" | "changeToken">) {}

  /** The newest watch note across `sessions`, or undefined when watch has said nothing. */
  newest(sessions: readonly Pick<SessionRecord, "project" | "name">[]): WatchNote | undefined {
    const names = new Map<string, string[]>();
    for (const s of sessions) {
      const list = names.get(s.project);
      if (list) list.push(s.name);
      else names.set(s.project, [s.name]);
    }
    let best: WatchNote | undefined;
    for (const [project, list] of names) {
      const note = this.newestIn(project, list);
      if (note && (!best || note.at > best.at)) best = note;
    }
    return best;
  }

  /** A project whose sessions directory did not change (no event appended) is not looked at again. */
  private newestIn(project: string, names: readonly string[]): WatchNote | undefined {
    const token = this.store.changeToken(project);
    const key = token === undefined ? undefined : `${token}\n${names.join("\n")}`;
    const hit = key === undefined ? undefined : this.byProject.get(project);
    if (hit && hit.key === key) return hit.note;
    let best: WatchNote | undefined;
    for (const name of names) {
      const note = this.noteOf(project, name);
      if (note && (!best || note.at > best.at)) best = note;
    }
    if (key !== undefined) this.byProject.set(project, { key, note: best });
    return best;
  }

  private noteOf(project: string, name: string): WatchNote | undefined {
    const key = `${project}/${name}`;
    const stamp = this.store.eventsStamp(project, name);
    if (stamp === undefined) return undefined;
    const cached = this.seen.get(key);
    if (cached?.stamp === stamp) return cached.note;
    let note: WatchNote | undefined;
    try {
      // Parsed: only the lines that can be watch events (JSON writes the type as "type":"watch_…").
      const events = this.store.events(project, name, 0, '"watch_');
      for (let i = events.length - 1; i >= 0 && !note; i--) {
        const e = events[i]!;
        // Cleaned: the text may quote what an agent or GitHub wrote; it must not steer the terminal.
        const text = typeof e.type === "string" && e.type.startsWith("watch_") && typeof e.text === "string" ? cleanTitle(e.text) : undefined;
        if (text) note = { project, session: name, at: e.at, type: e.type, text };
      }
    } catch {
      // A damaged or unreadable log: no note from it, and the dash goes on.
    }
    this.seen.set(key, { stamp, note });
    return note;
  }
}
