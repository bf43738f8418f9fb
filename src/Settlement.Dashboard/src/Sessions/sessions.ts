import { h } from "../shell/dom";
import type { Page } from "../shell/page";

export const page: Page = {
  id: "sessions",
  title: "Sessions",
  routes: ["/sessions", "/sessions/{sessionId}"],
  inMenu: true,
  async render(root) {
    root.append(h("h1", {}, "Sessions"));
  },
};
