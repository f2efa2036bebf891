// A live preview of a camera device of any node (Admin.WatchCamera): the
// frames drawn on a canvas as they come, with the camera's sequence, the
// frames skipped and the capture-to-page latency.
import { useEffect, useRef, useState } from "preact/hooks";
import { Admin, type CameraFrame } from "@gen/admin_pb";
import { stream } from "./api";

const kFps = 10;

// YUYV (Y0 U Y1 V per two pixels) and RGB24 into the canvas's RGBA.
function toRgba(frame: CameraFrame, out: ImageData) {
  const src = frame.data;
  const dst = out.data;
  if (frame.format === "rgb24") {
    for (let i = 0, j = 0; i + 2 < src.length && j < dst.length; i += 3, j += 4) {
      dst[j] = src[i]; dst[j + 1] = src[i + 1]; dst[j + 2] = src[i + 2]; dst[j + 3] = 255;
    }
    return;
  }
  const clamp = (v: number) => (v < 0 ? 0 : v > 255 ? 255 : v);
  for (let i = 0, j = 0; i + 3 < src.length && j + 7 < dst.length; i += 4, j += 8) {
    const u = src[i + 1] - 128, v = src[i + 3] - 128;
    for (const [y, k] of [[src[i], j], [src[i + 2], j + 4]] as const) {
      dst[k] = clamp(y + 1.402 * v);
      dst[k + 1] = clamp(y - 0.344 * u - 0.714 * v);
      dst[k + 2] = clamp(y + 1.772 * u);
      dst[k + 3] = 255;
    }
  }
}

// The smallest uncompressed mode: a preview needs no more.
export function previewMode(modes: string[]): string {
  const parsed = modes
    .map((m) => ({ m, size: m.match(/ (\d+)x(\d+) /) }))
    .filter((x) => x.size && /^(yuyv|rgb24) /.test(x.m))
    .map((x) => ({ m: x.m, pixels: Number(x.size![1]) * Number(x.size![2]) }));
  parsed.sort((a, b) => a.pixels - b.pixels);
  return parsed[0]?.m ?? "";
}

export function CameraPreview(props: { node: string; path: string; mode: string; onClose: () => void }) {
  const canvas = useRef<HTMLCanvasElement>(null);
  const [stats, setStats] = useState({ frames: 0, sequence: 0n, skipped: 0n, latencyMs: 0, mode: "" });
  const [status, setStatus] = useState("starting");

  useEffect(() => {
    const abort = new AbortController();
    let frames = 0;
    let skipped = 0n;
    stream(
      Admin.method.watchCamera,
      { node: props.node, path: props.path, mode: props.mode, maxFps: kFps },
      async (frame) => {
        const c = canvas.current;
        if (!c) return;
        c.width = frame.width;
        c.height = frame.height;
        const context = c.getContext("2d")!;
        if (frame.format === "mjpeg") {
          const bitmap = await createImageBitmap(new Blob([new Uint8Array(frame.data)], { type: "image/jpeg" }));
          context.drawImage(bitmap, 0, 0);
        } else {
          const image = context.createImageData(frame.width, frame.height);
          toRgba(frame, image);
          context.putImageData(image, 0, 0);
        }
        frames++;
        skipped += frame.skipped;
        setStatus("live");
        setStats({
          frames,
          sequence: frame.sequence,
          skipped,
          latencyMs: Date.now() - Number(frame.captureUnixNs / 1_000_000n),
          mode: frame.mode,
        });
      },
      abort.signal,
    )
      .then(() => setStatus("ended"))
      .catch((e) => !abort.signal.aborted && setStatus(`stopped: ${(e as Error).message}`));
    return () => abort.abort();
  }, [props.node, props.path, props.mode]);

  return (
    <section data-testid="camera-preview">
      <h2>
        {props.node}:{props.path} <span class="muted" data-testid="camera-status">({status})</span>{" "}
        <button onClick={props.onClose} data-testid="camera-close">Close</button>
      </h2>
      <canvas ref={canvas} class="camera" data-testid="camera-canvas" />
      <p class="muted" data-testid="camera-stats" data-frames={stats.frames}>
        {stats.mode} · {stats.frames} frames shown · sequence {String(stats.sequence)} · skipped{" "}
        {String(stats.skipped)} (at most {kFps} a second) · capture to page {stats.latencyMs} ms
      </p>
    </section>
  );
}
