import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { parseHeadFile, parseWorktreeList } from "../../src/adapters/git.js";
import { parseListPanes, summarizeSessions, tmuxCommands } from "../../src/adapters/tmux.js";

const fixture = (name: string) => readFileSync(join(import.meta.dirname, "..", "fixtures", name), "utf8");

describe("tmux list-panes parser (output captured from tmux 3.3a)", () => {
  const panes = parseListPanes(fixture("tmux-list-panes.txt"));

  it("reads every pane with pid, dead flag and activity", () => {
    expect(panes).toHaveLength(4);
    expect(panes[0]).toEqual({ panePid: 7504, dead: true, activity: 1795275012, session: "dead2" });
    expect(panes[1]).toEqual({ panePid: 7177, dead: false, activity: 1795274970, session: "ma-int-456" });
  });

  it("keeps session names as tmux prints them (a tab comes out escaped)", () => {
    expect(panes[3]!.session).toBe("odd\\tname");
  });

  it("summarizes: a session is alive while any pane runs; activity in ms", () => {
    const s = summarizeSessions([...panes, { panePid: 1, dead: false, activity: 1795275099, session: "dead2" }]);
    expect(s.get("ma-int-456")).toEqual({ alive: true, activityMs: 1795274970000 });
    expect(s.get("dead2")).toEqual({ alive: true, activityMs: 1795275099000 });
    expect(summarizeSessions(panes).get("dead2")?.alive).toBe(false);
  });

  it("ignores blank and short lines", () => {
    expect(parseListPanes("\n1\t0\n")).toEqual([]);
  });

  it("targets sessions exactly", () => {
    expect(tmuxCommands.killSession("mp-1")).toEqual(["kill-session", "-t", "=mp-1"]);
    expect(tmuxCommands.pasteBuffer("b", "mp-1")).toContain("=mp-1:");
    expect(tmuxCommands.sendEnter("mp-1")).toEqual(["send-keys", "-t", "=mp-1:", "Enter"]);
  });

  it("never lets a session script end in ';' (a tmux command separator)", () => {
    const args = tmuxCommands.newSession({ name: "x", cwd: "/", env: {}, script: "agent;" });
    expect(args[args.indexOf("-c", 5) + 1]).toBe("agent;\n");
  });
});

describe("git parsers (output captured from git 2.39)", () => {
  it("parses worktree list --porcelain", () => {
    const list = parseWorktreeList(fixture("git-worktree-list-porcelain.txt"));
    expect(list.map((w) => w.path)).toEqual(["/tmp/smoke/repo", "/tmp/smoke/wt/detached", "/tmp/smoke/wt/gone2", "/tmp/smoke/wt/my-app-int-456", "/tmp/smoke/wt/my-app-int-456-2"]);
    expect(list[0]).toMatchObject({ branch: "main", detached: false, prunable: false });
    expect(list[1]).toMatchObject({ detached: true });
    expect(list[1]?.branch).toBeUndefined();
    expect(list[2]).toMatchObject({ branch: "gonebranch", prunable: true });
    expect(list[3]?.head).toBe("1c3e88147a1ee71a008fedb4702211c4afcd9777");
  });

  it("reads HEAD files: a branch, or a detached commit", () => {
    expect(parseHeadFile("ref: refs/heads/int-1-fix\n")).toBe("int-1-fix");
    expect(parseHeadFile("ref: refs/heads/ao/ma-1\n")).toBe("ao/ma-1");
    expect(parseHeadFile("1c3e88147a1ee71a008fedb4702211c4afcd9777\n")).toBe("1c3e881");
    expect(parseHeadFile("garbage")).toBeUndefined();
  });
});
