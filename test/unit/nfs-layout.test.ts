import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { pipefsDir, readNfsConf, statdSubdir } from "../../agents/nfsserver/kernel/layout";

const dir = mkdtempSync(join(tmpdir(), "hanfs-nfsconf-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const file = (name: string, text: string) => {
  writeFileSync(join(dir, name), text);
  return join(dir, name);
};

describe("nfs-utils layout (kernel nfsserver)", () => {
  it("reads nfs.conf sections and keys; comments ignored; later files win", () => {
    const a = file("nfs.conf", "#\n[general]\npipefs-directory=/run/rpc_pipefs\n[statd]\n# state-directory-path=/var/lib/nfs/statd\nport = 662 ; comment\n");
    const b = file("50.conf", "[Statd]\nport=663\n");
    const c = readNfsConf([a, b, join(dir, "missing.conf")]);
    expect(c.get("general.pipefs-directory")).toBe("/run/rpc_pipefs");
    expect(c.get("statd.port")).toBe("663");
    expect(c.has("statd.state-directory-path")).toBe(false);
  });

  it("statd's directory: nfs.conf first, then the layout found (Debian: /var/lib/nfs itself), else upstream's statd/", () => {
    expect(statdSubdir(new Map(), [""])).toBe("");
    expect(statdSubdir(new Map(), ["statd", ""])).toBe("statd");
    expect(statdSubdir(new Map(), [])).toBe("statd");
    expect(statdSubdir(new Map([["statd.state-directory-path", "/var/lib/nfs/"]]), ["statd"])).toBe("");
    expect(statdSubdir(new Map([["statd.state-directory-path", "/var/lib/nfs/statd"]]), [""])).toBe("statd");
    // outside /var/lib/nfs: not on the shared disk
    expect(statdSubdir(new Map([["statd.state-directory-path", "/var/lib/statd"]]), [""])).toBeUndefined();
  });

  it("rpc_pipefs: nfs.conf's pipefs-directory while the parameter keeps its default", () => {
    const conf = new Map([["general.pipefs-directory", "/run/rpc_pipefs/"]]);
    expect(pipefsDir("/var/lib/nfs/rpc_pipefs", "/var/lib/nfs/rpc_pipefs", conf)).toBe("/run/rpc_pipefs");
    expect(pipefsDir("/srv/pipefs", "/var/lib/nfs/rpc_pipefs", conf)).toBe("/srv/pipefs");
    expect(pipefsDir("/var/lib/nfs/rpc_pipefs", "/var/lib/nfs/rpc_pipefs", new Map())).toBe("/var/lib/nfs/rpc_pipefs");
  });
});
