/**
 * `--json` on the commands that change a session (issue 11 §6): one JSON object
 * on stdout saying what was done, with the session's names, paths and refs, so a
 * script never parses the human lines.
 */
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { waitFor } from "../helpers/proc.js";
import { agentReady, useSandbox } from "../helpers/sandbox.js";

const s = useSandbox();

async function json(args: string[]): Promise<Record<string, any>> {
  const r = await s.ao([...args, "--json"]);
  expect(r.code, r.stderr).toBe(0);
  return JSON.parse(r.stdout); // the whole of stdout is one object
}

describe("--json on commands that act", () => {
  it("spawn, send, reply, abort, pause, resume, kill: one object each, naming what was done", async () => {
    const spawned = await json(["spawn", "my-app", "7", "--agent", "demo-status", "--title", "Fix it"]);
    expect(spawned).toMatchObject({ action: "spawned", name: "ma-7", project: "my-app", issue: "7", agent: "demo-status", title: "Fix it", tmuxSession: "ma-7", workspacePath: join(s.worktreeDir, "my-app-7") });
    expect(spawned.branch).toMatch(/^7-fix-it/);
    expect(spawned.tmuxSocket).toContain(s.tmux.socket);
    await agentReady(s, "ma-7");

    expect(await json(["send", "ma-7", "hello"])).toMatchObject({ action: "sent", name: "ma-7", bytes: 5, forced: false });
    await waitFor(() => s.received("ma-7").some((e) => e.text === "hello"), "the message");

    expect((await s.ao(["send", "ma-7", "/ask run the tests"])).code).toBe(0);
    await waitFor(async () => (await s.tmux.capture("ma-7")).includes("Permission needed"), "the question");
    expect(await json(["session", "reply", "ma-7", "once"])).toMatchObject({ action: "replied", name: "ma-7", answer: "once" });
    await waitFor(() => s.received("ma-7").some((e) => e.kind === "permission"), "the answer");

    await agentReady(s, "ma-7");
    expect(await json(["session", "abort", "ma-7"])).toMatchObject({ action: "aborted", name: "ma-7" });

    const paused = await json(["session", "pause", "ma-7"]);
    expect(paused).toMatchObject({ action: "paused", name: "ma-7", worktreeReleased: false, savedRef: null });
    const resumed = await json(["session", "resume", "ma-7"]);
    expect(resumed).toMatchObject({ action: "resumed", name: "ma-7", mode: "cold", restoredRef: null, conflicts: [] });

    await agentReady(s, "ma-7");
    writeFileSync(join(spawned.workspacePath, "draft.txt"), "unsaved\n");
    const killed = await json(["session", "kill", "ma-7", "--force"]);
    expect(killed).toMatchObject({ action: "killed", name: "ma-7", branch: spawned.branch, nested: [] });
    expect(killed.savedRef).toMatch(/^refs\/ao\/saved\/my-app\/ma-7\/\d+$/);
    expect(killed.recover).toContain(killed.savedRef);
  });

  it("restore and restore --all", async () => {
    await json(["spawn", "my-app", "1"]);
    await json(["spawn", "my-app", "2"]);
    await s.tmux.tmux("kill-session", "-t", "=ma-1");
    expect(await json(["session", "restore", "ma-1"])).toMatchObject({ action: "restored", name: "ma-1", tmuxSession: "ma-1" });
    await s.tmux.tmux("kill-server");
    const all = await json(["session", "restore", "--all"]);
    expect(all.action).toBe("restored");
    expect(all.sessions.map((x: { name: string; action: string }) => `${x.name}:${x.action}`)).toEqual(["ma-1:restored", "ma-2:restored"]);
  });

  it("an error is still a line on stderr and an exit code, with nothing on stdout", async () => {
    const r = await s.ao(["session", "kill", "nope", "--json"]);
    expect(r.code).toBe(1);
    expect(r.stdout).toBe("");
    expect(r.stderr).toContain("Session not found");
  });
});
