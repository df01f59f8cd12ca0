/**
 * One agent's failure must never hurt: an agent that exits at start fails its
 * spawn with its own last words and leaves nothing behind, and no paste into
 * its dead pane takes the tmux server (and every other session on it) down.
 */
import { existsSync, readdirSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { DEMO_STATUS } from "../../scripts/demo-config.mjs";
import { git } from "../helpers/git.js";
import { waitFor } from "../helpers/proc.js";
import { agentReady, baseConfig, DEMO_AGENT, useSandbox } from "../helpers/sandbox.js";

const agents = `  missing:
    command: /nonexistent/agent
    prompt: paste
  nokey:
    command: "echo 'Error: OPENAI_API_KEY is not set' >&2; exit 1"
  late-exit:
    command: "printf 'Starting...\\\\n'; sleep 0.8; echo 'fatal: no credentials'; exit 4"
    prompt: paste
`;
const s = useSandbox({ config: (p) => baseConfig(p).replace("projects:\n", `${agents}projects:\n`) });

async function nothingLeftBehind(): Promise<void> {
  expect(existsSync(s.sessionsDir) ? readdirSync(s.sessionsDir).filter((f) => f.startsWith("ma-2")) : []).toEqual([]);
  expect(existsSync(join(s.worktreeDir, "my-app-2"))).toBe(false);
  expect(await git(s.repo, "worktree", "list")).not.toContain("my-app-2");
  expect(await git(s.repo, "branch", "--list", "ao/ma-2")).toBe("");
}

describe("spawn of an agent that dies at start", () => {
  it.each([
    ["missing", ["--prompt", "Fix the bug"], 127, "/nonexistent/agent: not found"],
    ["nokey", ["--prompt", "Fix the bug"], 1, "Error: OPENAI_API_KEY is not set"],
    ["late-exit", ["--prompt", "Fix the bug"], 4, "fatal: no credentials"],
    ["nokey", [], 1, "Error: OPENAI_API_KEY is not set"],
  ])("%s %j: exit 1 with its status and last words, nothing left, other sessions unharmed", async (agent, args, status, words) => {
    // A healthy session on the same tmux server, as in the 17 sessions the bug took down.
    expect((await s.ao(["spawn", "my-app", "1"])).code).toBe(0);
    await agentReady(s, "ma-1");

    const r = await s.ao(["spawn", "my-app", "2", "--agent", agent, ...args]);
    expect(r.code).toBe(1);
    expect(r.stdout).not.toContain("spawned");
    expect(r.stderr).toContain(`Spawn failed at step "start agent": the agent exited with status ${status} before it was up. Its last lines:`);
    expect(r.stderr).toContain(words);
    expect(r.stderr).not.toContain("Pane is dead");
    expect(r.stderr).toContain("Nothing was left behind.");
    await nothingLeftBehind();

    expect(await s.tmux.sessions()).toEqual(["ma-1"]);
    expect((await s.ao(["send", "ma-1", "still here?"])).code).toBe(0);
    await waitFor(() => s.received("ma-1").some((e) => e.text === "still here?"), "the other session's message");
  });

  it("an agent that stays up spawns as before, and its prompt is pasted once it is", async () => {
    const r = await s.ao(["spawn", "my-app", "--agent", "demo-paste", "--prompt", "hello"]);
    expect(r.code, r.stderr).toBe(0);
    await waitFor(() => s.received("ma-1").some((e) => e.kind === "message" && e.text === "hello"), "the prompt");
  });

  it("a paste agent that opens with a question does not get the prompt typed into it", async () => {
    // The demo agent with patterns, asking a question before its first prompt (like a folder-trust screen).
    s.writeConfig(
      baseConfig(s).replace(
        "projects:\n",
        `  asks:\n    command: node ${JSON.stringify(DEMO_AGENT)} --ask-first\n    prompt: paste\n    status: { waiting: [${JSON.stringify(DEMO_STATUS.waiting)}], idle: [${JSON.stringify(DEMO_STATUS.idle)}] }\n    keys: { once: [y] }\nprojects:\n`,
      ),
    );
    const r = await s.ao(["spawn", "my-app", "--agent", "asks", "--prompt", "Do the thing"]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toContain("ma-1 asks a question before it can take the prompt; answer it (ao session reply ma-1 once), then send the prompt: ao send ma-1 -f ");
    const file = /ao send ma-1 -f (\S+)/.exec(r.stderr)![1]!;
    await new Promise((res) => setTimeout(res, 300));
    expect(s.received("ma-1").filter((e) => e.kind === "permission" || e.kind === "message")).toEqual([]);
    const reply = await s.ao(["session", "reply", "ma-1", "once"]);
    expect(reply.code, reply.stderr).toBe(0);
    await waitFor(async () => (await s.tmux.capture("ma-1")).includes("Permission: once"), "the answer");
    expect((await s.ao(["send", "ma-1", "-f", file])).code).toBe(0);
    await waitFor(() => s.received("ma-1").some((e) => e.kind === "message" && e.text === "Do the thing"), "the prompt");
  });
});
