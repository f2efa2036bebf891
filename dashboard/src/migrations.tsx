// Moves started from this page, as they happen: the Migrate stream's
// pre-copy rounds (bytes, dirty rate, how much the process was slowed),
// the freeze, and the summary with the time it ran nowhere.
import { useState } from "preact/hooks";
import { Admin, MigrateProgress_Stage, type MigrateProgress } from "@gen/admin_pb";
import { stream } from "./api";
import { bytes, enumName } from "./format";

export type Migration = {
  pid: bigint;
  to: string;
  steps: MigrateProgress[];
  error?: string;
};

export function useMigrations() {
  const [list, setList] = useState<Migration[]>([]);
  const update = (pid: bigint, change: (m: Migration) => Migration) =>
    setList((old) => old.map((m) => (m.pid === pid ? change(m) : m)));

  // Resolves with the summary once committed; rejects with the reason.
  const start = async (pid: bigint, to: string): Promise<string> => {
    setList((old) => [{ pid, to, steps: [] }, ...old.filter((m) => m.pid !== pid)].slice(0, 5));
    let last: MigrateProgress | undefined;
    try {
      await stream(
        Admin.method.migrate,
        { pid, toNode: to },
        (step) => {
          last = step;
          update(pid, (m) => ({ ...m, steps: [...m.steps, step] }));
        },
        new AbortController().signal,
      );
    } catch (e) {
      update(pid, (m) => ({ ...m, error: (e as Error).message }));
      throw e;
    }
    const s = last?.summary;
    if (!s) throw new Error("the stream ended before the commit");
    return `migrated ${pid} from ${s.fromNode} to ${s.toNode} in ${(Number(s.totalUs) / 1000).toFixed(0)} ms ` +
      `(frozen ${(Number(s.freezeUs) / 1000).toFixed(1)} ms, ${s.rounds} rounds, ${bytes(s.bytesSent)} sent)`;
  };
  return { list, start };
}

export function Migrations(props: { migrations: Migration[] }) {
  if (props.migrations.length === 0) return null;
  return (
    <section data-testid="migrations">
      <h2>Migrations</h2>
      {props.migrations.map((m) => {
        const rounds = m.steps.filter((s) => s.stage === MigrateProgress_Stage.COPYING);
        const last = m.steps[m.steps.length - 1];
        const summary = m.steps.find((s) => s.summary)?.summary;
        return (
          <div key={String(m.pid)} data-testid={`migration-${m.pid}`}>
            <p>
              Process {String(m.pid)} to {m.to}:{" "}
              <strong data-testid={`migration-stage-${m.pid}`}>
                {m.error ? `failed: ${m.error}` : last ? enumName(MigrateProgress_Stage, last.stage) : "starting"}
              </strong>
              {summary && (
                <span data-testid={`migration-summary-${m.pid}`}>
                  {" "}· {(Number(summary.totalUs) / 1000).toFixed(0)} ms in all, frozen{" "}
                  {(Number(summary.freezeUs) / 1000).toFixed(1)} ms, {summary.rounds} rounds,{" "}
                  {bytes(summary.bytesSent)} sent
                </span>
              )}
            </p>
            {rounds.length > 0 && (
              <table class="rounds">
                <thead>
                  <tr><th>Round</th><th>This round</th><th>Sent so far</th><th>Dirty rate</th><th>Run share</th></tr>
                </thead>
                <tbody>
                  {rounds.map((r) => (
                    <tr key={r.round}>
                      <td>{r.round}</td>
                      <td>{bytes(r.roundBytes)}</td>
                      <td>{bytes(r.bytesSent)}</td>
                      <td>{bytes(r.dirtyBytesPerS)}/s</td>
                      <td>{(r.runSharePermille / 10).toFixed(0)}%</td>
                    </tr>
                  ))}
                </tbody>
              </table>
            )}
          </div>
        );
      })}
    </section>
  );
}
