import { bool, int, str } from "../../src/ocf/declare";
import { parseTiers } from "../../src/drbd/policy";
import { confPathProblem, resourceNameProblem } from "../../src/drbd/validate";
import { checkBound } from "../../src/drbd/version";

/** ocf:linbit:drbd's parameter names and defaults; stricter checks where linbit silently guessed. */
export const params = {
  drbd_resource: str({
    required: true,
    unique: true,
    check: resourceNameProblem,
    shortdesc: "DRBD resource name",
    longdesc: "The name of the DRBD resource in the DRBD configuration (r0 in the seed tutorial). Characters: - % + . / 0-9 : = @ A-Z _ a-z, not starting with -; at most 127 (what DRBD itself allows).",
  }),
  drbdconf: str({
    default: "/etc/drbd.conf",
    check: confPathProblem,
    shortdesc: "DRBD configuration file",
    longdesc: "Passed to drbdadm -c. It must be readable on every node that may run the resource; validate-all and start check that it defines drbd_resource.",
  }),
  adjust_master_score: str({
    default: "0 10 1000 10000",
    check: (v) => (parseTiers(v) ? undefined : `must be four non-decreasing integers, got '${v}'`),
    shortdesc: "promotion scores: only Consistent, only remote UpToDate, local UpToDate peer unknown, best",
    longdesc:
      "Four non-decreasing integers: the promotion score when this node has only Consistent data, when only a peer has UpToDate data, when its own data is UpToDate but the peer's state is unknown, and when its data is UpToDate and it is Primary or the peer's state is known. A score of 0 or less removes the score (no promotion here). linbit's agent falls back to the default on a bad value; hanfs refuses it (exit 6).",
  }),
  stop_outdates_secondary: bool({
    default: false,
    shortdesc: "outdate this node's data when it stops while another node is Promoted",
    longdesc:
      "On stop and on post notifications while the peer's disk state is unknown: if Pacemaker's notification says another node is Promoted (and it is not being stopped), mark this node's data Outdated (drbdadm outdate) so it cannot be promoted by mistake later. Needs notify=true.",
  }),
  ignore_missing_notifications: bool({
    default: false,
    shortdesc: "allow the clone without notify=true",
    longdesc: "The agent needs clone notifications (to reconnect when the peer starts and to rescore after every change); without this it refuses to start a clone with notify=false (exit 6).",
  }),
  wfc_timeout: int({
    default: 5,
    min: 0,
    max: 3600,
    shortdesc: "seconds start waits for the peer to connect",
    longdesc: "After start brings the resource up it waits this long (bounded by the start timeout) for the replication link to connect, so that the first score is based on the peer's disk state. 0: do not wait.",
  }),
  remove_master_score_if_peer_primary: str({
    default: "false",
    check: (v) => (/^(true|false|yes|no|on|off|1|0|unexpected)$/i.test(v) ? undefined : `must be true, false or unexpected, got '${v}'`),
    shortdesc: "remove the promotion score while connected to a healthy Primary peer: true, false or unexpected",
    longdesc:
      "true: a Secondary connected to a Primary peer whose disks are UpToDate has no promotion score. unexpected: only when promoted-max is 1 and Pacemaker (crm_mon XML) shows no Promoted instance, i.e. the peer was made Primary behind Pacemaker's back. false: the peer's role does not change the score.",
  }),
  fail_promote_early_if_peer_primary: bool({
    default: false,
    shortdesc: "fail a promote at once while DRBD sees a Primary peer",
    longdesc:
      "false: promote retries (bounded by its timeout) while DRBD still sees the peer as Primary, e.g. until DRBD notices that a crashed Primary is gone. true: fail after the first try and remove the promotion score.",
  }),
  unfence_if_all_uptodate: bool({
    default: false,
    shortdesc: "remove the fence constraint when Primary and every disk is UpToDate",
    longdesc:
      "When the monitor finds this node Primary with every local and peer disk UpToDate (after a resync), remove the constraint the fence-peer handler placed (the same as /usr/lib/hanfs/drbd-unfence-peer). Done once per transition to all UpToDate, not on every monitor.",
  }),
  unfence_extra_args: str({
    default: "--quiet --flock-required --flock-timeout 0 --unfence-only-if-owner-match",
    check: (v) => (/^[-A-Za-z0-9_=.,:/ ]*$/.test(v) ? undefined : `has characters an option list does not need: '${v}'`),
    shortdesc: "handler options for unfence_if_all_uptodate",
    longdesc: "Options of drbd-unfence-peer (the crm-unfence-peer.9.sh names) used for unfence_if_all_uptodate. linbit declares this parameter boolean by mistake; it is a string.",
  }),
  require_drbd_module_version_ge: str({
    default: "8.4.0",
    check: checkBound,
    shortdesc: "lowest DRBD kernel module version accepted",
    longdesc: "validate-all and start fail with exit 5 (not installed) when the loaded (or installable) DRBD module is older. linbit's default is 8.0.0; hanfs supports 8.4 and 9.",
  }),
  require_drbd_module_version_lt: str({
    default: "10.0.0",
    check: checkBound,
    shortdesc: "DRBD kernel module versions from this one on are refused",
    longdesc: "validate-all and start fail with exit 5 (not installed) when the DRBD module is this version or newer.",
  }),
  connect_only_after_promote: bool({
    default: false,
    shortdesc: "stay StandAlone until promoted",
    longdesc: "true: start attaches the disk but does not connect; promote connects after becoming Primary (for setups where a Secondary must not resync before the Primary is known).",
  }),
};

export type DrbdParams = typeof params;
