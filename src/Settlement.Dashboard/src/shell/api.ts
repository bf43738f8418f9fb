// The one way the dashboard talks to the host: every request carries the signed-in key, and every failure becomes an
// ApiError whose message is the API's own explanation, so a page can show it rather than fail silently.

const keyStorage = "settlement.apiKey";

export function storedKey(): string | null {
  return sessionStorage.getItem(keyStorage);
}

export function storeKey(key: string | null): void {
  if (key === null) sessionStorage.removeItem(keyStorage);
  else sessionStorage.setItem(keyStorage, key);
}

export class ApiError extends Error {
  /** `body`: the API's answer as JSON when it was JSON (a 409 may name what is in the way), else undefined. */
  constructor(readonly status: number, readonly path: string, message: string, readonly body?: unknown) {
    super(message);
  }
}

export interface Api {
  get<T>(path: string): Promise<T>;
  getText(path: string): Promise<string>;
  post<T>(path: string, body?: unknown): Promise<T>;
  /** Fetches a document and hands it to the browser as a file download; resolves with its size in bytes. */
  download(path: string, fileName: string): Promise<number>;
  /** Reads a text/event-stream until `signal` aborts; each event's data is parsed as JSON. */
  stream(path: string, onEvent: (name: string, data: unknown) => void, signal: AbortSignal): Promise<void>;
}

function headers(extra?: Record<string, string>): Record<string, string> {
  const key = storedKey();
  return { ...(key ? { Authorization: `Bearer ${key}` } : {}), ...extra };
}

async function explain(response: Response, path: string): Promise<ApiError> {
  let message = `${response.status} ${response.statusText}`;
  let answer: unknown;
  try {
    const text = await response.text();
    if (text) {
      try {
        const body = answer = JSON.parse(text);
        const problems: string[] = Array.isArray(body?.problems) ? body.problems : [];
        message = [body?.error ?? body?.title ?? message, ...problems.filter((p) => p !== body?.error)].join(" ");
      } catch {
        message = text.slice(0, 500);
      }
    }
  } catch {
    // The body could not be read: the status line is all there is to say.
  }
  if (response.status === 401) message = `Your key was not accepted (${message}). Sign in again.`;
  if (response.status === 403) message = `Your key's role may not read this (${message}).`;
  return new ApiError(response.status, path, message, answer);
}

async function send(path: string, init: RequestInit): Promise<Response> {
  const response = await fetch(path, { ...init, headers: headers(init.headers as Record<string, string>) });
  if (!response.ok) throw await explain(response, path);
  return response;
}

export const api: Api = {
  async get<T>(path: string): Promise<T> {
    const response = await send(path, { headers: { Accept: "application/json" } });
    return (response.status === 204 ? undefined : await response.json()) as T;
  },
  async getText(path: string): Promise<string> {
    return await (await send(path, {})).text();
  },
  async post<T>(path: string, body?: unknown): Promise<T> {
    const response = await send(path, {
      method: "POST",
      headers: { "Content-Type": "application/json", Accept: "application/json" },
      body: JSON.stringify(body ?? {}),
    });
    const text = await response.text();
    return (text ? JSON.parse(text) : undefined) as T;
  },
  async download(path: string, fileName: string): Promise<number> {
    const blob = await (await send(path, {})).blob();
    const url = URL.createObjectURL(blob);
    const link = document.createElement("a");
    link.href = url;
    link.download = fileName;
    document.body.append(link);
    link.click();
    link.remove();
    setTimeout(() => URL.revokeObjectURL(url), 60_000);
    return blob.size;
  },
  async stream(path: string, onEvent: (name: string, data: unknown) => void, signal: AbortSignal): Promise<void> {
    const response = await send(path, { headers: { Accept: "text/event-stream" }, signal });
    const reader = response.body!.pipeThrough(new TextDecoderStream()).getReader();
    let buffered = "";
    try {
      while (true) {
        const { value, done } = await reader.read();
        if (done) return;
        buffered += value;
        let end: number;
        while ((end = buffered.indexOf("\n\n")) >= 0) {
          const block = buffered.slice(0, end);
          buffered = buffered.slice(end + 2);
          let name = "message";
          const data: string[] = [];
          for (const line of block.split("\n")) {
            if (line.startsWith("event:")) name = line.slice(6).trim();
            else if (line.startsWith("data:")) data.push(line.slice(5).trimStart());
          }
          if (data.length > 0) onEvent(name, JSON.parse(data.join("\n")));
        }
      }
    } catch (problem) {
      if (signal.aborted) return;
      throw problem;
    }
  },
};
