import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { waitFor } from "../helpers/proc.js";
import { agentReady, startAo, useSandbox } from "../helpers/sandbox.js";

const s = useSandbox({}, async (s) => {
  expect((await s.ao(["spawn", "my-app", "1"])).code).toBe(0);
  await agentReady(s, "ma-1");
});

const events = async (...args: string[]) => JSON.parse((await s.ao(["session", "events", "ma-1", "--json", ...args])).stdout);

describe("ao session events", () => {
  it("records the session's life with stable increasing ids; messages by size, not content", async () => {
    expect((await s.ao(["send", "ma-1", "secret plan"])).code).toBe(0);
    expect((await s.ao(["send", "ma-1", "two"])).code).toBe(0);
    await s.tmux.tmux("kill-session", "-t", "=ma-1");
    expect((await s.ao(["session", "restore", "ma-1"])).code).toBe(0);
    writeFileSync(join(s.worktreeDir, "my-app-1", "wip.txt"), "x");
    expect((await s.ao(["session", "kill", "ma-1", "--force"])).code).toBe(0);
    const all = await events();
    expect(all.events.map((e: { id: number; type: string }) => [e.id, e.type])).toEqual([
      [1, "spawned"], [2, "message_sent"], [3, "message_sent"], [4, "restored"], [5, "work_saved"], [6, "status_changed"], [7, "killed"],
    ]);
    expect(all.events[1]).toMatchObject({ bytes: 11 });
    expect(JSON.stringify(all)).not.toContain("secret plan");
    expect(all.events[5]).toMatchObject({ from: "working", to: "killed" });
    expect(all).toMatchObject({ nextAfter: 7, hasMore: false });
    // The ids do not move when read again.
    expect((await events()).events.map((e: { id: number }) => e.id)).toEqual([1, 2, 3, 4, 5, 6, 7]);
  });

  it("pages with --limit and --after", async () => {
    for (const m of ["a", "b", "c"]) expect((await s.ao(["send", "ma-1", m])).code).toBe(0);
    const first = await events("--limit", "2");
    expect(first.events.map((e: { id: number }) => e.id)).toEqual([1, 2]);
    expect(first).toMatchObject({ nextAfter: 2, hasMore: true });
    const second = await events("--after", "2", "--limit", "2");
    expect(second.events.map((e: { id: number }) => e.id)).toEqual([3, 4]);
    expect(second.hasMore).toBe(false);
    const text = await s.ao(["session", "events", "ma-1", "--limit", "1"]);
    expect(text.stdout).toMatch(/^#1 {2}\S+ {2}spawned {2}branch=1 agent=demo base=origin\/main\nMore: ao session events ma-1 --after 1 --limit 1\n$/);
    const bad = await s.ao(["session", "events", "ma-1", "--limit", "0"]);
    expect(bad.code).toBe(2);
  });

  it("--follow prints events as they happen and ends by itself when the session ends", async () => {
    const follow = startAo(s, ["session", "events", "ma-1", "--follow", "--json"]);
    await waitFor(() => follow.output().includes('"spawned"'), "the existing events");
    expect((await s.ao(["send", "ma-1", "hello"])).code).toBe(0);
    await waitFor(() => follow.output().includes('"message_sent"'), "the new event");
    expect((await s.ao(["session", "kill", "ma-1"])).code).toBe(0);
    expect(await follow.exited).toBe(0);
    const lines = follow.output().trim().split("\n").map((l) => JSON.parse(l));
    expect(lines.map((e) => e.type)).toEqual(["spawned", "message_sent", "status_changed", "killed"]);
  });

  it("--follow stops cleanly on Ctrl-C", async () => {
    const follow = startAo(s, ["session", "events", "ma-1", "--follow"]);
    await waitFor(() => follow.output().includes("spawned"), "the first event");
    follow.signal("SIGINT");
    expect(await follow.exited).toBe(0);
  });
});
