import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Host } from "../lab/lib/host";
import type { Switch } from "../lab/lib/net";
import { hungFuse, type Scratch } from "./fixture";
import { fakeKernel, writeStubs } from "./ganesha-fakekernel";
import { agentIn, machine, NET, nfsTestbed, runIn, type Res } from "./ganesha-fixture";

/**
 * The shared info dir or an exported directory on storage that stopped answering (a FUSE mount
 * whose INIT is never answered: every call into it blocks, like a hung NFS server or a dead disk).
 * nfsserver and exportfs must still answer before their deadline, with one of their documented
 * codes and a reason for a failure; nothing may block the agent's event loop.
 */
const TIMEOUT = 6000;
let s: Scratch;
let NFSSERVER: string, EXPORTFS: string;
let box: Host;
let hung: string, release: () => void;

beforeAll(async () => {
  let sw: Switch;
  ({ s, nfsserver: NFSSERVER, exportfs: EXPORTFS, sw } = await nfsTestbed());
  hung = s.mkdir("hung");
  release = hungFuse(hung); // before the box boots: its mount namespace is a copy of ours
  const stubs = s.path("stubs");
  writeStubs(stubs, s.path("stub.log"));
  box = await machine(s, sw, "hung-a", `${NET}.61`);
  await fakeKernel(box, stubs);
}, 60_000);
afterAll(() => {
  release?.(); // blocked calls fail (ENOTCONN) and their processes can be reaped
  s?.cleanup();
});

const inBox = async (argv: string[]) => {
  const r = await runIn(box, argv);
  if (r.code !== 0) throw new Error(`${argv.join(" ")}: ${r.stderr}`);
  return r.stdout.trim();
};
const run = (agent: string, action: string, p: Record<string, string>, instance: string) =>
  agentIn(box, agent, action, p, { OCF_RESKEY_CRM_meta_timeout: String(TIMEOUT), OCF_RESOURCE_INSTANCE: instance }, TIMEOUT + 10_000);

/** Answered before the deadline with one of `codes`; a failure says why in one exit reason. */
function bounded(r: Res, codes: number[], reason?: RegExp) {
  expect(r.ms, r.stderr).toBeLessThan(TIMEOUT);
  expect(codes, r.stderr).toContain(r.code);
  if (r.code !== 0 && r.code !== 7) expect(r.stderr).toMatch(/ocf-exit-reason:\S/);
  if (reason) expect(r.stderr).toMatch(reason);
  expect(r.stderr).not.toMatch(/internal error|\n\s+at /);
}

describe("nfsserver server=kernel with the shared info dir on hung storage", () => {
  const params = (info: string) => ({ server: "kernel", nfs_shared_infodir: info, nfsv4_grace_time: "10", nfsv4_lease_time: "10", monitor_rpc_timeout: "1" });

  it("bound over /var/lib/nfs (the disk hung under a running server): monitor fails with a reason, stop unbinds it; both in time", async () => {
    await inBox(["mount", "--bind", hung, "/var/lib/nfs"]);
    await inBox(["sh", "-c", "echo 8 > /proc/fs/nfsd/threads"]);
    const m = await run(NFSSERVER, "monitor", params(hung), "nfs-hung");
    console.log(`monitor, info dir bound and hung: ${m.code} after ${m.ms} ms`);
    bounded(m, [1], /not running/); // the server's daemons are gone; the mount table said "bound" without a call
    const st = await run(NFSSERVER, "stop", params(hung), "nfs-hung");
    console.log(`stop, info dir bound and hung: ${st.code} after ${st.ms} ms`);
    bounded(st, [0]);
    expect(await inBox(["sh", "-c", "grep -c ' /var/lib/nfs .* - fuse ' /proc/self/mountinfo || true"])).toBe("0");
  });

  it("below a hung mount, /var/lib/nfs something else: monitor cannot tell and says so, stop leaves it alone; both in time", async () => {
    const info = `${hung}/info`;
    await inBox(["sh", "-c", "echo 8 > /proc/fs/nfsd/threads"]);
    const m = await run(NFSSERVER, "monitor", params(info), "nfs-hung2");
    console.log(`monitor, info dir below a hung mount: ${m.code} after ${m.ms} ms`);
    bounded(m, [1], /no answer from the filesystem before the deadline \(hung\?\)/);
    const st = await run(NFSSERVER, "stop", params(info), "nfs-hung2");
    console.log(`stop, info dir below a hung mount: ${st.code} after ${st.ms} ms`);
    bounded(st, [0]);
    expect(st.stderr).toMatch(/leaving \/var\/lib\/nfs .* alone/);
    const sta = await run(NFSSERVER, "start", params(info), "nfs-hung2");
    bounded(sta, [1], /no answer from the filesystem before the deadline/);
  });
});

describe("nfsserver server=ganesha with the shared info dir on hung storage", () => {
  it("start fails with a reason, monitor and stop answer; all in time", async () => {
    const p = { server: "ganesha", nfs_shared_infodir: `${hung}/info`, nfsv4_grace_time: "10", nfsv4_lease_time: "10" };
    const st = await run(NFSSERVER, "start", p, "gan-hung");
    console.log(`ganesha start, info dir hung: ${st.code} after ${st.ms} ms`);
    bounded(st, [1], /no answer from the filesystem before the deadline/);
    bounded(await run(NFSSERVER, "monitor", p, "gan-hung"), [7]);
    bounded(await run(NFSSERVER, "stop", p, "gan-hung"), [0]);
  });
});

describe("exportfs with the exported directory on hung storage", () => {
  const dir = () => `${hung}/export`;
  const params = (server: string) => ({ server, clientspec: `${NET}.0/24`, directory: dir(), fsid: "3", unlock_on_stop: "true" });

  it("kernel: start fails with a reason; a started export's monitor and stop answer in time", async () => {
    const st = await run(EXPORTFS, "start", params("kernel"), "exp-hung");
    console.log(`exportfs start, directory hung: ${st.code} after ${st.ms} ms`);
    bounded(st, [1], /no answer from the filesystem before the deadline/);
    // as a start before the hang left it: the state of this boot and the etab line
    await inBox(["mkdir", "-p", "/run/resource-agents"]);
    await inBox(["sh", "-c", `printf '%s\\n' '${NET}.0/24 ${dir()} ${dir()}' > /run/resource-agents/hanfs-exportfs-exp-hung.state`]);
    await inBox(["sh", "-c", `printf '%s\\t%s\\n' '${dir()}' '${NET}.0/24(rw,fsid=3)' > /var/lib/nfs/etab`]);
    await inBox(["sh", "-c", "echo 8 > /proc/fs/nfsd/threads"]);
    const m = await run(EXPORTFS, "monitor", params("kernel"), "exp-hung");
    bounded(m, [0]);
    const sp = await run(EXPORTFS, "stop", params("kernel"), "exp-hung");
    console.log(`exportfs stop, directory hung: ${sp.code} after ${sp.ms} ms`);
    bounded(sp, [0]);
    expect(sp.stderr).toMatch(/cannot save rmtab entries/);
    expect(await inBox(["cat", "/var/lib/nfs/etab"])).toBe("");
    bounded(await run(EXPORTFS, "monitor", params("kernel"), "exp-hung"), [7]);
  });

  it("ganesha: start, monitor and stop answer in time", async () => {
    bounded(await run(EXPORTFS, "start", params("ganesha"), "gexp-hung"), [1], /no ganesha runs/);
    bounded(await run(EXPORTFS, "monitor", params("ganesha"), "gexp-hung"), [7]);
    bounded(await run(EXPORTFS, "stop", params("ganesha"), "gexp-hung"), [0]);
  });
});
