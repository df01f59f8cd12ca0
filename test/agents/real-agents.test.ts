/**
 * The real agents (Claude Code, Codex, OpenCode, installed by scripts/agents/install.mjs)
 * driven only through `ao`, each talking to the scripted model server: the tests assert
 * on what the model received and on the files in the worktree, never on ao's own word.
 * Run with `npm run test:agents` (not part of `npm test`).
 */
import { existsSync } from "node:fs";
import { join } from "node:path";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { sandbox, type Sandbox } from "../helpers/sandbox.js";
import { killLeftovers, setupAgent, type AgentId, type AgentSetup } from "./agents.js";
import { startModelServer } from "./model-server.mjs";
import { PRESETS } from "../../src/config/presets.js";
import { composerText } from "../../src/core/screen.js";

type Model = Awaited<ReturnType<typeof startModelServer>>;
type ModelRequest = Model["requests"][number];

/** Polls (every 300 ms: each look runs `ao`) until `check` returns something truthy. */
async function poll<T>(check: () => T | Promise<T>, what: string, timeoutMs = 120_000): Promise<NonNullable<T>> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const v = await check();
      if (v) return v as NonNullable<T>;
    } catch (err) {
      last = err;
    }
    if (Date.now() > deadline) throw new Error(`Timed out after ${timeoutMs / 1000}s waiting for ${what}${last ? `: ${String(last)}` : ""}`);
    await new Promise((r) => setTimeout(r, 300));
  }
}

/**
 * The user's own text in the newest user message, without what the agent adds to it
 * (Claude Code's <system-reminder> blocks, its "[Request interrupted by user]" marker).
 */
function userMessage(r: ModelRequest): string[] {
  return r.userText.filter((t) => !t.startsWith("<system-reminder>") && !/^\[Request interrupted by user.*\]$/.test(t));
}

const AGENT_IDS: AgentId[] = ["claude-code", "codex", "opencode"];
/** AO_AGENTS_DEBUG=1 prints each ao command with its time, and every request the model server sees. */
const DEBUG = !!process.env.AO_AGENTS_DEBUG;
const t0 = Date.now();
const trace = (line: string) => DEBUG && console.log(`[${((Date.now() - t0) / 1000).toFixed(1)}s] ${line}`);

describe.each(AGENT_IDS)("%s through ao", (id) => {
  let s: Sandbox;
  let model: Model;
  let agent: AgentSetup;
  const live: string[] = [];

  beforeAll(async () => {
    model = await startModelServer({ log: DEBUG ? (l: string) => trace(`model ${l}`) : undefined });
    s = await sandbox();
    if (DEBUG) {
      const run = s.ao.bind(s);
      s.ao = async (args, o) => {
        const started = Date.now();
        const r = await run(args, o);
        trace(`ao ${args.join(" ").slice(0, 80)} → ${r.code} in ${Date.now() - started} ms`);
        return r;
      };
    }
    // The first test meets Claude Code's first-run questions; the others start with them answered (trust()).
    agent = setupAgent(id, s.root, model.url, { trustApiKey: false });
    Object.assign(s.env, agent.env);
    s.writeConfig(`dataDir: ${s.dataDir}
worktreeDir: ${s.worktreeDir}
defaults:
  agent: ${id}
agents:
${agent.yaml}projects:
  my-app:
    path: ${s.repo}
    sessionPrefix: ma
`);
  });

  afterEach(async () => {
    // One agent at a time: a finished test's agent is stopped (its files saved to a ref by --force).
    for (const name of live.splice(0)) await s.ao(["session", "kill", name, "--force"]);
  });

  afterAll(async () => {
    // The tmux server first, then what an agent started outside it, then the files (a daemon would write them again).
    await s?.tmux.kill();
    if (s) killLeftovers(s.root);
    await s?.cleanup();
    await model?.close();
  });

  const status = async (name: string): Promise<string> => {
    const r = await s.ao(["session", "ls", "--json", "--offline"]);
    if (r.code !== 0) throw new Error(r.stderr);
    return (JSON.parse(r.stdout) as { name: string; status: string }[]).find((x) => x.name === name)?.status ?? "missing";
  };
  const reads = (name: string, want: string, timeoutMs = 120_000) =>
    poll(async () => {
      const st = await status(name);
      return st === want ? st : undefined;
    }, `${name} to read ${want}`, timeoutMs).catch(async (err) => {
      throw new Error(`${err.message}\n--- its screen:\n${(await s.tmux.capture(name)).split("\n").slice(-30).join("\n")}`);
    });
  const worktree = (issue: string) => join(s.worktreeDir, `my-app-${issue}`);
  /** The text in the agent's input box as ao reads it (the preset's composer pattern on `capture-pane -J`); undefined: not found. */
  const box = async (name: string) => composerText((await s.tmux.tmux("capture-pane", "-p", "-J", "-t", `=${name}:`)).stdout, PRESETS[id].composer);

  /** Spawns session ma-<issue> with its folder trusted, and waits for its prompt. */
  async function spawn(issue: string, trust = true): Promise<string> {
    if (trust) agent.trust(worktree(issue));
    const r = await s.ao(["spawn", "my-app", issue]);
    expect(r.code, r.stderr).toBe(0);
    const name = `ma-${issue}`;
    live.push(name);
    if (trust) await reads(name, "idle");
    return name;
  }
  const send = async (name: string, text: string) => {
    const r = await s.ao(["send", name, text]);
    expect(r.code, r.stderr).toBe(0);
  };
  /** The agent's turn (a request offering tools) whose newest user text contains `marker`. */
  const turn = (marker: string, timeoutMs = 120_000) =>
    poll(() => model.turns().find((r) => !r.toolResult && r.userText.some((t) => t.includes(marker))), `a turn with "${marker}" at the model`, timeoutMs);

  it("spawn: the first-run screens read waiting and reply once gets past them", async () => {
    const name = await spawn("first", false);
    // Claude Code asks to trust the folder, then whether to use the API key; Codex asks to trust the folder; OpenCode asks nothing.
    const screens = { "claude-code": ["trust this folder", "custom API key"], codex: ["Trust this folder"], opencode: [] }[id];
    for (const question of screens) {
      await poll(async () => (await s.tmux.capture(name)).includes(question), `the "${question}" screen`);
      await reads(name, "waiting");
      const r = await s.ao(["session", "reply", name, "once"]);
      expect(r.code, r.stderr).toBe(0);
      await poll(async () => !(await s.tmux.capture(name)).includes(question), `past the "${question}" screen`);
    }
    await reads(name, "idle");
    // And the agent works: a message reaches the model.
    await send(name, "Hello after the first run");
    await turn("Hello after the first run");
  });

  it("ls reads working during a slow turn and idle after; send --wait prints the answer within 2 s of the turn's end", async () => {
    const name = await spawn("turns");
    model.on("slow-turn", { holdMs: 12_000, text: "The slow answer is 17." });
    await send(name, "Take your time: slow-turn");
    const slow = await turn("slow-turn");
    await reads(name, "working");
    expect(slow.ended, "the model still holds the turn").toBe(false);
    await reads(name, "idle");
    expect(slow.ended).toBe(true);

    model.on("quick-turn", { text: "The quick answer is 4242." });
    const r = await s.ao(["send", name, "--wait", "--timeout", "60", "What is the answer? quick-turn"]);
    const exitedAt = Date.now();
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain("The quick answer is 4242.");
    const answered = await turn("quick-turn");
    expect(answered.endedAt).not.toBeNull();
    expect(exitedAt - answered.endedAt!).toBeLessThan(2_000);
  });

  it("waiting on a permission: reply once runs the tool", async () => {
    const name = await spawn("once");
    model.on("perm-once", { shell: "touch once.txt" });
    await send(name, "Create the file: perm-once");
    await reads(name, "waiting");
    expect(existsSync(join(worktree("once"), "once.txt")), "the tool ran before the answer").toBe(false);
    const r = await s.ao(["session", "reply", name, "once"]);
    expect(r.code, r.stderr).toBe(0);
    await poll(() => existsSync(join(worktree("once"), "once.txt")), "once.txt in the worktree");
    await reads(name, "idle");
  });

  it("reply reject does not run the tool", async () => {
    const name = await spawn("reject");
    model.on("perm-reject", { shell: "touch rejected.txt" });
    await send(name, "Create the file: perm-reject");
    await reads(name, "waiting");
    const r = await s.ao(["session", "reply", name, "reject"]);
    expect(r.code, r.stderr).toBe(0);
    await reads(name, "idle");
    // The agent is back at its prompt: a command it ran would have run by now.
    expect(existsSync(join(worktree("reject"), "rejected.txt"))).toBe(false);
  });

  it("reply always lets the same tool run again without a question", async () => {
    const name = await spawn("always");
    const file = (f: string) => join(worktree("always"), f);
    model.on("perm-always-1", { shell: "touch always-1.txt" });
    await send(name, "Create the first file: perm-always-1");
    await reads(name, "waiting");
    const r = await s.ao(["session", "reply", name, "always"]);
    expect(r.code, r.stderr).toBe(0);
    await poll(() => existsSync(file("always-1.txt")), "always-1.txt");
    await reads(name, "idle");
    // The same command again (and one more file): nobody answers, so it runs only if the agent does not ask.
    model.on("perm-always-2", { shell: "touch always-1.txt always-2.txt" });
    await send(name, "Create the second file: perm-always-2");
    await poll(() => existsSync(file("always-2.txt")), "always-2.txt, without a question");
    await reads(name, "idle");
  });

  it("send while a permission prompt shows is refused, and the tool does not run", async () => {
    const name = await spawn("refuse");
    model.on("perm-refuse", { shell: "touch refused.txt" });
    await send(name, "Create the file: perm-refuse");
    await reads(name, "waiting");
    const turns = model.turns().length;
    const r = await s.ao(["send", name, "Never mind that"]);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(`ao session reply ${name}`);
    // The text did not answer the question: the prompt still shows, the command did not run, the model heard nothing.
    await reads(name, "waiting");
    expect(existsSync(join(worktree("refuse"), "refused.txt"))).toBe(false);
    expect(model.turns().length).toBe(turns);
    expect((await s.ao(["session", "reply", name, "reject"])).code).toBe(0);
    await reads(name, "idle");
    expect(existsSync(join(worktree("refuse"), "refused.txt"))).toBe(false);
  });

  it("abort during a slow turn closes the model request; the next send arrives alone", async () => {
    const name = await spawn("abort");
    model.on("abort-me", { holdMs: Infinity });
    await send(name, "This is a SLOW question abort-me");
    const slow = await turn("abort-me");
    await reads(name, "working");
    const r = await s.ao(["session", "abort", name]);
    expect(r.code, r.stderr).toBe(0);
    await poll(() => slow.closedEarly, "the agent to close the model request");
    await reads(name, "idle");
    expect(await box(name), "ao can read the input box").toBeDefined();
    await send(name, "Follow-up");
    const next = await turn("Follow-up");
    // Claude Code puts an aborted prompt back into its input box: ao must clear it, not send it along.
    expect(userMessage(next).map((t) => (id === "opencode" ? t.trimEnd() : t))).toEqual(["Follow-up"]);
  });

  it("a draft typed into the input box is cleared before send: the message arrives alone", async () => {
    const name = await spawn("draft");
    expect(await box(name), "an empty box").toBe("");
    await s.tmux.tmux("send-keys", "-t", `=${name}:`, "-l", "a draft the user typed");
    await poll(async () => (await box(name)) === "a draft the user typed", "the draft, read by the composer pattern");
    await send(name, "Only this message");
    const got = await turn("Only this message");
    expect(userMessage(got).map((t) => (id === "opencode" ? t.trimEnd() : t))).toEqual(["Only this message"]);
    await reads(name, "idle");
    expect(await box(name)).toBe("");
  });

  it("a 3-line message and a 5 KB message arrive byte-identical", async () => {
    const name = await spawn("text");
    const three = "First line of three\n  second: $(echo not run) `x` 'q' \"dq\" C-c ; #\nthird line, the end";
    const big = Array.from({ length: 80 }, (_, i) => `${String(i).padStart(2, "0")} big message line ${"abcdefghij".repeat(5)} ä €`).join("\n");
    expect(Buffer.byteLength(big)).toBeGreaterThan(5_000);
    for (const text of [three, big]) {
      await send(name, text);
      const got = await turn(text.slice(0, 19));
      // OpenCode may add its own trailing space to a pasted message; nothing else may differ.
      expect(userMessage(got).map((t) => (id === "opencode" ? t.trimEnd() : t))).toEqual([text]);
      await reads(name, "idle");
    }
  });

  it("tmux kill-server, then restore --all: the next request carries the earlier conversation", async () => {
    const name = await spawn("restore");
    model.on("remember-me", { text: "Noted: the word is pumpkin." });
    await send(name, "Remember the word pumpkin: remember-me");
    await turn("remember-me");
    await reads(name, "idle");
    await s.tmux.tmux("kill-server");
    await reads(name, "dead");
    const r = await s.ao(["session", "restore", "--all"]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain(name);
    await reads(name, "idle");
    await send(name, "Which word was it? after-restore");
    const next = await turn("after-restore");
    expect(next.allText).toContain("Remember the word pumpkin: remember-me");
    expect(next.allText).toContain("Noted: the word is pumpkin.");
  });
});
