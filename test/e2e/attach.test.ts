import { afterEach, beforeEach, expect, it } from "vitest";
import { waitFor } from "../helpers/proc.js";
import { agentReady, AO_BIN, sandbox, type Sandbox } from "../helpers/sandbox.js";
import { tmuxServer } from "../helpers/tmux.js";

let s: Sandbox;
let outer: ReturnType<typeof tmuxServer>;
beforeEach(async () => {
  s = await sandbox();
  outer = tmuxServer();
});
afterEach(async () => {
  await outer.kill();
  await s.cleanup();
});

it("attaches a terminal to the session (from inside another tmux server: a nested client)", async () => {
  const r = await s.ao(["spawn", "my-app"]);
  expect(r.code, r.stderr).toBe(0);
  await agentReady(s, "ma-1");
  // A real terminal: a pane of a second private tmux server runs `ao session attach`.
  const env = Object.entries(s.env).map(([k, v]) => `${k}=${v}`);
  await outer.tmux("new-session", "-d", "-s", "term", "-x", "150", "-y", "40", "env", ...env, process.execPath, AO_BIN, "session", "attach", "ma");
  await waitFor(async () => (await outer.capture("term")).includes("Demo agent (ma-1)"), "the agent's screen in the attached terminal");
  const clients = await s.tmux.tmux("list-clients", "-F", "#{session_name}");
  expect(clients.stdout.trim()).toBe("ma-1");
});

it("refuses to attach to a session that is not running", async () => {
  expect((await s.ao(["spawn", "my-app"])).code).toBe(0);
  await s.tmux.tmux("kill-session", "-t", "=ma-1");
  const r = await s.ao(["session", "attach", "ma-1"]);
  expect(r.code).toBe(1);
  expect(r.stderr).toContain("Session ma-1 is not running");
});
