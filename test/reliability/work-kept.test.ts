/**
 * Work that git status does not show, or that lives outside the branch, is still
 * work: nested repositories, commits on a detached HEAD, edits hidden by
 * skip-worktree/assume-unchanged. And ao removes or writes only inside its own
 * worktrees: not through a symlink, not at a path a record was edited to name.
 */
import { existsSync, mkdirSync, readFileSync, renameSync, symlinkSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { git } from "../helpers/git.js";
import { record, unnamedRefs } from "../helpers/saved.js";
import { baseConfig, useSandbox } from "../helpers/sandbox.js";

const s = useSandbox({ config: (p) => baseConfig(p, `    symlinks: [".vscode/settings.json", ".env"]\n`) });
const wt = (n = "1") => join(s.worktreeDir, `my-app-${n}`);

describe("work git status does not show", () => {
  it("a nested repository: its commits and files are saved for real, and the output says how to get it back", async () => {
    expect((await s.ao(["spawn", "my-app"])).code).toBe(0);
    const sub = join(wt(), "vendor", "lib");
    mkdirSync(sub, { recursive: true });
    await git(sub, "init", "-q", "-b", "main");
    writeFileSync(join(sub, "a.txt"), "committed\n");
    await git(sub, "add", ".");
    await git(sub, "commit", "-q", "-m", "nested work");
    const commit = (await git(sub, "rev-parse", "HEAD")).trim();
    writeFileSync(join(sub, "a.txt"), "changed, not committed\n");
    writeFileSync(join(sub, "new.txt"), "untracked in the nested repo\n");
    const bare = join(wt(), "fresh");
    mkdirSync(bare);
    await git(bare, "init", "-q"); // a repository with no commit yet
    writeFileSync(join(bare, "draft.txt"), "first draft\n");

    const r = await s.ao(["session", "kill", "ma-1", "--force"]);
    expect(r.code, r.stderr).toBe(0);
    expect(existsSync(wt())).toBe(false);
    const [ref] = record(s, "ma-1").savedRefs;
    expect(r.stdout).toContain(ref);
    expect(r.stdout).toContain("vendor/lib");
    expect(r.stdout).toContain("mv vendor/lib/.ao-git vendor/lib/.git");

    // Recover as the output says, in a fresh checkout of the branch.
    const back = join(s.root, "back");
    await git(s.repo, "worktree", "add", "-q", back, "ao/ma-1");
    await git(back, "checkout", ref, "--", ".");
    renameSync(join(back, "vendor/lib/.ao-git"), join(back, "vendor/lib/.git"));
    renameSync(join(back, "fresh/.ao-git"), join(back, "fresh/.git"));
    const lib = join(back, "vendor", "lib");
    expect(readFileSync(join(lib, "a.txt"), "utf8")).toBe("changed, not committed\n");
    expect(readFileSync(join(lib, "new.txt"), "utf8")).toBe("untracked in the nested repo\n");
    expect((await git(lib, "rev-parse", "HEAD")).trim()).toBe(commit);
    expect(await git(lib, "show", "HEAD:a.txt")).toBe("committed\n");
    expect(readFileSync(join(back, "fresh", "draft.txt"), "utf8")).toBe("first draft\n");
    expect(await unnamedRefs(s)).toEqual([]);
  });

  it("commits on a detached HEAD: a plain kill refuses; --force keeps them reachable from the saved ref", async () => {
    expect((await s.ao(["spawn", "my-app"])).code).toBe(0);
    await git(wt(), "checkout", "-q", "--detach");
    writeFileSync(join(wt(), "feature.txt"), "committed while detached\n");
    await git(wt(), "add", ".");
    await git(wt(), "commit", "-q", "-m", "detached work");
    const oid = (await git(wt(), "rev-parse", "HEAD")).trim();
    expect(await git(wt(), "status", "--porcelain")).toBe("");

    const plain = await s.ao(["session", "kill", "ma-1"]);
    expect(plain.code).toBe(1);
    expect(plain.stderr).toContain(oid.slice(0, 7));
    expect(existsSync(join(wt(), "feature.txt"))).toBe(true);

    const forced = await s.ao(["session", "kill", "ma-1", "--force"]);
    expect(forced.code, forced.stderr).toBe(0);
    const [ref] = record(s, "ma-1").savedRefs;
    expect(forced.stdout).toContain(ref);
    await git(s.repo, "merge-base", "--is-ancestor", oid, ref); // throws when it is not
    expect(await git(s.repo, "show", `${ref}:feature.txt`)).toBe("committed while detached\n");
  });

  it("edits hidden by skip-worktree and assume-unchanged are dirty", async () => {
    expect((await s.ao(["spawn", "my-app"])).code).toBe(0);
    writeFileSync(join(wt(), "README.md"), "# hidden edit\n");
    writeFileSync(join(wt(), ".gitignore"), "node_modules/\nassumed\n");
    await git(wt(), "update-index", "--skip-worktree", "README.md");
    await git(wt(), "update-index", "--assume-unchanged", ".gitignore");
    expect(await git(wt(), "status", "--porcelain")).toBe("");

    const plain = await s.ao(["session", "kill", "ma-1"]);
    expect(plain.code).toBe(1);
    expect(plain.stderr).toContain("Uncommitted or untracked changes");
    expect(readFileSync(join(wt(), "README.md"), "utf8")).toBe("# hidden edit\n");

    expect((await s.ao(["session", "kill", "ma-1", "--force"])).code).toBe(0);
    const [ref] = record(s, "ma-1").savedRefs;
    expect(await git(s.repo, "show", `${ref}:README.md`)).toBe("# hidden edit\n");
    expect(await git(s.repo, "show", `${ref}:.gitignore`)).toBe("node_modules/\nassumed\n");
  });
});

describe("only inside ao's own worktrees", () => {
  it("symlinks: never deletes or writes through a parent that is a symlink", async () => {
    const outside = join(s.root, "outside");
    mkdirSync(outside);
    writeFileSync(join(outside, "settings.json"), "{\"mine\": true}\n");
    symlinkSync(outside, join(s.repo, ".vscode"));
    writeFileSync(join(s.repo, ".env"), "A=1\n");
    await git(s.repo, "add", ".vscode");
    await git(s.repo, "commit", "-q", "-m", "upstream made .vscode a link");
    await git(s.repo, "push", "-q", "origin", "main");

    const r = await s.ao(["spawn", "my-app"]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toContain(".vscode/settings.json");
    expect(readFileSync(join(outside, "settings.json"), "utf8")).toBe("{\"mine\": true}\n");
    // The other link is made as usual.
    expect(readFileSync(join(wt(), ".env"), "utf8")).toBe("A=1\n");
  });

  it("a record edited to point at another session's worktree: that worktree is not removed", async () => {
    expect((await s.ao(["spawn", "my-app"])).code).toBe(0);
    expect((await s.ao(["spawn", "my-app"])).code).toBe(0);
    writeFileSync(join(wt("2"), "theirs.txt"), "ma-2's work\n");
    await git(wt("2"), "add", ".");
    await git(wt("2"), "commit", "-q", "-m", "ma-2 commit");
    const file = join(s.sessionsDir, "ma-1.json");
    writeFileSync(file, JSON.stringify({ ...record(s, "ma-1"), workspacePath: wt("2") }));

    for (const args of [["session", "kill", "ma-1"], ["session", "kill", "ma-1", "--force"]]) {
      const r = await s.ao(args);
      expect(r.code).toBe(1);
      expect(r.stderr).toContain(wt("2"));
    }
    expect(readFileSync(join(wt("2"), "theirs.txt"), "utf8")).toBe("ma-2's work\n");
    expect(await git(s.repo, "worktree", "list")).toContain(wt("2"));
    // Nor the main checkout.
    writeFileSync(file, JSON.stringify({ ...record(s, "ma-1"), workspacePath: s.repo }));
    expect((await s.ao(["session", "kill", "ma-1", "--force"])).code).toBe(1);
    expect(existsSync(join(s.repo, "README.md"))).toBe(true);
  });
});

describe("saved refs", () => {
  it("are unique per session and per save, and never another session's", async () => {
    expect((await s.ao(["spawn", "my-app", "5"])).code).toBe(0);
    expect((await s.ao(["spawn", "my-app", "5"])).code).toBe(0); // ma-5-2
    for (const round of [1, 2]) {
      writeFileSync(join(wt("5"), "work.txt"), `round ${round}\n`);
      expect((await s.ao(["session", "pause", "ma-5", "--release-worktree"])).code).toBe(0);
      const r = await s.ao(["session", "resume", "ma-5"]);
      expect(r.code, r.stderr).toBe(0);
    }
    writeFileSync(join(wt("5"), "work.txt"), "round 3\n");
    writeFileSync(join(wt("5-2"), "work.txt"), "the other session\n");
    expect((await s.ao(["session", "kill", "ma-5", "--force"])).code).toBe(0);
    expect((await s.ao(["session", "kill", "ma-5-2", "--force"])).code).toBe(0);
    const mine = record(s, "ma-5").savedRefs as string[];
    const theirs = record(s, "ma-5-2").savedRefs as string[];
    expect(mine).toHaveLength(3);
    expect(new Set(mine).size).toBe(3);
    for (const ref of mine) expect(ref).toMatch(/^refs\/ao\/saved\/my-app\/ma-5\/\d+$/);
    expect(theirs).toEqual([expect.stringMatching(/^refs\/ao\/saved\/my-app\/ma-5-2\/\d+$/)]);
    expect(await git(s.repo, "show", `${mine[2]}:work.txt`)).toBe("round 3\n");
    expect(await git(s.repo, "show", `${theirs[0]}:work.txt`)).toBe("the other session\n");
  });
});
