/** Conventions a shell user relies on: help, pipes, colour switches, option-looking text. */
import { spawn } from "node:child_process";
import { describe, expect, it } from "vitest";
import { COMMANDS, SESSION_COMMANDS } from "../../src/cli/program.js";
import { colorWanted } from "../../src/cli/render/style.js";
import { AO_BIN, useSandbox } from "../helpers/sandbox.js";

const s = useSandbox();

describe("the ao command line", () => {
  it("builds only the command argv names, and the help lists the commands that choice knows", async () => {
    // What `ao --help` and `ao session --help` list (with aliases) is what program.ts's route() picks from.
    const listed = (help: string) => [...help.split("Commands:\n")[1]!.matchAll(/^  ([a-z|]+)/gm)].flatMap((m) => m[1]!.split("|")).filter((c) => c !== "help");
    expect(listed((await s.ao(["--help"])).stdout).sort()).toEqual([...COMMANDS].sort());
    expect(listed((await s.ao(["session", "--help"])).stdout).sort()).toEqual([...SESSION_COMMANDS].sort());
    // A command built alone still parses and rejects as it does in the whole tree.
    const alone = await s.ao(["session", "ls", "--bogus"]);
    expect(alone.stderr).toBe("Error: unknown option '--bogus'\n(add --help for usage)\n");
    const typo = await s.ao(["session", "lss"]);
    expect(typo.code).toBe(2);
    expect(typo.stderr).toContain("Did you mean ls?");
  });

  it("bare ao and ao session print help on stdout and exit 0", async () => {
    const bare = await s.ao([]);
    expect(bare.code).toBe(0);
    expect(bare.stdout).toMatch(/^Usage: ao \[options\] \[command\]/);
    expect(bare.stderr).toBe("");
    const session = await s.ao(["session"]);
    expect(session.code).toBe(0);
    expect(session.stdout).toMatch(/^Usage: ao session \[options\] \[command\]/);
  });

  it.each([[["session", "--help"]], [["--help"]], [["session", "ls", "--all"]]])("a reader that closes the pipe early gets no stack trace: ao %j", async (args) => {
    // The reader is gone before ao writes (as with `ao … | head -1` once head has its line).
    const result = await new Promise<{ code: number | null; stderr: string }>((resolve) => {
      const child = spawn(process.execPath, [AO_BIN, ...args], { env: s.env });
      let stderr = "";
      child.stderr.on("data", (d) => (stderr += d));
      child.stdout.destroy();
      child.on("close", (code) => resolve({ code, stderr }));
    });
    expect(result.stderr).not.toMatch(/EPIPE|at .*\.js:\d+/);
    expect(result.code).toBe(0);
  });

  it("text that starts with '-' gets a hint to put it after --, and then goes through", async () => {
    const r = await s.ao(["send", "ma-1", "-x is broken"]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("Error: unknown option '-x is broken'");
    expect(r.stderr).toContain("goes after --, e.g. ao send ma-1 -- '-x is broken'");
    const after = await s.ao(["send", "ma-1", "--", "-x is broken"]);
    expect(after.stderr).toContain("Session not found"); // parsed as the message, not as an option
    expect(after.code).toBe(1);
  });

  it("every error has the one 'Error: ' prefix, commander's own included; a wrong option gets no '--' hint", async () => {
    const wrong = await s.ao(["session", "ls", "--bogus"]);
    expect(wrong.code).toBe(2);
    expect(wrong.stderr).toBe("Error: unknown option '--bogus'\n(add --help for usage)\n");
    const missing = await s.ao(["spawn"]);
    expect(missing.code).toBe(2);
    expect(missing.stderr.split("\n")[0]).toBe("Error: missing required argument 'project'");
    const unknown = await s.ao(["bogus"]);
    expect(unknown.stderr.split("\n")[0]).toBe("Error: unknown command 'bogus'");
  });

  it("NO_COLOR counts only when non-empty; FORCE_COLOR=0 turns colour off", () => {
    const tty = { isTTY: true };
    expect(colorWanted({}, tty, { NO_COLOR: "1" })).toBe(false);
    expect(colorWanted({}, tty, { NO_COLOR: "" })).toBe(true);
    expect(colorWanted({}, tty, { FORCE_COLOR: "0" })).toBe(false);
    expect(colorWanted({}, { isTTY: false }, { FORCE_COLOR: "1" })).toBe(true);
    expect(colorWanted({ color: false }, tty, {})).toBe(false);
    expect(colorWanted({}, { isTTY: false }, {})).toBe(false);
  });
});
