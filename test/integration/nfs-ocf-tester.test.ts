import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Host } from "../lab/lib/host";
import type { Switch } from "../lab/lib/net";
import type { Scratch } from "./fixture";
import { agentIn, machine, NET, nfsTestbed, runIn } from "./ganesha-fixture";

/** ocf-tester (resource-agents) on the installed nfsserver and exportfs agents, ganesha backend. */
let s: Scratch;
let NFSSERVER: string, EXPORTFS: string;
let sw: Switch, a: Host;
let shared: string;
const opts = (p: Record<string, string>) => Object.entries(p).flatMap(([k, v]) => ["-o", `${k}=${v}`]);
const nfsParams = () => ({ server: "ganesha", nfs_shared_infodir: `${shared}/info`, nfsv4_grace_time: "10", nfsv4_lease_time: "10" });

beforeAll(async () => {
  ({ s, nfsserver: NFSSERVER, exportfs: EXPORTFS, shared, sw } = await nfsTestbed());
  a = await machine(s, sw, "ot-a", `${NET}.41`);
}, 60_000);
afterAll(() => s?.cleanup());

describe("ocf-tester", () => {
  it("passes for nfsserver server=ganesha", async () => {
    const r = await runIn(a, ["ocf-tester", "-n", "nfs", ...opts(nfsParams()), NFSSERVER], { timeout: 120_000 });
    expect(r.stdout + r.stderr).toMatch(/hanfs\/nfsserver passed all tests/);
    expect(r.code).toBe(0);
    expect((await agentIn(a, NFSSERVER, "monitor", nfsParams())).code).toBe(7);
  });

  it("passes for exportfs server=ganesha (nfsserver running)", async () => {
    expect((await agentIn(a, NFSSERVER, "start", nfsParams())).code).toBe(0);
    const p = { server: "ganesha", clientspec: `${NET}.0/24`, options: "rw", directory: `${shared}/export`, fsid: "3" };
    const r = await runIn(a, ["ocf-tester", "-n", "exp", ...opts(p), EXPORTFS], { timeout: 120_000 });
    expect(r.stdout + r.stderr).toMatch(/hanfs\/exportfs passed all tests/);
    expect(r.code).toBe(0);
    expect((await agentIn(a, NFSSERVER, "stop", nfsParams())).code).toBe(0);
  });
});
