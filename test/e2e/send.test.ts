import { existsSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { waitFor } from "../helpers/proc.js";
import { agentReady, useSandbox } from "../helpers/sandbox.js";
import { countingTmux } from "../helpers/tmux.js";

const s = useSandbox();

async function spawnReady(...args: string[]): Promise<string> {
  const r = await s.ao(["spawn", "my-app", ...args]);
  expect(r.code, r.stderr).toBe(0);
  const name = /Session (\S+) spawned/.exec(r.stdout)![1]!;
  await agentReady(s, name);
  return name;
}

const messages = (session: string) => s.received(session).filter((e) => e.kind === "message").map((e) => e.text);

describe("ao send", () => {
  it("delivers a multi-line message as one input, visible in the agent's pane", async () => {
    const name = await spawnReady();
    const text = "first line\nsecond line\nthird line";
    const r = await s.ao(["send", name, text]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toBe(`Message sent to ${name}.\n`);
    await waitFor(() => messages(name).length === 1, "the message");
    expect(messages(name)).toEqual([text]);
    const pane = await waitFor(async () => {
      const p = await s.tmux.capture(name);
      return p.includes("| third line") ? p : undefined;
    }, "echo in pane");
    expect(pane).toContain("You said (3 lines");
    expect(pane).toContain("| first line");
  });

  it("carries quotes, $(…), ; and tmux key names as literal text", async () => {
    const name = await spawnReady();
    const marker = join(s.root, "pwned");
    const text = `it's "quoted" $(touch ${marker}) \`touch ${marker}\`; touch ${marker}; C-c Enter Escape \\ %s {} ~`;
    expect((await s.ao(["send", name, text])).code).toBe(0);
    await waitFor(() => messages(name).length === 1, "the message");
    expect(messages(name)).toEqual([text]);
    expect(existsSync(marker)).toBe(false);
  });

  it("delivers a 10 KB message whole, from a file and from stdin", async () => {
    const name = await spawnReady();
    const big = Array.from({ length: 200 }, (_, i) => `line ${String(i).padStart(3, "0")} ${"x".repeat(44)}`).join("\n");
    expect(Buffer.byteLength(big)).toBeGreaterThan(10_000);
    const file = join(s.root, "msg.txt");
    writeFileSync(file, `${big}\n`);
    expect((await s.ao(["send", name, "-f", file])).code).toBe(0);
    await waitFor(() => messages(name).length === 1, "the file message", 20_000);
    expect((await s.ao(["send", name, "-"], { input: "from stdin\nsecond\n" })).code).toBe(0);
    await waitFor(() => messages(name).length === 2, "the stdin message", 20_000);
    expect(messages(name)).toEqual([big, "from stdin\nsecond"]);
  });

  it("targets exactly: a message to ma-1 never reaches ma-10", async () => {
    const one = await spawnReady("1");
    const ten = await spawnReady("10");
    expect([one, ten]).toEqual(["ma-1", "ma-10"]);
    expect((await s.ao(["send", "ma-1", "for one"])).code).toBe(0);
    expect((await s.ao(["send", "ma-10", "for ten"])).code).toBe(0);
    await waitFor(() => messages("ma-1").length === 1 && messages("ma-10").length === 1, "both messages");
    expect(messages("ma-1")).toEqual(["for one"]);
    expect(messages("ma-10")).toEqual(["for ten"]);
    expect((await s.ao(["session", "kill", "ma-1"])).code).toBe(0);
    expect(await s.tmux.sessions()).toEqual(["ma-10"]);
  });

  it("passes a hostile first prompt to 'arg' agents as one literal argument", async () => {
    const marker = join(s.root, "pwned-prompt");
    const prompt = `"; touch ${marker}; echo " $(touch ${marker}) \n end`;
    const name = await spawnReady("--prompt", prompt);
    expect(s.received(name)).toEqual([{ session: name, kind: "prompt", text: prompt }]);
    expect(existsSync(marker)).toBe(false);
  });

  it("pastes the first prompt into 'paste' agents once they are up", async () => {
    const name = await spawnReady("--agent", "demo-paste", "--prompt", "Line A\nLine B");
    await waitFor(() => messages(name).length === 1, "the pasted prompt");
    expect(messages(name)).toEqual(["Line A\nLine B"]);
  });

  it("records the send as an event with its size, not its content", async () => {
    const name = await spawnReady();
    expect((await s.ao(["send", name, "secret plan"])).code).toBe(0);
    const get = JSON.parse((await s.ao(["session", "get", name, "--json"])).stdout);
    expect(get.name).toBe(name);
    const { readFileSync } = await import("node:fs");
    const log = readFileSync(join(s.dataDir, "projects", "my-app", "sessions", `${name}.events.jsonl`), "utf8");
    expect(log).toContain('"type":"message_sent"');
    expect(log).toContain('"bytes":11');
    expect(log).not.toContain("secret plan");
  });

  it("asks tmux three times: the screen (which also says it runs), the paste, the Enter; a session gone is 'not running'", async () => {
    const name = await spawnReady();
    const tmux = countingTmux(s);
    const sent = await s.ao(["send", name, "hello"], { env: tmux.env });
    expect(sent.code, sent.stderr).toBe(0);
    expect(tmux.calls()).toEqual([expect.stringContaining("capture-pane"), expect.stringContaining("paste-buffer"), expect.stringContaining("send-keys")]);
    await waitFor(async () => (await s.tmux.capture(name)).includes("hello"), "the message");
    await s.tmux.tmux("kill-session", "-t", `=${name}`);
    const gone = await s.ao(["send", name, "anyone?"]);
    expect(gone.code).toBe(1);
    expect(gone.stderr).toBe(`Error: Session ${name} is not running\nRestore it: ao session restore ${name}\n`);
  });

  it("refuses empty, NUL-containing and misdirected messages with a clear error", async () => {
    const name = await spawnReady();
    const empty = await s.ao(["send", name, ""]);
    expect(empty.code).toBe(2);
    const nul = await s.ao(["send", name, "-"], { input: "a\0b" });
    expect(nul.code).toBe(2);
    expect(nul.stderr).toContain("NUL");
    const missing = await s.ao(["send", "zz-9", "hello"]);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toContain("Session not found");
    await s.tmux.tmux("kill-session", "-t", `=${name}`);
    const dead = await s.ao(["send", name, "hello"]);
    expect(dead.code).toBe(1);
    expect(dead.stderr).toContain(`Session ${name} is not running`);
    expect(dead.stderr).toContain(`ao session restore ${name}`);
    expect(messages(name)).toEqual([]);
  });
});
