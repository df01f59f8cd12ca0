import { rmSync, statSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { waitFor } from "../helpers/proc.js";
import { agentReady, startAo, useSandbox } from "../helpers/sandbox.js";

const s = useSandbox({}, async (s) => {
  expect((await s.ao(["spawn", "my-app", "1", "--prompt", "first task"])).code).toBe(0);
  await agentReady(s, "ma-1");
});

const logs = (...args: string[]) => s.ao(["session", "logs", "ma-1", ...args]);

describe("ao session logs", () => {
  it("prints the screen and scrollback as plain text, or the last N lines", async () => {
    expect((await s.ao(["send", "ma-1", "line one\nline two"])).code).toBe(0);
    await waitFor(async () => (await logs()).stdout.includes("| line two"), "the echo");
    const all = await logs();
    expect(all.code).toBe(0);
    expect(all.stdout).toContain("Demo agent (ma-1)");
    expect(all.stdout).toContain("Prompt: first task");
    expect(all.stdout).not.toContain("\u001b");
    expect(all.stdout.endsWith("\n") && !all.stdout.endsWith("\n\n")).toBe(true);
    const tail = await logs("--lines", "2");
    expect(tail.stdout).toBe("Done.\n>\n");
  });

  it("keeps the last screen of an agent that exited, and the transcript of a killed session", async () => {
    expect((await s.ao(["send", "ma-1", "/crash"])).code).toBe(0);
    await waitFor(async () => (await logs()).stdout.includes("Agent exiting (3)"), "the exit line");
    expect((await s.ao(["session", "kill", "ma-1"])).code).toBe(0);
    const kept = await logs();
    expect(kept.code).toBe(0);
    expect(kept.stdout).toContain("Prompt: first task");
    expect(kept.stdout).toContain("Agent exiting (3)");
    expect(statSync(join(s.dataDir, "projects", "my-app", "sessions", "ma-1.log")).mode & 0o777).toBe(0o600);
  });

  it("--follow prints new output and ends by itself when the runtime ends", async () => {
    const follow = startAo(s, ["session", "logs", "ma-1", "--follow"]);
    await waitFor(() => follow.output().includes("Prompt: first task"), "the existing screen");
    expect((await s.ao(["send", "ma-1", "followed"])).code).toBe(0);
    await waitFor(() => follow.output().includes("| followed"), "the new output");
    expect((await s.ao(["send", "ma-1", "/exit"])).code).toBe(0);
    expect(await follow.exited).toBe(0);
    expect(follow.output()).toContain("Agent exiting (0)");
  });

  it("keeps the transcript of a tmux session killed behind ao's back, and says so when there is none", async () => {
    await s.tmux.tmux("kill-session", "-t", "=ma-1");
    expect((await logs()).stdout).toContain("Prompt: first task");
    rmSync(join(s.sessionsDir, "ma-1.log"));
    const r = await logs();
    expect(r.code).toBe(1);
    expect(r.stderr).toContain("No transcript for ma-1");
  });
});
