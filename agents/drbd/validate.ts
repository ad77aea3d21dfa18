import { accessSync, constants } from "node:fs";
import { allowsTwoPrimaries, devicesOf, diskConfigured } from "../../src/drbd/config";
import { moduleVersion } from "../../src/drbd/kernel";
import { cloneMetaProblem, type CloneMeta } from "../../src/drbd/validate";
import { drbdFamily, versionOutsideBounds, type DrbdVersion } from "../../src/drbd/version";
import { OCF, fail } from "../../src/ocf/codes";
import { which } from "../../src/os/which";
import { drbdadm, toolEnv, type DrbdCtx } from "./common";

/** drbdadm and drbdsetup on PATH (no fork). */
export function checkInstalled(ctx: DrbdCtx) {
  for (const b of ["drbdadm", "drbdsetup"]) if (!which(b, toolEnv(ctx).PATH)) fail(OCF.ERR_INSTALLED, `${b} is not installed (package drbd-utils)`);
}

export interface Module {
  version: DrbdVersion;
  family: "8.4" | "9";
  loaded: boolean;
}

/** The module's version (loaded, or what modprobe would load) within require_drbd_module_version_ge/_lt; else exit 5. */
export async function checkModule(ctx: DrbdCtx): Promise<Module> {
  const m = await moduleVersion({ timeoutMs: ctx.deadline.cap(10_000), env: toolEnv(ctx) });
  if (!m.version) return fail(OCF.ERR_INSTALLED, `DRBD kernel module not available: ${m.reason}`);
  const why = versionOutsideBounds(m.version, ctx.params.require_drbd_module_version_ge, ctx.params.require_drbd_module_version_lt);
  if (why) fail(OCF.ERR_INSTALLED, why);
  return { version: m.version, family: drbdFamily(m.version)!, loaded: m.loaded };
}

/**
 * The configuration file is readable and defines the resource for this host (`drbdadm sh-dev`); exit 5
 * otherwise, as linbit does: another node may have a good configuration. Also whether this node has
 * a disk (`sh-ll-dev`: "none" for an intentionally diskless 8.4 volume).
 */
export async function checkConfig(ctx: DrbdCtx): Promise<{ devices: string[]; diskConfigured?: boolean }> {
  const { drbdconf, drbd_resource: res } = ctx.params;
  try {
    accessSync(drbdconf, constants.R_OK);
  } catch (e) {
    fail(OCF.ERR_INSTALLED, `cannot read the DRBD configuration ${drbdconf}: ${(e as NodeJS.ErrnoException).code}`);
  }
  const dev = await drbdadm(ctx, ["sh-dev", res], 15_000);
  if (dev.r.timedOut) fail(OCF.ERR_GENERIC, dev.text);
  const devices = dev.ok ? devicesOf(dev.r.stdout) : [];
  if (!devices.length) fail(OCF.ERR_INSTALLED, `${drbdconf} does not define DRBD resource ${res} for this host: ${dev.text}`);
  const ll = await drbdadm(ctx, ["sh-ll-dev", res], 15_000);
  return { devices, diskConfigured: ll.ok ? diskConfigured(ll.r.stdout) : undefined };
}

/** OCF_RESKEY_CRM_meta_* of the clone, as Pacemaker passed them. */
function cloneMeta(ctx: DrbdCtx): CloneMeta {
  const e = ctx.env;
  const m = (k: string) => e[`OCF_RESKEY_CRM_meta_${k}`];
  // linbit accepts the notification variables themselves as proof that notify is on
  const notify = ctx.meta.notify || e.OCF_RESKEY_CRM_meta_notify_start_uname !== undefined ? "true" : "false";
  return { notify, clone_max: m("clone_max"), clone_node_max: m("clone_node_max"), promoted_max: m("promoted_max") ?? m("master_max"), promoted_node_max: m("promoted_node_max") ?? m("master_node_max") };
}

/**
 * A promotable clone with notifications, one instance per node, at most two Promoted (two only with
 * allow-two-primaries in the DRBD configuration), at most two instances on 8.4. Exit 6 otherwise.
 */
export async function checkClone(ctx: DrbdCtx, family: "8.4" | "9" | undefined) {
  if (!ctx.meta.is_clone) fail(OCF.ERR_CONFIGURED, "ocf:hanfs:drbd runs only as a promotable clone (crm: ms or clone ... meta promotable=true)");
  let allowTwo = false;
  if ((ctx.meta.promoted_max ?? 1) === 2) {
    const d = await drbdadm(ctx, ["dump", ctx.params.drbd_resource], 15_000);
    if (!d.ok) fail(OCF.ERR_INSTALLED, `cannot read the configuration of ${ctx.params.drbd_resource}: ${d.text}`);
    allowTwo = allowsTwoPrimaries(d.r.stdout);
  }
  const why = cloneMetaProblem(cloneMeta(ctx), { allowTwoPrimaries: allowTwo, ignoreMissingNotifications: ctx.params.ignore_missing_notifications, family });
  if (why) fail(OCF.ERR_CONFIGURED, why);
}

export async function validateAll(ctx: DrbdCtx): Promise<number> {
  checkInstalled(ctx);
  const mod = await checkModule(ctx);
  await checkConfig(ctx);
  if (ctx.meta.is_clone) await checkClone(ctx, mod.family);
  else ctx.log.info("not run as a clone instance: the clone's settings (notify, promoted-max, ...) are checked when Pacemaker runs it");
  return OCF.SUCCESS;
}
