import { describe, expect, it } from "vitest";
import { agentReady, baseConfig, useSandbox } from "../helpers/sandbox.js";
import { turnFinished } from "../../src/core/wait.js";

const s = useSandbox({ config: (p) => baseConfig(p).replace("    prompt: arg\n", '    prompt: arg\n    readyPattern: "^> ?$"\n') }, async (s) => {
  expect((await s.ao(["spawn", "my-app", "1"])).code).toBe(0);
  await agentReady(s, "ma-1");
});

describe("ao send --wait", () => {
  it("returns when the agent answers after a delay, printing only what it answered", async () => {
    const started = Date.now();
    const r = await s.ao(["send", "ma-1", "--wait", "/sleep 2"]);
    expect(r.code, r.stderr).toBe(0);
    expect(Date.now() - started).toBeGreaterThanOrEqual(2_000);
    expect(r.stdout).toMatch(/^You said \(1 line, 8 bytes\):\n\| \/sleep 2\nWorking \(esc to interrupt\) \.+\nDone\.\n$/);
    expect(r.stderr).toMatch(/^Completed in \d+\.\ds\n$/);
  });

  it("exits 124 on --timeout", async () => {
    const r = await s.ao(["send", "ma-1", "--wait", "--timeout", "1", "/sleep 5"]);
    expect(r.code).toBe(124);
    expect(r.stderr).toContain("Timed out after 1s waiting for ma-1 to finish its turn");
  });

  it("without a ready pattern, waits for the screen to be still", async () => {
    expect((await s.ao(["spawn", "my-app", "2", "--agent", "demo-paste"])).code).toBe(0);
    await agentReady(s, "ma-2");
    const r = await s.ao(["send", "ma-2", "--wait", "hello there"]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain("| hello there\nDone.");
  });

  it("refuses --timeout without --wait", async () => {
    expect((await s.ao(["send", "ma-1", "--timeout", "3", "x"])).code).toBe(2);
  });
});

describe("turnFinished", () => {
  it("needs a change, then the ready line and a short stillness, or a long stillness", () => {
    const ready = /^> ?$/;
    expect(turnFinished({ changed: false, stillForMs: 10_000, lastLine: "> ", ready })).toBe(false);
    expect(turnFinished({ changed: true, stillForMs: 600, lastLine: "> ", ready })).toBe(true);
    expect(turnFinished({ changed: true, stillForMs: 10_000, lastLine: "working...", ready })).toBe(false);
    expect(turnFinished({ changed: true, stillForMs: 1_000, lastLine: "anything" })).toBe(false);
    expect(turnFinished({ changed: true, stillForMs: 2_000, lastLine: "anything" })).toBe(true);
  });
});
