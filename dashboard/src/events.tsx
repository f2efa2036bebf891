// The cluster's event feed (Watch), newest first.
import { Event_Kind, ExitKind, type Event } from "@gen/admin_pb";
import { clock, enumName } from "./format";

function detail(e: Event): string {
  switch (e.kind) {
    case Event_Kind.PROCESS_STARTED:
      return `process ${e.pid} started on ${e.node}`;
    case Event_Kind.PROCESS_EXITED:
      return `process ${e.pid} ended on ${e.node}: ${e.exit ? enumName(ExitKind, e.exit.kind) : ""}` +
        (e.exit && e.exit.code !== 0 ? ` (${e.exit.code})` : "");
    case Event_Kind.PROCESS_LOST:
      return `process ${e.pid} lost with ${e.node}`;
    case Event_Kind.PROCESS_FOUND:
      return `process ${e.pid} found running on ${e.node} again`;
    case Event_Kind.PROCESS_MOVED:
      return `process ${e.pid} moved from ${e.fromNode} to ${e.node} (frozen ${(Number(e.freezeUs) / 1000).toFixed(1)} ms)`;
    default:
      // Membership events come from each node's failure detector.
      return `${e.node}: ${enumName(Event_Kind, e.kind)}` + (e.origin ? ` (seen by ${e.origin})` : "");
  }
}

export function Events(props: { events: Event[] }) {
  if (props.events.length === 0) return <p class="muted">No events yet.</p>;
  return (
    <div class="events">
      <ul data-testid="events">
        {props.events.map((e) => (
          <li key={`${e.origin}-${e.originSeq}-${e.seq}`}>
            <span class="muted">{clock(e.unixMs)}</span> {detail(e)}
          </li>
        ))}
      </ul>
    </div>
  );
}
