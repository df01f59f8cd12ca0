/**
 * Acting on the wrong session: a name that two projects could make, the exact
 * name of a damaged record, huge issue numbers, and issue-less numbering that
 * used to move with issue numbers.
 */
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { gitRepo } from "../helpers/git.js";
import { githubServer, type GitHubServer } from "../helpers/github-server.js";
import { runProc } from "../helpers/proc.js";
import { AO_BIN, baseConfig, useSandbox } from "../helpers/sandbox.js";

const s = useSandbox();
let gh: GitHubServer | undefined;
afterEach(async () => {
  expect(gh?.invalidQueries ?? []).toEqual([]);
  await gh?.close();
  gh = undefined;
});

/** `ao` with a deadline: a spawn that loops forever fails the test instead of hanging it. */
async function aoWithin(args: string[], ms = 20_000) {
  const child = runProc(process.execPath, [AO_BIN, ...args], { cwd: s.root, env: s.env });
  const timer = new Promise<never>((_, reject) => setTimeout(() => reject(new Error(`ao ${args.join(" ")} did not finish in ${ms} ms`)), ms));
  return Promise.race([child, timer]);
}

const spawned = (r: { stdout: string }) => /Session (\S+) spawned/.exec(r.stdout)?.[1];

describe("two projects with the same session prefix", () => {
  it("refuses the config, naming both projects", async () => {
    const other = await gitRepo(join(s.root, "other"));
    s.writeConfig(`${baseConfig(s).replace("    sessionPrefix: ma\n", "")}  feature-api:\n    path: ${other.repo}\n`.replace("  my-app:", "  frontend-app:"));
    for (const args of [["session", "ls"], ["spawn", "frontend-app"], ["session", "cleanup"], ["doctor", "--fix"]]) {
      const r = await s.ao(args);
      expect(r.code, args.join(" ")).toBe(1);
      expect(r.stderr).toContain('Projects "frontend-app" and "feature-api" both use the session prefix "fa"');
      expect(r.stderr).toContain("sessionPrefix");
    }
    expect(await s.tmux.sessions()).toEqual([]);
  });

  it("cleanup keys GitHub's answers by project: the other repository's closed issue #7 ends nothing here", async () => {
    gh = await githubServer();
    gh.addRepo("acme/front", { issues: { 7: "CLOSED" } });
    gh.addRepo("acme/api", { issues: { 7: "OPEN" } });
    const other = await gitRepo(join(s.root, "other"));
    s.writeConfig(`${baseConfig(s).replace("  my-app:\n", "  frontend-app:\n").replace("    sessionPrefix: ma\n", "    sessionPrefix: fa\n    repo: acme/front\n")}  feature-api:\n    path: ${other.repo}\n    sessionPrefix: fb\n    repo: acme/api\n`);
    Object.assign(s.env, { GITHUB_API_URL: gh.url, GITHUB_TOKEN: "t0ken" });
    const front = await s.ao(["spawn", "frontend-app", "7"]);
    const api = await s.ao(["spawn", "feature-api", "7"]);
    expect([spawned(front), spawned(api)]).toEqual(["fa-7", "fb-7"]);
    // A record from the days both projects derived "fa": feature-api's session was named fa-7 too.
    const apiDir = join(s.dataDir, "projects", "feature-api", "sessions");
    const old = JSON.parse(readFileSync(join(apiDir, "fb-7.json"), "utf8"));
    writeFileSync(join(apiDir, "fa-7.json"), JSON.stringify({ ...old, name: "fa-7" }));
    writeFileSync(join(apiDir, "fb-7.json"), JSON.stringify({ ...old, status: "killed" }));

    const r = await s.ao(["session", "cleanup", "--json"]);
    expect(r.code, r.stderr).toBe(0);
    const items = JSON.parse(r.stdout).sessions.map((i: { project: string; name: string; decision: string }) => [i.project, i.name, i.decision]);
    expect(items).toEqual([["feature-api", "fa-7", "keep"], ["frontend-app", "fa-7", "clean"]]);
    expect(JSON.parse(readFileSync(join(apiDir, "fa-7.json"), "utf8")).status).toBe("working");
    expect(await s.tmux.sessions()).toEqual(["fb-7"]);
    // By name alone such a session is ambiguous: nothing acts on it.
    const kill = await s.ao(["session", "kill", "fa-7", "--force"]);
    expect(kill.code).toBe(1);
    expect(kill.stderr).toContain('Session "fa-7" exists in several projects: feature-api, frontend-app');
  });

  it("doctor --fix never ends the other project's healthy session of the same name", async () => {
    const other = await gitRepo(join(s.root, "other"));
    s.writeConfig(`${baseConfig(s).replace("  my-app:\n", "  frontend-app:\n").replace("    sessionPrefix: ma\n", "    sessionPrefix: fa\n")}  feature-api:\n    path: ${other.repo}\n    sessionPrefix: fb\n`);
    expect(spawned(await s.ao(["spawn", "frontend-app", "7"]))).toBe("fa-7");
    // feature-api's fa-7, from the days both derived "fa": stuck in spawning, its ao gone.
    const apiDir = join(s.dataDir, "projects", "feature-api", "sessions");
    mkdirSync(apiDir, { recursive: true });
    const front = JSON.parse(readFileSync(join(s.dataDir, "projects", "frontend-app", "sessions", "fa-7.json"), "utf8"));
    writeFileSync(join(apiDir, "fa-7.json"), JSON.stringify({ ...front, project: "feature-api", workspacePath: join(s.worktreeDir, "feature-api-7"), status: "spawning", spawnPid: 999999 }));
    const r = await s.ao(["doctor", "--fix"]);
    expect(r.stdout).toContain("fa-7 is stuck in spawning");
    expect(await s.tmux.sessions()).toEqual(["fa-7"]);
    expect(JSON.parse(readFileSync(join(s.dataDir, "projects", "frontend-app", "sessions", "fa-7.json"), "utf8")).status).toBe("working");
  });
});

describe("the exact name of a damaged record", () => {
  it("is reported (name, file, what is wrong) and never resolves to another session by prefix", async () => {
    expect(spawned(await s.ao(["spawn", "my-app", "INT-9"]))).toBe("ma-int-9");
    expect(spawned(await s.ao(["spawn", "my-app", "INT-9"]))).toBe("ma-int-9-2");
    const file = join(s.sessionsDir, "ma-int-9.json");
    writeFileSync(file, "{ torn");
    for (const args of [["session", "kill", "ma-int-9", "--force"], ["send", "ma-int-9", "hi"], ["session", "get", "ma-int-9"]]) {
      const r = await s.ao(args);
      expect(r.code, args.join(" ")).toBe(1);
      expect(r.stderr).toContain(`Session record ma-int-9 is damaged (${file}:`);
    }
    expect((await s.tmux.sessions()).sort()).toEqual(["ma-int-9", "ma-int-9-2"]);
    expect(JSON.parse(readFileSync(join(s.sessionsDir, "ma-int-9-2.json"), "utf8")).status).toBe("working");
    expect(s.received("ma-int-9-2").filter((m) => m.kind === "message")).toEqual([]);
  });
});

describe("session numbers", () => {
  it("a 17- or 25-digit issue id leaves issue-less numbering exact and finite", async () => {
    for (const issue of ["12345678901234567", "1234567890123456789012345"]) {
      const r = await aoWithin(["spawn", "my-app", issue]);
      expect(spawned(r), r.stderr).toBe(`ma-${issue}`);
    }
    expect(spawned(await aoWithin(["spawn", "my-app"]))).toBe("ma-1");
    expect(spawned(await aoWithin(["spawn", "my-app"]))).toBe("ma-2");
  });

  it("an older issue-less record with a huge number is counted past exactly", async () => {
    mkdirSync(s.sessionsDir, { recursive: true });
    const now = new Date().toISOString();
    const name = "ma-90071992547409931";
    writeFileSync(join(s.sessionsDir, `${name}.json`), JSON.stringify({ schemaVersion: 1, name, project: "my-app", issue: null, title: null, branch: `ao/${name}`, baseRef: "origin/main", agent: "demo", workspacePath: join(s.worktreeDir, "gone"), tmuxSession: name, status: "killed", prUrl: null, createdAt: now, updatedAt: now, lastActivityAt: now }));
    expect(spawned(await aoWithin(["spawn", "my-app"]))).toBe("ma-90071992547409932");
    expect(spawned(await aoWithin(["spawn", "my-app"]))).toBe("ma-90071992547409933");
  });

  it("issue-less sessions are numbered among themselves: spawn 42 does not move them, spawn 43 stays ma-43", async () => {
    expect(spawned(await s.ao(["spawn", "my-app", "42"]))).toBe("ma-42");
    expect(spawned(await s.ao(["spawn", "my-app"]))).toBe("ma-1");
    expect(spawned(await s.ao(["spawn", "my-app", "43"]))).toBe("ma-43");
    expect(spawned(await s.ao(["spawn", "my-app"]))).toBe("ma-2");
    const ls = JSON.parse((await s.ao(["session", "ls", "--json"])).stdout).map((v: { name: string; issue: string | null }) => [v.name, v.issue]);
    expect(ls).toEqual([["ma-1", null], ["ma-2", null], ["ma-42", "42"], ["ma-43", "43"]]);
  });
});
