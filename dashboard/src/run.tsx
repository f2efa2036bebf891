// Starts an uploaded .wasm module on a chosen node (Spawn with the
// module's bytes), then follows its output.
import { useState } from "preact/hooks";
import { Admin, NodeState, type Node } from "@gen/admin_pb";
import { unary } from "./api";
import type { Act } from "./app";

// Arguments as a shell would split simple ones: on spaces, with "..." kept.
function splitArgs(text: string): string[] {
  return (text.match(/"[^"]*"|\S+/g) ?? []).map((a) => a.replace(/^"(.*)"$/, "$1"));
}

export function RunForm(props: { nodes: Node[]; act: Act; onStarted: (pid: bigint) => void }) {
  const [file, setFile] = useState<File | null>(null);
  const [node, setNode] = useState("");
  const [args, setArgs] = useState("");
  const up = props.nodes.filter((n) => n.state === NodeState.UP);
  const target = node || up.find((n) => n.self)?.name || up[0]?.name || "";

  const run = async (e: Event) => {
    e.preventDefault();
    if (!file) return;
    await props.act(`starting ${file.name}`, async () => {
      const bytes = new Uint8Array(await file.arrayBuffer());
      const r = await unary(Admin.method.spawn, {
        node: target,
        module: { case: "moduleBytes", value: bytes },
        args: [file.name, ...splitArgs(args)],
      });
      props.onStarted(r.pid);
      return `started process ${r.pid} on ${r.node}`;
    });
  };

  return (
    <form class="form" onSubmit={run}>
      <label>
        Module (.wasm)
        <input
          type="file"
          accept=".wasm,application/wasm"
          onChange={(e) => setFile((e.target as HTMLInputElement).files?.[0] ?? null)}
          data-testid="run-file"
        />
      </label>
      <label>
        Node
        <select value={target} onChange={(e) => setNode((e.target as HTMLSelectElement).value)} data-testid="run-node">
          {up.map((n) => <option key={n.name} value={n.name}>{n.name}</option>)}
        </select>
      </label>
      <label>
        Arguments
        <input value={args} onInput={(e) => setArgs((e.target as HTMLInputElement).value)} data-testid="run-args" />
      </label>
      <button type="submit" disabled={!file || !target} data-testid="run-submit">Run</button>
    </form>
  );
}
