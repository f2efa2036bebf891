// The topology: a card per node with its state, load and devices, and its
// running processes as chips that can be dragged onto another node.
import { useState } from "preact/hooks";
import { NodeState, ProcessState, type Node, type Process } from "@gen/admin_pb";
import { bytes, enumName } from "./format";

const kDragType = "application/x-shoal-pid";

function Load({ node }: { node: Node }) {
  const load = node.load;
  if (!load || load.workers === 0) return <div class="load">load: not reported yet</div>;
  const cpu = load.cpuPermille / 10;
  const memory = load.memoryTotalBytes > 0n
    ? (Number(load.memoryBytes) / Number(load.memoryTotalBytes)) * 100
    : 0;
  return (
    <div class="load" data-testid={`node-load-${node.name}`}>
      CPU {cpu.toFixed(0)}% · busy {load.busyWorkers}/{load.workers} workers · run queue {String(load.runQueue)}
      <div class="bar"><div style={{ width: `${Math.min(100, cpu / load.workers)}%` }} /></div>
      memory {bytes(load.memoryBytes)} of {bytes(load.memoryTotalBytes)}
      <div class="bar"><div style={{ width: `${Math.min(100, memory)}%` }} /></div>
    </div>
  );
}

export function NodeCards(props: {
  nodes: Node[];
  processes: Process[];
  onMigrate: (pid: bigint, to: string) => void;
}) {
  const [over, setOver] = useState<string>("");
  return (
    <div class="nodes">
      {props.nodes.map((node) => {
        const state = enumName(NodeState, node.state);
        const running = props.processes.filter(
          (p) => p.node === node.name && p.state === ProcessState.RUNNING,
        );
        return (
          <div
            key={node.name}
            class={`node ${over === node.name ? "drop" : ""}`}
            data-testid={`node-card-${node.name}`}
            onDragOver={(e) => {
              e.preventDefault();
              setOver(node.name);
            }}
            onDragLeave={() => setOver("")}
            onDrop={(e) => {
              e.preventDefault();
              setOver("");
              const pid = e.dataTransfer?.getData(kDragType);
              const from = e.dataTransfer?.getData("text/plain");
              if (pid && from !== node.name) props.onMigrate(BigInt(pid), node.name);
            }}
          >
            <h3>
              {node.name}
              <span class={`state ${state}`} data-testid={`node-state-${node.name}`}>{state}</span>
            </h3>
            <div class="muted">id {node.nodeId} · {node.adminAddress} · {node.processes} running</div>
            <Load node={node} />
            {node.devices.length > 0 && <div class="devices">{node.devices.join(" ")}</div>}
            <div class="chips">
              {running.map((p) => (
                <span
                  key={String(p.pid)}
                  class="chip"
                  draggable
                  data-testid={`chip-${p.pid}`}
                  title={`${p.name} ${p.args.slice(1).join(" ")}`}
                  onDragStart={(e) => {
                    e.dataTransfer?.setData(kDragType, String(p.pid));
                    e.dataTransfer?.setData("text/plain", p.node);
                  }}
                >
                  {String(p.pid)} {p.name.split("/").pop()}
                </span>
              ))}
            </div>
          </div>
        );
      })}
    </div>
  );
}
