import { describe, expect, it } from "vitest";
import { attentionOf, dashGroups } from "../../src/core/attention.js";
import { areas, columns, editLine, fit, listItems, previewLines, scrollTo, sessionRow } from "../../src/cli/dash/layout.js";
import type { SessionView } from "../../src/core/plan.js";
import type { PullRequestInfo } from "../../src/core/record.js";

const NOW = Date.parse("2026-01-01T12:00:00Z");
const pr = (extra: Partial<PullRequestInfo> = {}): PullRequestInfo => ({ number: 7, url: "https://github.com/a/b/pull/7", state: "OPEN", merged: false, mergedAt: null, headRefOid: "a".repeat(40), isDraft: false, ...extra });
const view = (name: string, status: SessionView["status"], extra: Partial<SessionView> = {}) =>
  ({ name, project: "my-app", branch: name, status, storedStatus: "working", title: null, prUrl: null, lastActivityAt: new Date(NOW - 65_000).toISOString(), ...extra }) as SessionView;
const names = (views: SessionView[]) => dashGroups(views).flatMap((g) => g.entries.map((e) => e.view.name));

describe("what needs the user (core/attention.ts)", () => {
  it("is a question, failing checks, requested changes or a dead runtime; the rest is not", () => {
    expect(attentionOf(view("a", "waiting"))).toEqual(["waiting"]);
    expect(attentionOf(view("a", "dead"))).toEqual(["dead"]);
    expect(attentionOf(view("a", "idle", { pr: pr({ checksState: "failing", reviewState: "changes_requested" }) }))).toEqual(["checks failing", "changes requested"]);
    expect(attentionOf(view("a", "idle", { pr: pr({ checksState: "failing", state: "MERGED", merged: true }) }))).toEqual([]); // only an open PR
    expect(attentionOf(view("a", "working", { pr: pr({ checksState: "passing", reviewState: "approved" }) }))).toEqual([]);
  });

  it("orders the most urgent first, then natural order; groups that need the user first", () => {
    const views = [
      view("ma-10", "idle"),
      view("ma-2", "idle"),
      view("ma-3", "dead"),
      view("ma-4", "idle", { pr: pr({ reviewState: "changes_requested" }) }),
      view("ma-5", "waiting"),
      view("ma-6", "working", { pr: pr({ checksState: "failing" }) }),
      view("zz-1", "waiting", { project: "zz" }),
      view("aa-1", "idle", { project: "aa" }),
    ];
    expect(dashGroups(views).map((g) => g.project)).toEqual(["my-app", "zz", "aa"]);
    expect(names(views)).toEqual(["ma-5", "ma-6", "ma-4", "ma-3", "ma-2", "ma-10", "zz-1", "aa-1"]);
  });
});

describe("the dash's layout (cli/dash/layout.ts)", () => {
  it("fits text to a width with an ellipsis, and pads it", () => {
    expect(fit("abcdef", 4)).toBe("abc…");
    expect(fit("ab", 4)).toBe("ab  ");
  });

  it("keeps the selection in view, moving as little as it can", () => {
    expect(scrollTo(0, 5, 10, 200)).toBe(0);
    expect(scrollTo(0, 10, 10, 200)).toBe(1);
    expect(scrollTo(50, 20, 10, 200)).toBe(20);
    expect(scrollTo(195, 199, 10, 200)).toBe(190);
    expect(scrollTo(30, 3, 10, 5)).toBe(0);
  });

  it("shares the rows between the list and the preview, and uses more when there are more", () => {
    expect(areas(23, 4)).toEqual({ list: 4, preview: 14 });
    expect(areas(23, 200)).toEqual({ list: 11, preview: 7 });
    expect(areas(59, 200).list).toBeGreaterThan(areas(23, 200).list);
  });

  it("filters on name, status, title, PR and attention", () => {
    const groups = dashGroups([view("ma-1", "waiting"), view("ma-2", "idle", { title: "Fix login", pr: pr() })]);
    const shown = (f: string) => listItems(groups, f).flatMap((i) => (i.kind === "session" ? [i.entry.view.name] : []));
    expect(shown("")).toEqual(["ma-1", "ma-2"]);
    expect(shown("LOGIN")).toEqual(["ma-2"]);
    expect(shown("#7")).toEqual(["ma-2"]);
    expect(shown("waiting")).toEqual(["ma-1"]);
    expect(listItems(groups, "nothing")).toEqual([]);
  });

  it("draws a row with status, age, branch, PR, checks and review, in the terminal's width", () => {
    const entry = dashGroups([view("ma-1", "idle", { pr: pr({ checksState: "failing", reviewState: "changes_requested" }), title: "Fix \u001b[2Jthe login" })])[0]!.entries[0]!;
    const c = columns(100, [{ kind: "session", entry }]);
    const row = sessionRow(entry, c, NOW, true);
    const text = row.map((s) => s.text).join("");
    expect(text).toMatch(/^> ma-1\s+idle\s+1m\s+ma-1\s+#7\s+FAIL\s+changes\s+Fix the login\s*$/);
    expect([...text].length).toBe(100);
    expect(row.every((s) => s.inverse)).toBe(true);
    expect(row.find((s) => s.text.startsWith("FAIL"))?.color).toBe("red");
  });

  it("previews the end of a screen, control characters blanked", () => {
    expect(previewLines("a\nb\u001b[31m\nc\n\n\n", 2)).toEqual(["b [31m", "c"]);
  });

  it("edits the input line from a chunk of keys: Enter submits what came before it", () => {
    expect(editLine("he", "llo")).toEqual({ text: "hello" });
    expect(editLine("", "hi there\rignored")).toEqual({ text: "hi there", submit: true });
    expect(editLine("abc", "\x7f\x7fX\x01")).toEqual({ text: "aX" });
  });
});
