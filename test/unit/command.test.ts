import { describe, expect, it } from "vitest";
import { commandProgram, findProgram } from "../../src/core/command.js";
import { knownTmuxCrash } from "../../src/core/doctor.js";
import { composerText } from "../../src/core/screen.js";
import { DEMO_COMPOSER } from "../../scripts/demo-config.mjs";

describe("commandProgram (doctor's PATH check)", () => {
  it.each([
    ["claude", "claude"],
    ["codex --full-auto", "codex"],
    ['node "/opt/my agent/run.mjs" --yolo', "node"],
    ["FOO=1 BAR='x y' exec aider --model x", "aider"],
    ["'/opt/my tools/agent' go", "/opt/my tools/agent"],
  ])("%s → %s", (command, program) => expect(commandProgram(command)).toBe(program));

  it.each([['exec "${SHELL:-/bin/sh}"'], ["$(which claude)"], ["cd x && claude"], ["'unterminated"], [""]])("cannot tell for %s", (command) => {
    expect(commandProgram(command)).toBeUndefined();
  });

  it("finds a program on PATH or at its path", () => {
    const exe = new Set(["/usr/bin/node", "/opt/agent"]);
    expect(findProgram("node", "/bin:/usr/bin", (p) => exe.has(p))).toBe("/usr/bin/node");
    expect(findProgram("claude", "/bin:/usr/bin", (p) => exe.has(p))).toBeUndefined();
    expect(findProgram("/opt/agent", "", (p) => exe.has(p))).toBe("/opt/agent");
  });
});

describe("knownTmuxCrash", () => {
  it("names the paste crash for tmux before 3.4 only", () => {
    expect(knownTmuxCrash("3.3a")?.fixedIn).toBe("3.4");
    expect(knownTmuxCrash("3.2")?.what).toMatch(/pasted into a pane whose program has exited/);
    expect(knownTmuxCrash("3.4")).toBeUndefined();
    expect(knownTmuxCrash("3.5a")).toBeUndefined();
    expect(knownTmuxCrash("next-3.6")).toBeUndefined();
  });
});

describe("composerText", () => {
  it("reads the text in the input box, empty when there is none, undefined when the box is not found", () => {
    expect(composerText("Done.\n> half a thought\n", DEMO_COMPOSER)).toBe("half a thought");
    expect(composerText("Done.\n>\n\n", DEMO_COMPOSER)).toBe("");
    expect(composerText("Done.\n> \n", DEMO_COMPOSER)).toBe("");
    expect(composerText("Permission needed: x\n  [y] allow once  [a] allow always  [n] reject\n", DEMO_COMPOSER)).toBeUndefined();
    expect(composerText("> anything", undefined)).toBeUndefined();
  });
});
