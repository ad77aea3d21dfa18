import { readFileSync } from "node:fs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Scratch, agent, exited, installAgent } from "./fixture";

let s: Scratch;
let fs: string;
let dev: string;
let good: Record<string, string>;
beforeAll(async () => {
  s = new Scratch();
  fs = await installAgent(s);
  dev = await s.loopFs("ext4", 64);
  good = { device: dev, directory: s.path("mp"), fstype: "ext4" };
});
afterAll(() => s.cleanup());

const without = (k: string) => () => Object.fromEntries(Object.entries(good).filter(([x]) => x !== k));
const cases: Array<[string, () => Record<string, string>, number, RegExp]> = [
  ["missing device", without("device"), 6, /required parameter 'device'/],
  ["missing directory", without("directory"), 6, /required parameter 'directory'/],
  ["missing fstype", without("fstype"), 6, /required parameter 'fstype'/],
  ["shell metacharacters in device", () => ({ ...good, device: `${dev};reboot` }), 6, /parameter 'device' has characters not allowed/],
  ["command substitution in directory", () => ({ ...good, directory: "/mnt/$(id)" }), 6, /parameter 'directory' has characters not allowed/],
  ["newline in directory", () => ({ ...good, directory: "/mnt/a\nb" }), 6, /parameter 'directory' contains a control character/],
  ["relative directory", () => ({ ...good, directory: "mnt/x" }), 6, /must be an absolute path/],
  ["dot-dot directory", () => ({ ...good, directory: "/mnt/../etc" }), 6, /'\.\.'/],
  ["directory /", () => ({ ...good, directory: "/" }), 6, /must not be \//],
  ["fstype with metacharacters", () => ({ ...good, fstype: "ext4|id" }), 6, /not a filesystem type name/],
  ["options with metacharacters", () => ({ ...good, options: "rw;id" }), 6, /not allowed in mount options/],
  ["garbage signal_delay", () => ({ ...good, signal_delay: "1s" }), 6, /signal_delay' must be an integer/],
  ["STOP as term signal", () => ({ ...good, term_signals: "STOP" }), 6, /does not end a process/],
  ["unknown run_fsck", () => ({ ...good, run_fsck: "sometimes" }), 6, /must be auto, force or no/],
  ["device that does not exist", () => ({ ...good, device: "/dev/hanfs-nope" }), 5, /does not exist on this node/],
  ["fstype the node cannot mount", () => ({ ...good, fstype: "nosuchfs" }), 5, /not supported on this node/],
  ["clone of ext4 without force_clones", () => good, 6, /cloning ext4 would corrupt it/],
];

describe("Filesystem refuses bad input cleanly", () => {
  it.each(cases)("%s → exit %i with a reason, no stack trace, nothing mounted or killed", async (_name, params, code, reason) => {
    const clone: Record<string, string> = _name.startsWith("clone") ? { OCF_RESKEY_CRM_meta_clone: "0", OCF_RESKEY_CRM_meta_clone_max: "2" } : {};
    const bystander = s.spawn(["sleep", "300"], s.dir);
    const before = readFileSync("/proc/self/mountinfo", "utf8");
    for (const action of ["validate-all", "start"]) {
      const r = await agent(fs, action, params(), clone);
      expect(r.code, action).toBe(code);
      const reasons = r.stderr.split("\n").filter((l) => l.startsWith("ocf-exit-reason:"));
      expect(reasons, action).toHaveLength(1);
      expect(reasons[0]).toMatch(reason);
      expect(r.stderr).not.toMatch(/\n\s+at |TypeError|ReferenceError/);
    }
    expect(readFileSync("/proc/self/mountinfo", "utf8")).toBe(before);
    // stop with the same parameters must not fail (a failed stop fences the node) nor do anything
    expect((await agent(fs, "stop", params(), clone)).code).toBe(0);
    expect(readFileSync("/proc/self/mountinfo", "utf8")).toBe(before);
    expect(exited(bystander)).toBe(false);
  });

  it("probe with parameters that cannot be valid on this node: 5 (Pacemaker reads it as not running here)", async () => {
    const r = await agent(fs, "validate-all", { ...good, device: "/dev/hanfs-nope" }, { OCF_RESKEY_CRM_meta_interval: "0" });
    expect(r.code).toBe(5);
    // but a monitor only looks at mountinfo: an absent device is simply not mounted
    expect((await agent(fs, "monitor", { ...good, device: "/dev/hanfs-nope" }, { OCF_RESKEY_CRM_meta_interval: "0" })).code).toBe(7);
  });
});
