/**
 * The dash's feed draws a new frame only when something it shows changed. The core gives back the
 * same view object for a session where nothing changed (ViewMemo), so the feed compares the views by
 * identity and, besides them, only the ages of the rows on screen.
 */
import { describe, expect, it, vi } from "vitest";
import { AGE_STEP_MS, DashFeed } from "../../src/cli/dash/feed.js";
import type { Orchestrator } from "../../src/core/orchestrator.js";
import type { SessionView } from "../../src/core/plan.js";

const view = (name: string, status: SessionView["status"], minutesAgo = 5) =>
  ({ name, project: "my-app", branch: `feat/${name}`, status, storedStatus: "working", title: null, prUrl: null, lastActivityAt: new Date(Date.now() - minutesAgo * 60_000).toISOString() }) as SessionView;

/** An orchestrator whose list() answers what the test last put in `answer` (or throws it). */
function fakeAo() {
  const state: { answer: SessionView[] | Error; lists: number } = { answer: [], lists: 0 };
  const ao = {
    async list() {
      state.lists++;
      if (state.answer instanceof Error) throw state.answer;
      return { sessions: [...state.answer], errors: [] }; // a new array, as the core makes one per listing
    },
    watchFeed: () => ({ newest: () => undefined }),
    screen: async () => "",
    refreshGitHubCache: async () => undefined,
  };
  return { ao: ao as unknown as Orchestrator, state };
}

describe("DashFeed", () => {
  it("makes a snapshot only when a view, an age on screen or the listing's outcome changed", async () => {
    const { ao, state } = fakeAo();
    const feed = new DashFeed(ao);
    const a = view("a", "working");
    const b = view("b", "working");
    state.answer = [a, b];
    await feed.look();
    const first = feed.snapshot!;
    expect(first.groups.flatMap((g) => g.entries.map((e) => e.view.name))).toEqual(["a", "b"]);

    await feed.look(); // the same objects: nothing to draw
    expect(feed.snapshot).toBe(first);

    const b2 = { ...b, status: "waiting" } as SessionView; // a new object: what it shows may differ
    state.answer = [a, b2];
    await feed.look();
    const second = feed.snapshot!;
    expect(second).not.toBe(first);
    expect(second.needYou).toBe(1);
    expect(second.groups[0]!.entries[0]!.view).toBe(b2); // attention first

    await feed.look();
    expect(feed.snapshot).toBe(second);

    // The rows on screen changed (their ages are what the frame shows): a new frame.
    feed.shows(["a"]);
    await feed.look();
    const third = feed.snapshot!;
    expect(third).not.toBe(second);
    await feed.look();
    expect(feed.snapshot).toBe(third);
    state.answer = [a, { ...b2, lastActivityAt: new Date(Date.now() - 9 * 60_000).toISOString() } as SessionView];
    await feed.look();
    expect(feed.snapshot).not.toBe(third); // b's view is a new object
    const fourth = feed.snapshot!;
    const a2 = { ...a }; // same content, new object: drawn again (cheap, and never stale)
    state.answer = [a2, state.answer[1]!];
    await feed.look();
    expect(feed.snapshot).not.toBe(fourth);
    expect(state.lists).toBe(8);
  });

  it("draws an age in seconds as it moves on, and one in minutes within AGE_STEP_MS", async () => {
    vi.useFakeTimers({ toFake: ["Date"] });
    try {
      const t0 = Date.parse("2026-01-01T12:00:00.000Z");
      vi.setSystemTime(t0);
      const { ao, state } = fakeAo();
      const feed = new DashFeed(ao);
      const at = (msAgo: number) => new Date(t0 - msAgo).toISOString();
      const old = { ...view("old", "working"), lastActivityAt: at(5 * 60_000 + 59_500) } as SessionView; // 5m, 6m in half a second
      state.answer = [old];
      await feed.look();
      const first = feed.snapshot!;
      vi.setSystemTime(t0 + 1000); // "6m" now: not drawn yet
      await feed.look();
      expect(feed.snapshot).toBe(first);
      vi.setSystemTime(t0 + AGE_STEP_MS);
      await feed.look();
      expect(feed.snapshot).not.toBe(first);
      expect(feed.snapshot!.at).toBe(t0 + AGE_STEP_MS);

      // A row in seconds: each second drawn, and the step from 59s to 1m as well.
      const young = { ...view("young", "working"), lastActivityAt: at(58_000 - AGE_STEP_MS) } as SessionView; // 58s old at t0 + AGE_STEP_MS
      state.answer = [old, young];
      await feed.look();
      for (const step of [1000, 2000]) {
        const before = feed.snapshot!;
        vi.setSystemTime(t0 + AGE_STEP_MS + step); // 59s, then 1m
        await feed.look();
        expect(feed.snapshot).not.toBe(before);
      }
      const oneMinute = feed.snapshot!;
      vi.setSystemTime(t0 + AGE_STEP_MS + 3000); // nothing on screen moved on
      await feed.look();
      expect(feed.snapshot).toBe(oneMinute);

      // The clock set back a minute: the ages drawn were counted from a later time, and are drawn again.
      state.answer = [old];
      await feed.look();
      const before = feed.snapshot!;
      vi.setSystemTime(t0 + AGE_STEP_MS + 3000 - 60_000);
      await feed.look();
      expect(feed.snapshot).not.toBe(before);
    } finally {
      vi.useRealTimers();
    }
  });

  it("makes a snapshot again after a failed listing, even of the same views", async () => {
    const { ao, state } = fakeAo();
    const feed = new DashFeed(ao, { intervalMs: 20 });
    const a = view("a", "working");
    state.answer = [a];
    await feed.look();
    const snaps: string[] = [];
    feed.start({ onSnapshot: (s) => snaps.push(s.problem ?? `${s.count}`), onPreview: () => undefined });
    // Waits on what the feed did, not on a time: a loaded machine may tick late.
    const until = async (done: () => boolean) => {
      for (let i = 0; i < 500 && !done(); i++) await new Promise((r) => setTimeout(r, 10));
    };
    state.answer = new Error("tmux went away");
    await until(() => snaps.length > 0);
    state.answer = [a];
    const listsBefore = state.lists;
    await until(() => state.lists > listsBefore + 1);
    feed.stop();
    expect(snaps[0]).toMatch(/^Cannot list sessions: tmux went away/);
    expect(snaps.at(-1)).toBe("1");
    expect(feed.snapshot!.count).toBe(1);
  });
});
