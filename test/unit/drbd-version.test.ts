import { describe, expect, it } from "vitest";
import { checkBound, compareVersions, drbdFamily, parseDrbdVersion, versionFromCode, versionOutsideBounds } from "../../src/drbd/version";

const v = (s: string) => parseDrbdVersion(s)!;

describe("DRBD module version", () => {
  it.each([
    ["version: 8.4.11 (api:1/proto:86-101)\nsrcversion: 211FB288A383ED945B83420", [8, 4, 11]],
    ["version: 9.2.8 (api:2/proto:86-122)", [9, 2, 8]],
    ["9.1.0-rc.1", [9, 1, 0]],
    ["8.4.11\n", [8, 4, 11]],
    ["9.0", [9, 0, 0]],
  ])("parses %j", (s, [major, minor, patch]) => {
    expect(parseDrbdVersion(s)).toMatchObject({ major, minor, patch });
  });

  it.each(["", "version:", "drbd: module not found", "x9.1.0", "version: unknown"])("rejects %j", (s) => {
    expect(parseDrbdVersion(s)).toBeUndefined();
  });

  it("drbdadm's DRBD_KERNEL_VERSION_CODE", () => {
    expect(versionFromCode("0x08040b")).toMatchObject({ major: 8, minor: 4, patch: 11, text: "8.4.11" });
    expect(versionFromCode("0x090208")).toMatchObject({ major: 9, minor: 2, patch: 8 });
    expect(versionFromCode("0x0")).toBeUndefined();
    expect(versionFromCode("8.4.11")).toBeUndefined();
  });

  it("compares numerically, suffixes do not count (like linbit's version codes)", () => {
    expect(compareVersions(v("8.4.11"), v("8.4.2"))).toBe(1);
    expect(compareVersions(v("9.0.16"), v("9.1.0"))).toBe(-1);
    expect(compareVersions(v("9.1.0-rc.1"), v("9.1.0"))).toBe(0);
    expect(compareVersions(v("10.0.0"), v("9.99.99"))).toBe(1);
  });

  it("family: 8.4 or 9, nothing else", () => {
    expect(drbdFamily(v("8.4.11"))).toBe("8.4");
    expect(drbdFamily(v("9.2.8"))).toBe("9");
    expect(drbdFamily(v("8.3.16"))).toBeUndefined();
  });

  it("require_drbd_module_version_ge (inclusive) and _lt (exclusive)", () => {
    const k = v("8.4.11");
    expect(versionOutsideBounds(k, "8.0.0", "10.0.0")).toBeUndefined();
    expect(versionOutsideBounds(k, "8.4.11", "8.4.12")).toBeUndefined();
    expect(versionOutsideBounds(k, "9.0.16", "10.0.0")).toBe("DRBD module 8.4.11 is older than require_drbd_module_version_ge=9.0.16");
    expect(versionOutsideBounds(v("9.2.8"), "8.0.0", "9.0.0")).toBe("DRBD module 9.2.8 is not older than require_drbd_module_version_lt=9.0.0");
    expect(versionOutsideBounds(k, "8.0.0", "8.4.11")).toMatch(/not older than/);
    expect(versionOutsideBounds(v("8.3.16"), "8.0.0", "10.0.0")).toMatch(/not supported/);
  });

  it("bound parameters must be plain versions", () => {
    expect(checkBound("9.0.16")).toBeUndefined();
    expect(checkBound("9.0")).toBeUndefined();
    expect(checkBound(">=9")).toMatch(/not a DRBD version/);
    expect(checkBound("9.0.16-rc1")).toMatch(/not a DRBD version/);
  });
});
