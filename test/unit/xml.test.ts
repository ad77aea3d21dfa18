import { describe, expect, it } from "vitest";
import { all, escapeXml, first, kids, parseXml } from "../../src/xml";

describe("parseXml", () => {
  it("elements, attributes, nesting, self-closing", () => {
    const d = parseXml(`<?xml version="1.0"?>\n<cib a="1" b = 'two'><nodes><node id="1" uname="alpha"/><node id="2"></node></nodes></cib>`);
    const cib = d.children[0];
    expect(cib).toMatchObject({ name: "cib", attrs: { a: "1", b: "two" } });
    expect(all(d, "node").map((n) => n.attrs.id)).toEqual(["1", "2"]);
    expect(first(d, "node")!.attrs.uname).toBe("alpha");
    expect(kids(cib, "node")).toEqual([]);
    expect(kids(first(d, "nodes")!, "node")).toHaveLength(2);
  });

  it("decodes named and numeric entities in text and attributes", () => {
    const d = parseXml(`<a v="&lt;x&gt; &amp; &quot;q&quot; &apos;s&apos; &#65;&#x42;">1 &lt; 2 &amp;&amp; &unknown;</a>`);
    expect(d.children[0].attrs.v).toBe(`<x> & "q" 's' AB`);
    expect(d.children[0].text).toBe("1 < 2 && &unknown;");
  });

  it("keeps CDATA raw, skips comments, PIs and DOCTYPE", () => {
    const d = parseXml(`<!DOCTYPE resource-agent SYSTEM "ra-api-1.dtd"><!-- <b/> --><a><![CDATA[<not> &amp; markup]]><?pi x?></a>`);
    expect(d.children).toHaveLength(1);
    expect(d.children[0].text).toBe("<not> &amp; markup");
    expect(d.children[0].children).toEqual([]);
  });

  it.each([
    ["unclosed element", "<a><b></b>"],
    ["wrong closing tag", "<a><b></a></b>"],
    ["stray closing tag", "</a>"],
    ["unquoted attribute", "<a v=1/>"],
    ["stray <", "<a>1 <2</a>"],
    ["empty input", ""],
    ["text only", "crm_mon: Error: cluster is not available on this node"],
  ])("rejects %s", (_, xml) => {
    expect(() => parseXml(xml)).toThrow(/XML/);
  });

  it("escapeXml round-trips through the parser", () => {
    const v = `a<b>&"c"'d`;
    expect(parseXml(`<x v="${escapeXml(v)}">${escapeXml(v)}</x>`).children[0]).toMatchObject({ attrs: { v }, text: v });
  });

  it("parses a CIB-sized document (5000 status rows)", () => {
    const rows = Array.from({ length: 5000 }, (_, i) => `<lrm_rsc_op id="op${i}" operation="monitor" rc-code="0" call-id="${i}"/>`);
    const xml = `<cib><status>${rows.join("\n")}</status></cib>`;
    expect(xml.length).toBeGreaterThan(300_000);
    expect(all(parseXml(xml), "lrm_rsc_op")).toHaveLength(5000);
  });
});
