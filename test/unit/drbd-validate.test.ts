import { describe, expect, it } from "vitest";
import { cloneMetaProblem, confPathProblem, resourceNameProblem } from "../../src/drbd/validate";

const ok = { allowTwoPrimaries: false, ignoreMissingNotifications: false };
const meta = { notify: "true", clone_max: "2", clone_node_max: "1", promoted_max: "1", promoted_node_max: "1" };

describe("validate-all checks", () => {
  it("names and paths", () => {
    expect(resourceNameProblem("r0")).toBeUndefined();
    expect(resourceNameProblem("nfs:data@site=1+2%")).toBeUndefined();
    expect(resourceNameProblem("-r0")).toMatch(/may only use/);
    expect(resourceNameProblem("r0 r1")).toMatch(/may only use/);
    expect(resourceNameProblem("")).toMatch(/may only use/);
    // DRBD's netlink has 128 bytes for the name: a longer one can name no resource (and no state file)
    expect(resourceNameProblem("r".repeat(127))).toBeUndefined();
    expect(resourceNameProblem("r".repeat(65536))).toBe("drbd_resource is 65536 characters long; DRBD allows at most 127");
    expect(resourceNameProblem(`${"r".repeat(65536)} `)!.length).toBeLessThan(400);
    expect(confPathProblem("/etc/drbd.conf")).toBeUndefined();
    expect(confPathProblem("etc/drbd.conf")).toMatch(/absolute/);
    expect(confPathProblem("/etc/drbd conf")).toMatch(/absolute/);
  });

  it.each([
    [meta, ok, undefined],
    [{ ...meta, notify: "false" }, ok, /notify=true/],
    [{ ...meta, notify: undefined }, ok, /notify=true/],
    [{ ...meta, notify: "false" }, { ...ok, ignoreMissingNotifications: true }, undefined],
    [{ ...meta, clone_node_max: "2" }, ok, /clone-node-max must be 1/],
    [{ ...meta, promoted_node_max: "2" }, ok, /promoted-node-max must be 1/],
    [{ notify: "true", master_node_max: "2" }, ok, /promoted-node-max must be 1, not 2/],
    [{ ...meta, promoted_max: "3" }, ok, /at most 2/],
    [{ ...meta, promoted_max: "two" }, ok, /at most 2/],
    [{ ...meta, promoted_max: "2" }, ok, /allow-two-primaries/],
    [{ ...meta, promoted_max: "2" }, { ...ok, allowTwoPrimaries: true }, undefined],
    [{ notify: "true", master_max: "2" }, ok, /allow-two-primaries/],
    [{ ...meta, clone_max: "3" }, { ...ok, family: "8.4" }, /two nodes/],
    [{ ...meta, clone_max: "3" }, { ...ok, family: "9" }, undefined],
    [{ notify: "true" }, ok, undefined],
  ] as const)("%j %j → %s", (m, rules, want) => {
    const got = cloneMetaProblem(m, rules);
    if (want === undefined) expect(got).toBeUndefined();
    else expect(got).toMatch(want);
  });
});
