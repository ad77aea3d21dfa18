import type { ActionDecl, AgentDecl, ParamDecls } from "./declare";

const ESC: Record<string, string> = { "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;" };
// one test and mostly no replace: under Bun each regex replace's first run is paid on every call
const esc = (s: string) => (/[&<>"]/.test(s) ? s.replace(/[&<>"]/g, (c) => ESC[c]) : s);

/**
 * OCF meta-data. Stays inside the 2009 ra-api-1.dtd that ocf-tester validates against: no
 * reload-agent, no unique-group, no <deprecated>, no select type (see shared/reference).
 */
export function metaDataXml<P extends ParamDecls>(a: AgentDecl<P>): string {
  const params = Object.entries(a.params).map(([name, d]) => {
    const def = d.default === undefined ? "" : ` default="${esc(String(d.default))}"`;
    return [
      `    <parameter name="${esc(name)}" unique="${d.unique ? 1 : 0}" required="${d.required ? 1 : 0}">`,
      `      <longdesc lang="en">${esc(d.longdesc)}</longdesc>`,
      `      <shortdesc lang="en">${esc(d.shortdesc)}</shortdesc>`,
      `      <content type="${d.type}"${def}/>`,
      `    </parameter>`,
    ].join("\n");
  });
  const row = (name: string, x: Pick<ActionDecl<P>, "timeout" | "interval" | "depth" | "role">) => {
    let s = `    <action name="${name}" timeout="${x.timeout}s"`;
    if (x.interval !== undefined) s += ` interval="${x.interval}s"`;
    if (x.depth !== undefined) s += ` depth="${x.depth}"`;
    if (x.role) s += ` role="${x.role}"`;
    return s + "/>";
  };
  const declared = Object.entries(a.actions).flatMap(([name, x]) => [row(name, x), ...(x.variants ?? []).map((v) => row(name, v))]);
  // every agent answers these (the runtime provides them), so the declaration need not repeat them
  const implied = [
    ...(a.actions.monitor && !a.actions.status ? [row("status", { timeout: a.actions.monitor.timeout })] : []),
    ...(a.actions["meta-data"] ? [] : [row("meta-data", { timeout: 5 })]),
  ];
  const actions = [...declared, ...implied];
  return `<?xml version="1.0"?>
<!DOCTYPE resource-agent SYSTEM "ra-api-1.dtd">
<resource-agent name="${esc(a.name)}" version="${esc(a.version)}">
  <version>1.1</version>
  <longdesc lang="en">${esc(a.longdesc)}</longdesc>
  <shortdesc lang="en">${esc(a.shortdesc)}</shortdesc>
  <parameters>
${params.join("\n")}
  </parameters>
  <actions>
${actions.join("\n")}
  </actions>
</resource-agent>
`;
}
