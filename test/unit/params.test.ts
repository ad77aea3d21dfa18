import { describe, expect, it } from "vitest";
import { OcfError } from "../../src/ocf/codes";
import { bool, int, str } from "../../src/ocf/declare";
import { parseParam, parseParams } from "../../src/ocf/params";

const code = (f: () => unknown) => {
  try {
    f();
  } catch (e) {
    return e instanceof OcfError ? [e.code, e.message] : ["other", String(e)];
  }
  return ["ok"];
};

describe("parameter parsing", () => {
  it("applies defaults and types", () => {
    const decls = {
      a: str({ shortdesc: "", longdesc: "", default: "x" }),
      n: int({ shortdesc: "", longdesc: "", default: 3 }),
      b: bool({ shortdesc: "", longdesc: "", default: false }),
    };
    expect(parseParams(decls, {})).toEqual({ a: "x", n: 3, b: false });
    expect(parseParams(decls, { OCF_RESKEY_a: "y", OCF_RESKEY_n: "42", OCF_RESKEY_b: "yes" })).toEqual({ a: "y", n: 42, b: true });
  });
  it("missing required → 6 with the name", () => {
    expect(code(() => parseParam("device", str({ shortdesc: "", longdesc: "", required: true }), undefined))).toEqual([6, "required parameter 'device' is not set"]);
    expect(code(() => parseParam("device", str({ shortdesc: "", longdesc: "", required: true }), ""))[0]).toBe(6);
  });
  it("rejects newlines and control characters", () => {
    expect(code(() => parseParam("d", str({ shortdesc: "", longdesc: "" }), "/a\nb"))[0]).toBe(6);
    expect(code(() => parseParam("d", str({ shortdesc: "", longdesc: "" }), "/a\tb"))[0]).toBe(6);
  });
  it("integers: format and bounds → 6", () => {
    const d = int({ shortdesc: "", longdesc: "", min: 0, max: 60 });
    expect(parseParam("s", d, "7")).toBe(7);
    expect(code(() => parseParam("s", d, "7s"))).toEqual([6, "parameter 's' must be an integer, got '7s'"]);
    expect(code(() => parseParam("s", d, "61"))).toEqual([6, "parameter 's' must be <= 60, got 61"]);
    expect(code(() => parseParam("s", d, "-1"))).toEqual([6, "parameter 's' must be >= 0, got -1"]);
  });
  it("booleans like ocf_is_true, garbage refused", () => {
    const d = bool({ shortdesc: "", longdesc: "" });
    for (const t of ["1", "yes", "TRUE", "on", "Y"]) expect(parseParam("b", d, t)).toBe(true);
    for (const f of ["0", "no", "False", "off"]) expect(parseParam("b", d, f)).toBe(false);
    expect(code(() => parseParam("b", d, "maybe"))[0]).toBe(6);
  });
  it("normalizes before the check: directory=/srv/ is /srv", () => {
    const d = str({ shortdesc: "", longdesc: "", normalize: (v) => v.replace(/(.)\/+$/, "$1"), check: (v) => (v.length > 1 && v.endsWith("/") ? "ends with /" : undefined) });
    expect(parseParam("directory", d, "/srv/")).toBe("/srv");
    expect(parseParam("directory", d, "/")).toBe("/");
  });
  it("runs the declared check", () => {
    const d = str({ shortdesc: "", longdesc: "", check: (v) => (v.startsWith("/") ? undefined : "must be absolute") });
    expect(code(() => parseParam("directory", d, "rel"))).toEqual([6, "parameter 'directory' must be absolute"]);
  });
});
