/**
 * Just enough XML for what Pacemaker's tools write (cibadmin -Q, crm_mon --output-as=xml): elements,
 * double- or single-quoted attributes, entities, CDATA, comments, processing instructions. No DTDs,
 * no namespaces. One regex pass; malformed nesting throws, so a truncated answer is never half-read.
 */
export interface El {
  name: string;
  attrs: Record<string, string>;
  children: El[];
  text: string;
}

const ENT: Record<string, string> = { amp: "&", lt: "<", gt: ">", quot: '"', apos: "'" };

export const decodeEntities = (s: string) =>
  s.replace(/&(#x[0-9a-f]+|#\d+|\w+);/gi, (m, e: string) => {
    if (e[0] !== "#") return ENT[e] ?? m;
    const cp = e[1] === "x" || e[1] === "X" ? parseInt(e.slice(2), 16) : parseInt(e.slice(1), 10);
    return cp <= 0x10ffff ? String.fromCodePoint(cp) : m;
  });

/** Escape for text and (double-quoted) attribute values. */
const ESC: Record<string, string> = { "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;" };
// one test and mostly no replace: under Bun each regex replace's first run is paid on every call
export const escapeXml = (s: string) => (/[&<>"]/.test(s) ? s.replace(/[&<>"]/g, (c) => ESC[c]) : s);

const NAME = "[A-Za-z_][\\w:.-]*";
const ATTR = new RegExp(`(${NAME})\\s*=\\s*(?:"([^"]*)"|'([^']*)')`, "g");
const TOKEN = new RegExp(
  `<!--[\\s\\S]*?-->|<\\?[\\s\\S]*?\\?>|<!DOCTYPE[^>]*>|<!\\[CDATA\\[([\\s\\S]*?)\\]\\]>` +
    `|<(/?)(${NAME})((?:\\s+${NAME}\\s*=\\s*(?:"[^"]*"|'[^']*'))*)\\s*(/?)>|([^<]+)|(<)`,
  "g",
);

export function parseXml(xml: string): El {
  const root: El = { name: "#document", attrs: {}, children: [], text: "" };
  const stack = [root];
  TOKEN.lastIndex = 0;
  for (let m; (m = TOKEN.exec(xml)); ) {
    const top = stack[stack.length - 1];
    if (m[1] !== undefined) top.text += m[1];
    else if (m[6] !== undefined) top.text += decodeEntities(m[6]);
    else if (m[7] !== undefined) throw new Error(`XML: bad markup at offset ${m.index}: ${JSON.stringify(xml.slice(m.index, m.index + 30))}`);
    else if (m[3]) {
      if (m[2]) {
        if (stack.length > 1 && top.name === m[3]) stack.pop();
        else throw new Error(`XML: unexpected </${m[3]}> inside <${top.name}>`);
        continue;
      }
      const el: El = { name: m[3], attrs: {}, children: [], text: "" };
      for (const a of m[4].matchAll(ATTR)) el.attrs[a[1]] = decodeEntities(a[2] ?? a[3]);
      top.children.push(el);
      if (!m[5]) stack.push(el);
    }
  }
  if (stack.length !== 1) throw new Error(`XML: <${stack[stack.length - 1].name}> not closed`);
  if (!root.children.length) throw new Error("XML: no element");
  return root;
}

/** Every descendant element with this name (depth first, document order). */
export function all(el: El, name: string): El[] {
  const out: El[] = [];
  const walk = (e: El) => {
    for (const c of e.children) {
      if (c.name === name) out.push(c);
      walk(c);
    }
  };
  walk(el);
  return out;
}

/** The first descendant element with this name (depth first), without walking the rest. */
export function first(el: El, name: string): El | undefined {
  for (const c of el.children) {
    if (c.name === name) return c;
    const f = first(c, name);
    if (f) return f;
  }
  return undefined;
}

/** Direct children with this name. */
export const kids = (el: El, name: string): El[] => el.children.filter((c) => c.name === name);

/** An element back as XML (attributes in their order, text escaped): to put back what was removed. */
export function toXml(el: El): string {
  const attrs = Object.entries(el.attrs).map(([k, v]) => ` ${k}="${escapeXml(v)}"`).join("");
  const inner = escapeXml(el.text.trim() ? el.text : "") + el.children.map(toXml).join("");
  return inner ? `<${el.name}${attrs}>${inner}</${el.name}>` : `<${el.name}${attrs}/>`;
}
