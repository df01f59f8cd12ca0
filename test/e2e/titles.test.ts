import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { githubServer, type GitHubServer } from "../helpers/github-server.js";
import { waitFor } from "../helpers/proc.js";
import { AO_BIN, baseConfig, useSandbox } from "../helpers/sandbox.js";
import { tmuxServer } from "../helpers/tmux.js";

const s = useSandbox();

const get = async (name: string) => JSON.parse((await s.ao(["session", "get", name, "--json"])).stdout);

describe("titles", () => {
  it("come from --title (cleaned), else the first line of the prompt, and can be updated", async () => {
    expect((await s.ao(["spawn", "my-app", "1", "--title", "\u001b[31mFix\u001b[0m the errors"])).code).toBe(0);
    expect((await s.ao(["spawn", "my-app", "2", "--prompt", "\n  Add tests for the parser\nThen run them."])).code).toBe(0);
    expect((await s.ao(["spawn", "my-app", "3"])).code).toBe(0);
    expect((await get("ma-1")).title).toBe("Fix the errors");
    expect((await get("ma-1")).branch).toBe("1-fix-the-errors");
    expect((await get("ma-2")).title).toBe("Add tests for the parser");
    expect((await get("ma-2")).branch).toBe("2");
    expect((await get("ma-3")).title).toBeNull();
    const r = await s.ao(["session", "update", "ma-3", "--title", "A much better title"]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toBe('Session ma-3 updated: title "A much better title".\n');
    expect((await get("ma-3")).title).toBe("A much better title");
    expect((await s.ao(["session", "get", "ma-3"])).stdout).toMatch(/^Title: +A much better title$/m);
    const events = JSON.parse((await s.ao(["session", "events", "ma-3", "--json"])).stdout).events;
    expect(events.at(-1)).toMatchObject({ type: "updated", title: "A much better title" });
    expect((await s.ao(["session", "update", "ma-3"])).code).toBe(2);
    expect((await s.ao(["session", "update", "ma-3", "--title", "\u001b[2J"])).code).toBe(2);
  });

  it("show in ls only on a terminal wide enough, cut to 50 characters", async () => {
    expect((await s.ao(["spawn", "my-app", "1", "--title", `Long ${"words ".repeat(20)}end`])).code).toBe(0);
    const piped = await s.ao(["session", "ls"]);
    expect(piped.stdout).not.toContain("Long words");
    const term = tmuxServer();
    try {
      const env = Object.entries(s.env).map(([k, v]) => `${k}=${v}`);
      await term.tmux("new-session", "-d", "-s", "wide", "-x", "200", "-y", "20", "env", ...env, process.execPath, AO_BIN, "--no-color", "session", "ls", ";", "set-option", "-w", "-t", "=wide:", "remain-on-exit", "on");
      const screen = await waitFor(async () => {
        const text = await term.capture("wide");
        return text.includes("ma-1") ? text : undefined;
      }, "ls in a wide terminal");
      // The branch slug is capped at 40 characters; the title at 50, with an ellipsis.
      expect(screen).toMatch(/ {2}ma-1 {2}\(\d+s\) {2}1-long(-words){5} {2}\[(working|idle)\] {2}Long (words ){7}wo…\n/);
    } finally {
      await term.kill();
    }
  });
});

describe("titles from the GitHub issue", () => {
  const withRepo = useSandbox({ config: (p) => baseConfig(p).replace("    sessionPrefix: ma\n", "    sessionPrefix: ma\n    repo: acme/app\n") });
  const getIn = async (name: string) => JSON.parse((await withRepo.ao(["session", "get", name, "--json"])).stdout);
  let gh: GitHubServer;
  beforeEach(async () => {
    gh = await githubServer();
    gh.addRepo("acme/app", { issues: { 12: "OPEN", 13: "OPEN" }, issueTitles: { 12: "Login fails with \u001b[1mSSO\u001b[0m" } });
    withRepo.env.GITHUB_API_URL = gh.url;
  });
  afterEach(() => gh.close());

  it("name the session and its branch when neither --title is given nor the issue is missing", async () => {
    const r = await withRepo.ao(["spawn", "my-app", "12", "--prompt", "Look at the SSO flow"]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).not.toContain("title not read");
    expect(await getIn("ma-12")).toMatchObject({ title: "Login fails with SSO", branch: "12-login-fails-with-sso" });
    // --title wins and GitHub is not asked; an issue without a title on GitHub's side, or none at all, falls back to the prompt.
    const asked = gh.requests.length;
    expect((await withRepo.ao(["spawn", "my-app", "12", "--title", "Mine"])).code).toBe(0);
    expect(gh.requests.length).toBe(asked);
    expect((await getIn("ma-12-2")).title).toBe("Mine");
    expect((await withRepo.ao(["spawn", "my-app", "404", "--prompt", "From the prompt"])).code).toBe(0);
    expect(await getIn("ma-404")).toMatchObject({ title: "From the prompt", branch: "404" });
  });

  it("fall back to the prompt with one warning when GitHub cannot be asked", async () => {
    gh.state.failAll = { status: 503 };
    const r = await withRepo.ao(["spawn", "my-app", "12", "--prompt", "Fix the SSO login"]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toContain("Warning: issue #12's title not read from GitHub (GitHub answered HTTP 503); the title comes from the prompt");
    expect(await getIn("ma-12")).toMatchObject({ title: "Fix the SSO login", branch: "12" });
  });
});
