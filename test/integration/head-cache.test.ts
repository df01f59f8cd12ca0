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
});
