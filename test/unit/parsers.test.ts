import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { parseHeadFile, parseWorktreeList } from "../../src/adapters/git.js";
import { PANE_DEAD_MARK, parseListPanes, parsePaneSnapshot, summarizeSessions, tmuxCommands, tmuxCommandString } from "../../src/adapters/tmux.js";

const fixture = (name: string) => readFileSync(join(import.meta.dirname, "..", "fixtures", name), "utf8");

describe("tmux list-panes parser (output captured from tmux 3.3a)", () => {
  const text = fixture("tmux-list-panes.txt");
  const [utf8, noLocale] = text.split(/^# env -i.*$/m).map(parseListPanes);

  it("reads every pane with pid, dead flag and activity; skips other lines", () => {
    expect(utf8).toHaveLength(5);
    expect(utf8![0]).toEqual({ panePid: 10332, dead: true, activity: 1795275167, session: "dead2" });
    expect(utf8![1]).toEqual({ panePid: 10329, dead: false, activity: 1795275167, session: "has space" });
  });

  it("reads the same without a UTF-8 locale (as under cron)", () => {
    expect(noLocale).toEqual(utf8);
  });

  it("summarizes: a session is alive while any pane runs; activity in ms", () => {
    const s = summarizeSessions(utf8!);
    expect(s.get("ma-1")).toEqual({ alive: true, activityMs: 1795275167000 });
    expect(s.get("dead2")).toEqual({ alive: false, activityMs: 1795275167000 });
    expect(s.get("ma-10")?.alive).toBe(true);
    const revived = summarizeSessions([...utf8!, { panePid: 1, dead: false, activity: 1795275199, session: "dead2" }]);
    expect(revived.get("dead2")).toEqual({ alive: true, activityMs: 1795275199000 });
  });

  it("ignores blank and malformed lines", () => {
    expect(parseListPanes("\n1 0\nx 0 1 name\n")).toEqual([]);
  });

  it("targets sessions exactly", () => {
    expect(tmuxCommands.killSession("mp-1")).toEqual(["kill-session", "-t", "=mp-1"]);
    expect(tmuxCommands.pasteBuffer("b", "mp-1")).toContain("=mp-1:");
    expect(tmuxCommands.sendEnter("mp-1")).toEqual(["if-shell", "-F", "-t", "=mp-1:", "#{pane_dead}", `display-message -p ${PANE_DEAD_MARK}`, "'send-keys' '-t' '=mp-1:' 'Enter'"]);
  });

  it("types into a pane only when tmux itself finds it alive, in the same command", () => {
    for (const args of [tmuxCommands.pasteBuffer("buf", "mp-1"), tmuxCommands.sendKeys("mp-1", ["C-u"])]) {
      expect(args.slice(0, 5)).toEqual(["if-shell", "-F", "-t", "=mp-1:", "#{pane_dead}"]);
      expect(args[6]).toMatch(/^'(paste-buffer|send-keys)' /);
    }
    expect(() => tmuxCommandString(["send-keys", "it's"])).toThrow(/quote/);
  });

  it("reads a pane's life, exit status and screen from one snapshot", () => {
    expect(parsePaneSnapshot("1 127\n/bin/sh: 1: /nonexistent/agent: not found\n\n")).toEqual({ dead: true, exitStatus: 127, screen: "/bin/sh: 1: /nonexistent/agent: not found\n\n" });
    expect(parsePaneSnapshot("0 \n> \n")).toEqual({ dead: false, screen: "> \n" });
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

  it("takes no HEAD an agent wrote with terminal escapes or what git forbids in a ref name as a branch", () => {
    expect(parseHeadFile("ref: refs/heads/ao/b-2\u001b]2;PWNED\u0007\u001b[41mRED\n")).toBeUndefined();
    expect(parseHeadFile("ref: refs/heads/x\u009b31m\n")).toBeUndefined();
    expect(parseHeadFile("ref: refs/heads/a b\n")).toBeUndefined();
    expect(parseHeadFile("ref: refs/heads/a~1\n")).toBeUndefined();
    expect(parseHeadFile("ref: refs/heads/fix/ünïcode-名前\n")).toBe("fix/ünïcode-名前");
  });
});
