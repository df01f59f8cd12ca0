/**
 * What `send` must never do to an agent (issue 9): answer a question the user
 * never saw, glue a message to text left in the input box, or interleave two
 * messages. The demo agent with status patterns stands in for a real TUI agent:
 * it asks with an option list, and after an interrupt it puts the message back
 * in its input line, as Claude Code does.
 */
import { describe, expect, it } from "vitest";
import { openOrchestrator } from "../../src/index.js";
import { DEMO_COMPOSER } from "../../scripts/demo-config.mjs";
import { waitFor } from "../helpers/proc.js";
import { baseConfig, DEMO_AGENT, useSandbox } from "../helpers/sandbox.js";

// demo-noclear: the same agent, whose input box ao can read but has no key to clear.
const s = useSandbox({
  config: (p) =>
    baseConfig(p).replace(
      "projects:\n",
      `  demo-noclear:\n    command: node ${JSON.stringify(DEMO_AGENT)}\n    composer: ${JSON.stringify(DEMO_COMPOSER)}\nprojects:\n`,
    ),
});

const messages = (session: string) => s.received(session).filter((e) => e.kind === "message").map((e) => e.text);
const screen = (session: string) => s.tmux.capture(session);

async function spawn(agent: string): Promise<string> {
  const r = await s.ao(["spawn", "my-app", "--agent", agent]);
  expect(r.code, r.stderr).toBe(0);
  const name = /Session (\S+) spawned/.exec(r.stdout)![1]!;
  await waitFor(async () => (await screen(name)).includes("> "), `the prompt of ${name}`);
  return name;
}

async function asking(name: string): Promise<void> {
  expect((await s.ao(["send", name, "/ask delete the build directory"])).code).toBe(0);
  await waitFor(async () => (await screen(name)).includes("[n] reject"), "the question");
}

describe("send never answers a question", () => {
  it("refuses while the screen reads waiting, naming the reply to use; nothing reaches the agent", async () => {
    const name = await spawn("demo-status");
    await asking(name);
    // "yes" would answer the agent's y/a/n menu if it were typed.
    const r = await s.ao(["send", name, "yes, and also add tests"]);
    expect(r.code).toBe(1);
    expect(r.stdout).toBe("");
    expect(r.stderr.trim().split("\n")).toEqual([`Error: ${name} is asking a question, so nothing was sent; answer it with: ao session reply ${name} once|always|reject (or send with --force)`]);
    await new Promise((res) => setTimeout(res, 500));
    expect(s.received(name).filter((e) => e.kind === "permission")).toEqual([]);
    expect(messages(name)).toEqual(["/ask delete the build directory"]);
    expect(await screen(name)).toContain("[n] reject");
    // The reply it named works, and then send goes through again.
    expect((await s.ao(["session", "reply", name, "reject"])).code).toBe(0);
    await waitFor(() => s.received(name).some((e) => e.kind === "permission"), "the answer");
    expect((await s.ao(["send", name, "next"])).code).toBe(0);
    await waitFor(() => messages(name).length === 2, "the next message");
    expect(messages(name)).toEqual(["/ask delete the build directory", "next"]);
  });

  it("--wait refuses the same way, and --force sends anyway (recorded as forced)", async () => {
    const name = await spawn("demo-status");
    await asking(name);
    const waiting = await s.ao(["send", name, "--wait", "--timeout", "5", "yes"]);
    expect(waiting.code).toBe(1);
    expect(waiting.stderr).toContain(`ao session reply ${name} once|always|reject`);
    expect(s.received(name).filter((e) => e.kind === "permission")).toEqual([]);
    const forced = await s.ao(["send", name, "--force", "yes"]);
    expect(forced.code, forced.stderr).toBe(0);
    // The menu dropped the text and its Enter took the first option: what --force risks, and what send refuses to do.
    await waitFor(() => s.received(name).some((e) => e.kind === "permission"), "the forced Enter");
    expect(s.received(name).filter((e) => e.kind === "permission")).toEqual([expect.objectContaining({ answer: "once" })]);
    const events = JSON.parse((await s.ao(["session", "events", name, "--json"])).stdout).events;
    expect(events.filter((e: { type: string }) => e.type === "message_sent").at(-1)).toMatchObject({ forced: true });
  });

  it("the library refuses too", async () => {
    const name = await spawn("demo-status");
    await asking(name);
    const ao = await openOrchestrator({ env: s.env, cwd: s.root });
    await expect(ao.session(name).send("yes")).rejects.toThrow(`${name} is asking a question, so nothing was sent`);
    await expect(ao.send(name, "yes")).rejects.toThrow(/ao session reply/);
    expect(s.received(name).filter((e) => e.kind === "permission")).toEqual([]);
  });
});

describe("send never glues a message to leftover text", () => {
  it("after an abort puts the interrupted message back in the box, the next message arrives alone", async () => {
    const name = await spawn("demo-status");
    expect((await s.ao(["send", name, "/sleep 30"])).code).toBe(0);
    await waitFor(async () => (await screen(name)).includes("Working (esc to interrupt) ."), "the turn");
    expect((await s.ao(["session", "abort", name])).code).toBe(0);
    await waitFor(async () => (await screen(name)).trimEnd().endsWith("> /sleep 30"), "the message put back");
    const r = await s.ao(["send", name, "Follow-up"]);
    expect(r.code, r.stderr).toBe(0);
    await waitFor(() => messages(name).length === 2, "the follow-up");
    expect(messages(name)).toEqual(["/sleep 30", "Follow-up"]);
  });

  it("clears a typed draft first; refuses when the agent has no key to clear it", async () => {
    const name = await spawn("demo-status");
    await s.tmux.tmux("send-keys", "-t", `=${name}:`, "-l", "half a thought");
    await waitFor(async () => (await screen(name)).includes("> half a thought"), "the draft");
    expect((await s.ao(["send", name, "Whole message"])).code).toBe(0);
    await waitFor(() => messages(name).length === 1, "the message");
    expect(messages(name)).toEqual(["Whole message"]);

    const other = await spawn("demo-noclear");
    await s.tmux.tmux("send-keys", "-t", `=${other}:`, "-l", "draft");
    await waitFor(async () => (await screen(other)).includes("> draft"), "the draft");
    const r = await s.ao(["send", other, "Whole message"]);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(`Error: ${other}'s input box holds text ("draft") and ao cannot clear it for the demo-noclear agent (no agents.demo-noclear.keys.clear), so nothing was sent`);
    expect(r.stderr).toContain(`ao session attach ${other}`);
    await new Promise((res) => setTimeout(res, 300));
    expect(messages(other)).toEqual([]);
    expect(await screen(other)).toContain("> draft");
  });
});

describe("concurrent sends", () => {
  it("six at once each arrive whole and separate", async () => {
    const name = await spawn("demo");
    const texts = Array.from({ length: 6 }, (_, i) => `message ${i + 1}`);
    const results = await Promise.all(texts.map((t) => s.ao(["send", name, t])));
    for (const r of results) expect(r.code, r.stderr).toBe(0);
    await waitFor(() => messages(name).length >= 6, "six messages", 20_000);
    await new Promise((res) => setTimeout(res, 300));
    expect(messages(name).sort()).toEqual(texts);
  });
});
