import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { exportBlock, translateOptions } from "../../agents/exportfs/ganesha/block";
import { exportfs } from "../../agents/exportfs/index";
import { parseEtab } from "../../agents/exportfs/kernel/etab";
import { specOf } from "../../agents/exportfs/kernel/exportfs";
import { exportNames, heldPaths } from "../../agents/exportfs/kernel/stop";
import { kernelValidate } from "../../agents/exportfs/kernel/validate";
import type { ExCtx } from "../../agents/exportfs/params";
import { parseState } from "../../agents/exportfs/state";
import { OcfError } from "../../src/ocf/codes";
import { runAgent } from "../../src/ocf/runtime";
import { capture } from "../lib/capture";

const env = (p: Record<string, string>) => ({ HA_LOGFACILITY: "none", OCF_RESOURCE_INSTANCE: "exp", ...Object.fromEntries(Object.entries(p).map(([k, v]) => [`OCF_RESKEY_${k}`, v])) });
const ok = { clientspec: "198.51.100.0/24", directory: "/srv/nfs/export", server: "ganesha" };

describe("exportfs parameters", () => {
  it.each([
    [{ clientspec: "" }, 6, /required parameter 'clientspec'/],
    [{ clientspec: "a b" }, 6, /not a client specification/],
    [{ directory: "rel/dir" }, 6, /must be an absolute path/],
    [{ fsid: "12ab" }, 6, /must be a number, root or a UUID/],
    [{ options: "rw;reboot" }, 6, /characters not allowed/],
    [{ rmtab_backup: "../x" }, 6, /plain file name/],
    [{ server: "knfsd" }, 6, /kernel or ganesha/],
  ])("%o → %i", async (p, code, why) => {
    const io = capture();
    expect(await runAgent(exportfs, ["validate-all"], env({ ...ok, ...p }), io)).toBe(code);
    expect(io.e).toMatch(why);
    expect(io.e.match(/ocf-exit-reason:/g)).toHaveLength(1);
  });
  it("heartbeat's parameters validate; stop with bad ones is 0", async () => {
    const hb = { ...ok, options: "rw,no_root_squash,sync,no_subtree_check", fsid: "1", unlock_on_stop: "1", wait_for_leasetime_on_stop: "false", rmtab_backup: ".rmtab" };
    expect(await runAgent(exportfs, ["validate-all"], env(hb), capture())).toBe(0);
    expect(await runAgent(exportfs, ["stop"], env({ ...ok, directory: "rel" }), capture())).toBe(0);
  });
  it("kernel server: 5 exactly when exportfs is not installed (looked for below an injected root)", () => {
    const root = mkdtempSync(join(tmpdir(), "hanfs-root-"));
    try {
      const ctx = {} as ExCtx;
      let err: unknown;
      try {
        kernelValidate(ctx, root);
      } catch (e) {
        err = e;
      }
      expect(err).toBeInstanceOf(OcfError);
      expect(err).toMatchObject({ code: 5, message: "exportfs is not installed (package nfs-kernel-server)" });
      mkdirSync(join(root, "usr/sbin"), { recursive: true });
      writeFileSync(join(root, "usr/sbin/exportfs"), "");
      chmodSync(join(root, "usr/sbin/exportfs"), 0o755);
      expect(kernelValidate(ctx, root)).toBe(0);
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  });
  it("ganesha server: validate-all checks the Export_Id a numeric fsid gives", async () => {
    const io = capture();
    expect(await runAgent(exportfs, ["validate-all"], env({ ...ok, fsid: "70000" }), io)).toBe(6);
    expect(io.e).toMatch(/fsid 70000 cannot be a ganesha Export_Id/);
    expect(await runAgent(exportfs, ["validate-all"], env({ ...ok, fsid: "7" }), capture())).toBe(0);
  });
  it("several directories: one numeric fsid each, no pseudo path (6, and stop still 0)", async () => {
    const two = { ...ok, directory: "/srv/a /srv/b" };
    for (const [p, why] of [[{ fsid: "root" }, /cannot be shared by 2 directories/], [{ pseudo: "/x" }, /pseudo works with a single directory only/]] as const) {
      const io = capture();
      expect(await runAgent(exportfs, ["validate-all"], env({ ...two, ...p }), io)).toBe(6);
      expect(io.e).toMatch(why);
      expect(await runAgent(exportfs, ["stop"], env({ ...two, ...p }), capture())).toBe(0);
    }
  });
});

describe("etab and exportfs arguments", () => {
  it("parses etab lines, octal escapes included", () => {
    const e = parseEtab("/srv/nfs/export\t198.51.100.0/24(rw,sync,wdelay,hide,no_subtree_check,fsid=1,sec=sys,secure,no_root_squash)\n/srv/a\\040b\t*(ro)\n");
    expect(e).toEqual([
      { dir: "/srv/nfs/export", client: "198.51.100.0/24", options: ["rw", "sync", "wdelay", "hide", "no_subtree_check", "fsid=1", "sec=sys", "secure", "no_root_squash"] },
      { dir: "/srv/a b", client: "*", options: ["ro"] },
    ]);
  });
  it("brackets IPv6 clients", () => {
    expect(specOf("fd51::/64", "/srv")).toBe("[fd51::/64]:/srv");
    expect(specOf("host1", "/srv")).toBe("host1:/srv");
  });
});

describe("ganesha EXPORT block", () => {
  it("translates exports(5) options; ro and root_squash by default", () => {
    expect(translateOptions("")).toMatchObject({ access: "RO", squash: "Root_Squash" });
    const t = translateOptions("rw,all_squash,anonuid=65534,insecure,sec=krb5:sys,sync,crossmnt");
    expect(t).toMatchObject({ access: "RW", squash: "All_Squash", ignored: ["sync", "crossmnt"] });
    expect(t.extra).toEqual(["Anonymous_Uid = 65534;", "PrivilegedPort = false;", "SecType = krb5, sys;"]);
  });
  it("restricted clients get a CLIENT block, loopback metadata-only for the monitor", () => {
    const { text } = exportBlock({ id: 7, path: "/srv/e", pseudo: "/srv/e", clientspec: "198.51.100.0/24", options: "rw,no_root_squash" });
    expect(text).toMatch(/Export_Id = 7;/);
    expect(text).toMatch(/Access_Type = None;/);
    expect(text.indexOf("Clients = 198.51.100.0/24")).toBeLessThan(text.indexOf("Clients = 127.0.0.1; Access_Type = MDONLY_RO"));
  });
  it("* exports open at export level", () => {
    const { text } = exportBlock({ id: 1, path: "/srv/e", pseudo: "/e", clientspec: "*", options: "rw" });
    expect(text).toMatch(/Access_Type = RW;/);
    expect(text).toMatch(/Pseudo = "\/e";/);
    expect(text).not.toMatch(/CLIENT/);
  });
});

describe("exportfs through symlinks", () => {
  it("the state maps each configured directory to the path start exported; older lines map to themselves", () => {
    expect(parseState("198.51.100.0/24 /var/run/x /run/x\n198.51.100.0/24 /srv/e\n")).toEqual(
      new Map([
        ["/var/run/x", "/run/x"],
        ["/srv/e", "/srv/e"],
      ]),
    );
  });
  it("stop looks for the export under every name it may have, and in the kernel's cache under the real one", () => {
    expect(exportNames("/var/run/x", "/run/x", "/run/x")).toEqual(["/var/run/x", "/run/x"]);
    expect(exportNames("/srv/e", undefined, undefined)).toEqual(["/srv/e"]);
    // the cache shows the kernel's path (d_path): the configured symlinked one never appears there
    expect(heldPaths(["/run/x", "/srv/other"], exportNames("/var/run/x", "/run/x", undefined))).toEqual(["/run/x"]);
  });
  it("directory is normalised before use: trailing and doubled slashes, each of several", async () => {
    const io = capture();
    expect(await runAgent(exportfs, ["validate-all"], env({ ...ok, directory: "/srv//a/ /srv/b/" }), io)).toBe(0);
  });
});
