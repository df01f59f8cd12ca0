import { mkdirSync, mkdtempSync, readFileSync, realpathSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { z } from "zod";
import { findConfigPath, loadConfig, locateConfig } from "../../src/config/load.js";
import { isLinkedWorktree } from "../../src/config/locate.js";
import { parseConfig } from "../../src/config/parse.js";
import { configSchema } from "../../src/config/schema.js";
import { PRESETS } from "../../src/config/presets.js";

const parse = (yaml: string) => parseConfig(yaml, "/etc/ao/agent-orchestrator.yaml", "/home/u");

describe("parseConfig", () => {
  it("fills defaults, expands ~ and knows the presets", () => {
    const c = parse("projects:\n  my-project:\n    path: ~/code/my-project\n");
    expect(c.dataDir).toBe("/home/u/.agent-orchestrator");
    expect(c.worktreeDir).toBe("/home/u/.worktrees");
    expect(c.defaultAgent).toBe("claude-code");
    expect(c.runtimeDeadAfterMs).toBe(86_400_000);
    expect(c.githubApiUrl).toBe("https://api.github.com");
    expect(c.projects["my-project"]).toEqual({
      id: "my-project", path: "/home/u/code/my-project", repo: undefined, defaultBranch: "main",
      sessionPrefix: "mp", agent: undefined, postCreate: [], symlinks: [],
    });
    expect(Object.keys(c.agents).sort()).toEqual(["aider", "claude-code", "codex", "opencode", "shell"]);
    expect(c.agents.codex?.prompt).toBe("arg");
  });

  it("resolves relative paths against the config file's directory", () => {
    expect(parse("dataDir: state\n").dataDir).toBe("/etc/ao/state");
  });

  it("merges custom agents over presets and defines new ones", () => {
    const c = parse("agents:\n  codex:\n    command: codex --yolo\n  mine:\n    command: mine\n    prompt: paste\ndefaults:\n  agent: mine\n");
    expect(c.agents.codex).toEqual({ ...PRESETS.codex, name: "codex", command: "codex --yolo", readyPattern: undefined });
    expect(c.agents.mine).toEqual({ name: "mine", command: "mine", resumeCommand: undefined, prompt: "paste", keys: {}, readyPattern: undefined, status: undefined });
    expect(c.defaultAgent).toBe("mine");
  });

  it("merges status patterns per state over the preset's, and refuses a bad regex with its line", () => {
    const c = parse("agents:\n  codex:\n    status:\n      idle: ['^READY']\n");
    expect(c.agents.codex!.status).toEqual({ ...PRESETS.codex.status, idle: ["^READY"] });
    expect(() => parse("agents:\n  codex:\n    status:\n      waiting: ['(unclosed']\n")).toThrow(/"agents.codex.status.waiting\[0\]".*a valid regular expression.*\(line 4\)/);
  });

  it("names an unknown key and its line", () => {
    expect(() => parse("projects:\n  app:\n    path: /x\n    sesionPrefix: a\n")).toThrow('Unknown key "projects.app.sesionPrefix" in /etc/ao/agent-orchestrator.yaml (line 4)');
  });

  it("names a wrong type and its line", () => {
    expect(() => parse("dataDir: /d\ncleanup:\n  runtimeDeadAfter: soon\n")).toThrow(/"cleanup.runtimeDeadAfter".*\(line 3\)/);
    expect(() => parse("projects:\n  app:\n    path: /x\n    postCreate: npm ci\n")).toThrow(/"projects.app.postCreate".*\(line 4\)/);
  });

  it("refuses bad project ids and a missing path", () => {
    expect(() => parse("projects:\n  My_App:\n    path: /x\n")).toThrow(/projects/);
    expect(() => parse("projects:\n  app:\n    repo: o/r\n")).toThrow(/"projects.app.path"/);
  });

  it("lists every problem of the file at once, in line order, with the nearest known key", () => {
    let message = "";
    try {
      parse("projets:\n  x: 1\ndefaults:\n  agnet: codex\nprojects:\n  My_App:\n    path: /x\n  ok:\n    path: /x\n    sessionPrefx: ok\n    defaultBranch: 5\n");
    } catch (err) {
      message = (err as Error).message;
    }
    expect(message.split("\n")).toEqual([
      "5 problems in /etc/ao/agent-orchestrator.yaml:",
      '  line 1: Unknown key "projets". Did you mean "projects"?',
      '  line 4: Unknown key "defaults.agnet". Did you mean "agent"?',
      '  line 6: Invalid project id "My_App" under projects: use lower-case letters, digits, - and _, starting with a letter or digit, like my-app ([a-z0-9][a-z0-9_-]*)',
      '  line 10: Unknown key "projects.ok.sessionPrefx". Did you mean "sessionPrefix"?',
      '  line 11: Invalid value for "projects.ok.defaultBranch": Invalid input: expected string, received number',
    ]);
  });

  it("lists problems found after validation too (unknown agents), and suggests nothing for a key unlike any", () => {
    expect(() => parse("defaults:\n  agent: nope\nprojects:\n  a:\n    path: /x\n    agent: nope2\n")).toThrow(/^2 problems in .*\n  line 2: Unknown agent "nope" at "defaults.agent"\. Known agents: .*\n  line 6: Unknown agent "nope2"/);
    let hint: string | undefined = "unset";
    try {
      parse("zzzzzzzz: 1\n");
    } catch (err) {
      hint = (err as { hint?: string }).hint;
    }
    expect(hint).toBeUndefined();
  });

  it("reports invalid YAML with line and column", () => {
    expect(() => parse("projects:\n  app:\n    path: [unclosed\n")).toThrow(/Invalid YAML .* at line \d+, column \d+/);
  });

  it("stops a YAML alias bomb", () => {
    const bomb = ["a: &a [x, x, x, x, x, x, x, x, x, x]", ...Array.from({ length: 9 }, (_, i) => `${String.fromCharCode(98 + i)}: &${String.fromCharCode(98 + i)} [${Array(10).fill(`*${String.fromCharCode(97 + i)}`).join(", ")}]`)].join("\n");
    expect(() => parse(bomb)).toThrow(/Invalid YAML .*Excessive alias count/);
  });

  it("takes reply/abort keys per agent, over the preset's", () => {
    const c = parse("agents:\n  aider:\n    keys:\n      abort: [Escape]\n");
    expect(c.agents.aider?.keys).toEqual({ once: ["y", "Enter"], always: ["a", "Enter"], reject: ["n", "Enter"], abort: ["Escape"] });
    expect(() => parse("agents:\n  x:\n    command: x\n    keys:\n      abort: ['$(rm)']\n")).toThrow(/tmux key name.*\(line 5\)/);
  });

  it("refuses unknown agents and custom agents without a command", () => {
    expect(() => parse("defaults:\n  agent: nope\n")).toThrow('Unknown agent "nope" at "defaults.agent"');
    expect(() => parse("agents:\n  x:\n    prompt: arg\n")).toThrow(/agents.x.command is required.*\(line 2\)/);
    expect(() => parse("projects:\n  app:\n    path: /x\n    agent: ghost\n")).toThrow(/Unknown agent "ghost".*line 4/);
  });

  it("refuses two projects whose session names could collide, naming both", () => {
    expect(() => parse("projects:\n  frontend-app:\n    path: /a\n  feature-api:\n    path: /b\n")).toThrow('Projects "frontend-app" and "feature-api" both use the session prefix "fa" in /etc/ao/agent-orchestrator.yaml (line 4)');
    expect(() => parse("projects:\n  a:\n    path: /a\n    sessionPrefix: fa\n  b:\n    path: /b\n    sessionPrefix: fa-x\n")).toThrow('Projects "a" and "b" use the session prefixes "fa" and "fa-x"');
    expect(Object.keys(parse("projects:\n  frontend-app:\n    path: /a\n  feature-api:\n    path: /b\n    sessionPrefix: fapi\n").projects)).toHaveLength(2);
  });

  it("keeps symlinks inside the repository", () => {
    expect(() => parse("projects:\n  app:\n    path: /x\n    symlinks: ['../secret']\n")).toThrow(/must be a path inside/);
  });
});

describe("loadConfig", () => {
  let dir: string;
  let env: NodeJS.ProcessEnv;
  beforeEach(() => {
    dir = realpathSync(mkdtempSync(join(tmpdir(), "ao-config-")));
    env = { HOME: dir, XDG_CONFIG_HOME: join(dir, "xdg"), XDG_CACHE_HOME: join(dir, "cache") };
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it("finds the file by --config, AO_CONFIG, walking up, then XDG, in that order", () => {
    const nested = join(dir, "a", "b");
    mkdirSync(nested, { recursive: true });
    mkdirSync(join(dir, "xdg", "agent-orchestrator"), { recursive: true });
    writeFileSync(join(dir, "xdg", "agent-orchestrator", "config.yaml"), "{}\n");
    expect(findConfigPath({ cwd: nested, env })).toBe(join(dir, "xdg", "agent-orchestrator", "config.yaml"));
    writeFileSync(join(dir, "a", "agent-orchestrator.yml"), "{}\n");
    expect(findConfigPath({ cwd: nested, env })).toBe(join(dir, "a", "agent-orchestrator.yml"));
    writeFileSync(join(dir, "other.yaml"), "{}\n");
    expect(findConfigPath({ cwd: nested, env: { ...env, AO_CONFIG: join(dir, "other.yaml") } })).toBe(join(dir, "other.yaml"));
    expect(findConfigPath({ cwd: nested, env: { ...env, AO_CONFIG: "/nope" }, configPath: join(dir, "other.yaml") })).toBe(join(dir, "other.yaml"));
  });

  it("says how to start when nothing is found", () => {
    expect(() => findConfigPath({ cwd: dir, env })).toThrow("No agent-orchestrator.yaml found");
  });

  it("lets the environment win over the file", async () => {
    const file = join(dir, "agent-orchestrator.yaml");
    writeFileSync(file, "dataDir: /from/file\nworktreeDir: /wt\ntmux:\n  socket: filesock\ngithub:\n  apiUrl: https://ghe.example.com/api/v3\n");
    const c = await loadConfig({ configPath: file, env: { ...env, AO_DATA_DIR: "~/d", AO_WORKTREE_DIR: "/w2", AO_TMUX_SOCKET: "envsock", GITHUB_API_URL: "http://127.0.0.1:9/" } });
    expect(c.dataDir).toBe(join(dir, "d"));
    expect(c.worktreeDir).toBe("/w2");
    expect(c.tmuxSocket).toBe("envsock");
    expect(c.githubApiUrl).toBe("http://127.0.0.1:9");
    const plain = await loadConfig({ configPath: file, env });
    expect(plain.tmuxSocket).toBe("filesock");
    expect(plain.githubApiUrl).toBe("https://ghe.example.com/api/v3");
  });

  it("re-validates as soon as the file changes (the cache never hides an edit)", async () => {
    const file = join(dir, "agent-orchestrator.yaml");
    writeFileSync(file, "dataDir: /one\n");
    expect((await loadConfig({ configPath: file, env })).dataDir).toBe("/one");
    expect((await loadConfig({ configPath: file, env })).dataDir).toBe("/one");
    writeFileSync(file, "dataDir: /two\n");
    expect((await loadConfig({ configPath: file, env })).dataDir).toBe("/two");
    writeFileSync(file, "dataDir: /two\nbogus: 1\n");
    await expect(loadConfig({ configPath: file, env })).rejects.toThrow('Unknown key "bogus"');
  });

  it("never reads a config at or below a worktree; walks on above one no session owns", () => {
    const wt = join(dir, "code", "wt");
    mkdirSync(join(wt, "src"), { recursive: true });
    writeFileSync(join(dir, "code", "agent-orchestrator.yaml"), "{}\n");
    writeFileSync(join(wt, "agent-orchestrator.yaml"), "{}\n");
    writeFileSync(join(wt, "src", "agent-orchestrator.yaml"), "{}\n");
    expect(findConfigPath({ cwd: join(wt, "src"), env })).toBe(join(wt, "src", "agent-orchestrator.yaml"));
    writeFileSync(join(wt, ".git"), "gitdir: /repo/.git/worktrees/wt\n");
    expect(isLinkedWorktree(wt)).toBe(true);
    expect(locateConfig({ cwd: join(wt, "src"), env })).toEqual({ path: join(dir, "code", "agent-orchestrator.yaml"), source: "walked" });
    // A submodule's .git file is not a worktree.
    writeFileSync(join(wt, ".git"), "gitdir: ../.git/modules/wt\n");
    expect(isLinkedWorktree(wt)).toBe(false);
    // Anything under $AO_WORKTREE_DIR is a worktree, .git file or not.
    expect(findConfigPath({ cwd: join(wt, "src"), env: { ...env, AO_WORKTREE_DIR: join(dir, "code", "wt") } })).toBe(join(dir, "code", "agent-orchestrator.yaml"));
  });

  it("inside a session's worktree takes the config its record names", () => {
    const wt = join(dir, ".worktrees", "my-app-ma-1");
    mkdirSync(wt, { recursive: true });
    writeFileSync(join(wt, "agent-orchestrator.yaml"), "{}\n");
    const sessions = join(dir, ".agent-orchestrator", "projects", "my-app", "sessions");
    mkdirSync(sessions, { recursive: true });
    const recorded = join(dir, "main", "agent-orchestrator.yaml");
    mkdirSync(join(dir, "main"));
    writeFileSync(recorded, "{}\n");
    writeFileSync(join(sessions, "ma-1.json"), JSON.stringify({ name: "ma-1", workspacePath: wt, configPath: recorded, updatedAt: "2026-01-01T00:00:00Z" }));
    expect(locateConfig({ cwd: wt, env })).toEqual({ path: recorded, source: "session" });
  });

  it("refuses a config that is a directory", async () => {
    mkdirSync(join(dir, "cfgdir"));
    await expect(loadConfig({ configPath: join(dir, "cfgdir"), env })).rejects.toThrow(/is a directory/);
  });
});

describe("JSON Schema", () => {
  it("the shipped schema is generated from the loader's definition", () => {
    const shipped = JSON.parse(readFileSync(join(import.meta.dirname, "..", "..", "schema", "agent-orchestrator.schema.json"), "utf8"));
    expect(shipped).toEqual({ ...z.toJSONSchema(configSchema, { io: "input" }), title: "agent-orchestrator.yaml" });
    expect(shipped.additionalProperties).toBe(false);
  });
});

describe("agent-orchestrator.example.yaml", () => {
  const text = readFileSync(join(import.meta.dirname, "..", "..", "agent-orchestrator.example.yaml"), "utf8");
  it("is a valid config", () => {
    const c = parseConfig(text, "/x/agent-orchestrator.yaml", "/home/u");
    expect(c.projects["my-project"]?.repo).toBe("owner/my-project");
  });
  it("documents every key of the schema", () => {
    const keys = new Set<string>();
    const walk = (node: { properties?: Record<string, unknown>; additionalProperties?: unknown }) => {
      for (const [k, v] of Object.entries(node.properties ?? {})) {
        keys.add(k);
        walk(v as typeof node);
      }
      if (node.additionalProperties && typeof node.additionalProperties === "object") walk(node.additionalProperties as typeof node);
    };
    walk(z.toJSONSchema(configSchema, { io: "input" }) as Parameters<typeof walk>[0]);
    keys.delete("$schema");
    for (const key of keys) expect(text, key).toMatch(new RegExp(`^\\s*${key.replace("$", "\\$")}:`, "m"));
  });
});
