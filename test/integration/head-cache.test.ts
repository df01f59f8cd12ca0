/** HeadCache: the dash's readHeadBranch, which reads a worktree's .git and HEAD again only when they changed. */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { HeadCache, readHeadBranch } from "../../src/adapters/git.js";

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), "ao-heads-"));
  mkdirSync(join(dir, "repo", ".git", "worktrees", "w"), { recursive: true });
  mkdirSync(join(dir, "w"));
  writeFileSync(join(dir, "w", ".git"), `gitdir: ${join(dir, "repo", ".git", "worktrees", "w")}\n`);
  writeFileSync(join(dir, "repo", ".git", "worktrees", "w", "HEAD"), "ref: refs/heads/ao/ma-1\n");
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

describe("HeadCache", () => {
  it("answers as readHeadBranch: a branch, a switch, a detached HEAD, a worktree gone", () => {
    const heads = new HeadCache();
    const w = join(dir, "w");
    const same = (branch: string | undefined) => {
      expect(heads.read(w)).toBe(readHeadBranch(w));
      expect(heads.read(w)).toBe(branch);
    };
    same("ao/ma-1");
    writeFileSync(join(dir, "repo", ".git", "worktrees", "w", "HEAD"), "ref: refs/heads/other-branch\n"); // a longer file: a new size
    same("other-branch");
    writeFileSync(join(dir, "repo", ".git", "worktrees", "w", "HEAD"), "0123456789abcdef0123456789abcdef01234567\n");
    same("0123456");
    rmSync(join(dir, "w", ".git"));
    same(undefined);
  });

  it("with the git dir ao recorded, reads only its HEAD, whatever the worktree's .git says", async () => {
    const heads = new HeadCache();
    const w = join(dir, "w");
    const gitDir = join(dir, "repo", ".git", "worktrees", "w");
    expect(heads.read(w, gitDir)).toBe("ao/ma-1");
    mkdirSync(join(dir, "elsewhere"));
    writeFileSync(join(dir, "elsewhere", "HEAD"), "ref: refs/heads/planted\n");
    writeFileSync(join(w, ".git"), `gitdir: ${join(dir, "elsewhere")}\n`);
    expect(heads.read(w, gitDir)).toBe("ao/ma-1");
    writeFileSync(join(gitDir, "HEAD"), "ref: refs/heads/agent-renamed\n");
    await new Promise((r) => setTimeout(r, 20)); // the change notified (DirChanges)
    expect(heads.read(w, gitDir)).toBe(readHeadBranch(w, gitDir));
    expect(heads.read(w, gitDir)).toBe("agent-renamed");
    expect(heads.read(w)).toBe("planted"); // without it, the .git file leads (as readHeadBranch)
    heads.close();
  });
});
