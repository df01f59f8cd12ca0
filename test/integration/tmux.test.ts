/** The tmux adapter's batched screen read, against a real tmux on a private socket. */
import { mkdtempSync, readdirSync, rmSync, utimesSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it, onTestFinished } from "vitest";
import { PaneDeadError, Tmux } from "../../src/adapters/tmux.js";
import { collect } from "../../src/adapters/collect.js";
import { dropEarly, LIST_PANES_ARGS, startEarly, takeEarly } from "../../src/adapters/tmux-listing.js";
import { runtimeStates } from "../../src/core/runtime.js";
import { Store } from "../../src/adapters/store.js";
import { waitFor } from "../helpers/proc.js";
import { tmuxServer } from "../helpers/tmux.js";

let server: ReturnType<typeof tmuxServer>;
let tmux: Tmux;
beforeEach(async () => {
  server = tmuxServer();
  tmux = new Tmux(server.socket);
  for (const name of ["s-1", "s-10", "s-2"]) {
    await server.tmux("new-session", "-d", "-s", name, "-x", "80", "-y", "5", `printf 'screen of ${name}\\n'; exec sleep 60`);
  }
  await waitFor(async () => (await server.capture("s-2")).includes("screen of s-2"), "the screens");
});
afterEach(() => server.kill());

describe("Tmux.captureScreens", () => {
  it("reads every screen from one tmux process, each under its exact session", async () => {
    const screens = await tmux.captureScreens(["s-1", "s-10", "s-2"]);
    expect([...screens.keys()]).toEqual(["s-1", "s-10", "s-2"]);
    for (const [name, text] of screens) expect(text.split("\n")[0]).toBe(`screen of ${name}`);
  });

  it("skips sessions that are gone and still reads the others", async () => {
    const screens = await tmux.captureScreens(["gone-1", "s-1", "gone-2", "gone-3", "s-2"], 5);
    expect([...screens.keys()]).toEqual(["s-1", "s-2"]);
    expect(screens.get("s-2")).toMatch(/^screen of s-2\n/);
  });

  it("gives up after a bounded number of tries (no server: nothing read, no error)", async () => {
    await server.kill();
    expect((await tmux.captureScreens(["s-1", "s-2", "s-10"])).size).toBe(0);
  });
});

describe("typing into a pane whose program has exited", () => {
  // tmux 3.3a's server crashes on paste-buffer into a dead remain-on-exit pane (fixed in 3.4).
  it("paste and keys are refused by tmux itself in the same command, and the server lives on", async () => {
    await server.tmux("new-session", "-d", "-s", "gone", "true", ";", "set-option", "-w", "-t", "=gone:", "remain-on-exit", "on");
    await waitFor(async () => (await tmux.snapshot("gone")).dead, "the pane to die");
    await expect(tmux.paste("gone", "hello\nworld")).rejects.toThrow(PaneDeadError);
    await expect(tmux.sendKeys("gone", ["Enter"])).rejects.toThrow("The agent in gone has exited");
    expect(await server.sessions()).toEqual(expect.arrayContaining(["gone", "s-1", "s-10", "s-2"]));
    // No buffer is left behind by the refused paste.
    expect((await server.tmux("list-buffers", "-F", "#{buffer_name}")).stdout).not.toMatch(/ao-gone/);
    expect((await tmux.snapshot("s-1")).dead).toBe(false);
  });

  it("a live pane gets the paste", async () => {
    await server.tmux("new-session", "-d", "-s", "cat", "cat");
    await tmux.paste("cat", "pasted text");
    await waitFor(async () => (await server.capture("cat")).includes("pasted text"), "the echo");
  });

  it("names the server's socket when it starts a session", async () => {
    const socket = await tmux.newSession({ name: "n-1", cwd: "/", env: {}, script: "sleep 30" });
    expect(socket).toBe(tmux.socketPath);
    expect(socket).toMatch(new RegExp(`/tmux-\\d+/${server.socket}$`));
  });
});

describe("Tmux.sessionState", () => {
  it("is one session's state, exactly that session (not a prefix), and undefined once it or the server is gone", async () => {
    expect(await tmux.sessionState("s-1")).toMatchObject({ alive: true });
    expect(await tmux.sessionState("s")).toBeUndefined();
    expect(await tmux.sessionState("gone")).toBeUndefined();
    await server.kill();
    expect(await tmux.sessionState("s-1")).toBeUndefined();
  });
});

describe("a listing started before the records were read (ls, status)", () => {
  /** A record file for s-1 in a throw-away dataDir, last written at `writtenAt` (Unix ms). */
  function recordWritten(writtenAt: number) {
    const dataDir = mkdtempSync(join(tmpdir(), "ao-test-store-"));
    const store = new Store(dataDir);
    store.ensureDir("p");
    const file = join(store.sessionsDir("p"), "s-1.json");
    writeFileSync(file, "{}");
    utimesSync(file, writtenAt / 1000, writtenAt / 1000);
    onTestFinished(() => rmSync(dataDir, { recursive: true, force: true }));
    return { ctx: { tmux, tmuxFor: () => tmux, store }, record: { project: "p", name: "s-1", tmuxSession: "s-1" } };
  }

  it("bin/ao.js's early listing is taken once, only for the same server and the same environment object", async () => {
    const env = { ...process.env };
    startEarly(server.socket, env);
    expect(new Tmux("another-server", env).startListing().since).toBeGreaterThan(0); // another server: not this one
    expect(takeEarly([...new Tmux(server.socket, { ...env }).baseArgs, ...LIST_PANES_ARGS], { ...env })).toBeUndefined(); // an equal copy is not the CLI's env
    const early = new Tmux(server.socket, env).startListing();
    expect([...(await early.states).keys()].sort()).toEqual(["s-1", "s-10", "s-2"]);
    expect(takeEarly([...new Tmux(server.socket, env).baseArgs, ...LIST_PANES_ARGS], env)).toBeUndefined(); // taken
  });

  it("an unused early listing is stopped when the command ends", async () => {
    startEarly("ao-no-such-server-here", process.env);
    dropEarly();
    expect(takeEarly([...new Tmux("ao-no-such-server-here").baseArgs, ...LIST_PANES_ARGS], process.env)).toBeUndefined();
  });

  it("asks the server again when it misses a session whose record file was written after it began", async () => {
    const before = { since: Date.now(), states: Promise.resolve(new Map()) }; // began before s-1 existed, as far as it knows
    const { ctx, record } = recordWritten(before.since + 5);
    const state = await runtimeStates(ctx, [record], new Map([[tmux, before]]));
    expect(state(record)?.alive).toBe(true);
  });

  it("trusts it for a session whose record file is older: that session is gone", async () => {
    const after = { since: Date.now(), states: Promise.resolve(new Map()) };
    const { ctx, record } = recordWritten(after.since - 60_000);
    const state = await runtimeStates(ctx, [record], new Map([[tmux, after]]));
    expect(state(record)).toBeUndefined();
  });
});

describe("a tmux server that has stopped answering", () => {
  it("a call to it ends at its timeout, though the stopped server keeps the client's output open", async () => {
    const pid = Number((await server.tmux("display-message", "-p", "#{pid}")).stdout.trim());
    process.kill(pid, "SIGSTOP");
    try {
      const listing = collect("tmux", ["-L", server.socket, ...LIST_PANES_ARGS], { timeoutMs: 300 });
      // The timeout, and at most the 2 s before SIGKILL.
      const ended = await Promise.race([listing, new Promise<"still waiting">((r) => setTimeout(() => r("still waiting"), 5_000))]);
      expect(ended).toMatchObject({ timedOut: true });
    } finally {
      process.kill(pid, "SIGCONT");
    }
  });
});

describe("Tmux.keepListing (a resident shell starts each listing)", () => {
  it("lists what a listing of its own lists, as session after session comes and goes, and ends its shell when turned off", async () => {
    tmux.keepListing(true);
    onTestFinished(() => tmux.keepListing(false));
    const direct = new Tmux(server.socket);
    expect([...(await tmux.listSessions()).keys()].sort()).toEqual([...(await direct.listSessions()).keys()].sort());
    await server.tmux("new-session", "-d", "-s", "s-3", "sleep 60");
    expect((await tmux.startListing().states).has("s-3")).toBe(true);
    await server.tmux("kill-session", "-t", "=s-1");
    const states = await tmux.listSessions();
    expect([...states.keys()].sort()).toEqual(["s-10", "s-2", "s-3"]);
    expect(states.get("s-2")?.alive).toBe(true);
    const shells = () => collect("pgrep", ["-f", `^/bin/sh -c while read -r _; do .* tmux -L ${server.socket} `]).then((c) => c.stdout.split("\n").filter(Boolean));
    expect(await shells()).toHaveLength(1);
    tmux.keepListing(false);
    await waitFor(async () => (await shells()).length === 0, "the resident shell ended");
  });

  it("reads a server that is gone as no sessions, and comes back to one started again", async () => {
    tmux.keepListing(true);
    onTestFinished(() => tmux.keepListing(false));
    await server.kill();
    expect((await tmux.listSessions()).size).toBe(0);
    await server.tmux("new-session", "-d", "-s", "again", "sleep 60");
    expect([...(await tmux.listSessions()).keys()]).toEqual(["again"]);
  });

  it("answers with a listing of its own when its shell was killed, and passes a hostile socket name to tmux as a word", async () => {
    tmux.keepListing(true);
    onTestFinished(() => tmux.keepListing(false));
    await tmux.listSessions();
    const killed = await collect("pkill", ["-KILL", "-f", `^/bin/sh -c while read -r _; do .* tmux -L ${server.socket} `]);
    expect(killed.code).toBe(0);
    expect((await tmux.listSessions()).has("s-2")).toBe(true);
    expect((await tmux.listSessions()).has("s-10")).toBe(true);
    const dir = mkdtempSync(join(tmpdir(), "ao-resident-"));
    onTestFinished(() => rmSync(dir, { recursive: true, force: true }));
    const hostile = new Tmux(`ao-test-x$(touch ${dir}/pwned)\`touch ${dir}/pwned2\`;touch ${dir}/pwned3`);
    hostile.keepListing(true);
    onTestFinished(() => hostile.keepListing(false));
    expect((await hostile.listSessions()).size).toBe(0);
    expect(readdirSync(dir)).toEqual([]);
  });
});
