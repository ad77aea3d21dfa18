import { readNum } from "../os/files";

/**
 * Facts about this node's NFS server that ocf:hanfs:nfsserver and ocf:hanfs:exportfs share (their
 * contract). Tests overlay the fixed places inside a private mount namespace.
 */

/** The address monitors send their RPC calls to: the server listens on every address, loopback is always there. */
export const PROBE_HOST = "127.0.0.1";

/** The kernel server's state directory (nfsserver binds the shared info dir over it). */
export const VARLIB = "/var/lib/nfs";
export const ETAB = `${VARLIB}/etab`;
export const RMTAB = `${VARLIB}/rmtab`;

/** The nfsd control filesystem. */
export const NFSD = "/proc/fs/nfsd";

/** Running nfsd threads; 0 when nfsd is down or its filesystem is not mounted. */
export const nfsdThreads = () => readNum(`${NFSD}/threads`) ?? 0;
