import { describe, expect, it } from "vitest";
import { parseConfig, parseConfigKeys } from "../../src/config/parse.js";
import type { PrFacts, WatchFacts } from "../../src/core/watch-facts.js";
import { decide, deliveries, freshMemory, logsWanted, recoverOutbox, type Action, type Seen, type SessionMemory } from "../../src/core/watch-plan.js";
import { logTail, plain, questionLine } from "../../src/core/watch-text.js";

const parse = (yaml: string) => parseConfig(yaml, "/etc/ao/agent-orchestrator.yaml", "/home/u");
const reactions = parse("{}").watch.reactions;
const A = "a".repeat(40);
const B = "b".repeat(40);

const pr = (over: Partial<PrFacts> = {}): PrFacts => ({
  number: 7, url: "https://github.com/acme/app/pull/7", state: "OPEN", merged: false, mergedAt: null, isDraft: false,
  headRefOid: A, baseRefName: "main", baseRefOid: "c".repeat(40), mergeable: "MERGEABLE", reviewDecision: null, checks: [], reviews: [], ...over,
});
const failing = (head = A): WatchFacts => ({ pr: pr({ headRefOid: head, checks: [{ name: "build", outcome: "failure", url: "https://github.com/acme/app/actions/runs/1/job/11", jobId: 11 }, { name: "lint", outcome: "success", url: null }] }), issueState: null });
const seen = (over: Partial<Seen> = {}): Seen => ({ name: "ma-1", issue: "1", defaultBranch: "main", status: "idle", ...over });

/** Runs passes one after the other, returning each pass's actions. */
function ticks(passes: Partial<Seen>[], r = reactions, start: SessionMemory = freshMemory()): { memory: SessionMemory; actions: Action[][] } {
  let memory = start;
  const actions: Action[][] = [];
  for (const p of passes) {
    const out = decide(memory, seen(p), r);
    memory = out.memory;
    actions.push(out.actions);
  }
  return { memory, actions };
}
const kinds = (a: Action[]) => a.map((x) => `${x.type}:${x.cause}`);

describe("watch config", () => {
  it("fills the SPEC's defaults", () => {
    const w = parse("{}").watch;
    expect(w).toEqual({ intervalMs: 5000, githubIntervalMs: 60000, notify: [], reactions: { "ci-failed": "send", "changes-requested": "send", conflict: "send", waiting: "notify", dead: "notify", ready: "notify", merged: "notify", maxSends: 2 } });
  });
  it("refuses unknown reactions and values, and reads notify targets", () => {
    expect(() => parse("reactions:\n  ci-faild: send\n")).toThrow('Unknown key "reactions.ci-faild"');
    expect(() => parse("reactions:\n  waiting: send\n")).toThrow(/reactions.waiting/);
    const c = parse("watch:\n  interval: 2s\nnotify:\n  - webhook: https://hooks.example.com/x\n  - command: [notify-send, ao]\n  - desktop: true\n");
    expect(c.watch.intervalMs).toBe(2000);
    expect(c.watch.notify).toEqual([{ webhook: "https://hooks.example.com/x" }, { command: ["notify-send", "ao"] }, { desktop: true }]);
    expect(() => parse("notify:\n  - shell: 'rm -rf /'\n")).toThrow(/notify/);
  });
  it("a notify command or webhook makes a walked-up config need trust; desktop does not", () => {
    const keys = (yaml: string) => parseConfigKeys(yaml, "/etc/ao/agent-orchestrator.yaml", "/home/u").trustKeys;
    expect(keys("notify:\n  - desktop: true\n  - command: [x]\n  - webhook: https://h.example.com/x\n")).toEqual(["notify[1]", "notify[2]"]);
    expect(keys("reactions:\n  dead: restore\n")).toEqual([]);
  });
});

describe("decide, tick by tick", () => {
  it("queues a CI failure once per failing head commit, with the log tail", () => {
    const logs = new Map([[11, "error: expected 1, got 2"]]);
    const { memory, actions } = ticks([{ github: failing(), logs }, { github: failing() }, { status: "working" }, { github: failing() }]);
    expect(kinds(actions[0]!)).toEqual(["detected:ci-failed:" + A, "queue:ci-failed:" + A]);
    expect(actions.slice(1).flat()).toEqual([]);
    expect(memory.outbox).toHaveLength(1);
    expect(memory.outbox[0]!.text).toContain("- build: https://github.com/acme/app/actions/runs/1/job/11");
    expect(memory.outbox[0]!.text).toContain("    error: expected 1, got 2");
    expect(memory.outbox[0]!.text).not.toContain("lint");
    // A new failing head is a new cause; the stale message for the old head is dropped.
    const next = decide(memory, seen({ github: failing(B) }), reactions);
    expect(kinds(next.actions)).toEqual(["detected:ci-failed:" + B, "queue:ci-failed:" + B]);
    expect(next.memory.outbox.map((o) => o.head)).toEqual([B]);
  });

  it("waits for pending checks, and asks for logs only while the cause is to come", () => {
    const running: WatchFacts = { pr: pr({ checks: [{ name: "build", outcome: "failure", url: null, jobId: 11 }, { name: "test", outcome: "pending", url: null }] }), issueState: null };
    expect(decide(freshMemory(), seen({ github: running }), reactions).actions).toEqual([]);
    expect(logsWanted(freshMemory(), running, reactions)).toEqual([]);
    expect(logsWanted(freshMemory(), failing(), reactions)).toEqual([11]);
    const after = decide(freshMemory(), seen({ github: failing() }), reactions).memory;
    expect(logsWanted(after, failing(), reactions)).toEqual([]);
  });

  it("stops sending after maxSends in a row and notifies once instead", () => {
    const C = "d".repeat(40);
    const { actions } = ticks([{ github: failing(A) }, { github: failing(B) }, { github: failing(C) }, { github: failing(C) }]);
    expect(actions[2]!.map((a) => a.type)).toEqual(["detected", "notify"]);
    expect(actions[2]![1]!.text).toBe("ma-1: CI still failing on pull request #7 after 2 attempts; ao watch stops sending it (see ci-failed)");
    expect(actions[3]).toEqual([]);
  });

  it("a green run ends the streak", () => {
    const green: WatchFacts = { pr: pr({ headRefOid: B, checks: [{ name: "build", outcome: "success", url: null }] }), issueState: null };
    const { actions } = ticks([{ github: failing(A) }, { github: failing("e".repeat(40)) }, { github: green }, { github: failing("f".repeat(40)) }]);
    expect(actions[3]!.map((a) => a.type)).toEqual(["detected", "queue"]);
  });

  it("sends each changes-requested review once with path:line comments, and never a superseded one", () => {
    const review = { id: "R1", state: "CHANGES_REQUESTED", author: "rev", trusted: true, body: "Please rename.", submittedAt: "2026-01-01T00:00:00Z", comments: [{ path: "src/a.ts", line: 3, body: "call it total" }] };
    const gh: WatchFacts = { pr: pr({ reviewDecision: "CHANGES_REQUESTED", reviews: [review] }), issueState: null };
    const { memory, actions } = ticks([{ github: gh }, { github: gh }]);
    expect(kinds(actions[0]!)).toEqual(["detected:changes-requested:R1", "queue:changes-requested:R1"]);
    expect(memory.outbox[0]!.text).toContain("Please rename.\n\nComments:\nsrc/a.ts:3: call it total");
    expect(actions[1]).toEqual([]);
    const approved: WatchFacts = { pr: pr({ reviewDecision: "APPROVED", reviews: [{ ...review, id: "R0" }] }), issueState: null };
    const later = ticks([{ github: approved }, { github: { pr: pr({ reviewDecision: "CHANGES_REQUESTED", reviews: [{ ...review, id: "R0" }] }), issueState: null } }]);
    expect(later.actions.flat().filter((a) => a.type === "queue")).toEqual([]);
    const outsider: WatchFacts = { pr: pr({ reviewDecision: "CHANGES_REQUESTED", reviews: [{ ...review, id: "R9", trusted: false }] }), issueState: null };
    expect(decide(freshMemory(), seen({ github: outsider }), reactions).actions).toEqual([]);
  });

  it("asks for a rebase once per base commit", () => {
    const conflict = (base: string): WatchFacts => ({ pr: pr({ mergeable: "CONFLICTING", baseRefOid: base }), issueState: null });
    const { memory, actions } = ticks([{ github: conflict("1".repeat(40)) }, { github: conflict("1".repeat(40)) }, { github: conflict("2".repeat(40)) }]);
    expect(actions.map((a) => a.filter((x) => x.type === "queue").length)).toEqual([1, 0, 1]);
    expect(memory.outbox[0]!.text).toContain("git rebase origin/main");
  });

  it("notifies once per question on screen, and again for the next question", () => {
    const q = { key: "k1", line: "Permission needed: deploy" };
    const { actions } = ticks([{ status: "waiting", question: q }, { status: "waiting" }, { status: "idle" }, { status: "waiting", question: q }]);
    expect(kinds(actions[0]!)).toEqual(["notify:waiting:1:k1"]);
    expect(actions[0]![0]!.text).toBe("ma-1 asks: Permission needed: deploy | answer: ao session reply ma-1 once|always|reject");
    expect(actions[1]).toEqual([]);
    expect(kinds(actions[3]!)).toEqual(["notify:waiting:2:k1"]);
  });

  it("notifies a death once, or restores when configured; a second death is a new cause", () => {
    const { actions } = ticks([{ status: "dead" }, { status: "dead" }, { status: "idle" }, { status: "dead" }]);
    expect(actions.map(kinds)).toEqual([["detected:dead:1", "notify:dead:1"], [], [], ["detected:dead:2", "notify:dead:2"]]);
    const restore = ticks([{ status: "dead" }], { ...reactions, dead: "restore" });
    expect(kinds(restore.actions[0]!)).toEqual(["detected:dead:1", "restore:dead:1"]);
    const off = ticks([{ status: "dead" }], { ...reactions, dead: "off" });
    expect(off.actions).toEqual([[]]);
  });

  it("ready once per head; merged once, or cleanup", () => {
    const ready: WatchFacts = { pr: pr({ reviewDecision: "APPROVED", checks: [{ name: "build", outcome: "success", url: null }] }), issueState: null };
    const merged: WatchFacts = { pr: pr({ state: "MERGED", merged: true }), issueState: "OPEN" };
    const { actions } = ticks([{ github: ready }, { github: ready }, { github: merged }, { github: merged }]);
    expect(actions.map(kinds)).toEqual([["detected:ready:" + A, "notify:ready:" + A], [], ["detected:merged:7", "notify:merged:7"], []]);
    const clean = ticks([{ github: merged }], { ...reactions, merged: "cleanup" });
    expect(kinds(clean.actions[0]!)).toEqual(["detected:merged:7", "cleanup:merged:7"]);
  });

  it("notify instead of send, and off, per reaction", () => {
    expect(kinds(decide(freshMemory(), seen({ github: failing() }), { ...reactions, "ci-failed": "notify" }).actions)).toEqual(["detected:ci-failed:" + A, "notify:ci-failed:" + A]);
    expect(decide(freshMemory(), seen({ github: failing() }), { ...reactions, "ci-failed": "off" }).actions).toEqual([]);
  });
});

describe("the outbox", () => {
  const queued = decide(freshMemory(), seen({ github: failing() }), reactions).memory;
  it("sends only to an idle agent; a waiting one holds it and the user hears once", () => {
    expect(deliveries(queued, "idle").send?.cause).toBe("ci-failed:" + A);
    expect(deliveries(queued, "working")).toEqual({ held: [] });
    expect(deliveries(queued, "unknown")).toEqual({ held: [] });
    expect(deliveries(queued, "waiting").send).toBeUndefined();
    expect(deliveries(queued, "waiting").held).toHaveLength(1);
    const q = decide(queued, seen({ status: "waiting", question: { key: "k", line: "Allow?" } }), reactions);
    expect(q.actions[0]!.text).toContain("(1 message from ao watch wait until it is answered)");
    expect(deliveries(q.memory, "waiting").held).toEqual([]);
  });
  it("a message marked sending at a crash is never sent again", () => {
    const crashed: SessionMemory = { ...queued, outbox: [{ ...queued.outbox[0]!, state: "sending" }] };
    const { memory, uncertain } = recoverOutbox(crashed);
    expect(uncertain).toHaveLength(1);
    expect(memory.outbox).toEqual([]);
    expect(deliveries(memory, "idle").send).toBeUndefined();
  });
});

describe("watch text", () => {
  it("strips ANSI and control characters, keeps the last lines of a log without timestamps", () => {
    expect(plain("a\x1b[31mred\x1b[0m\x07b\r\nc")).toBe("aredb\nc");
    const log = Array.from({ length: 100 }, (_, i) => `2026-01-01T00:00:00.1234567Z \x1b[1mline ${i}\x1b[0m`).join("\n");
    const tail = logTail(log).split("\n");
    expect(tail).toHaveLength(80);
    expect(tail[0]).toBe("line 20");
    expect(tail.at(-1)).toBe("line 99");
  });
  it("finds the question on a waiting screen", () => {
    expect(questionLine("Done.\n> /ask deploy\nPermission needed: deploy\n  [y] allow once  [a] allow always  [n] reject\n\n")).toBe("Permission needed: deploy");
  });
});
