import { createHash, randomBytes } from "node:crypto";
import { existsSync, mkdirSync, readFileSync, symlinkSync, writeFileSync } from "node:fs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Host } from "../lab/lib/host";
import type { Switch } from "../lab/lib/net";
import type { Scratch } from "./fixture";
import { agentIn, machine, NET, nfsTestbed, runIn } from "./ganesha-fixture";

/** ocf:hanfs:exportfs server=ganesha on a real ganesha run by ocf:hanfs:nfsserver; libnfs client. */
let s: Scratch;
let NFSSERVER: string, EXPORTFS: string;
let sw: Switch, a: Host, cli: Host;
let shared: string;
const SRV = `${NET}.31`;
const RUN = "/run/hanfs/ganesha";
const nfsParams = () => ({ server: "ganesha", nfs_shared_infodir: `${shared}/info`, nfsv4_grace_time: "10", nfsv4_lease_time: "10", monitor_rpc_timeout: "2" });
const exParams = () => ({ server: "ganesha", clientspec: `${NET}.0/24`, options: "rw,no_root_squash,sync,no_subtree_check", directory: `${shared}/export`, fsid: "7", monitor_rpc_timeout: "2" });
const ex = (action: string, p: Record<string, string> = exParams()) => agentIn(a, EXPORTFS, action, p, { OCF_RESOURCE_INSTANCE: "exp" });
const url = (f: string, v: 3 | 4) => `nfs://${SRV}${shared}/export/${f}${v === 4 ? "?version=4" : ""}`;

beforeAll(async () => {
  ({ s, nfsserver: NFSSERVER, exportfs: EXPORTFS, shared, sw } = await nfsTestbed());
  a = await machine(s, sw, "exp-a", SRV);
  cli = await machine(s, sw, "exp-cli", `${NET}.32`);
}, 60_000);
afterAll(() => s?.cleanup());

describe("exportfs server=ganesha", () => {
  it("refuses to start without a running ganesha, with a clear reason", async () => {
    const r = await ex("start");
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/ocf-exit-reason:no ganesha runs with .*start the nfsserver/);
    expect((await ex("monitor")).code).toBe(7);
  });

  it("start adds the export through SIGHUP; clients write v3 and read v4 through it", async () => {
    expect((await agentIn(a, NFSSERVER, "start", nfsParams())).code).toBe(0);
    expect((await runIn(cli, ["nfs-ls", url("", 4)])).code).not.toBe(0); // not exported yet
    const st = await ex("start");
    expect(st.stderr).toMatch(/exported .* through ganesha/);
    expect(st.code).toBe(0);
    const block = (await runIn(a, ["cat", `${RUN}/exports.d/exp.conf`])).stdout;
    expect(block).toMatch(/Export_Id = 7;/);
    expect(block).toMatch(/CLIENT \{ Clients = 198\.51\.100\.0\/24; Access_Type = RW; Squash = No_Root_Squash; \}/);
    expect((await ex("monitor")).code).toBe(0);
    expect((await ex("start")).code).toBe(0); // idempotent

    const data = randomBytes(100_000);
    writeFileSync(s.path("w.bin"), data);
    expect((await runIn(cli, ["nfs-cp", s.path("w.bin"), url("w.bin", 3)])).code).toBe(0);
    const r = await runIn(cli, ["sh", "-c", `nfs-cat '${url("w.bin", 4)}' | sha256sum`]);
    expect(r.stdout.split(" ")[0]).toBe(createHash("sha256").update(data).digest("hex"));
    expect(readFileSync(`${shared}/export/w.bin`).equals(data)).toBe(true);
  });

  it("monitor fails when ganesha no longer serves the export, although our files say it should", async () => {
    await runIn(a, ["sh", "-c", `: > ${RUN}/exports.conf && kill -HUP $(cat ${RUN}/ganesha.pid)`]);
    let mon;
    for (let i = 0; i < 50; i++) {
      mon = await ex("monitor");
      if (mon.code !== 0) break;
    }
    expect(mon!.code).toBe(1);
    expect(mon!.stderr).toMatch(/ocf-exit-reason:ganesha does not export .* \(NFS4ERR_NOENT\)/);
    expect((await ex("start")).code).toBe(0); // re-adds and reloads
    expect((await ex("monitor")).code).toBe(0);
  });

  it("a state file from before a reboot is required (RA#821): without it the probe says not running", async () => {
    const state = "/run/resource-agents/hanfs-exportfs-exp.state";
    expect((await runIn(a, ["test", "-s", state])).code).toBe(0);
    await runIn(a, ["mv", state, `${state}.saved`]);
    expect((await ex("monitor", { ...exParams() })).code).toBe(7);
    await runIn(a, ["mv", `${state}.saved`, state]);
    expect((await ex("monitor")).code).toBe(0);
  });

  it("stop removes it from ganesha (clients get NOENT), and is idempotent", async () => {
    const st = await ex("stop");
    expect(st.code).toBe(0);
    const ls = await runIn(cli, ["nfs-ls", url("", 4)]);
    expect(ls.stderr).toMatch(/NFS4ERR_NOENT/);
    expect((await ex("monitor")).code).toBe(7);
    expect((await ex("stop")).code).toBe(0);
    expect((await runIn(a, ["test", "-e", `${RUN}/exports.d/exp.conf`])).code).not.toBe(0);
  });

  it("monitor fails (1) when ganesha dies under a started export", async () => {
    expect((await ex("start")).code).toBe(0);
    await runIn(a, ["sh", "-c", `kill -KILL $(cat ${RUN}/ganesha.pid)`]);
    const mon = await ex("monitor");
    expect(mon.code).toBe(1);
    expect(mon.stderr).toMatch(/ganesha is not running/);
    expect((await ex("stop")).code).toBe(0);
    expect((await agentIn(a, NFSSERVER, "stop", nfsParams())).code).toBe(0);
  });

  it("several exports started at the same moment all end up served", async () => {
    expect((await agentIn(a, NFSSERVER, "start", nfsParams())).code).toBe(0);
    const dirs = ["e1", "e2", "e3"].map((d) => `${shared}/${d}`);
    for (const d of dirs) mkdirSync(d, { recursive: true });
    const p = (i: number) => ({ ...exParams(), directory: dirs[i], fsid: String(20 + i) });
    const run = (action: string, i: number) => agentIn(a, EXPORTFS, action, p(i), { OCF_RESOURCE_INSTANCE: `par${i}` });
    const starts = await Promise.all([0, 1, 2].map((i) => run("start", i)));
    expect(starts.map((r) => r.code)).toEqual([0, 0, 0]);
    expect((await Promise.all([0, 1, 2].map((i) => run("monitor", i)))).map((r) => r.code)).toEqual([0, 0, 0]);
    expect((await Promise.all([0, 1, 2].map((i) => run("stop", i)))).map((r) => r.code)).toEqual([0, 0, 0]);
    expect((await runIn(a, ["cat", `${RUN}/exports.conf`])).stdout).toBe("");
    expect((await agentIn(a, NFSSERVER, "stop", nfsParams())).code).toBe(0);
  });

  it("info dir and exported directory through symlinks (trailing slashes too): served, monitored, stopped", async () => {
    symlinkSync("info", `${shared}/info-link`);
    symlinkSync("export", `${shared}/export-link`);
    const nfs = { ...nfsParams(), nfs_shared_infodir: `${shared}/info-link/` };
    expect((await agentIn(a, NFSSERVER, "start", nfs)).code).toBe(0);
    expect((await agentIn(a, NFSSERVER, "monitor", nfs)).code).toBe(0);
    const p = { ...exParams(), directory: `${shared}/export-link/`, fsid: "8" };
    const st = await ex("start", p);
    expect(st.stderr).not.toMatch(/ocf-exit-reason/);
    expect(st.code).toBe(0);
    const block = (await runIn(a, ["cat", `${RUN}/exports.d/exp.conf`])).stdout;
    expect(block).toContain(`Path = "${shared}/export";`); // the real path, where ganesha finds its filesystem
    expect(block).toContain(`Pseudo = "${shared}/export-link";`); // what the clients were told to mount
    expect((await ex("monitor", p)).code).toBe(0);
    const data = randomBytes(10_000);
    writeFileSync(`${shared}/export/l.bin`, data);
    const link = (f: string, v: 3 | 4) => `nfs://${SRV}${shared}/export-link/${f}${v === 4 ? "?version=4" : ""}`;
    const sum = (u: string) => runIn(cli, ["sh", "-c", `nfs-cat '${u}' | sha256sum`]);
    const want = createHash("sha256").update(data).digest("hex");
    // v4 finds a ganesha export by its Pseudo (as configured), v3 MOUNT by its Path (the real one);
    // ganesha restarted with recorded clients is in grace (v4 OPEN refused) for up to 10 s
    let v4 = "";
    for (const end = Date.now() + 20_000; Date.now() < end && v4 !== want; ) v4 = (await sum(link("l.bin", 4))).stdout.split(" ")[0];
    expect(v4).toBe(want);
    expect((await sum(url("l.bin", 3))).stdout.split(" ")[0]).toBe(want);
    expect((await ex("stop", p)).code).toBe(0);
    expect((await runIn(cli, ["nfs-ls", link("", 4)])).stderr).toMatch(/NFS4ERR_NOENT/);
    expect((await ex("monitor", p)).code).toBe(7);
    expect((await agentIn(a, NFSSERVER, "stop", nfs)).code).toBe(0);
    expect((await agentIn(a, NFSSERVER, "monitor", nfs)).code).toBe(7);
    expect(existsSync(`${shared}/info/ganesha`)).toBe(true); // the recovery records went to the real info dir
  });
});
