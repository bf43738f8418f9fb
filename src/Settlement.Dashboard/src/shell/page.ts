import type { Api } from "./api";

/** Who signed in: the answer of GET /api/access/me. */
export interface Me {
  keyId: string;
  name: string;
  role: string;
  operatorId: string | null;
  pages: string[];
  /** Every endpoint ("GET /api/sites") the key's role may call: a page offers an optional part (a command, a run, a download) only to those who may use it. */
  endpoints: string[];
}

export interface PageContext {
  api: Api;
  me: Me;
  /** Route parameters by name, e.g. { chargerId } for #/network/chargers/{chargerId}. */
  params: Record<string, string>;
  /** The hash's query (#/sessions?cursor=...). */
  query: URLSearchParams;
  navigate(route: string): void;
  /** Runs when the user leaves the page: close live streams, stop timers. */
  onLeave(cleanup: () => void): void;
}

export interface Page {
  /** The id the server lists in me.pages; pages sharing an id share its access. */
  id: string;
  title: string;
  /** Hash routes this page answers, with {name} parameters: "/network/chargers/{chargerId}". The first is its menu link. */
  routes: string[];
  /** Whether it appears in the navigation (detail pages do not). */
  inMenu: boolean;
  /** Fills `root` (the page's <main>); resolves once every request of the first render has finished. */
  render(root: HTMLElement, context: PageContext): Promise<void>;
}
