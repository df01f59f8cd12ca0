/**
 * ao watch end to end: the built CLI, real tmux, the demo agent with status
 * patterns, the GitHub test server (every query checked against GitHub's schema)
 * and a webhook receiver on 127.0.0.1.
 */
import { readFileSync, statSync } from "node:fs";
import { createServer } from "node:http";
import { join } from "node:path";
import type { AddressInfo } from "node:net";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { useGitHubSandbox, withRepo } from "../helpers/github-sandbox.js";
import type { FakePr } from "../helpers/github-server.js";
import { waitFor } from "../helpers/proc.js";
import { agentReady, baseConfig, startAo } from "../helpers/sandbox.js";
import { openOrchestrator, type WatchEvent } from "../../src/index.js";

const TOKEN = "ghp_watchtoken_DO_NOT_LEAK_123";
const A = "a".repeat(40);
const { s, gh } = useGitHubSandbox(TOKEN);

let hook: { url: string; posts: { text: string; event: { cause: string; type: string; session: string } }[]; close(): Promise<void> };
beforeEach(async () => {
  const posts: typeof hook.posts = [];
  const server = createServer((req, res) => {
    let body = "";
    req.on("data", (c) => (body += c));
    req.on("end", () => {
      posts.push(JSON.parse(body));
      res.end("ok");
    });
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  hook = { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`, posts, close: () => new Promise((r) => server.close(() => r())) };
  s.writeConfig(withRepo(baseConfig(s, `watch:\n  interval: 1s\n  githubInterval: 1s\nnotify:\n  - webhook: ${hook.url}\n`)));
});
afterEach(async () => {
  await hook.close();
});

const failingPr = (over: Partial<FakePr> = {}): FakePr => ({
  number: 7, headRefName: "1", headRefOid: A, state: "OPEN",
  checks: [
    { kind: "run", name: "build", conclusion: "FAILURE", detailsUrl: "https://github.com/acme/app/actions/runs/1/job/77", databaseId: 77 },
    { kind: "run", name: "lint", conclusion: "SUCCESS" },
  ],
  ...over,
});

async function spawnIdle(): Promise<void> {
  const r = await s.ao(["spawn", "my-app", "1", "--agent", "demo-status"]);
  expect(r.code, r.stderr).toBe(0);
  await agentReady(s, "ma-1");
  await waitFor(async () => (await status()) === "idle", "ma-1 idle");
}
const status = async () => (JSON.parse((await s.ao(["session", "ls", "--json", "--offline"])).stdout) as { name: string; status: string }[]).find((x) => x.name === "ma-1")?.status;
const messages = () => s.received("ma-1").filter((e) => e.kind === "message").map((e) => e.text);
const watchEvents = async () => (JSON.parse((await s.ao(["session", "events", "ma-1", "--json"])).stdout).events as { type: string; cause?: string; text?: string }[]).filter((e) => e.type.startsWith("watch_"));
const once = async (env?: NodeJS.ProcessEnv) => {
  const r = await s.ao(["watch", "--once", "--json"], { env });
  // Session events only (a warning about a job log that is not there is not one).
  return { ...r, events: r.stdout.split("\n").filter(Boolean).map((l) => JSON.parse(l) as { type: string; cause?: string; text: string }).filter((e) => e.type.startsWith("watch_")) };
};
const jobLogRequests = () => gh.requests.filter((r) => r.path.endsWith("/actions/jobs/77/logs")).length;

describe("ao watch", () => {
  it("--once feeds a CI failure to the agent once per head commit, with the failing job's log tail", async () => {
    await spawnIdle();
    gh.addRepo("acme/app", { pulls: [failingPr()], jobLogs: { 77: `${Array.from({ length: 120 }, (_, i) => `2026-01-01T00:00:00.0000000Z \u001b[31mline ${i}\u001b[0m`).join("\n")}\nerror: expected 2, got 3\n` } });
    const first = await once();
    expect(first.code, first.stderr).toBe(0);
    expect(first.events.map((e) => `${e.type} ${e.cause}`)).toEqual([`watch_detected ci-failed:${A}`, `watch_queued ci-failed:${A}`, `watch_sent ci-failed:${A}`]);
    await waitFor(() => messages().length === 1, "the CI message");
    const text = messages()[0]!;
    expect(text).toContain("CI failed on your pull request #7 (commit aaaaaaa). Failing checks:\n- build: https://github.com/acme/app/actions/runs/1/job/77\n  Last lines of its log:\n");
    expect(text).toContain("    error: expected 2, got 3\nPlease fix these failures, commit, and push.");
    expect(text).not.toContain("line 40\n");
    expect(text).toContain("    line 41\n");
    expect(text).not.toMatch(/\u001b|lint|2026-01-01T/);
    await waitFor(async () => (await status()) === "idle", "idle again");
    const second = await once();
    expect(second.code, second.stderr).toBe(0);
    expect(second.events).toEqual([]);
    expect(messages()).toHaveLength(1);
    expect(jobLogRequests()).toBe(1);
    expect(gh.graphqlRequests()).toBe(2);
    expect((await watchEvents()).map((e) => e.type)).toEqual(["watch_detected", "watch_queued", "watch_sent"]);
    expect(hook.posts).toEqual([]); // a reaction the agent handles needs no human
    // The state is private and holds no secret; nothing printed or logged does either.
    const state = join(s.dataDir, "watch-state.json");
    expect(statSync(state).mode & 0o777).toBe(0o600);
    for (const text of [first.stdout, first.stderr, readFileSync(state, "utf8"), readFileSync(join(s.sessionsDir, "ma-1.events.jsonl"), "utf8")]) expect(text).not.toContain(TOKEN);
  });

  it("never types into a waiting agent: notifies once (webhook too), holds the message, sends it once answered", async () => {
    await spawnIdle();
    expect((await s.ao(["send", "ma-1", "/ask deploy to staging"])).code).toBe(0);
    await waitFor(async () => (await status()) === "waiting", "waiting");
    gh.addRepo("acme/app", { pulls: [failingPr()] });
    const first = await once();
    expect(first.code, first.stderr).toBe(0);
    const notified = first.events.filter((e) => e.type === "watch_notified");
    expect(notified.map((e) => e.text)).toEqual([
      "ma-1 asks: Permission needed: deploy to staging | answer: ao session reply ma-1 once|always|reject",
      "ma-1 asks a question, so ao watch holds its ci-failed message until it is answered: ao session reply ma-1 once|always|reject",
    ]);
    expect(await once()).toMatchObject({ code: 0, events: [] });
    expect(messages()).toEqual(["/ask deploy to staging"]);
    expect(s.received("ma-1").filter((e) => e.kind === "permission")).toEqual([]);
    expect(hook.posts.map((p) => p.text)).toEqual(notified.map((e) => e.text));
    expect(hook.posts[0]!.event).toMatchObject({ type: "watch_notified", session: "ma-1", cause: expect.stringMatching(/^waiting:1:/) });
    expect((await s.ao(["session", "reply", "ma-1", "once"])).code).toBe(0);
    await waitFor(async () => (await status()) === "idle", "idle after the answer");
    expect((await once()).events.map((e) => e.type)).toEqual(["watch_sent"]);
    await waitFor(() => messages().length === 2, "the held message");
    expect(messages()[1]).toContain("CI failed on your pull request #7");
    expect(hook.posts).toHaveLength(2);
  });

  it("queues a message for a working agent until it is idle", async () => {
    await spawnIdle();
    expect((await s.ao(["send", "ma-1", "/sleep 3"])).code).toBe(0);
    await waitFor(async () => (await status()) === "working", "working");
    gh.addRepo("acme/app", { pulls: [failingPr()] });
    const w = startAo(s, ["watch", "--json"]);
    await waitFor(() => w.output().includes('"watch_queued"'), "queued");
    expect(messages()).toEqual(["/sleep 3"]);
    await waitFor(() => w.output().includes('"watch_sent"'), "sent once idle", 20_000);
    await waitFor(() => messages().length === 2, "the message");
    w.signal("SIGTERM");
    expect(await w.exited).toBe(0);
    expect((await watchEvents()).filter((e) => e.type === "watch_sent")).toHaveLength(1);
  });

  it("a queued message survives a restart of watch and goes out once the agent is idle", async () => {
    await spawnIdle();
    expect((await s.ao(["send", "ma-1", "/sleep 2"])).code).toBe(0);
    await waitFor(async () => (await status()) === "working", "working");
    gh.addRepo("acme/app", { pulls: [failingPr()] });
    expect((await once()).events.map((e) => e.type)).toEqual(["watch_detected", "watch_queued"]);
    await waitFor(async () => (await status()) === "idle", "idle", 20_000);
    expect((await once()).events.map((e) => e.type)).toEqual(["watch_sent"]);
    await waitFor(() => messages().length === 2, "the message");
    expect(await once()).toMatchObject({ events: [] });
  });

  for (const point of ["watch-sending", "watch-sent"]) {
    it(`SIGKILL at ${point} and a restart send nothing twice`, async () => {
      await spawnIdle();
      gh.addRepo("acme/app", { pulls: [failingPr()] });
      const crashed = await once({ AO_CRASH_AT: point });
      expect(crashed.code).not.toBe(0);
      const sentBefore = point === "watch-sent" ? 1 : 0;
      await waitFor(() => messages().length === sentBefore || "no", "the state at the crash");
      await waitFor(async () => (await status()) === "idle", "idle");
      const again = await once();
      expect(again.code, again.stderr).toBe(0);
      const third = await once();
      expect(third.events).toEqual([]);
      expect(messages()).toHaveLength(sentBefore);
      // Killed between "sending" and "sent": never sent again. After the send, the history (send's message_sent) says it arrived;
      // before it, nothing says so and the user is told.
      if (point === "watch-sent") {
        expect(again.events.map((e) => e.type)).toEqual(["watch_sent"]);
        expect(hook.posts).toEqual([]);
      } else {
        expect(again.events.map((e) => e.type)).toEqual(["watch_dropped"]);
        expect(hook.posts.map((p) => p.event.type)).toEqual(["watch_dropped"]);
      }
    });
  }

  it("one watch per dataDir: a second names the pid that runs", async () => {
    const w = startAo(s, ["watch"]);
    // Until the first holds the lock (a --once tried before that could take it first, and the first would be the one refused).
    const lockHolder = () => {
      try {
        return readFileSync(join(s.dataDir, "watch.lock"), "utf8");
      } catch {
        return "";
      }
    };
    await waitFor(() => lockHolder().startsWith(`${w.pid} `), "the first watch holding the lock", 30_000);
    const r = await s.ao(["watch", "--once"]);
    expect(r.stderr).toContain(`ao watch is already running (pid ${w.pid})`);
    expect(r.code).toBe(1);
    w.signal("SIGINT");
    expect(await w.exited).toBe(0);
    expect((await s.ao(["watch", "--once"])).code).toBe(0);
  });

  it("GitHub down: keeps watching tmux, warns once, resumes when GitHub is back", async () => {
    await spawnIdle();
    gh.addRepo("acme/app", { pulls: [failingPr()] });
    gh.state.failAll = { status: 502 };
    const w = startAo(s, ["watch", "--json"]);
    await waitFor(() => w.output().includes("GitHub could not be asked about acme/app"), "the warning");
    expect((await s.ao(["send", "ma-1", "/ask push"])).code).toBe(0);
    await waitFor(() => w.output().includes("ma-1 asks: Permission needed: push"), "tmux still watched");
    const failedAsks = gh.graphqlRequests();
    await waitFor(() => gh.graphqlRequests() >= failedAsks + 2, "asked again later");
    expect(w.output().match(/GitHub could not be asked/g)).toHaveLength(1);
    expect((await s.ao(["session", "reply", "ma-1", "once"])).code).toBe(0);
    gh.state.failAll = undefined;
    await waitFor(() => w.output().includes("GitHub answers again for acme/app"), "back");
    await waitFor(() => messages().some((m) => m.includes("CI failed on your pull request #7")), "the CI message", 20_000);
    w.signal("SIGTERM");
    expect(await w.exited).toBe(0);
  });

  it("the library runs the same loop: ao.watch({ onEvent, signal })", async () => {
    await spawnIdle();
    gh.addRepo("acme/app", { pulls: [failingPr()] });
    const ao = await openOrchestrator({ env: s.env, cwd: s.root });
    const events: WatchEvent[] = [];
    const stop = new AbortController();
    const running = ao.watch({ signal: stop.signal, onEvent: (e) => events.push(e) });
    await waitFor(() => events.some((e) => e.type === "watch_sent"), "sent");
    const second = await s.ao(["watch", "--once"]);
    expect(second.code).toBe(1);
    expect(second.stderr).toContain(`ao watch is already running (pid ${process.pid})`);
    stop.abort();
    await running;
    expect(events.filter((e) => e.session === "ma-1" && e.type.startsWith("watch_")).map((e) => e.type)).toEqual(["watch_detected", "watch_queued", "watch_sent"]);
    expect(messages()).toHaveLength(1);
    expect(events.find((e) => e.type === "warning")?.text).toBe("the log of job 77 could not be fetched (no log for job 77 (HTTP 404)); sending the check's URL without it");
  });
});
