import { NAME_CHARS, nameProblem } from "./validate";
import { clip } from "../text";

/**
 * The environment DRBD gives its fence-peer / unfence-peer / after-resync-target handlers, validated.
 *
 * 8.4 (drbdadm-84 adm_khelper): DRBD_RESOURCE, DRBD_CONF, DRBD_MINOR (a space separated list for the
 *   resource-level fence-peer, one minor for after-resync-target), DRBD_PEER / DRBD_PEERS (host names
 *   of the peer's `on` section), DRBD_PEER_ADDRESS, DRBD_PEER_AF.
 * 9 (kernel drbd_khelper + drbdadm): DRBD_RESOURCE, DRBD_PEER_NODE_ID, DRBD_MY_NODE_ID,
 *   DRBD_NODE_ID_<n>=host names, UP_TO_DATE_NODES=0x… (a node id bit mask), DRBD_MINOR_<volume> or
 *   DRBD_MINOR, DRBD_CONF. UP_TO_DATE_NODES and the node ids exist only on 9: that tells the families apart.
 *
 * Everything ends up in argv arrays and XML, never a shell, but a name that starts with "-" would
 * still read as an option, so names must look like names.
 */
export interface HandlerEnv {
  family: "8.4" | "9";
  resource: string;
  /**
   * DRBD host names of the peers without UpToDate data: 8.4 the peer (empty when drbdadm could not
   * tell); 9 every configured node outside UP_TO_DATE_NODES (the kernel always sets this node's bit)
   */
  peers: string[];
  /** DRBD host names of the other nodes with UpToDate data (9 only) */
  upToDatePeers: string[];
  /** this node's DRBD host name (9 only) */
  myName?: string;
  minors: number[];
  conf?: string;
  peerNodeId?: number;
  myNodeId?: number;
  /** 9: DRBD host name of DRBD_PEER_NODE_ID (the connection the kernel called us for) */
  peerName?: string;
}

export type EnvResult = { ok: true; env: HandlerEnv } | { ok: false; reason: string };

const HOST = /^[A-Za-z0-9_][-A-Za-z0-9_.]*$/;
const NODE_ID = /^([0-9]|[1-2][0-9]|3[0-1])$/;

type Env = Record<string, string | undefined>;

export function readHandlerEnv(e: Env): EnvResult {
  const resource = e.DRBD_RESOURCE ?? "";
  if (nameProblem("DRBD_RESOURCE", resource)) return bad(`DRBD_RESOURCE="${clip(resource)}" is not a DRBD resource name`);
  const conf = e.DRBD_CONF;
  if (conf !== undefined && !(conf.startsWith("/") && NAME_CHARS.test(conf))) return bad(`DRBD_CONF="${clip(conf)}" is not an absolute path`);
  const minors = readMinors(e);
  if (typeof minors === "string") return bad(minors);
  const nine = e.UP_TO_DATE_NODES !== undefined || e.DRBD_PEER_NODE_ID !== undefined || e.DRBD_MY_NODE_ID !== undefined;
  return nine ? read9(e, resource, conf, minors) : read84(e, resource, conf, minors);
}

const bad = (reason: string): EnvResult => ({ ok: false, reason });

function hosts(v: string | undefined, what: string): string[] | string {
  const hs = (v ?? "").trim().split(/\s+/).filter(Boolean);
  const wrong = hs.find((h) => !HOST.test(h));
  return wrong === undefined ? hs : `${what}: "${clip(wrong)}" is not a host name`;
}

/** 9's per-volume DRBD_MINOR_<n> (kernel), else DRBD_MINOR as drbdadm sets it ("0" or "0 1"). */
function readMinors(e: Env): number[] | string {
  const perVol = Object.keys(e)
    .map((k) => /^DRBD_MINOR_(\d+)$/.exec(k))
    .filter((m): m is RegExpExecArray => !!m && e[m[0]] !== undefined)
    .sort((a, b) => Number(a[1]) - Number(b[1]))
    .map((m) => e[m[0]] ?? "");
  const words = perVol.length ? perVol : (e.DRBD_MINOR ?? "").trim().split(/\s+/).filter(Boolean);
  const wrong = words.find((w) => !/^\d{1,7}$/.test(w));
  return wrong === undefined ? words.map(Number) : `DRBD_MINOR: "${clip(wrong)}" is not a minor number`;
}

function read84(e: Env, resource: string, conf: string | undefined, minors: number[]): EnvResult {
  const peers = hosts(e.DRBD_PEERS ?? e.DRBD_PEER, "DRBD_PEERS");
  if (typeof peers === "string") return bad(peers);
  return { ok: true, env: { family: "8.4", resource, conf, minors, peers, upToDatePeers: [] } };
}

function read9(e: Env, resource: string, conf: string | undefined, minors: number[]): EnvResult {
  const mine = e.DRBD_MY_NODE_ID ?? "";
  const peer = e.DRBD_PEER_NODE_ID;
  if (!NODE_ID.test(mine)) return bad(`DRBD_MY_NODE_ID="${clip(mine)}" is not a node id (0-31)`);
  if (peer !== undefined && !NODE_ID.test(peer)) return bad(`DRBD_PEER_NODE_ID="${clip(peer)}" is not a node id (0-31)`);
  const maskText = e.UP_TO_DATE_NODES ?? "";
  if (!/^0x[0-9a-fA-F]{1,16}$/.test(maskText)) return bad(`UP_TO_DATE_NODES="${clip(maskText)}" is not a hex node mask`);
  const mask = BigInt(maskText);
  const upToDate = (id: number) => ((mask >> BigInt(id)) & 1n) === 1n;
  const names = new Map<number, string[]>();
  for (const [k, v] of Object.entries(e)) {
    const m = /^DRBD_NODE_ID_(\d+)$/.exec(k);
    if (!m || !NODE_ID.test(m[1]) || v === undefined) continue;
    const hs = hosts(v, k);
    if (typeof hs === "string") return bad(hs);
    names.set(Number(m[1]), hs);
  }
  const myNodeId = Number(mine);
  const others = [...names.keys()].filter((id) => id !== myNodeId).sort((a, b) => a - b);
  const fenced = others.filter((id) => !upToDate(id));
  return {
    ok: true,
    env: {
      family: "9",
      resource,
      conf,
      minors,
      peers: fenced.flatMap((id) => names.get(id) ?? []),
      upToDatePeers: others.filter((id) => !fenced.includes(id)).flatMap((id) => names.get(id) ?? []),
      myName: names.get(myNodeId)?.[0],
      peerNodeId: peer === undefined ? undefined : Number(peer),
      myNodeId,
      peerName: peer === undefined ? undefined : names.get(Number(peer))?.[0],
    },
  };
}
