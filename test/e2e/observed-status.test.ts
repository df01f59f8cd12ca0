import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { waitFor } from "../helpers/proc.js";
import { countingTmux } from "../helpers/tmux.js";
import { agentReady, useSandbox } from "../helpers/sandbox.js";

// demo-status is the demo agent with status patterns (scripts/demo-config.mjs), as the presets have for real agents.
const s = useSandbox({}, async (s) => {
  expect((await s.ao(["spawn", "my-app", "1", "--agent", "demo-status"])).code).toBe(0);
  await agentReady(s, "ma-1");
});

const status = async (name = "ma-1", env?: NodeJS.ProcessEnv) => {
  const r = await s.ao(["session", "ls", "--json"], { env });
  expect(r.code, r.stderr).toBe(0);
  return (JSON.parse(r.stdout) as { name: string; status: string }[]).find((x) => x.name === name)?.status;
};
const eventually = (want: string, name = "ma-1") => waitFor(async () => (await status(name)) === want, `${name} ${want}`);
const observed = () => JSON.parse(readFileSync(join(s.dataDir, "projects", "my-app", "observed.json"), "utf8"));

describe("observed status from the agent's screen", () => {
  it("reads idle, waiting and working off the screen, and a reply takes it back to idle", async () => {
    await eventually("idle");
    expect((await s.ao(["send", "ma-1", "/ask deploy to staging"])).code).toBe(0);
    await eventually("waiting");
    const ls = await s.ao(["session", "ls"]);
    expect(ls.stdout).toMatch(/^  ma-1  \(\d+s\)  1  \[waiting\]$/m);
    expect((await s.ao(["session", "reply", "ma-1", "once"])).code).toBe(0);
    await eventually("idle");
    expect((await s.ao(["send", "ma-1", "/sleep 30"])).code).toBe(0);
    await eventually("working");
    expect((await s.ao(["session", "ls", "--status", "working"])).stdout).toContain("ma-1");
    expect((await s.ao(["session", "abort", "ma-1"])).code).toBe(0);
    await eventually("idle");
  });

  it("logs each observed change once as a status_changed event", async () => {
    await eventually("idle");
    expect((await s.ao(["send", "ma-1", "/ask deploy"])).code).toBe(0);
    await eventually("waiting");
    await status(); // a second look at the same screen logs nothing new
    expect((await s.ao(["session", "reply", "ma-1", "reject"])).code).toBe(0);
    await eventually("idle");
    const events = JSON.parse((await s.ao(["session", "events", "ma-1", "--json"])).stdout).events;
    const changes = events.filter((e: { type: string; observed?: boolean }) => e.type === "status_changed" && e.observed);
    expect(changes.map((e: { from: string; to: string }) => `${e.from}>${e.to}`)).toEqual(["idle>waiting", "waiting>idle"]);
  });

  it("refuses a reply when the screen shows no question, so the keys never land in the prompt", async () => {
    await eventually("idle");
    const r = await s.ao(["session", "reply", "ma-1", "once"]);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain("Error: ma-1 is not asking for an answer (its screen reads idle)");
    expect(s.received("ma-1").filter((e) => e.kind === "permission")).toEqual([]);
    // --force sends the keys regardless (for a question the patterns do not know): "y" reaches the prompt as text.
    expect((await s.ao(["session", "reply", "ma-1", "once", "--force"])).code).toBe(0);
    await waitFor(async () => (await s.tmux.capture("ma-1")).includes("> y"), "the key typed at the prompt");
  });

  it("send --wait returns at the prompt, or at a question and says so", async () => {
    const done = await s.ao(["send", "ma-1", "--wait", "/sleep 1"]);
    expect(done.code, done.stderr).toBe(0);
    expect(done.stdout).toMatch(/^You said \(1 line, 8 bytes\):\n\| \/sleep 1\nWorking \(esc to interrupt\) \.+\nDone\.\n$/); // without the next prompt
    expect(done.stderr).toMatch(/^Completed in \d+\.\ds\n$/);
    const asked = await s.ao(["send", "ma-1", "--wait", "/ask push the branch"]);
    expect(asked.code, asked.stderr).toBe(0);
    expect(asked.stdout).toContain("Permission needed: push the branch");
    expect(asked.stderr).toContain("ma-1 is waiting for an answer: ao session reply ma-1 once|always|reject");
  });

  it("reads a screen again only when tmux reports new activity, all of them in one tmux process", async () => {
    for (const n of ["2", "3"]) expect((await s.ao(["spawn", "my-app", n, "--agent", "demo-status"])).code).toBe(0);
    for (const n of ["ma-1", "ma-2", "ma-3"]) {
      await agentReady(s, n);
      expect((await s.ao(["send", n, "hello"])).code).toBe(0);
      await waitFor(async () => (await s.tmux.capture(n)).includes("Done."), `${n} answered`);
    }
    // A second later, every screen has changed since ao last read it (it never did).
    await new Promise((r) => setTimeout(r, 1_100));
    const tmux = countingTmux(s);
    expect(await status("ma-1", tmux.env)).toBe("idle");
    const first = tmux.calls();
    expect(first).toHaveLength(2); // list-panes, then one process for the three screens
    expect(first[0]).toContain("list-panes");
    expect(first[1]!.match(/capture-pane/g)).toHaveLength(3);
    const readAt = observed()["ma-1"].screen.readAt;

    expect(await status("ma-1", tmux.env)).toBe("idle"); // nothing changed: list-panes only
    expect(tmux.calls().slice(first.length)).toEqual([expect.stringContaining("list-panes")]);
    expect(observed()["ma-1"].screen.readAt).toBe(readAt);

    expect((await s.ao(["send", "ma-2", "/ask anything"])).code).toBe(0);
    await waitFor(async () => (await s.tmux.capture("ma-2")).includes("[n] reject"), "the question");
    await new Promise((r) => setTimeout(r, 1_100));
    const before = tmux.calls().length;
    expect(await status("ma-2", tmux.env)).toBe("waiting"); // only ma-2 changed: only its screen is read
    const calls = tmux.calls().slice(before);
    expect(calls).toHaveLength(2);
    expect(calls[1]!.match(/capture-pane/g)).toHaveLength(1);
    expect(calls[1]).toContain("=ma-2:");
  });
});
