import { spawn as spawnChild } from "node:child_process";
import { appendFileSync, existsSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { git } from "../helpers/git.js";
import { DASH, keys, order, press, rowOf, screen, shows, startDash, type } from "../helpers/dash.js";
import { runProc, waitFor } from "../helpers/proc.js";
import { countingTmux, tmuxServer } from "../helpers/tmux.js";
import { AO_BIN, agentReady, baseConfig, DEMO_AGENT, ROOT, useSandbox, type Sandbox } from "../helpers/sandbox.js";
import { demoAgentYaml } from "../../scripts/demo-config.mjs";

// demo-ask opens with a permission question (as Claude Code and Codex do with folder trust).
const askAgent = demoAgentYaml("demo-ask", DEMO_AGENT).replace('demo-agent.mjs"', 'demo-agent.mjs" --ask-first');
const s = useSandbox({ config: (p) => baseConfig(p).replace("projects:", `${askAgent}projects:`) });

async function spawn(sb: Sandbox, issue: string, agent = "demo-status", extra: string[] = []): Promise<void> {
  const r = await sb.ao(["spawn", "my-app", issue, "--agent", agent, ...extra]);
  expect(r.code, r.stderr).toBe(0);
}

/** One idle demo agent, ma-1, and the dash showing it. */
async function dashOnOneSession(opts: Parameters<typeof startDash>[1] = {}): Promise<void> {
  await spawn(s, "1");
  await agentReady(s, "ma-1");
  await startDash(s, opts);
  await shows(s, "Demo agent (ma-1)");
}

/** Detaches from ma-1 with the prefix + d, as a user does (again if the client was still starting up). */
async function detachFromMa1(): Promise<void> {
  let last = "";
  await waitFor(async () => {
    if (!(await screen(s)).includes("Back from ma-1.")) await keys(s, "C-b", "d");
    await new Promise((r) => setTimeout(r, 500));
    last = await screen(s);
    return last.includes("Back from ma-1.");
  }, "the dash back after detaching").catch((err: Error) => {
    throw new Error(`${err.message}; the screen was:\n${last}`);
  });
}

const quit = async () => {
  await keys(s, "q");
  return shows(s, "dash exited");
};

describe("ao dash without a terminal, and what other commands load", () => {
  it("refuses without a terminal, in one line naming what scripts use", async () => {
    const r = await s.ao(["dash"]);
    expect(r.code).toBe(1);
    expect(r.stderr).toBe("Error: ao dash needs a terminal\nIn scripts use 'ao session ls' or 'ao status --json'.\n");
  });

  it("React and Ink load only for ao dash: never for ls or --version", async () => {
    const trace = join(s.root, "imports.log");
    const loaded = async (args: string[]) => {
      writeFileSync(trace, "");
      const r = await runProc(process.execPath, ["--import", join(ROOT, "test", "helpers", "record-loads.mjs"), AO_BIN, ...args], { env: { ...s.env, AO_LOADED_FILE: trace } });
      expect(r.code, r.stderr).toBe(0);
      return readFileSync(trace, "utf8");
    };
    // Ink, React and yoga are bundled into the dash's chunk(s): the files that hold them, by the bundle's metafile.
    const meta = JSON.parse(readFileSync(join(ROOT, ".build", "cli-meta.json"), "utf8")) as { outputs: Record<string, { inputs: Record<string, unknown> }> };
    const inkFiles = Object.entries(meta.outputs).filter(([, o]) => Object.keys(o.inputs).some((i) => /node_modules\/(ink|react|react-reconciler|yoga-layout)\//.test(i))).map(([file]) => file);
    expect(inkFiles.length).toBeGreaterThan(0);
    for (const args of [["session", "ls"], ["--version"], ["status"]]) {
      const urls = await loaded(args);
      if (args[0] !== "--version") expect(urls, args.join(" ")).toContain("/dist/bin/ao.cjs");
      for (const file of inkFiles) expect(urls, args.join(" ")).not.toContain(file);
      expect(urls, args.join(" ")).not.toMatch(/node_modules\//);
    }
  });
});

describe("ao dash", () => {
  it("lists every session with its status, the ones that need the user first, previews the selected one, and shows a new one", async () => {
    for (const n of ["1", "2", "3"]) await spawn(s, n);
    await Promise.all(["ma-1", "ma-2", "ma-3"].map((n) => agentReady(s, n)));
    expect((await s.ao(["send", "ma-3", "/ask deploy to staging"])).code).toBe(0);
    await s.tmux.tmux("kill-session", "-t", "=ma-2"); // its runtime is gone: dead
    await startDash(s);
    let text = await shows(s, (t) => t.includes("Permission needed: deploy to staging") && /ma-1\s+idle/.test(t));
    expect(order(text)).toEqual(["ma-3", "ma-2", "ma-1"]); // waiting, dead, then the rest
    expect(rowOf(text, "ma-3")).toMatch(/^> ma-3\s+waiting\s+\d+s\s+3\s/);
    expect(rowOf(text, "ma-2")).toMatch(/^  ma-2\s+dead\s/);
    expect(text).toContain("my-app (3, 2 need you)");
    expect(text).toContain("── ma-3 (waiting)");
    // j moves the selection and the preview follows it: only the selected screen is shown.
    await keys(s, "j", "j");
    text = await shows(s, "Demo agent (ma-1)");
    expect(rowOf(text, "ma-1")).toMatch(/^> ma-1/);
    expect(text).not.toContain("Permission needed");
    // A session spawned meanwhile appears without a key.
    await spawn(s, "4");
    text = await shows(s, /ma-4\s+(idle|working|spawning)/);
    expect(order(text)).toEqual(["ma-3", "ma-2", "ma-1", "ma-4"]);
    // q: exit 0, and the terminal as it was (the dash drew on the alternate screen).
    text = await quit();
    expect(text).toContain("before the dash\ndash exited 0");
    expect(text).not.toContain("ao dash");
  });

  it("sends with s (refused while the agent asks), answers with o, and a filter narrows the list", async () => {
    await spawn(s, "1", "demo-ask");
    await spawn(s, "2");
    await agentReady(s, "ma-2");
    await startDash(s);
    await shows(s, /> ma-1\s+waiting/);
    await keys(s, "s");
    await shows(s, "Send to ma-1:");
    await type(s, "hello while asked");
    await press(s, "Enter");
    await shows(s, "ma-1 is asking a question, so nothing was sent");
    expect(s.received("ma-1").filter((e) => e.kind === "message")).toEqual([]);
    await keys(s, "o");
    await shows(s, "Replied once to ma-1.");
    expect(s.received("ma-1")).toContainEqual({ session: "ma-1", kind: "permission", answer: "once" });
    await shows(s, /> ma-1\s+idle/);
    await keys(s, "s");
    await shows(s, "Send to ma-1:");
    await type(s, "hello from the dash");
    await press(s, "Enter");
    await shows(s, "Sent to ma-1.");
    await waitFor(() => s.received("ma-1").some((e) => e.kind === "message" && e.text === "hello from the dash"), "the message in the agent");
    // / filters by text; Esc clears it.
    await keys(s, "/");
    await shows(s, "Filter:");
    await type(s, "ma-2");
    await press(s, "Enter");
    let text = await shows(s, "filter: ma-2");
    expect(order(text)).toEqual(["ma-2"]);
    await keys(s, "Escape");
    text = await shows(s, (t) => order(t).length === 2);
    expect(order(text)).toEqual(["ma-1", "ma-2"]);
    await quit();
  });

  it("K asks first, refuses to lose uncommitted work, and saves it to a ref when confirmed again", async () => {
    await spawn(s, "1");
    await agentReady(s, "ma-1");
    const wt = join(s.worktreeDir, "my-app-1");
    writeFileSync(join(wt, "notes.txt"), "work in progress\n");
    await startDash(s);
    await shows(s, "> ma-1");
    await keys(s, "K");
    await shows(s, "Kill ma-1? It stops the agent and removes the worktree. [y/N]");
    await keys(s, "n");
    await shows(s, "Not killed: ma-1.");
    await keys(s, "K");
    await shows(s, "[y/N]");
    await press(s, "y");
    await shows(s, "ma-1 has uncommitted or unsaved work. Save it to a git ref, then kill ma-1? [y/N]");
    await keys(s, "n");
    await shows(s, "Not killed: ma-1.");
    expect(readFileSync(join(wt, "notes.txt"), "utf8")).toBe("work in progress\n");
    await keys(s, "K");
    await shows(s, "Kill ma-1?");
    await press(s, "y");
    await shows(s, "Save it to a git ref");
    await press(s, "y");
    const text = await shows(s, /Killed ma-1; its work is saved to (\S+) \(branch 1 kept\)\./);
    const ref = /saved to (\S+) \(branch/.exec(text)![1]!;
    expect(existsSync(wt)).toBe(false);
    expect(await git(s.repo, "show", `${ref}:notes.txt`)).toBe("work in progress\n");
    await shows(s, "No sessions.");
    await quit();
  });

  it("i interrupts a turn, p pauses and resumes, R restores a dead session", async () => {
    await dashOnOneSession();
    expect((await s.ao(["send", "ma-1", "/sleep 30"])).code).toBe(0);
    await shows(s, /> ma-1\s+working/);
    await keys(s, "i");
    await shows(s, "Interrupted ma-1.");
    await waitFor(() => s.received("ma-1").some((e) => e.kind === "interrupted"), "the turn interrupted");
    await keys(s, "p");
    await shows(s, (t) => t.includes("Paused ma-1; p resumes it.") && /> ma-1\s+paused/.test(t) && t.includes("(paused: p resumes it)"));
    expect(await s.tmux.sessions()).not.toContain("ma-1");
    await keys(s, "p");
    await shows(s, (t) => t.includes("Resumed ma-1 (cold).") && /> ma-1\s+(idle|working)/.test(t));
    await s.tmux.tmux("kill-session", "-t", "=ma-1");
    await shows(s, (t) => /> ma-1\s+dead/.test(t) && t.includes("(no screen: the agent's runtime is gone; R restores it)"));
    await keys(s, "R");
    await shows(s, (t) => t.includes("Restored ma-1.") && /> ma-1\s+(idle|working)/.test(t));
    expect(await s.tmux.sessions()).toContain("ma-1");
    await quit();
  });

  it("fits 80x24, says so when the terminal is too small, and comes back when it grows", async () => {
    await spawn(s, "1", "demo-status", ["--title", "A rather long title that cannot fit in eighty columns beside everything else"]);
    await agentReady(s, "ma-1");
    await startDash(s, { cols: 80, rows: 24 });
    let text = await shows(s, "Demo agent (ma-1)");
    const lines = text.split("\n");
    expect(lines[0]).toMatch(/^ao dash {2}1 session/);
    expect(rowOf(text, "ma-1")).toMatch(/^> ma-1\s+idle\s+\d+s\s+1-a-rather-long.*A rather long.*…$/);
    expect(lines.slice(0, 24).some((l) => l.startsWith("jk move ⏎ attach s send"))).toBe(true);
    await s.tmux.tmux("resize-window", "-t", "=dash", "-x", "50", "-y", "10");
    await shows(s, (t) => t.replace(/\s+/g, " ").includes("Terminal too small for ao dash: 50x10, needs at least 60x14. Enlarge it, or press q to quit."));
    await s.tmux.tmux("resize-window", "-t", "=dash", "-x", "80", "-y", "24");
    text = await shows(s, "Demo agent (ma-1)");
    expect(text).not.toContain("too small");
    await quit();
  });

  it("Enter attaches to the session and detaching comes back to the dash", async () => {
    await dashOnOneSession();
    await keys(s, "Enter");
    // The pane now holds a tmux client on ma-1: its status bar names the session.
    await shows(s, (t) => /\[ma-1\]/.test(t) && !t.includes("ao dash"));
    await detachFromMa1();
    await shows(s, (t) => t.includes("> ma-1") && t.includes("Demo agent (ma-1)"));
    await quit();
  });

  it("while attached, every key typed goes to the session, and none is kept for the dash", async () => {
    await dashOnOneSession();
    await keys(s, "Enter");
    await shows(s, (t) => /\[ma-1\]/.test(t) && !t.includes("ao dash"));
    // Keys the dash would act on (quit, kill, yes), each typed on its own, as a person types.
    const lines = ["q", "K", "y", "x"];
    for (const line of lines) {
      await type(s, line);
      await keys(s, "Enter");
      await new Promise((r) => setTimeout(r, 100));
    }
    const got = () => s.received("ma-1").flatMap((e) => (e.kind === "message" ? [e.text] : []));
    await waitFor(() => got().length >= lines.length, "the agent to get every line", 5000).catch((err: Error) => {
      throw new Error(`${err.message}; it got ${JSON.stringify(got())}`);
    });
    expect(got()).toEqual(lines);
    await detachFromMa1();
    // Nothing typed for the session reaches the dash: it neither quit nor asks to kill.
    await new Promise((r) => setTimeout(r, 500));
    const text = await screen(s);
    expect(text).toContain("> ma-1");
    expect(text).not.toContain("Kill ma-1?");
    expect(text).not.toContain("dash exited");
    await quit();
  });

  it("inside tmux, Enter switches the client to the session and says how to come back", async () => {
    await spawn(s, "1");
    await agentReady(s, "ma-1");
    await startDash(s, { insideTmux: true });
    await shows(s, "Demo agent (ma-1)");
    // A terminal attached to the dash's session, as a user inside tmux has (script gives it a pty).
    const client = spawnChild("script", ["-qfc", `tmux -L ${s.tmux.socket} attach -t =${DASH}`, "/dev/null"], { env: { ...s.env, TERM: "xterm-256color" }, stdio: "ignore" });
    try {
      const clients = async () => (await s.tmux.tmux("list-clients", "-F", "#{client_session}")).stdout.trim();
      await waitFor(async () => (await clients()) === DASH, "a client on the dash");
      // The client's arrival resizes the pane and redraws the dash; press again if the key came in the middle of that.
      await waitFor(async () => {
        if ((await clients()) !== "ma-1") await keys(s, "Enter");
        await new Promise((r) => setTimeout(r, 700));
        return (await clients()) === "ma-1";
      }, "the client switched to ma-1");
      await shows(s, "Switched to ma-1; come back with your tmux prefix + L (switch-client -l).");
      expect(await screen(s)).toContain("> ma-1"); // the dash goes on in its pane
    } finally {
      client.kill();
    }
    await quit();
  });

  it("idles on one tmux list-panes per refresh", async () => {
    await spawn(s, "1");
    await spawn(s, "2");
    await Promise.all(["ma-1", "ma-2"].map((n) => agentReady(s, n)));
    const tmux = countingTmux(s);
    await startDash(s, { env: tmux.env });
    await shows(s, "Demo agent (ma-1)");
    await new Promise((r) => setTimeout(r, 1500)); // past the first reads
    tmux.reset();
    await new Promise((r) => setTimeout(r, 10_000));
    const calls = tmux.calls();
    const listPanes = calls.filter((c) => c.startsWith("-L") && c.includes("list-panes -a"));
    expect(listPanes.length).toBeGreaterThanOrEqual(5); // it does refresh
    expect(listPanes.length).toBeLessThanOrEqual(12); // about once a second
    expect(calls.length - listPanes.length).toBeLessThanOrEqual(1); // nothing else while nothing changes
    await quit();
  });

  it("a tmux server that dies under it shows every session dead and does not hang the dash", async () => {
    await spawn(s, "1");
    await agentReady(s, "ma-1");
    // The dash on a server of its own, so that the sessions' server can go.
    const own = tmuxServer();
    try {
      const vars = Object.entries(s.env).map(([k, v]) => `${k}=${v}`);
      expect((await own.tmux("new-session", "-d", "-s", "d", "-x", "100", "-y", "30", "env", "-u", "TMUX", ...vars, "sh", "-c", `node '${AO_BIN}' dash; echo "dash exited $?"; exec sleep 600`)).code).toBe(0);
      const ownScreen = async () => (await own.tmux("capture-pane", "-p", "-t", "=d:")).stdout;
      await waitFor(async () => ((await ownScreen()).includes("Demo agent (ma-1)") ? true : undefined), "the dash");
      await s.tmux.tmux("kill-server");
      await waitFor(async () => (/ma-1\s+dead/.test(await ownScreen()) ? true : undefined), "ma-1 dead");
      await own.tmux("send-keys", "-t", "=d:", "q");
      await waitFor(async () => ((await ownScreen()).includes("dash exited 0") ? true : undefined), "the dash to exit 0");
    } finally {
      await own.kill();
    }
  });

  it("shows what ao watch said in the status line, and has no colour under NO_COLOR", async () => {
    await dashOnOneSession({ env: { NO_COLOR: "1" } });
    expect(await screen(s, true)).not.toMatch(/\x1b\[(3[0-7]|9[0-7]|38;)/);
    appendFileSync(join(s.sessionsDir, "ma-1.events.jsonl"), `${JSON.stringify({ at: new Date().toISOString(), type: "watch_reaction", kind: "ci-failed", text: "CI failed on PR #7: sent the failing job's log to ma-1\u001b[2J" })}\n`);
    await shows(s, "watch: ma-1: CI failed on PR #7: sent the failing job's log to ma-1");
    await quit();
  });

  it("draws in a terminal whose environment says CI (Ink would hold every frame back until exit)", async () => {
    await dashOnOneSession({ env: { CI: "true", CONTINUOUS_INTEGRATION: "1" } });
    // A frame of Ink's own, not only the first one (painted before Ink loads).
    await keys(s, "?");
    await shows(s, "ao dash: every session, the ones that need you first.");
    await keys(s, "x");
    await shows(s, "Demo agent (ma-1)");
    await quit();
  });

  const pane = async (format: string) => (await s.tmux.tmux("display-message", "-p", "-t", `=${DASH}:`, format)).stdout.trim();
  /** The dash's node: the child of the pane's shell (from /proc, no ps needed). */
  async function dashPid(): Promise<number> {
    const shell = Number(await pane("#{pane_pid}"));
    const dash = readdirSync("/proc").filter((p) => /^\d+$/.test(p)).find((p) => {
      try {
        const stat = readFileSync(`/proc/${p}/stat`, "utf8");
        return Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[1]) === shell;
      } catch {
        return false;
      }
    });
    expect(dash).toBeDefined();
    return Number(dash);
  }

  it("a signal that ends it (SIGQUIT: Node itself puts the terminal back only for SIGINT and SIGTERM) leaves the terminal as it was", async () => {
    await dashOnOneSession();
    process.kill(await dashPid(), "SIGQUIT");
    const text = await shows(s, "dash exited 131");
    expect(text).toContain("before the dash\ndash exited 131");
    expect(await pane("#{alternate_on} #{cursor_flag}")).toBe("0 1");
    const modes = (await runProc("stty", ["-a", "-F", await pane("#{pane_tty}")])).stdout;
    for (const mode of ["icanon", "echo", "isig"]) expect(modes.split(/\s+/), mode).toContain(mode);
  });

  it("a signal while attached takes the tmux client with it: the shell gets its terminal back", async () => {
    await dashOnOneSession();
    const clients = async () => (await s.tmux.tmux("list-clients", "-F", "#{client_session}")).stdout;
    const dash = await dashPid();
    await keys(s, "Enter");
    await waitFor(async () => (await clients()).includes("ma-1") || undefined, "a client attached to ma-1");
    process.kill(dash, "SIGTERM");
    await waitFor(async () => !(await clients()).includes("ma-1") || undefined, "the attached client gone");
    await shows(s, "dash exited 143");
  });

  it("survives keys Ink has no name for (Ctrl+F1, an escape sequence typed in)", async () => {
    await dashOnOneSession();
    await keys(s, "C-F1");
    await type(s, "\u001b[31m");
    await keys(s, "j");
    await new Promise((r) => setTimeout(r, 300));
    expect(await screen(s)).not.toContain("dash exited");
    await quit();
    expect(await screen(s)).toContain("dash exited 0");
  });

  it("keeps a key typed the moment the first frame shows, while Ink still loads", async () => {
    for (const n of ["1", "2"]) await spawn(s, n);
    await Promise.all(["ma-1", "ma-2"].map((n) => agentReady(s, n)));
    await startDash(s);
    await shows(s, (t) => /^> ma-1 /m.test(t) && t.includes("K kill"));
    await type(s, "j");
    const text = await shows(s, /^> ma-2 /m);
    expect(rowOf(text, "ma-1")).toMatch(/^  ma-1 /);
    await quit();
  });

  it("has colour on a terminal", async () => {
    await dashOnOneSession();
    expect(await screen(s, true)).toMatch(/\x1b\[(3[0-7]|9[0-7]|38;)/);
    await quit();
  });
});
