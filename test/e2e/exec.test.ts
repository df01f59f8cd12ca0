import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { useSandbox } from "../helpers/sandbox.js";

const s = useSandbox({}, async (s) => {
  expect((await s.ao(["spawn", "my-app", "1"])).code).toBe(0);
});

describe("ao session exec", () => {
  it("runs argv in the worktree, with AO_SESSION, and exits with its code", async () => {
    const ok = await s.ao(["session", "exec", "ma-1", "--", "sh", "-c", 'pwd; echo "$AO_SESSION"; git branch --show-current']);
    expect(ok.code, ok.stderr).toBe(0);
    expect(ok.stdout).toBe(`${join(s.worktreeDir, "my-app-1")}\nma-1\n1\n`);
    const fail = await s.ao(["session", "exec", "ma-1", "--", "sh", "-c", "echo nope >&2; exit 7"]);
    expect(fail.code).toBe(7);
    expect(fail.stderr).toBe("nope\n");
  });

  it("passes arguments literally: no shell unless asked", async () => {
    const r = await s.ao(["session", "exec", "ma-1", "--", "node", "-e", "process.stdout.write(JSON.stringify(process.argv.slice(1)))", "$(id)", "a;b", "--flag"]);
    expect(r.code, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout)).toEqual(["$(id)", "a;b", "--flag"]);
  });

  it("reads stdin and reports a missing command", async () => {
    const r = await s.ao(["session", "exec", "ma-1", "--", "sh", "-c", "cat > from-stdin.txt"], { input: "piped\n" });
    expect(r.code).toBe(0);
    expect(readFileSync(join(s.worktreeDir, "my-app-1", "from-stdin.txt"), "utf8")).toBe("piped\n");
    const missing = await s.ao(["session", "exec", "ma-1", "--", "no-such-command-xyz"]);
    expect(missing.code).toBe(127);
    expect(missing.stderr).toBe("Error: Cannot run no-such-command-xyz: command not found\n");
  });

  it("end is kill", async () => {
    writeFileSync(join(s.worktreeDir, "my-app-1", "x.txt"), "x");
    const refused = await s.ao(["session", "end", "ma-1"]);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain("Failed to kill session ma-1: Uncommitted or untracked changes");
    const ended = await s.ao(["session", "end", "ma-1", "--force"]);
    expect(ended.code).toBe(0);
    expect(ended.stdout).toContain("Session ma-1 killed.");
  });
});
