import { describe, expect, it } from "vitest";
import { waitFor } from "../helpers/proc.js";
import { agentReady, baseConfig, useSandbox } from "../helpers/sandbox.js";

// The demo agent asks permission with single keys and stops a turn on Esc, like the real agents.
const s = useSandbox({ config: (p) => baseConfig(p).replace("    prompt: arg\n", "    prompt: arg\n    keys:\n      once: [y]\n      always: [a]\n      reject: [n]\n      abort: [Escape]\n") }, async (s) => {
  expect((await s.ao(["spawn", "my-app", "1"])).code).toBe(0);
  await agentReady(s, "ma-1");
});

const logged = (kind: string) => s.received("ma-1").filter((e) => e.kind === kind);

describe("reply and abort", () => {
  it.each([
    ["once", "once"],
    ["always", "always"],
    ["reject", "rejected"],
  ])("reply %s reaches the agent's permission prompt", async (answer, seen) => {
    const sent = await s.ao(["send", "ma-1", "/ask run the tests"]);
    expect(sent.code, sent.stderr).toBe(0);
    await waitFor(async () => (await s.tmux.capture("ma-1")).includes("Permission needed: run the tests"), "the prompt");
    const r = await s.ao(["session", "reply", "ma-1", answer]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toBe(`Replied ${answer} to ma-1.\n`);
    await waitFor(() => logged("permission").length === 1, "the answer");
    expect(logged("permission")[0]).toMatchObject({ answer: seen });
  });

  it("abort interrupts the current turn", async () => {
    expect((await s.ao(["send", "ma-1", "/sleep 30"])).code).toBe(0);
    await waitFor(async () => (await s.tmux.capture("ma-1")).includes("."), "the agent working");
    const r = await s.ao(["session", "abort", "ma-1"]);
    expect(r.code, r.stderr).toBe(0);
    await waitFor(() => logged("interrupted").length === 1, "the interrupt");
    const events = JSON.parse((await s.ao(["session", "events", "ma-1", "--json"])).stdout).events.map((e: { type: string }) => e.type);
    expect(events).toContain("aborted");
  });

  it("an agent without keys gives a clear error; a bad answer is a usage error", async () => {
    expect((await s.ao(["spawn", "my-app", "2", "--agent", "demo-paste"])).code).toBe(0);
    const r = await s.ao(["session", "reply", "ma-2", "once"]);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain("Error: The demo-paste agent does not define how to answer a permission prompt (once)");
    expect(r.stderr).toContain("agents.demo-paste.keys.once");
    expect((await s.ao(["session", "reply", "ma-1", "maybe"])).code).toBe(2);
  });
});
