/** A worktree whose .git the agent deleted, after a kill was interrupted before it saved anything. */
import { existsSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { agentReady, useSandbox } from "../helpers/sandbox.js";

const s = useSandbox();

describe("kill after a crash at its intent, once the agent removed .git", () => {
  it("refuses and removes nothing: without .git and without a save, git cannot tell what would be lost", async () => {
    expect((await s.ao(["spawn", "my-app", "1"])).code).toBe(0);
    await agentReady(s, "ma-1");
    const wt = join(s.worktreeDir, "my-app-1");
    writeFileSync(join(wt, "precious.txt"), "unsaved work\n");
    const crashed = await s.ao(["session", "kill", "ma-1", "--force"], { env: { AO_CRASH_AT: "kill:intent" } });
    expect(crashed.code).not.toBe(0);
    rmSync(join(wt, ".git")); // the agent, still running at that point, deleted it
    const again = await s.ao(["session", "kill", "ma-1", "--force"]);
    expect(again.code).toBe(1);
    expect(again.stderr).toContain("nothing was removed");
    expect(readFileSync(join(wt, "precious.txt"), "utf8")).toBe("unsaved work\n");
    expect(existsSync(wt)).toBe(true);
  });
});
