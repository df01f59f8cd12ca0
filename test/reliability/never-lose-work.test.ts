/**
 * Every path that removes a worktree saves the work first (kill --force, cleanup,
 * a failed spawn's rollback and doctor --fix are each tested with a dirty
 * worktree in their own files); here: when the save itself fails, nothing is removed.
 */
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { expect, it } from "vitest";
import { git } from "../helpers/git.js";
import { useSandbox } from "../helpers/sandbox.js";

const s = useSandbox();

it("refuses to remove a worktree when its work cannot be saved", async () => {
  expect((await s.ao(["spawn", "my-app"])).code).toBe(0);
  const wt = join(s.worktreeDir, "my-app-1");
  writeFileSync(join(wt, "precious.txt"), "unsaved work\n");
  // refs/ao/saved/my-app/ma-1/1 cannot be created while refs/ao/saved/my-app/ma-1/1/x exists (a file/directory clash in git's refs).
  await git(s.repo, "update-ref", "refs/ao/saved/my-app/ma-1/1/x", "HEAD");
  const r = await s.ao(["session", "kill", "ma-1", "--force"]);
  expect(r.code).toBe(1);
  expect(r.stderr).toMatch(/^Failed to kill session ma-1: Could not save the changes in .* to refs\/ao\/saved\/my-app\/ma-1\/1; nothing was removed/);
  expect(readFileSync(join(wt, "precious.txt"), "utf8")).toBe("unsaved work\n");
  expect(existsSync(join(wt, ".git"))).toBe(true);
  const rec = JSON.parse(readFileSync(join(s.dataDir, "projects", "my-app", "sessions", "ma-1.json"), "utf8"));
  expect(rec.status).toBe("working");
  // The session can be brought back as it was.
  expect((await s.ao(["session", "restore", "ma-1"])).code).toBe(0);
});
