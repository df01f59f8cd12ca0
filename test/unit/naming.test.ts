import { describe, expect, it } from "vitest";
import { branchName, byProjectAndName, candidateNames, derivePrefix, matchSession, naturalCompare, naturalKey, normalizeIssue, slugify, worktreeName } from "../../src/core/naming.js";

const take = (gen: Generator<string>, n: number) => Array.from({ length: n }, () => gen.next().value as string);

describe("naming", () => {
  it("lower-cases issues and accepts #123", () => {
    expect(normalizeIssue("INT-456")).toBe("int-456");
    expect(normalizeIssue("#123")).toBe("123");
  });

  it.each(["a;b", "$(rm -rf /)", "has space", "..", "a/b", "a:b", "a.b", "ünï", "x".repeat(300), "-lead", "trail-", ""])("refuses the issue id %j", (bad) => {
    expect(() => normalizeIssue(bad)).toThrow(/Invalid issue id/);
  });

  it("names sessions <prefix>-<issue>, then -2, -3", () => {
    expect(take(candidateNames("ma", "int-456", new Set()), 3)).toEqual(["ma-int-456", "ma-int-456-2", "ma-int-456-3"]);
  });

  it("numbers sessions without an issue above every taken number", () => {
    expect(take(candidateNames("mp", undefined, new Set()), 2)).toEqual(["mp-1", "mp-2"]);
    expect(take(candidateNames("mp", undefined, new Set(["mp-1", "mp-10", "mp-int-3"])), 1)).toEqual(["mp-11"]);
  });

  it("numbers issue-less sessions among themselves when told which those are", () => {
    // mp-42 is issue 42's session: the next issue-less one is mp-3, not mp-43.
    expect(take(candidateNames("mp", undefined, new Set(["mp-1", "mp-2", "mp-42"]), ["mp-1", "mp-2"]), 1)).toEqual(["mp-3"]);
  });

  it("counts exactly past numbers beyond 2^53 (no endless loop, no 1e+24)", () => {
    const big = "mp-12345678901234567";
    expect(take(candidateNames("mp", undefined, new Set([big])), 2)).toEqual(["mp-12345678901234568", "mp-12345678901234569"]);
    expect(take(candidateNames("mp", undefined, new Set(["mp-1234567890123456789012345"])), 1)).toEqual(["mp-1234567890123456789012346"]);
  });

  it("derives branches per SPEC §2", () => {
    expect(branchName({ session: "ao-1", issue: "int-1234", title: "Fix errors!" })).toBe("int-1234-fix-errors");
    expect(branchName({ session: "ao-1", issue: "int-1234" })).toBe("int-1234");
    expect(branchName({ session: "ao-7" })).toBe("ao/ao-7");
  });

  it("slugs titles: accents dropped, cut at a dash", () => {
    expect(slugify("Café au lait: the ÜBER fix")).toBe("cafe-au-lait-the-uber-fix");
    expect(slugify("one two three four five six seven eight nine ten", 20)).toBe("one-two-three-four");
    expect(slugify("$(rm -rf /); `x`")).toBe("rm-rf-x");
  });

  it("derives prefixes from project ids", () => {
    expect(derivePrefix("agent-orchestrator")).toBe("ao");
    expect(derivePrefix("my-app")).toBe("ma");
    expect(derivePrefix("backend")).toBe("back");
  });

  it("names worktrees <project>-<issue or n>", () => {
    expect(worktreeName("my-project", "mp", "mp-int-1234")).toBe("my-project-int-1234");
    expect(worktreeName("my-project", "mp", "mp-3")).toBe("my-project-3");
  });

  it("sorts naturally: -2 before -10", () => {
    expect(["x-10", "x-2", "x-1", "x-int-3"].sort(naturalCompare)).toEqual(["x-1", "x-2", "x-10", "x-int-3"]);
    expect(["a-100000000000000000001", "a-99999999999999999999", "a-9", "a-09", "a"].sort(naturalCompare)).toEqual(["a", "a-9", "a-09", "a-99999999999999999999", "a-100000000000000000001"]);
    expect(["my-app", "agent-orchestrator", "my-app-2", "b"].sort(naturalCompare)).toEqual(["agent-orchestrator", "b", "my-app", "my-app-2"]);
    expect(naturalCompare("ma-1", "ma-1")).toBe(0);
  });

  it("naturalKey orders as naturalCompare does, and byProjectAndName sorts by project, then name", () => {
    // Random strings over characters below, among and above the digits, with runs of leading zeros and long numbers.
    let seed = 7;
    const rand = (n: number) => ((seed = (seed * 1103515245 + 12345) % 2 ** 31), (seed >>> 12) % n); // the high bits: the low ones of this generator repeat quickly
    const parts = ["0", "00", "1", "9", "10", "007", "99999999999", "100000000000", "-", "a", "ab", "Z", "~", " ", "é", "_"];
    const word = () => Array.from({ length: 1 + rand(5) }, () => parts[rand(parts.length)]).join("");
    const sign = (n: number) => Math.sign(n);
    let compared = 0;
    for (let i = 0; i < 4000; i++) {
      const a = word();
      const b = rand(4) === 0 ? a : rand(2) ? a.slice(0, rand(a.length + 1)) + word() : word(); // often a shared start
      const [ka, kb] = [naturalKey(a), naturalKey(b)];
      expect(sign(ka < kb ? -1 : ka > kb ? 1 : 0), `${JSON.stringify(a)} vs ${JSON.stringify(b)}`).toBe(sign(naturalCompare(a, b)));
      compared++;
    }
    expect(compared).toBe(4000);
    const items = [
      { project: "p10", name: "x-2" },
      { project: "p2", name: "x-10" },
      { project: "p2", name: "x-9" },
      { project: "p", name: "y" },
    ];
    expect(byProjectAndName(items)).toEqual([items[3], items[2], items[1], items[0]]);
    expect(items[0].project).toBe("p10"); // a new array: the input is left as it was
  });

  describe("matchSession", () => {
    const items = [{ name: "mp-1" }, { name: "mp-10" }, { name: "mp-int-5" }];
    it("prefers an exact name over a longer match", () => expect(matchSession("mp-1", items)?.name).toBe("mp-1"));
    it("accepts a unique prefix", () => expect(matchSession("mp-int", items)?.name).toBe("mp-int-5"));
    it("lists candidates when ambiguous", () => expect(() => matchSession("mp", items)).toThrow("mp-1, mp-10, mp-int-5"));
    it("returns undefined when nothing matches", () => expect(matchSession("zz", items)).toBeUndefined());
    const damaged = [{ name: "mp-int-9", file: "/d/mp-int-9.json", error: "not a JSON object" }];
    const more = [...items, { name: "mp-int-9-2" }];
    it("reports a damaged record's exact name, never a prefix match of it", () => expect(() => matchSession("mp-int-9", more, damaged)).toThrow("Session record mp-int-9 is damaged (/d/mp-int-9.json: not a JSON object)"));
    it("counts a damaged record in a prefix's candidates", () => expect(() => matchSession("mp-int-9", [{ name: "mp-int-9-2" }], [{ ...damaged[0]!, name: "mp-int-9x" }])).toThrow("mp-int-9-2, mp-int-9x (damaged record)"));
    it("refuses a name that two projects' records share", () => expect(() => matchSession("fa-7", [{ name: "fa-7", project: "frontend-app" }, { name: "fa-7", project: "feature-api" }])).toThrow("feature-api, frontend-app"));
  });
});

describe("titles", () => {
  it("strips escape sequences and control characters", async () => {
    const { cleanTitle } = await import("../../src/core/naming.js");
    expect(cleanTitle("\u001b[31mRed\u001b[0m alert\u0007")).toBe("Red alert");
    expect(cleanTitle("\u001b]0;evil title\u0007Fix it")).toBe("Fix it");
    expect(cleanTitle("Fix \u202eevil\u202c \u2066x\u2069 \u009b31m")).toBe("Fix evil x 31m");
    expect(cleanTitle("  tabs\tand\nnewlines  ")).toBe("tabs and newlines");
    expect(cleanTitle("\u001b[2J")).toBeUndefined();
  });
  it("comes from the first non-empty line of the prompt", async () => {
    const { titleFromPrompt } = await import("../../src/core/naming.js");
    expect(titleFromPrompt("\n\n  Fix the login bug  \nDetails follow")).toBe("Fix the login bug");
    expect(titleFromPrompt(undefined)).toBeUndefined();
  });
  it("is cut to 50 characters in list views", async () => {
    const { shortTitle } = await import("../../src/core/naming.js");
    expect(shortTitle("short")).toBe("short");
    const cut = shortTitle("x".repeat(80));
    expect([...cut]).toHaveLength(50);
    expect(cut.endsWith("…")).toBe(true);
  });
});
