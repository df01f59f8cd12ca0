import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { PRESETS } from "../../src/config/presets.js";
import { observe } from "../../src/core/plan.js";
import type { SessionRecord } from "../../src/core/record.js";
import { classifyScreen, hasPatterns, stillValid, type StatusPatterns } from "../../src/core/screen.js";
import { turnFinished, turnOutput } from "../../src/core/wait.js";
import { DEMO_STATUS } from "../../scripts/demo-config.mjs";

/** Screens captured in tmux from the real agents: `<preset>.<expected status>.<what>.txt` (see README there). */
const DIR = join(import.meta.dirname, "..", "fixtures", "screens");
const captures = readdirSync(DIR)
  .filter((f) => f.endsWith(".txt"))
  .map((file) => {
    const [preset, expected] = file.split(".") as [keyof typeof PRESETS, string];
    return { file, preset, expected, screen: readFileSync(join(DIR, file), "utf8") };
  });
const patterns = (preset: keyof typeof PRESETS): StatusPatterns => ("status" in PRESETS[preset] ? PRESETS[preset].status : {});

describe("reading the real agents' screens", () => {
  it("has captures of every state for each preset with patterns", () => {
    for (const preset of ["claude-code", "codex", "opencode"] as const) {
      const states = new Set(captures.filter((c) => c.preset === preset).map((c) => c.expected));
      expect([...states].sort(), preset).toEqual(["idle", "waiting", "working"]);
    }
  });

  it.each(captures.map((c) => [c.file, c] as const))("%s", (_file, c) => {
    expect(classifyScreen(c.screen, patterns(c.preset))).toBe(c.expected);
  });

  it("does not take one agent's screen for another's state", () => {
    // Each agent's idle screen read with another agent's patterns is at best `unknown`, never `waiting`.
    for (const c of captures) {
      for (const other of ["claude-code", "codex", "opencode"] as const) {
        if (other === c.preset) continue;
        if (c.expected !== "waiting") expect(classifyScreen(c.screen, patterns(other)), `${c.file} read as ${other}`).not.toBe("waiting");
      }
    }
  });

  it("says unknown for a screen no pattern matches (a blank screen, a shell)", () => {
    for (const preset of ["claude-code", "codex", "opencode"] as const) {
      expect(classifyScreen("\n\n\n", patterns(preset))).toBe("unknown");
      expect(classifyScreen("user@host:~/repo$ \n", patterns(preset))).toBe("unknown");
    }
  });

  it("does not take a prompt the user typed for a dialog", () => {
    // Claude Code echoes the user's prompt at the margin; its dialogs' options are indented.
    expect(classifyScreen("❯ 1. Yes, do the first thing\n\n❯ \n", patterns("claude-code"))).toBe("idle");
  });

  it("aider and shell have no patterns: their status comes from tmux activity, never `waiting`", () => {
    expect(hasPatterns(patterns("aider"))).toBe(false);
    expect(hasPatterns(patterns("shell"))).toBe(false);
  });
});

describe("reading the text in a real agent's input box (composer)", () => {
  /** What each capture's box holds; every other idle capture has an empty box. */
  const LEFTOVER: Record<string, string> = {
    "claude-code.idle.leftover-text.txt": "This is a SLOW please-slow question", // put back by Claude Code after an abort
    "claude-code.idle.after-interrupt.txt": "please-slow think about the answer", // the same, from the first captures
    "claude-code.idle.leftover-lines.txt": "one\n  two\n  three",
    "codex.idle.leftover-lines.txt": "one\n  two\n  three",
    "opencode.idle.leftover-text.txt": "Please also run the tests",
    "opencode.idle.leftover-lines.txt": "one", // OpenCode's pattern reads the first line: enough to tell the box is not empty
  };
  const box = (c: (typeof captures)[number]): string | undefined => {
    const source = (PRESETS[c.preset] as { composer?: string }).composer;
    if (!source) throw new Error(`${c.preset} has no composer pattern`);
    return new RegExp(source, "m").exec(c.screen)?.[1];
  };
  const idle = captures.filter((c) => c.expected === "idle" && c.preset !== "aider" && c.preset !== "shell");

  it("has leftover-text captures for each preset with patterns", () => {
    for (const preset of ["claude-code", "codex", "opencode"]) {
      expect(Object.keys(LEFTOVER).some((f) => f.startsWith(`${preset}.`) && captures.some((c) => c.file === f)), preset).toBe(true);
    }
  });

  // ao reads with `capture-pane -J`, which keeps the spaces a TUI leaves at the end of its lines; the captures
  // have none. Each is read both ways: as captured, and with every line padded to the pane's 200 columns.
  const padded = (screen: string) => screen.split("\n").map((l) => l + " ".repeat(Math.max(0, 200 - [...l].length))).join("\n");
  it.each(idle.flatMap((c) => [[c.file, c] as const, [`${c.file} (trailing spaces)`, { ...c, screen: padded(c.screen) }] as const]))("%s", (_file, c) => {
    const text = box(c);
    expect(text, "the pattern must read the box of every idle screen").toBeDefined();
    if (LEFTOVER[c.file] !== undefined) expect(text!.replace(/ +$/gm, "")).toBe(LEFTOVER[c.file]);
    else expect(text!.trim(), "an empty box (or its placeholder) reads as empty").toBe("");
  });

  it("does not take a prompt of the conversation above for the box", () => {
    // Each after-turn screen shows earlier prompts above the box; the box itself is empty.
    for (const file of ["claude-code.idle.after-turn.txt", "codex.idle.after-turn.txt", "opencode.idle.after-turn.txt"]) {
      const c = captures.find((x) => x.file === file)!;
      expect(box(c)?.trim(), file).toBe("");
    }
  });

  it("presses keys that empty the box and are harmless on an empty one", () => {
    // Ctrl-C on an empty box quits Codex and OpenCode, and arms Claude Code's exit: each gets Ctrl-U, a line at a time.
    for (const preset of ["claude-code", "codex", "opencode"] as const) {
      expect(PRESETS[preset].keys.clear.length).toBeGreaterThanOrEqual(3);
      expect(PRESETS[preset].keys.clear.every((k) => k === "C-u"), preset).toBe(true);
    }
  });
});

describe("the demo agent's patterns (used by the e2e tests and npm run demo)", () => {
  const demo = { waiting: [DEMO_STATUS.waiting], working: [DEMO_STATUS.working], idle: [DEMO_STATUS.idle] };
  const header = "Demo agent (ma-1) in /w\n> hello\nYou said (1 line, 5 bytes):\n| hello\nDone.\n";
  it("reads only the last non-blank line", () => {
    expect(classifyScreen(`${header}> \n\n\n`, demo)).toBe("idle");
    expect(classifyScreen(`${header}> half-typed\n`, demo)).toBe("idle");
    expect(classifyScreen(`${header}> /ask x\nPermission needed: x\n  [y] allow once  [a] allow always  [n] reject\n\n`, demo)).toBe("waiting");
    expect(classifyScreen(`${header}  [y] allow once  [a] allow always  [n] reject\nPermission: once\nDone.\n> \n`, demo)).toBe("idle");
    expect(classifyScreen(`${header}> /sleep 3\nWorking (esc to interrupt) ..\n`, demo)).toBe("working");
    expect(classifyScreen(`${header}Working (esc to interrupt) ...\nDone.\n> \n`, demo)).toBe("idle");
    expect(classifyScreen(`${header}Agent exiting (0).\n`, demo)).toBe("unknown");
  });
});

describe("when a screen must be read again", () => {
  it("reuses what was read only while tmux reports the same activity, read in a later second", () => {
    expect(stillValid({ status: "idle", activity: 100, readAt: 101 }, 100)).toBe(true);
    expect(stillValid({ status: "idle", activity: 100, readAt: 101 }, 102)).toBe(false); // new output
    expect(stillValid({ status: "idle", activity: 100, readAt: 100 }, 100)).toBe(false); // output later in that second would be missed
    expect(stillValid(undefined, 100)).toBe(false);
  });
});

describe("the screen in the observed status", () => {
  const NOW = Date.parse("2026-01-01T12:00:00Z");
  const record = { schemaVersion: 1, name: "ma-1", project: "my-app", issue: null, title: null, branch: "b", baseRef: null, agent: "claude-code", workspacePath: "/w", tmuxSession: "ma-1", status: "working", prUrl: null, createdAt: "2026-01-01T11:00:00Z", updatedAt: "2026-01-01T11:00:00Z", lastActivityAt: "2026-01-01T11:00:00Z" } satisfies SessionRecord;
  it("wins over activity for a live session, never for a dead or paused one", () => {
    expect(observe(record, { alive: true, activityMs: NOW }, undefined, NOW, { screen: "waiting" }).status).toBe("waiting");
    expect(observe(record, { alive: true, activityMs: NOW - 600_000 }, undefined, NOW, { screen: "working" }).status).toBe("working");
    expect(observe(record, { alive: true, activityMs: NOW }, undefined, NOW, { screen: "unknown" }).status).toBe("unknown");
    expect(observe(record, { alive: false, activityMs: NOW }, undefined, NOW, { screen: "idle" }).status).toBe("dead");
    expect(observe({ ...record, status: "paused" }, undefined, undefined, NOW, { screen: "idle" }).status).toBe("paused");
  });

  it("ends a send --wait turn at the prompt or at a question, once still", () => {
    expect(turnFinished({ changed: true, stillForMs: 600, lastLine: "", screen: "idle" })).toBe(true);
    expect(turnFinished({ changed: true, stillForMs: 600, lastLine: "", screen: "waiting" })).toBe(true);
    expect(turnFinished({ changed: true, stillForMs: 5_000, lastLine: "", screen: "working" })).toBe(false);
    expect(turnFinished({ changed: true, stillForMs: 100, lastLine: "", screen: "idle" })).toBe(false);
    expect(turnFinished({ changed: false, stillForMs: 5_000, lastLine: "", screen: "idle" })).toBe(false);
    // A screen the patterns cannot read (the agent fell back to a shell) ends the wait by stillness, as without patterns.
    expect(turnFinished({ changed: true, stillForMs: 1_000, lastLine: "", screen: "unknown" })).toBe(false);
    expect(turnFinished({ changed: true, stillForMs: 2_000, lastLine: "", screen: "unknown" })).toBe(true);
  });
});

describe("what a turn printed (send --wait)", () => {
  it("keeps the lines a line-based agent added, without its next prompt", () => {
    const before = "Demo agent\n> hello\nDone.\n> ";
    const after = "Demo agent\n> hello\nDone.\n> \nYou said (1 line, 2 bytes):\n| hi\nDone.\n> ";
    expect(turnOutput(before, after, (l) => /^> ?$/.test(l))).toBe("You said (1 line, 2 bytes):\n| hi\nDone.");
    expect(turnOutput(before, after)).toBe("You said (1 line, 2 bytes):\n| hi\nDone.\n>");
  });

  it("drops the prompt box and status bar a TUI redraws below the conversation", () => {
    // Codex 0.169.0 draws inline: the conversation grows above its composer and footer (see `ao session logs`).
    const chrome = ["", "", "› Ask Codex to do anything", "", "  fake-model default · /w", "  ← for agents · ? for shortcuts        "];
    const before = ["  >_ OpenAI Codex (v0.169.0)", "", "› fix it", "", "• Done.", "", "  Worked for <1s • 17:13", ...chrome].join("\n");
    const after = ["  >_ OpenAI Codex (v0.169.0)", "", "› fix it", "", "• Done.", "", "  Worked for <1s • 17:13", "", "› what is the answer   ", "", "", "• The answer is 42.", "", "  Worked for <1s • 17:17", ...chrome].join("\n");
    expect(turnOutput(before, after)).toBe("› what is the answer\n\n• The answer is 42.\n\n  Worked for <1s • 17:17");
  });
});
