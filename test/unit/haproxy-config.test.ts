import { describe, expect, it } from "vitest";
import { ConfigError, DEFAULT_SETTINGS, parseConfig, settingsFor } from "../../src/haproxy/config";

const conf = `
# site defaults
[*]
timeout-ms = 1200   # trailing comment
[nfs]
version = 4
path = /export
[nfs/delta]
timeout-ms = 800
connect-timeout-ms = 300
grace = down
[v3/alpha]
version = 3
`;

describe("haproxy-check.conf", () => {
  it("merges defaults < [*] < [proxy] < [proxy/server]", () => {
    const c = parseConfig(conf);
    expect(settingsFor(c, "nfs", "delta")).toEqual({ version: "4.0", probe: "compound", path: "/export", timeoutMs: 800, connectTimeoutMs: 300, grace: "down" });
    expect(settingsFor(c, "nfs", "alpha")).toEqual({ ...DEFAULT_SETTINGS, path: "/export", timeoutMs: 1200, connectTimeoutMs: 1200 });
    expect(settingsFor(c, "other", "x")).toEqual({ ...DEFAULT_SETTINGS, timeoutMs: 1200, connectTimeoutMs: 1200 });
    expect(settingsFor(new Map())).toEqual(DEFAULT_SETTINGS);
  });
  it("version 3 defaults to the NULL probe", () => {
    expect(settingsFor(parseConfig(conf), "v3", "alpha")).toMatchObject({ version: "3", probe: "null" });
  });
  it("specific sections win regardless of order", () => {
    const c = parseConfig("[nfs/a]\ntimeout-ms = 100\n[*]\ntimeout-ms = 900\n");
    expect(settingsFor(c, "nfs", "a").timeoutMs).toBe(100);
    expect(settingsFor(c, "nfs", "b").timeoutMs).toBe(900);
  });
  it("normalises paths and caps connect timeout at the total", () => {
    const c = parseConfig("[*]\npath = /a//b/\nconnect-timeout-ms = 5000\ntimeout-ms = 400\n");
    expect(settingsFor(c)).toMatchObject({ path: "/a/b", connectTimeoutMs: 400, timeoutMs: 400 });
  });
  it.each([
    ["timeout-ms = 1500\n", /:1: "timeout-ms" outside any \[section\]/],
    ["[*]\nfoo = 1\n", /:2: unknown key "foo"/],
    ["[*]\ntimeout-ms = 1.5s\n", /:2: timeout-ms = 1.5s: must be whole milliseconds/],
    ["[*]\ntimeout-ms = 10\n", /between 50 and 60000/],
    ["[*]\nversion = 5\n", /version = 5: must be one of 3, 4.0, 4.1, 4.2/],
    ["[*]\npath = export\n", /must be an absolute path/],
    ["[*]\npath = /a/../b\n", /without \. or \.\./],
    ["[*]\n\n[bad name]\n", /:3: expected "\[section\]" or "key = value"/],
    ["[*]\ngrace = maybe\n", /grace = maybe: must be one of up, down/],
    ["[*]\nprobe = null\nprobe = compound\n", /:3: "probe" set twice in \[\*\]/],
    ["[*]\ntimeout-ms 1500\n", /:2: expected/],
  ])("rejects %j", (text, msg) => {
    expect(() => parseConfig(text, "/etc/x.conf")).toThrow(ConfigError);
    expect(() => parseConfig(text, "/etc/x.conf")).toThrow(msg);
  });
  it("rejects combinations that cannot be probed", () => {
    expect(() => settingsFor(parseConfig("[p/s]\nversion = 4.1\npath = /export\n"), "p", "s")).toThrow(/p\/s: path = \/export needs version = 4.0/);
    expect(() => settingsFor(parseConfig("[*]\nversion = 3\nprobe = compound\n"))).toThrow(/needs NFSv4/);
    expect(() => settingsFor(parseConfig("[*]\nprobe = null\npath = /x\n"))).toThrow(/needs version = 4.0 and probe = compound/);
  });
});
