/**
 * A GitHub that accepts connections and never answers costs one timeout per
 * github.cacheTtl, not one per command: ls, status and a numeric-issue spawn go
 * on at once with what they have, and say so.
 */
import { createServer, type Server, type Socket } from "node:net";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { withRepo } from "../helpers/github-sandbox.js";
import { baseConfig, useSandbox } from "../helpers/sandbox.js";

let server: Server;
let connections = 0;
const sockets: Socket[] = [];
beforeEach(async () => {
  connections = 0;
  server = createServer((socket) => {
    connections++;
    sockets.push(socket); // accepted, never answered
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
});
afterEach(async () => {
  for (const socket of sockets.splice(0)) socket.destroy();
  await new Promise((r) => server.close(r));
});

const s = useSandbox({ config: (p) => withRepo(baseConfig(p)) });
const env = () => ({ GITHUB_API_URL: `http://127.0.0.1:${(server.address() as { port: number }).port}`, GITHUB_TOKEN: "ghp_notarealtoken000000000000000000000000", AO_GITHUB_TIMEOUT: "1s" });

describe("an unreachable GitHub", () => {
  it("is waited for once per cache TTL, with one short note each time after", async () => {
    const first = await s.ao(["spawn", "my-app", "12", "--prompt", "Fix it"], { env: env() });
    expect(first.code, first.stderr).toBe(0);
    expect(first.stderr).toContain("issue #12's title not read from GitHub");
    const waited = connections;
    expect(waited).toBeGreaterThan(0);

    const ls = await s.ao(["session", "ls"], { env: env() });
    expect(ls.code, ls.stderr).toBe(0);
    expect(ls.stderr).toMatch(/GitHub state not refreshed \(acme\/app: .*, \d+s ago; asked again after github\.cacheTtl\); no cached state yet\./);
    const status = await s.ao(["status"], { env: env() });
    expect(status.code, status.stderr).toBe(0);
    const second = await s.ao(["spawn", "my-app", "13", "--prompt", "Fix that"], { env: env() });
    expect(second.code, second.stderr).toBe(0);
    expect(second.stderr).toMatch(/issue #13's title not read: GitHub failed \d+s ago/);
    expect(connections).toBe(waited); // nobody waited again

    // Once the TTL has passed, ao asks again.
    s.writeConfig(withRepo(baseConfig(s)) + "github:\n  cacheTtl: 0\n");
    expect((await s.ao(["session", "ls"], { env: env() })).code).toBe(0);
    expect(connections).toBeGreaterThan(waited);
  });
});
