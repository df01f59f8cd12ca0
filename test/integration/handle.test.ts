/** The session handle, through the public export, against real git and tmux. */
import { symlinkSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { classifyScreen, openOrchestrator, PRESETS, type Orchestrator, type SessionEvent } from "../../src/index.js";
import { waitFor } from "../helpers/proc.js";
import { agentReady, baseConfig, sandbox, type Sandbox } from "../helpers/sandbox.js";

let s: Sandbox;
let ao: Orchestrator;
beforeEach(async () => {
  s = await sandbox({ config: (p) => baseConfig(p).replace("    prompt: arg\n", '    prompt: arg\n    readyPattern: "^> ?$"\n    keys:\n      once: [y]\n      always: [a]\n      reject: [n]\n      abort: [Escape]\n') });
  ao = await openOrchestrator({ env: s.env, cwd: s.root });
  await ao.spawn({ project: "my-app", issue: "7", prompt: "Start here" });
  await agentReady(s, "ma-7");
});
afterEach(async () => {
  await s.cleanup();
});

describe("SessionHandle", () => {
  it("sends and waits, streams events, answers, interrupts, runs commands, reads files", async () => {
    const session = ao.session("ma-7");
    expect(session.name).toBe("ma-7");
    expect((await session.info()).title).toBe("Start here");

    const seen: SessionEvent[] = [];
    const unsubscribe = session.onEvent((e) => seen.push(e), { pollMs: 50 });
    const turn = await session.send("/sleep 1", { wait: { timeoutMs: 10_000 } });
    expect(turn?.output).toContain("Done.");
    await waitFor(() => seen.some((e) => e.type === "message_sent"), "the event");
    unsubscribe();

    expect(session.events({ limit: 1 }).events.map((e) => e.type)).toEqual(["spawned"]);

    await session.send("/ask deploy");
    await waitFor(async () => (await session.transcript()).includes("Permission needed: deploy"), "the prompt");
    await session.reply("always");
    await waitFor(() => s.received("ma-7").some((e) => e.kind === "permission"), "the answer");

    await session.send("/sleep 20");
    await waitFor(async () => (await session.transcript()).includes("."), "work");
    await session.abort();
    await waitFor(() => s.received("ma-7").some((e) => e.kind === "interrupted"), "the interrupt");

    const out = await session.exec(["sh", "-c", "echo hi; echo err >&2; exit 3"]);
    expect(out).toEqual({ exitCode: 3, stdout: "hi\n", stderr: "err\n" });

    writeFileSync(join(s.worktreeDir, "my-app-7", "notes.md"), "# notes\n");
    expect(session.readFile("notes.md")).toBe("# notes\n");
    expect(session.readFile("./README.md")).toBe("# demo\n");
    expect(() => session.readFile("../../agent-orchestrator.yaml")).toThrow(/outside ma-7's worktree/);
    expect(() => session.readFile("/etc/passwd")).toThrow(/not an absolute one/);
    symlinkSync("/etc/passwd", join(s.worktreeDir, "my-app-7", "sneaky"));
    expect(() => session.readFile("sneaky")).toThrow(/outside ma-7's worktree/);
    expect(() => session.readFile("missing.txt")).toThrow(/No such file/);

    expect((await session.update({ title: "Renamed" })).title).toBe("Renamed");
    expect((await session.pause()).status).toBe("paused");
    expect((await session.resume()).mode).toBe("cold");
    const ended = await session.end({ force: true });
    expect(ended.savedRef).toBe("refs/ao/saved/my-app/ma-7/1");
    expect((await session.info()).status).toBe("killed");
  });

  it("a follower ending with the session still gets the events written after the terminal record", async () => {
    // An ending writes the record first and its events after: a follower that stopped at the record would miss them.
    const seen: string[] = [];
    const done = (async () => {
      for await (const e of ao.followEvents("ma-7", { pollMs: 20 })) seen.push(e.type);
    })();
    const record = ao.ctx.store.read("my-app", "ma-7")!;
    ao.ctx.store.write({ ...record, status: "killed" });
    await new Promise((r) => setTimeout(r, 200)); // many polls see the ended record without its events
    ao.ctx.store.appendEvent("my-app", "ma-7", "status_changed", { from: "working", to: "killed" });
    ao.ctx.store.appendEvent("my-app", "ma-7", "killed", { from: "working" });
    await done;
    expect(seen).toEqual(["spawned", "status_changed", "killed"]);
  });

  it("tells when the agent stops at a question, and reads screens like ls (status patterns)", async () => {
    await ao.spawn({ project: "my-app", issue: "8", agent: "demo-status" });
    await agentReady(s, "ma-8");
    const session = ao.session("ma-8");
    const turn = await session.send("/ask deploy", { wait: { timeoutMs: 10_000 } });
    expect(turn?.status).toBe("waiting");
    expect((await session.info()).status).toBe("waiting");
    expect(classifyScreen(await session.transcript(), ao.config.agents["demo-status"]!.status!)).toBe("waiting");
    await session.reply("once");
    await waitFor(async () => (await session.info()).status === "idle", "back at the prompt");
    expect(classifyScreen("anything else", PRESETS["claude-code"].status)).toBe("unknown");
  });
});
