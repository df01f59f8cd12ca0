/**
 * resume after pause --release-worktree puts the saved work back onto the
 * branch's current HEAD the way `git stash apply` does: a commit made on the
 * freed branch meanwhile stays, deletions and renames stay, and a conflict
 * leaves both sides visible and the saved ref in place.
 */
import { existsSync, readFileSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { expect, it } from "vitest";
import { git } from "../helpers/git.js";
import { record } from "../helpers/saved.js";
import { useSandbox } from "../helpers/sandbox.js";

const s = useSandbox({}, async (s) => {
  for (const f of ["a.txt", "b.txt", "c.txt", "d.txt"]) writeFileSync(join(s.repo, f), `${f} line one\n${f} line two\n`);
  await git(s.repo, "add", ".");
  await git(s.repo, "commit", "-q", "-m", "files");
  await git(s.repo, "push", "-q", "origin", "main");
  expect((await s.ao(["spawn", "my-app", "1"])).code).toBe(0);
});
const wt = () => join(s.worktreeDir, "my-app-1");

/** While paused, someone commits on the freed branch in the main checkout. */
async function commitOnBranch(file: string, text: string): Promise<void> {
  await git(s.repo, "checkout", "-q", "1");
  writeFileSync(join(s.repo, file), text);
  await git(s.repo, "commit", "-q", "-am", "made while paused");
  await git(s.repo, "checkout", "-q", "main");
}

it("keeps a commit made on the freed branch, and the session's deletions and renames", async () => {
  writeFileSync(join(wt(), "a.txt"), "a.txt changed by the session\n");
  rmSync(join(wt(), "b.txt"));
  renameSync(join(wt(), "c.txt"), join(wt(), "c-renamed.txt"));
  writeFileSync(join(wt(), "new.txt"), "untracked\n");
  expect((await s.ao(["session", "pause", "ma-1", "--release-worktree"])).code).toBe(0);
  await commitOnBranch("d.txt", "d.txt changed while paused\n");

  const r = await s.ao(["session", "resume", "ma-1"]);
  expect(r.code, r.stderr).toBe(0);
  expect(readFileSync(join(wt(), "d.txt"), "utf8")).toBe("d.txt changed while paused\n");
  expect(readFileSync(join(wt(), "a.txt"), "utf8")).toBe("a.txt changed by the session\n");
  expect(existsSync(join(wt(), "b.txt"))).toBe(false);
  expect(existsSync(join(wt(), "c.txt"))).toBe(false);
  expect(readFileSync(join(wt(), "c-renamed.txt"), "utf8")).toBe("c.txt line one\nc.txt line two\n");
  // Only the session's own changes, unstaged: `git commit -a` would not revert the paused commit.
  expect(await git(wt(), "status", "--porcelain")).toBe(" M a.txt\n D b.txt\n D c.txt\n?? c-renamed.txt\n?? new.txt\n");
});

it("on a conflict shows both sides in the file, keeps the saved ref, and says so", async () => {
  writeFileSync(join(wt(), "a.txt"), "the session's line\na.txt line two\n");
  expect((await s.ao(["session", "pause", "ma-1", "--release-worktree"])).code).toBe(0);
  const ref = record(s, "ma-1").released.savedRef;
  await commitOnBranch("a.txt", "the branch's line\na.txt line two\n");

  const r = await s.ao(["session", "resume", "ma-1"]);
  expect(r.code, r.stderr).toBe(0);
  expect(r.stdout).toContain("a.txt");
  expect(r.stdout).toContain(ref);
  expect(r.stdout.toLowerCase()).toContain("conflict");
  const text = readFileSync(join(wt(), "a.txt"), "utf8");
  expect(text).toContain("<<<<<<<");
  expect(text).toContain("the session's line");
  expect(text).toContain("the branch's line");
  expect(await git(s.repo, "show", `${ref}:a.txt`)).toBe("the session's line\na.txt line two\n");
  expect(record(s, "ma-1").savedRefs).toContain(ref);
  expect(record(s, "ma-1").status).toBe("working");
});

it("brings a nested repository back as a repository, with its commits", async () => {
  const sub = join(wt(), "lib");
  await git(wt(), "init", "-q", "lib");
  writeFileSync(join(sub, "x.txt"), "nested\n");
  await git(sub, "add", ".");
  await git(sub, "commit", "-q", "-m", "nested commit");
  const commit = (await git(sub, "rev-parse", "HEAD")).trim();
  writeFileSync(join(sub, "x.txt"), "nested, changed\n");
  expect((await s.ao(["session", "pause", "ma-1", "--release-worktree"])).code).toBe(0);
  expect(existsSync(sub)).toBe(false);
  const r = await s.ao(["session", "resume", "ma-1"]);
  expect(r.code, r.stderr).toBe(0);
  expect((await git(sub, "rev-parse", "HEAD")).trim()).toBe(commit);
  expect(await git(sub, "status", "--porcelain")).toBe(" M x.txt\n");
  expect(readFileSync(join(sub, "x.txt"), "utf8")).toBe("nested, changed\n");
});
