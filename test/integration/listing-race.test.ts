/**
 * A listing that began before the records were read (ls, status: core/runtime.ts)
 * and a session whose tmux session was made after it began, by a real resume.
 */
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { Tmux } from "../../src/adapters/tmux.js";
import { runtimeStates } from "../../src/core/runtime.js";
import { Store } from "../../src/adapters/store.js";
import type { SessionRecord } from "../../src/core/record.js";
import { waitFor } from "../helpers/proc.js";
import { agentReady, sandbox, type Sandbox } from "../helpers/sandbox.js";

let s: Sandbox;
beforeEach(async () => {
  s = await sandbox();
});
afterEach(async () => {
  await s.cleanup();
});

/** A post-checkout hook that stops `git worktree add` until the test says go. */
function holdWorktreeAdd(): { reached: () => boolean; go: () => void } {
  const reached = join(s.root, "hook-reached");
  const go = join(s.root, "hook-go");
  const hooks = join(s.repo, ".git", "hooks");
  mkdirSync(hooks, { recursive: true });
  writeFileSync(join(hooks, "post-checkout"), `#!/bin/sh\n: > "${reached}"\nwhile [ ! -e "${go}" ]; do sleep 0.02; done\n`);
  chmodSync(join(hooks, "post-checkout"), 0o755);
  return { reached: () => existsSync(reached), go: () => writeFileSync(go, "") };
}

describe("a listing that began while a session was being resumed", () => {
  it("asks tmux again for a session resumed after it began, so it is not shown dead", async () => {
    expect((await s.ao(["spawn", "my-app", "1"])).code).toBe(0);
    await agentReady(s, "ma-1");
    const pause = await s.ao(["session", "pause", "ma-1", "--release-worktree"]);
    expect(pause.code, pause.stderr).toBe(0);
    const hook = holdWorktreeAdd();
    const resuming = s.ao(["session", "resume", "ma-1"]);
    await waitFor(hook.reached, "resume inside git worktree add");
    // `ao session ls` starts here: its listing begins before the resume starts the agent...
    const tmux = new Tmux(s.tmux.socket);
    const listing = tmux.startListing();
    expect((await listing.states).has("ma-1")).toBe(false);
    hook.go();
    const resumed = await resuming;
    expect(resumed.code, resumed.stderr).toBe(0);
    // ...and reads the record once the resume has written it.
    const record = JSON.parse(readFileSync(join(s.sessionsDir, "ma-1.json"), "utf8")) as SessionRecord;
    expect(record.status).toBe("working");
    const state = await runtimeStates({ tmux, tmuxFor: () => tmux, store: new Store(s.dataDir) }, [record], new Map([[tmux, listing]]));
    expect(state(record)?.alive).toBe(true);
  });
});
