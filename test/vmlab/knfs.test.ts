import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { say, VmLab } from "./lib/lab";

// ocf:hanfs:nfsserver server=kernel and ocf:hanfs:exportfs on Debian 12's own kernel nfsd and
// nfs-utils under systemd, in one node VM: ocf-tester passes for both, and what they leave is real
// (nfsd threads and grace time in /proc/fs/nfsd, NFS registered with rpcbind, the export in etab,
// the info dir bound over /var/lib/nfs and gone again after stop).
const AGENTS = "/usr/lib/ocf/resource.d/hanfs";
const NFS = { server: "kernel", nfs_shared_infodir: "/srv/nfs_shared", nfs_ip: "", nfsv4_grace_time: "10", nfsv4_lease_time: "10" };
const EXP = { directory: "/srv/export", clientspec: "198.51.100.0/24", options: "rw,no_subtree_check", fsid: "1" };

describe("kernel NFS in a guest (Debian's nfsd, nfs-utils and systemd)", () => {
  let lab: VmLab;
  const sh = (cmd: string | string[], timeoutMs = 60_000) => lab.exec("alpha", cmd, { timeoutMs, check: false });
  const out = async (cmd: string | string[]) => {
    const r = await sh(cmd);
    expect(r.code, `${cmd}: ${r.stderr}`).toBe(0);
    return r.stdout.trim();
  };
  /** one agent action as Pacemaker would run it (its own deadline from the declared timeout) */
  const agent = (name: string, action: string, p: Record<string, string>, instance: string) =>
    sh(["env", "OCF_ROOT=/usr/lib/ocf", "HA_LOGFACILITY=none", `OCF_RESOURCE_INSTANCE=${instance}`, ...Object.entries(p).map(([k, v]) => `OCF_RESKEY_${k}=${v}`), `${AGENTS}/${name}`, action], 150_000);
  const tester = (name: string, p: Record<string, string>, instance: string) =>
    sh(["ocf-tester", "-n", instance, ...Object.entries(p).flatMap(([k, v]) => ["-o", `${k}=${v}`]), `${AGENTS}/${name}`], 590_000);
  const bound = async () => (await out("stat -c %d:%i /var/lib/nfs")) === (await out("stat -c %d:%i /srv/nfs_shared"));
  const threads = async () => Number(await out("cat /proc/fs/nfsd/threads 2>/dev/null || echo 0"));

  // ocf-tester gives every action 20 s (it exports OCF_RESKEY_CRM_meta_timeout=20000). The first
  // start after boot also loads nfsd and daemon-reloads systemd for the scope drop-in (seconds under
  // emulation, more on a busy host): it runs first, under the agent's declared 60 s, as Pacemaker's
  // would; ocf-tester then tests the agent on a node that has run NFS since boot.
  beforeAll(async () => {
    lab = await VmLab.up({ nodes: ["alpha"], client: false });
    NFS.nfs_ip = lab.vm("alpha").addr;
    // the seed's layout, on a plain mount of the node's data disk
    await out("mkfs.ext4 -q -F /dev/disk/by-id/virtio-data && mkdir -p /srv && mount /dev/disk/by-id/virtio-data /srv && mkdir -p /srv/nfs_shared /srv/export");
  });
  afterAll(async () => {
    await lab?.down();
  });

  it("nfsserver start: nfsd threads with grace 10 s, NFS registered with rpcbind, /var/lib/nfs on the shared disk in Debian's layout", async () => {
    const t0 = Date.now();
    const r = await agent("nfsserver", "start", NFS, "nfs");
    say(`first nfsserver start after boot: ${Date.now() - t0} ms`);
    expect(r.stderr).toMatch(/NFS server started: 8 threads, grace 10 s, lease 10 s/);
    expect(r.code).toBe(0);
    expect(await threads()).toBeGreaterThan(0);
    expect(await out("cat /proc/fs/nfsd/nfsv4gracetime")).toBe("10");
    expect(await out("cat /proc/fs/nfsd/nfsv4leasetime")).toBe("10");
    const rpc = await out("rpcinfo -p 127.0.0.1");
    expect(rpc).toMatch(/^\s*100003\s+4\s+tcp\s+2049\s+nfs$/m);
    expect(rpc).toMatch(/^\s*100003\s+3\s+tcp\s+2049\s+nfs$/m);
    expect(rpc).toMatch(/\bmountd$/m);
    expect(rpc).toMatch(/\bstatus$/m);
    expect(await bound()).toBe(true);
    // Debian's rpc.statd keeps its NSM state in /var/lib/nfs itself, owned by statd
    expect(await out("stat -c %U /srv/nfs_shared/sm /srv/nfs_shared/sm.bak /srv/nfs_shared/state")).toBe("statd\nstatd\nstatd");
    expect(await out("systemctl is-active nfs-server.service rpc-statd.service nfsdcld.service nfs-mountd.service nfs-idmapd.service")).toBe("active\nactive\nactive\nactive\nactive");
    // rpc_pipefs where Debian's idmapd and nfsdcld look (nfs.conf: /run/rpc_pipefs), not on the shared disk
    expect(await out("findmnt -rn -t rpc_pipefs -o TARGET")).toBe("/run/rpc_pipefs");
    // nfs-server.service runs rpc.nfsd with the scope drop-in, loaded
    expect(await out("systemctl show -p DropInPaths -p NeedDaemonReload nfs-server.service")).toMatch(/^DropInPaths=.*\/50-hanfs-scope\.conf$[\s\S]*^NeedDaemonReload=no$/m);
    // nfsdcld keeps its client records on the shared disk
    expect(await out("ls /srv/nfs_shared/nfsdcld")).toMatch(/main\.sqlite/);
    expect((await agent("nfsserver", "monitor", NFS, "nfs")).code).toBe(0);
  });

  it("ocf-tester passes for nfsserver server=kernel", async () => {
    const t0 = Date.now();
    const r = await tester("nfsserver", NFS, "nfs");
    say(`ocf-tester nfsserver: ${Date.now() - t0} ms`);
    expect(r.stdout + r.stderr).toMatch(/hanfs\/nfsserver passed all tests/);
    expect(r.code).toBe(0);
    // ocf-tester stops the running server first and ends with a stop
    expect(await threads()).toBe(0);
    expect(await bound()).toBe(false);
  });

  it("ocf-tester passes for exportfs (kernel); start puts the export in etab, stop takes it out", async () => {
    expect((await agent("nfsserver", "start", NFS, "nfs")).code).toBe(0);
    const t0 = Date.now();
    const r = await tester("exportfs", EXP, "exp");
    say(`ocf-tester exportfs: ${Date.now() - t0} ms`);
    expect(r.stdout + r.stderr).toMatch(/hanfs\/exportfs passed all tests/);
    expect(r.code).toBe(0);
    expect((await agent("exportfs", "start", EXP, "exp")).code).toBe(0);
    expect(await out("cat /var/lib/nfs/etab")).toMatch(/^\/srv\/export\t198\.51\.100\.0\/24\(rw,.*\bfsid=1\b.*\)$/m);
    expect(await out("cat /srv/nfs_shared/etab")).toMatch(/^\/srv\/export\t198\.51\.100\.0\/24\(/m);
    expect((await agent("exportfs", "monitor", EXP, "exp")).code).toBe(0);
    expect((await agent("exportfs", "stop", EXP, "exp")).code).toBe(0);
    expect(await out("cat /var/lib/nfs/etab")).not.toMatch(/\/srv\/export/);
    expect((await agent("exportfs", "monitor", EXP, "exp")).code).toBe(7);
  });

  it("nfsserver stop: no nfsd threads, the info dir no longer bound, /srv can be unmounted", async () => {
    const r = await agent("nfsserver", "stop", NFS, "nfs");
    expect(r.code, r.stderr).toBe(0);
    expect(await threads()).toBe(0);
    expect(await bound()).toBe(false);
    expect(await out("grep -c ' /var/lib/nfs ' /proc/self/mountinfo || true")).toBe("0");
    expect((await agent("nfsserver", "monitor", NFS, "nfs")).code).toBe(7);
    // nothing holds the data filesystem (a leftover would keep a DRBD device from demoting)
    expect((await sh("umount /srv")).code).toBe(0);
  });
});
