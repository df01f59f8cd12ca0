import { describe, expect, it } from "vitest";
import { describeWork, recoverHint, savedRefPrefix, type Work } from "../../src/core/workspace.js";

const snap = { head: "a".repeat(40), headTree: "t1", tree: "t1", nested: [] as string[] };
const work = (over: Partial<Work>): Work => ({ snap, dirty: false, worktreeOnly: [], nested: [], needsSave: true, ...over });

describe("saved work", () => {
  it("refs are per project, session and save", () => {
    expect(savedRefPrefix({ project: "my-app", name: "ma-1" })).toBe("refs/ao/saved/my-app/ma-1/");
    // ma-1-2's refs are never under ma-1's prefix, nor the other way round.
    expect(savedRefPrefix({ project: "my-app", name: "ma-1-2" }).startsWith(savedRefPrefix({ project: "my-app", name: "ma-1" }))).toBe(false);
  });

  it("the recovery hint puts nested repositories back as repositories", () => {
    expect(recoverHint("refs/ao/saved/p/s/1")).toBe("git checkout refs/ao/saved/p/s/1 -- .");
    expect(recoverHint("refs/ao/saved/p/s/1", ["vendor/lib"])).toBe("git checkout refs/ao/saved/p/s/1 -- . && mv vendor/lib/.ao-git vendor/lib/.git");
  });

  it("a refusal names everything that would be lost", () => {
    expect(describeWork("/w", work({ dirty: true }))).toBe("Uncommitted or untracked changes in /w");
    expect(describeWork("/w", work({ unreachableHead: "b".repeat(40) }))).toBe("Work in /w that removing it would lose: HEAD bbbbbbb is on no branch (its commits would become unreachable)");
    expect(describeWork("/w", work({ dirty: true, nested: ["sub"] }))).toBe("Uncommitted or untracked changes in /w; nested git repositories (sub)");
  });
});
