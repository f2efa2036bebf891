// Every process of the cluster, with what can be done to it.
import { useState } from "preact/hooks";
import { Admin, ExitKind, NodeState, ProcessState, type Node, type Process } from "@gen/admin_pb";
import { unary } from "./api";
import type { Act } from "./app";
import type { Ask } from "./confirm";
import { bytes, enumName, seconds, since } from "./format";

function stateText(p: Process): string {
  if (p.state === ProcessState.EXITED && p.exit) {
    const kind = enumName(ExitKind, p.exit.kind);
    return p.exit.kind === ExitKind.EXITED || p.exit.kind === ExitKind.RETURNED
      ? `exited ${p.exit.code}`
      : kind;
  }
  return enumName(ProcessState, p.state);
}

function MigratePicker(props: { p: Process; nodes: Node[]; onMigrate: (pid: bigint, to: string) => void }) {
  const targets = props.nodes.filter((n) => n.name !== props.p.node && n.state === NodeState.UP);
  const [to, setTo] = useState("");
  const chosen = to || targets[0]?.name || "";
  if (targets.length === 0) return null;
  return (
    <>
      <select
        value={chosen}
        onChange={(e) => setTo((e.target as HTMLSelectElement).value)}
        data-testid={`migrate-to-${props.p.pid}`}
        aria-label="move to node"
      >
        {targets.map((n) => <option key={n.name} value={n.name}>{n.name}</option>)}
      </select>
      <button onClick={() => props.onMigrate(props.p.pid, chosen)} data-testid={`migrate-${props.p.pid}`}>
        Migrate
      </button>
    </>
  );
}

export function Processes(props: {
  processes: Process[];
  nodes: Node[];
  ask: Ask;
  act: Act;
  onMigrate: (pid: bigint, to: string) => void;
  onFollow: (pid: bigint) => void;
}) {
  const kill = async (p: Process) => {
    if (!(await props.ask(`Kill process ${p.pid} (${p.name}) on ${p.node}?`, "Kill"))) return;
    await props.act(`killing ${p.pid}`, async () => {
      const r = await unary(Admin.method.kill, { pid: p.pid });
      return r.alreadyEnded ? `process ${p.pid} had already ended` : `killed process ${p.pid} on ${r.node}`;
    });
  };
  if (props.processes.length === 0) return <p class="muted">No processes yet.</p>;
  const sorted = [...props.processes].sort((a, b) => Number(b.startedUnixMs - a.startedUnixMs));
  return (
    <table data-testid="processes">
      <thead>
        <tr>
          <th>PID</th><th>Node</th><th>State</th><th>Command</th><th>CPU</th><th>Fuel</th><th>Memory</th>
          <th>Uptime</th><th>Moves</th><th></th>
        </tr>
      </thead>
      <tbody>
        {sorted.map((p) => (
          <tr key={String(p.pid)} data-testid={`process-${p.pid}`}>
            <td class="num">{String(p.pid)}</td>
            <td data-testid={`process-node-${p.pid}`}>{p.node}</td>
            <td data-testid={`process-state-${p.pid}`} title={p.exit?.message ?? ""}>{stateText(p)}</td>
            <td>{[p.name, ...p.args.slice(1)].join(" ")}</td>
            <td class="num">{seconds(p.cpuNs)}</td>
            <td class="num">{String(p.fuelUsed)}</td>
            <td class="num" data-testid={`process-memory-${p.pid}`}>{p.memoryBytes > 0n ? bytes(p.memoryBytes) : "-"}</td>
            <td class="num">{since(p.startedUnixMs, p.endedUnixMs)}</td>
            <td class="num">{p.moves}{p.movedFrom && <span class="muted"> (from {p.movedFrom})</span>}</td>
            <td><div class="actions">
              <button onClick={() => props.onFollow(p.pid)} data-testid={`logs-${p.pid}`}>Logs</button>
              {p.state === ProcessState.RUNNING && (
                <>
                  <MigratePicker p={p} nodes={props.nodes} onMigrate={props.onMigrate} />
                  <button class="danger" onClick={() => kill(p)} data-testid={`kill-${p.pid}`}>Kill</button>
                </>
              )}
            </div></td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}
