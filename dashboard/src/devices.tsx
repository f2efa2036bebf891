// Devices of every node and the mounts that bind one node's device into
// another's namespace (docs/mounts.md), with mount and unmount.
import { useState } from "preact/hooks";
import { Admin, NodeState, type Device, type Node } from "@gen/admin_pb";
import { unary } from "./api";
import type { Act } from "./app";
import { CameraPreview, previewMode } from "./camera";
import type { Ask } from "./confirm";

export function Devices(props: { devices: Device[]; nodes: Node[]; ask: Ask; act: Act }) {
  const sources = props.devices.filter((d) => d.kind !== "mount" && d.driver !== "kernel");
  const up = props.nodes.filter((n) => n.state === NodeState.UP);
  const [source, setSource] = useState("");
  const [target, setTarget] = useState("/dev/video1");
  const [on, setOn] = useState("");
  const [preview, setPreview] = useState<Device | null>(null);
  const chosenSource = source || (sources[0] ? `${sources[0].node}:${sources[0].path}` : "");
  const chosenNode = on || up.find((n) => !chosenSource.startsWith(`${n.name}:`))?.name || "";

  const mount = async (e: Event) => {
    e.preventDefault();
    if (!(await props.ask(`Mount ${chosenSource} at ${target} on ${chosenNode}?`, "Mount"))) return;
    await props.act(`mounting ${chosenSource}`, async () => {
      await unary(Admin.method.mount, { source: chosenSource, target, node: chosenNode });
      return `mounted ${chosenSource} at ${target} on ${chosenNode}`;
    });
  };
  const unmount = async (d: Device) => {
    if (!(await props.ask(`Unmount ${d.path} on ${d.node}? What was opened through it is cut.`, "Unmount"))) {
      return;
    }
    await props.act(`unmounting ${d.path}`, async () => {
      await unary(Admin.method.unmount, { target: d.path, node: d.node });
      return `unmounted ${d.path} on ${d.node}`;
    });
  };

  return (
    <>
      <table data-testid="devices">
        <thead>
          <tr><th>Node</th><th>Path</th><th>Kind</th><th>Driver</th><th>Open</th><th>Modes or source</th><th></th></tr>
        </thead>
        <tbody>
          {props.devices.map((d) => (
            <tr key={`${d.node}:${d.path}`} data-testid={`device-${d.node}-${d.path}`}>
              <td>{d.node}</td>
              <td>{d.path}</td>
              <td>{d.kind}</td>
              <td>{d.driver}</td>
              <td class="num">{d.openHandles}</td>
              <td title={d.modes.join("\n")}>
                {d.source || (d.modes.length > 2 ? `${d.modes[0]} ... (${d.modes.length} modes)` : d.modes.join(", "))}
              </td>
              <td><div class="actions">
                {(d.kind === "camera" || d.kind === "mount") && (
                  <button onClick={() => setPreview(d)} data-testid={`preview-${d.node}-${d.path}`}>Preview</button>
                )}
                {d.kind === "mount" && (
                  <button onClick={() => unmount(d)} data-testid={`unmount-${d.node}-${d.path}`}>Unmount</button>
                )}
              </div></td>
            </tr>
          ))}
        </tbody>
      </table>
      {preview && (
        <CameraPreview
          node={preview.node}
          path={preview.path}
          mode={previewMode(preview.modes)}
          onClose={() => setPreview(null)}
        />
      )}
      {sources.length > 0 && (
        <form class="form" onSubmit={mount} style={{ marginTop: ".8rem" }}>
          <label>
            Device
            <select value={chosenSource} onChange={(e) => setSource((e.target as HTMLSelectElement).value)}
              data-testid="mount-source">
              {sources.map((d) => (
                <option key={`${d.node}:${d.path}`} value={`${d.node}:${d.path}`}>{d.node}:{d.path} ({d.kind})</option>
              ))}
            </select>
          </label>
          <label>
            At
            <input value={target} onInput={(e) => setTarget((e.target as HTMLInputElement).value)}
              data-testid="mount-target" />
          </label>
          <label>
            On node
            <select value={chosenNode} onChange={(e) => setOn((e.target as HTMLSelectElement).value)}
              data-testid="mount-node">
              {up.map((n) => <option key={n.name} value={n.name}>{n.name}</option>)}
            </select>
          </label>
          <button type="submit" data-testid="mount-submit">Mount</button>
        </form>
      )}
    </>
  );
}
