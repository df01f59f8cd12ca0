/**
 * A symbolic link planted inside dataDir (a record, an event log, a lock, a
 * transcript, a prompt file, observed.json) pointing at a file outside it: that
 * file is never read into output, chmodded or written, and ao names the link.
 */
import { chmodSync, readFileSync, renameSync, rmSync, statSync, symlinkSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { beforeEach, describe, expect, it } from "vitest";
import { useSandbox } from "../helpers/sandbox.js";

const s = useSandbox();
const MARK = "OUTSIDE-SECRET-7f3a";
let outside: string;

beforeEach(() => {
  outside = join(s.root, "outside.txt");
});

/** An outside file holding a record-shaped JSON with a marker, readable by all. */
function plantOutside(name: string): string {
  const now = new Date().toISOString();
  const text = `${JSON.stringify({ schemaVersion: 1, name, project: "my-app", issue: null, title: MARK, branch: MARK, baseRef: null, agent: "demo", workspacePath: "/", tmuxSession: MARK, status: "working", prUrl: null, createdAt: now, updatedAt: now, lastActivityAt: now, type: "spawned" })}\n`;
  writeFileSync(outside, text);
  chmodSync(outside, 0o644);
  return text;
}

function replaceWithLink(path: string) {
  rmSync(path, { force: true });
  symlinkSync(outside, path);
}

function untouched(text: string) {
  expect(readFileSync(outside, "utf8")).toBe(text);
  expect(statSync(outside).mode & 0o777).toBe(0o644);
}

describe("symlinks inside dataDir are never followed", () => {
  it("a record that is a link: listed as an error naming it, never read, chmodded or written", async () => {
    expect((await s.ao(["spawn", "my-app"])).code).toBe(0);
    expect((await s.ao(["spawn", "my-app"])).code).toBe(0);
    const text = plantOutside("ma-1");
    const record = join(s.sessionsDir, "ma-1.json");
    replaceWithLink(record);
    const ls = await s.ao(["session", "ls", "--json", "--all"]);
    expect(ls.stdout).not.toContain(MARK);
    expect(ls.stderr).toContain(record);
    expect(ls.stderr).toContain("symbolic link");
    for (const args of [["session", "get", "ma-1"], ["session", "kill", "ma-1", "--force"], ["send", "ma-1", "hi"], ["session", "restore", "ma-1"]]) {
      const r = await s.ao(args);
      expect(r.code, args.join(" ")).toBe(1);
      expect(r.stdout + r.stderr).not.toContain(MARK);
      expect(r.stderr).toContain(record);
    }
    const doctor = await s.ao(["doctor", "--fix"]);
    expect(doctor.stdout).not.toContain(MARK);
    expect((await s.ao(["session", "cleanup"])).stdout).not.toContain(MARK);
    untouched(text);
  });

  it("an event log, a lock, a transcript and observed.json that are links: refused or replaced, the outside file untouched", async () => {
    expect((await s.ao(["spawn", "my-app"])).code).toBe(0);
    expect((await s.ao(["spawn", "my-app"])).code).toBe(0);
    expect((await s.ao(["session", "kill", "ma-2"])).code).toBe(0);
    const text = plantOutside("ma-1");

    replaceWithLink(join(s.sessionsDir, "ma-1.events.jsonl"));
    const events = await s.ao(["session", "events", "ma-1", "--json"]);
    expect(events.code).toBe(1);
    expect(events.stdout + events.stderr).not.toContain(MARK);
    expect(events.stderr).toContain(`Refusing to follow the symbolic link ${join(s.sessionsDir, "ma-1.events.jsonl")}`);
    await s.ao(["session", "update", "ma-1", "--title", "new"]); // appends an event: refused
    untouched(text);

    const lock = join(s.sessionsDir, "ma-1.lock");
    symlinkSync(outside, lock);
    const kill = await s.ao(["session", "kill", "ma-1", "--force"], { env: { AO_LOCK_TIMEOUT: "300" } });
    expect(kill.code).toBe(1);
    expect(kill.stderr).toContain(`Refusing to follow the symbolic link ${lock}`);
    expect(await s.tmux.sessions()).toEqual(["ma-1"]);
    await s.ao(["doctor", "--fix"]);
    untouched(text);

    replaceWithLink(join(s.sessionsDir, "ma-2.log"));
    const logs = await s.ao(["session", "logs", "ma-2"]);
    expect(logs.code).toBe(1);
    expect(logs.stdout + logs.stderr).not.toContain(MARK);

    symlinkSync(outside, join(s.dataDir, "projects", "my-app", "observed.json"));
    expect((await s.ao(["session", "ls"])).code).toBe(0);
    untouched(text);
  });

  it("a sessions directory that is a link: reported, nothing in it read or written", async () => {
    expect((await s.ao(["spawn", "my-app"])).code).toBe(0);
    const elsewhere = join(s.root, "elsewhere");
    renameSync(s.sessionsDir, elsewhere);
    const text = plantOutside("ma-1");
    writeFileSync(join(elsewhere, "ma-1.json"), text);
    symlinkSync(elsewhere, s.sessionsDir);
    const ls = await s.ao(["session", "ls", "--json"]);
    expect(ls.stdout).not.toContain(MARK);
    expect(ls.stderr).toContain(s.sessionsDir);
    const spawn = await s.ao(["spawn", "my-app"]);
    expect(spawn.code).toBe(1);
    expect(spawn.stderr).toContain(`Refusing to follow the symbolic link ${s.sessionsDir}`);
    expect(readFileSync(join(elsewhere, "ma-1.json"), "utf8")).toBe(text);
  });

  it("a prompt file that is a link: the spawn fails and writes nothing through it", async () => {
    const text = plantOutside("ma-1");
    expect((await s.ao(["spawn", "my-app"])).code).toBe(0); // makes the sessions directory
    symlinkSync(outside, join(s.sessionsDir, "ma-2.prompt"));
    const r = await s.ao(["spawn", "my-app", "--prompt", "overwrite me"]);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain("Refusing to follow the symbolic link");
    untouched(text);
    expect(await s.tmux.sessions()).toEqual(["ma-1"]);
  });
});
