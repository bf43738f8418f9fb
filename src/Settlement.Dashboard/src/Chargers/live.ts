// The chargers' live status, pushed by the host (GET /api/live/chargers, a text/event-stream read with fetch so the key
// rides in the header): a snapshot first, then one charger at a time as its presence, faults or connectors change.
// A dropped feed is reopened with growing pauses; a refused one (bad key, role, missing) is not retried.
import { ApiError, type Api } from "../shell/api";
import { h } from "../shell/dom";
import type { LiveCharger } from "./types";

export interface LiveFeed {
  /** "live", "reconnecting" or "stopped", said in an aria-live region. */
  status: HTMLElement;
  /** Resolves once the first snapshot arrived or the feed failed, so the page can say it is ready. */
  firstAnswer: Promise<void>;
}

export interface LiveHandlers {
  snapshot(chargers: LiveCharger[]): void;
  charger(charger: LiveCharger): void;
  failed(problem: unknown): void;
}

const firstPause = 1_000;
const longestPause = 30_000;

export function openLiveFeed(api: Api, onLeave: (cleanup: () => void) => void, handlers: LiveHandlers): LiveFeed {
  const status = h("p", { class: "live-status", "aria-live": "polite", "data-testid": "live-status", "data-state": "connecting" }, "Connecting to the live feed…");
  const stop = new AbortController();
  let timer: number | undefined;
  onLeave(() => { stop.abort(); window.clearTimeout(timer); });
  const say = (state: string, text: string) => { status.dataset.state = state; status.textContent = text; };

  let answered: () => void = () => {};
  const firstAnswer = new Promise<void>((resolve) => { answered = resolve; });

  const connect = async (pause: number): Promise<void> => {
    try {
      await api.stream("/api/live/chargers", (name, data) => {
        if (name === "snapshot") {
          handlers.snapshot((data as { chargers: LiveCharger[] }).chargers);
          say("live", "Live: statuses update as the chargers report.");
          pause = firstPause;
          answered();
        } else if (name === "charger") {
          handlers.charger(data as LiveCharger);
        }
      }, stop.signal);
      if (stop.signal.aborted) return;
    } catch (problem) {
      if (stop.signal.aborted) return;
      if (problem instanceof ApiError && problem.status >= 400 && problem.status < 500) {
        say("stopped", "The live feed is not available.");
        handlers.failed(problem);
        answered();
        return;
      }
    }
    // The host closed the feed or the network dropped it: statuses shown may be stale until it is back.
    say("reconnecting", `Reconnecting to the live feed in ${Math.round(pause / 1000)} s; statuses shown may be out of date.`);
    answered();
    timer = window.setTimeout(() => void connect(Math.min(pause * 2, longestPause)), pause);
  };
  void connect(firstPause);
  return { status, firstAnswer };
}
