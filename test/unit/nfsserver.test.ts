import { spawn } from "node:child_process";
import { existsSync, lutimesSync, mkdtempSync, readFileSync, readlinkSync, symlinkSync, unlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { ganeshaConfig } from "../../agents/nfsserver/ganesha/config";
import { nfsserver } from "../../agents/nfsserver/index";
import { withExportsLock } from "../../src/nfs/exports-lock";
import { ganeshaPaths, rebuildExports } from "../../src/nfs/ganesha";
import { Deadline } from "../../src/ocf/deadline";
import { boundMounts } from "../../agents/nfsserver/kernel/infodir";
import { parseMountinfo } from "../../src/os/mountinfo";
import { runAgent } from "../../src/ocf/runtime";
import { capture } from "../lib/capture";

const env = (p: Record<string, string>) => ({ HA_LOGFACILITY: "none", OCF_RESOURCE_INSTANCE: "nfs", ...Object.fromEntries(Object.entries(p).map(([k, v]) => [`OCF_RESKEY_${k}`, v])) });

describe("nfsserver parameters", () => {
  it.each([
    [{ nfsv4_grace_time: "10", nfsv4_lease_time: "20" }, /nfsv4_grace_time \(10\) must be >= nfsv4_lease_time \(20\)/],
    [{ nfsv4_lease_time: "5" }, /'nfsv4_lease_time' must be >= 10/],
    [{ nfsv4_grace_time: "99999" }, /'nfsv4_grace_time' must be <= 3600/],
    [{ server: "knfsd" }, /'server' must be kernel or ganesha/],
    [{ nfs_shared_infodir: "relative/dir" }, /must be an absolute path/],
    [{ nfs_ip: "198.51.100.1,not-an-ip" }, /comma separated list of IP addresses/],
    [{ nfs_server_scope: "has space" }, /may only contain/],
    [{ nfsd_threads: "0" }, /'nfsd_threads' must be >= 1/],
  ])("%o is refused with 6 and one exit reason", async (p, why) => {
    const io = capture();
    expect(await runAgent(nfsserver, ["validate-all"], env({ server: "ganesha", ...p }), io)).toBe(6);
    expect(io.e).toMatch(why);
    expect(io.e.match(/ocf-exit-reason:/g)).toHaveLength(1);
    expect(io.e).not.toMatch(/\n\s+at /); // no stack trace
  });

  it("stop with invalid parameters succeeds: nothing can have been started", async () => {
    expect(await runAgent(nfsserver, ["stop"], env({ server: "knfsd" }), capture())).toBe(0);
  });

  it("heartbeat's parameters are accepted", async () => {
    const io = capture();
    const hb = { nfs_init_script: "/etc/init.d/nfs-kernel-server", nfs_notify_cmd: "sm-notify", nfs_smnotify_retry_time: "5", rpcpipefs_dir: "/var/lib/nfs/rpc_pipefs", nfsd_args: "-N 2", statd_port: "662", mountd_port: "20048", nfsv4_only: "no", nfs_no_notify: "yes", nfs_notify_foreground: "false" };
    await runAgent(nfsserver, ["validate-all"], env({ server: "ganesha", ganesha_binary: "/nonexistent/ganesha.nfsd", ...hb }), io);
    expect(io.e).toMatch(/ganesha\.nfsd is not installed/); // got past every parameter check
  });

  it("a missing ganesha is ERR_INSTALLED (5)", async () => {
    expect(await runAgent(nfsserver, ["validate-all"], env({ server: "ganesha", ganesha_binary: "/nonexistent/ganesha.nfsd" }), capture())).toBe(5);
  });
});

describe("generated ganesha configuration", () => {
  const base = { instance: "nfs", v3: true, nfsPort: 2049, mountdPort: 20048, pluginsDir: "/usr/lib/x86_64-linux-gnu/ganesha", graceTime: 10, leaseTime: 10, recoveryRoot: "/srv/info/ganesha", scope: "hanfs", exportsConf: "/run/hanfs/ganesha/exports.conf", extra: "" };
  it("sets grace, lease, fs recovery in the shared dir, scope, and includes the exports", () => {
    const c = ganeshaConfig(base);
    expect(c).toMatch(/NFSv4 \{[^}]*Grace_Period = 10;[^}]*Lease_Lifetime = 10;[^}]*RecoveryBackend = fs;[^}]*RecoveryRoot = "\/srv\/info\/ganesha";[^}]*Server_Scope = "hanfs";/);
    expect(c).toMatch(/Protocols = 3, 4;/);
    expect(c).toMatch(/MNT_Port = 20048;/);
    expect(c).toMatch(/Enable_NLM = false;/);
    expect(c).toContain('%include "/run/hanfs/ganesha/exports.conf"');
  });
  it("v4 only: no v3, no MNT port; extra config included last", () => {
    const c = ganeshaConfig({ ...base, v3: false, extra: "/etc/ganesha/extra.conf" });
    expect(c).toMatch(/Protocols = 4;/);
    expect(c).not.toMatch(/MNT_Port/);
    expect(c.trimEnd().endsWith('%include "/etc/ganesha/extra.conf"')).toBe(true);
  });
  it("exports.conf lists exports.d in a stable order", () => {
    const dir = mkdtempSync(join(tmpdir(), "hanfs-u-"));
    const p = ganeshaPaths(dir, "/srv/info");
    rebuildExports(p);
    expect(readFileSync(p.exportsConf, "utf8")).toBe("");
    writeFileSync(join(p.exportsDir, "b.conf"), "");
    writeFileSync(join(p.exportsDir, "a.conf"), "");
    writeFileSync(join(p.exportsDir, "junk.tmp"), "");
    rebuildExports(p);
    expect(readFileSync(p.exportsConf, "utf8")).toBe(`%include "${dir}/exports.d/a.conf"\n%include "${dir}/exports.d/b.conf"\n`);
    expect(p.recoveryRoot).toBe("/srv/info/ganesha");
  });
});

describe("exports lock", () => {
  const lockOf = (dir: string) => join(dir, "exports.lock");
  it("serialises and releases", async () => {
    const p = ganeshaPaths(mkdtempSync(join(tmpdir(), "hanfs-u-")));
    const order: string[] = [];
    await Promise.all([
      withExportsLock(p, Deadline.within(2000), async () => order.push("a")),
      withExportsLock(p, Deadline.within(2000), () => order.push("b")),
    ]);
    expect(order.sort()).toEqual(["a", "b"]);
    expect(existsSync(lockOf(p.runDir))).toBe(false);
  });
  it("waits for a live holder until the caller's deadline, however old its lock", async () => {
    const p = ganeshaPaths(mkdtempSync(join(tmpdir(), "hanfs-u-")));
    const holder = spawn("sleep", ["30"], { stdio: "ignore" });
    try {
      const start = readFileSync(`/proc/${holder.pid}/stat`, "utf8").split(") ")[1].split(" ")[19];
      symlinkSync(`${holder.pid}:${start}`, lockOf(p.runDir));
      const old = new Date(Date.now() - 3600_000);
      lutimesSync(lockOf(p.runDir), old, old);
      const t0 = Date.now();
      await expect(withExportsLock(p, Deadline.within(300), () => "mine")).rejects.toThrow(/held by another agent/);
      expect(Date.now() - t0).toBeGreaterThanOrEqual(250);
      expect(readlinkSync(lockOf(p.runDir))).toBe(`${holder.pid}:${start}`); // not taken, not removed
    } finally {
      holder.kill("SIGKILL");
    }
  });
  it("takes over the lock of a holder that is gone, and a release never throws", async () => {
    const p = ganeshaPaths(mkdtempSync(join(tmpdir(), "hanfs-u-")));
    symlinkSync("999999999:1", lockOf(p.runDir)); // no such process
    expect(await withExportsLock(p, Deadline.within(1000), () => "mine")).toBe("mine");
    expect(existsSync(lockOf(p.runDir))).toBe(false);
    // fn removed the lock itself: the release must not throw
    expect(await withExportsLock(p, Deadline.within(1000), () => rmSyncQuiet(lockOf(p.runDir)))).toBe(true);
  });
});

const rmSyncQuiet = (f: string) => {
  try {
    unlinkSync(f);
  } catch {
    /* gone */
  }
  return true;
};

describe("the info dir bind, found by the canonical /var/lib/nfs and the shared fs's device", () => {
  // /var/lib/nfs reached through a symlink to /data/nfs: mountinfo shows only /data/nfs
  const mi = parseMountinfo(`22 1 254:1 / / rw - ext4 /dev/vda rw
30 22 7:3 / /srv rw - ext4 /dev/loop3 rw
40 22 7:3 /nfs_shared /data/nfs rw - ext4 /dev/loop3 rw
41 40 0:60 / /data/nfs/rpc_pipefs rw - rpc_pipefs sunrpc rw
`);
  it("our bind and the rpc_pipefs on it, children first", () => {
    expect(boundMounts(mi, "/data/nfs", "7:3").map((m) => m.mountpoint)).toEqual(["/data/nfs/rpc_pipefs", "/data/nfs"]);
  });
  it("nothing when the path is not the canonical one, or the bind is from another filesystem", () => {
    expect(boundMounts(mi, "/var/lib/nfs", "7:3")).toEqual([]);
    expect(boundMounts(mi, "/data/nfs", "7:9")).toEqual([]);
  });
});
