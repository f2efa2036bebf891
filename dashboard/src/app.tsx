// The dashboard: the cluster as any node sees it. Lists come from unary
// calls, refreshed when the cluster's event stream (Watch) says something
// changed, and every few seconds for load figures; actions go through the
// same API as the CLI and show its answer or its error.
import { useEffect, useRef, useState } from "preact/hooks";
import { Admin, type Device, type Event, type Node, type Process } from "@gen/admin_pb";
import { ApiError, logout, stream, unary } from "./api";
import { useConfirm } from "./confirm";
import { Devices } from "./devices";
import { Events } from "./events";
import { Logs } from "./logs";
import { Migrations, useMigrations } from "./migrations";
import { NodeCards } from "./nodes";
import { Processes } from "./processes";
import { RunForm } from "./run";

export type Outcome = { ok: boolean; text: string } | null;
// Runs an action and says how it went in the banner.
export type Act = (what: string, action: () => Promise<string>) => Promise<void>;

const kRefreshMs = 5000;
const kMaxEvents = 200;

export function App() {
  const [nodes, setNodes] = useState<Node[]>([]);
  const [processes, setProcesses] = useState<Process[]>([]);
  const [devices, setDevices] = useState<Device[]>([]);
  const [events, setEvents] = useState<Event[]>([]);
  const [outcome, setOutcome] = useState<Outcome>(null);
  const [following, setFollowing] = useState<bigint | null>(null);
  const [watchError, setWatchError] = useState<string>("");
  const [ask, dialog] = useConfirm();
  const migrations = useMigrations();
  const refreshTimer = useRef<number | undefined>(undefined);

  const refresh = async () => {
    try {
      const [n, p, d] = await Promise.all([
        unary(Admin.method.listNodes, {}),
        unary(Admin.method.listProcesses, {}),
        unary(Admin.method.listDevices, {}),
      ]);
      setNodes(n.nodes);
      setProcesses(p.processes);
      setDevices(d.devices);
    } catch (e) {
      setOutcome({ ok: false, text: `cannot list the cluster: ${(e as Error).message}` });
    }
  };
  // Events come in bursts (a move is a start here and an end there).
  const refreshSoon = () => {
    window.clearTimeout(refreshTimer.current);
    refreshTimer.current = window.setTimeout(refresh, 200);
  };

  useEffect(() => {
    refresh();
    const timer = window.setInterval(refresh, kRefreshMs);
    return () => window.clearInterval(timer);
  }, []);

  // The cluster's events, from the serving node's log; reconnects when the
  // stream breaks (the node restarted), a few seconds later.
  useEffect(() => {
    const abort = new AbortController();
    const watch = async () => {
      while (!abort.signal.aborted) {
        try {
          await stream(
            Admin.method.watch,
            { afterSeq: 0n },
            (e) => {
              setWatchError("");
              setEvents((old) => [e, ...old].slice(0, kMaxEvents));
              refreshSoon();
            },
            abort.signal,
          );
        } catch (e) {
          if (abort.signal.aborted) return;
          setWatchError((e as Error).message);
        }
        setEvents([]);  // The next stream replays the log.
        await new Promise((r) => setTimeout(r, 3000));
      }
    };
    watch();
    return () => abort.abort();
  }, []);

  const act: Act = async (what, action) => {
    setOutcome(null);
    try {
      setOutcome({ ok: true, text: await action() });
    } catch (e) {
      const status = e instanceof ApiError ? ` (${e.status})` : "";
      setOutcome({ ok: false, text: `${what} failed${status}: ${(e as Error).message}` });
    }
    refreshSoon();
  };

  const migrate = async (pid: bigint, to: string) => {
    if (!(await ask(`Move process ${pid} to ${to}? It stops briefly at a safepoint.`, "Migrate"))) {
      return;
    }
    await act(`migrating ${pid}`, () => migrations.start(pid, to));
  };

  const self = nodes.find((n) => n.self);
  return (
    <>
      <header>
        <h1>Shoal</h1>
        <span class="served" data-testid="served-by">
          {self ? `served by ${self.name}` : "connecting..."}
        </span>
        <button onClick={logout} data-testid="logout">Log out</button>
      </header>
      <main>
        {outcome && (
          <div class={`banner ${outcome.ok ? "ok" : "error"}`} data-testid="action-result" role="status">
            {outcome.text}
          </div>
        )}
        <section>
          <h2>Nodes and where processes run <span class="muted">(drag a process onto a node to move it)</span></h2>
          <NodeCards nodes={nodes} processes={processes} onMigrate={migrate} />
        </section>
        <Migrations migrations={migrations.list} />
        <section>
          <h2>Processes</h2>
          <Processes
            processes={processes}
            nodes={nodes}
            ask={ask}
            act={act}
            onMigrate={migrate}
            onFollow={setFollowing}
          />
        </section>
        {following !== null && (
          <Logs pid={following} onClose={() => setFollowing(null)} />
        )}
        <div class="grid2">
          <section>
            <h2>Run a module</h2>
            <RunForm nodes={nodes} act={act} onStarted={setFollowing} />
          </section>
          <section>
            <h2>Events {watchError && <span class="muted">(reconnecting: {watchError})</span>}</h2>
            <Events events={events} />
          </section>
        </div>
        <section>
          <h2>Devices and mounts</h2>
          <Devices devices={devices} nodes={nodes} ask={ask} act={act} />
        </section>
      </main>
      {dialog}
    </>
  );
}
