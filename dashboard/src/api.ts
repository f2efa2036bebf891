// The Admin API from the browser, through shoald's JSON bridge
// (docs/dashboard.md, "The bridge"): every call is typed by the client
// protoc-gen-es generates from proto/admin.proto, so this file knows no
// method by hand either.
import {
  create,
  fromJson,
  toJson,
  type DescMessage,
  type DescMethodServerStreaming,
  type DescMethodUnary,
  type JsonValue,
  type MessageInitShape,
  type MessageShape,
} from "@bufbuild/protobuf";

const kBase = "/api/shoal.admin.v1.Admin/";

// A failed call: the gRPC status name and the server's message.
export class ApiError extends Error {
  constructor(
    readonly status: string,
    message: string,
  ) {
    super(message);
  }
}

function errorOf(body: unknown, fallback: string): ApiError {
  const e = body as { status?: string; message?: string } | null;
  return new ApiError(e?.status ?? "UNKNOWN", e?.message ?? fallback);
}

function parse(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return null;
  }
}

async function post(method: string, body: JsonValue, signal?: AbortSignal): Promise<Response> {
  const response = await fetch(kBase + method, {
    method: "POST",
    headers: { "Content-Type": "application/json" },
    body: JSON.stringify(body),
    credentials: "same-origin",
    signal,
  });
  if (response.status === 401) {
    // The cookie is gone or the token changed: log in again.
    window.location.assign("/login");
  }
  return response;
}

export async function unary<I extends DescMessage, O extends DescMessage>(
  method: DescMethodUnary<I, O>,
  request: MessageInitShape<I>,
): Promise<MessageShape<O>> {
  const response = await post(method.name, toJson(method.input, create(method.input, request)));
  const text = await response.text();
  const body = parse(text);
  if (!response.ok) throw errorOf(body, `${method.name}: HTTP ${response.status}`);
  return fromJson(method.output, body as JsonValue, { ignoreUnknownFields: true });
}

// Calls a server-streaming method and hands each message to `each` as it
// arrives; resolves when the stream ends, rejects with its error. Abort
// `signal` to stop it.
export async function stream<I extends DescMessage, O extends DescMessage>(
  method: DescMethodServerStreaming<I, O>,
  request: MessageInitShape<I>,
  each: (message: MessageShape<O>) => void,
  signal: AbortSignal,
): Promise<void> {
  const response = await post(
    method.name,
    toJson(method.input, create(method.input, request)),
    signal,
  );
  if (!response.ok || response.body === null) {
    throw errorOf(parse(await response.text()), `${method.name}: HTTP ${response.status}`);
  }
  const reader = response.body.getReader();
  const decoder = new TextDecoder();
  let pending = "";
  for (;;) {
    const { value, done } = await reader.read();
    if (done) break;
    pending += decoder.decode(value, { stream: true });
    let newline: number;
    while ((newline = pending.indexOf("\n")) >= 0) {
      const line = pending.slice(0, newline);
      pending = pending.slice(newline + 1);
      if (line === "") continue;  // A keep-alive.
      const item = parse(line) as { result?: JsonValue; error?: unknown } | null;
      if (item?.error !== undefined) throw errorOf(item.error, `${method.name} failed`);
      if (item?.result !== undefined) {
        each(fromJson(method.output, item.result, { ignoreUnknownFields: true }));
      }
    }
  }
}

export async function logout(): Promise<void> {
  await fetch("/logout", { method: "POST", credentials: "same-origin" });
  window.location.assign("/login");
}
