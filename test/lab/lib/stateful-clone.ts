/**
 * A promotable clone shaped like the seed's ms_drbd_nfs, but of Pacemaker's Stateful agent: the
 * fence handlers find it the way they find an ocf:hanfs:drbd clone, and Pacemaker really promotes
 * and demotes it without DRBD in the kernel.
 */
export const CLONE = `<clone id="ms_drbd_r0">
  <meta_attributes id="ms_drbd_r0-meta">
    <nvpair id="ms_drbd_r0-promotable" name="promotable" value="true"/>
    <nvpair id="ms_drbd_r0-promoted-max" name="promoted-max" value="1"/>
    <nvpair id="ms_drbd_r0-clone-max" name="clone-max" value="2"/>
    <nvpair id="ms_drbd_r0-clone-node-max" name="clone-node-max" value="1"/>
    <nvpair id="ms_drbd_r0-notify" name="notify" value="true"/>
  </meta_attributes>
  <primitive id="p_drbd_r0" class="ocf" provider="pacemaker" type="Stateful">
    <instance_attributes id="p_drbd_r0-ia"><nvpair id="p_drbd_r0-res" name="drbd_resource" value="r0"/></instance_attributes>
    <operations>
      <op id="p_drbd_r0-mon-p" name="monitor" interval="9s" role="Promoted"/>
      <op id="p_drbd_r0-mon-u" name="monitor" interval="11s" role="Unpromoted"/>
    </operations>
  </primitive>
</clone>`;
