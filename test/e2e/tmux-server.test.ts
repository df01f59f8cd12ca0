/**
 * A session's record names its tmux server: a shell whose AO_TMUX_SOCKET differs
 * (or a config whose tmux.socket changed) still sees and steers the session on
 * the server it was started on, and never starts a second agent in its worktree.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { waitFor } from "../helpers/proc.js";
import { agentReady, useSandbox } from "../helpers/sandbox.js";
import { socketPath, tmuxServer } from "../helpers/tmux.js";

const s = useSandbox();

describe("the recorded tmux server", () => {
  it("is used by every command, whatever this shell's AO_TMUX_SOCKET says", async () => {
    expect((await s.ao(["spawn", "my-app", "1"])).code).toBe(0);
    await agentReady(s, "ma-1");
    const record = JSON.parse(readFileSync(join(s.sessionsDir, "ma-1.json"), "utf8"));
    expect(record.tmuxSocket).toBe(socketPath(s.tmux.socket));

    const other = tmuxServer(); // another shell's server
    try {
      const env = { AO_TMUX_SOCKET: other.socket };
      const ls = await s.ao(["session", "ls", "--json"], { env });
      expect(JSON.parse(ls.stdout).map((v: { name: string; status: string }) => [v.name, v.status])).toEqual([["ma-1", "working"]]);
      const restore = await s.ao(["session", "restore", "ma-1"], { env });
      expect(restore.code).toBe(1);
      expect(restore.stderr).toContain("Cannot restore: Session is still running");
      const all = await s.ao(["session", "restore", "--all"], { env });
      expect(all.code, all.stderr).toBe(0);
      expect(await other.sessions()).toEqual([]); // no second agent, on any server

      expect((await s.ao(["send", "ma-1", "from another shell"], { env })).code).toBe(0);
      await waitFor(() => s.received("ma-1").some((e) => e.text === "from another shell"), "the message");

      // A new session goes to the server this shell names; the old one stays where it is.
      expect((await s.ao(["spawn", "my-app", "2"], { env })).code).toBe(0);
      expect(await other.sessions()).toEqual(["ma-2"]);
      expect(await s.tmux.sessions()).toEqual(["ma-1"]);
      const both = JSON.parse((await s.ao(["session", "ls", "--json"])).stdout);
      expect(both.map((v: { name: string; status: string }) => [v.name, v.status])).toEqual([["ma-1", "working"], ["ma-2", "working"]]);

      // Killed from a third environment, each on its own server.
      const kill = await s.ao(["session", "kill", "ma-2"]);
      expect(kill.code, kill.stderr).toBe(0);
      expect(await other.sessions()).toEqual([]);
      expect(await s.tmux.sessions()).toEqual(["ma-1"]);
    } finally {
      await other.kill();
    }
  });

  it("restore after a dead server brings the agent back on the recorded server", async () => {
    expect((await s.ao(["spawn", "my-app", "1"])).code).toBe(0);
    await agentReady(s, "ma-1");
    await s.tmux.tmux("kill-server");
    const other = tmuxServer();
    try {
      const r = await s.ao(["session", "restore", "--all"], { env: { AO_TMUX_SOCKET: other.socket } });
      expect(r.code, r.stderr).toBe(0);
      expect(await s.tmux.sessions()).toEqual(["ma-1"]);
      expect(await other.sessions()).toEqual([]);
    } finally {
      await other.kill();
    }
  });
});
