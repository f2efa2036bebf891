// One process's console output, followed live (the Logs stream with
// follow): it keeps coming when the process moves, and stops when it ends.
import { useEffect, useRef, useState } from "preact/hooks";
import { Admin } from "@gen/admin_pb";
import { stream } from "./api";

const kMaxChars = 200_000;  // The newest output is kept; a long run scrolls off.

export function Logs(props: { pid: bigint; onClose: () => void }) {
  const [text, setText] = useState("");
  const [status, setStatus] = useState("following");
  const pre = useRef<HTMLPreElement>(null);

  useEffect(() => {
    setText("");
    setStatus("following");
    const abort = new AbortController();
    const decoder = new TextDecoder();
    stream(
      Admin.method.logs,
      { pid: props.pid, follow: true },
      (chunk) => {
        const part = decoder.decode(chunk.data, { stream: true });
        setText((old) => (old + part).slice(-kMaxChars));
      },
      abort.signal,
    )
      .then(() => setStatus("ended"))
      .catch((e) => !abort.signal.aborted && setStatus(`stopped: ${(e as Error).message}`));
    return () => abort.abort();
  }, [props.pid]);

  useEffect(() => {
    if (pre.current) pre.current.scrollTop = pre.current.scrollHeight;
  }, [text]);

  return (
    <section data-testid="logs">
      <h2>
        Output of process {String(props.pid)} <span class="muted" data-testid="logs-status">({status})</span>{" "}
        <button onClick={props.onClose} data-testid="logs-close">Close</button>
      </h2>
      <pre class="logs" ref={pre} data-testid="logs-output">{text}</pre>
    </section>
  );
}
