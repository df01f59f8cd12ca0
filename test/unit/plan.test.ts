import { describe, expect, it } from "vitest";
import { canonicalStatus, matchesFilter, observe } from "../../src/core/plan.js";
import { formatDuration as formatAge } from "../../src/core/duration.js";
import { parseDuration } from "../../src/config/duration.js";
import { sessionRecord as record } from "../helpers/record.js";

const NOW = Date.parse("2026-01-01T12:00:00Z");

describe("observed status", () => {
  it("is working with recent output, idle after the threshold", () => {
    expect(observe(record(), { alive: true, activityMs: NOW - 5_000 }, undefined, NOW).status).toBe("working");
    expect(observe(record(), { alive: true, activityMs: NOW - 120_000 }, undefined, NOW).status).toBe("idle");
  });

  it("is dead when tmux is gone or the agent's pane has exited", () => {
    expect(observe(record(), undefined, undefined, NOW).status).toBe("dead");
    expect(observe(record(), { alive: false, activityMs: NOW }, undefined, NOW).status).toBe("dead");
  });

  it("keeps stored terminal and paused statuses", () => {
    for (const status of ["killed", "done", "exited", "paused", "spawning"] as const) {
      expect(observe(record({ status }), { alive: true, activityMs: NOW }, undefined, NOW).status).toBe(status);
    }
  });

  it("shows the live branch and the newest activity", () => {
    const v = observe(record(), { alive: true, activityMs: NOW - 1000 }, "renamed", NOW);
    expect(v.branch).toBe("renamed");
    expect(v.lastActivityAt).toBe(new Date(NOW - 1000).toISOString());
    expect(v.storedStatus).toBe("working");
  });

  it("maps status aliases", () => {
    expect(canonicalStatus("active")).toBe("working");
    expect(canonicalStatus("running")).toBe("working");
    expect(canonicalStatus("ended")).toBe("killed");
    expect(canonicalStatus("completed")).toBe("done");
    expect(canonicalStatus("failed")).toBe("errored");
    expect(canonicalStatus("error")).toBe("errored");
    expect(canonicalStatus("Dead")).toBe("dead");
    expect(canonicalStatus("bogus")).toBeUndefined();
  });

  it("hides terminal sessions unless --all or asked for by status", () => {
    const killed = observe(record({ status: "killed" }), undefined, undefined, NOW);
    expect(matchesFilter(killed, {})).toBe(false);
    expect(matchesFilter(killed, { all: true })).toBe(true);
    expect(matchesFilter(killed, { status: "killed" })).toBe(true);
    expect(matchesFilter(killed, { agent: "other", all: true })).toBe(false);
  });
});

describe("durations and ages", () => {
  it("formats ages as 45s, 2m, 1h, 3d", () => {
    expect([45_000, 125_000, 3_700_000, 3 * 86_400_000 + 5, -5].map((ms) => formatAge(ms))).toEqual(["45s", "2m", "1h", "3d", "0s"]);
  });
  it("parses durations", () => {
    expect(parseDuration("30s")).toBe(30_000);
    expect(parseDuration("24h")).toBe(86_400_000);
    expect(parseDuration("7d")).toBe(604_800_000);
    expect(parseDuration(0)).toBe(0);
    expect(() => parseDuration("5w")).toThrow();
  });
});

describe("observe with a ViewMemo (the dash's cached records)", () => {
  it("gives the same view for the same record and inputs, and a new one when any input or the idle window changes", () => {
    const memo = new WeakMap() as NonNullable<Parameters<typeof observe>[4]>["memo"];
    const r = record();
    const tmux = { alive: true, activityMs: NOW - 5_000 };
    const first = observe(r, tmux, "ao/x", NOW, { memo });
    expect(observe(r, { ...tmux }, "ao/x", NOW + 1_000, { memo })).toBe(first);
    expect(observe(r, tmux, "ao/y", NOW, { memo }).branch).toBe("ao/y");
    expect(observe(r, { alive: false, activityMs: tmux.activityMs }, "ao/y", NOW, { memo }).status).toBe("dead");
    const later = observe(r, tmux, "ao/y", NOW + 60_000, { memo });
    expect(later.status).toBe("idle");
    expect(observe(r, tmux, "ao/y", NOW, { memo }).status).toBe("working");
    expect(observe({ ...r }, tmux, "ao/y", NOW, { memo })).not.toBe(first);
  });
});
