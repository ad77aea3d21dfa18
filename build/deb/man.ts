/**
 * Manual pages generated, never written by hand: ocf_hanfs_<Agent>(7) from each agent's
 * declaration (like resource-agents' ocf_heartbeat_*(7)), hanfs(8) from the binary's own --help.
 */
import type { AgentDecl, ParamDecls } from "../../src/ocf/declare";

/** Text for roff: backslashes escaped, no line may start a request, minus signs are minus signs. */
export function roff(s: string): string {
  return s
    .replace(/\\/g, "\\e")
    .replace(/-/g, "\\-")
    .split("\n")
    .map((l) => (/^[.']/.test(l) ? `\\&${l}` : l))
    .join("\n");
}

const header = (name: string, section: number, date: string, version: string, manual: string) =>
  `.TH ${name.toUpperCase().replace(/-/g, "\\-")} ${section} "${date}" "hanfs ${version}" "${manual}"\n`;

export function agentManPage(decl: AgentDecl<ParamDecls>, version: string, date: string): string {
  const page = `ocf_hanfs_${decl.name}`;
  const out = [header(page, 7, date, version, "OCF resource agents"), ".SH NAME", `${roff(page)} \\- ${roff(decl.shortdesc)}`, ".SH SYNOPSIS"];
  const required = Object.entries(decl.params).filter(([, d]) => d.required);
  const sample = required.map(([k]) => `${k}=...`).join(" ");
  out.push(
    ".nf",
    roff(`crm configure primitive ID ocf:hanfs:${decl.name}${sample ? ` params ${sample}` : ""}`),
    roff(`pcs resource create ID ocf:hanfs:${decl.name}${sample ? ` ${sample}` : ""}`),
    roff(`/usr/lib/ocf/resource.d/hanfs/${decl.name} ${Object.keys(decl.actions).join(" | ")}`),
    ".fi",
    ".SH DESCRIPTION",
    roff(decl.longdesc),
    ".SH PARAMETERS",
  );
  for (const [name, d] of Object.entries(decl.params)) {
    const dflt = d.required ? "required" : d.default === undefined || d.default === "" ? "optional" : `default ${String(d.default)}`;
    out.push(".TP", `\\fB${roff(name)}\\fR (${d.type}, ${roff(dflt)})`, roff(d.longdesc));
  }
  out.push(".SH OPERATIONS", "Default timeouts (Pacemaker's op timeout overrides them):", ".TS", "l l l.", "action\ttimeout\tinterval");
  for (const [name, a] of Object.entries(decl.actions))
    for (const v of [a, ...(a.variants ?? [])])
      out.push(`${roff(name)}${v.role ? ` (${v.role})` : ""}${v.depth ? ` depth ${v.depth}` : ""}\t${v.timeout} s\t${v.interval ? `${v.interval} s` : "\\-"}`);
  out.push(".TE", ".SH SEE ALSO", "\\fBhanfs\\fR(8), \\fBcrm\\fR(8), \\fBpcs\\fR(8), /usr/share/doc/hanfs/README.md.gz");
  return out.join("\n") + "\n";
}

export interface CommandHelp {
  command: string;
  help: string;
}

export function cliManPage(top: string, commands: CommandHelp[], programs: string[], agents: string[], version: string, date: string): string {
  const out = [
    header("hanfs", 8, date, version, "System Administration"),
    ".SH NAME",
    "hanfs \\- highly available NFS for Pacemaker clusters: OCF agents, DRBD handlers and health checks in one binary",
    ".SH SYNOPSIS",
    ".B hanfs",
    "\\fICOMMAND\\fR [\\fIOPTIONS\\fR]",
    ".SH DESCRIPTION",
    roff(
      "One executable provides every program of hanfs; the name it is started by chooses the program. The OCF agents are links to it in /usr/lib/ocf/resource.d/hanfs, used by Pacemaker as ocf:hanfs:NAME; the programs below /usr/lib/hanfs are called by DRBD and haproxy. Started as hanfs it is the command line below.",
    ),
    ".PP",
    ".nf",
    roff(top.trimEnd()),
    ".fi",
    ".SH COMMANDS",
  ];
  for (const c of commands) out.push(".SS", `hanfs ${roff(c.command)}`, ".nf", roff(c.help.trimEnd()), ".fi");
  out.push(".SH FILES", ".TP", "/usr/lib/hanfs/hanfs", "The binary.");
  for (const p of programs) out.push(".TP", roff(`/usr/lib/hanfs/${p}`), "A link to the binary, run by DRBD or haproxy.");
  for (const a of agents) out.push(".TP", roff(`/usr/lib/ocf/resource.d/hanfs/${a}`), `The agent ocf:hanfs:${roff(a)}, see \\fBocf_hanfs_${roff(a)}\\fR(7).`);
  out.push(".TP", "/lib/systemd/system/hanfs\\-haproxy\\-agent.service", "The haproxy agent\\-check responder (not enabled by the package).");
  out.push(".TP", "/usr/share/doc/hanfs/examples/", "The seed tutorial's configuration for hanfs: crm, pcs, DRBD and haproxy.");
  out.push(".SH SEE ALSO", agents.map((a) => `\\fBocf_hanfs_${roff(a)}\\fR(7)`).join(", ") + ", \\fBcrm\\fR(8), \\fBpcs\\fR(8), \\fBdrbd.conf\\fR(5), \\fBhaproxy\\fR(1)");
  return out.join("\n") + "\n";
}
