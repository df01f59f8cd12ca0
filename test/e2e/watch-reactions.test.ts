/** ao watch's reactions one by one: what reaches the agent, what reaches the user, and how each is turned off. */
import { execFileSync } from "node:child_process";
import { chmodSync, mkdirSync, readFileSync, symlinkSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { git } from "../helpers/git.js";
import { useGitHubSandbox, withRepo } from "../helpers/github-sandbox.js";
import { waitFor } from "../helpers/proc.js";
import { agentReady, baseConfig } from "../helpers/sandbox.js";

const TOKEN = "ghp_watchtoken_DO_NOT_LEAK_456";
const A = "a".repeat(40);
const { s, gh } = useGitHubSandbox(TOKEN);

const configure = (extra: string) => s.writeConfig(withRepo(baseConfig(s, `watch:\n  interval: 1s\n  githubInterval: 1s\n${extra}`)));
async function spawnIdle(): Promise<void> {
  const r = await s.ao(["spawn", "my-app", "1", "--agent", "demo-status"]);
  expect(r.code, r.stderr).toBe(0);
  await agentReady(s, "ma-1");
  await idle();
}
const status = async () => (JSON.parse((await s.ao(["session", "ls", "--json", "--all", "--offline"])).stdout) as { name: string; status: string }[]).find((x) => x.name === "ma-1")?.status;
const idle = () => waitFor(async () => (await status()) === "idle", "ma-1 idle");
const messages = () => s.received("ma-1").filter((e) => e.kind === "message").map((e) => e.text);
const once = async () => {
  const r = await s.ao(["watch", "--once", "--json"]);
  expect(r.code, r.stderr).toBe(0);
  return r.stdout.split("\n").filter(Boolean).map((l) => JSON.parse(l) as { type: string; cause?: string; text: string }).filter((e) => e.type.startsWith("watch_"));
};

describe("ao watch reactions", () => {
  it("sends a review's body and comments as path:line, and a rebase request, each once", async () => {
    configure("");
    await spawnIdle();
    gh.addRepo("acme/app", {
      pulls: [{
        number: 9, headRefName: "1", headRefOid: A, state: "OPEN", mergeable: "CONFLICTING", baseRefOid: "b".repeat(40), reviewDecision: "CHANGES_REQUESTED",
        reviews: [{ id: "PRR_1", state: "CHANGES_REQUESTED", author: "alice", body: "Two things.", comments: [{ path: "src/app.ts", line: 12, body: "Handle the null case." }, { path: "README.md", line: 3, body: "Typo \u001b[31mhere\u001b[0m." }] }],
      }],
    });
    const first = await once();
    expect(first.filter((e) => e.type === "watch_sent").map((e) => e.cause)).toEqual(["changes-requested:PRR_1"]); // one per pass: the next waits for idle
    await waitFor(() => messages().length === 1, "the review");
    expect(messages()[0]).toBe("A reviewer (alice) requested changes on your pull request #9.\n\nTwo things.\n\nComments:\nsrc/app.ts:12: Handle the null case.\nREADME.md:3: Typo here.\n\nPlease address the review, commit, and push.");
    await idle();
    expect((await once()).map((e) => `${e.type} ${e.cause}`)).toEqual([`watch_sent conflict:${"b".repeat(40)}`]);
    await waitFor(() => messages().length === 2, "the rebase request");
    expect(messages()[1]).toContain("Please rebase on origin/main (git fetch origin && git rebase origin/main)");
    await idle();
    expect(await once()).toEqual([]);
    expect(messages()).toHaveLength(2);
  });

  it("notifies ready with the PR URL, and a dead agent, through a notify command (argv, text last)", async () => {
    const bin = join(s.root, "bin");
    mkdirSync(bin, { recursive: true });
    const log = join(s.root, "notified.log");
    writeFileSync(join(bin, "record-note"), `#!/bin/sh\nfor a in "$@"; do printf '%s\\n' "$a" >> "${log}"; done\n`);
    chmodSync(join(bin, "record-note"), 0o755);
    configure(`notify:\n  - command: ["${join(bin, "record-note")}", "--from", "ao; rm -rf /"]\n`);
    await spawnIdle();
    gh.addRepo("acme/app", { pulls: [{ number: 9, headRefName: "1", headRefOid: A, state: "OPEN", reviewDecision: "APPROVED", checks: [{ kind: "run", name: "build", conclusion: "SUCCESS" }, { kind: "status", context: "ci/legacy", state: "SUCCESS" }] }] });
    expect((await once()).map((e) => e.type)).toEqual(["watch_detected", "watch_notified"]);
    await waitFor(() => readFileSync(log, "utf8").includes("green"), "the command ran");
    expect(readFileSync(log, "utf8")).toBe("--from\nao; rm -rf /\nma-1: pull request #9 is approved and every check is green: https://github.com/acme/app/pull/9\n");
    expect(await once()).toEqual([]);
    expect((await s.ao(["send", "ma-1", "/crash"])).code).toBe(0);
    await waitFor(async () => (await status()) === "dead", "dead");
    const dead = await once();
    expect(dead.map((e) => e.text)).toContain("ma-1's agent is gone (its tmux session or process ended); restore it: ao session restore ma-1");
    expect(await once()).toEqual([]);
  });

  it("merged: cleanup ends the session with cleanup's protections; reactions can be turned off", async () => {
    configure("reactions:\n  merged: cleanup\n  ci-failed: off\nnotify:\n  - desktop: true\n");
    await spawnIdle();
    const wt = join(s.worktreeDir, "my-app-1");
    writeFileSync(join(wt, "a.txt"), "a\n");
    await git(wt, "add", ".");
    await git(wt, "commit", "-q", "-m", "a");
    await git(wt, "push", "-q", "origin", "HEAD");
    const head = (await git(wt, "rev-parse", "HEAD")).trim();
    gh.addRepo("acme/app", { pulls: [{ number: 9, headRefName: "1", headRefOid: head, state: "OPEN", checks: [{ kind: "run", name: "build", conclusion: "FAILURE" }] }] });
    // A PATH without notify-send or osascript: a note, and watch goes on.
    const tools = join(s.root, "tools");
    mkdirSync(tools);
    for (const tool of ["tmux", "git"]) symlinkSync(execFileSync("sh", ["-c", `command -v ${tool}`], { encoding: "utf8" }).trim(), join(tools, tool));
    const r = await s.ao(["watch", "--once", "--json"], { env: { PATH: tools } });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).not.toContain("ci-failed");
    expect(r.stdout.match(/neither notify-send nor osascript/g)).toHaveLength(1);
    gh.repos.get("acme/app")!.pulls[0]!.state = "MERGED";
    const merged = await once();
    expect(merged.map((e) => `${e.type} ${e.cause}`)).toEqual(["watch_detected merged:9", "watch_acted merged:9"]);
    expect(merged[1]!.text).toBe("ma-1: cleaned up (ao session cleanup)");
    expect(await status()).toBe("done");
    expect(await once()).toEqual([]);
    expect(messages()).toEqual([]);
  });

  it("dead: restore brings the agent back once per death", async () => {
    configure("reactions:\n  dead: restore\n");
    await spawnIdle();
    gh.addRepo("acme/app");
    expect((await s.ao(["send", "ma-1", "/crash"])).code).toBe(0);
    await waitFor(async () => (await status()) === "dead", "dead");
    const events = await once();
    expect(events.map((e) => `${e.type} ${e.cause}`)).toEqual(["watch_detected dead:1", "watch_acted dead:1"]);
    expect(events[1]!.text).toBe("ma-1: restored (ao session restore)");
    await agentReady(s, "ma-1");
    await idle();
    expect(await once()).toEqual([]);
  });
});
