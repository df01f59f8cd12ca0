/**
 * A sandbox whose my-app project has `repo: acme/app`, and a GitHub API server on
 * 127.0.0.1 that holds that repository and accepts `token`: made before each test
 * of the file, torn down after it (every GraphQL query checked against the schema).
 */
import { afterEach, beforeEach, expect } from "vitest";
import { githubServer, type GitHubServer } from "./github-server.js";
import { baseConfig, sandbox, type Sandbox } from "./sandbox.js";

/** my-app's config with `repo: acme/app`. */
export const withRepo = (yaml: string): string => yaml.replace("    sessionPrefix: ma\n", "    sessionPrefix: ma\n    repo: acme/app\n");

export function useGitHubSandbox(token: string, config = (p: Parameters<typeof baseConfig>[0]) => withRepo(baseConfig(p))): { s: Sandbox; gh: GitHubServer } {
  let s: Sandbox | undefined;
  let gh: GitHubServer | undefined;
  beforeEach(async () => {
    gh = await githubServer();
    gh.addRepo("acme/app");
    s = await sandbox({ config });
    Object.assign(s.env, { GITHUB_API_URL: gh.url, GITHUB_TOKEN: token });
    gh.state.token = token;
  });
  afterEach(async () => {
    expect(gh!.invalidQueries).toEqual([]);
    await s?.cleanup();
    await gh?.close();
    s = gh = undefined;
  });
  return { s: current(() => s), gh: current(() => gh) };
}

/** Stands for the current test's object (which exists only inside a test). */
function current<T extends object>(get: () => T | undefined): T {
  return new Proxy({} as T, {
    get(_target, key) {
      const value = get();
      if (!value) throw new Error("the GitHub sandbox exists only inside a test");
      const v = (value as Record<PropertyKey, unknown>)[key];
      return typeof v === "function" ? v.bind(value) : v;
    },
  });
}
