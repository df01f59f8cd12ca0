/**
 * Hostile and broken input: each gets a clear error of a line or two (message and
 * hint, no stack trace) and changes nothing.
 */
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { git } from "../helpers/git.js";
import { waitFor } from "../helpers/proc.js";
import { agentReady, useSandbox } from "../helpers/sandbox.js";

const s = useSandbox();

const HOSTILE = ["a;b", "$(touch pwned)", "has space", "..", "../../etc", "a/b", "a:b", "a.b", "ünïcødé", "x".repeat(300), "`id`", "a\nb"];

function expectCleanError(r: { stderr: string; stdout: string }) {
  const lines = r.stderr.trim().split("\n");
  expect(lines.length, r.stderr).toBeLessThanOrEqual(2);
  expect(r.stderr).not.toMatch(/\n\s+at /);
}

async function nothingChanged() {
  expect(existsSync(s.worktreeDir)).toBe(false);
  expect(existsSync(s.sessionsDir) ? readdirSync(s.sessionsDir) : []).toEqual([]);
  expect(await s.tmux.sessions()).toEqual([]);
  expect(existsSync(join(s.root, "pwned"))).toBe(false);
  expect((await git(s.repo, "branch", "--format=%(refname:short)")).trim()).toBe("main");
}

describe("hostile names", () => {
  it.each(HOSTILE)("refuses the issue id %j and changes nothing", async (issue) => {
    const r = await s.ao(["spawn", "my-app", issue]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("Invalid issue id");
    expectCleanError(r);
    await nothingChanged();
  });

  it.each(HOSTILE)("treats the session argument %j as a name to look up, nothing more", async (name) => {
    for (const args of [["session", "get", name], ["session", "kill", name], ["session", "restore", name], ["send", name, "hi"]]) {
      const r = await s.ao(args);
      expect(r.code, args.join(" ")).toBe(1);
      expect(r.stderr).toContain("Session not found");
      expectCleanError(r);
    }
    await nothingChanged();
  });

  it("reads an argument that looks like an option as an option (usage error), or after -- as a name", async () => {
    const opt = await s.ao(["spawn", "my-app", "-rf"]);
    expect(opt.code).toBe(2);
    expect(opt.stderr).toContain("unknown option '-rf'");
    const named = await s.ao(["session", "kill", "--", "-rf"]);
    expect(named.code).toBe(1);
    expect(named.stderr.split("\n")[0]).toBe("Failed to kill session -rf: Session not found");
    await nothingChanged();
  });

  it.each(["../x", "/etc", "..", "My_App", "a b"])("refuses the project id %j", async (project) => {
    const r = await s.ao(["spawn", project]);
    expect(r.code).toBe(1);
    expect(r.stderr.split("\n")[0]).toBe(`Unknown project: ${project}`);
    await nothingChanged();
  });

  it("refuses a configured project id that would escape worktreeDir", async () => {
    writeFileSync(s.configPath, readFileSync(s.configPath, "utf8").replace("  my-app:\n", "  ../escape:\n"));
    const r = await s.ao(["session", "ls"]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/^Error: Invalid project id "\.\.\/escape" under projects: use lower-case letters/);
    expectCleanError(r);
  });

  it.each(["bad..name", "-x", "a b", "x.lock", "@{u}", "refs/../x"])("refuses the branch %j", async (branch) => {
    const r = await s.ao(["spawn", "my-app", "--branch", branch]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("Invalid branch name");
    expectCleanError(r);
    await nothingChanged();
  });
});

describe("hostile messages", () => {
  it.each([
    ["a NUL byte", "before\0after", "a NUL byte"],
    ["an end-of-paste sequence", "text\u001b[201~\rrm -rf ~\r", "an escape character (ESC)"],
    ["a terminal escape", "\u001b]0;title\u0007", "an escape character (ESC)"],
    ["1 MB of text", "x".repeat(1_000_000), "the limit is 524288"],
  ])("refuses %s and the agent receives nothing", async (_what, text, why) => {
    expect((await s.ao(["spawn", "my-app"])).code).toBe(0);
    await agentReady(s, "ma-1");
    const r = await s.ao(["send", "ma-1", "-"], { input: text });
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(why);
    expectCleanError(r);
    expect((await s.ao(["send", "ma-1", "still listening?"])).code).toBe(0);
    await waitFor(() => s.received("ma-1").some((e) => e.kind === "message"), "the plain message");
    expect(s.received("ma-1").filter((e) => e.kind === "message").map((e) => e.text)).toEqual(["still listening?"]);
  });
});

describe("broken config and records", () => {
  it("a YAML alias bomb", async () => {
    const bomb = ["a: &a [x, x, x, x, x, x, x, x, x, x]", ...Array.from({ length: 9 }, (_, i) => `${String.fromCharCode(98 + i)}: &${String.fromCharCode(98 + i)} [${Array(10).fill(`*${String.fromCharCode(97 + i)}`).join(", ")}]`)].join("\n");
    writeFileSync(s.configPath, bomb);
    const r = await s.ao(["session", "ls"]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/^Error: Invalid YAML .*Excessive alias count/);
    expectCleanError(r);
  });

  it("a config that is a directory", async () => {
    const dir = join(s.root, "cfgdir");
    mkdirSync(dir);
    const r = await s.ao(["session", "ls"], { env: { AO_CONFIG: dir } });
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/^Error: Config is a directory, not a file/);
    expectCleanError(r);
  });

  it("records that are not JSON, empty, or of another schemaVersion are named and skipped; kill refuses them", async () => {
    expect((await s.ao(["spawn", "my-app"])).code).toBe(0);
    const dir = s.sessionsDir;
    writeFileSync(join(dir, "ma-7.json"), "not json");
    writeFileSync(join(dir, "ma-8.json"), "");
    writeFileSync(join(dir, "ma-9.json"), JSON.stringify({ schemaVersion: 2, name: "ma-9" }));
    const ls = await s.ao(["session", "ls", "--json"]);
    expect(ls.code).toBe(0);
    expect(JSON.parse(ls.stdout).map((x: { name: string }) => x.name)).toEqual(["ma-1"]);
    expect(ls.stderr.match(/skipped damaged session record/g)).toHaveLength(3);
    const kill = await s.ao(["session", "kill", "ma-7"]);
    expect(kill.code).toBe(1);
    expect(readFileSync(join(dir, "ma-7.json"), "utf8")).toBe("not json");
  });
});
