// Runs the host does in the background (a verify run, a replay run): started by a POST that answers 202 { runId }, then
// asked about once a second while they run. That is a run's progress, not live status, so polling is the right tool;
// it stops when the run ends or the user leaves the page.
import { ApiError, type Api } from "../shell/api";

export interface Run {
  runId: string;
  status: "running" | "passed" | "failed";
}

const pollEveryMs = 1_000;

/** The run started, or the one already under way: the host runs one of a kind at a time and answers 409 naming it. */
async function started(api: Api, startPath: string): Promise<string> {
  try {
    return (await api.post<{ runId: string }>(startPath)).runId;
  } catch (problem) {
    const busy = problem instanceof ApiError && problem.status === 409 ? (problem.body as { runId?: unknown } | undefined)?.runId : undefined;
    if (typeof busy === "string") return busy;
    throw problem;
  }
}

export interface RunFollower {
  /** Starts a run with `startPath` (or joins the one under way) and follows it at `runPath(runId)`, showing each answer; rejects with the API's refusal. */
  start(startPath: string, runPath: (runId: string) => string): Promise<void>;
}

export function runFollower<T extends Run>(api: Api, onLeave: (cleanup: () => void) => void, show: (run: T) => void,
  failed: (problem: unknown) => void): RunFollower {
  let timer: ReturnType<typeof setTimeout> | undefined;
  let left = false;
  onLeave(() => { left = true; clearTimeout(timer); });

  return {
    async start(startPath, runPath) {
      clearTimeout(timer);
      const runId = await started(api, startPath);
      return new Promise<void>((done) => {
        const ask = async (): Promise<void> => {
          if (left) return done();
          try {
            const run = await api.get<T>(runPath(runId));
            if (left) return done();
            show(run);
            if (run.status === "running") timer = setTimeout(() => void ask(), pollEveryMs);
            else done();
          } catch (problem) {
            failed(problem);
            done();
          }
        };
        void ask();
      });
    },
  };
}
