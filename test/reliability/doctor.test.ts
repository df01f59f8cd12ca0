import { chmodSync, existsSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { git } from "../helpers/git.js";
import { useSandbox } from "../helpers/sandbox.js";

const s = useSandbox();


describe("ao doctor", () => {
  it("passes on a healthy setup", async () => {
    expect((await s.ao(["spawn", "my-app"])).code).toBe(0);
    const r = await s.ao(["doctor"]);
    expect(r.code, r.stdout).toBe(0);
    // tmux before 3.4 is a warning (a known crash), not a problem.
    expect(r.stdout).toMatch(/^(ok {5}|warn {3})tmux \d+\.\d+/m);
    expect(r.stdout).toMatch(/^ok {5}git \d+\.\d+/m);
    expect(r.stdout).toMatch(/^ok {5}agent demo: \S+\/node$/m);
    expect(r.stdout).toMatch(/^All checks pass( \(1 warning\))?\.$/m);
  });

  it("finds every problem, and --fix repairs only what cannot lose work", async () => {
    // A healthy session, and a spawn that died after making its worktree (with work in it).
    expect((await s.ao(["spawn", "my-app", "1"])).code).toBe(0);
    expect((await s.ao(["spawn", "my-app", "2"], { env: { AO_CRASH_AT: "worktree" } })).code).not.toBe(0);
    writeFileSync(join(s.worktreeDir, "my-app-2", "half-done.txt"), "work in progress\n");
    // A session whose worktree vanished while its runtime was gone.
    expect((await s.ao(["spawn", "my-app", "3"])).code).toBe(0);
    await s.tmux.tmux("kill-session", "-t", "=ma-3");
    rmSync(join(s.worktreeDir, "my-app-3"), { recursive: true, force: true });
    // A stale lock, loose permissions, an orphan worktree, an orphan tmux session, a registered-but-missing worktree.
    writeFileSync(join(s.sessionsDir, "ma-1.lock"), "999999");
    chmodSync(s.dataDir, 0o755);
    chmodSync(join(s.sessionsDir, "ma-1.json"), 0o644);
    await git(s.repo, "worktree", "add", "-q", "-b", "orphan", join(s.worktreeDir, "my-app-orphan"));
    writeFileSync(join(s.worktreeDir, "my-app-orphan", "keep.txt"), "mine\n");
    await s.tmux.tmux("new-session", "-d", "-s", "ma-99", "sleep 60");
    await git(s.repo, "worktree", "add", "-q", "--detach", join(s.root, "gone"));
    rmSync(join(s.root, "gone"), { recursive: true, force: true });

    const check = await s.ao(["doctor", "--json"]);
    expect(check.code).toBe(1);
    const report = JSON.parse(check.stdout);
    expect(report.ok).toBe(false);
    const problems = report.findings.filter((f: { ok: boolean }) => !f.ok);
    const messages = problems.map((f: { message: string }) => f.message);
    expect(messages).toEqual(expect.arrayContaining([
      expect.stringMatching(/dataDir|readable by others \(mode 755\)/),
      expect.stringMatching(/ma-1\.json is readable by others \(mode 644\)/),
      expect.stringMatching(/stale lock .*ma-1\.lock \(pid 999999 is gone\)/),
      "ma-2 is stuck in spawning (its ao process is gone)",
      `ma-3: worktree ${join(s.worktreeDir, "my-app-3")} is gone`,
      expect.stringMatching(/orphan worktree .*my-app-orphan \(branch orphan\) has no ao session/),
      "tmux session ma-99 looks like ao's but has no ao session",
      expect.stringMatching(/git still registers 2 missing worktrees/),
    ]));
    for (const f of problems) expect(f.fix, f.message).toBeTruthy();
    const auto = (m: RegExp) => problems.find((f: { message: string }) => m.test(f.message)).autoFix;
    expect(auto(/orphan worktree/)).toBe(false);
    expect(auto(/tmux session ma-99/)).toBe(false);
    expect(auto(/stuck in spawning/)).toBe(true);

    const fix = await s.ao(["doctor", "--fix"]);
    expect(fix.code).toBe(1); // the orphans are the user's to decide
    expect(fix.stdout).toMatch(/^fixed {2}.*stale lock/m);
    expect(fix.stdout).toContain("2 problems left");
    expect(existsSync(join(s.sessionsDir, "ma-1.lock"))).toBe(false);
    expect(statSync(s.dataDir).mode & 0o777).toBe(0o700);
    expect(statSync(join(s.sessionsDir, "ma-1.json")).mode & 0o777).toBe(0o600);
    // The stuck spawn was ended the safe way: its work is in a ref.
    expect(JSON.parse(readFileSync(join(s.sessionsDir, "ma-2.json"), "utf8")).status).toBe("killed");
    expect(await git(s.repo, "show", "refs/ao/saved/my-app/ma-2/1:half-done.txt")).toBe("work in progress\n");
    expect(JSON.parse(readFileSync(join(s.sessionsDir, "ma-3.json"), "utf8")).status).toBe("killed");
    expect(await git(s.repo, "worktree", "list", "--porcelain")).not.toContain("prunable");
    // Never touched: the orphan worktree and tmux session, and the healthy session.
    expect(readFileSync(join(s.worktreeDir, "my-app-orphan", "keep.txt"), "utf8")).toBe("mine\n");
    expect((await s.tmux.sessions()).sort()).toEqual(["ma-1", "ma-99"]);
  });
});
