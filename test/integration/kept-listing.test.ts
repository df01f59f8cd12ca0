/**
 * The dash's listing (Orchestrator.list while keepWarm is on): a listing whose
 * inputs did not change gives the views of the one before without looking at
 * each session, and every kind of change still shows in the next listing. Real
 * git worktrees, a real tmux server, records written as another ao writes them.
 */
import { readFileSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { openOrchestrator, type Orchestrator } from "../../src/index.js";
import { git } from "../helpers/git.js";
import { waitFor } from "../helpers/proc.js";
import { agentReady, sandbox, type Sandbox } from "../helpers/sandbox.js";

let s: Sandbox;
let ao: Orchestrator;
let cool: () => void;
beforeEach(async () => {
  s = await sandbox();
  ao = await openOrchestrator({ env: s.env, cwd: s.root });
  for (const issue of ["1", "2"]) {
    const { session } = await ao.spawn({ project: "my-app", issue });
    await agentReady(s, session.name);
  }
  cool = ao.keepWarm();
});
afterEach(async () => {
  cool();
  await s.cleanup();
});

const listed = async () => (await ao.list()).sessions;
const byName = (views: Awaited<ReturnType<typeof listed>>, name: string) => views.find((v) => v.name === name)!;

/** Rewrites a record as another ao process does (a new file renamed over it). */
function rewrite(name: string, change: (r: Record<string, unknown>) => Record<string, unknown>): void {
  const file = join(s.sessionsDir, `${name}.json`);
  writeFileSync(`${file}.tmp`, JSON.stringify(change(JSON.parse(readFileSync(file, "utf8")))), { mode: 0o600 });
  renameSync(`${file}.tmp`, file);
}

/**
 * Lists until the listing gives the views of the one before (the first listings learn what it is made of),
 * not in the last 3 s of a 10-s sweep of the notifications: a new sweep makes the next listing a full one.
 */
async function settled() {
  while (Date.now() % 10_000 > 7_000) await new Promise((r) => setTimeout(r, 100));
  let before = await listed();
  await waitFor(async () => {
    const now = await listed();
    const same = now.length === before.length && now.every((v, i) => v === before[i]);
    before = now;
    return same;
  }, "a listing that gives the same views twice");
  return before;
}

describe("a listing made every second (keepWarm)", () => {
  it("gives the same views while nothing changed, in an array of its own", async () => {
    const first = await settled();
    expect(first.map((v) => v.name)).toEqual(["ma-1", "ma-2"]);
    // Made of the same inputs: no session is looked at again (its worktree's HEAD, for one).
    const read = ao.ctx.readHeadBranch;
    let heads = 0;
    ao.ctx.readHeadBranch = (...args) => (heads++, read(...args));
    const again = await listed();
    expect(heads).toBe(0);
    expect(again).toEqual(first);
    again.reverse(); // a caller's change to the array it was given is not the next listing's
    const third = await listed();
    expect(third.map((v) => v.name)).toEqual(["ma-1", "ma-2"]);
    expect(third[0]).toBe(first[0]);
    expect(heads).toBe(0);
  });

  /** Lists until it is kept, then checks that the next listing looks at no session (it is given again): no view is looked up. */
  async function kept() {
    await settled();
    const memo = ao.ctx.viewMemo!()!;
    const get = memo.get.bind(memo);
    let looked = 0;
    memo.get = (record) => (looked++, get(record));
    try {
      const views = await listed();
      expect(looked).toBe(0);
      return views;
    } finally {
      memo.get = get;
    }
  }

  it("keeps a listing of sessions that are dead (no tmux server) or paused with their worktree released", async () => {
    await ao.pause("ma-2", { releaseWorktree: true }); // its worktree gone: no HEAD to watch
    await s.tmux.tmux("kill-server"); // after a reboot
    const views = await kept();
    expect(byName(views, "ma-1").status).toBe("dead");
    expect(byName(views, "ma-2").status).toBe("paused");
  });

  it("keeps a listing of a project where nothing was observed yet (no observed.json)", async () => {
    for (const name of ["ma-1", "ma-2"]) await ao.pause(name, { releaseWorktree: true });
    rmSync(join(s.dataDir, "projects", "my-app", "observed.json"), { force: true });
    expect((await kept()).map((v) => v.status)).toEqual(["paused", "paused"]);
  });

  it("shows a session ended in tmux at once", async () => {
    await settled();
    await s.tmux.tmux("kill-session", "-t", "=ma-2");
    const views = await listed();
    expect(byName(views, "ma-2").status).toBe("dead");
    expect(byName(views, "ma-1").status).not.toBe("dead");
  });

  it("shows a branch switched in a worktree", async () => {
    const before = byName(await settled(), "ma-1");
    await git(before.workspacePath, "checkout", "-q", "-b", "agent-renamed");
    // Once the change is known (its file notification came), the next listing shows it.
    await waitFor(() => ao.ctx.readHeadBranch(before.workspacePath, before.gitDir) === "agent-renamed", "the change notified");
    expect(byName(await listed(), "ma-1").branch).toBe("agent-renamed");
    expect(byName(await listed(), "ma-2").branch).toBe(byName(await settled(), "ma-2").branch);
  });

  it("shows a branch switched in a worktree whose record has no git dir (an older ao's)", async () => {
    for (const name of ["ma-1", "ma-2"]) rewrite(name, (r) => ({ ...r, gitDir: undefined }));
    await waitFor(() => ao.ctx.store.list().records.every((r) => r.gitDir === undefined), "the records read again");
    // Early in a sweep of the notifications (10 s), so that the listings below are all within it.
    while (Date.now() % 10_000 > 2_000) await new Promise((r) => setTimeout(r, 100));
    const before = byName(await settled(), "ma-1");
    await git(before.workspacePath, "checkout", "-q", "-b", "agent-renamed");
    expect(byName(await listed(), "ma-1").branch).toBe("agent-renamed");
  });

  it("shows a record another ao rewrote", async () => {
    await settled();
    rewrite("ma-2", (r) => ({ ...r, title: "Renamed elsewhere" }));
    // Once the store has the new record (its file notification came), the next listing shows it.
    await waitFor(() => ao.ctx.store.list().records.find((r) => r.name === "ma-2")?.title === "Renamed elsewhere", "the change notified");
    expect(byName(await listed(), "ma-2").title).toBe("Renamed elsewhere");
  });

  it("shows a session going idle when its idle window ends, with nothing else changed", async () => {
    const views = await settled();
    expect(byName(views, "ma-1").status).toBe("working"); // output within the last 30 s
    const realNow = ao.ctx.now;
    const later = Date.parse(byName(views, "ma-1").lastActivityAt) + 31_000;
    ao.ctx.now = () => Math.max(realNow(), later);
    expect(byName(await listed(), "ma-1").status).toBe("idle");
  });

  it("reads again a screen read within the second of its last output (more may have come in that second)", async () => {
    const { session } = await ao.spawn({ project: "my-app", issue: "3", agent: "demo-status" }); // an agent with status patterns
    await agentReady(s, session.name);
    await settled();
    const tmux = ao.ctx.tmux;
    const capture = tmux.captureScreens.bind(tmux);
    const read: string[][] = [];
    tmux.captureScreens = (names, attempts) => (read.push([...names]), capture(names, attempts));
    const activity = (await tmux.listSessions()).get(session.name)!.activityMs;
    const realNow = ao.ctx.now;
    ao.ctx.now = () => activity + 500; // every read now is in the second of that output
    await new Promise((r) => setTimeout(r, 1100)); // a screen read at the real time would count as settled
    await ao.send(session.name, "more output"); // new activity: its screen is read
    await waitFor(async () => (await listed(), read.length > 0), "the screen read");
    const after = (await tmux.listSessions()).get(session.name)!.activityMs;
    ao.ctx.now = () => after + 500;
    read.length = 0;
    for (let i = 0; i < 4; i++) await listed(); // the first ones also see observed.json rewritten: the last ones only this
    expect(read.map((names) => names.includes(session.name))).toEqual([true, true, true, true]);
    ao.ctx.now = realNow;
  });

  it("gives each of two listings at once its own answer, whatever the other leaves behind", async () => {
    expect((await settled()).length).toBe(2);
    // The next listing's tmux answers 300 ms late (a loaded machine): the listings overlap.
    const tmux = ao.ctx.tmux;
    const start = tmux.startListing.bind(tmux);
    let slow = true;
    tmux.startListing = () => {
      const listing = start();
      if (!slow) return listing;
      slow = false;
      return { since: listing.since, states: listing.states.then(async (m) => (await new Promise((r) => setTimeout(r, 300)), m)) };
    };
    const all = ao.list();
    const none = ao.list({ agent: "no-such-agent" }); // done first, with a memo of its own
    expect((await none).sessions).toEqual([]);
    expect((await all).sessions.map((v) => v.name)).toEqual(["ma-1", "ma-2"]);
    slow = true;
    const again = ao.list();
    const unmemoed = ao.list({}, { github: "refresh" }); // done first, and leaves no memo
    expect((await unmemoed).sessions.map((v) => v.name)).toEqual(["ma-1", "ma-2"]);
    expect((await again).sessions.map((v) => v.name)).toEqual(["ma-1", "ma-2"]);
  });

  it("shows output of an agent (its activity) in the next listing", async () => {
    const before = byName(await settled(), "ma-1");
    await new Promise((r) => setTimeout(r, 1100)); // tmux keeps activity in seconds
    await ao.send("ma-1", "hello");
    await waitFor(async () => byName(await listed(), "ma-1").lastActivityAt > before.lastActivityAt, "newer activity listed");
  });
});
