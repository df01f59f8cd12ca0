import { describe, expect, it } from "vitest";
import { baseConfig, useSandbox } from "../helpers/sandbox.js";

// my-app's agent cannot be found; a second project's can.
const s = useSandbox({
  config: (p) =>
    baseConfig(p)
      .replace("projects:\n", "  ghost:\n    command: /nonexistent/agent --yolo\n  wrapped:\n    command: 'FOO=1 exec no-such-agent-on-path'\nprojects:\n")
      .replace("    sessionPrefix: ma\n", `    sessionPrefix: ma\n    agent: ghost\n  other:\n    path: ${p.repo}\n    sessionPrefix: ot\n    agent: wrapped\n  third:\n    path: ${p.repo}\n    sessionPrefix: th\n`),
});

describe("ao doctor and the agents' commands", () => {
  it("names each agent in use whose program cannot be found, and passes the ones that can", async () => {
    const r = await s.ao(["doctor", "--json"]);
    expect(r.code).toBe(1);
    const findings = JSON.parse(r.stdout).findings.filter((f: { check: string }) => f.check === "agents");
    expect(findings).toEqual([
      expect.objectContaining({ ok: true, message: expect.stringMatching(/^agent demo: \/.*\/node$/) }),
      expect.objectContaining({ ok: false, message: "agent ghost: /nonexistent/agent is not found", fix: `Install it, or set agents.ghost.command in ${s.configPath}.` }),
      expect.objectContaining({ ok: false, message: "agent wrapped: no-such-agent-on-path is not found on PATH" }),
    ]);
    // Presets nobody uses (claude-code, codex…) are not checked.
    expect(findings.some((f: { message: string }) => /claude|codex|opencode|aider/.test(f.message))).toBe(false);
  });
});

describe("ao doctor and an empty config", () => {
  it.each([[""], ["projects: {}\n"], ["defaults:\n  agent: shell\n"]])("says what is missing in %j", async (yaml) => {
    s.writeConfig(`dataDir: ${s.dataDir}\nworktreeDir: ${s.worktreeDir}\n${yaml}`);
    const r = await s.ao(["doctor"]);
    expect(r.code).toBe(1);
    expect(r.stdout).toContain(`${s.configPath} defines no projects: there is nothing to spawn a session in`);
    expect(r.stdout).toContain("run 'ao init' in the repository");
    expect(r.stdout).not.toContain("All checks pass");
  });
});
