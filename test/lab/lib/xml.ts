/** Just enough XML for crm_mon/cibadmin output (machine written: double-quoted attributes, no DTD). */
export interface El {
  name: string;
  attrs: Record<string, string>;
  children: El[];
  text: string;
}

const ENT: Record<string, string> = { amp: "&", lt: "<", gt: ">", quot: '"', apos: "'" };
const decode = (s: string) =>
  s.replace(/&(#x[0-9a-f]+|#\d+|\w+);/gi, (m, e: string) =>
    e[0] === "#" ? String.fromCodePoint(e[1] === "x" || e[1] === "X" ? parseInt(e.slice(2), 16) : parseInt(e.slice(1), 10)) : (ENT[e] ?? m),
  );

export function parseXml(xml: string): El {
  const root: El = { name: "#document", attrs: {}, children: [], text: "" };
  const stack = [root];
  const re = /<!--[\s\S]*?-->|<\?[\s\S]*?\?>|<!\[CDATA\[([\s\S]*?)\]\]>|<(\/?)([\w:.-]+)((?:\s+[\w:.-]+\s*=\s*"[^"]*")*)\s*(\/?)>|([^<]+)/g;
  for (let m; (m = re.exec(xml)); ) {
    const top = stack[stack.length - 1];
    if (m[1] !== undefined) top.text += m[1];
    else if (m[6] !== undefined) top.text += decode(m[6]);
    else if (m[3]) {
      if (m[2]) {
        if (stack.length > 1 && top.name === m[3]) stack.pop();
        else throw new Error(`XML: unexpected </${m[3]}> inside <${top.name}>`);
        continue;
      }
      const el: El = { name: m[3], attrs: {}, children: [], text: "" };
      for (const a of m[4].matchAll(/([\w:.-]+)\s*=\s*"([^"]*)"/g)) el.attrs[a[1]] = decode(a[2]);
      top.children.push(el);
      if (!m[5]) stack.push(el);
    }
  }
  if (stack.length !== 1) throw new Error(`XML: <${stack[stack.length - 1].name}> not closed`);
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

export const first = (el: El, name: string): El | undefined => all(el, name)[0];
