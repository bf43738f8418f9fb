import { api, ApiError, storeKey, storedKey } from "./api";
import { errorBox, field, h } from "./dom";
import * as format from "./format";
import type { Me, Page } from "./page";
import { pages } from "./pages";

declare global {
  interface Window { settlementFormat: typeof format; }
}
// The end-to-end tests format the API's figures with these very functions to compare them with the page.
window.settlementFormat = format;

const content = document.getElementById("content")!;
const nav = document.getElementById("nav")!;
const who = document.querySelector<HTMLElement>(".who")!;
const menuButton = document.querySelector<HTMLButtonElement>(".menu")!;
let me: Me | null = null;
let leaving: (() => void)[] = [];

menuButton.addEventListener("click", () => {
  const open = nav.classList.toggle("open");
  menuButton.setAttribute("aria-expanded", String(open));
});

function match(route: string, path: string): Record<string, string> | null {
  const want = route.split("/").filter(Boolean);
  const got = path.split("/").filter(Boolean);
  if (want.length !== got.length) return null;
  const params: Record<string, string> = {};
  for (let i = 0; i < want.length; i++) {
    if (want[i].startsWith("{")) params[want[i].slice(1, -1)] = decodeURIComponent(got[i]);
    else if (want[i] !== got[i]) return null;
  }
  return params;
}

function find(path: string): { page: Page; params: Record<string, string> } | null {
  for (const page of pages) for (const route of page.routes) {
    const params = match(route, path);
    if (params) return { page, params };
  }
  return null;
}

function navigate(route: string): void {
  location.hash = `#${route}`;
}

function renderNav(current: Page | null): void {
  nav.replaceChildren(h("ul", {}, pages.filter((p) => p.inMenu && me?.pages.includes(p.id)).map((p) =>
    h("li", {}, h("a", { href: `#${p.routes[0]}`, "aria-current": current?.id === p.id ? "page" : null }, p.title)))));
  who.replaceChildren(...(me ? [
    h("span", { "data-testid": "signed-in-as" }, `${me.name} · ${me.role}`),
    h("button", { type: "button", class: "secondary", onclick: signOut }, "Sign out"),
  ] : []));
}

function signOut(): void {
  storeKey(null);
  me = null;
  navigate("/sign-in");
}

function signIn(root: HTMLElement, problem?: string): void {
  const key = h("input", { type: "password", name: "key", autocomplete: "off", required: true, spellcheck: "false" });
  const form = h("form", {},
    h("p", {}, "Sign in with an API key. It stays in this browser tab only and is sent with each request."),
    field("API key", key),
    h("button", { type: "submit" }, "Sign in"));
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    storeKey(key.value.trim());
    try {
      me = await api.get<Me>("/api/access/me");
      navigate(`/${me.pages[0] ?? "network"}`);
    } catch (error) {
      storeKey(null);
      signIn(root, error instanceof Error ? error.message : String(error));
    }
  });
  root.replaceChildren(h("h1", {}, "Sign in"), ...(problem ? [errorBox(problem)] : []), form);
  root.classList.add("sign-in");
  root.setAttribute("data-ready", "true");
  key.focus();
}

async function show(): Promise<void> {
  for (const cleanup of leaving) cleanup();
  leaving = [];
  nav.classList.remove("open");
  menuButton.setAttribute("aria-expanded", "false");
  const [path, queryText] = location.hash.replace(/^#/, "").split("?");
  const root = h("main", { "aria-busy": "true" });
  content.replaceChildren(root);

  if (!storedKey() || path === "/sign-in") {
    me = null;
    renderNav(null);
    root.setAttribute("data-testid", "page-sign-in");
    root.removeAttribute("aria-busy");
    signIn(root);
    return;
  }
  if (!me) {
    try {
      me = await api.get<Me>("/api/access/me");
    } catch (error) {
      if (error instanceof ApiError && error.status === 401) storeKey(null);
      renderNav(null);
      root.setAttribute("data-testid", "page-sign-in");
      root.removeAttribute("aria-busy");
      signIn(root, error instanceof Error ? error.message : String(error));
      return;
    }
  }
  const found = find(path || `/${me.pages[0] ?? "network"}`);
  renderNav(found?.page ?? null);
  if (!found) {
    root.setAttribute("data-testid", "page-not-found");
    root.replaceChildren(h("h1", {}, "Not found"), h("p", {}, `There is no page at ${path}.`));
    root.removeAttribute("aria-busy");
    root.setAttribute("data-ready", "true");
    return;
  }
  const { page, params } = found;
  root.setAttribute("data-testid", `page-${page.id}`);
  document.title = `${page.title} · Settlement`;
  if (!me.pages.includes(page.id)) {
    root.replaceChildren(h("h1", {}, page.title),
      h("section", { "data-testid": "refused", class: "error", role: "alert" },
        `A key of role ${me.role} may not see ${page.title}. Sign in with a key whose role may.`));
    root.removeAttribute("aria-busy");
    root.setAttribute("data-ready", "true");
    return;
  }
  try {
    await page.render(root, {
      api, me, params, query: new URLSearchParams(queryText ?? ""), navigate,
      onLeave: (cleanup) => leaving.push(cleanup),
    });
  } catch (error) {
    root.append(errorBox(error));
  } finally {
    root.removeAttribute("aria-busy");
    root.setAttribute("data-ready", "true");
    content.focus();
  }
}

window.addEventListener("hashchange", () => void show());
void show();
